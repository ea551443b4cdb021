//! The error a deadline produces, and the type-level switch that says whether a policy has one.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::timer::Timer;

/// The error of a retried call that a deadline ended before it had an outcome of its own:
/// the call's `timeout` cut an attempt in flight (async), or had passed when the next
/// attempt was due; or an attempt's `attempt_timeout` cancelled it.
///
/// A policy with a timeout needs the operation's error type to implement
/// `From<Timeout>`, so that the deadline can be returned as that error. A failed attempt
/// is never hidden behind one: when the next attempt could not start before the `timeout`,
/// the call returns that attempt's own error at once, without sleeping.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use steadfast::{Jitter, Retry, Timeout};
///
/// #[derive(Debug)]
/// enum Error { Busy, TimedOut(Timeout) }
/// impl From<Timeout> for Error {
///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
/// }
///
/// // On tokio's paused clock, sleeps take no real time and every time is exact.
/// let policy = Retry::fixed().attempts(100).delay(Duration::from_millis(1)).jitter(Jitter::None)
///     .timeout(Duration::from_millis(5));
/// // Attempts of 3 ms at 0 and 4 ms: the deadline cuts the second, which has no error yet.
/// let slow = || async {
///     tokio::time::sleep(Duration::from_millis(3)).await;
///     Err::<(), _>(Error::Busy)
/// };
/// let Err(Error::TimedOut(t)) = policy.run_async(slow).await else { panic!("expected a timeout") };
/// assert!(!t.is_attempt_timeout());
/// assert_eq!(t.attempts(), 2);
/// assert_eq!(t.to_string(), "the timeout of 5ms passed after 2 attempts (5ms)");
///
/// // Attempts that fail at once, at 0, 1, 2, 3 and 4 ms: the sleep after the fifth would
/// // reach the deadline, so the fifth's own error is returned, at 4 ms.
/// let result = policy.run_async(|| async { Err::<(), _>(Error::Busy) }).await;
/// assert!(matches!(result, Err(Error::Busy)));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeout {
    attempts: u32,
    elapsed: Duration,
    limit: Duration,
    attempt_timeout: bool,
}

impl Timeout {
    pub(crate) fn new(attempts: u32, elapsed: Duration, limit: Duration, attempt: bool) -> Self {
        Timeout {
            attempts,
            elapsed,
            limit,
            attempt_timeout: attempt,
        }
    }

    /// How many attempts were started, the one cut short included.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let policy = Retry::fixed().attempts(50).delay(Duration::from_millis(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_millis(5));
    /// // Attempts of 3 ms, on tokio's paused clock: the deadline cuts the one at 4 ms.
    /// let slow = || async {
    ///     tokio::time::sleep(Duration::from_millis(3)).await;
    ///     Err::<(), _>(Error::Busy)
    /// };
    /// let Err(Error::TimedOut(timeout)) = policy.run_async(slow).await else { panic!() };
    /// assert_eq!(timeout.attempts(), 2); // at 0 and 4 ms
    /// # }
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How long the call had run when the deadline ended it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let policy = Retry::fixed().attempts(50).delay(Duration::from_millis(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_millis(5));
    /// // Attempts of 3 ms, on tokio's paused clock: the deadline cuts the one at 4 ms.
    /// let slow = || async {
    ///     tokio::time::sleep(Duration::from_millis(3)).await;
    ///     Err::<(), _>(Error::Busy)
    /// };
    /// let Err(Error::TimedOut(timeout)) = policy.run_async(slow).await else { panic!() };
    /// assert_eq!(timeout.elapsed(), Duration::from_millis(5));
    /// # }
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The limit that passed: the call's `timeout` or the `attempt_timeout`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let policy = Retry::fixed().attempts(50).delay(Duration::from_millis(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_millis(5));
    /// // Attempts of 3 ms, on tokio's paused clock: the deadline cuts the one at 4 ms.
    /// let slow = || async {
    ///     tokio::time::sleep(Duration::from_millis(3)).await;
    ///     Err::<(), _>(Error::Busy)
    /// };
    /// let Err(Error::TimedOut(timeout)) = policy.run_async(slow).await else { panic!() };
    /// assert_eq!(timeout.limit(), Duration::from_millis(5));
    /// # }
    /// ```
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Whether an attempt ran past its own `attempt_timeout`, as opposed to the whole call's
    /// `timeout` ending it. The call returns such a `Timeout` when it was the last attempt's
    /// outcome, or when the next attempt could not have started before the `timeout`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// // Every attempt hangs: each is cancelled after 100 ms, and the last one's deadline is returned.
    /// let hangs = Retry::fixed().attempts(2).attempt_timeout(Duration::from_millis(100));
    /// let result = hangs.run_async(std::future::pending::<Result<(), Error>>).await;
    /// let Err(Error::TimedOut(timeout)) = result else { panic!() };
    /// assert!(timeout.is_attempt_timeout());
    /// assert_eq!((timeout.attempts(), timeout.limit()), (2, Duration::from_millis(100)));
    ///
    /// // Every attempt hangs, and no `attempt_timeout`: the whole call's `timeout` cuts the first.
    /// let hangs = Retry::fixed().attempts(50).delay(Duration::from_millis(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_millis(5));
    /// let result = hangs.run_async(std::future::pending::<Result<(), Error>>).await;
    /// let Err(Error::TimedOut(timeout)) = result else { panic!() };
    /// assert!(!timeout.is_attempt_timeout());
    /// assert_eq!((timeout.attempts(), timeout.limit()), (1, Duration::from_millis(5)));
    ///
    /// // Attempts that fail at once are never hidden behind a `Timeout`.
    /// let busy = Retry::fixed().attempts(50).delay(Duration::from_millis(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_millis(5));
    /// let result = busy.run_async(|| async { Err::<(), _>(Error::Busy) }).await;
    /// assert!(matches!(result, Err(Error::Busy)));
    /// # }
    /// ```
    pub fn is_attempt_timeout(&self) -> bool {
        self.attempt_timeout
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attempt_timeout {
            write!(
                f,
                "attempt {} did not finish within its attempt_timeout of {:?}",
                self.attempts, self.limit
            )
        } else {
            write!(
                f,
                "the timeout of {:?} passed after {} attempt{} ({:?})",
                self.limit,
                self.attempts,
                if self.attempts == 1 { "" } else { "s" },
                self.elapsed
            )
        }
    }
}

impl core::error::Error for Timeout {}

/// No deadline: the policy works with any error type.
///
/// ```
/// // The default: a policy without deadlines works with any error type.
/// let policy: steadfast::Retry = steadfast::Retry::new();
/// let ok: Result<u8, String> = policy.run(|| Ok(1));
/// assert_eq!(ok, Ok(1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoTimeout;

/// A `timeout` and/or an `attempt_timeout`: the error type must implement `From<Timeout>`.
///
/// ```
/// use std::time::Duration;
/// use steadfast::retry::typestate::{EveryError, Limited, NoHint, NoHook};
/// let policy: steadfast::Retry<EveryError, NoHook, NoHint, Limited> =
///     steadfast::Retry::new().timeout(Duration::from_secs(1));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limited {
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
}

/// Whether a policy has deadlines, and how long they are.
///
/// Implemented by [`NoTimeout`] and [`Limited`].
///
/// ```
/// use std::time::Duration;
/// use steadfast::retry::typestate::{Limits, NoTimeout};
/// assert_eq!(NoTimeout.timeout(), None);
/// assert!(!<NoTimeout as Limits>::ANY);
/// ```
pub trait Limits {
    /// Whether the policy reads the clock to enforce a deadline.
    const ANY: bool;
    /// The sleep that ends an async attempt at its limit: none at all (an uninhabited
    /// type, which takes no room in the retried future) for a policy without deadlines.
    #[doc(hidden)]
    type Sleep<C: Timer>: Future<Output = ()>;
    /// That sleep, for an attempt that may run for `limit`.
    #[doc(hidden)]
    fn sleep<C: Timer>(limit: Duration) -> Option<Self::Sleep<C>>;
    /// The call's timeout, if any.
    ///
    /// ```
    /// use steadfast::retry::typestate::{Limits, NoTimeout};
    /// fn describe<L: Limits>(limits: &L) -> String {
    ///     limits.timeout().map_or("no deadline".into(), |t| format!("within {t:?}"))
    /// }
    /// assert_eq!(describe(&NoTimeout), "no deadline");
    /// ```
    fn timeout(&self) -> Option<Duration>;
    /// The per-attempt timeout, if any.
    ///
    /// ```
    /// use steadfast::retry::typestate::{Limits, NoTimeout};
    /// assert_eq!(NoTimeout.attempt_timeout(), None);
    /// ```
    fn attempt_timeout(&self) -> Option<Duration>;
}

impl Limits for NoTimeout {
    const ANY: bool = false;
    type Sleep<C: Timer> = Never;
    #[inline(always)]
    fn sleep<C: Timer>(_: Duration) -> Option<Never> {
        None
    }
    #[inline(always)]
    fn timeout(&self) -> Option<Duration> {
        None
    }
    #[inline(always)]
    fn attempt_timeout(&self) -> Option<Duration> {
        None
    }
}

impl Limits for Limited {
    const ANY: bool = true;
    type Sleep<C: Timer> = C::Sleep;
    #[inline]
    fn sleep<C: Timer>(limit: Duration) -> Option<C::Sleep> {
        Some(C::sleep(limit))
    }
    #[inline]
    fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
    #[inline]
    fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }
}

/// An error type that a deadline can be returned as: every `E: From<Timeout>`.
#[diagnostic::on_unimplemented(
    message = "`timeout` and `attempt_timeout` need an error type that can hold a `steadfast::Timeout`, and `{Self}` cannot",
    label = "the deadline would be returned as `{Self}`",
    note = "add `impl From<steadfast::Timeout> for {Self}` (for example a `Timeout(steadfast::Timeout)` variant), or remove the key"
)]
///
/// ```
/// use steadfast::{retry::typestate::TimeoutError, Timeout};
/// struct Error(String);
/// impl From<Timeout> for Error {
///     fn from(t: Timeout) -> Self { Error(t.to_string()) }
/// }
/// fn assert_can_hold_a_deadline<E: TimeoutError>() {}
/// assert_can_hold_a_deadline::<Error>();
/// ```
pub trait TimeoutError {
    /// `Self::from(timeout)`.
    ///
    /// ```
    /// use steadfast::{retry::typestate::TimeoutError, Timeout};
    ///
    /// /// What a retry loop of your own returns when its deadline passes.
    /// fn expired<E: TimeoutError>(timeout: Timeout) -> E {
    ///     E::from_timeout(timeout)
    /// }
    /// let _as_itself: fn(Timeout) -> Timeout = expired; // `Timeout: From<Timeout>`
    /// ```
    fn from_timeout(timeout: Timeout) -> Self;
}

impl<E: From<Timeout>> TimeoutError for E {
    #[inline]
    fn from_timeout(timeout: Timeout) -> Self {
        E::from(timeout)
    }
}

/// How a passed deadline becomes the operation's error `E`.
///
/// Implemented by [`NoTimeout`] for every `E`, and by [`Limited`] for every
/// `E: From<Timeout>`: that bound is what a policy with a timeout asks of its error type.
///
/// ```
/// use steadfast::retry::typestate::{Deadlines, NoTimeout};
/// fn works_with<E, L: Deadlines<E>>() {}
/// works_with::<String, NoTimeout>(); // no deadline: any error type
/// ```
pub trait Deadlines<E>: Limits {
    /// Turns a passed deadline into the operation's error.
    ///
    /// ```
    /// use steadfast::retry::typestate::{Deadlines, Limited};
    /// use steadfast::Timeout;
    ///
    /// #[derive(Debug)]
    /// enum Error { TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    /// let _into_error: fn(Timeout) -> Error = <Limited as Deadlines<Error>>::into_error;
    /// ```
    fn into_error(timeout: Timeout) -> E;
}

impl<E> Deadlines<E> for NoTimeout {
    fn into_error(timeout: Timeout) -> E {
        unreachable!("a policy without deadlines produced {timeout}")
    }
}

impl<E: TimeoutError> Deadlines<E> for Limited {
    fn into_error(timeout: Timeout) -> E {
        E::from_timeout(timeout)
    }
}

/// A sleep that cannot exist: the limit of an attempt under a policy without deadlines.
#[doc(hidden)]
#[derive(Debug)]
pub enum Never {}

impl Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        match *self {}
    }
}
