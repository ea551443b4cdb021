//! The async retry loop, once: [`Retry::run_async`] and the `#[retry]` expansion of an
//! `async fn` both drive an [`AsyncDriver`].
//!
//! A driver is a [`Progress`] and a way to reach the policy. Each attempt is one
//! [`Step`]: a future that checks the call's deadline, runs the attempt (raced against its
//! limit, if the policy has one), decides what follows, and sleeps before the next attempt.
//! It resolves to `Some(result)` when the call is over and `None` when another attempt is
//! due, so the caller's loop is one line, and the caller makes the attempt's future itself:
//! an `async` block that borrows `&mut self` is fine, which a closure called repeatedly
//! could not return.
//!
//! ```text
//! let mut driver = AsyncDriver::new(policy, into_error, describe);
//! loop {
//!     if let Some(result) = driver.step(async { attempt }, into_result).await { return result }
//! }
//! ```
//!
//! A policy without deadlines has nothing to race an attempt against, so its caller awaits
//! the attempt itself and asks [`AsyncDriver::after`] what follows, a decision rather than
//! a future (which keeps a first-attempt success within a few instructions of a
//! hand-written loop, measured by `benches/instructions.sh`):
//!
//! ```text
//! loop {
//!     let delay = match driver.after(async { attempt }.await) {
//!         Flow::Done(result) => return result,
//!         Flow::Sleep(delay) => delay,
//!     };
//!     driver.sleep(delay).await;
//! }
//! ```
//!
//! The step's states share their space: the attempt (with its limit's sleep when the
//! policy has a deadline) is dropped before the sleep after it begins, and without a
//! deadline there is no room for a limit at all (see [`Limits::Sleep`]).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use pin_project_lite::pin_project;

use super::describe::DescribeError;
use super::hooks::{OnRetry, RetryAfter, When, WhenOk};
use super::progress::{Clock, Flow, LimitPassed, Progress};
use super::timeout::{Limits, Timeout};
use super::Retry;
use crate::timer::Timer;

/// How a driver reaches its policy: through a reference ([`Retry::run_async`]), or by
/// rebuilding it from its constants each time ([`Rebuild`], in expansions, so that the
/// policy takes no room in the retried future).
pub trait PolicySource {
    /// `when`.
    type When;
    /// `on_retry`.
    type OnRetry;
    /// `retry_after`.
    type RetryAfter;
    /// The deadlines.
    type Limits: Limits;
    /// `when_ok`.
    type WhenOk;
    /// Calls `f` with the policy.
    fn with<R>(
        &self,
        f: impl FnOnce(
            &Retry<Self::When, Self::OnRetry, Self::RetryAfter, Self::Limits, Self::WhenOk>,
        ) -> R,
    ) -> R;
}

impl<W, O, A, L: Limits, K> PolicySource for &Retry<W, O, A, L, K> {
    type When = W;
    type OnRetry = O;
    type RetryAfter = A;
    type Limits = L;
    type WhenOk = K;
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce(&Retry<W, O, A, L, K>) -> R) -> R {
        f(self)
    }
}

/// A policy rebuilt by a closure whenever it is needed: zero-sized unless a hook captures.
pub struct Rebuild<F>(pub F);

impl<W, O, A, L: Limits, K, F: Fn() -> Retry<W, O, A, L, K>> PolicySource for Rebuild<F> {
    type When = W;
    type OnRetry = O;
    type RetryAfter = A;
    type Limits = L;
    type WhenOk = K;
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce(&Retry<W, O, A, L, K>) -> R) -> R {
        f(&(self.0)())
    }
}

/// Where an async call stands, and its policy: see the opening comment of `retry/driver.rs`.
pub struct AsyncDriver<S, C: Clock, E, X, D> {
    policy: S,
    progress: Progress<C, E, X, D>,
}

impl<S, C, E, X, D> AsyncDriver<S, C, E, X, D>
where
    S: PolicySource,
    S::When: When<E>,
    S::OnRetry: OnRetry<E>,
    S::RetryAfter: RetryAfter<E>,
    C: Timer,
    X: Fn(Timeout) -> E,
    D: DescribeError<E>,
{
    /// Begins a call: `into_error` turns a passed deadline into `E`, `describe` writes an
    /// error for `tracing` events.
    #[inline(always)]
    pub fn new(policy: S, into_error: X, describe: D) -> Self {
        let progress = policy.with(|p| p.start_with(into_error, describe));
        AsyncDriver { policy, progress }
    }

    /// The number the next attempt will have, from 1 (what `attempt_number = n` binds).
    #[inline(always)]
    pub fn next_attempt(&self) -> u32 {
        self.progress.attempt() + 1
    }

    /// One attempt, `attempt`, and the sleep after it, if another attempt follows.
    /// `into_result` turns the attempt's output into a `Result` (the expansions' return
    /// type may be an alias); it is called once, when the attempt ends.
    ///
    /// The attempt is not polled when the call's deadline has already passed.
    #[inline(always)]
    pub fn step<T, F, V>(&mut self, attempt: F, into_result: V) -> Step<'_, S, C, E, X, D, F, V>
    where
        F: Future,
        V: Fn(F::Output) -> Result<T, E>,
    {
        let state = match self.policy.with(|p| p.begin_attempt(&mut self.progress)) {
            Ok(limit) => State::Attempt {
                attempt,
                limit: limit.and_then(<S::Limits as Limits>::sleep::<C>),
            },
            Err(error) => State::Expired { error: Some(error) },
        };
        Step {
            driver: self,
            into_result,
            state,
        }
    }

    /// After an attempt of a policy without deadlines, which the caller awaited itself
    /// (nothing limits it, so nothing needs to race it): return `Flow::Done(result)`, or
    /// await [`Self::sleep`] with `Flow::Sleep`'s delay and make the next attempt.
    ///
    /// A policy with a `timeout` or an `attempt_timeout` goes through [`Self::step`].
    #[inline(always)]
    pub fn after<T>(&mut self, result: Result<T, E>) -> Flow<T, E>
    where
        S::WhenOk: WhenOk<T>,
    {
        debug_assert!(
            !<S::Limits as Limits>::ANY,
            "a policy with deadlines uses `step`"
        );
        let progress = &mut self.progress;
        self.policy.with(|p| {
            // Counts the attempt; without deadlines it always may start.
            let _ = p.attempt_limit(progress);
            p.next(progress, Ok(result))
        })
    }

    /// The sleep before the next attempt; none for a zero delay (`backoff = "none"`), so
    /// that the next attempt starts at once rather than after a turn of the timer.
    #[inline(always)]
    pub fn sleep(&self, delay: Duration) -> Pause<C::Sleep> {
        if delay.is_zero() {
            Pause::Now
        } else {
            Pause::Sleeping {
                sleep: C::sleep(delay),
            }
        }
    }
}

pin_project! {
    /// The future of [`AsyncDriver::sleep`].
    #[project = PauseProj]
    #[allow(missing_docs)] // the variant's field, which pin-project-lite cannot document
    #[must_use = "a sleep does nothing unless awaited"]
    pub enum Pause<Sleep> {
        /// No sleep: the delay is zero.
        Now,
        /// A sleep on the driver's clock.
        Sleeping { #[pin] sleep: Sleep },
    }
}

impl<Sleep: Future<Output = ()>> Future for Pause<Sleep> {
    type Output = ();

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project() {
            PauseProj::Now => Poll::Ready(()),
            PauseProj::Sleeping { sleep } => sleep.poll(cx),
        }
    }
}

pin_project! {
    /// The future of one [`AsyncDriver::after`].
    #[project = AfterProj]
    #[must_use = "nothing happens unless it is awaited"]
    pub enum After<Sleep, T, E> {
        /// The call's result (`None`: the next attempt is due at once).
        Done { result: Option<Result<T, E>> },
        /// The sleep before the next attempt.
        Sleeping { #[pin] sleep: Sleep },
    }
}

impl<Sleep: Future<Output = ()>, T, E> Future for After<Sleep, T, E> {
    type Output = Option<Result<T, E>>;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        match self.project() {
            AfterProj::Done { result } => Poll::Ready(result.take()),
            AfterProj::Sleeping { sleep } => poll_sleep(sleep, cx),
        }
    }
}

pin_project! {
    /// The future of one [`AsyncDriver::step`].
    #[must_use = "a step does nothing unless awaited"]
    pub struct Step<'d, S, C, E, X, D, F, V>
    where
        S: PolicySource,
        C: Timer,
    {
        driver: &'d mut AsyncDriver<S, C, E, X, D>,
        into_result: V,
        #[pin]
        state: State<F, <S::Limits as Limits>::Sleep<C>, C::Sleep, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, LimitSleep, Sleep, E> {
        // The attempt, and the sleep that ends it at its limit.
        Attempt { #[pin] attempt: F, #[pin] limit: Option<LimitSleep> },
        // The sleep before the next attempt (never one into the deadline).
        Sleeping { #[pin] sleep: Sleep },
        // The deadline had passed before the attempt could start.
        Expired { error: Option<E> },
    }
}

impl<S, C, E, X, D, F, V, T> Future for Step<'_, S, C, E, X, D, F, V>
where
    S: PolicySource,
    S::When: When<E>,
    S::OnRetry: OnRetry<E>,
    S::RetryAfter: RetryAfter<E>,
    C: Timer,
    X: Fn(Timeout) -> E,
    D: DescribeError<E>,
    F: Future,
    V: Fn(F::Output) -> Result<T, E>,
    S::WhenOk: WhenOk<T>,
{
    type Output = Option<Result<T, E>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        // No loop back to this `match`: a state set below is polled where it is set, so
        // that the compiler, which knows each state where it is made, dispatches on none
        // of them (a loop here costs the first poll an indirect jump per nested future).
        let mut this = self.project();
        let flow = match this.state.as_mut().project() {
            StateProj::Attempt { attempt, limit } => {
                let outcome = match attempt.poll(cx) {
                    Poll::Ready(output) => Ok((this.into_result)(output)),
                    Poll::Pending => match limit.as_pin_mut().map(|l| l.poll(cx)) {
                        Some(Poll::Ready(())) => Err(LimitPassed),
                        _ => return Poll::Pending,
                    },
                };
                let driver = &mut **this.driver;
                driver
                    .policy
                    .with(|p| p.next(&mut driver.progress, outcome))
            }
            StateProj::Sleeping { sleep } => return poll_sleep(sleep, cx),
            StateProj::Expired { error } => return Poll::Ready(error.take().map(Err)),
        };
        // The attempt is over: its future, and any `T` it made, go before the sleep.
        let delay = match flow {
            Flow::Done(result) => return Poll::Ready(Some(result)),
            Flow::Sleep(delay) => delay,
        };
        if delay.is_zero() {
            return Poll::Ready(None);
        }
        this.state.set(State::Sleeping {
            sleep: C::sleep(delay),
        });
        match this.state.project() {
            StateProj::Sleeping { sleep } => poll_sleep(sleep, cx),
            _ => unreachable!("the state was just set to `Sleeping`"),
        }
    }
}

/// The sleep before the next attempt: then another attempt (`None`).
#[inline(always)]
fn poll_sleep<S: Future<Output = ()>, T, E>(
    sleep: Pin<&mut S>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<T, E>>> {
    match sleep.poll(cx) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(()) => Poll::Ready(None),
    }
}
