use steadfast::retry;

#[retry]
enum Outcome {
    Done,
}

fn main() {
    let _ = Outcome::Done;
}
