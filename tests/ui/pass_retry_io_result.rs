// A return type that is an alias of `Result`: `io::Result<T>` and a crate's own alias.
use std::io;

use steadfast::retry;

type Fallible<T> = Result<T, String>;

#[retry(attempts = 3, backoff = "none", when = |e| e.kind() == io::ErrorKind::Interrupted)]
fn read(calls: &mut u32) -> io::Result<u32> {
    *calls += 1;
    if *calls < 3 {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "again"));
    }
    Ok(*calls)
}

#[retry(attempts = 2, backoff = "none")]
fn parse(text: &str) -> Fallible<u32> {
    text.parse().map_err(|e| format!("{e}"))
}

#[retry(attempts = 2, backoff = "none")]
fn fully_qualified() -> std::result::Result<(), std::io::Error> {
    Ok(())
}

fn main() {
    let mut calls = 0;
    assert_eq!(read(&mut calls).unwrap(), 3);
    assert_eq!(parse("12"), Ok(12));
    assert!(parse("x").is_err());
    fully_qualified().unwrap();
}
