// An alias hides the type from the macro: the type system reports it, once, at the alias.
use steadfast::retry;

type Fallible = Option<u32>;

#[retry(attempts = 3)]
fn find() -> Fallible {
    Some(1)
}

fn main() {
    let _: Option<u32> = find();
}
