use steadfast::{retry, RetryBudget};

// A `const` is a new budget at every use: it must be a `static`.
const BUDGET: RetryBudget = RetryBudget::new(10, 0.1);

#[retry(attempts = 3, budget = BUDGET)]
fn fetch() -> Result<(), String> {
    Ok(())
}

fn main() {}
