// A fallback closure whose parameter is not a `Panic`: one error, on the closure.
use steadfast::recover;

#[recover(with = |message: &str| message.len() as u32)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
