// `#[retry] #[recover]` whose error type cannot hold a `Panic`: one error, on the return type.
use steadfast::retry;

#[derive(Debug)]
struct Error;

#[retry(attempts = 2, backoff = "none")]
#[steadfast::recover]
fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
