// `#[retry] #[recover]` retries a panic as an error; `#[recover] #[retry]` ends the retried
// call at the first panic. Sync and async, each `#[recover]` form that can return a `Result`.
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use steadfast::{recover, retry, Panic};

fn block_on<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("these futures never wait"),
    }
}

#[derive(Debug, PartialEq)]
enum Error {
    Failed,
    Panicked,
}

impl From<Panic> for Error {
    fn from(_: Panic) -> Self {
        Error::Panicked
    }
}

fn bump(calls: &Cell<u32>) -> u32 {
    calls.set(calls.get() + 1);
    calls.get()
}

#[retry(attempts = 3, backoff = "none")]
#[recover]
fn retried_panics(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    assert!(n >= 3, "attempt {n}");
    Ok(n)
}

#[recover]
#[retry(attempts = 3, backoff = "none")]
fn first_panic_ends(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    if n == 1 {
        return Err(Error::Failed);
    }
    panic!("attempt {n}");
}

#[recover(with = |_| Ok(0))]
#[retry(attempts = 2, backoff = "none")]
fn defaulted(calls: &Cell<u32>) -> Result<u32, Error> {
    panic!("attempt {}", bump(calls));
}

#[retry(attempts = 2, backoff = "none")]
#[recover(with = |_| Err(Error::Failed))]
fn with_fallback(calls: &Cell<u32>) -> Result<u32, Error> {
    panic!("attempt {}", bump(calls));
}

#[retry(attempts = 3, backoff = "none")]
#[recover]
async fn retried_panics_async(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    assert!(n >= 3, "attempt {n}");
    Ok(n)
}

#[recover]
#[retry(attempts = 3, backoff = "none")]
async fn first_panic_ends_async(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    if n == 1 {
        return Err(Error::Failed);
    }
    panic!("attempt {n}");
}

fn main() {
    let calls = Cell::new(0);
    assert_eq!(retried_panics(&calls), Ok(3));
    let calls = Cell::new(0);
    assert_eq!(first_panic_ends(&calls), Err(Error::Panicked));
    assert_eq!(calls.get(), 2);
    let calls = Cell::new(0);
    assert_eq!(defaulted(&calls), Ok(0));
    assert_eq!(calls.get(), 1);
    let calls = Cell::new(0);
    assert_eq!(with_fallback(&calls), Err(Error::Failed));
    assert_eq!(calls.get(), 2);
    let calls = Cell::new(0);
    assert_eq!(block_on(retried_panics_async(&calls)), Ok(3));
    let calls = Cell::new(0);
    assert_eq!(
        block_on(first_panic_ends_async(&calls)),
        Err(Error::Panicked)
    );
    assert_eq!(calls.get(), 2);
}
