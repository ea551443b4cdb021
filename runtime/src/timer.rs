//! The timers async retries sleep on, and the trait to write your own.
//!
//! An async `#[retry]` (and [`Retry::run_async`](crate::Retry::run_async)) reads the time
//! and sleeps through a [`Timer`]: the deadline of `timeout`, the limit of
//! `attempt_timeout` and the sleeps between attempts are all built on it, so a policy runs
//! on whatever executor its timer works on.
//!
//! | timer | feature | runs on |
//! | --- | --- | --- |
//! | [`Tokio`] | `tokio` (default) | a tokio runtime with its timer enabled; follows `tokio::time::pause()` |
//! | [`FuturesTimer`] | `futures-timer` | any executor: smol, async-std, `futures::executor::block_on`, … (a helper thread of the `futures-timer` crate keeps the time) |
//! | `Gloo` | `gloo-timers` | wasm32 in the browser (`wasm-bindgen-futures`): `setTimeout` and `Date.now()` |
//! | your own | | whatever it is written for: implement [`Clock`] and [`Timer`] |
//!
//! A function picks one with the key `timer = steadfast::timer::FuturesTimer`, and a policy
//! built by hand with [`Retry::run_async_on`](crate::Retry::run_async_on). Without either,
//! the timer is [`Tokio`] when the `tokio` feature is on, else [`FuturesTimer`] when
//! `futures-timer` is on; with neither, an async `#[retry]` is a compile error that says
//! which feature to enable. Sync retries do not use a timer: they sleep on the thread
//! through [`crate::time`].
//!
//! A timer of your own, here one that never really sleeps (in a test, say):
//!
//! ```
//! use std::future::{ready, Ready};
//! use std::time::Duration;
//! use steadfast::retry::Clock;
//! use steadfast::timer::Timer;
//!
//! /// Every sleep is over at once.
//! struct Instant;
//! impl Clock for Instant {
//!     type Instant = ();
//!     fn now() {}
//!     fn since(_: ()) -> Duration { Duration::ZERO }
//! }
//! impl Timer for Instant {
//!     type Sleep = Ready<()>;
//!     fn sleep(_: Duration) -> Ready<()> { ready(()) }
//! }
//!
//! #[steadfast::retry(attempts = 3, delay = "1h", max_delay = "1h", timer = Instant)]
//! async fn flaky(calls: &mut u32) -> Result<u32, &'static str> {
//!     *calls += 1;
//!     if *calls < 3 { Err("not yet") } else { Ok(*calls) }
//! }
//!
//! let mut calls = 0;
//! let result = futures_lite::future::block_on(flaky(&mut calls));
//! assert_eq!(result, Ok(3)); // two sleeps of up to an hour (full jitter), over at once
//! ```

use core::future::Future;
use core::time::Duration;

use crate::retry::Clock;

/// A timer async retries can sleep on: a [`Clock`] that also makes sleeps.
///
/// The clock tells the time (for `timeout`, `attempt_timeout` and the elapsed time hooks
/// see); [`Timer::sleep`] makes the future that a retry awaits between attempts, and that
/// races an attempt against its limit. The implementations are unit types, named only as
/// types: see the [module](self) for those steadfast has and one written by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a timer that async retries can sleep on",
    label = "not a `steadfast::timer::Timer`",
    note = "name one of `steadfast::timer` (`Tokio`, `FuturesTimer`), or implement `steadfast::retry::Clock` and `steadfast::timer::Timer` for it"
)]
pub trait Timer: Clock {
    /// The future of one sleep.
    type Sleep: Future<Output = ()>;

    /// A sleep of `delay`, from now.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use steadfast::retry::Clock;
    /// use steadfast::timer::{Timer, Tokio};
    ///
    /// let start = Tokio::now();
    /// Tokio::sleep(Duration::from_secs(5)).await; // on the paused clock: at once
    /// assert_eq!(Tokio::since(start), Duration::from_secs(5));
    /// # }
    /// ```
    fn sleep(delay: Duration) -> Self::Sleep;
}

/// tokio's timer: `tokio::time::Instant` and `tokio::time::sleep`, which
/// `tokio::time::pause()` (or `#[tokio::test(start_paused = true)]`) makes exact and
/// instant in tests. The default timer when the `tokio` feature is on.
///
/// It needs a tokio runtime with its timer enabled (`#[tokio::main]`, or a `Runtime`
/// built with `enable_time()`). A retry that sleeps outside one panics with a message that
/// says so and names [`FuturesTimer`] for other executors.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// #[steadfast::retry(attempts = 2, delay = "1s", timer = steadfast::timer::Tokio)]
/// async fn fetch() -> Result<(), &'static str> {
///     Err("down")
/// }
/// let started = tokio::time::Instant::now();
/// assert_eq!(fetch().await, Err("down"));
/// assert!(started.elapsed() <= std::time::Duration::from_secs(1)); // full jitter: up to 1 s
/// # }
/// ```
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Tokio;

#[cfg(feature = "tokio")]
impl Clock for Tokio {
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

#[cfg(feature = "tokio")]
impl Timer for Tokio {
    type Sleep = tokio::time::Sleep;
    // Out of line: a sleep follows a failure (or starts an attempt's limit), and the runtime
    // check inlined into every retried function would cost its happy path registers.
    #[inline(never)]
    fn sleep(delay: Duration) -> Self::Sleep {
        if tokio::runtime::Handle::try_current().is_err() {
            outside_tokio(
                "a retry slept on `steadfast::timer::Tokio`",
                ", or, on another executor, sleep on `steadfast::timer::FuturesTimer` (feature \
                 `futures-timer`; `#[retry(timer = steadfast::timer::FuturesTimer)]`)",
            );
        }
        tokio::time::sleep(delay)
    }
}

/// What tokio would say in its own words ("there is no reactor running"), said in ours.
#[cfg(feature = "tokio")]
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn outside_tokio(what: &str, otherwise: &str) -> ! {
    panic!(
        "{what} outside a tokio runtime: run it inside one (`#[tokio::main]`, \
         `Runtime::block_on`, a spawned task){otherwise}"
    )
}

/// The `futures-timer` crate's timer, which works on any executor: smol, async-std,
/// `futures::executor::block_on`, or tokio too. Time is `std::time::Instant`; sleeps are
/// `futures_timer::Delay`s, kept by a helper thread that the crate starts on first use.
/// There is no paused clock for it: tests that need exact time use [`Tokio`] with tokio's
/// paused clock, or a timer of their own (see the [module](self)).
///
/// ```
/// #[steadfast::retry(attempts = 3, delay = "1ms", timer = steadfast::timer::FuturesTimer)]
/// async fn flaky(calls: &mut u32) -> Result<u32, &'static str> {
///     *calls += 1;
///     if *calls < 3 { Err("not yet") } else { Ok(*calls) }
/// }
///
/// let mut calls = 0;
/// assert_eq!(futures_lite::future::block_on(flaky(&mut calls)), Ok(3));
/// ```
#[cfg(feature = "futures-timer")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FuturesTimer;

#[cfg(feature = "futures-timer")]
impl Clock for FuturesTimer {
    type Instant = std::time::Instant;
    #[inline]
    fn now() -> Self::Instant {
        std::time::Instant::now()
    }
    #[inline]
    fn since(earlier: Self::Instant) -> Duration {
        earlier.elapsed()
    }
}

#[cfg(feature = "futures-timer")]
impl Timer for FuturesTimer {
    type Sleep = futures_timer::Delay;
    #[inline]
    fn sleep(delay: Duration) -> Self::Sleep {
        futures_timer::Delay::new(delay)
    }
}

/// gloo's timers, for async retries in the browser (wasm32, where neither tokio's timer nor
/// `std::time::Instant` work): sleeps are `setTimeout`s (`gloo_timers::future::TimeoutFuture`,
/// to the millisecond) and the clock is JavaScript's `Date.now()`, in milliseconds (which
/// can step when the system clock is set; an elapsed time never goes below zero). Feature
/// `gloo-timers`, on `target_arch = "wasm32"` only.
///
/// ```ignore
/// #[steadfast::retry(attempts = 3, delay = "200ms", timer = steadfast::timer::Gloo)]
/// async fn fetch_config() -> Result<String, String> {
///     // a fetch() through web-sys or gloo-net
/// #   Ok(String::new())
/// }
/// ```
#[cfg(all(feature = "gloo-timers", target_arch = "wasm32"))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Gloo;

#[cfg(all(feature = "gloo-timers", target_arch = "wasm32"))]
impl Clock for Gloo {
    type Instant = f64;
    #[inline]
    fn now() -> f64 {
        js_sys::Date::now()
    }
    #[inline]
    fn since(earlier: f64) -> Duration {
        Duration::from_secs_f64((Self::now() - earlier).max(0.0) / 1000.0)
    }
}

#[cfg(all(feature = "gloo-timers", target_arch = "wasm32"))]
impl Timer for Gloo {
    type Sleep = gloo_timers::future::TimeoutFuture;
    #[inline]
    fn sleep(delay: Duration) -> Self::Sleep {
        // Rounded up, so that a sleep is never shorter than asked; capped at `u32::MAX` ms.
        let millis = delay
            .as_nanos()
            .div_ceil(1_000_000)
            .min(u128::from(u32::MAX)) as u32;
        gloo_timers::future::TimeoutFuture::new(millis)
    }
}

#[cfg(all(feature = "gloo-timers", target_arch = "wasm32"))]
impl TimerFeature for Gloo {}

/// The timer of an async retry that names none: [`Tokio`] with the `tokio` feature, else
/// [`FuturesTimer`] with `futures-timer`, else `Gloo` with `gloo-timers` on wasm32, else
/// [`NoTimer`].
#[cfg(feature = "tokio")]
#[doc(hidden)]
pub type DefaultTimer = Tokio;

/// See the `tokio` version.
#[cfg(all(not(feature = "tokio"), feature = "futures-timer"))]
#[doc(hidden)]
pub type DefaultTimer = FuturesTimer;

/// See the `tokio` version.
#[cfg(all(
    not(any(feature = "tokio", feature = "futures-timer")),
    feature = "gloo-timers",
    target_arch = "wasm32"
))]
#[doc(hidden)]
pub type DefaultTimer = Gloo;

/// See the `tokio` version.
#[cfg(not(any(
    feature = "tokio",
    feature = "futures-timer",
    all(feature = "gloo-timers", target_arch = "wasm32")
)))]
#[doc(hidden)]
pub type DefaultTimer = NoTimer;

/// The default timer when no timer feature is on. It satisfies [`Timer`], so that an
/// expansion that names it type-checks, and lacks [`TimerFeature`], which the expansion
/// also asks for, so that the one error is the one that says which feature to enable.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct NoTimer;

impl Clock for NoTimer {
    type Instant = ();
    fn now() {}
    fn since(_: ()) -> Duration {
        Duration::ZERO
    }
}

impl Timer for NoTimer {
    type Sleep = crate::retry::internal::Never;
    fn sleep(_: Duration) -> Self::Sleep {
        unreachable!("an async #[retry] without a timer does not compile")
    }
}

/// A timer that a feature of steadfast provides, asked of the default timer only.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an async `#[retry]` needs a timer to sleep on, and no timer feature of steadfast is enabled",
    label = "this retry would have nothing to sleep on",
    note = "enable the `tokio` feature of steadfast (the default) or `futures-timer` (any executor), or name a timer of your own with `timer = MyTimer`"
)]
pub trait TimerFeature {}

#[cfg(feature = "tokio")]
impl TimerFeature for Tokio {}

#[cfg(feature = "futures-timer")]
impl TimerFeature for FuturesTimer {}

/// The timer a `timer = T` key names, as the expansion reaches it: `T` itself when it is a
/// [`Timer`], else [`NoTimer`] (chosen by autoref, see [`ProbeTimer`]), so that a type that
/// is not a timer is one error, that of [`require_timer`] on the user's path, and not
/// again on every use of the driver built on it.
#[doc(hidden)]
pub struct TimerProbe<T>(pub core::marker::PhantomData<T>);

/// `T`, for a `T` that is a [`Timer`].
#[doc(hidden)]
pub trait ProbeTimer {
    /// The timer.
    type Timer;
    /// Its type, as a value.
    fn timer(&self) -> core::marker::PhantomData<Self::Timer>;
}

impl<T: Timer> ProbeTimer for TimerProbe<T> {
    type Timer = T;
    fn timer(&self) -> core::marker::PhantomData<T> {
        core::marker::PhantomData
    }
}

/// [`NoTimer`], for any other `T` (reached through one more `&`).
#[doc(hidden)]
pub trait ProbeNoTimer {
    /// [`NoTimer`], as a value.
    fn timer(&self) -> core::marker::PhantomData<NoTimer>;
}

impl<T> ProbeNoTimer for &TimerProbe<T> {
    fn timer(&self) -> core::marker::PhantomData<NoTimer> {
        core::marker::PhantomData
    }
}

/// Asked by an async `#[retry]` of the timer its `timer` key names, spanned on the path.
#[doc(hidden)]
#[inline(always)]
pub fn require_timer<T: Timer>() {}

/// Asked by an async `#[retry]` that names no timer, spanned on the attribute.
#[doc(hidden)]
#[inline(always)]
pub fn require_timer_feature<T: TimerFeature>() {}
