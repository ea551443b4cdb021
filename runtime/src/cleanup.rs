//! What a guard's closure (and so a `defer!` body) may return, and what becomes of an `Err`.
//!
//! A drop cannot return anything, so an `Err` from a cleanup such as `tx.rollback()` has
//! nowhere to go: it is reported, the way a deferred block that panics during an unwind is
//! (see `report.rs`), never dropped in silence and never turned into a panic.

#[cfg(feature = "std")]
use core::fmt::Debug;

#[cfg(feature = "std")]
use crate::report::report_cleanup_error;

mod sealed {
    pub trait SealedResult {}
    pub trait SealedFn<T> {}
}

/// What a cleanup may return: `()`, or `Result<(), E>` with `E: Debug`.
///
/// A cleanup is the closure of a [`guard`](crate::guard),
/// [`guard_on_success`](crate::guard_on_success) or [`guard_on_unwind`](crate::guard_on_unwind),
/// or the body of a `defer!`. Most return `()`. Those that end in a call which can fail,
/// such as the `rollback(self) -> Result<(), Error>` of rusqlite, postgres or diesel, may
/// return its `Result` as it is: an `Ok` costs a test and nothing else, and an `Err` is
/// reported where a deferred block that panics during an unwind is reported, as a line on
/// stderr, or, with the `tracing` feature and a subscriber, as an ERROR event with the error
/// in its `error` field:
///
/// ```text
/// steadfast: a deferred block returned an error: "connection reset"; a drop cannot return it, so it is reported here
/// ```
///
/// The error is never dropped in silence and never turned into a panic: the cleanup runs
/// when the scope is left, often because of another error or a panic, which it must not
/// replace.
///
/// ```
/// struct Tx;
/// impl Tx {
///     fn rollback(self) -> Result<(), String> {
///         Err("connection reset".into())
///     }
/// }
///
/// {
///     let _tx = steadfast::guard(Tx, |tx| tx.rollback());
/// } // the rollback's `Err("connection reset")` is reported on stderr
///
/// let mut log = Vec::new();
/// {
///     let _g = steadfast::guard(&mut log, |log| log.push("closed")); // `()`
/// }
/// assert_eq!(log, ["closed"]);
/// ```
///
/// `E` needs `Debug`, which is what `unwrap` and `expect` need too: every
/// `std::error::Error` has it, and `#[derive(Debug)]` gives it to any other type, so an
/// error needs no `Display` to be reported. The report prints it with `{:?}`.
///
/// The trait is sealed. It is also implemented for `!`, so that a closure that only panics
/// (`|_| unreachable!()`) compiles under the never-type fallback of edition 2024. A call
/// that returns another `Ok` value, such as an `execute` returning the rows it changed, is
/// adapted with `.map(drop)`:
///
/// ```
/// fn execute(sql: &str) -> Result<usize, String> {
///     Ok(sql.len())
/// }
///
/// let _g = steadfast::guard("ROLLBACK", |sql| execute(sql).map(drop));
/// ```
#[diagnostic::on_unimplemented(
    message = "a cleanup returns `()` or `Result<(), E>` with `E: Debug`, not `{Self}`",
    label = "this cleanup returns `{Self}`",
    note = "end the block with `;` to return `()`, map an `Ok` value away with `.map(drop)`, \
            or derive `Debug` for the error type"
)]
pub trait CleanupResult: sealed::SealedResult {
    /// Reports an `Err`, naming the cleanup as `what`; does nothing for `()` and `Ok`.
    #[doc(hidden)]
    fn report_failure(self, what: &'static str);
}

impl sealed::SealedResult for () {}

impl CleanupResult for () {
    #[inline(always)]
    fn report_failure(self, _what: &'static str) {}
}

// Without `std` there is nowhere to report an `Err`: a cleanup returns `()` there (end it with
// `.ok();` to let an error go knowingly).
#[cfg(feature = "std")]
impl<E: Debug> sealed::SealedResult for Result<(), E> {}

#[cfg(feature = "std")]
impl<E: Debug> CleanupResult for Result<(), E> {
    #[inline(always)]
    fn report_failure(self, what: &'static str) {
        if let Err(error) = self {
            report_cleanup_error(what, &error);
        }
    }
}

/// `!` on stable Rust: the `Output` of `fn() -> !`.
mod never {
    pub trait FnOutput {
        type Output;
    }

    impl<T> FnOutput for fn() -> T {
        type Output = T;
    }

    pub type Never = <fn() -> ! as FnOutput>::Output;
}

impl sealed::SealedResult for never::Never {}

// Hidden from rustdoc and from rustc's list of implementations in an error, both of which
// would show the alias's definition, not `!`; the trait's page says it.
#[doc(hidden)]
#[diagnostic::do_not_recommend]
impl CleanupResult for never::Never {
    #[inline(always)]
    fn report_failure(self, _what: &'static str) {
        self
    }
}

/// A closure that a [`Guard`](crate::Guard) can run on its value: any `FnOnce(T) -> R`
/// whose `R` is a [`CleanupResult`].
///
/// Implemented for every such closure and function; sealed, so there is nothing to
/// implement. It is the bound on `Guard`'s closure type, which lets the closure return
/// `()` or a `Result` without a type parameter for what it returns.
///
/// ```
/// use std::cell::Cell;
/// use steadfast::{CleanupFn, Guard};
///
/// struct Conn<'a>(&'a Cell<u32>);
/// impl Conn<'_> {
///     fn close(self) -> Result<(), String> {
///         self.0.set(self.0.get() + 1);
///         Ok(())
///     }
/// }
///
/// /// A connection that is closed when the guard drops, unless disarmed.
/// fn open(closed: &Cell<u32>) -> Guard<Conn<'_>, impl CleanupFn<Conn<'_>>> {
///     steadfast::guard(Conn(closed), Conn::close)
/// }
///
/// let closed = Cell::new(0);
/// drop(open(&closed));
/// assert_eq!(closed.get(), 1);
/// ```
pub trait CleanupFn<T>: sealed::SealedFn<T> {
    /// Runs the closure on `value`, then reports an `Err` it returned, naming it `what`.
    #[doc(hidden)]
    fn clean_up(self, value: T, what: &'static str);
}

impl<T, F, R> sealed::SealedFn<T> for F
where
    F: FnOnce(T) -> R,
    R: CleanupResult,
{
}

impl<T, F, R> CleanupFn<T> for F
where
    F: FnOnce(T) -> R,
    R: CleanupResult,
{
    #[inline(always)]
    fn clean_up(self, value: T, what: &'static str) {
        self(value).report_failure(what);
    }
}
