use steadfast::retry;

static LIMIT: u32 = 10;

#[retry(attempts = 3, budget = LIMIT)]
fn fetch() -> Result<(), String> {
    Ok(())
}

fn main() {}
