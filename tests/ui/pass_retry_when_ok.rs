// `when_ok` retries an `Ok` value like an error, sync and async; when the attempts run
// out the last value is returned as it is; `on_retry` sees value retries through `err()`.
use std::cell::{Cell, RefCell};

use steadfast::{retry, Attempt};

#[derive(Debug, PartialEq)]
struct Response {
    status: u16,
}

#[derive(Debug)]
struct Error;

thread_local! {
    static STATUSES: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
    static SEEN: RefCell<Vec<(u32, bool)>> = const { RefCell::new(Vec::new()) };
}

fn next_status() -> u16 {
    STATUSES.with(|s| s.borrow_mut().remove(0))
}

fn log(attempt: &Attempt<'_, Error>) {
    SEEN.with(|s| s.borrow_mut().push((attempt.number(), attempt.is_value_retry())));
}

#[retry(attempts = 4, backoff = "none", when_ok = |r: &Response| r.status == 503, on_retry = log)]
fn get() -> Result<Response, Error> {
    Ok(Response { status: next_status() })
}

#[retry(attempts = 3, backoff = "none", when_ok = |r| r.status >= 500)]
async fn get_async(calls: &Cell<u32>) -> Result<Response, Error> {
    calls.set(calls.get() + 1);
    tokio::task::yield_now().await;
    Ok(Response { status: 500 })
}

fn main() {
    STATUSES.with(|s| *s.borrow_mut() = vec![503, 503, 200]);
    assert_eq!(get().unwrap(), Response { status: 200 });
    assert_eq!(SEEN.with(|s| s.take()), [(1, true), (2, true)]);

    STATUSES.with(|s| *s.borrow_mut() = vec![503; 4]);
    assert_eq!(get().unwrap(), Response { status: 503 }, "the last value, as it is");

    let calls = Cell::new(0);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(runtime.block_on(get_async(&calls)).unwrap(), Response { status: 500 });
    assert_eq!(calls.get(), 3);
}
