//! Panics as values: [`Panic`], catching them quietly, sync and async.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::{Mutex, Once};
use std::task::Poll;

use crate::report::payload_message;

/// Where a panic happened: file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    file: String,
    line: u32,
    column: u32,
}

impl Location {
    /// The source file, as the compiler named it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The line, from 1.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The column, from 1.
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
/// let caught = steadfast_runtime::Panic::catch(|| {
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
pub const NON_STRING_PAYLOAD: &str = "<panic payload that is not a string>";

impl Panic {
    /// A `Panic` made from a caught payload, with no location or thread known.
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
    /// let panic = steadfast_runtime::Panic::from_payload(payload);
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
    /// assert_eq!(steadfast_runtime::Panic::catch(|| 7).ok(), Some(7));
    /// let err = steadfast_runtime::Panic::catch(|| -> u32 { panic!("no") }).unwrap_err();
    /// assert_eq!(err.message(), "no");
    /// ```
    #[inline]
    pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
        let _quiet = Recovering::enter();
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => Ok(value),
            Err(payload) => Err(Panic::caught(payload)),
        }
    }

    /// Awaits `future`, turning a panic in any of its polls into `Err(Panic)`. Nothing is
    /// boxed or spawned; after a panic the future is dropped, never polled again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = steadfast_runtime::Panic::catch_async(async {
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
        let mut future = pin!(future);
        std::future::poll_fn(move |cx| match Panic::catch(|| future.as_mut().poll(cx)) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        })
        .await
    }

    /// A panic just caught on this thread, with what the hook saw of it.
    #[cold]
    fn caught(payload: Box<dyn Any + Send>) -> Self {
        let mut panic = Panic::from_payload(payload);
        if let Some(seen) = LAST_SEEN.with(|last| last.borrow_mut().take()) {
            panic.location = seen.location;
            panic.thread = seen.thread;
        }
        panic
    }

    /// The panic's message: the `&str` or `String` given to `panic!`, or
    /// [`NON_STRING_PAYLOAD`] for a payload of another type.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(NON_STRING_PAYLOAD)
    }

    /// Where the panic happened, when the panic was caught by steadfast on the thread that
    /// panicked (not for a payload that reached it from elsewhere, such as a joined task).
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// The name of the thread that panicked, if it has one and it is known.
    pub fn thread(&self) -> Option<&str> {
        self.thread.as_deref()
    }

    /// The payload, to carry the panic on with `std::panic::resume_unwind`.
    ///
    /// ```
    /// let panic = steadfast_runtime::Panic::catch(|| panic!("again")).unwrap_err();
    /// let resumed = std::panic::catch_unwind(|| std::panic::resume_unwind(panic.into_payload()));
    /// assert_eq!(resumed.unwrap_err().downcast_ref::<&str>(), Some(&"again"));
    /// ```
    pub fn into_payload(self) -> Box<dyn Any + Send> {
        self.payload
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
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

/// What the hook saw of the last panic recovered on this thread.
struct Seen {
    location: Option<Location>,
    thread: Option<String>,
}

thread_local! {
    /// How many `Panic::catch` scopes are open on this thread.
    static RECOVERING: Cell<u32> = const { Cell::new(0) };
    static LAST_SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

/// Marks this thread as recovering while alive; installs the quiet hook on first use.
struct Recovering;

impl Recovering {
    #[inline]
    fn enter() -> Self {
        install_quiet_hook();
        RECOVERING.with(|depth| depth.set(depth.get() + 1));
        Recovering
    }
}

impl Drop for Recovering {
    #[inline]
    fn drop(&mut self) {
        RECOVERING.with(|depth| depth.set(depth.get() - 1));
    }
}

static INSTALL: Once = Once::new();

/// Installs, once per process and from any thread, a panic hook that stays silent for
/// panics that steadfast is about to recover (recording where they happened) and hands
/// every other panic to the hook that was installed before, which prints it as usual.
///
/// Installing another hook with `std::panic::set_hook` afterwards replaces this one:
/// recovered panics then print again, and [`Panic::location`] is `None`.
#[inline]
pub fn install_quiet_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let recovering = RECOVERING.try_with(Cell::get).unwrap_or(0) > 0;
            if !recovering {
                return previous(info);
            }
            let seen = Seen {
                location: info.location().map(|l| Location {
                    file: l.file().to_owned(),
                    line: l.line(),
                    column: l.column(),
                }),
                thread: std::thread::current().name().map(str::to_owned),
            };
            report_recovered(info, &seen);
            let _ = LAST_SEEN.try_with(|last| *last.borrow_mut() = Some(seen));
        }));
    });
}

/// A recovered panic: an ERROR event with the `tracing` feature, nothing otherwise.
fn report_recovered(info: &std::panic::PanicHookInfo<'_>, seen: &Seen) {
    #[cfg(feature = "tracing")]
    {
        let message = payload_message(info.payload()).unwrap_or(NON_STRING_PAYLOAD);
        let location = seen.location.as_ref().map(ToString::to_string);
        tracing::error!(
            panic.message = message,
            panic.location = location.as_deref().unwrap_or("<unknown>"),
            "recovered a panic: {message}"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (info, seen);
}
