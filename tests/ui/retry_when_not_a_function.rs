use steadfast::retry;

#[retry(when = 42)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
