use steadfast::recover;

#[recover(default)]
enum Outcome {
    Done,
}

fn main() {
    let _ = Outcome::Done;
}
