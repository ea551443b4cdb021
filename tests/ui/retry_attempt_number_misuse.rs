use steadfast::retry;

#[retry(attempts = 3, attempt_number = "n")]
fn quoted() -> Result<(), String> {
    Ok(())
}

#[retry(attempts = 3, attempt_number = n)]
fn shadows(n: u32) -> Result<u32, String> {
    Ok(n)
}

#[retry(attempts = 3, attempt_number)]
fn bare() -> Result<(), String> {
    Ok(())
}

fn main() {}
