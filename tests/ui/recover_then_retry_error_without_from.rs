// `#[recover] #[retry]` whose error type cannot hold a `Panic`: one error, on the return type.
use steadfast::{recover, retry};

#[derive(Debug)]
struct Error;

#[recover]
#[retry(attempts = 2, backoff = "none")]
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
