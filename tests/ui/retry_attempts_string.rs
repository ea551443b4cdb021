use steadfast::retry;

#[retry(attempts = "3")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
