use std::time::Duration;

use steadfast::{retry, Timeout};

#[derive(Debug)]
struct Error;

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error
    }
}

const DELAY: Duration = Duration::from_millis(100);

// The macro adds up literals: `DELAY` is known only at run time.
#[retry(attempts = 3, delay = DELAY, attempt_timeout = "1s", within = "5s")]
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
