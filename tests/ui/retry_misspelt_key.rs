use steadfast::retry;

#[retry(atempts = 3)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
