use steadfast::{retry, Timeout};

#[derive(Debug)]
struct Error;

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error
    }
}

#[retry(attempts = 3, attempt_timeout = "500ms", within = "100ms")]
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
