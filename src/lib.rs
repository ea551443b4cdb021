//! steadfast gives Rust what Go programmers reach for every day: `defer`, `recover`, and
//! retry with backoff that never leaks a task, as compile-time macros over a small runtime.
//!
//! ```
//! use steadfast::defer;
//!
//! fn copy(log: &mut Vec<String>) -> Result<(), String> {
//!     let mut opened = Vec::new();
//!     for name in ["a", "b"] {
//!         opened.push(name);
//!     }
//!     defer! { println!("closed {opened:?}"); }  // runs however `copy` returns
//!     log.push(format!("copied {}", opened.len()));
//!     Ok(())
//! }
//! # copy(&mut Vec::new()).unwrap();
//! ```
//!
//! - [`defer!`]: a block that runs when its scope ends, by falling off the end, `return`,
//!   `?`, `break`, a panic, or (in async code) the drop of an unfinished future. Several run
//!   in reverse order. `on_success`, `on_unwind` and `move` choose when and how.
//! - [`guard`], [`guard_on_success`], [`guard_on_unwind`]: the same for a value you keep
//!   using (the transaction pattern), disarmed by [`Guard::into_inner`]. A cleanup may
//!   return a `Result`, such as a `rollback()`'s: an `Err` is reported ([`CleanupResult`]).
//! - [`DeferStack`]: Go's function-scoped defers, for cleanup pushed in a loop.
//! - [`#[retry]`](macro@retry): a retry policy on a sync or async function — attempts, backoff,
//!   jitter, deadlines, predicates and hooks — over the runtime's [`Retry`].
//! - [`#[recover]`](recover): a panic becomes an `Err`, a default, or a fallback value
//!   ([`Panic`]).
//! - [`task::spawn_guarded`]: a tokio task that is aborted when its guard is dropped.
//!
//! Cleanup never turns a panic into an abort: a deferred block that panics while the thread
//! is already unwinding is caught and reported (on stderr, or as a `tracing` event with the
//! `tracing` feature and a subscriber), and the original panic carries on.
//!
//! The guide, with every example compiled and run, is the mdBook in the repository's
//! `book/` folder: build it with `mdbook build book` and open `book/book/index.html`. Its
//! chapters: Getting started, `defer`, `retry`, `recover`, async without leaks, runtimes and
//! time, a cookbook, coming from Go, coming from other crates, and the reference of every key
//! and error.
//!
//! Without the default `std` feature the crate is `no_std`: a plain `defer!`, [`guard`],
//! [`Guard::into_inner`] and the retry schedule ([`Retry`]'s delays and jitter,
//! [`RetryBudget`]) remain, and [`DeferStack`] with `alloc`. `on_success`, `on_unwind`,
//! `#[recover]`, `#[retry]` on a function, [`time`] and [`task`] need `std`.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use steadfast_runtime::{
    guard, retry, strategy, Attempt, Backoff, CleanupFn, CleanupResult, Delays, Guard, Jitter,
    Retry, RetryBudget, Timeout,
};

#[cfg(feature = "alloc")]
pub use steadfast_runtime::DeferStack;

#[cfg(feature = "std")]
pub use steadfast_runtime::{
    guard_on_success, guard_on_unwind, install_quiet_hook, payload_message, Location, Panic,
    NON_STRING_PAYLOAD,
};

#[cfg(feature = "tokio")]
pub use steadfast_runtime::task;

#[cfg(feature = "std")]
pub use steadfast_runtime::time;

pub use steadfast_runtime::timer;

/// Runs a block when the enclosing scope ends, however it ends.
///
/// ```
/// use steadfast::defer;
/// use std::cell::RefCell;
///
/// let log = RefCell::new(Vec::new());
/// {
///     defer! { log.borrow_mut().push("runs last"); }
///     defer! { log.borrow_mut().push("runs first"); }
///     log.borrow_mut().push("body");
/// }
/// assert_eq!(*log.borrow(), ["body", "runs first", "runs last"]);
/// ```
///
/// # Forms
///
/// | form | runs |
/// | --- | --- |
/// | `defer! { ... }` | on every exit: end of block, `return`, `?`, `break`/`continue`, panic |
/// | `defer!(on_success { ... })` | only if the scope is left without a new panic |
/// | `defer!(on_unwind { ... })` | only while unwinding from a panic that began after the defer |
/// | `defer!(move { ... })` | like the first, capturing by value now |
/// | `defer!(move on_success { ... })`, `defer!(move on_unwind { ... })` | `move` combines with either mode |
///
/// `move` evaluates captures when the defer is written, as Go evaluates a deferred call's
/// arguments at the `defer` statement:
///
/// ```
/// use steadfast::defer;
/// use std::cell::RefCell;
///
/// let printed = RefCell::new(Vec::new());
/// {
///     let printed = &printed;
///     let mut i = 10;
///     defer!(move { printed.borrow_mut().push(i); });  // Go: `i := 10; defer print(i)`
///     i = 20;
///     printed.borrow_mut().push(i);
/// }
/// assert_eq!(*printed.borrow(), [20, 10]);
/// ```
///
/// Without `move`, the block borrows what it names until the end of the scope, as a closure
/// would, so a variable it reads cannot be assigned in between; `move` (of a copy, or of a
/// reference) is the way out.
///
/// A defer belongs to its block: in a loop body it runs at the end of every iteration. For
/// Go's order, where every iteration's cleanup waits for the end of the function, push
/// closures onto a [`DeferStack`].
///
/// # Success, unwinding and async code
///
/// `on_success` means "left without a panic": an early `return`, a `?` that returns an
/// `Err`, and the drop of an unfinished async future all count as success. In an `async fn`
/// every defer runs when the future completes or is dropped part-way (a lost
/// `tokio::select!` branch, an elapsed `tokio::time::timeout`), so cleanup survives
/// cancellation. A defer made while the thread is already unwinding (in a `Drop` run by a
/// panic) takes only a panic that began after it for its own: [`strategy`] says how, and
/// what remains when steadfast's panic hook is replaced.
///
/// ```
/// use steadfast::defer;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static CLEANED: AtomicU32 = AtomicU32::new(0);
///
/// async fn slow() {
///     defer! { CLEANED.fetch_add(1, Ordering::SeqCst); }
///     std::future::pending::<()>().await;
/// }
///
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let mut fut = Box::pin(slow());
/// assert!(fut.as_mut().poll(&mut cx).is_pending());
/// drop(fut); // cancelled part-way
/// assert_eq!(CLEANED.load(Ordering::SeqCst), 1);
/// # use std::future::Future;
/// ```
///
/// # Panics in a deferred block
///
/// A deferred block that panics during a normal exit panics like any code. One that panics
/// while the thread is already unwinding does not abort the process (plain Rust would): the
/// second panic is caught and reported, and the first panic reaches the caller with its own
/// payload.
///
/// ```
/// use steadfast::defer;
///
/// let caught = std::panic::catch_unwind(|| {
///     defer! { panic!("second"); }
///     panic!("first");
/// });
/// let payload = caught.unwrap_err();
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"first"));
/// ```
///
/// # A block that returns a `Result`
///
/// A block's value is usually `()`. One that ends in a call returning `Result<(), E>`
/// (`E: Debug`), without a `;`, may keep that `Result`: a drop cannot return it, so an `Err`
/// is reported, on stderr or as a `tracing` ERROR event, like a second panic (see
/// [`CleanupResult`]). Any other value is a compile error; end the block with `;`.
///
/// ```
/// use steadfast::defer;
///
/// fn remove(path: &str) -> Result<(), String> {
///     Err(format!("{path} is busy"))
/// }
///
/// {
///     defer! { remove("scratch.db") } // the `Err` is reported on stderr, not lost
/// }
/// ```
///
/// # Cost
///
/// A defer is a guard on the stack holding the block as a closure: no heap allocation, the
/// cost of a hand-written `Drop`.
pub use steadfast_macros::defer;

/// Turns a panic in the function into its `Err`, its default, or a fallback value: Go's
/// `recover`, written once on the function.
///
/// ```
/// use steadfast::{recover, Panic};
///
/// #[derive(Debug)]
/// enum ParseError { Empty, Panicked(Panic) }
/// impl From<Panic> for ParseError {
///     fn from(p: Panic) -> Self { ParseError::Panicked(p) }
/// }
///
/// #[recover]                       // a panic returns Err(E::from(panic))
/// fn first_word(src: &str) -> Result<&str, ParseError> {
///     if src.is_empty() { return Err(ParseError::Empty); }
///     Ok(src.split(' ').nth(0).unwrap())
/// }
///
/// #[recover(default)]              // a panic returns T::default()
/// fn ratio(a: u32, b: u32) -> u32 { a / b }
///
/// #[recover(with = |p| format!("<{}>", p.message()))]   // a panic returns f(panic)
/// fn render(items: &[&str], i: usize) -> String { items[i].to_uppercase() }
///
/// assert_eq!(ratio(6, 0), 0);
/// assert_eq!(render(&["a"], 3), "<index out of bounds: the len is 1 but the index is 3>");
/// assert!(matches!(first_word(""), Err(ParseError::Empty)));
/// ```
///
/// | form | needs | a panic returns |
/// | --- | --- | --- |
/// | `#[recover]` | returns `Result<T, E>` with `E: From<Panic>` | `Err(E::from(panic))` |
/// | `#[recover(default)]` | return type `T: Default` | `T::default()` |
/// | `#[recover(with = f)]` | `f`: path or closure, `Fn(Panic) -> T` | `f(panic)` |
///
/// - A panic caught by `#[recover]` is not printed by the panic hook: steadfast installs,
///   once and from whichever thread first needs it, a hook that stays quiet for panics it
///   is about to recover (recording where they happened, for [`Panic::location`]) and hands
///   every other panic to the hook that was installed before. With the `tracing` feature a
///   recovered panic is an ERROR event with its message and location. A hook installed with
///   `std::panic::set_hook` after the first `#[recover]` call replaces steadfast's.
/// - On an `async fn`, a panic in any poll is caught; nothing is boxed.
/// - `#[retry] #[recover]` recovers inside each attempt, so panics are retried as errors;
///   `#[recover] #[retry]` recovers around the whole retried call, so a panic ends it.
/// - A crate built with `panic = "abort"` cannot recover anything: `#[recover]` then emits
///   a compile-time warning.
/// - No panic, no cost beyond `catch_unwind`'s: no allocation (after the first call, which
///   installs the hook).
pub use steadfast_macros::recover;

/// Retries a function that returns `Result`, with backoff, jitter, deadlines and hooks.
///
/// ```
/// use std::cell::Cell;
/// use steadfast::retry;
///
/// #[derive(Debug, PartialEq)]
/// enum Error { Busy, Denied }
///
/// fn is_transient(e: &Error) -> bool { *e == Error::Busy }
///
/// #[retry(attempts = 3, backoff = "exp", delay = "1ms", when = is_transient)]
/// fn fetch(calls: &Cell<u32>) -> Result<&'static str, Error> {
///     calls.set(calls.get() + 1);
///     if calls.get() < 3 { Err(Error::Busy) } else { Ok("body") }
/// }
///
/// let calls = Cell::new(0);
/// assert_eq!(fetch(&calls), Ok("body"));
/// assert_eq!(calls.get(), 3); // `attempts` counts calls, the first included
/// ```
///
/// # Keys
///
#[doc = include_str!("retry_keys.md")]
///
/// Durations are checked at compile time; an expression of type `Duration` (a constant, or
/// `Duration::from_millis(5)`) is also accepted.
///
/// # Semantics
///
/// - The function's signature is unchanged. After the last attempt it returns that
///   attempt's error; a non-retryable error returns at once.
/// - `return` and `?` in the body end the current attempt, not the whole call.
/// - Arguments taken by value are given to every attempt as a fresh `clone()`; a by-value
///   argument that is not `Clone` is a compile error on that argument. References,
///   `&self` and `&mut self` are borrowed again by each attempt.
/// - `timeout` and `attempt_timeout` need `E: From<Timeout>`; the error says so at the key.
/// - The call never sleeps into its `timeout`: when an attempt fails and the next could not
///   start before the deadline (its delay, or its `retry_after` hint, reaches it), the call
///   returns that attempt's own error at once, without `on_retry`. It returns
///   `Err(E::from(Timeout))` only when there is no such error: an async attempt in flight
///   is dropped at the deadline, or the deadline had passed when the next attempt was due
///   (a sync attempt cannot be interrupted, so none starts past it).
/// - `async fn`: nothing is spawned or boxed, nothing is allocated per attempt, the future
///   is `Send` when the body's is, and dropping it cancels the attempt or the sleep at
///   once. Sleeps and deadlines use the function's timer (the `timer` key; tokio's by
///   default, which `tokio::time::pause()` makes exact in tests).
/// - With the `tracing` feature, each failure that will be retried is a WARN event
///   (attempt, max attempts, delay, error), in the caller's span; an ERROR event says why
///   the call gave up: the attempts ran out, the next attempt could not start before the
///   `timeout` (naming the error returned), or the deadline cut an attempt.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use steadfast::{retry, Timeout};
///
/// #[derive(Debug)]
/// enum Error { Hung(Timeout) }
/// impl From<Timeout> for Error {
///     fn from(t: Timeout) -> Self { Error::Hung(t) }
/// }
///
/// struct Client { calls: u32 }
///
/// impl Client {
///     #[retry(attempts = 3, delay = "10ms", attempt_timeout = "500ms", timeout = "5s")]
///     async fn call(&mut self) -> Result<u32, Error> {
///         self.calls += 1;
///         if self.calls == 1 {
///             std::future::pending::<()>().await; // hangs: cancelled after 500 ms
///         }
///         Ok(self.calls)
///     }
/// }
///
/// let mut client = Client { calls: 0 };
/// assert_eq!(client.call().await.unwrap(), 2);
/// # }
/// ```
///
/// The same policy without the macro is [`Retry`].
pub use steadfast_macros::retry;

#[doc(hidden)]
pub use steadfast_runtime::__private;
