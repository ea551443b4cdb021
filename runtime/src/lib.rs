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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cleanup;
mod defer_stack;
mod guard;
mod macro_support;
mod panic;
mod report;
pub mod retry;
#[cfg(feature = "tokio")]
pub mod task;
pub mod time;
pub mod timer;

pub use cleanup::{CleanupFn, CleanupResult};
pub use defer_stack::DeferStack;
pub use guard::{guard, guard_on_success, guard_on_unwind, Guard};
pub use panic::{install_quiet_hook, Location, Panic, NON_STRING_PAYLOAD};
pub use report::payload_message;
pub use retry::{Attempt, Backoff, Delays, Jitter, Retry, RetryBudget, Timeout};

/// What the macros' expansions name, through the facade's `steadfast::__private`. Not a
/// public API: free to change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::__steadfast_describer as describer;
    pub use crate::guard::{Always, OnSuccess, OnUnwind};
    pub use crate::macro_support::*;
    pub use crate::panic::{catch_async_quietly, catch_quietly, Caught};
    pub use crate::retry::internal::*;
    pub use crate::retry::{Backoff, Jitter, Retry};
    pub use crate::timer::{
        require_timer, require_timer_feature, DefaultTimer, NoTimer, ProbeNoTimer, ProbeTimer,
        TimerProbe,
    };
    pub use crate::{Guard, Panic};
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
/// The strategies decide from two facts: whether the thread was already unwinding when the
/// guard was made, and whether it is unwinding when the guard is dropped. A panic counts as
/// the guard's own only if it began *after* the guard was made, so a guard created inside a
/// `Drop` that runs during an older panic treats a normal exit from its scope as success.
///
/// One case cannot be told apart: a guard made while the thread is already unwinding, whose
/// scope then panics anew *inside* a `catch_unwind` in that same `Drop`. std exposes only
/// whether the thread is unwinding, not how many panics deep, so that nested panic is taken
/// for the older one (`on_success` runs, `on_unwind` does not).
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
pub mod strategy {
    pub use crate::guard::{Always, OnSuccess, OnUnwind, Strategy};
}
