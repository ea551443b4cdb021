//! Which panic is unwinding: the quiet hook counts the panics that begin on each thread, so
//! that a guard made while an older panic unwinds can tell, when it is dropped, whether the
//! unwind is that older panic's or a newer one's. std says only whether the thread is
//! unwinding, not how many panics deep.
//!
//! The count moves up only in the quiet hook, so when another hook has replaced it (or a
//! panic is carried on by `resume_unwind`, which calls no hook) a guard never concludes that
//! a newer panic is unwinding, and decides by `std::thread::panicking()` alone, as before.

use std::cell::Cell;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

use super::{check_quiet_hook, quiet_hook_unchecked};

/// This thread's panics, as steadfast saw them.
struct Panics {
    /// Panics that began on this thread (counted by the quiet hook), less those that
    /// steadfast caught and ended. Wrapping: only the difference of two readings on one
    /// thread means anything, so a panic that a plain `catch_unwind` ended (which nothing
    /// subtracts) before a guard was made shifts both of that guard's readings alike.
    unfinished: Cell<u32>,
    /// Names this thread in a [`Start`], so that a guard dropped on another thread than the
    /// one it was made on never compares two threads' counts. 0 until a guard first needs it.
    tag: Cell<u32>,
}

thread_local! {
    // No destructor, so reaching it never fails, even from a thread-local's destructor.
    static PANICS: Panics = const {
        Panics {
            unfinished: Cell::new(0),
            tag: Cell::new(0),
        }
    };
}

/// The tag the next thread to need one gets.
static NEXT_TAG: AtomicU32 = AtomicU32::new(1);

/// A panic begins on this thread: the quiet hook calls this for every panic it sees.
pub(crate) fn panic_began() {
    PANICS.with(|panics| {
        panics
            .unfinished
            .set(panics.unfinished.get().wrapping_add(1))
    });
}

/// Steadfast caught a panic and ended it: recovered it (`Panic::catch`, `#[recover]`), or
/// reported it so that an older one goes on (a cleanup that panicked during an unwind).
/// Not called where a caught panic is carried on with `resume_unwind`.
pub(crate) fn panic_ended() {
    PANICS.with(|panics| {
        panics
            .unfinished
            .set(panics.unfinished.get().wrapping_sub(1))
    });
}

/// What a guard that runs on success or on unwind records when it is made, to tell at its
/// drop whether the thread is unwinding from a panic that began after it.
///
/// One word, so that it costs one register while the guard's scope runs: 0 when the thread
/// was not unwinding (the usual case: then any unwind at the drop began after the guard);
/// otherwise the thread's tag in the high half and [`Panics::unfinished`] in the low half.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start(u64);

impl Start {
    /// Made while the thread was not unwinding; also what an `Always` guard holds, unread.
    pub(crate) const CALM: Start = Start(0);

    /// What a guard records as it is made. On a thread that is not unwinding, the first
    /// call makes sure the quiet hook is installed, so that it counts the panics to come
    /// (std refuses to change the hook while the thread is unwinding, which is when a guard
    /// needs the count).
    #[inline(always)]
    pub(crate) fn now() -> Start {
        if quiet_hook_unchecked() || thread::panicking() {
            return Start::slow();
        }
        Start::CALM
    }

    #[cold]
    #[inline(never)]
    fn slow() -> Start {
        if thread::panicking() {
            return PANICS.with(|panics| {
                Start(u64::from(tag(panics).get()) << 32 | u64::from(panics.unfinished.get()))
            });
        }
        check_quiet_hook();
        Start::CALM
    }

    /// Asked as the guard drops while the thread is unwinding: whether that unwind is of a
    /// panic that began after the guard was made, so that it is the guard's own.
    #[inline(always)]
    pub(crate) fn unwind_is_newer(self) -> bool {
        self.0 == 0 || self.a_newer_panic_is_unfinished()
    }

    /// A guard made during an older unwind: the unwind now is a newer panic's when a panic
    /// has begun since, on this same thread, that steadfast has not ended. With the quiet
    /// hook replaced the count does not move up, and the unwind is the older one's.
    #[cold]
    #[inline(never)]
    fn a_newer_panic_is_unfinished(self) -> bool {
        let (made_on, unfinished_then) = ((self.0 >> 32) as u32, self.0 as u32);
        PANICS.with(|panics| {
            let since = panics.unfinished.get().wrapping_sub(unfinished_then);
            // A difference past `i32::MAX` is a count that went down: panics steadfast ended
            // that the hook did not count (carried on by `resume_unwind`, or with the hook
            // replaced).
            panics.tag.get() == made_on && (1..=i32::MAX as u32).contains(&since)
        })
    }
}

/// This thread's tag, given on first use.
fn tag(panics: &Panics) -> NonZeroU32 {
    if let Some(tag) = NonZeroU32::new(panics.tag.get()) {
        return tag;
    }
    // 0 is "no tag yet": skipped when the counter wraps (after 2^32 threads made guards
    // while unwinding; a reused tag matters only to a guard moved between those threads).
    let tag = loop {
        if let Some(tag) = NonZeroU32::new(NEXT_TAG.fetch_add(1, Ordering::Relaxed)) {
            break tag;
        }
    };
    panics.tag.set(tag.get());
    tag
}
