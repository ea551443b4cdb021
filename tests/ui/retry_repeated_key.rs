use steadfast::retry;

#[retry(attempts = 3, delay = "10ms", attempts = 5)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
