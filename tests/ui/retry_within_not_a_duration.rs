use steadfast::{retry, Timeout};

#[derive(Debug)]
struct Error;

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error
    }
}

#[retry(attempts = 3, attempt_timeout = "1s", within = "soon")]
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

#[retry(attempts = 3, attempt_timeout = "1s", within = std::time::Duration::from_secs(5))]
async fn fetch_expression() -> Result<u32, Error> {
    Ok(1)
}

#[retry(attempts = 3, attempt_timeout = "1s", within)]
async fn fetch_nothing() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
