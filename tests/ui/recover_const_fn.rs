use steadfast::recover;

#[recover(default)]
const fn limit() -> u32 {
    1
}

fn main() {
    let _ = limit();
}
