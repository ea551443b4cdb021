use steadfast::recover;

#[recover(defualt)]
fn score() -> u32 {
    1
}

fn main() {
    let _ = score();
}
