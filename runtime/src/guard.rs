//! Guards that run a closure on their value when they go out of scope.

/// How a guard's closure is named in what is reported about it.
const WHAT: &str = "a deferred block";

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
#[cfg(feature = "std")]
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
#[cfg(feature = "std")]
use std::thread;

use crate::cleanup::CleanupFn;
#[cfg(feature = "std")]
use crate::panic::count::{self, Start};
#[cfg(feature = "std")]
use crate::report::{report_panic_during_unwind, run_during_unwind};

/// Without `std` no strategy asks about panics, so a guard records nothing.
#[cfg(not(feature = "std"))]
#[derive(Clone, Copy)]
struct Start;

#[cfg(not(feature = "std"))]
impl Start {
    const CALM: Start = Start;
    fn now() -> Start {
        Start
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Decides whether a [`Guard`]'s closure runs when the guard is dropped.
///
/// Implemented by [`Always`], [`OnSuccess`] and [`OnUnwind`]; sealed. Code that makes
/// guards may leave the choice to its caller:
///
/// ```
/// use std::cell::RefCell;
/// use steadfast::strategy::{Always, OnUnwind, Strategy};
/// use steadfast::{CleanupFn, Guard};
///
/// /// A guard that logs `name` when it runs, under the strategy the caller picks.
/// fn logged<'a, S: Strategy>(
///     log: &'a RefCell<Vec<&'static str>>,
///     name: &'static str,
/// ) -> Guard<(), impl CleanupFn<()> + 'a, S> {
///     Guard::new((), move |()| log.borrow_mut().push(name))
/// }
///
/// let log = RefCell::new(Vec::new());
/// {
///     let _always = logged::<Always>(&log, "always");
///     let _unwind = logged::<OnUnwind>(&log, "on unwind");
/// } // left without a panic
/// assert_eq!(*log.borrow(), ["always"]);
/// ```
pub trait Strategy: sealed::Sealed {
    /// Whether the strategy asks whose panic is unwinding, which a guard prepares for when
    /// it is made (`Always` asks nothing).
    #[doc(hidden)]
    const READS_START: bool;

    /// `own_panic`: the thread is unwinding as the guard drops, from a panic that began
    /// after the guard was made (always `false` unless `READS_START`).
    #[doc(hidden)]
    fn should_run(own_panic: bool) -> bool;
}

/// Run the closure however the scope ends: normally, early, or by a panic.
///
/// The strategy of [`guard`] and of a plain `defer!`.
///
/// ```
/// use std::cell::Cell;
/// use std::panic::{catch_unwind, AssertUnwindSafe};
/// use steadfast::{strategy::Always, Guard};
///
/// let ran = Cell::new(0);
/// {
///     let _g: Guard<_, _, Always> = steadfast::guard((), |()| ran.set(ran.get() + 1));
/// }
/// let _ = catch_unwind(AssertUnwindSafe(|| {
///     let _g: Guard<_, _, Always> = steadfast::guard((), |()| ran.set(ran.get() + 1));
///     panic!("boom");
/// }));
/// assert_eq!(ran.get(), 2); // after the normal exit and after the panic
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Always {}

#[cfg(feature = "std")]
/// Run the closure only when the scope is left without a new panic.
///
/// This includes an early `return`, `?` with an `Err`, and the drop of an unfinished async
/// future (a cancelled future is not a panic). The strategy of [`guard_on_success`] and of
/// `defer!(on_success { ... })`.
///
/// ```
/// use std::cell::Cell;
/// use steadfast::{strategy::OnSuccess, Guard};
///
/// fn step(fail: bool, done: &Cell<u32>) -> Result<(), &'static str> {
///     let count = |()| done.set(done.get() + 1);
///     let _g: Guard<_, _, OnSuccess> = steadfast::guard_on_success((), count);
///     if fail {
///         return Err("early"); // no panic, so this is success too
///     }
///     Ok(())
/// }
///
/// let done = Cell::new(0);
/// assert!(step(false, &done).is_ok());
/// assert!(step(true, &done).is_err());
/// assert_eq!(done.get(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnSuccess {}

#[cfg(feature = "std")]
/// Run the closure only while unwinding from a panic that began after the guard was made.
///
/// The strategy of [`guard_on_unwind`] and of `defer!(on_unwind { ... })`.
///
/// ```
/// use std::cell::Cell;
/// use std::panic::{catch_unwind, AssertUnwindSafe};
/// use steadfast::{strategy::OnUnwind, Guard};
///
/// let alarms = Cell::new(0);
/// let alarm = |()| alarms.set(alarms.get() + 1);
/// {
///     let _g: Guard<_, _, OnUnwind> = steadfast::guard_on_unwind((), alarm);
/// } // no panic: the closure does not run
/// let _ = catch_unwind(AssertUnwindSafe(|| {
///     let _g: Guard<_, _, OnUnwind> = steadfast::guard_on_unwind((), alarm);
///     panic!("boom");
/// }));
/// assert_eq!(alarms.get(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnUnwind {}

impl sealed::Sealed for Always {}
#[cfg(feature = "std")]
impl sealed::Sealed for OnSuccess {}
#[cfg(feature = "std")]
impl sealed::Sealed for OnUnwind {}

impl Strategy for Always {
    const READS_START: bool = false;
    #[inline(always)]
    fn should_run(_: bool) -> bool {
        true
    }
}

#[cfg(feature = "std")]
impl Strategy for OnSuccess {
    const READS_START: bool = true;
    #[inline(always)]
    fn should_run(own_panic: bool) -> bool {
        // An unwind that was already going on when the guard was made is not ours.
        !own_panic
    }
}

#[cfg(feature = "std")]
impl Strategy for OnUnwind {
    const READS_START: bool = true;
    #[inline(always)]
    fn should_run(own_panic: bool) -> bool {
        own_panic
    }
}

/// A value with a closure that receives it when the guard goes out of scope.
///
/// Made by [`guard`], [`guard_on_success`] and [`guard_on_unwind`]. The guard dereferences
/// to its value; [`Guard::into_inner`] takes the value back without running the closure.
///
/// The closure returns `()` or `Result<(), E>` ([`CleanupResult`](crate::CleanupResult));
/// an `Err` it returns is reported on stderr (or as a `tracing` ERROR event with the
/// `tracing` feature), since a drop cannot return it. Unlike a plain `Drop` impl (and
/// `scopeguard`), a closure that panics while the thread is already unwinding does not
/// abort the process: the second panic is caught and reported the same way, and the first
/// panic goes on.
///
/// ```
/// use steadfast::Guard;
///
/// let mut v = steadfast::guard(Vec::new(), |v| assert_eq!(v, [1, 2]));
/// v.push(1);
/// v.push(2); // DerefMut to the Vec
/// drop(v); // the closure checks what we built
///
/// let kept: Vec<i32> = Guard::into_inner(steadfast::guard(vec![7], |_| unreachable!()));
/// assert_eq!(kept, [7]);
/// ```
#[must_use = "a guard runs its closure when dropped: bind it to a named variable, as in `let _tx = steadfast::guard(…)`; `let _ = …` drops it at once"]
pub struct Guard<T, F, S = Always>
where
    F: CleanupFn<T>,
    S: Strategy,
{
    // `None` only after `into_inner` or during `drop`.
    armed: Option<(T, F)>,
    // What the thread was doing when the guard was made (`Start::CALM`, unread, for `Always`).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    start: Start,
    strategy: PhantomData<fn(S)>,
}

impl<T, F, S> Guard<T, F, S>
where
    F: CleanupFn<T>,
    S: Strategy,
{
    /// Makes a guard with the strategy `S` chosen by type.
    ///
    /// Bind the guard to a named variable, as in `let _g = Guard::<_, _, OnSuccess>::new(…)`:
    /// `let _ = …` drops it at the end of that statement, which runs an `Always` or
    /// `OnSuccess` closure at once and an `OnUnwind` closure never.
    ///
    /// ```
    /// use steadfast::{strategy::OnSuccess, Guard};
    ///
    /// let ok = std::cell::Cell::new(false);
    /// {
    ///     let _g = Guard::<_, _, OnSuccess>::new((), |()| ok.set(true));
    /// }
    /// assert!(ok.get());
    /// ```
    #[inline]
    pub fn new<R>(value: T, on_drop: F) -> Self
    where
        // Only for inference: it gives a closure its parameter type `T`. What the closure
        // may return is checked once, by `F: CleanupFn<T>`.
        F: FnOnce(T) -> R,
    {
        Guard {
            armed: Some((value, on_drop)),
            start: if S::READS_START {
                Start::now()
            } else {
                Start::CALM
            },
            strategy: PhantomData,
        }
    }

    /// Disarms the guard and returns its value; the closure is dropped without running.
    ///
    /// An associated function, not a method, so that it never hides a method of `T`.
    ///
    /// ```
    /// let g = steadfast::guard(String::from("tx"), |_| panic!("rolled back"));
    /// let tx: String = steadfast::Guard::into_inner(g);
    /// assert_eq!(tx, "tx");
    /// ```
    #[inline]
    pub fn into_inner(mut guard: Self) -> T {
        match guard.armed.take() {
            Some((value, _on_drop)) => value,
            None => unreachable!("a guard is disarmed only by into_inner, which consumes it"),
        }
    }
}

impl<T, F, S> Deref for Guard<T, F, S>
where
    F: CleanupFn<T>,
    S: Strategy,
{
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        match &self.armed {
            Some((value, _)) => value,
            None => unreachable!("a guard is disarmed only by into_inner, which consumes it"),
        }
    }
}

impl<T, F, S> DerefMut for Guard<T, F, S>
where
    F: CleanupFn<T>,
    S: Strategy,
{
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.armed {
            Some((value, _)) => value,
            None => unreachable!("a guard is disarmed only by into_inner, which consumes it"),
        }
    }
}

impl<T, F, S> Drop for Guard<T, F, S>
where
    F: CleanupFn<T>,
    S: Strategy,
{
    #[inline]
    fn drop(&mut self) {
        if let Some((value, on_drop)) = self.armed.take() {
            // Without `std` there is no unwinding to tell apart: `Always` is the only
            // strategy, and a panic out of the closure is the program's to handle.
            #[cfg(not(feature = "std"))]
            on_drop.clean_up(value, WHAT);
            #[cfg(feature = "std")]
            if !S::READS_START {
                // `Always`: no need to ask first whether the thread is unwinding, which
                // costs a read of the global panic count and, for its slow path, a stack
                // frame on every drop (measured by `benches/defer.rs`). Only a panic out of
                // the closure asks: during an unwind it is reported, so that the first
                // panic goes on instead of aborting; otherwise it carries on as it was. A
                // closure that cannot panic compiles to a plain call.
                if let Err(payload) =
                    catch_unwind(AssertUnwindSafe(move || on_drop.clean_up(value, WHAT)))
                {
                    if thread::panicking() {
                        count::panic_ended();
                        report_panic_during_unwind(WHAT, payload);
                    } else {
                        resume_unwind(payload);
                    }
                }
            } else {
                let unwinding_now = thread::panicking();
                if S::should_run(unwinding_now && self.start.unwind_is_newer()) {
                    if unwinding_now {
                        run_during_unwind(WHAT, move || on_drop.clean_up(value, WHAT));
                    } else {
                        on_drop.clean_up(value, WHAT);
                    }
                }
            }
        }
    }
}

impl<T: fmt::Debug, F: CleanupFn<T>, S: Strategy> fmt::Debug for Guard<T, F, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("value", &**self)
            .field("strategy", &core::any::type_name::<S>())
            .finish()
    }
}

/// Guards `value`: `on_drop(value)` runs when the guard goes out of scope, however the
/// scope ends. The transaction pattern, with a `rollback` that returns a `Result` as those of
/// rusqlite, postgres and diesel do (an `Err` from it is reported, see
/// [`CleanupResult`](crate::CleanupResult)):
///
/// ```
/// # struct Tx(Vec<&'static str>);
/// # impl Tx {
/// #     fn execute(&mut self, q: &'static str) -> Result<(), String> {
/// #         if q.contains("bad") { return Err(q.into()) } self.0.push(q); Ok(())
/// #     }
/// #     fn rollback(self) -> Result<(), String> { println!("rolled back {:?}", self.0); Ok(()) }
/// #     fn commit(self) -> Result<(), String> { println!("committed {:?}", self.0); Ok(()) }
/// # }
/// fn transfer(q: &'static str) -> Result<(), String> {
///     let mut tx = steadfast::guard(Tx(Vec::new()), |tx| tx.rollback());
///     tx.execute(q)?; // an early `?` rolls back
///     steadfast::Guard::into_inner(tx).commit() // disarm, then commit
/// }
/// assert!(transfer("insert").is_ok());
/// assert!(transfer("bad insert").is_err());
/// ```
///
/// # Bind it to a name
///
/// The closure runs when the guard is dropped, so keep the guard in a named variable until
/// the end of the scope. `let _ = steadfast::guard(…)` binds nothing: the guard is dropped
/// at the end of that statement and the closure runs at once. (For an unused `#[must_use]`
/// value rustc suggests `let _ = …`; for a guard that is the wrong fix.) A name that begins
/// with an underscore, such as `_tx`, keeps the guard alive without an unused-variable
/// warning:
///
/// ```
/// use std::cell::RefCell;
///
/// let log = RefCell::new(Vec::new());
/// {
///     let _ = steadfast::guard((), |()| log.borrow_mut().push("`_`: at once"));
///     let _tx = steadfast::guard((), |()| log.borrow_mut().push("`_tx`: at the end"));
///     log.borrow_mut().push("body");
/// }
/// assert_eq!(*log.borrow(), ["`_`: at once", "body", "`_tx`: at the end"]);
/// ```
#[must_use = "a guard runs its closure when dropped: bind it to a named variable, as in `let _tx = steadfast::guard(…)`; `let _ = …` drops it at once"]
#[inline]
pub fn guard<T, F, R>(value: T, on_drop: F) -> Guard<T, F, Always>
where
    F: FnOnce(T) -> R + CleanupFn<T>, // the first gives a closure its parameter type
{
    Guard::new(value, on_drop)
}

#[cfg(feature = "std")]
/// Guards `value`: `on_drop(value)` runs only if the scope is left without a new panic.
///
/// Success here means "no panic": an early `return` or `?` also counts, and so does the
/// drop of a cancelled async future. A guard made while the thread is already unwinding
/// (inside another value's `Drop`) runs when its own scope ends normally, and not when that
/// scope panics anew (what remains of that rule is in [`strategy`](crate::strategy)).
///
/// ```
/// let mut log = Vec::new();
/// {
///     let _g = steadfast::guard_on_success(&mut log, |log| log.push("committed"));
/// }
/// assert_eq!(log, ["committed"]);
/// ```
///
/// Bind the guard to a named variable, as in `let _done = steadfast::guard_on_success(…)`:
/// `let _ = …` drops it at the end of that statement, so the closure runs at once (see
/// [`guard`](fn@guard#bind-it-to-a-name)).
#[must_use = "a guard runs its closure when dropped: bind it to a named variable, as in `let _done = steadfast::guard_on_success(…)`; `let _ = …` drops it at once"]
#[inline]
pub fn guard_on_success<T, F, R>(value: T, on_drop: F) -> Guard<T, F, OnSuccess>
where
    F: FnOnce(T) -> R + CleanupFn<T>, // the first gives a closure its parameter type
{
    Guard::new(value, on_drop)
}

#[cfg(feature = "std")]
/// Guards `value`: `on_drop(value)` runs only while unwinding from a panic that began after
/// the guard was made.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// static ALARM: AtomicBool = AtomicBool::new(false);
/// let result = std::panic::catch_unwind(|| {
///     let _g = steadfast::guard_on_unwind((), |()| ALARM.store(true, Ordering::SeqCst));
///     panic!("boom");
/// });
/// assert!(result.is_err());
/// assert!(ALARM.load(Ordering::SeqCst));
/// ```
///
/// Bind the guard to a named variable, as in `let _alarm = steadfast::guard_on_unwind(…)`:
/// `let _ = …` drops it at the end of that statement, before anything can panic, so the
/// closure never runs (see [`guard`](fn@guard#bind-it-to-a-name)).
#[must_use = "a guard runs its closure when dropped: bind it to a named variable, as in `let _alarm = steadfast::guard_on_unwind(…)`; `let _ = …` drops it at once, and the closure never runs"]
#[inline]
pub fn guard_on_unwind<T, F, R>(value: T, on_drop: F) -> Guard<T, F, OnUnwind>
where
    F: FnOnce(T) -> R + CleanupFn<T>, // the first gives a closure its parameter type
{
    Guard::new(value, on_drop)
}
