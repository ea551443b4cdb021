use steadfast::{recover, Panic};

fn fallback(_: Panic) -> u32 {
    0
}

#[recover(default, with = fallback)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
