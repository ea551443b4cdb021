use steadfast::{retry, Timeout};

#[derive(Debug)]
struct Error;

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error
    }
}

// A running sync attempt cannot be interrupted: not even `timeout` bounds the call.
#[retry(attempts = 3, timeout = "1s", within = "5s")]
fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
