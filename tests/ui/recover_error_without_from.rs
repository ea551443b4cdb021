// The error type cannot hold a `Panic`: one error, on the return type, naming the impl.
use steadfast::recover;

#[derive(Debug)]
struct ParseError;

#[recover]
fn parse(src: &str) -> Result<u32, ParseError> {
    src.parse().map_err(|_| ParseError)
}

fn main() {
    let _ = parse("1");
}
