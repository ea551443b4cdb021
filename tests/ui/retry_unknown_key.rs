use steadfast::retry;

#[retry(attempts = 3, verbose = true)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
