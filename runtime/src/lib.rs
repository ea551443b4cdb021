//! The runtime of [steadfast](https://docs.rs/steadfast): everything the macros drive that
//! does not need to be generated.
//!
//! Use it through the `steadfast` crate, which re-exports all of it; it is usable on its
//! own, without macros.
//!
//! ```
//! let mut log = Vec::new();
//! {
//!     let mut log = steadfast::guard(&mut log, |log| log.push("cleanup"));
//!     log.push("work");
//! }
//! assert_eq!(log, ["work", "cleanup"]);
//! ```
//!
//! Without the `std` feature (on by default) the crate is `no_std`: `guard`, `Guard` with
//! the `Always` strategy (what a plain `defer!` makes), and the retry policy's schedule
//! (`Retry`, its delays and jitter, `RetryBudget`) remain; with `alloc`, `DeferStack` too.
//! Everything that needs to know about panics (`on_success`, `on_unwind`, `#[recover]`,
//! `Panic`), the clock (`time`, sync and async retries, `timer`) or a runtime (`task`)
//! needs `std`.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(all(feature = "alloc", not(feature = "std")))]
extern crate alloc;
// With `std`, `alloc::` paths (`DeferStack`'s `Box` and `Vec`) name std's re-exports.
#[cfg(feature = "std")]
extern crate std as alloc;

mod cleanup;
#[cfg(feature = "alloc")]
mod defer_stack;
mod guard;
mod macro_support;
#[cfg(feature = "std")]
mod panic;
#[cfg(feature = "std")]
mod report;
pub mod retry;
#[cfg(feature = "tokio")]
pub mod task;
#[cfg(feature = "std")]
pub mod time;
pub mod timer;

pub use cleanup::{CleanupFn, CleanupResult};
#[cfg(feature = "alloc")]
pub use defer_stack::DeferStack;
pub use guard::{guard, Guard};
#[cfg(feature = "std")]
pub use guard::{guard_on_success, guard_on_unwind};
#[cfg(feature = "std")]
pub use panic::{install_quiet_hook, Location, Panic, NON_STRING_PAYLOAD};
#[cfg(feature = "std")]
pub use report::payload_message;
pub use retry::{Attempt, Backoff, Delays, Jitter, Retry, RetryBudget, Timeout};

/// What the macros' expansions name, through the facade's `steadfast::__private`. Not a
/// public API: free to change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::__steadfast_describer as describer;
    pub use crate::guard::Always;
    #[cfg(feature = "std")]
    pub use crate::guard::{OnSuccess, OnUnwind};
    pub use crate::macro_support::*;
    #[cfg(feature = "std")]
    pub use crate::panic::{catch_async_quietly, catch_quietly, Caught};
    pub use crate::retry::internal::*;
    pub use crate::retry::{Backoff, Jitter, Retry};
    pub use crate::timer::{
        require_timer, require_timer_feature, DefaultTimer, NoTimer, ProbeNoTimer, ProbeTimer,
        TimerProbe,
    };
    pub use crate::Guard;
    #[cfg(feature = "std")]
    pub use crate::Panic;
}

/// How `tracing` events write the error of the return type `$result`: by `Display`, else
/// `Debug`, else its type's name, chosen by autoref specialization where the type is known.
/// Without the `tracing` feature nothing is written, and nothing is chosen.
#[cfg(feature = "tracing")]
#[doc(hidden)]
#[macro_export]
macro_rules! __steadfast_describer {
    ($result:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ProbeDebug as _, ProbeDisplay as _, ProbeTypeName as _};
        (&&&$crate::__private::probe::<$result, _>()).describer()
    }};
}

/// See the `tracing` version.
#[cfg(not(feature = "tracing"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __steadfast_describer {
    ($result:ty) => {
        $crate::__private::TypeNameOnly
    };
}

/// When a [`Guard`] runs its closure: always, only on success, or only on unwind.
///
/// A panic counts as the guard's own only if it began *after* the guard was made: `on_unwind`
/// runs while unwinding from such a panic, `on_success` runs unless the scope is left by one.
/// For a guard made while the thread is not unwinding, that is any panic unwinding through
/// its drop. A guard made while the thread is already unwinding (in a `Drop` that runs
/// during an older panic) treats a normal exit from its scope as success, and a panic that
/// begins in its scope (caught further out in the same `Drop`) as its own, however many
/// unwinds deep.
///
/// std says only whether the thread is unwinding, not how many panics deep, so steadfast
/// keeps count: the panic hook that [`install_quiet_hook`] installs counts the panics that
/// begin on each thread, and steadfast's own catches ([`Panic::catch`], `#[recover]`, a
/// cleanup that panics during an unwind) count those they end. A guard made while unwinding
/// takes the unwind at its drop for its own when, since it was made, a panic has begun on
/// its thread that steadfast has not ended. The first `on_success` or `on_unwind` guard a
/// thread makes while it is not unwinding installs that hook (std lets no unwinding thread
/// change it), as the first `#[recover]` does. What remains:
///
/// - A newer panic caught by plain `std::panic::catch_unwind` *inside* the guard's own scope,
///   after which that scope ends normally, still counts as the guard's (`on_unwind` runs,
///   `on_success` does not): std does not say when `catch_unwind` ends a panic. Catch it
///   with [`Panic::catch`] and it ends there.
/// - Where nothing counts, a guard made while unwinding decides as in steadfast 0.1: it
///   takes every unwind at its drop for the older one, so a normal exit from its scope is a
///   success, and so is a newer panic out of it (`on_success` runs, `on_unwind` does not).
///   Guards made while the thread is not unwinding are not affected. That is so:
///   - after a hook set with `std::panic::set_hook` replaced steadfast's (a hook that calls
///     the one it replaced, got from `std::panic::take_hook`, keeps the count going);
///   - before steadfast's hook is installed: in a program whose only `on_success` and
///     `on_unwind` guards are made during unwinds, call [`install_quiet_hook`] at start;
///   - for a panic raised by `std::panic::resume_unwind`, which calls no hook (and, if
///     steadfast catches that panic inside the guard's scope, maybe for newer ones after it
///     there);
///   - for a guard dropped on another thread than the one that made it.
///
/// ```
/// use std::cell::Cell;
/// use steadfast::strategy::{OnSuccess, OnUnwind};
/// use steadfast::Guard;
///
/// let (committed, alarmed) = (Cell::new(false), Cell::new(false));
/// {
///     let _commit = Guard::<_, _, OnSuccess>::new((), |()| committed.set(true));
///     let _alarm = Guard::<_, _, OnUnwind>::new((), |()| alarmed.set(true));
/// } // left without a panic
/// assert!(committed.get() && !alarmed.get());
/// ```
///
/// A scope that panics inside a `Drop` that runs during an older panic:
///
/// ```
/// use std::cell::Cell;
/// use std::panic::{catch_unwind, AssertUnwindSafe};
///
/// struct Cleanup<'a>(&'a Cell<&'static str>);
///
/// impl Drop for Cleanup<'_> {
///     fn drop(&mut self) {
///         // Runs while "outer" unwinds; "inner" begins after the guards are made.
///         let _ = catch_unwind(AssertUnwindSafe(|| {
///             let _commit = steadfast::guard_on_success((), |()| self.0.set("committed"));
///             let _roll_back = steadfast::guard_on_unwind((), |()| self.0.set("rolled back"));
///             panic!("inner");
///         }));
///     }
/// }
///
/// // Any on_success or on_unwind guard made while not unwinding would install it too.
/// steadfast::install_quiet_hook();
/// let outcome = Cell::new("nothing");
/// let _ = catch_unwind(AssertUnwindSafe(|| {
///     let _cleanup = Cleanup(&outcome);
///     panic!("outer");
/// }));
/// assert_eq!(outcome.get(), "rolled back");
/// ```
pub mod strategy {
    pub use crate::guard::{Always, Strategy};
    #[cfg(feature = "std")]
    pub use crate::guard::{OnSuccess, OnUnwind};
}
