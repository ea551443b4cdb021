use steadfast::retry;

#[retry(backoff = "expo")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
