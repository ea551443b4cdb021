// `#[recover] #[retry]` on a function that does not return `Result`: one error.
use steadfast::{recover, retry};

#[recover(default)]
#[retry(attempts = 2)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
