use steadfast::retry;

#[retry(delay = "10 parsecs")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
