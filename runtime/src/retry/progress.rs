//! One call's way through a policy: the step function that `run`, `run_async` and the
//! `#[retry]` expansion all drive. The policy logic lives here, once.

use core::marker::PhantomData;
use core::time::Duration;

use super::describe::{DescribeError, Described, TypeNameOnly};
use super::hooks::{Attempt, OnRetry, RetryAfter, When, WhenOk};
use super::schedule::{Schedule, ScheduleState};
use super::timeout::{Limits, Timeout};
use super::{Retry, RetryBudget};

/// A source of time for a driver: `std`'s clock for sync calls, tokio's (which
/// `tokio::time::pause` controls) for async ones.
///
/// Implement it, with [`BlockingClock`], for [`Retry::run_with_clock`] to read and sleep on
/// a clock of your own:
///
/// ```
/// use std::time::{Duration, Instant};
/// use steadfast::retry::Clock;
///
/// /// The thread's clock of `steadfast::time`, which a test can pause.
/// struct ThreadClock;
/// impl Clock for ThreadClock {
///     type Instant = Instant;
///     fn now() -> Instant { steadfast::time::now() }
///     fn since(earlier: Instant) -> Duration { steadfast::time::now() - earlier }
/// }
///
/// let clock = steadfast::time::pause();
/// let start = ThreadClock::now();
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(ThreadClock::since(start), Duration::from_secs(1));
/// ```
pub trait Clock {
    /// A point in time.
    type Instant: Copy;
    /// Now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::retry::Clock;
    ///
    /// /// A fake clock, in whole seconds, that never moves.
    /// struct Stopped;
    /// impl Clock for Stopped {
    ///     type Instant = u64;
    ///     fn now() -> u64 { 7 }
    ///     fn since(earlier: u64) -> Duration { Duration::from_secs(Self::now() - earlier) }
    /// }
    /// assert_eq!(Stopped::now(), 7);
    /// ```
    fn now() -> Self::Instant;
    /// Time passed since `earlier`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use steadfast::retry::Clock;
    ///
    /// struct Real;
    /// impl Clock for Real {
    ///     type Instant = Instant;
    ///     fn now() -> Instant { Instant::now() }
    ///     fn since(earlier: Instant) -> Duration { earlier.elapsed() }
    /// }
    /// let start = Real::now();
    /// assert!(Real::since(start) < Duration::from_secs(60));
    /// ```
    fn since(earlier: Self::Instant) -> Duration;
}

/// A clock that can also block the thread: what [`Retry::run_with_clock`] sleeps on.
/// Implement it over a fake time source to test sync retries without sleeping.
///
/// ```
/// use std::cell::Cell;
/// use std::time::Duration;
/// use steadfast::retry::{BlockingClock, Clock};
///
/// thread_local! { static NOW: Cell<Duration> = const { Cell::new(Duration::ZERO) }; }
///
/// /// Time moves only when a retry sleeps.
/// struct FakeClock;
/// impl Clock for FakeClock {
///     type Instant = Duration;
///     fn now() -> Duration { NOW.get() }
///     fn since(earlier: Duration) -> Duration { NOW.get() - earlier }
/// }
/// impl BlockingClock for FakeClock {
///     fn sleep(delay: Duration) { NOW.set(NOW.get() + delay) }
/// }
///
/// let policy = steadfast::Retry::exp()
///     .attempts(4)
///     .jitter(steadfast::Jitter::None);
/// let result: Result<(), &str> = policy.run_with_clock::<FakeClock, _, _, _>(|| Err("down"));
/// assert_eq!(result, Err("down"));
/// assert_eq!(NOW.get(), Duration::from_millis(700)); // 100 + 200 + 400
/// ```
pub trait BlockingClock: Clock {
    /// Blocks for `delay` (or, for a fake clock, moves time on by it).
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::time::Duration;
    /// use steadfast::retry::{BlockingClock, Clock};
    /// use steadfast::{Jitter, Retry};
    ///
    /// thread_local! { static SLEPT: Cell<Duration> = const { Cell::new(Duration::ZERO) }; }
    ///
    /// /// Adds up the sleeps instead of sleeping.
    /// struct Counting;
    /// impl Clock for Counting {
    ///     type Instant = ();
    ///     fn now() {}
    ///     fn since(_: ()) -> Duration { SLEPT.get() }
    /// }
    /// impl BlockingClock for Counting {
    ///     fn sleep(delay: Duration) { SLEPT.set(SLEPT.get() + delay) }
    /// }
    ///
    /// let policy = Retry::fixed().attempts(3).jitter(Jitter::None);
    /// let _: Result<(), &str> = policy.run_with_clock::<Counting, _, _, _>(|| Err("down"));
    /// assert_eq!(SLEPT.get(), Duration::from_millis(200)); // two sleeps of 100 ms
    /// ```
    fn sleep(delay: Duration);
}

/// The thread's clock of [`crate::time`]: `std::time::Instant` and `std::thread::sleep`,
/// or virtual time while a test has paused it with [`crate::time::pause`].
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy, Default)]
pub struct StdClock;

#[cfg(feature = "std")]
impl Clock for StdClock {
    type Instant = std::time::Instant;
    #[inline]
    fn now() -> Self::Instant {
        crate::time::now()
    }
    #[inline]
    fn since(earlier: Self::Instant) -> Duration {
        crate::time::now().saturating_duration_since(earlier)
    }
}

#[cfg(feature = "std")]
impl BlockingClock for StdClock {
    // Out of line: a sleep only follows a failure, and its code inlined into every retried
    // function would cost the happy path registers (measured by `benches/instructions.sh`).
    #[inline(never)]
    fn sleep(delay: Duration) {
        crate::time::sleep(delay)
    }
}

/// Where one call stands: attempts made and, from the first retryable failure on (or from
/// the start, when a deadline or an `on_retry` hook needs the clock), the schedule's state
/// and when the call began. Small, because it lives inside every retried future.
///
/// `X` turns a passed deadline into `E`; `D` writes an error for `tracing` events. Both are
/// zero-sized function items or markers in the expansions.
pub(crate) struct Progress<C: Clock, E, X = fn(Timeout) -> E, D = TypeNameOnly> {
    attempt: u32,
    /// `None` until needed: a call whose first attempt succeeds then writes one word for
    /// it instead of the whole state (it shares the niche of `started`, so costs no space).
    retrying: Option<Retrying<C>>,
    into_error: X,
    describe: D,
    types: PhantomData<(C, fn() -> E)>,
}

/// What a call keeps once it may retry.
struct Retrying<C: Clock> {
    schedule: ScheduleState,
    started: Option<C::Instant>,
}

impl<C: Clock, E, X, D> Progress<C, E, X, D> {
    /// The number of the attempt begun last (0 before the first).
    #[inline(always)]
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    fn started(&self) -> Option<C::Instant> {
        self.retrying.as_ref().and_then(|r| r.started)
    }

    fn elapsed(&self) -> Duration {
        self.started().map_or(Duration::ZERO, C::since)
    }
}

/// An async attempt ran into the limit `Retry::begin_attempt` gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitPassed;

/// What a driver does after an attempt.
#[derive(Debug)]
pub enum Flow<T, E> {
    /// Return this.
    Done(Result<T, E>),
    /// Sleep, then start the next attempt.
    Sleep(Duration),
}

impl<W, O, A, L, K> Retry<W, O, A, L, K> {
    /// Begins a call, with the conversion of a deadline into `E` (so that expansions check
    /// `E: From<Timeout>` at the key that needs it) and the way errors are written in
    /// `tracing` events. Reads the clock only if a deadline or an `on_retry` hook needs it.
    #[inline(always)]
    pub(crate) fn start_with<E, C: Clock, X, D>(
        &self,
        into_error: X,
        describe: D,
    ) -> Progress<C, E, X, D>
    where
        O: OnRetry<E>,
        L: Limits,
        X: Fn(Timeout) -> E,
        D: DescribeError<E>,
    {
        Progress {
            attempt: 0,
            retrying: if L::ANY || O::IS_SET {
                Some(Retrying {
                    schedule: ScheduleState::default(),
                    started: Some(C::now()),
                })
            } else {
                None
            },
            into_error,
            describe,
            types: PhantomData,
        }
    }

    /// Before each attempt: `Err` when the call's deadline has passed (no attempt starts
    /// past it), otherwise how long this attempt may run, if it is limited.
    #[inline(always)]
    pub(crate) fn begin_attempt<E, C: Clock, X, D>(
        &self,
        progress: &mut Progress<C, E, X, D>,
    ) -> Result<Option<Duration>, E>
    where
        L: Limits,
        X: Fn(Timeout) -> E,
    {
        match self.attempt_limit(progress) {
            Some(limit) => Ok(limit),
            None => Err(self.deadline_passed(progress)),
        }
    }

    /// Counts an attempt and says how long it may run (`Some(None)`: unlimited), or `None`
    /// when the call's deadline has already passed, so that it must not start (it is then
    /// not counted).
    #[inline(always)]
    pub(crate) fn attempt_limit<E, C: Clock, X, D>(
        &self,
        progress: &mut Progress<C, E, X, D>,
    ) -> Option<Option<Duration>>
    where
        L: Limits,
    {
        progress.attempt += 1;
        if !L::ANY {
            return Some(None);
        }
        let elapsed = progress.elapsed();
        let call_left = match self.limits.timeout() {
            Some(timeout) if elapsed >= timeout => {
                progress.attempt -= 1;
                return None;
            }
            Some(timeout) => Some(timeout - elapsed),
            None => None,
        };
        Some(match (call_left, self.limits.attempt_timeout()) {
            (Some(call), Some(attempt)) => Some(attempt.min(call)),
            (call, attempt) => call.or(attempt),
        })
    }

    /// The call's deadline has passed: its error, reported.
    #[cold]
    fn deadline_passed<E, C: Clock, X, D>(&self, progress: &mut Progress<C, E, X, D>) -> E
    where
        L: Limits,
        X: Fn(Timeout) -> E,
    {
        let elapsed = progress.elapsed();
        let whole = self.limits.timeout().unwrap_or(elapsed);
        let expired = Timeout::new(progress.attempt, elapsed, whole, false);
        report_deadline(&expired);
        (progress.into_error)(expired)
    }

    /// After each attempt: its result, or the limit it ran into (async). Decides whether to
    /// return or to sleep, calls `on_retry`, and drops the attempt's error before any sleep.
    #[inline(always)]
    pub(crate) fn next<T, E, C: Clock, X, D>(
        &self,
        progress: &mut Progress<C, E, X, D>,
        outcome: Result<Result<T, E>, LimitPassed>,
    ) -> Flow<T, E>
    where
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Limits,
        K: WhenOk<T>,
        X: Fn(Timeout) -> E,
        D: DescribeError<E>,
    {
        match outcome {
            Ok(Ok(value)) => {
                if K::IS_SET && self.when_ok.should_retry_value(&value) {
                    return self.retry_after_failure(progress, Failure::Value(value));
                }
                if let Some(budget) = self.budget {
                    budget.deposit();
                }
                Flow::Done(Ok(value))
            }
            Ok(Err(error)) => {
                if self.when.should_retry(&error) {
                    self.retry_after_failure(progress, Failure::Error(error))
                } else {
                    Flow::Done(Err(error))
                }
            }
            Err(LimitPassed) => self.after_limit(progress),
        }
    }

    #[cold]
    fn after_limit<T, E, C: Clock, X, D>(&self, progress: &mut Progress<C, E, X, D>) -> Flow<T, E>
    where
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Limits,
        X: Fn(Timeout) -> E,
        D: DescribeError<E>,
    {
        let elapsed = progress.elapsed();
        // The limit was the call's deadline if that has passed (an `attempt_timeout` no
        // shorter than the time left gave way to it); otherwise the attempt's own.
        if self
            .limits
            .timeout()
            .is_some_and(|timeout| elapsed >= timeout)
        {
            Flow::Done(Err(self.deadline_passed(progress)))
        } else {
            // An attempt that ran out of time is retryable, whatever `when` says.
            let limit = self.limits.attempt_timeout().unwrap_or(elapsed);
            let expired = Timeout::new(progress.attempt, elapsed, limit, true);
            let error = (progress.into_error)(expired);
            self.retry_after_failure(progress, Failure::Error(error))
        }
    }

    /// After an error that `when` accepts: returns it if the attempts are spent, otherwise
    /// works out the delay, cuts it at the deadline, calls `on_retry`, and drops the error
    /// before any sleep.
    ///
    /// Inlined, and careful to hand the out-of-line [`next_step`] only copies: an address
    /// of the policy or of the progress (even of a zero-sized hook in it) passed to a call
    /// that is not inlined makes LLVM build both in memory before the first attempt, even
    /// when that attempt succeeds — a dozen stores and a larger stack frame on the happy
    /// path, measured by `benches/`. The hooks are called here, where the default ones
    /// compile to nothing.
    #[inline(always)]
    fn retry_after_failure<T, E, C: Clock, X, D>(
        &self,
        progress: &mut Progress<C, E, X, D>,
        failure: Failure<T, E>,
    ) -> Flow<T, E>
    where
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Limits,
        X: Fn(Timeout) -> E,
        D: DescribeError<E>,
    {
        // Every failure the policy would retry takes a token, the last attempt's too; the
        // level before it decides whether a retry may follow (gRPC A6).
        let budget_allows = self.budget.is_none_or(RetryBudget::withdraw);
        if progress.attempt >= self.attempts {
            report_exhausted(progress.attempt, &failure.shown(&progress.describe));
            return Flow::Done(failure.into_outcome());
        }
        if !budget_allows {
            report_budget_denied(progress.attempt, &failure.shown(&progress.describe));
            return Flow::Done(failure.into_outcome());
        }
        let hint = failure
            .err()
            .and_then(|error| self.retry_after.retry_after(error));
        let (mut schedule, started) = match &progress.retrying {
            Some(retrying) => (retrying.schedule.clone(), retrying.started),
            None => (ScheduleState::default(), None),
        };
        let step = next_step::<C>(
            self.schedule,
            &mut schedule,
            progress.attempt,
            hint,
            started,
            self.limits.timeout(),
        );
        progress.retrying = Some(Retrying { schedule, started });
        if let Some(timeout) = step.deadline_first {
            // The next attempt could not start before the deadline: no sleep into it, and
            // the call ends with this attempt's own error, not a bare `Timeout`.
            let ahead = DeadlineAhead {
                attempts: progress.attempt,
                elapsed: step.elapsed,
                delay: step.delay,
                timeout,
            };
            report_deadline_ahead(&ahead, &failure.shown(&progress.describe));
            return Flow::Done(failure.into_outcome());
        }
        report_retry(
            progress.attempt,
            self.attempts,
            step.delay,
            &failure.shown(&progress.describe),
        );
        self.on_retry.on_retry(&Attempt {
            number: progress.attempt,
            max_attempts: self.attempts,
            error: failure.err(),
            next_delay: step.delay,
            elapsed: step.elapsed,
        });
        drop(failure);
        Flow::Sleep(step.delay)
    }
}

/// What an attempt that will be retried returned: an error that `when` accepts, or a value
/// that `when_ok` accepts.
pub(crate) enum Failure<T, E> {
    Error(E),
    Value(T),
}

impl<T, E> Failure<T, E> {
    fn err(&self) -> Option<&E> {
        match self {
            Failure::Error(error) => Some(error),
            Failure::Value(_) => None,
        }
    }

    /// What the call returns when no retry follows: the attempt's own outcome.
    fn into_outcome(self) -> Result<T, E> {
        match self {
            Failure::Error(error) => Err(error),
            Failure::Value(value) => Ok(value),
        }
    }

    fn shown<'a, D>(&'a self, describe: &'a D) -> Shown<'a, T, E, D> {
        Shown(self, describe)
    }
}

/// A failure written for an event: the error by its describer, a value by what it is.
pub(crate) struct Shown<'a, T, E, D>(&'a Failure<T, E>, &'a D);

impl<T, E, D: DescribeError<E>> core::fmt::Display for Shown<'_, T, E, D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Failure::Error(error) => Described(error, self.1).fmt(f),
            Failure::Value(_) => f.write_str("an Ok value that when_ok retries"),
        }
    }
}

/// The sleep before the next attempt, as [`next_step`] works it out.
struct Step {
    /// How long to sleep.
    delay: Duration,
    /// Time since the call began (zero when the policy never reads the clock).
    elapsed: Duration,
    /// The call's `timeout`, when the sleep would reach it: then no attempt follows.
    deadline_first: Option<Duration>,
}

/// The schedule's next delay (or the error's own `hint`), and whether it reaches the call's
/// `timeout`. Everything it is given is a copy, so that the happy path of its callers stays
/// in registers (see [`Retry::retry_after_error`]).
#[cold]
#[inline(never)]
fn next_step<C: Clock>(
    schedule: Schedule,
    state: &mut ScheduleState,
    attempt: u32,
    hint: Option<Duration>,
    started: Option<C::Instant>,
    timeout: Option<Duration>,
) -> Step {
    let scheduled = schedule.next_delay(state, attempt);
    let delay = hint.unwrap_or(scheduled);
    let elapsed = started.map_or(Duration::ZERO, C::since);
    let deadline_first = timeout.filter(|timeout| delay >= timeout.saturating_sub(elapsed));
    Step {
        delay,
        elapsed,
        deadline_first,
    }
}

/// Why a call ended before its deadline: the next attempt could not have started in time.
/// (Read only by the `tracing` event.)
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
struct DeadlineAhead {
    attempts: u32,
    elapsed: Duration,
    delay: Duration,
    timeout: Duration,
}

/// The next attempt would start past the deadline: an ERROR event with the `tracing`
/// feature, saying so and naming the error the call returns.
#[cfg_attr(feature = "tracing", cold, inline(never))]
#[cfg_attr(not(feature = "tracing"), inline(always))]
fn report_deadline_ahead(ahead: &DeadlineAhead, error: &dyn core::fmt::Display) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        attempts = ahead.attempts,
        elapsed_ms = ahead.elapsed.as_secs_f64() * 1000.0,
        error = %error,
        "attempt {} failed and the next could not start before the timeout of {:?} \
         (after {:?}, with {:?} to wait): returning its error",
        ahead.attempts,
        ahead.timeout,
        ahead.elapsed,
        ahead.delay
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (ahead, error);
}

/// The retry budget denied a retry: a WARN event with the `tracing` feature.
#[cfg_attr(feature = "tracing", cold, inline(never))]
#[cfg_attr(not(feature = "tracing"), inline(always))]
fn report_budget_denied(attempt: u32, error: &dyn core::fmt::Display) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        attempt,
        error = %error,
        "attempt {attempt} failed and the retry budget denied a retry: returning its error"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (attempt, error);
}

/// A failed attempt that will be retried: a WARN event with the `tracing` feature.
// With `tracing`, out of line: an event's code inlined into every retried function makes
// their happy path slower (a larger frame, spilled registers), measured by `benches/`.
#[cfg_attr(feature = "tracing", cold, inline(never))]
#[cfg_attr(not(feature = "tracing"), inline(always))]
fn report_retry(attempt: u32, max_attempts: u32, delay: Duration, error: &dyn core::fmt::Display) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        attempt,
        max_attempts,
        delay_ms = delay.as_secs_f64() * 1000.0,
        error = %error,
        "attempt {attempt} of {max_attempts} failed; retrying in {delay:?}"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (attempt, max_attempts, delay, error);
}

/// The attempts ran out: an ERROR event with the `tracing` feature.
// With `tracing`, out of line: an event's code inlined into every retried function makes
// their happy path slower (a larger frame, spilled registers), measured by `benches/`.
#[cfg_attr(feature = "tracing", cold, inline(never))]
#[cfg_attr(not(feature = "tracing"), inline(always))]
fn report_exhausted(attempts: u32, error: &dyn core::fmt::Display) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        attempts,
        error = %error,
        "all {attempts} attempts failed"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (attempts, error);
}

/// A deadline ended the call: an ERROR event with the `tracing` feature.
// With `tracing`, out of line: an event's code inlined into every retried function makes
// their happy path slower (a larger frame, spilled registers), measured by `benches/`.
#[cfg_attr(feature = "tracing", cold, inline(never))]
#[cfg_attr(not(feature = "tracing"), inline(always))]
fn report_deadline(timeout: &Timeout) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        attempts = timeout.attempts(),
        elapsed_ms = timeout.elapsed().as_secs_f64() * 1000.0,
        "{timeout}"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = timeout;
}
