use steadfast::{retry, RetryBudget};

static BUDGET: RetryBudget = RetryBudget::new(10, 0.1);

#[retry(attempts = 3, budget = RetryBudget::new(10, 0.1))]
fn fetch() -> Result<(), String> {
    Ok(())
}

#[retry(attempts = 3, budget = &BUDGET)]
fn fetch_ref() -> Result<(), String> {
    Ok(())
}

fn main() {}
