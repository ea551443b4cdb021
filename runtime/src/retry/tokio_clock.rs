//! Async retries on tokio's timer.

use std::future::Future;
use std::time::Duration;

use super::describe::TypeNameOnly;
use super::driver::{AsyncClock, AsyncDriver};
use super::hooks::{OnRetry, RetryAfter, When, WhenOk};
use super::progress::Clock;
use super::timeout::Deadlines;
use super::Retry;

/// `tokio::time::Instant` and `tokio::time::sleep`: paused and advanced by
/// `tokio::time::pause` in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    type Instant = tokio::time::Instant;
    #[inline]
    fn now() -> Self::Instant {
        tokio::time::Instant::now()
    }
    #[inline]
    fn since(earlier: Self::Instant) -> Duration {
        earlier.elapsed()
    }
}

impl AsyncClock for TokioClock {
    type Sleep = tokio::time::Sleep;
    #[inline]
    fn sleep(delay: Duration) -> Self::Sleep {
        tokio::time::sleep(delay)
    }
}

impl<W, O, A, L, K> Retry<W, O, A, L, K> {
    /// Awaits the future `op` makes until it succeeds, the error is not retryable, the
    /// attempts run out or a deadline passes, sleeping on tokio's timer in between.
    ///
    /// Nothing is spawned or boxed: dropping the returned future cancels the attempt or the
    /// sleep in progress at once. An `attempt_timeout` cancels a hung attempt and counts it
    /// as a retryable failure; a `timeout` drops the attempt in flight at the deadline
    /// (the call then returns `Err(E::from(Timeout))`), and when the sleep before the next
    /// attempt would reach it, the call returns the failed attempt's own error at once.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let mut calls = 0;
    /// let result: Result<u32, &str> = steadfast::Retry::exp()
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
        K: WhenOk<T>,
    {
        let mut driver =
            AsyncDriver::<_, TokioClock, E, _, _>::new(self, L::into_error, TypeNameOnly);
        loop {
            if let Some(result) = driver.step(op(), |result| result).await {
                return result;
            }
        }
    }
}
