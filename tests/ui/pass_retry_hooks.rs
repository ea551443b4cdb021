// `when`, `on_retry` and `retry_after` as paths (functions, associated functions) and as
// closures without type annotations: the macro gives the closures their parameter types.
use std::cell::Cell;
use std::time::Duration;

use steadfast::{retry, Attempt};

#[derive(Debug, PartialEq, Clone, Copy)]
enum Error {
    Busy,
    Denied,
}

impl Error {
    fn is_busy(&self) -> bool {
        *self == Error::Busy
    }
}

fn log(attempt: &Attempt<'_, Error>) {
    RETRIED.set(RETRIED.get() + attempt.number());
}

fn wait(_: &Error) -> Option<Duration> {
    Some(Duration::ZERO)
}

thread_local! {
    static RETRIED: Cell<u32> = const { Cell::new(0) };
}

#[retry(attempts = 3, delay = "1ms", when = Error::is_busy, on_retry = log, retry_after = wait)]
fn as_paths(errors: &[Error], calls: &Cell<usize>) -> Result<usize, Error> {
    let n = calls.get();
    calls.set(n + 1);
    match errors.get(n) {
        Some(error) => Err(*error),
        None => Ok(n),
    }
}

#[retry(
    attempts = 3,
    delay = "1ms",
    when = |e| e.is_busy(),
    on_retry = |a| RETRIED.set(RETRIED.get() + 10 * a.number()),
    retry_after = |e| (*e == Error::Busy).then_some(Duration::ZERO),
)]
fn as_closures(errors: &[Error], calls: &Cell<usize>) -> Result<usize, Error> {
    let n = calls.get();
    calls.set(n + 1);
    match errors.get(n) {
        Some(error) => Err(*error),
        None => Ok(n),
    }
}

#[retry(attempts = 3, backoff = "none", when = |e| !e.is_empty())]
async fn async_closure(calls: &Cell<u32>) -> Result<u32, String> {
    calls.set(calls.get() + 1);
    if calls.get() < 2 {
        return Err("again".to_string());
    }
    Ok(calls.get())
}

fn main() {
    let calls = Cell::new(0);
    assert_eq!(as_paths(&[Error::Busy, Error::Busy], &calls), Ok(2));
    assert_eq!(RETRIED.get(), 1 + 2);

    let calls = Cell::new(0);
    assert_eq!(as_paths(&[Error::Denied], &calls), Err(Error::Denied));
    assert_eq!(calls.get(), 1);

    RETRIED.set(0);
    let calls = Cell::new(0);
    assert_eq!(as_closures(&[Error::Busy], &calls), Ok(1));
    assert_eq!(RETRIED.get(), 10);

    let calls = Cell::new(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(async_closure(&calls)), Ok(2));
}
