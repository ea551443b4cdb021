//! Time for sync retries: the real clock, or a virtual one that a test pauses.
//!
//! A sync `#[retry]` (and [`Retry::run`](crate::Retry::run)) reads the time and sleeps
//! through this module. Normally that is `std::time::Instant::now()` and
//! `std::thread::sleep`. While a [`Paused`] guard from [`pause`] is alive, on its thread,
//! time is virtual instead: it stands still until a retry sleeps, and a sleep moves it on
//! by exactly its length without blocking. It is the sync analogue of tokio's paused clock
//! (`tokio::time::pause`), which async retries already follow.
//!
//! ```
//! use std::time::Duration;
//! use steadfast::retry;
//!
//! #[retry(attempts = 4, backoff = "exp", delay = "1s", jitter = "none")]
//! fn fetch() -> Result<(), &'static str> {
//!     Err("down")
//! }
//!
//! let clock = steadfast::time::pause();
//! assert_eq!(fetch(), Err("down"));
//! assert_eq!(clock.elapsed(), Duration::from_secs(7)); // 1 + 2 + 4 seconds, slept in no time
//! ```
//!
//! The virtual clock is per thread, so tests running in parallel do not see each other's
//! time, and a retried function called on another thread runs on the real clock.

use std::cell::Cell;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

thread_local! {
    /// While paused: the real instant the pause began at, and how far virtual time has
    /// moved on from it.
    static PAUSED: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
}

/// Pauses time on this thread until the returned guard is dropped.
///
/// While paused, sync retries on this thread do not block: a sleep moves the virtual clock
/// on by its length, and deadlines are measured on that clock, so elapsed times are exact.
/// Pausing while already paused keeps the current virtual time; each guard restores what
/// was there before it when dropped.
///
/// Bind the guard to a named variable for as long as time should stand still, as in
/// `let _clock = steadfast::time::pause();`: `let _ = steadfast::time::pause();` drops it
/// at the end of that statement, so the clock is real again at once.
///
/// ```
/// use std::time::Duration;
///
/// let clock = steadfast::time::pause();
/// let before = steadfast::time::now();
/// steadfast::time::sleep(Duration::from_secs(3600)); // returns at once
/// assert_eq!(steadfast::time::now() - before, Duration::from_secs(3600));
/// assert_eq!(clock.elapsed(), Duration::from_secs(3600));
/// ```
#[must_use = "time is paused only while the guard lives: bind it to a named variable, as in `let _clock = steadfast::time::pause();`; `let _ = …` drops it at once"]
pub fn pause() -> Paused {
    let previous = PAUSED.get();
    let started = previous.map_or_else(Instant::now, |(origin, offset)| origin + offset);
    PAUSED.set(Some((started, Duration::ZERO)));
    Paused {
        previous,
        started,
        not_send: PhantomData,
    }
}

/// Time is paused on this thread while this guard lives: see [`pause`].
///
/// ```
/// use std::time::Duration;
///
/// let clock = steadfast::time::pause();
/// clock.advance(Duration::from_millis(250));
/// assert_eq!(clock.elapsed(), Duration::from_millis(250));
/// drop(clock); // real time again
/// assert!(!steadfast::time::is_paused());
/// ```
#[derive(Debug)]
pub struct Paused {
    previous: Option<(Instant, Duration)>,
    started: Instant,
    /// The clock belongs to the thread that paused it.
    not_send: PhantomData<*const ()>,
}

impl Paused {
    /// Moves virtual time on by `by`, as a sleep would.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = steadfast::time::pause();
    /// let before = steadfast::time::now();
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(steadfast::time::now() - before, Duration::from_secs(2));
    /// ```
    pub fn advance(&self, by: Duration) {
        advance(by);
    }

    /// Virtual time passed since this guard paused the clock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = steadfast::time::pause();
    /// steadfast::time::sleep(Duration::from_millis(30));
    /// assert_eq!(clock.elapsed(), Duration::from_millis(30));
    /// ```
    pub fn elapsed(&self) -> Duration {
        now().saturating_duration_since(self.started)
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        // An outer pause goes on from where this one left virtual time.
        let moved = self.elapsed();
        PAUSED.set(
            self.previous
                .map(|(origin, offset)| (origin, offset + moved)),
        );
    }
}

/// Whether time is paused on this thread.
///
/// ```
/// assert!(!steadfast::time::is_paused());
/// let _clock = steadfast::time::pause();
/// assert!(steadfast::time::is_paused());
/// ```
pub fn is_paused() -> bool {
    PAUSED.get().is_some()
}

/// Now, on this thread's clock: the real one, or the virtual one while paused.
///
/// ```
/// let a = steadfast::time::now();
/// let b = steadfast::time::now();
/// assert!(b >= a);
/// ```
#[inline]
pub fn now() -> Instant {
    match PAUSED.get() {
        None => Instant::now(),
        Some((origin, offset)) => origin + offset,
    }
}

/// Sleeps for `delay` on this thread's clock: blocks on the real one, or moves the virtual
/// one on without blocking while paused.
///
/// ```
/// use std::time::Duration;
/// let clock = steadfast::time::pause();
/// steadfast::time::sleep(Duration::from_secs(10));
/// assert_eq!(clock.elapsed(), Duration::from_secs(10));
/// ```
pub fn sleep(delay: Duration) {
    if delay.is_zero() {
        return;
    }
    if !advance(delay) {
        std::thread::sleep(delay);
    }
}

/// Moves virtual time on, if paused; says whether it was.
fn advance(by: Duration) -> bool {
    match PAUSED.get() {
        None => false,
        Some((origin, offset)) => {
            PAUSED.set(Some((origin, offset + by)));
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_pauses_carry_virtual_time_outwards() {
        let outer = pause();
        outer.advance(Duration::from_secs(1));
        {
            let inner = pause();
            sleep(Duration::from_secs(2));
            assert_eq!(inner.elapsed(), Duration::from_secs(2));
        }
        assert_eq!(outer.elapsed(), Duration::from_secs(3));
        drop(outer);
        assert!(!is_paused());
    }

    #[test]
    fn each_thread_has_its_own_clock() {
        let _clock = pause();
        assert!(std::thread::spawn(|| !is_paused()).join().unwrap());
        assert!(is_paused());
    }
}
