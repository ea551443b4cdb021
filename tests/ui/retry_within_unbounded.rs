use std::time::Duration;

use steadfast::{retry, Timeout};

#[derive(Debug)]
enum Error {
    Throttled(Duration),
    TimedOut,
}

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error::TimedOut
    }
}

fn server_hint(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(wait) => Some(*wait),
        Error::TimedOut => None,
    }
}

// A `retry_after` hint is not capped by `max_delay`: only a `timeout` bounds it.
#[retry(attempts = 3, attempt_timeout = "1s", retry_after = server_hint, within = "5s")]
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

// Nothing bounds an attempt.
#[retry(attempts = 3, within = "5s")]
async fn fetch_without_deadlines() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
