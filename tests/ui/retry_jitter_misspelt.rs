use steadfast::retry;

#[retry(jitter = "ful")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
