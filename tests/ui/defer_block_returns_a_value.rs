// A defer block's value is `()`, or a `Result<(), E>` whose `Err` is reported: a `usize` is
// an error that says to end the block with `;`.
use steadfast::defer;

fn main() {
    let names = vec!["a", "b"];
    defer! { names.len() }
}
