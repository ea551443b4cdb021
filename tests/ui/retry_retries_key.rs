// backon and tryhard count retries; steadfast counts attempts, and says how to convert.
use steadfast::retry;

#[retry(retries = 2)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
