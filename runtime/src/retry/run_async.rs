//! `Retry::run_async` and `Retry::run_async_on`: the async retry loop over a closure, on
//! the default timer or a named one.

use core::future::Future;

use super::describe::TypeNameOnly;
use super::driver::AsyncDriver;
use super::hooks::{OnRetry, RetryAfter, When, WhenOk};
use super::timeout::Deadlines;
use super::Retry;
use crate::timer::Timer;

impl<W, O, A, L, K> Retry<W, O, A, L, K> {
    /// Awaits the future `op` makes until it succeeds, the error is not retryable, the
    /// attempts run out or a deadline passes, sleeping on the default timer in between
    /// ([`timer::Tokio`](crate::timer::Tokio) with the `tokio` feature, else
    /// [`timer::FuturesTimer`](crate::timer::FuturesTimer)); [`Retry::run_async_on`] names one.
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
    #[cfg(any(
        feature = "tokio",
        feature = "futures-timer",
        all(feature = "gloo-timers", target_arch = "wasm32")
    ))]
    pub async fn run_async<T, E, F, Fut>(&self, op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Deadlines<E>,
        K: WhenOk<T>,
    {
        self.run_async_on::<crate::timer::DefaultTimer, _, _, _, _>(op)
            .await
    }

    /// [`Retry::run_async`] on the timer `C`: one of [`crate::timer`], or your own.
    ///
    /// ```
    /// use steadfast::timer::FuturesTimer;
    /// use std::time::Duration;
    ///
    /// let policy = steadfast::Retry::fixed().delay(Duration::from_millis(1));
    /// let mut calls = 0;
    /// let result: Result<u32, &str> = futures_lite::future::block_on(
    ///     policy.run_async_on::<FuturesTimer, _, _, _, _>(|| {
    ///         calls += 1;
    ///         let n = calls;
    ///         async move { if n < 3 { Err("not yet") } else { Ok(n) } }
    ///     }),
    /// );
    /// assert_eq!(result, Ok(3));
    /// ```
    pub async fn run_async_on<C, T, E, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        C: Timer,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Deadlines<E>,
        K: WhenOk<T>,
    {
        let mut driver = AsyncDriver::<_, C, E, _, _>::new(self, L::into_error, TypeNameOnly);
        loop {
            if let Some(result) = driver.step(op(), |result| result).await {
                return result;
            }
        }
    }
}
