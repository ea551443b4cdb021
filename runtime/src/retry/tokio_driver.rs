//! Async retries on tokio's timer: `run_async`, and the pieces the `#[retry]` expansion of
//! an `async fn` awaits.

use std::future::Future;
use std::time::Duration;

use super::hooks::{OnRetry, RetryAfter, When};
use super::progress::{Clock, Flow, LimitPassed};
use super::timeout::Deadlines;
use super::Retry;

/// `tokio::time::Instant`: paused and advanced by `tokio::time::pause` in tests.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use steadfast_runtime::retry::{Clock, TokioClock};
/// let start = TokioClock::now();
/// tokio::time::sleep(Duration::from_secs(5)).await; // instant: the clock is paused
/// assert_eq!(TokioClock::since(start), Duration::from_secs(5));
/// # }
/// ```
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

/// The time an attempt may run, or a time that never passes.
#[doc(hidden)]
#[inline(always)]
pub fn limit_or_forever(limit: Option<Duration>) -> Duration {
    limit.unwrap_or(Duration::MAX)
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
            let outcome = match self.begin_attempt(&mut progress)? {
                None => Ok(op().await),
                Some(limit) => tokio::time::timeout(limit, op())
                    .await
                    .map_err(|_| LimitPassed),
            };
            // The `Flow` is taken apart before the sleep, so that it (and a `T` it could
            // hold) does not live across the await: only the deadline's error does.
            let (delay, then_fail) = match self.next(&mut progress, outcome) {
                Flow::Done(result) => return result,
                Flow::Sleep(delay) => (delay, None),
                Flow::SleepThenFail(delay, error) => (delay, Some(error)),
            };
            if !crate::macro_support::is_zero(delay) {
                tokio::time::sleep(delay).await;
            }
            if let Some(error) = then_fail {
                return Err(error);
            }
        }
    }
}
