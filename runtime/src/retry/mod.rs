//! The retry policy: schedule, deadlines, hooks, and the loop that drives them.
//!
//! [`Retry`] is the policy that `#[retry]` builds from its keys, usable without the macro.
//! This module holds what its hooks and clocks implement: [`When`], [`OnRetry`] and
//! [`RetryAfter`] (any closure of the right signature), [`Clock`] and [`BlockingClock`]
//! (for a clock of your own); [`typestate`] names the types that record which hooks and
//! deadlines a policy has.
//!
//! ```
//! use std::time::Duration;
//! use steadfast::retry::When;
//! use steadfast::Retry;
//!
//! let transient = |status: &u16| *status == 503;
//! assert!(transient.should_retry(&503));
//!
//! let mut statuses = [503, 503, 404].into_iter();
//! let result: Result<(), u16> = Retry::fixed()
//!     .delay(Duration::ZERO)
//!     .when(transient)
//!     .run(|| Err(statuses.next().unwrap()));
//! assert_eq!(result, Err(404)); // two 503s retried, then a 404 returned at once
//! ```

mod budget;
mod describe;
mod driver;
mod hooks;
mod progress;
mod run_async;
mod schedule;
mod timeout;
mod worst_case;

use core::time::Duration;

pub use budget::RetryBudget;
pub use hooks::{Attempt, OnRetry, RetryAfter, When, WhenOk};
pub use progress::{BlockingClock, Clock};
pub use schedule::{Backoff, Delays, Jitter};
pub use timeout::Timeout;

/// The type parameters of [`Retry`], which record which hooks and deadlines a policy has.
///
/// Named only to write a policy's type out, as in a `const` item's:
///
/// ```
/// use std::time::Duration;
/// use steadfast::retry::typestate::{EveryError, Limited, NoHint, NoHook};
/// use steadfast::Retry;
///
/// const POLICY: Retry<EveryError, NoHook, NoHint, Limited> =
///     Retry::exp().attempts(4).timeout(Duration::from_secs(2));
/// assert_eq!(POLICY.max_attempts(), 4);
/// ```
pub mod typestate {
    pub use super::hooks::{EveryError, NoHint, NoHook, NoValueRetry};
    pub use super::timeout::{Deadlines, Limited, Limits, NoTimeout, TimeoutError};
}

/// What the expansions and the facade's `__private` reach; not a public API.
pub(crate) mod internal {
    pub use super::describe::{
        DescribeError, Probe, ProbeDebug, ProbeDisplay, ProbeTypeName, TypeNameOnly, ViaDebug,
        ViaDisplay,
    };
    pub use super::driver::{AsyncDriver, Pause, PolicySource, Rebuild, Step};
    pub use super::progress::Flow;
    #[cfg(feature = "std")]
    pub use super::progress::StdClock;
    pub use super::timeout::Never;
}

use describe::{DescribeError, TypeNameOnly};
use hooks::{EveryError, NoHint, NoHook, NoValueRetry};
use progress::Flow;
#[cfg(feature = "std")]
use progress::StdClock;
use timeout::{Deadlines, Limited, Limits, NoTimeout};

use schedule::{Schedule, ScheduleState};

/// A retry policy: how many attempts, how long to sleep between them, which errors to
/// retry, what to call before each sleep, and when to give up.
///
/// `#[retry(...)]` builds one of these from its keys; built by hand it retries closures
/// with [`run`](Retry::run) and [`run_async`](Retry::run_async). Every builder method is
/// `const`, so a policy can be a `const` item. The methods that add a hook or a deadline
/// change the policy's type, and stable Rust lets a `const fn` do that only for hooks that
/// are `Copy`: function paths and closures that capture nothing or only references. (A
/// closure that owns a `String` or an `Arc` is fine as the last hook set.)
///
/// | method | key | default |
/// | --- | --- | --- |
/// | [`attempts`](Retry::attempts) | `attempts` | 3 (calls, the first included) |
/// | [`backoff`](Retry::backoff) | `backoff` | [`Backoff::Exponential`] |
/// | [`delay`](Retry::delay) | `delay` | 100 ms |
/// | [`max_delay`](Retry::max_delay) | `max_delay` | 30 s |
/// | [`jitter`](Retry::jitter) | `jitter` | [`Jitter::Full`] |
/// | [`timeout`](Retry::timeout) | `timeout` | none |
/// | [`attempt_timeout`](Retry::attempt_timeout) | `attempt_timeout` | none |
/// | [`when`](Retry::when) | `when` | every error |
/// | [`on_retry`](Retry::on_retry) | `on_retry` | none |
/// | [`retry_after`](Retry::retry_after) | `retry_after` | none |
/// | [`when_ok`](Retry::when_ok) | `when_ok` | no `Ok` value retried |
/// | [`budget`](Retry::budget) | `budget` | none |
///
/// ```
/// use std::time::Duration;
/// use steadfast::{Jitter, Retry};
///
/// const POLICY: Retry = Retry::exp()
///     .attempts(3)
///     .delay(Duration::from_millis(1))
///     .jitter(Jitter::None);
///
/// let mut calls = 0;
/// let result: Result<&str, String> = POLICY.run(|| {
///     calls += 1;
///     if calls < 3 { Err(format!("attempt {calls} failed")) } else { Ok("done") }
/// });
/// assert_eq!(result, Ok("done"));
/// assert_eq!(calls, 3);
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use = "a policy does nothing until `run` or `run_async` is called"]
pub struct Retry<W = EveryError, O = NoHook, A = NoHint, L = NoTimeout, K = NoValueRetry> {
    attempts: u32,
    budget: Option<&'static RetryBudget>,
    schedule: Schedule,
    limits: L,
    when: W,
    on_retry: O,
    retry_after: A,
    when_ok: K,
}

impl Retry {
    /// The default policy: 3 attempts, exponential backoff from 100 ms capped at 30 s, full
    /// jitter, no timeout, every error retried.
    ///
    /// ```
    /// let policy = steadfast::Retry::new();
    /// assert_eq!(policy.max_attempts(), 3);
    /// ```
    pub const fn new() -> Self {
        Retry {
            attempts: 3,
            budget: None,
            schedule: Schedule {
                backoff: Backoff::Exponential,
                jitter: Jitter::Full,
                base: Duration::from_millis(100),
                cap: Duration::from_secs(30),
                seed: None,
            },
            limits: NoTimeout,
            when: EveryError,
            on_retry: NoHook,
            retry_after: NoHint,
            when_ok: NoValueRetry,
        }
    }

    /// The default policy with exponential backoff: `delay · 2^(n-1)`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let delays: Vec<_> = steadfast::Retry::exp()
    ///     .attempts(4)
    ///     .jitter(steadfast::Jitter::None)
    ///     .delays()
    ///     .collect();
    /// assert_eq!(delays, [100, 200, 400].map(Duration::from_millis));
    /// ```
    pub const fn exp() -> Self {
        Retry::new().backoff(Backoff::Exponential)
    }

    /// The default policy with linear backoff: `delay · n`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let delays: Vec<_> = steadfast::Retry::linear()
    ///     .attempts(4)
    ///     .jitter(steadfast::Jitter::None)
    ///     .delays()
    ///     .collect();
    /// assert_eq!(delays, [100, 200, 300].map(Duration::from_millis));
    /// ```
    pub const fn linear() -> Self {
        Retry::new().backoff(Backoff::Linear)
    }

    /// The default policy with a fixed delay.
    ///
    /// ```
    /// use std::time::Duration;
    /// let delays: Vec<_> = steadfast::Retry::fixed()
    ///     .attempts(3)
    ///     .jitter(steadfast::Jitter::None)
    ///     .delays()
    ///     .collect();
    /// assert_eq!(delays, [100, 100].map(Duration::from_millis));
    /// ```
    pub const fn fixed() -> Self {
        Retry::new().backoff(Backoff::Fixed)
    }
}

impl Default for Retry {
    fn default() -> Self {
        Retry::new()
    }
}

impl<W, O, A, L, K> Retry<W, O, A, L, K> {
    /// Total attempts, the first call included: `attempts(3)` is one call and two retries.
    /// `0` is taken as `1`: the operation always runs once.
    ///
    /// ```
    /// let policy = steadfast::Retry::new().attempts(5);
    /// assert_eq!(policy.max_attempts(), 5);
    /// assert_eq!(policy.delays().len(), 4);
    /// ```
    pub const fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// Shares `budget` with every other policy that names it: a retry goes ahead only while
    /// the budget has tokens to spare (see [`RetryBudget`]); when it is denied, the call
    /// returns the failed attempt's outcome at once.
    ///
    /// ```
    /// use steadfast::{Retry, RetryBudget};
    ///
    /// static BACKEND: RetryBudget = RetryBudget::new(4, 0.5);
    /// let policy = Retry::new().attempts(10).budget(&BACKEND);
    /// let mut calls = 0;
    /// let _clock = steadfast::time::pause();
    /// let result: Result<(), &str> = policy.run(|| { calls += 1; Err("down") });
    /// // Levels before each failure: 4 and 3 allow a retry, 2 (not more than half) does not.
    /// assert_eq!((result, calls), (Err("down"), 3));
    /// ```
    pub const fn budget(mut self, budget: &'static RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// How the delay grows between attempts.
    ///
    /// ```
    /// use steadfast::{Backoff, Retry};
    /// let policy = Retry::new().backoff(Backoff::None);
    /// assert!(policy.delays().all(|d| d.is_zero()));
    /// ```
    pub const fn backoff(mut self, backoff: Backoff) -> Self {
        self.schedule.backoff = backoff;
        self
    }

    /// The base delay of the backoff.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry};
    /// let policy = Retry::fixed().delay(Duration::from_secs(1)).jitter(Jitter::None);
    /// assert_eq!(policy.delays().next(), Some(Duration::from_secs(1)));
    /// ```
    pub const fn delay(mut self, delay: Duration) -> Self {
        self.schedule.base = delay;
        self
    }

    /// The cap on one delay, applied before jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry};
    /// let policy = Retry::exp().attempts(10).max_delay(Duration::from_millis(250)).jitter(Jitter::None);
    /// assert_eq!(policy.delays().max(), Some(Duration::from_millis(250)));
    /// ```
    pub const fn max_delay(mut self, max_delay: Duration) -> Self {
        self.schedule.cap = max_delay;
        self
    }

    /// How randomness spreads the delays.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry};
    /// let policy = Retry::fixed().attempts(50).jitter(Jitter::Equal);
    /// assert!(policy.delays().all(|d| d >= Duration::from_millis(50) && d <= Duration::from_millis(100)));
    /// ```
    pub const fn jitter(mut self, jitter: Jitter) -> Self {
        self.schedule.jitter = jitter;
        self
    }

    /// Seeds the jitter's generator, so that every call draws the same delays (for tests
    /// and reproductions; in production the default per-call seed spreads clients apart).
    ///
    /// ```
    /// let policy = steadfast::Retry::exp().attempts(6).seed(42);
    /// assert!(policy.delays().eq(policy.delays()));
    /// ```
    pub const fn seed(mut self, seed: u64) -> Self {
        self.schedule.seed = Some(seed);
        self
    }

    /// Total attempts allowed.
    ///
    /// ```
    /// assert_eq!(steadfast::Retry::new().max_attempts(), 3);
    /// ```
    pub const fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// The delays this policy would sleep, one per retry, without sleeping: a plain iterator
    /// of `attempts - 1` items. A `retry_after` hint and a deadline can change real sleeps.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry};
    /// let policy = Retry::exp().attempts(4).jitter(Jitter::None);
    /// let total: Duration = policy.delays().sum();
    /// assert_eq!(total, Duration::from_millis(700));
    /// ```
    pub fn delays(&self) -> Delays {
        Delays {
            schedule: self.schedule,
            state: ScheduleState::default(),
            retries: 0,
            remaining: self.attempts - 1,
        }
    }
}

impl<W: Copy, O: Copy, A: Copy, K: Copy> Retry<W, O, A, NoTimeout, K> {
    /// A deadline for the whole call, sleeps included (Go's `context.WithTimeout`). The
    /// error type must implement `From<`[`Timeout`]`>`.
    ///
    /// The call never sleeps into the deadline: when an attempt fails and the next could not
    /// start before it (the delay, or the error's `retry_after` hint, reaches it), the call
    /// returns that attempt's own error at once, without `on_retry`, and with an ERROR event
    /// saying why under the `tracing` feature. `Err(E::from(Timeout))` is returned only
    /// when there is no such error: the deadline cut an async attempt in flight (it is
    /// dropped there), or had already passed when the next attempt was due (a sleep that
    /// overran it on a real clock, a zero `timeout`). A sync attempt cannot be interrupted,
    /// so no attempt starts past the deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry, Timeout};
    ///
    /// #[derive(Debug)]
    /// enum Error { Busy(u32), TimedOut(Timeout) }
    /// impl From<Timeout> for Error {
    ///     fn from(t: Timeout) -> Self { Error::TimedOut(t) }
    /// }
    ///
    /// let clock = steadfast::time::pause(); // sleeps move a virtual clock: instant and exact
    /// let policy = Retry::exp().delay(Duration::from_millis(100)).jitter(Jitter::None)
    ///     .attempts(10).timeout(Duration::from_secs(1));
    /// let mut calls = 0;
    /// let result: Result<(), Error> = policy.run(|| { calls += 1; Err(Error::Busy(calls)) });
    /// // Attempts at 0, 100, 300 and 700 ms; the 800 ms sleep after the fourth would reach
    /// // the deadline, so the fourth attempt's error is returned at once.
    /// assert!(matches!(result, Err(Error::Busy(4))));
    /// assert_eq!(clock.elapsed(), Duration::from_millis(700));
    /// ```
    pub const fn timeout(self, timeout: Duration) -> Retry<W, O, A, Limited, K> {
        self.with_limits(Limited {
            timeout: Some(timeout),
            attempt_timeout: None,
        })
    }

    /// A deadline for each attempt (async only): an attempt still running after it is
    /// cancelled and counts as a retryable failure, `E::from(Timeout)`, whatever `when`
    /// says. [`run`](Retry::run) cannot interrupt a closure and ignores it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = steadfast::Retry::new().attempt_timeout(Duration::from_millis(500));
    /// assert_eq!(policy.max_attempts(), 3);
    /// ```
    pub const fn attempt_timeout(self, attempt_timeout: Duration) -> Retry<W, O, A, Limited, K> {
        self.with_limits(Limited {
            timeout: None,
            attempt_timeout: Some(attempt_timeout),
        })
    }

    const fn with_limits(self, limits: Limited) -> Retry<W, O, A, Limited, K> {
        let Retry {
            attempts,
            budget,
            schedule,
            limits: NoTimeout,
            when,
            on_retry,
            retry_after,
            when_ok,
        } = self;
        Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry,
            retry_after,
            when_ok,
        }
    }
}

impl<W, O, A, K> Retry<W, O, A, Limited, K> {
    /// See [`Retry::timeout`] on a policy without deadlines.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = steadfast::Retry::new()
    ///     .attempt_timeout(Duration::from_millis(100))
    ///     .timeout(Duration::from_secs(1));
    /// assert_eq!(policy.max_attempts(), 3);
    /// ```
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = Some(timeout);
        self
    }

    /// See [`Retry::attempt_timeout`] on a policy without deadlines.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = steadfast::Retry::new()
    ///     .timeout(Duration::from_secs(1))
    ///     .attempt_timeout(Duration::from_millis(100));
    /// assert_eq!(policy.max_attempts(), 3);
    /// ```
    pub const fn attempt_timeout(mut self, attempt_timeout: Duration) -> Self {
        self.limits.attempt_timeout = Some(attempt_timeout);
        self
    }
}

impl<O: Copy, A: Copy, L: Copy, K: Copy> Retry<EveryError, O, A, L, K> {
    /// Retries only the errors `when` accepts; any other error is returned at once.
    ///
    /// ```
    /// let mut calls = 0;
    /// let result: Result<(), &str> = steadfast::Retry::new()
    ///     .when(|e: &&str| *e == "busy")
    ///     .run(|| { calls += 1; Err("denied") });
    /// assert_eq!((result, calls), (Err("denied"), 1));
    /// ```
    pub const fn when<W>(self, when: W) -> Retry<W, O, A, L, K> {
        let Retry {
            attempts,
            budget,
            schedule,
            limits,
            when: EveryError,
            on_retry,
            retry_after,
            when_ok,
        } = self;
        Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry,
            retry_after,
            when_ok,
        }
    }
}

impl<W: Copy, A: Copy, L: Copy, K: Copy> Retry<W, NoHook, A, L, K> {
    /// Calls `on_retry` with each failed [`Attempt`] before the sleep that follows it (see
    /// [`Attempt`] for an example): only when another attempt really follows, so not after
    /// the last attempt, nor when the next could not start before the `timeout`.
    ///
    /// ```
    /// let policy = steadfast::Retry::new()
    ///     .on_retry(|a: &steadfast::Attempt<'_, std::io::Error>| eprintln!("{}", a.error()));
    /// # let _ = policy;
    /// ```
    pub const fn on_retry<O>(self, on_retry: O) -> Retry<W, O, A, L, K> {
        let Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry: NoHook,
            retry_after,
            when_ok,
        } = self;
        Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry,
            retry_after,
            when_ok,
        }
    }
}

impl<W: Copy, O: Copy, L: Copy, K: Copy> Retry<W, O, NoHint, L, K> {
    /// Lets the error name the next delay (HTTP `Retry-After`, gRPC pushback): `Some(d)`
    /// replaces the schedule's delay for that sleep, not capped by `max_delay`. A hint that
    /// reaches the `timeout` ends the call at once with the error that gave it.
    ///
    /// ```
    /// use std::time::Duration;
    /// struct Throttled { wait: Duration }
    /// let policy = steadfast::Retry::new()
    ///     .retry_after(|e: &Throttled| Some(e.wait));
    /// # let _ = policy;
    /// ```
    pub const fn retry_after<A>(self, retry_after: A) -> Retry<W, O, A, L, K> {
        let Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry,
            retry_after: NoHint,
            when_ok,
        } = self;
        Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry,
            retry_after,
            when_ok,
        }
    }
}

impl<W: Copy, O: Copy, A: Copy, L: Copy> Retry<W, O, A, L, NoValueRetry> {
    /// Retries the `Ok` values `when_ok` accepts like errors (an HTTP 503 returned as
    /// `Ok(Response)`), with the same schedule, deadline, budget and `on_retry` hook (which
    /// sees them through [`Attempt::err`] and [`Attempt::is_value_retry`]). When the
    /// attempts run out, or the budget or the deadline stops the retries, the last `Ok`
    /// value is returned as it is. A `retry_after` hint, which reads an error, does not
    /// apply to a value retry.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut statuses = [503, 503, 200].into_iter();
    /// let result: Result<u16, std::io::Error> = steadfast::Retry::fixed()
    ///     .delay(Duration::ZERO)
    ///     .when_ok(|status: &u16| *status == 503)
    ///     .run(|| Ok(statuses.next().unwrap()));
    /// assert_eq!(result.unwrap(), 200);
    ///
    /// let always_busy: Result<u16, std::io::Error> = steadfast::Retry::fixed()
    ///     .delay(Duration::ZERO)
    ///     .when_ok(|status: &u16| *status == 503)
    ///     .run(|| Ok(503));
    /// assert_eq!(always_busy.unwrap(), 503); // the last value, as it is
    /// ```
    pub const fn when_ok<K>(self, when_ok: K) -> Retry<W, O, A, L, K> {
        let Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry,
            retry_after,
            when_ok: NoValueRetry,
        } = self;
        Retry {
            attempts,
            budget,
            schedule,
            limits,
            when,
            on_retry,
            retry_after,
            when_ok,
        }
    }
}

impl<W, O, A, L, K> Retry<W, O, A, L, K> {
    /// Calls `op` until it succeeds, the error is not retryable, the attempts run out or the
    /// deadline passes, sleeping between attempts with `std::thread::sleep`.
    ///
    /// Returns the first `Ok`, or the last attempt's error (also when the next attempt
    /// could not start before the `timeout`: it does not sleep into it), or
    /// `Err(E::from(Timeout))` when the deadline had already passed when the next attempt
    /// was due (see [`Retry::timeout`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut calls = 0;
    /// let result: Result<u32, &str> = steadfast::Retry::fixed()
    ///     .delay(Duration::from_millis(1))
    ///     .run(|| { calls += 1; Err("still down") });
    /// assert_eq!(result, Err("still down"));
    /// assert_eq!(calls, 3);
    /// ```
    #[inline]
    #[cfg(feature = "std")]
    pub fn run<T, E, F>(&self, op: F) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Deadlines<E>,
        K: WhenOk<T>,
    {
        self.run_with_clock::<StdClock, T, E, F>(op)
    }

    /// [`run`](Retry::run) on another clock. Tests rarely need it: [`crate::time::pause`]
    /// already puts `run` and every sync `#[retry]` on a virtual clock. See
    /// [`BlockingClock`] for a clock of your own.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::retry::{BlockingClock, Clock};
    ///
    /// /// A clock that never moves and never sleeps.
    /// struct Frozen;
    /// impl Clock for Frozen {
    ///     type Instant = ();
    ///     fn now() {}
    ///     fn since(_: ()) -> Duration { Duration::ZERO }
    /// }
    /// impl BlockingClock for Frozen {
    ///     fn sleep(_: Duration) {}
    /// }
    ///
    /// let result: Result<u8, &str> =
    ///     steadfast::Retry::new().delay(Duration::from_secs(60)).run_with_clock::<Frozen, _, _, _>(|| Err("down"));
    /// assert_eq!(result, Err("down")); // three attempts, no minute slept
    /// ```
    #[inline]
    pub fn run_with_clock<C, T, E, F>(&self, op: F) -> Result<T, E>
    where
        C: BlockingClock,
        F: FnMut() -> Result<T, E>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Deadlines<E>,
        K: WhenOk<T>,
    {
        let mut op = op;
        self.run_driven::<C, T, E, _, _, _>(L::into_error, TypeNameOnly, |_| op())
    }

    /// The loop of [`run_with_clock`](Retry::run_with_clock), with the conversion of a
    /// deadline into `E` and the describer of errors given (see
    /// `start_with`).
    #[inline(always)]
    pub(crate) fn run_driven<C, T, E, F, X, D>(
        &self,
        into_error: X,
        describe: D,
        mut op: F,
    ) -> Result<T, E>
    where
        C: BlockingClock,
        F: FnMut(u32) -> Result<T, E>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Limits,
        K: WhenOk<T>,
        X: Fn(Timeout) -> E,
        D: DescribeError<E>,
    {
        let mut progress = self.start_with::<E, C, X, D>(into_error, describe);
        loop {
            self.begin_attempt(&mut progress)?;
            let outcome = op(progress.attempt());
            match self.next(&mut progress, Ok(outcome)) {
                Flow::Done(result) => return result,
                Flow::Sleep(delay) => C::sleep(delay),
            }
        }
    }
}
