use steadfast::recover;

#[recover(with = 42)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
