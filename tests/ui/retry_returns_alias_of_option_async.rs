// The same through a generic alias, on an `async fn`: one error, at the return type.
use steadfast::retry;

type Fallible<T> = Option<T>;

#[retry(attempts = 3, delay = "1ms", when = |_| true)]
async fn find() -> Fallible<u32> {
    Some(1)
}

fn main() {
    let _ = find();
}
