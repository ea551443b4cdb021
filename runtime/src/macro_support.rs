//! Small pieces the macros' expansions call. Not a public API: reached through
//! `steadfast::__private`, and free to change.

use std::time::Duration;

use crate::retry::{Attempt, Timeout, TimeoutError};

/// The `Ok` and `Err` types of a function's `Result` return type, however it is spelt.
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs a function that returns `Result<T, E>`, and `{Self}` is not a `Result`",
    label = "an `Err` is what tells `#[retry]` to try again",
    note = "return `Result<T, E>` (or an alias of it, such as `std::io::Result<T>`)"
)]
pub trait IsResult {
    /// `T`.
    type Ok;
    /// `E`.
    type Err;
}

impl<T, E> IsResult for Result<T, E> {
    type Ok = T;
    type Err = E;
}

/// Gives a `when` closure its parameter type.
#[inline(always)]
pub fn when_fn<E, F: Fn(&E) -> bool>(when: F) -> F {
    when
}

/// Gives an `on_retry` closure its parameter type.
#[inline(always)]
pub fn on_retry_fn<E, F: Fn(&Attempt<'_, E>)>(on_retry: F) -> F {
    on_retry
}

/// Gives a `retry_after` closure its parameter type.
#[inline(always)]
pub fn retry_after_fn<E, F: Fn(&E) -> Option<Duration>>(retry_after: F) -> F {
    retry_after
}

/// A by-value argument of a retried function, which every attempt gets a clone of.
#[diagnostic::on_unimplemented(
    message = "`#[retry]` gives every attempt its own copy of a by-value argument, but `{Self}` is not `Clone`",
    label = "this argument is moved into each attempt",
    note = "borrow it instead (`&{Self}` or `&mut {Self}`), or derive/implement `Clone` for it"
)]
pub trait RetryArg {
    /// A fresh copy for one attempt.
    fn clone_for_attempt(&self) -> Self;
}

impl<T: Clone> RetryArg for T {
    #[inline(always)]
    fn clone_for_attempt(&self) -> Self {
        self.clone()
    }
}

/// A fresh clone of a by-value argument for one attempt.
#[inline(always)]
pub fn clone_arg<T: RetryArg>(arg: &T) -> T {
    arg.clone_for_attempt()
}

/// Compiles only when `R` is a `Result`: the first statement of a retried function, so a
/// function returning something else gets this error before any other.
#[inline(always)]
pub fn must_return_result<R: IsResult>() {}

/// `E::from(timeout)` for a policy with a deadline; named at the `timeout` key, so that an
/// error type without `From<Timeout>` is reported there, with what to write.
#[inline]
pub fn timeout_error<E: TimeoutError>(timeout: Timeout) -> E {
    E::from_timeout(timeout)
}

/// The conversion for a policy without deadlines, which never produces a `Timeout`.
pub fn no_timeout<E>(timeout: Timeout) -> E {
    unreachable!("a policy without deadlines produced {timeout}")
}

/// An error type that a caught panic can be returned as: every `E: From<Panic>`.
#[diagnostic::on_unimplemented(
    message = "`#[recover]` returns a caught panic as the error, but `{Self}` does not implement `From<steadfast::Panic>`",
    label = "a panic would be returned as `Err` of this type",
    note = "add `impl From<steadfast::Panic> for {Self}` (for example a `Panicked(steadfast::Panic)` variant), or write `#[recover(default)]` or `#[recover(with = fallback)]`"
)]
pub trait PanicError {
    /// `Self::from(panic)`.
    fn from_panic(panic: crate::Panic) -> Self;
}

impl<E: From<crate::Panic>> PanicError for E {
    #[inline]
    fn from_panic(panic: crate::Panic) -> Self {
        E::from(panic)
    }
}

/// `E::from(panic)`, for bare `#[recover]`.
#[cold]
pub fn panic_into<E: PanicError>(panic: crate::Panic) -> E {
    E::from_panic(panic)
}

/// A return type that `#[recover(default)]` can fall back to.
#[diagnostic::on_unimplemented(
    message = "`#[recover(default)]` returns `{Self}::default()` after a panic, but `{Self}` does not implement `Default`",
    label = "the function's return type",
    note = "derive or implement `Default` for it, or write `#[recover(with = fallback)]`"
)]
pub trait RecoverDefault {
    /// `Self::default()`.
    fn recover_default() -> Self;
}

impl<R: Default> RecoverDefault for R {
    #[inline]
    fn recover_default() -> Self {
        R::default()
    }
}

/// `R::default()`, for `#[recover(default)]`.
#[cold]
pub fn panic_default<R: RecoverDefault>(panic: crate::Panic) -> R {
    drop(panic);
    R::recover_default()
}

/// `fallback(panic)`, for `#[recover(with = fallback)]`; gives a closure its parameter type.
#[cold]
pub fn panic_with<R, F: FnOnce(crate::Panic) -> R>(fallback: F, panic: crate::Panic) -> R {
    fallback(panic)
}

/// Gives an `async` block its output type, so that `?` inside it infers.
#[inline(always)]
pub fn typed_future<R, F: std::future::Future<Output = R>>(future: F) -> F {
    future
}

/// Called by `#[recover]` only when the crate is built with `panic = "abort"`, to warn.
#[deprecated(
    note = "this crate is built with `panic = \"abort\"`: a panic ends the process before `#[recover]` can catch it, so it recovers nothing"
)]
#[inline(always)]
pub fn recover_under_panic_abort() {}

/// tokio's timer, for the expansion of an `async fn`.
#[cfg(feature = "tokio")]
pub use tokio::time::{sleep as tokio_sleep, timeout as tokio_timeout};

/// Whether a delay is zero, taking it by value: the expansion never borrows the delay, since
/// a borrowed local would be kept in the future across the sleep that follows.
#[inline(always)]
pub fn is_zero(delay: Duration) -> bool {
    delay == Duration::ZERO
}
