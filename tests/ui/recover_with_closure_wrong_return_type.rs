// A fallback closure that returns another type than the function: one error, on its body.
use steadfast::recover;

#[recover(with = |_| "none")]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
