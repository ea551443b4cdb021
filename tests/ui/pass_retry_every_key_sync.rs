// Every key at once on a sync function (`attempt_timeout` is async-only).
use std::cell::Cell;
use std::time::Duration;

use steadfast::{retry, Attempt, Timeout};

#[derive(Debug, PartialEq)]
enum Error {
    Transient,
    Fatal,
    TimedOut,
}

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error::TimedOut
    }
}

fn is_transient(error: &Error) -> bool {
    *error == Error::Transient
}

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
    static RETRIES: Cell<u32> = const { Cell::new(0) };
}

fn log_retry(attempt: &Attempt<'_, Error>) {
    assert_eq!(*attempt.error(), Error::Transient);
    assert_eq!(attempt.max_attempts(), 5);
    RETRIES.set(RETRIES.get() + 1);
}

fn hint(_: &Error) -> Option<Duration> {
    Some(Duration::from_micros(10))
}

#[retry(
    attempts = 5,
    backoff = "exp",
    delay = "1ms",
    max_delay = "2ms",
    jitter = "full",
    timeout = "10s",
    when = is_transient,
    on_retry = log_retry,
    retry_after = hint,
)]
fn fetch(fail_with: Error, times: u32) -> Result<u32, Error> {
    CALLS.set(CALLS.get() + 1);
    if CALLS.get() <= times {
        return Err(fail_with);
    }
    Ok(CALLS.get())
}

impl Clone for Error {
    fn clone(&self) -> Self {
        match self {
            Error::Transient => Error::Transient,
            Error::Fatal => Error::Fatal,
            Error::TimedOut => Error::TimedOut,
        }
    }
}

fn main() {
    assert_eq!(fetch(Error::Transient, 2), Ok(3));
    assert_eq!(RETRIES.get(), 2);

    CALLS.set(0);
    RETRIES.set(0);
    assert_eq!(fetch(Error::Fatal, 2), Err(Error::Fatal));
    assert_eq!((CALLS.get(), RETRIES.get()), (1, 0));

    CALLS.set(0);
    assert_eq!(fetch(Error::Transient, 10), Err(Error::Transient));
    assert_eq!((CALLS.get(), RETRIES.get()), (5, 4));
}
