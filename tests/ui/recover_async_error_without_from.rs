// As `recover_error_without_from`, on an `async fn`.
use steadfast::recover;

#[derive(Debug)]
struct ParseError;

#[recover]
async fn parse(src: &str) -> Result<u32, ParseError> {
    src.parse().map_err(|_| ParseError)
}

fn main() {
    let _ = parse("1");
}
