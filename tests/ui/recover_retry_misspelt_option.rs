// `#[retry] #[recover(...)]` with a misspelt option: reported once.
use steadfast::{recover, retry, Panic};

#[derive(Debug)]
struct Error;

impl From<Panic> for Error {
    fn from(_: Panic) -> Self {
        Error
    }
}

#[retry(attempts = 2, backoff = "none")]
#[recover(defualt)]
fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let _: Result<u32, Error> = fetch();
}
