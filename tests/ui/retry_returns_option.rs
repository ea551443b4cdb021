use steadfast::retry;

#[retry(attempts = 3)]
fn find() -> Option<u32> {
    Some(1)
}

fn main() {
    let _: Option<u32> = find();
}
