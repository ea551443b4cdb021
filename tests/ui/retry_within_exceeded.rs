use steadfast::{retry, Timeout};

#[derive(Debug)]
struct Error;

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error
    }
}

// Past the promise: the error shows the sum.
#[retry(attempts = 5, delay = "300ms", max_delay = "1s", attempt_timeout = "500ms", within = "4s")]
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

// The `timeout` bounds the call, but at more than the promise.
#[retry(attempts = 5, attempt_timeout = "1s", timeout = "3s", within = "2s")]
async fn fetch_with_timeout() -> Result<u32, Error> {
    Ok(1)
}

// The book's example (`examples/retry_within.rs`) with one attempt more.
#[retry(attempts = 5, delay = "100ms", attempt_timeout = "1s", within = "5s")]
async fn lookup() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
