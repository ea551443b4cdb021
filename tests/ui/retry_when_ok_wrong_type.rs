use steadfast::retry;

#[retry(attempts = 3, when_ok = |status: &String| status.is_empty())]
fn get() -> Result<u16, std::io::Error> {
    Ok(200)
}

#[retry(attempts = 3, when_ok = "is_unavailable")]
fn get_quoted() -> Result<u16, std::io::Error> {
    Ok(200)
}

fn main() {}
