// Every form of `#[recover]` on sync functions: bare (`Err(E::from(panic))`), `default`,
// `with = path` and `with = closure`, each with and without a panic; `return` and `?` in
// the body; a body with inner attributes; a `pub` function and one written as
// `#[steadfast::recover]`.
use std::num::ParseIntError;

use steadfast::{recover, Panic};

#[derive(Debug)]
enum Error {
    Parse(ParseIntError),
    Panicked(Panic),
}

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error::Panicked(panic)
    }
}

impl From<ParseIntError> for Error {
    fn from(error: ParseIntError) -> Self {
        Error::Parse(error)
    }
}

#[recover]
pub fn parse(src: &str) -> Result<u32, Error> {
    if src.is_empty() {
        return Ok(0);
    }
    let n: u32 = src.parse()?;
    assert!(n != 13, "unlucky");
    Ok(n)
}

#[recover(default)]
fn score(values: &[u32], index: usize) -> u32 {
    values[index]
}

fn fallback(panic: Panic) -> String {
    format!("fallback: {}", panic.message())
}

#[recover(with = fallback)]
fn render(page: &str) -> String {
    assert!(!page.is_empty(), "empty page");
    format!("<p>{page}</p>")
}

#[recover(with = |panic| panic.message().len())]
fn measure(text: &str) -> usize {
    assert!(!text.is_empty(), "four");
    text.len()
}

#[steadfast::recover(default)]
fn quiet(text: &str) -> Vec<String> {
    #![allow(unused_variables)]
    let unused = 1;
    assert!(!text.is_empty(), "no words");
    text.split(' ').map(str::to_owned).collect()
}

#[recover(default)]
fn nothing(n: u32) {
    assert!(n > 0, "zero");
}

fn main() {
    assert_eq!(parse("7").unwrap(), 7);
    assert_eq!(parse("").unwrap(), 0);
    assert!(matches!(parse("x"), Err(Error::Parse(_))));
    match parse("13") {
        Err(Error::Panicked(panic)) => assert_eq!(panic.message(), "unlucky"),
        other => panic!("expected a caught panic, got {other:?}"),
    }
    assert_eq!(score(&[4, 5], 1), 5);
    assert_eq!(score(&[4, 5], 9), 0);
    assert_eq!(render("hi"), "<p>hi</p>");
    assert_eq!(render(""), "fallback: empty page");
    assert_eq!(measure("abc"), 3);
    assert_eq!(measure(""), 4);
    assert_eq!(quiet("a b"), ["a", "b"]);
    assert!(quiet("").is_empty());
    nothing(1);
    nothing(0);
}
