use steadfast::recover;

#[recover(with)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
