//! `#[retry]` and `#[recover]` stack in either order:
//! - `#[retry] #[recover]` recovers inside each attempt, so a panic is retried like an error;
//! - `#[recover] #[retry]` recovers around the whole retried call, so a panic ends it at
//!   once, with no further attempt.
#![cfg(panic = "unwind")]

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use steadfast::{recover, retry, Attempt, Panic};

#[derive(Debug)]
enum Error {
    Transient(u32),
    Panicked(Panic),
}

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error::Panicked(panic)
    }
}

fn panicked<T: std::fmt::Debug>(result: Result<T, Error>) -> Panic {
    match result {
        Err(Error::Panicked(panic)) => panic,
        other => panic!("expected Err(Error::Panicked(_)), got {other:?}"),
    }
}

/// Counts a call and returns its number, from 1.
fn bump(calls: &Cell<u32>) -> u32 {
    calls.set(calls.get() + 1);
    calls.get()
}

// ---------------------------------------------------------------------------------------
// `#[retry] #[recover]`, sync

#[retry(attempts = 3, backoff = "none")]
#[recover]
fn panics_twice(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    if n < 3 {
        panic!("attempt {n} panicked");
    }
    Ok(n * 10)
}

#[test]
fn retry_then_recover_retries_panics_and_the_third_attempt_succeeds() {
    let calls = Cell::new(0);
    assert_eq!(panics_twice(&calls).unwrap(), 30);
    assert_eq!(calls.get(), 3);
}

#[retry(attempts = 3, backoff = "none")]
#[recover]
fn always_panics(calls: &Cell<u32>) -> Result<(), Error> {
    let n = bump(calls);
    panic!("attempt {n} panicked");
}

#[test]
fn retry_then_recover_returns_the_last_attempt_panic_when_all_panic() {
    let calls = Cell::new(0);
    let panic = panicked(always_panics(&calls));
    assert_eq!(calls.get(), 3);
    assert_eq!(panic.message(), "attempt 3 panicked");
    assert_eq!(panic.location().map(|l| l.file()), Some(file!()));
}

fn is_transient(error: &Error) -> bool {
    matches!(error, Error::Transient(_))
}

#[retry(attempts = 5, backoff = "none", when = is_transient)]
#[recover]
fn panics_are_not_retried(calls: &Cell<u32>) -> Result<(), Error> {
    let n = bump(calls);
    if n == 1 {
        return Err(Error::Transient(n));
    }
    panic!("attempt {n} panicked");
}

#[test]
fn retry_then_recover_lets_when_decide_about_panics() {
    let calls = Cell::new(0);
    let panic = panicked(panics_are_not_retried(&calls));
    assert_eq!(calls.get(), 2, "the panic was not retryable");
    assert_eq!(panic.message(), "attempt 2 panicked");
}

thread_local! {
    static RETRIED_AFTER: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn log_retry(attempt: &Attempt<'_, Error>) {
    let what = match attempt.error() {
        Error::Transient(n) => format!("transient {n}"),
        Error::Panicked(panic) => format!("panic: {}", panic.message()),
    };
    RETRIED_AFTER.with(|log| {
        log.borrow_mut()
            .push(format!("{} {what}", attempt.number()))
    });
}

#[retry(attempts = 3, backoff = "none", on_retry = log_retry)]
#[recover(with = |panic| Err(Error::Panicked(panic)))]
fn with_fallback(calls: &Cell<u32>) -> Result<&'static str, Error> {
    match bump(calls) {
        1 => Err(Error::Transient(1)),
        2 => panic!("second"),
        _ => Ok("third"),
    }
}

#[test]
fn retry_then_recover_with_sees_each_panic_as_an_error() {
    let calls = Cell::new(0);
    assert_eq!(with_fallback(&calls).unwrap(), "third");
    assert_eq!(calls.get(), 3);
    RETRIED_AFTER.with(|log| {
        assert_eq!(*log.borrow(), ["1 transient 1", "2 panic: second"]);
    });
}

struct Service {
    calls: u32,
}

impl Service {
    #[retry(attempts = 3, backoff = "none")]
    #[recover]
    fn call(&mut self) -> Result<u32, Error> {
        self.calls += 1;
        assert!(self.calls >= 3, "not yet ({})", self.calls);
        Ok(self.calls)
    }
}

#[test]
fn retry_then_recover_on_a_mut_self_method() {
    let mut service = Service { calls: 0 };
    assert_eq!(service.call().unwrap(), 3);
}

// ---------------------------------------------------------------------------------------
// `#[recover] #[retry]`, sync

#[recover]
#[retry(attempts = 3, backoff = "none")]
fn panic_ends_the_call(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    match n {
        1 => Err(Error::Transient(n)),
        2 => panic!("attempt {n} panicked"),
        _ => Ok(n),
    }
}

#[test]
fn recover_then_retry_ends_the_call_at_the_first_panic() {
    let calls = Cell::new(0);
    let panic = panicked(panic_ends_the_call(&calls));
    assert_eq!(panic.message(), "attempt 2 panicked");
    assert_eq!(calls.get(), 2, "no third attempt after the panic");
}

#[recover]
#[retry(attempts = 3, backoff = "none")]
fn errors_are_still_retried(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    if n < 3 {
        return Err(Error::Transient(n));
    }
    Ok(n)
}

#[test]
fn recover_then_retry_still_retries_errors() {
    let calls = Cell::new(0);
    assert_eq!(errors_are_still_retried(&calls).unwrap(), 3);
    assert_eq!(calls.get(), 3);
    let calls = Cell::new(10);
    // Every attempt fails: the last error comes back, as without `#[recover]`.
    #[recover]
    #[retry(attempts = 2, backoff = "none")]
    fn always_fails(calls: &Cell<u32>) -> Result<u32, Error> {
        Err(Error::Transient(bump(calls)))
    }
    assert!(matches!(always_fails(&calls), Err(Error::Transient(12))));
}

#[recover(with = |_| Ok(0))]
#[retry(attempts = 3, backoff = "none")]
fn fallback_around_the_retries(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    if n == 1 {
        return Err(Error::Transient(n));
    }
    panic!("attempt {n}");
}

#[test]
fn recover_with_then_retry_falls_back_once_for_the_whole_call() {
    let calls = Cell::new(0);
    assert_eq!(fallback_around_the_retries(&calls).unwrap(), 0);
    assert_eq!(calls.get(), 2);
}

// ---------------------------------------------------------------------------------------
// Async, both orders

#[retry(attempts = 3, backoff = "fixed", delay = "10ms", jitter = "none")]
#[recover]
async fn async_panics_twice(calls: &AtomicU32) -> Result<u32, Error> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::task::yield_now().await;
    if n < 3 {
        panic!("async attempt {n} panicked");
    }
    Ok(n * 10)
}

#[tokio::test(start_paused = true)]
async fn async_retry_then_recover_retries_panics() {
    let calls = AtomicU32::new(0);
    let start = tokio::time::Instant::now();
    assert_eq!(async_panics_twice(&calls).await.unwrap(), 30);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(20),
        "two sleeps, as after errors"
    );
}

#[retry(attempts = 3, backoff = "none")]
#[recover]
async fn async_always_panics(calls: &AtomicU32) -> Result<(), Error> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::task::yield_now().await;
    panic!("async attempt {n} panicked");
}

#[tokio::test(start_paused = true)]
async fn async_retry_then_recover_returns_the_last_panic() {
    let calls = AtomicU32::new(0);
    let panic = panicked(async_always_panics(&calls).await);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(panic.message(), "async attempt 3 panicked");
}

#[recover]
#[retry(attempts = 3, backoff = "fixed", delay = "10ms", jitter = "none")]
async fn async_panic_ends_the_call(calls: &AtomicU32) -> Result<u32, Error> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::task::yield_now().await;
    match n {
        1 => Err(Error::Transient(n)),
        2 => panic!("async attempt {n} panicked"),
        _ => Ok(n),
    }
}

#[tokio::test(start_paused = true)]
async fn async_recover_then_retry_ends_the_call_at_the_first_panic() {
    let calls = AtomicU32::new(0);
    let start = tokio::time::Instant::now();
    let panic = panicked(async_panic_ends_the_call(&calls).await);
    assert_eq!(panic.message(), "async attempt 2 panicked");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "no third attempt");
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(10),
        "one sleep, none after the panic"
    );
}

struct AsyncService {
    calls: u32,
}

impl AsyncService {
    #[retry(attempts = 3, backoff = "none")]
    #[recover]
    async fn call(&mut self) -> Result<u32, Error> {
        self.calls += 1;
        tokio::task::yield_now().await;
        assert!(self.calls >= 3, "not yet ({})", self.calls);
        Ok(self.calls)
    }

    #[recover]
    #[retry(attempts = 3, backoff = "none")]
    async fn call_once_on_panic(&mut self) -> Result<u32, Error> {
        self.calls += 1;
        tokio::task::yield_now().await;
        panic!("call {}", self.calls);
    }
}

#[tokio::test(start_paused = true)]
async fn async_stacking_on_mut_self_methods() {
    let mut service = AsyncService { calls: 0 };
    assert_eq!(service.call().await.unwrap(), 3);
    let panic = panicked(service.call_once_on_panic().await);
    assert_eq!(panic.message(), "call 4");
    assert_eq!(service.calls, 4);
}

// ---------------------------------------------------------------------------------------
// Qualified attribute paths, by-value arguments

#[steadfast::retry(attempts = 3, backoff = "none")]
#[steadfast::recover]
fn qualified_retry_then_recover(name: String, calls: &Cell<u32>) -> Result<String, Error> {
    let n = bump(calls);
    if n < 3 {
        panic!("{name} attempt {n}");
    }
    Ok(format!("{name} after {n}"))
}

#[steadfast::recover]
#[steadfast::retry(attempts = 3, backoff = "none")]
fn qualified_recover_then_retry(name: String, calls: &Cell<u32>) -> Result<String, Error> {
    let n = bump(calls);
    panic!("{name} attempt {n}");
}

#[test]
fn qualified_paths_and_by_value_arguments_in_both_orders() {
    let calls = Cell::new(0);
    assert_eq!(
        qualified_retry_then_recover("job".to_string(), &calls).unwrap(),
        "job after 3"
    );
    let calls = Cell::new(0);
    let panic = panicked(qualified_recover_then_retry("job".to_string(), &calls));
    assert_eq!(panic.message(), "job attempt 1");
    assert_eq!(calls.get(), 1);
}
