// A misspelt type in the signature is reported once, as rustc reports it without the macro.
use steadfast::retry;

#[derive(Debug)]
struct Error;

#[retry(attempts = 3)]
fn fetch() -> Result<u32, Eror> {
    Ok(1)
}

fn main() {
    let _ = Error;
    let _ = fetch();
}
