//! The user hooks of a policy — `when`, `when_ok`, `on_retry`, `retry_after` — and their
//! defaults.

use core::fmt;
use core::time::Duration;

/// A failed attempt that is about to be retried, as `on_retry` sees it.
///
/// An attempt fails by returning an `Err` that `when` accepts, or (with `when_ok`) an `Ok`
/// value that `when_ok` accepts: [`error`](Attempt::error) is the first,
/// [`err`](Attempt::err) tells them apart, and [`is_value_retry`](Attempt::is_value_retry)
/// says which it was.
///
/// ```
/// use std::time::Duration;
/// use steadfast::{Attempt, Retry};
///
/// let log = std::cell::RefCell::new(Vec::new());
/// let mut calls = 0;
/// let result: Result<u32, &str> = Retry::fixed()
///     .attempts(3)
///     .delay(Duration::ZERO)
///     .on_retry(|a: &Attempt<'_, &str>| {
///         log.borrow_mut().push(format!("{}/{} failed: {}", a.number(), a.max_attempts(), a.error()))
///     })
///     .run(|| { calls += 1; if calls < 3 { Err("busy") } else { Ok(calls) } });
/// assert_eq!(result, Ok(3));
/// assert_eq!(*log.borrow(), ["1/3 failed: busy", "2/3 failed: busy"]);
/// ```
pub struct Attempt<'a, E> {
    pub(crate) number: u32,
    pub(crate) max_attempts: u32,
    /// `None` for a value that `when_ok` retried.
    pub(crate) error: Option<&'a E>,
    pub(crate) next_delay: Duration,
    pub(crate) elapsed: Duration,
}

impl<'a, E> Attempt<'a, E> {
    /// The number of the attempt that failed, from 1.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Jitter, Retry};
    ///
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let _: Result<(), &str> = Retry::fixed()
    ///     .attempts(2)
    ///     .delay(Duration::ZERO)
    ///     .jitter(Jitter::None)
    ///     .on_retry(|a: &Attempt<'_, &str>| seen.borrow_mut().push(a.number()))
    ///     .run(|| Err("busy"));
    /// assert_eq!(seen.into_inner(), [1]);
    /// ```
    pub fn number(&self) -> u32 {
        self.number
    }

    /// How many attempts the policy allows in all (the `attempts` key).
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Jitter, Retry};
    ///
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let _: Result<(), &str> = Retry::fixed()
    ///     .attempts(2)
    ///     .delay(Duration::ZERO)
    ///     .jitter(Jitter::None)
    ///     .on_retry(|a: &Attempt<'_, &str>| seen.borrow_mut().push(a.max_attempts()))
    ///     .run(|| Err("busy"));
    /// assert_eq!(seen.into_inner(), [2]);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The error the attempt returned.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Jitter, Retry};
    ///
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let _: Result<(), &str> = Retry::fixed()
    ///     .attempts(2)
    ///     .delay(Duration::ZERO)
    ///     .jitter(Jitter::None)
    ///     .on_retry(|a: &Attempt<'_, &str>| seen.borrow_mut().push(a.error().to_string()))
    ///     .run(|| Err("busy"));
    /// assert_eq!(seen.into_inner(), ["busy"]);
    /// ```
    ///
    /// # Panics
    ///
    /// For an attempt that returned an `Ok` value which `when_ok` retried: there is no
    /// error then. A hook of a policy with `when_ok` reads [`err`](Attempt::err) instead.
    pub fn error(&self) -> &'a E {
        match self.error {
            Some(error) => error,
            None => panic!(
                "Attempt::error: attempt {} returned an Ok value that `when_ok` retried, not an \
                 error; use Attempt::err() in an on_retry hook of a policy with when_ok",
                self.number
            ),
        }
    }

    /// The error the attempt returned, or `None` if it returned an `Ok` value that
    /// `when_ok` retried.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Retry};
    ///
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let mut status = [503, 500, 200].into_iter();
    /// let result: Result<u16, u16> = Retry::fixed()
    ///     .attempts(3)
    ///     .delay(Duration::ZERO)
    ///     .when_ok(|code: &u16| *code == 503)
    ///     .on_retry(|a: &Attempt<'_, u16>| seen.borrow_mut().push(a.err().copied()))
    ///     .run(|| match status.next().unwrap() { 200 => Ok(200), 503 => Ok(503), code => Err(code) });
    /// assert_eq!(result, Ok(200));
    /// assert_eq!(seen.into_inner(), [None, Some(500)]); // the 503 value, then the 500 error
    /// ```
    pub fn err(&self) -> Option<&'a E> {
        self.error
    }

    /// Whether the attempt returned an `Ok` value that `when_ok` retried (rather than an
    /// error).
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Retry};
    ///
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let _: Result<u16, ()> = Retry::fixed()
    ///     .attempts(2)
    ///     .delay(Duration::ZERO)
    ///     .when_ok(|code: &u16| *code == 503)
    ///     .on_retry(|a: &Attempt<'_, ()>| seen.borrow_mut().push(a.is_value_retry()))
    ///     .run(|| Ok(503));
    /// assert_eq!(seen.into_inner(), [true]);
    /// ```
    pub fn is_value_retry(&self) -> bool {
        self.error.is_none()
    }

    /// How long the policy sleeps before the next attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Jitter, Retry};
    ///
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let _: Result<(), &str> = Retry::fixed()
    ///     .attempts(2)
    ///     .delay(Duration::ZERO)
    ///     .jitter(Jitter::None)
    ///     .on_retry(|a: &Attempt<'_, &str>| seen.borrow_mut().push(a.next_delay()))
    ///     .run(|| Err("busy"));
    /// assert_eq!(seen.into_inner(), [Duration::ZERO]);
    /// ```
    pub fn next_delay(&self) -> Duration {
        self.next_delay
    }

    /// Time since the call began, sleeps included. Zero when the policy has neither a
    /// deadline nor an `on_retry` hook (it then never reads the clock).
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Jitter, Retry};
    ///
    /// let _clock = steadfast_runtime::time::pause(); // virtual time: exact, and no real sleeps
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let _: Result<(), &str> = Retry::fixed()
    ///     .attempts(3)
    ///     .delay(Duration::from_secs(2))
    ///     .jitter(Jitter::None)
    ///     .on_retry(|a: &Attempt<'_, &str>| seen.borrow_mut().push(a.elapsed()))
    ///     .run(|| Err("busy"));
    /// assert_eq!(seen.into_inner(), [Duration::ZERO, Duration::from_secs(2)]);
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

impl<E: fmt::Debug> fmt::Debug for Attempt<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt")
            .field("number", &self.number)
            .field("max_attempts", &self.max_attempts)
            .field("error", &self.error)
            .field("next_delay", &self.next_delay)
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

/// The default `when`: every error is retried.
///
/// ```
/// use steadfast::retry::{typestate::EveryError, When};
/// assert!(When::<std::io::Error>::should_retry(&EveryError, &std::io::ErrorKind::Other.into()));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EveryError;

/// The default `on_retry`: nothing is called.
///
/// ```
/// use steadfast::retry::{typestate::NoHook, OnRetry};
/// assert!(!<NoHook as OnRetry<std::io::Error>>::IS_SET);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoHook;

/// The default `retry_after`: the schedule alone decides each delay.
///
/// ```
/// use steadfast::retry::{typestate::NoHint, RetryAfter};
/// assert_eq!(RetryAfter::<&str>::retry_after(&NoHint, &"busy"), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoHint;

/// Decides whether an error is worth another attempt (the `when` key).
///
/// Implemented by [`EveryError`] and by every `Fn(&E) -> bool`.
///
/// ```
/// use steadfast::retry::When;
/// let transient = |e: &u16| *e == 503;
/// assert!(transient.should_retry(&503));
/// assert!(!transient.should_retry(&404));
/// ```
pub trait When<E> {
    /// `true` to retry after `error`, `false` to return it at once.
    ///
    /// ```
    /// use steadfast::retry::{typestate::EveryError, When};
    /// let only_503 = |e: &u16| *e == 503;
    /// assert!(only_503.should_retry(&503));
    /// assert!(!only_503.should_retry(&404));
    /// assert!(When::<u16>::should_retry(&EveryError, &404));
    /// ```
    fn should_retry(&self, error: &E) -> bool;
}

impl<E> When<E> for EveryError {
    #[inline(always)]
    fn should_retry(&self, _: &E) -> bool {
        true
    }
}

impl<E, F: Fn(&E) -> bool> When<E> for F {
    #[inline]
    fn should_retry(&self, error: &E) -> bool {
        self(error)
    }
}

/// Called before each sleep between attempts (the `on_retry` key).
///
/// Implemented by [`NoHook`] and by every `Fn(&Attempt<'_, E>)`.
///
/// ```
/// use steadfast::retry::{typestate::NoHook, OnRetry};
/// fn is_set<H: OnRetry<u16>>(_: &H) -> bool { H::IS_SET }
/// let log = |a: &steadfast::Attempt<'_, u16>| eprintln!("attempt {} failed", a.number());
/// assert!(is_set(&log));
/// assert!(!is_set(&NoHook));
/// ```
pub trait OnRetry<E> {
    /// Whether there is a hook to call (so whether the clock must be read for `elapsed`).
    const IS_SET: bool = true;
    /// Called with the attempt that failed and the delay before the next one.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::time::Duration;
    /// use steadfast::{Attempt, Retry};
    ///
    /// let calls = Cell::new(0);
    /// let count = |_: &Attempt<'_, &str>| calls.set(calls.get() + 1);
    /// let policy = Retry::fixed().attempts(3).delay(Duration::ZERO).on_retry(count);
    /// let _: Result<(), &str> = policy.run(|| Err("busy"));
    /// assert_eq!(calls.get(), 2); // before each of the two sleeps, not after the last attempt
    /// ```
    fn on_retry(&self, attempt: &Attempt<'_, E>);
}

impl<E> OnRetry<E> for NoHook {
    const IS_SET: bool = false;
    #[inline(always)]
    fn on_retry(&self, _: &Attempt<'_, E>) {}
}

impl<E, F: Fn(&Attempt<'_, E>)> OnRetry<E> for F {
    #[inline]
    fn on_retry(&self, attempt: &Attempt<'_, E>) {
        self(attempt)
    }
}

/// A delay the error itself asks for (the `retry_after` key), such as HTTP `Retry-After`.
///
/// Implemented by [`NoHint`] and by every `Fn(&E) -> Option<Duration>`.
///
/// ```
/// use std::time::Duration;
/// use steadfast::retry::RetryAfter;
/// let hint = |e: &(u16, u64)| (e.0 == 429).then(|| Duration::from_secs(e.1));
/// assert_eq!(hint.retry_after(&(429, 2)), Some(Duration::from_secs(2)));
/// assert_eq!(hint.retry_after(&(500, 2)), None);
/// ```
pub trait RetryAfter<E> {
    /// `Some(delay)` replaces the schedule's delay for the next sleep.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::retry::{typestate::NoHint, RetryAfter};
    /// let hint = |e: &u16| (*e == 429).then_some(Duration::from_secs(1));
    /// assert_eq!(hint.retry_after(&429), Some(Duration::from_secs(1)));
    /// assert_eq!(RetryAfter::<u16>::retry_after(&NoHint, &429), None);
    /// ```
    fn retry_after(&self, error: &E) -> Option<Duration>;
}

impl<E> RetryAfter<E> for NoHint {
    #[inline(always)]
    fn retry_after(&self, _: &E) -> Option<Duration> {
        None
    }
}

impl<E, F: Fn(&E) -> Option<Duration>> RetryAfter<E> for F {
    #[inline]
    fn retry_after(&self, error: &E) -> Option<Duration> {
        self(error)
    }
}

/// The default `when_ok`: an `Ok` value ends the call.
///
/// ```
/// use steadfast::retry::typestate::NoValueRetry;
/// use steadfast::retry::WhenOk;
/// assert!(!WhenOk::<u16>::should_retry_value(&NoValueRetry, &503));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoValueRetry;

/// Decides whether an `Ok` value is retried like an error (the `when_ok` key): an HTTP 503
/// returned as `Ok(Response)`, an empty page that is not ready yet.
///
/// Implemented by [`NoValueRetry`] and by every `Fn(&T) -> bool`.
///
/// ```
/// use steadfast::retry::WhenOk;
/// let unavailable = |status: &u16| *status == 503;
/// assert!(unavailable.should_retry_value(&503));
/// assert!(!unavailable.should_retry_value(&200));
/// ```
pub trait WhenOk<T> {
    /// Whether there is a predicate at all (so whether `Ok` values are looked at).
    const IS_SET: bool = true;
    /// `true` to retry after `value`, `false` to return it.
    ///
    /// ```
    /// use steadfast::retry::WhenOk;
    /// let empty = |page: &Vec<u8>| page.is_empty();
    /// assert!(empty.should_retry_value(&Vec::new()));
    /// ```
    fn should_retry_value(&self, value: &T) -> bool;
}

impl<T> WhenOk<T> for NoValueRetry {
    const IS_SET: bool = false;
    #[inline(always)]
    fn should_retry_value(&self, _: &T) -> bool {
        false
    }
}

impl<T, F: Fn(&T) -> bool> WhenOk<T> for F {
    #[inline]
    fn should_retry_value(&self, value: &T) -> bool {
        self(value)
    }
}
