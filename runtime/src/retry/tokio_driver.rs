//! Async retries on tokio's timer: `run_async`, and the pieces the `#[retry]` expansion of
//! an `async fn` awaits.

use std::future::Future;
use std::time::Duration;

use super::hooks::{OnRetry, RetryAfter, When};
use super::progress::{AttemptLimit, Clock, Flow};
use super::timeout::Deadlines;
use super::Retry;

/// `tokio::time::Instant`: paused and advanced by `tokio::time::pause` in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    type Instant = tokio::time::Instant;
    fn now() -> Self::Instant {
        tokio::time::Instant::now()
    }
    fn since(earlier: Self::Instant) -> Duration {
        earlier.elapsed()
    }
}

/// Sleeps on tokio's timer; a zero delay does not touch the timer.
#[doc(hidden)]
pub async fn sleep(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

/// Runs one attempt within its limit, if it has one: the attempt is dropped when the limit
/// passes.
#[doc(hidden)]
pub async fn within<F: Future>(
    limit: Option<AttemptLimit>,
    attempt: F,
) -> Result<F::Output, AttemptLimit> {
    match limit {
        None => Ok(attempt.await),
        Some(limit) => tokio::time::timeout(limit.duration, attempt)
            .await
            .map_err(|_| limit),
    }
}

impl<W, O, A, L> Retry<W, O, A, L> {
    /// Awaits the future `op` makes until it succeeds, the error is not retryable, the
    /// attempts run out or a deadline passes, sleeping on tokio's timer in between.
    ///
    /// Nothing is spawned or boxed: dropping the returned future cancels the attempt or the
    /// sleep in progress at once. An `attempt_timeout` cancels a hung attempt and counts it
    /// as a retryable failure; a `timeout` drops the attempt in flight at the deadline.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let mut calls = 0;
    /// let result: Result<u32, &str> = steadfast_runtime::Retry::exp()
    ///     .delay(Duration::from_millis(10))
    ///     .run_async(|| {
    ///         calls += 1;
    ///         let n = calls;
    ///         async move { if n < 3 { Err("not yet") } else { Ok(n) } }
    ///     })
    ///     .await;
    /// assert_eq!(result, Ok(3));
    /// # }
    /// ```
    pub async fn run_async<T, E, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Deadlines<E>,
    {
        let mut progress = self.start::<E, TokioClock>();
        loop {
            let limit = self.begin_attempt(&mut progress)?;
            let outcome = within(limit, op()).await;
            // The `Flow` is taken apart before the sleep, so that it (and a `T` it could
            // hold) does not live across the await: only the deadline's error does.
            let (delay, then_fail) = match self.next(&mut progress, outcome) {
                Flow::Done(result) => return result,
                Flow::Sleep(delay) => (delay, None),
                Flow::SleepThenFail(delay, error) => (delay, Some(error)),
            };
            sleep(delay).await;
            if let Some(error) = then_fail {
                return Err(error);
            }
        }
    }
}
