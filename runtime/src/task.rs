//! Tasks that cannot leak: a spawned task is aborted when its guard is dropped.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use steadfast::task::spawn_guarded;
//!
//! let ticker = spawn_guarded(async {
//!     loop {
//!         tokio::task::yield_now().await;
//!     }
//! });
//! let answer = spawn_guarded(async { 6 * 7 });
//! assert_eq!(answer.await.unwrap(), 42);
//! drop(ticker); // the endless task is aborted, not leaked
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::JoinHandle;

use crate::panic::Panic;

/// Spawns `future` on the current tokio runtime and returns a guard that owns the task:
/// dropping the guard aborts the task, awaiting it joins the task.
///
/// A panic in the task comes back from the `.await` as `Err(Panic)`. Nothing in steadfast
/// detaches a task; [`TaskGuard::detach`] is the explicit way to let one run on.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let metrics = tokio::runtime::Handle::current().metrics();
/// let helper = steadfast::task::spawn_guarded(std::future::pending::<()>());
/// assert_eq!(metrics.num_alive_tasks(), 1);
/// drop(helper); // aborts the task
/// tokio::task::yield_now().await;
/// assert_eq!(metrics.num_alive_tasks(), 0);
///
/// let answer = steadfast::task::spawn_guarded(async { 6 * 7 }).await;
/// assert_eq!(answer.unwrap(), 42);
/// # }
/// ```
///
/// Keep the guard in a named variable for as long as the task should run, as in
/// `let _ticker = spawn_guarded(…)`, or await it. `let _ = spawn_guarded(…)` drops the guard
/// at the end of that statement, which aborts the task at once (on a current-thread runtime,
/// before it has run at all); rustc suggests `let _ = …` for an unused `#[must_use]` value,
/// and here that is the wrong fix (clippy's `let_underscore_future` does flag it).
///
/// # Panics
///
/// When called outside a tokio runtime (it spawns on the current one), with a message that
/// says so: the task guards need tokio, whatever timer the retries use.
#[track_caller]
pub fn spawn_guarded<F>(future: F) -> TaskGuard<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_err() {
        crate::timer::outside_tokio("`steadfast::task::spawn_guarded` was called", "");
    }
    TaskGuard {
        handle: Some(tokio::spawn(future)),
    }
}

/// A spawned task that is aborted when this guard is dropped. Awaiting it joins the task.
///
/// Made by [`spawn_guarded`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let guard: steadfast::task::TaskGuard<u32> =
///     steadfast::task::spawn_guarded(async { 7 });
/// assert_eq!(guard.await.unwrap(), 7);
/// # }
/// ```
#[must_use = "dropping a TaskGuard aborts its task at once: bind it to a named variable, as in `let _task = spawn_guarded(…)`, or await it; `let _ = …` aborts the task at once"]
#[derive(Debug)]
pub struct TaskGuard<T> {
    /// `None` only after `detach`.
    handle: Option<JoinHandle<T>>,
}

impl<T> TaskGuard<T> {
    /// Lets the task run on unguarded: the explicit opt-out. The returned handle may be
    /// awaited or dropped; dropping it no longer stops the task.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = steadfast::task::spawn_guarded(async { 1 }).detach();
    /// assert_eq!(handle.await.unwrap(), 1);
    /// # }
    /// ```
    pub fn detach(mut self) -> JoinHandle<T> {
        self.handle
            .take()
            .expect("a TaskGuard holds its handle until detach or drop")
    }

    /// Aborts the task now; awaiting the guard then reports the cancellation.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let guard = steadfast::task::spawn_guarded(std::future::pending::<()>());
    /// guard.abort();
    /// let err = guard.await.unwrap_err();
    /// assert!(err.message().contains("cancelled"));
    /// # }
    /// ```
    pub fn abort(&self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }

    /// Whether the task has finished (completed, panicked or been aborted).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let guard = steadfast::task::spawn_guarded(std::future::pending::<()>());
    /// assert!(!guard.is_finished());
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl<T> Drop for TaskGuard<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

impl<T> Future for TaskGuard<T> {
    /// The task's output, or the panic that ended it. A task that was aborted (by
    /// [`abort`](TaskGuard::abort), or because its runtime shut down) comes back as a
    /// `Panic` whose message says it was cancelled.
    type Output = Result<T, Panic>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(handle) = self.handle.as_mut() else {
            return Poll::Pending;
        };
        Pin::new(handle).poll(cx).map(|joined| {
            joined.map_err(|error| match error.try_into_panic() {
                Ok(payload) => Panic::from_payload(payload),
                Err(_) => {
                    Panic::from_payload(Box::new("the task was cancelled before it finished"))
                }
            })
        })
    }
}
