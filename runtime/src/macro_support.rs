//! Small pieces the macros' expansions call. Not a public API: reached through
//! `steadfast::__private`, and free to change.

use core::marker::PhantomData;
use core::time::Duration;

#[cfg(feature = "std")]
use crate::panic::Caught;
#[cfg(feature = "std")]
use crate::retry::internal::StdClock;
use crate::retry::internal::{AsyncDriver, Rebuild};
use crate::retry::internal::{DescribeError, Probe};
use crate::retry::typestate::{Limits, TimeoutError};
use crate::retry::{Attempt, OnRetry, Retry, RetryAfter, Timeout, When, WhenOk};
use crate::timer::Timer;

/// The `Ok` and `Err` types of a function's `Result` return type, however it is spelt.
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs a function that returns `Result<T, E>`, and `{Self}` is not a `Result`",
    label = "an `Err` is what tells `#[retry]` to try again",
    note = "return `Result<T, E>` (or an alias of it, such as `std::io::Result<T>`)"
)]
pub trait IsResult: Sized {
    /// `T`.
    type Ok;
    /// `E`.
    type Err;
    /// `self`, as the `Result` it is.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
    /// The `Result`, as `Self`.
    fn from_result(result: Result<Self::Ok, Self::Err>) -> Self;
}

impl<T, E> IsResult for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[inline(always)]
    fn into_result(self) -> Self {
        self
    }
    #[inline(always)]
    fn from_result(result: Self) -> Self {
        result
    }
}

// Every helper below that depends on the return type takes it as its first type parameter
// `R`, which the expansion writes as the user's own return type, and names its `Ok` and
// `Err` types by equality (`R: IsResult<Err = E>`), never as `R::Err`. rustc then reports a
// return type that is not a `Result` (an alias the macro cannot see through) as one unmet
// `R: IsResult`, at that explicit argument, however many helpers the expansion calls; `T`
// and `E` are merely unknown after it, which rustc does not report.

/// A function's `Result`, for the policy.
#[inline(always)]
pub fn into_result<R, T, E>(result: R) -> Result<T, E>
where
    R: IsResult<Ok = T, Err = E>,
{
    result.into_result()
}

/// The policy's `Result`, as the function's return type.
#[inline(always)]
pub fn from_result<R, T, E>(result: Result<T, E>) -> R
where
    R: IsResult<Ok = T, Err = E>,
{
    R::from_result(result)
}

/// A hook whose type was checked where it was written: [`when_fn`] and the others below
/// check the closure against its signature, there, and keep a function pointer that calls
/// it. The policy's own bounds (`W: When<E>`, ...) then hold by construction, so a closure
/// of the wrong type is reported once, on the closure, and not again where the policy runs.
/// The pointer is to a monomorphic shim, called only after a failed attempt.
pub struct Hook<F, S> {
    hook: F,
    shim: S,
}

impl<F: Clone, S: Copy> Clone for Hook<F, S> {
    #[inline(always)]
    fn clone(&self) -> Self {
        Hook {
            hook: self.hook.clone(),
            shim: self.shim,
        }
    }
}

/// How a [`Hook`] calls a `when` closure.
pub type WhenShim<F, E> = fn(&F, &E) -> bool;
/// How a [`Hook`] calls an `on_retry` closure.
pub type OnRetryShim<F, E> = fn(&F, &Attempt<'_, E>);
/// How a [`Hook`] calls a `retry_after` closure.
pub type RetryAfterShim<F, E> = fn(&F, &E) -> Option<Duration>;

// Every hook but the last set must be `Copy` (see `Retry`); so is a `Hook` around it.
impl<F: Copy, S: Copy> Copy for Hook<F, S> {}

impl<E, F> When<E> for Hook<F, WhenShim<F, E>> {
    #[inline(always)]
    fn should_retry(&self, error: &E) -> bool {
        (self.shim)(&self.hook, error)
    }
}

impl<E, F> OnRetry<E> for Hook<F, OnRetryShim<F, E>> {
    #[inline(always)]
    fn on_retry(&self, attempt: &Attempt<'_, E>) {
        (self.shim)(&self.hook, attempt)
    }
}

impl<E, F> RetryAfter<E> for Hook<F, RetryAfterShim<F, E>> {
    #[inline(always)]
    fn retry_after(&self, error: &E) -> Option<Duration> {
        (self.shim)(&self.hook, error)
    }
}

/// Gives a `when` closure its parameter type, the `E` of `R = Result<T, E>`.
#[inline(always)]
pub fn when_fn<R, E, F>(when: F) -> Hook<F, WhenShim<F, E>>
where
    R: IsResult<Err = E>,
    F: Fn(&E) -> bool,
{
    Hook {
        hook: when,
        shim: |when, error| when(error),
    }
}

/// How a [`Hook`] calls a `when_ok` closure.
pub type WhenOkShim<F, T> = fn(&F, &T) -> bool;

impl<T, F> WhenOk<T> for Hook<F, WhenOkShim<F, T>> {
    #[inline(always)]
    fn should_retry_value(&self, value: &T) -> bool {
        (self.shim)(&self.hook, value)
    }
}

/// Gives a `when_ok` closure its parameter type, the `T` of `R = Result<T, E>`.
#[inline(always)]
pub fn when_ok_fn<R, T, F>(when_ok: F) -> Hook<F, WhenOkShim<F, T>>
where
    R: IsResult<Ok = T>,
    F: Fn(&T) -> bool,
{
    Hook {
        hook: when_ok,
        shim: |when_ok, value| when_ok(value),
    }
}

/// Gives an `on_retry` closure its parameter type (see [`when_fn`]).
#[inline(always)]
pub fn on_retry_fn<R, E, F>(on_retry: F) -> Hook<F, OnRetryShim<F, E>>
where
    R: IsResult<Err = E>,
    F: Fn(&Attempt<'_, E>),
{
    Hook {
        hook: on_retry,
        shim: |on_retry, attempt| on_retry(attempt),
    }
}

/// Gives a `retry_after` closure its parameter type (see [`when_fn`]).
#[inline(always)]
pub fn retry_after_fn<R, E, F>(retry_after: F) -> Hook<F, RetryAfterShim<F, E>>
where
    R: IsResult<Err = E>,
    F: Fn(&E) -> Option<Duration>,
{
    Hook {
        hook: retry_after,
        shim: |retry_after, error| retry_after(error),
    }
}

/// The probe that picks how `tracing` events write `R`'s error.
#[inline(always)]
pub fn probe<R, E>() -> Probe<E>
where
    R: IsResult<Err = E>,
{
    Probe::new()
}

/// The return type `R` of a retried function, as the user wrote it: the expansions call the
/// drivers through it, so that `T` and `E` come from `R` (see the note above).
pub struct Returns<R>(PhantomData<R>);

// The bound on `R` is on each method, not on the impl: an impl whose bound fails hides its
// methods, which rustc reports as a second error ("exists but its trait bounds were not
// satisfied") after the one that says the return type is not a `Result`.
impl<R> Returns<R> {
    /// The sync expansion: `policy` retries `attempt`, which returns the function's own
    /// type, on the thread's clock ([`crate::time`]).
    #[cfg(feature = "std")]
    #[inline(always)]
    pub fn run_sync<T, E, W, O, A, L, K, X, D, F>(
        policy: &Retry<W, O, A, L, K>,
        into_error: X,
        describe: D,
        mut attempt: F,
    ) -> R
    where
        R: IsResult<Ok = T, Err = E>,
        F: FnMut(u32) -> R,
        K: WhenOk<T>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Limits,
        X: Fn(Timeout) -> E,
        D: DescribeError<E>,
    {
        R::from_result(policy.run_driven::<StdClock, T, E, _, X, D>(
            into_error,
            describe,
            |number| attempt(number).into_result(),
        ))
    }

    /// The async expansion's driver, on the timer `C`: `policy` rebuilds the policy from
    /// its constants whenever it is needed, so that it takes no room in the retried future.
    #[inline(always)]
    pub fn driver<C, T, E, W, O, A, L, K, P, X, D>(
        _timer: PhantomData<C>,
        policy: P,
        into_error: X,
        describe: D,
    ) -> AsyncDriver<Rebuild<P>, C, E, X, D>
    where
        C: Timer,
        R: IsResult<Ok = T, Err = E>,
        P: Fn() -> Retry<W, O, A, L, K>,
        K: WhenOk<T>,
        W: When<E>,
        O: OnRetry<E>,
        A: RetryAfter<E>,
        L: Limits,
        X: Fn(Timeout) -> E,
        D: DescribeError<E>,
    {
        AsyncDriver::new(Rebuild(policy), into_error, describe)
    }
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

#[cfg(feature = "std")]
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

#[cfg(feature = "std")]
impl<E: From<crate::Panic>> PanicError for E {
    #[inline]
    fn from_panic(panic: crate::Panic) -> Self {
        E::from(panic)
    }
}

#[cfg(feature = "std")]
/// `E::from(panic)`, for bare `#[recover]`.
#[cold]
pub fn panic_into<E: PanicError>(caught: Caught) -> E {
    E::from_panic(caught.into_panic())
}

#[cfg(feature = "std")]
/// A return type that `#[recover(default)]` can fall back to.
#[diagnostic::on_unimplemented(
    message = "`#[recover(default)]` returns `{Self}::default()` after a panic, but `{Self}` does not implement `Default`",
    label = "a panic would be replaced by `{Self}::default()`",
    note = "derive or implement `Default` for `{Self}`, or write `#[recover(with = fallback)]` to compute the value from the panic"
)]
pub trait RecoverDefault {
    /// `Self::default()`.
    fn recover_default() -> Self;
}

#[cfg(feature = "std")]
impl<R: Default> RecoverDefault for R {
    #[inline]
    fn recover_default() -> Self {
        R::default()
    }
}

#[cfg(feature = "std")]
/// `R::default()`, for `#[recover(default)]`.
#[cold]
pub fn panic_default<R: RecoverDefault>(caught: Caught) -> R {
    drop(caught.into_panic());
    R::recover_default()
}

#[cfg(feature = "std")]
/// `fallback(panic)`, for `#[recover(with = fallback)]`; gives a closure its parameter type.
#[cold]
pub fn panic_with<R, F: FnOnce(crate::Panic) -> R>(fallback: F, caught: Caught) -> R {
    fallback(caught.into_panic())
}

#[cfg(feature = "std")]
/// Called by `#[recover]` only when the crate is built with `panic = "abort"`, to warn.
#[deprecated(
    note = "this crate is built with `panic = \"abort\"`: a panic ends the process before `#[recover]` can catch it, so it recovers nothing"
)]
#[inline(always)]
pub fn recover_under_panic_abort() {}

/// A value of any type that is never made: the fake return edge of an async attempt,
/// `if false { return never::<R>(); }`, which fixes the block's return type to `R` first.
#[inline(always)]
pub fn never<R>() -> R {
    unreachable!("the fake return edge of a retried attempt never runs")
}

/// What `budget = PATH` names: a `static RetryBudget`.
#[diagnostic::on_unimplemented(
    message = "`budget` takes a `static steadfast::RetryBudget`, and `{Self}` is not one",
    label = "this is shared by every call that names it, so it must be a `RetryBudget`",
    note = "declare it as `static BUDGET: steadfast::RetryBudget = steadfast::RetryBudget::new(10, 0.1);` and write `budget = BUDGET`"
)]
pub trait IsBudget {
    /// Itself, as the budget.
    fn as_budget(&'static self) -> &'static crate::RetryBudget;
}

impl IsBudget for crate::RetryBudget {
    #[inline(always)]
    fn as_budget(&'static self) -> &'static crate::RetryBudget {
        self
    }
}

/// The budget that `budget = PATH` names, checked to be a `'static` [`crate::RetryBudget`].
#[inline(always)]
pub fn budget<B: IsBudget + ?Sized>(budget: &'static B) -> &'static crate::RetryBudget {
    budget.as_budget()
}
