//! A `#[retry]` function whose first attempt succeeds never touches the heap, sync or
//! async, whatever keys it sets (the performance contract's "no allocation" rows).
//!
//! A counting global allocator counts allocations per thread, so the test harness and tests
//! running in parallel on other threads do not disturb the counts; each count is taken
//! around the retried call only.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use steadfast::{retry, Attempt, Timeout};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocations;

/// How many allocations the current thread makes while running `f`.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = allocations();
    let result = f();
    (allocations() - before, result)
}

/// Polls `future` once with a waker that does nothing; it must be ready.
fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the first poll was pending"),
    }
}

/// A current-thread runtime with a paused clock, built outside any count.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    TimedOut(Timeout),
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut(timeout)
    }
}

fn is_down(e: &Error) -> bool {
    *e == Error::Down
}

fn log_retry(a: &Attempt<'_, Error>) {
    black_box(a.number());
}

fn no_hint(_: &Error) -> Option<Duration> {
    None
}

// ---------------------------------------------------------------------------------------
// The counter works

#[retry(attempts = 3, backoff = "none")]
fn boxes(value: u32) -> Result<Box<u32>, Error> {
    Ok(Box::new(value))
}

#[test]
fn the_counter_sees_allocations_made_by_the_body() {
    let (n, boxed) = allocations_in(|| black_box(Box::new(1u64)));
    drop(boxed);
    assert_eq!(n, 1);
    let (n, result) = allocations_in(|| boxes(black_box(7)));
    assert_eq!(n, 1, "the body's own `Box`");
    assert_eq!(*result.unwrap(), 7);
}

// ---------------------------------------------------------------------------------------
// Sync

#[retry]
fn defaults(x: u32) -> Result<u32, Error> {
    Ok(black_box(x) + 1)
}

#[retry(
    attempts = 5,
    backoff = "exp",
    delay = "10ms",
    max_delay = "1s",
    jitter = "decorrelated",
    timeout = "60s",
    when = is_down,
    on_retry = log_retry,
    retry_after = no_hint
)]
fn every_key(x: u32, by: &u32, out: &mut u32) -> Result<u32, Error> {
    *out += 1;
    Ok(black_box(x) * *by)
}

#[retry(
    attempts = 5,
    backoff = "linear",
    delay = "10ms",
    max_delay = "1s",
    jitter = "full",
    timeout = "60s",
    when = |e| *e == Error::Down,
    on_retry = |a| {
        black_box(a.number());
    },
    retry_after = |_| None
)]
fn every_key_with_closures(x: u32) -> Result<u32, Error> {
    Ok(black_box(x))
}

struct Service {
    base: u32,
}

impl Service {
    #[retry(attempts = 4, jitter = "equal", timeout = "5s", when = is_down, on_retry = log_retry)]
    fn call(&self, x: u32) -> Result<u32, Error> {
        Ok(self.base + black_box(x))
    }
}

#[test]
fn sync_first_attempt_success_does_not_allocate() {
    let (n, result) = allocations_in(|| defaults(black_box(1)));
    assert_eq!((n, result), (0, Ok(2)), "the default policy");

    let mut out = 0;
    let (n, result) = allocations_in(|| every_key(black_box(6), &7, &mut out));
    assert_eq!(
        (n, result, out),
        (0, Ok(42), 1),
        "every key, function paths"
    );

    let (n, result) = allocations_in(|| every_key_with_closures(black_box(5)));
    assert_eq!((n, result), (0, Ok(5)), "every key, closures");

    let service = Service { base: 10 };
    let (n, result) = allocations_in(|| service.call(black_box(1)));
    assert_eq!((n, result), (0, Ok(11)), "a method");
}

#[retry(attempts = 3, when = |_| false, on_retry = log_retry, timeout = "1s")]
fn refused(x: u32) -> Result<u32, Error> {
    black_box(x);
    Err(Error::Down)
}

#[test]
fn sync_non_retryable_error_does_not_allocate() {
    let (n, result) = allocations_in(|| refused(black_box(1)));
    assert_eq!((n, result), (0, Err(Error::Down)));
}

// ---------------------------------------------------------------------------------------
// Async

async fn ready(x: u32) -> u32 {
    black_box(x)
}

#[retry]
async fn async_defaults(x: u32) -> Result<u32, Error> {
    Ok(ready(x).await + 1)
}

#[retry(
    attempts = 5,
    backoff = "exp",
    delay = "10ms",
    max_delay = "1s",
    jitter = "full",
    when = is_down,
    on_retry = log_retry,
    retry_after = no_hint
)]
async fn async_hooks(x: u32, by: &u32, out: &mut u32) -> Result<u32, Error> {
    *out += 1;
    Ok(ready(x).await * *by)
}

#[retry(
    attempts = 5,
    backoff = "fixed",
    delay = "10ms",
    max_delay = "1s",
    jitter = "decorrelated",
    timeout = "10s",
    attempt_timeout = "1s",
    when = |e| *e == Error::Down,
    on_retry = |a| {
        black_box(a.number());
    },
    retry_after = |_| None
)]
async fn async_every_key(x: u32) -> Result<u32, Error> {
    Ok(ready(x).await)
}

#[retry(timeout = "10s")]
async fn async_timeout(x: u32) -> Result<u32, Error> {
    Ok(ready(x).await)
}

#[retry(attempt_timeout = "1s")]
async fn async_attempt_timeout(x: u32) -> Result<u32, Error> {
    Ok(ready(x).await)
}

struct AsyncService {
    base: u32,
}

impl AsyncService {
    #[retry(attempts = 4, jitter = "none", attempt_timeout = "1s", on_retry = log_retry)]
    async fn call(&mut self, x: u32) -> Result<u32, Error> {
        self.base += 1;
        Ok(self.base + ready(x).await)
    }
}

#[test]
fn async_first_attempt_success_without_deadlines_does_not_allocate() {
    // No deadline: no runtime needed, a no-op waker suffices.
    let (n, result) = allocations_in(|| poll_once(async_defaults(black_box(1))));
    assert_eq!((n, result), (0, Ok(2)), "the default policy");

    let mut out = 0;
    let (n, result) = allocations_in(|| poll_once(async_hooks(black_box(6), &7, &mut out)));
    assert_eq!((n, result, out), (0, Ok(42), 1), "hooks");
}

#[test]
fn async_first_attempt_success_with_deadlines_does_not_allocate() {
    // The deadlines use tokio's timer: the runtime is entered, but built outside the count.
    let runtime = paused_runtime();
    let _context = runtime.enter();

    let (n, result) = allocations_in(|| poll_once(async_timeout(black_box(1))));
    assert_eq!((n, result), (0, Ok(1)), "timeout");

    let (n, result) = allocations_in(|| poll_once(async_attempt_timeout(black_box(2))));
    assert_eq!((n, result), (0, Ok(2)), "attempt_timeout");

    let (n, result) = allocations_in(|| poll_once(async_every_key(black_box(3))));
    assert_eq!((n, result), (0, Ok(3)), "every key");

    let mut service = AsyncService { base: 10 };
    let (n, result) = allocations_in(|| poll_once(service.call(black_box(1))));
    assert_eq!((n, result), (0, Ok(12)), "a `&mut self` method");
}

#[test]
fn async_first_attempt_success_inside_a_runtime_does_not_allocate() {
    // Awaited inside a paused current-thread runtime; counted around each `.await` only.
    let runtime = paused_runtime();
    runtime.block_on(async {
        let before = allocations();
        let result = async_defaults(black_box(1)).await;
        assert_eq!((allocations() - before, result), (0, Ok(2)), "defaults");

        let before = allocations();
        let result = async_every_key(black_box(3)).await;
        assert_eq!((allocations() - before, result), (0, Ok(3)), "every key");

        let mut service = AsyncService { base: 0 };
        let before = allocations();
        let result = service.call(black_box(1)).await;
        assert_eq!((allocations() - before, result), (0, Ok(2)), "a method");
    });
}

static BUDGET: steadfast::RetryBudget = steadfast::RetryBudget::new(10, 0.1);

#[retry(attempts = 3, budget = BUDGET, when_ok = |v: &u32| *v == 0, attempt_number = n)]
fn fleet_keys(x: u32) -> Result<u32, Error> {
    Ok(x + n)
}

#[retry(attempts = 3, budget = BUDGET, when_ok = |v: &u32| *v == 0, attempt_number = n)]
async fn async_fleet_keys(x: u32) -> Result<u32, Error> {
    Ok(ready(x).await + n)
}

#[test]
fn the_fleet_keys_do_not_allocate_on_a_first_attempt_success() {
    let (count, result) = allocations_in(|| fleet_keys(black_box(1)));
    assert_eq!((count, result), (0, Ok(2)));
    let (count, result) = allocations_in(|| poll_once(async_fleet_keys(black_box(1))));
    assert_eq!((count, result), (0, Ok(2)));
}
