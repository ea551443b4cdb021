// Durations may be written without quotes: `250ms`, `2s`, `1h`, and fractions such as `1.5s`.
use std::cell::Cell;

use steadfast::{retry, Timeout};

#[derive(Debug, PartialEq)]
enum Error {
    Busy,
    TimedOut,
}

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error::TimedOut
    }
}

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

#[retry(attempts = 3, backoff = "none", delay = 250ms, max_delay = 2s, timeout = 1h)]
fn busy_twice() -> Result<u32, Error> {
    CALLS.set(CALLS.get() + 1);
    if CALLS.get() < 3 {
        Err(Error::Busy)
    } else {
        Ok(CALLS.get())
    }
}

#[retry(attempts = 2, backoff = "fixed", jitter = "none", delay = 1ms, max_delay = 1.5s)]
fn always_busy() -> Result<u32, Error> {
    Err(Error::Busy)
}

#[retry(attempts = 2, backoff = "fixed", jitter = "none", delay = 100us, timeout = 2m)]
fn ok() -> Result<u32, Error> {
    Ok(7)
}

fn main() {
    assert_eq!(busy_twice(), Ok(3));
    assert_eq!(always_busy(), Err(Error::Busy));
    assert_eq!(ok(), Ok(7));
}
