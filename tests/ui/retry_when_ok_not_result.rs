use steadfast::retry;

#[retry(attempts = 3, when_ok = |status: &u16| *status == 503)]
fn get() -> Option<u16> {
    Some(200)
}

fn main() {}
