// `#[recover] #[retry(...)]` with a misspelt key of `#[retry]`: reported once.
use steadfast::{recover, retry, Panic};

#[derive(Debug)]
struct Error;

impl From<Panic> for Error {
    fn from(_: Panic) -> Self {
        Error
    }
}

#[recover]
#[retry(atempts = 2)]
fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let _: Result<u32, Error> = fetch();
}
