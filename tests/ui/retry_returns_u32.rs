use steadfast::retry;

#[retry(attempts = 3)]
fn count() -> u32 {
    1
}

fn main() {
    let _: u32 = count();
}
