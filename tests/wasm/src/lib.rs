//! Async retries for the browser: on gloo's timers, the default without `tokio` and
//! `futures-timer` on wasm32, and named with `timer = steadfast::timer::Gloo`.
#![forbid(unsafe_code)]

use steadfast::{retry, Timeout};

/// An error a deadline can become.
#[derive(Debug)]
pub enum Error {
    /// The server did not answer.
    Unavailable,
    /// The deadline passed.
    TimedOut(Timeout),
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut(timeout)
    }
}

/// On the default timer, with a deadline for each attempt and for the call.
#[retry(attempts = 3, delay = "200ms", attempt_timeout = "1s", timeout = "3s")]
pub async fn fetch_config(available: bool) -> Result<&'static str, Error> {
    if available {
        Ok("{}")
    } else {
        Err(Error::Unavailable)
    }
}

/// On gloo's timer by name.
#[retry(attempts = 2, timer = steadfast::timer::Gloo)]
pub async fn ping() -> Result<(), Error> {
    Ok(())
}

/// The policy without the macro.
pub async fn by_hand() -> Result<u32, Error> {
    steadfast::Retry::fixed()
        .attempts(2)
        .run_async(|| async { Ok(1) })
        .await
}
