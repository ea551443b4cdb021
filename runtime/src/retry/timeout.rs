//! The error a deadline produces, and the type-level switch that says whether a policy has one.

use std::fmt;
use std::time::Duration;

/// The error of a retried call whose deadline passed: the call's `timeout`, or one
/// attempt's `attempt_timeout`.
///
/// A policy with a timeout needs the operation's error type to implement
/// `From<Timeout>`, so that the deadline can be returned as that error.
///
/// ```
/// # #[cfg(feature = "tokio")] {
/// use std::time::Duration;
/// use steadfast_runtime::{Jitter, Retry, Timeout};
///
/// #[derive(Debug)]
/// enum Error { Busy, TimedOut(Timeout) }
/// impl From<Timeout> for Error {
///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
/// }
///
/// // Virtual time for this thread: the sleeps take none, and the deadline is exact.
/// let clock = steadfast_runtime::time::pause();
/// let policy = Retry::fixed().attempts(100).delay(Duration::from_secs(1)).jitter(Jitter::None)
///     .timeout(Duration::from_secs(5));
/// let result: Result<(), Error> = policy.run(|| Err(Error::Busy));
/// let Err(Error::TimedOut(t)) = result else { panic!("expected a timeout") };
/// assert!(!t.is_attempt_timeout());
/// // Attempts at 0, 1, 2, 3 and 4 s; the sleep after the fifth is cut to end at the deadline.
/// assert_eq!(t.attempts(), 5);
/// assert_eq!(clock.elapsed(), Duration::from_secs(5));
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
    /// use std::time::Duration;
    /// use steadfast_runtime::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let _clock = steadfast_runtime::time::pause(); // virtual time: exact, and no real sleeps
    /// let policy = Retry::fixed().attempts(50).delay(Duration::from_secs(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_secs(5));
    /// let Err(Error::TimedOut(timeout)) = policy.run(|| Err::<(), _>(Error::Busy)) else { panic!() };
    /// assert_eq!(timeout.attempts(), 5); // at 0, 1, 2, 3 and 4 s
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How long the call had run when the deadline passed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast_runtime::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let _clock = steadfast_runtime::time::pause(); // virtual time: exact, and no real sleeps
    /// let policy = Retry::fixed().attempts(50).delay(Duration::from_secs(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_secs(5));
    /// let Err(Error::TimedOut(timeout)) = policy.run(|| Err::<(), _>(Error::Busy)) else { panic!() };
    /// assert_eq!(timeout.elapsed(), Duration::from_secs(5));
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The limit that passed: the call's `timeout` or the `attempt_timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast_runtime::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let _clock = steadfast_runtime::time::pause(); // virtual time: exact, and no real sleeps
    /// let policy = Retry::fixed().attempts(50).delay(Duration::from_secs(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_secs(5));
    /// let Err(Error::TimedOut(timeout)) = policy.run(|| Err::<(), _>(Error::Busy)) else { panic!() };
    /// assert_eq!(timeout.limit(), Duration::from_secs(5));
    /// ```
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Whether one attempt ran past its `attempt_timeout` (and the attempts ran out), as
    /// opposed to the whole call passing its `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast_runtime::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy, TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let _clock = steadfast_runtime::time::pause(); // virtual time: exact, and no real sleeps
    /// let policy = Retry::fixed().attempts(50).delay(Duration::from_secs(1)).jitter(Jitter::None)
    ///     .timeout(Duration::from_secs(5));
    /// let Err(Error::TimedOut(timeout)) = policy.run(|| Err::<(), _>(Error::Busy)) else { panic!() };
    /// assert!(!timeout.is_attempt_timeout()); // the whole call's `timeout` passed
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

impl std::error::Error for Timeout {}

/// No deadline: the policy works with any error type.
///
/// ```
/// // The default: a policy without deadlines works with any error type.
/// let policy: steadfast_runtime::Retry = steadfast_runtime::Retry::new();
/// let ok: Result<u8, String> = policy.run(|| Ok(1));
/// assert_eq!(ok, Ok(1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoTimeout;

/// A `timeout` and/or an `attempt_timeout`: the error type must implement `From<Timeout>`.
///
/// ```
/// use std::time::Duration;
/// use steadfast_runtime::retry::{EveryError, Limited, NoHint, NoHook};
/// let policy: steadfast_runtime::Retry<EveryError, NoHook, NoHint, Limited> =
///     steadfast_runtime::Retry::new().timeout(Duration::from_secs(1));
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
/// use steadfast_runtime::retry::{Limits, NoTimeout};
/// assert_eq!(NoTimeout.timeout(), None);
/// assert!(!<NoTimeout as Limits>::ANY);
/// ```
pub trait Limits {
    /// Whether the policy reads the clock to enforce a deadline.
    const ANY: bool;
    /// The call's timeout, if any.
    fn timeout(&self) -> Option<Duration>;
    /// The per-attempt timeout, if any.
    fn attempt_timeout(&self) -> Option<Duration>;
}

impl Limits for NoTimeout {
    const ANY: bool = false;
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
/// use steadfast_runtime::{retry::TimeoutError, Timeout};
/// struct Error(String);
/// impl From<Timeout> for Error {
///     fn from(t: Timeout) -> Self { Error(t.to_string()) }
/// }
/// fn assert_can_hold_a_deadline<E: TimeoutError>() {}
/// assert_can_hold_a_deadline::<Error>();
/// ```
pub trait TimeoutError {
    /// `Self::from(timeout)`.
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
/// use steadfast_runtime::retry::{Deadlines, NoTimeout};
/// fn works_with<E, L: Deadlines<E>>() {}
/// works_with::<String, NoTimeout>(); // no deadline: any error type
/// ```
pub trait Deadlines<E>: Limits {
    /// Turns a passed deadline into the operation's error.
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
