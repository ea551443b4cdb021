//! Panics as values: [`Panic`], catching them quietly, sync and async.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::io::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::{Mutex, Once};
use std::task::Poll;

use crate::report::payload_message;

pub(crate) mod count;

/// Where a panic happened: file, line and column, as [`Panic::location`] gives it.
///
/// ```
/// let panic = steadfast::Panic::catch(|| panic!("here")).unwrap_err();
/// let location = panic.location().unwrap();
/// assert_eq!(location.file(), file!());
/// let (file, line, column) = (location.file(), location.line(), location.column());
/// assert_eq!(location.to_string(), format!("{file}:{line}:{column}"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    file: String,
    line: u32,
    column: u32,
}

impl Location {
    /// The source file, as the compiler named it.
    ///
    /// ```
    /// let panic = steadfast::Panic::catch(|| panic!("here")).unwrap_err();
    /// assert_eq!(panic.location().map(|l| l.file()), Some(file!()));
    /// ```
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The line, from 1.
    ///
    /// ```
    /// let (caught, line) = (steadfast::Panic::catch(|| panic!("here")), line!());
    /// assert_eq!(caught.unwrap_err().location().map(|l| l.line()), Some(line));
    /// ```
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The column, from 1.
    ///
    /// ```
    /// let caught = steadfast::Panic::catch(|| panic!("here"));
    /// let column = caught.unwrap_err().location().map(|l| l.column()).unwrap();
    /// assert!(column > 1); // where `panic!` begins on its line
    /// ```
    pub fn column(&self) -> u32 {
        self.column
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A caught panic, as a value: what `#[recover]` turns a panic into.
///
/// It keeps the payload, so [`into_payload`](Panic::into_payload) and
/// `std::panic::resume_unwind` can carry the panic on; [`message`](Panic::message),
/// [`location`](Panic::location) and [`thread`](Panic::thread) say what happened, where,
/// and on which thread. It is an error (`Display`, `std::error::Error`, `Send + Sync`),
/// so it converts into the error types of `Result`s.
///
/// ```
/// let caught = steadfast::Panic::catch(|| {
///     let v: Vec<u32> = Vec::new();
///     v[3]
/// });
/// let panic = caught.unwrap_err();
/// assert!(panic.message().contains("index out of bounds"));
/// assert_eq!(panic.location().map(|l| l.file()), Some(file!()));
/// ```
pub struct Panic {
    message: Option<String>,
    location: Option<Location>,
    thread: Option<String>,
    /// In a mutex only so that `Panic` is `Sync`: the payload is reached by value alone.
    payload: Mutex<Box<dyn Any + Send>>,
}

/// What [`Panic::message`] says of a payload that is neither `&str` nor `String`.
///
/// ```
/// let panic = steadfast::Panic::catch(|| -> u8 { std::panic::panic_any(42) }).unwrap_err();
/// assert_eq!(panic.message(), steadfast::NON_STRING_PAYLOAD);
/// ```
pub const NON_STRING_PAYLOAD: &str = "<panic payload that is not a string>";

impl Panic {
    /// A `Panic` made from a caught payload, with no location or thread known.
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
    /// let panic = steadfast::Panic::from_payload(payload);
    /// assert_eq!(panic.message(), "boom");
    /// assert!(panic.location().is_none());
    /// ```
    pub fn from_payload(payload: Box<dyn Any + Send>) -> Self {
        Panic {
            message: payload_message(&*payload).map(str::to_owned),
            location: None,
            thread: None,
            payload: Mutex::new(payload),
        }
    }

    /// Runs `f`, turning a panic into `Err(Panic)`. While `f` runs on this thread, the panic
    /// hook does not print its panics (they are recovered, not lost): see the crate's
    /// "quiet recovery".
    ///
    /// ```
    /// assert_eq!(steadfast::Panic::catch(|| 7).ok(), Some(7));
    /// let err = steadfast::Panic::catch(|| -> u32 { panic!("no") }).unwrap_err();
    /// assert_eq!(err.message(), "no");
    /// ```
    #[inline]
    pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
        catch_quietly(f).map_err(Caught::into_panic)
    }

    /// Awaits `future`, turning a panic in any of its polls into `Err(Panic)`. Nothing is
    /// boxed or spawned; after a panic the future is dropped, never polled again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = steadfast::Panic::catch_async(async {
    ///     tokio::task::yield_now().await;
    ///     panic!("in the second poll")
    /// })
    /// .await
    /// .map(|()| ())
    /// .unwrap_err();
    /// assert_eq!(err.message(), "in the second poll");
    /// # }
    /// ```
    pub async fn catch_async<F: Future>(future: F) -> Result<F::Output, Panic> {
        catch_async_quietly(future)
            .await
            .map_err(Caught::into_panic)
    }

    /// A panic just caught on this thread, with what the hook saw of it.
    #[cold]
    fn caught(payload: Box<dyn Any + Send>) -> Self {
        let mut panic = Panic::from_payload(payload);
        if let Some(seen) = take_pending() {
            // `resume_unwind` does not call the hook: what it holds may be an older panic
            // that the body handled itself. Only the same message is this panic.
            if seen.message.as_deref() == panic.message.as_deref() {
                panic.location = seen.location;
                panic.thread = seen.thread;
            } else {
                seen.print_unrecovered();
            }
        }
        report_recovered(&panic);
        panic
    }

    /// The panic's message: the `&str` or `String` given to `panic!`, or
    /// [`NON_STRING_PAYLOAD`] for a payload of another type.
    ///
    /// ```
    /// let panic = steadfast::Panic::catch(|| panic!("disk {} is full", 3)).unwrap_err();
    /// assert_eq!(panic.message(), "disk 3 is full");
    ///
    /// let other = steadfast::Panic::catch(|| -> u8 { std::panic::panic_any(42) }).unwrap_err();
    /// assert_eq!(other.message(), steadfast::NON_STRING_PAYLOAD);
    /// ```
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(NON_STRING_PAYLOAD)
    }

    /// Where the panic happened, when the panic was caught by steadfast on the thread that
    /// panicked (not for a payload that reached it from elsewhere, such as a joined task).
    ///
    /// ```
    /// let (caught, line) = (steadfast::Panic::catch(|| panic!("here")), line!());
    /// let location = caught.unwrap_err().location().cloned().unwrap();
    /// assert_eq!((location.file(), location.line()), (file!(), line));
    ///
    /// // A payload caught by someone else comes without a location.
    /// let payload = std::panic::catch_unwind(|| panic!("elsewhere")).unwrap_err();
    /// assert!(steadfast::Panic::from_payload(payload).location().is_none());
    /// ```
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// The name of the thread that panicked, if it has one and it is known.
    ///
    /// ```
    /// let panic = std::thread::Builder::new()
    ///     .name("worker".into())
    ///     .spawn(|| steadfast::Panic::catch(|| panic!("boom")).unwrap_err())
    ///     .unwrap()
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(panic.thread(), Some("worker"));
    /// ```
    pub fn thread(&self) -> Option<&str> {
        self.thread.as_deref()
    }

    /// The payload, to carry the panic on with `std::panic::resume_unwind`.
    ///
    /// ```
    /// let panic = steadfast::Panic::catch(|| panic!("again")).unwrap_err();
    /// let resumed = std::panic::catch_unwind(|| std::panic::resume_unwind(panic.into_payload()));
    /// assert_eq!(resumed.unwrap_err().downcast_ref::<&str>(), Some(&"again"));
    /// ```
    pub fn into_payload(self) -> Box<dyn Any + Send> {
        self.payload
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A panic [`catch_quietly`] caught, still as its payload: a two-word `Err`, so that a
/// call that does not panic moves no more than `catch_unwind` would.
/// [`Caught::into_panic`] claims what the hook held back of it and makes the [`Panic`].
pub struct Caught(Option<Box<dyn Any + Send>>);

impl Caught {
    /// A panic out of a scope's body: the scope ends (what the hook held back of the
    /// panic stays pending until the `Caught` claims it).
    #[cold]
    #[inline(never)]
    fn leaving_scope(payload: Box<dyn Any + Send>) -> Caught {
        SCOPES.with(|scopes| scopes.state.set(scopes.state.get() - 1));
        count::panic_ended();
        Caught(Some(payload))
    }

    /// The [`Panic`], with what the hook saw of it.
    #[cold]
    #[inline(never)]
    pub fn into_panic(mut self) -> Panic {
        let payload = self.0.take();
        Panic::caught(payload.unwrap_or_else(|| Box::new(NON_STRING_PAYLOAD)))
    }
}

impl Drop for Caught {
    /// Dropped without being turned into a [`Panic`]: what the hook held back of it is
    /// let go, so that the next panic is seen afresh.
    fn drop(&mut self) {
        if self.0.is_some() {
            drop(take_pending());
        }
    }
}

/// [`Panic::catch`] as `#[recover]` calls it: the panic left as its payload until a
/// fallback needs it.
#[inline(always)]
pub fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    SCOPES.with(Scopes::enter);
    // The scope is left inside the closure when `f` returns, so that its value goes
    // straight to the caller as `catch_unwind`'s would, and after the catch when it panics.
    let body = move || {
        let value = f();
        SCOPES.with(Scopes::leave);
        value
    };
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => Ok(value),
        Err(payload) => Err(Caught::leaving_scope(payload)),
    }
}

/// [`Panic::catch_async`] as `#[recover]` calls it: the panic left as its payload.
pub async fn catch_async_quietly<F: Future>(future: F) -> Result<F::Output, Caught> {
    let mut future = pin!(future);
    std::future::poll_fn(move |cx| match catch_quietly(|| future.as_mut().poll(cx)) {
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(caught) => Poll::Ready(Err(caught)),
    })
    .await
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.thread {
            Some(thread) => write!(f, "thread '{thread}' panicked")?,
            None => write!(f, "panicked")?,
        }
        if let Some(location) = &self.location {
            write!(f, " at {location}")?;
        }
        write!(f, ": {}", self.message())
    }
}

impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panic")
            .field("message", &self.message())
            .field("location", &self.location)
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for Panic {}

/// What the hook saw of a panic it held back.
struct Seen {
    message: Option<String>,
    location: Option<Location>,
    thread: Option<String>,
}

impl Seen {
    /// Prints a held-back panic that no `#[recover]` claimed (the body caught it itself),
    /// in the default hook's words, since it was not recovered.
    #[cold]
    fn print_unrecovered(&self) {
        let thread = self.thread.as_deref().unwrap_or("<unnamed>");
        let location = self
            .location
            .as_ref()
            .map_or_else(|| "<unknown>".to_owned(), ToString::to_string);
        let message = self.message.as_deref().unwrap_or(NON_STRING_PAYLOAD);
        // Not `eprintln!`, which panics when stderr is gone: this runs where a panic would
        // be taken for the body's.
        let _ = writeln!(
            std::io::stderr(),
            "thread '{thread}' panicked at {location}:\n{message}"
        );
    }
}

/// This thread's recovery scopes, in one word read on every scope entry and exit: how
/// many `Panic::catch` scopes are open, and in [`PENDING`] whether `SEEN` holds a panic not
/// yet claimed (so `SEEN` itself is touched only after a panic). One word makes a scope's
/// entry one increment and one test, and its exit one decrement and one test.
///
/// The word starts at [`UNCHECKED`]: the first entry on a thread makes sure the quiet
/// hook is installed, and only that entry, since incrementing `UNCHECKED` is the one
/// increment of the word that overflows an `i32` (depth and [`PENDING`] bit never reach it).
/// A guard that runs on success or on unwind, made before any scope, does the same through
/// [`quiet_hook_unchecked`], which compares the word with `UNCHECKED`.
struct Scopes {
    state: Cell<u32>,
}

/// The bit of [`Scopes::state`] that says a panic is held back.
const PENDING: u32 = 1 << 31;

/// [`Scopes::state`] on a thread that has not opened a scope yet (a depth of 0).
const UNCHECKED: u32 = i32::MAX as u32;

impl Scopes {
    fn depth(&self) -> u32 {
        match self.state.get() {
            UNCHECKED => 0,
            state => state & !PENDING,
        }
    }

    fn pending(&self) -> bool {
        self.state.get() & PENDING != 0
    }

    fn set_pending(&self, pending: bool) {
        let depth = self.depth();
        self.state
            .set(if pending { depth | PENDING } else { depth });
    }

    /// A scope closes; a panic held back and not claimed by a `Caught` (the body caught it
    /// itself) is printed.
    #[inline(always)]
    fn leave(&self) {
        let state = self.state.get() - 1;
        self.state.set(state);
        if state & PENDING != 0 {
            print_unclaimed();
        }
    }

    /// A scope opens.
    #[inline(always)]
    fn enter(&self) {
        let (state, first) = (self.state.get() as i32).overflowing_add(1);
        if first {
            first_scope_on_this_thread(self);
        } else {
            self.state.set(state as u32);
        }
    }
}

/// The first recovery scope a thread opens: the quiet hook must be there before its body
/// runs (unless the thread is unwinding, where it cannot be installed).
#[cold]
#[inline(never)]
fn first_scope_on_this_thread(scopes: &Scopes) {
    install_quiet_hook();
    scopes.state.set(1);
}

/// Whether this thread has yet to make sure that the quiet hook is installed: a guard that
/// must tell a newer panic from an older one asks as it is made (a scope's first entry
/// finds out by its own increment).
#[inline(always)]
pub(crate) fn quiet_hook_unchecked() -> bool {
    SCOPES.with(|scopes| scopes.state.get() == UNCHECKED)
}

/// Installs the quiet hook for [`quiet_hook_unchecked`], on a thread that is not unwinding;
/// the word leaves [`UNCHECKED`] for a depth of 0.
#[cold]
#[inline(never)]
pub(crate) fn check_quiet_hook() {
    install_quiet_hook();
    SCOPES.with(|scopes| {
        if scopes.state.get() == UNCHECKED {
            scopes.state.set(0);
        }
    });
}

thread_local! {
    // Two thread-locals, not one: `Scopes` has no destructor, so reaching it is a plain
    // thread-local access, while `SEEN` (which owns `String`s) is registered for
    // destruction on first use and checked on each access; on the happy path only
    // `SCOPES` is touched (measured by `benches/recover.rs`).
    static SCOPES: Scopes = const {
        Scopes {
            state: Cell::new(UNCHECKED),
        }
    };
    /// The panic the hook held back for the innermost scope.
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

/// Takes the held-back panic, if any.
fn take_pending() -> Option<Seen> {
    SCOPES.with(|scopes| scopes.set_pending(false));
    SEEN.try_with(|seen| seen.borrow_mut().take())
        .ok()
        .flatten()
}

/// The scope ends without a panic, yet one was held back: the body caught it itself. It
/// was not recovered, so it is printed after all.
#[cold]
#[inline(never)]
fn print_unclaimed() {
    if let Some(seen) = take_pending() {
        seen.print_unrecovered();
    }
}

static INSTALL: Once = Once::new();

/// Installs, once per process and from any thread, a panic hook that holds back a panic
/// that steadfast is about to recover (recording where it happened) and hands every other
/// panic to the hook that was installed before, which prints it as usual. It also counts
/// the panics that begin on each thread, for the on-success and on-unwind guards made
/// during an unwind (see [`strategy`](crate::strategy)).
///
/// A panic held back but not recovered after all (the body caught it itself) is printed
/// when the recovering scope ends. Installing another hook with `std::panic::set_hook`
/// afterwards replaces this one: recovered panics then print, [`Panic::location`] is
/// `None`, and panics are no longer counted (a hook that calls the one it replaced, taken
/// with `std::panic::take_hook`, keeps all of this working).
///
/// On a thread that is unwinding, where std refuses to change the hook, this does nothing:
/// a later call from a thread that is not unwinding installs it. Calling this is optional:
/// on each thread, the first `#[recover]` or [`Panic::catch`], and the first
/// [`guard_on_success`](crate::guard_on_success), [`guard_on_unwind`](crate::guard_on_unwind),
/// `defer!(on_success …)` or `defer!(on_unwind …)` made while not unwinding, call it.
///
/// ```
/// steadfast::install_quiet_hook();
/// steadfast::install_quiet_hook(); // once is enough; again does nothing
/// ```
#[inline]
pub fn install_quiet_hook() {
    // `set_hook` panics on an unwinding thread: in a `Drop` run by a panic, an abort.
    if std::thread::panicking() {
        return;
    }
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            count::panic_began();
            let held_back = SCOPES.with(|scopes| {
                // One panic is held back at a time: a second one while the first is
                // pending (a cleanup panicking during the unwind) is not the one being
                // recovered, and prints.
                if scopes.depth() == 0 || scopes.pending() {
                    return false;
                }
                let seen = Seen {
                    message: payload_message(info.payload()).map(str::to_owned),
                    location: info.location().map(|l| Location {
                        file: l.file().to_owned(),
                        line: l.line(),
                        column: l.column(),
                    }),
                    thread: std::thread::current().name().map(str::to_owned),
                };
                let stored = SEEN
                    .try_with(|slot| match slot.try_borrow_mut() {
                        Ok(mut slot) => {
                            *slot = Some(seen);
                            true
                        }
                        Err(_) => false,
                    })
                    .unwrap_or(false);
                scopes.set_pending(stored);
                stored
            });
            if !held_back {
                previous(info);
            }
        }));
    });
}

/// A recovered panic: an ERROR event with the `tracing` feature, nothing otherwise.
fn report_recovered(panic: &Panic) {
    #[cfg(feature = "tracing")]
    {
        let location = panic.location.as_ref().map(ToString::to_string);
        tracing::error!(
            panic.message = panic.message(),
            panic.location = location.as_deref().unwrap_or("<unknown>"),
            "recovered a panic: {}",
            panic.message()
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = panic;
}
