//! `#[recover]` on `async fn`: a panic in the first poll or in a later one (after an
//! `.await` that was pending) is caught, in all three forms, on free functions and on an
//! `&mut self` method; and `Panic::catch_async` without the macro.
#![cfg(panic = "unwind")]

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use steadfast::{defer, recover, Panic};
use tokio::task::yield_now;

#[derive(Debug)]
enum Error {
    Parse(String),
    Panicked(Panic),
}

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error::Panicked(panic)
    }
}

impl From<std::num::ParseIntError> for Error {
    fn from(error: std::num::ParseIntError) -> Self {
        Error::Parse(error.to_string())
    }
}

fn panicked<T: std::fmt::Debug>(result: Result<T, Error>) -> Panic {
    match result {
        Err(Error::Panicked(panic)) => panic,
        other => panic!("expected Err(Error::Panicked(_)), got {other:?}"),
    }
}

/// Where the body's panic happens.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PanicIn {
    Nowhere,
    FirstPoll,
    /// After an `.await` that returned `Pending` once, so in the second poll at least.
    LaterPoll,
}

/// Counts the polls of the future it wraps.
struct CountPolls<'a, F> {
    polls: &'a AtomicU32,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for CountPolls<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

/// Awaits `future`, returning its output and how many times it was polled.
async fn polls_of<F: Future>(future: F) -> (F::Output, u32) {
    let polls = AtomicU32::new(0);
    let output = CountPolls {
        polls: &polls,
        inner: Box::pin(future),
    }
    .await;
    (output, polls.load(Ordering::SeqCst))
}

// ---------------------------------------------------------------------------------------
// Bare `#[recover]`

#[recover]
async fn fetch(src: &str, panic_in: PanicIn) -> Result<u32, Error> {
    if src.is_empty() {
        return Ok(0);
    }
    let n: u32 = src.parse()?;
    if panic_in == PanicIn::FirstPoll {
        panic!("first poll {n}");
    }
    yield_now().await;
    if panic_in == PanicIn::LaterPoll {
        panic!("later poll {n}");
    }
    Ok(n + 1)
}

#[tokio::test]
async fn bare_without_a_panic_returns_the_body_value_including_return_and_question_mark() {
    let (result, polls) = polls_of(fetch("41", PanicIn::Nowhere)).await;
    assert_eq!(result.unwrap(), 42);
    assert_eq!(polls, 2, "the body's pending `.await` is passed through");
    assert_eq!(fetch("", PanicIn::LaterPoll).await.unwrap(), 0);
    match fetch("zz", PanicIn::FirstPoll).await {
        Err(Error::Parse(message)) => assert_eq!(message, "invalid digit found in string"),
        other => panic!("expected the `?` error, got {other:?}"),
    }
}

#[tokio::test]
async fn bare_catches_a_panic_in_the_first_poll() {
    let (result, polls) = polls_of(fetch("7", PanicIn::FirstPoll)).await;
    let panic = panicked(result);
    assert_eq!(polls, 1);
    assert_eq!(panic.message(), "first poll 7");
    assert_eq!(panic.location().map(|l| l.file()), Some(file!()));
}

#[tokio::test]
async fn bare_catches_a_panic_after_an_await() {
    let (result, polls) = polls_of(fetch("8", PanicIn::LaterPoll)).await;
    let panic = panicked(result);
    assert_eq!(polls, 2, "the panic happened in the second poll");
    assert_eq!(panic.message(), "later poll 8");
    assert_eq!(panic.location().map(|l| l.file()), Some(file!()));
}

// ---------------------------------------------------------------------------------------
// `#[recover(default)]`

#[recover(default)]
async fn count(items: Vec<u32>, panic_in: PanicIn) -> usize {
    if panic_in == PanicIn::FirstPoll {
        panic!("first poll");
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    if panic_in == PanicIn::LaterPoll {
        panic!("later poll");
    }
    items.len()
}

#[tokio::test(start_paused = true)]
async fn default_in_each_poll() {
    assert_eq!(count(vec![1, 2, 3], PanicIn::Nowhere).await, 3);
    assert_eq!(count(vec![1, 2, 3], PanicIn::FirstPoll).await, 0);
    let start = tokio::time::Instant::now();
    assert_eq!(count(vec![1, 2, 3], PanicIn::LaterPoll).await, 0);
    assert_eq!(start.elapsed(), Duration::from_millis(5), "the sleep ran");
}

// ---------------------------------------------------------------------------------------
// `#[recover(with = ...)]`

fn fallback(panic: Panic) -> String {
    format!("fallback for {}", panic.message())
}

#[recover(with = fallback)]
async fn render(page: &str, panic_in: PanicIn) -> String {
    if panic_in == PanicIn::FirstPoll {
        panic!("{page} in the first poll");
    }
    yield_now().await;
    if panic_in == PanicIn::LaterPoll {
        panic!("{page} in a later poll");
    }
    format!("<{page}>")
}

#[recover(with = |panic| Err(panic.message().to_uppercase()))]
async fn closure_fallback(src: &str, panic_in: PanicIn) -> Result<u32, String> {
    let n: u32 = src.parse().map_err(|_| "bad input".to_string())?;
    if panic_in == PanicIn::FirstPoll {
        panic!("early");
    }
    yield_now().await;
    if panic_in == PanicIn::LaterPoll {
        panic!("late");
    }
    Ok(n)
}

#[tokio::test]
async fn with_path_in_each_poll() {
    assert_eq!(render("a", PanicIn::Nowhere).await, "<a>");
    assert_eq!(
        render("b", PanicIn::FirstPoll).await,
        "fallback for b in the first poll"
    );
    assert_eq!(
        render("c", PanicIn::LaterPoll).await,
        "fallback for c in a later poll"
    );
}

#[tokio::test]
async fn with_closure_in_each_poll() {
    assert_eq!(closure_fallback("3", PanicIn::Nowhere).await, Ok(3));
    assert_eq!(
        closure_fallback("x", PanicIn::LaterPoll).await,
        Err("bad input".to_string())
    );
    assert_eq!(
        closure_fallback("3", PanicIn::FirstPoll).await,
        Err("EARLY".to_string())
    );
    assert_eq!(
        closure_fallback("3", PanicIn::LaterPoll).await,
        Err("LATE".to_string())
    );
}

// ---------------------------------------------------------------------------------------
// An `&mut self` method

struct Account {
    balance: i64,
    log: Vec<String>,
}

impl Account {
    #[recover]
    async fn withdraw(&mut self, amount: i64) -> Result<i64, Error> {
        self.log.push(format!("withdraw {amount}"));
        yield_now().await;
        if amount > self.balance {
            panic!("overdrawn by {}", amount - self.balance);
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    #[recover(default)]
    async fn audit(&mut self) -> Vec<String> {
        yield_now().await;
        assert!(self.balance >= 0, "negative balance");
        std::mem::take(&mut self.log)
    }
}

#[tokio::test]
async fn recover_on_an_async_mut_self_method() {
    let mut account = Account {
        balance: 10,
        log: Vec::new(),
    };
    assert_eq!(account.withdraw(4).await.unwrap(), 6);
    let panic = panicked(account.withdraw(9).await);
    assert_eq!(panic.message(), "overdrawn by 3");
    assert_eq!(
        account.balance, 6,
        "the panicking call changed nothing after it"
    );
    assert_eq!(account.log, ["withdraw 4", "withdraw 9"]);
    assert_eq!(account.audit().await, ["withdraw 4", "withdraw 9"]);
    account.balance = -1;
    account.log.push("kept".into());
    assert!(account.audit().await.is_empty());
    assert_eq!(
        account.log,
        ["kept"],
        "the panicking audit did not take the log"
    );
}

// ---------------------------------------------------------------------------------------
// Defers, cancellation, `Send`

#[recover]
async fn with_cleanup(
    log: Arc<std::sync::Mutex<Vec<&'static str>>>,
    fail: bool,
) -> Result<(), Error> {
    let log2 = log.clone();
    defer! { log2.lock().unwrap().push("defer ran"); }
    yield_now().await;
    log.lock().unwrap().push("after await");
    if fail {
        panic!("with cleanup");
    }
    std::future::pending::<()>().await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_defer_runs_during_the_recovered_unwind_and_on_cancellation() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let panic = panicked(with_cleanup(log.clone(), true).await);
    assert_eq!(panic.message(), "with cleanup");
    assert_eq!(*log.lock().unwrap(), ["after await", "defer ran"]);

    // Dropped part-way, the future is cancelled, not recovered: the defer still runs.
    log.lock().unwrap().clear();
    let cancelled =
        tokio::time::timeout(Duration::from_millis(1), with_cleanup(log.clone(), false)).await;
    assert!(cancelled.is_err());
    assert_eq!(*log.lock().unwrap(), ["after await", "defer ran"]);
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovered_future_is_send_and_recovers_on_a_worker_thread() {
    let task = tokio::spawn(assert_send(fetch("5", PanicIn::LaterPoll)));
    let panic = panicked(task.await.expect("the task itself did not panic"));
    assert_eq!(panic.message(), "later poll 5");
    assert!(panic.location().is_some());
}

// ---------------------------------------------------------------------------------------
// `Panic::catch_async`

#[tokio::test]
async fn catch_async_returns_the_output() {
    let output = Panic::catch_async(async {
        yield_now().await;
        "done"
    })
    .await;
    assert_eq!(output.unwrap(), "done");
}

#[tokio::test]
async fn catch_async_catches_a_panic_in_the_first_and_in_a_later_poll() {
    let first = Panic::catch_async(async {
        if true {
            panic!("at once");
        }
        yield_now().await;
    })
    .await
    .unwrap_err();
    assert_eq!(first.message(), "at once");

    let (later, polls) = polls_of(Panic::catch_async(async {
        yield_now().await;
        yield_now().await;
        panic!("third poll {}", std::hint::black_box(3));
    }))
    .await;
    let later: Result<(), Panic> = later;
    let later = later.unwrap_err();
    assert_eq!(polls, 3);
    assert_eq!(later.message(), "third poll 3");
    assert_eq!(later.location().map(|l| l.file()), Some(file!()));
}

#[tokio::test]
async fn catch_async_borrows_local_state() {
    let seen = RefCell::new(Vec::new());
    let result = Panic::catch_async(async {
        seen.borrow_mut().push(1);
        yield_now().await;
        seen.borrow_mut().push(2);
        if seen.borrow().len() == 2 {
            panic!("after two");
        }
    })
    .await;
    assert_eq!(result.unwrap_err().message(), "after two");
    assert_eq!(*seen.borrow(), [1, 2]);
}
