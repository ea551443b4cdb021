use steadfast::retry;

#[retry(attempts = 3)]
const fn limit() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = limit();
}
