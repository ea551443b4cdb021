// A fallback that returns another type than the function: one error, on the fallback.
use steadfast::{recover, Panic};

fn fallback(panic: Panic) -> String {
    panic.message().to_owned()
}

#[recover(with = fallback)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
