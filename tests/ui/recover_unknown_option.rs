use steadfast::recover;

#[recover(quiet)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
