use steadfast::recover;

#[recover(default = 1)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
