use steadfast::retry;

#[retry(max_delay = 5)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
