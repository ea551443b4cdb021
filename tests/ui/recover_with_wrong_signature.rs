// A fallback given as a path to a function of the wrong type: one error, on the path.
use steadfast::recover;

fn fallback(message: &str) -> u32 {
    message.len() as u32
}

#[recover(with = fallback)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
