// `#[recover]` on generic functions: type and lifetime parameters, `where` clauses,
// `impl Trait` arguments and return types.
use std::fmt::Display;

use steadfast::{recover, Panic};

#[derive(Debug)]
struct Error(String);

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error(panic.message().to_owned())
    }
}

#[recover(default)]
fn first<T: Clone + Default>(items: &[T]) -> T {
    items[0].clone()
}

#[recover]
fn longest<'a, S>(items: &'a [S]) -> Result<&'a str, Error>
where
    S: AsRef<str>,
{
    Ok(items
        .iter()
        .map(AsRef::as_ref)
        .max_by_key(|s| s.len())
        .expect("no items"))
}

#[recover(with = |panic: Panic| panic.message().to_owned())]
fn show(value: impl Display, width: usize) -> String {
    assert!(width > 0, "zero width");
    format!("{value:>width$}")
}

#[recover(with = |_| Box::new("fallback") as Box<dyn Display>)]
fn describe(n: u32) -> impl Display {
    assert!(n > 0, "zero");
    Box::new(n) as Box<dyn Display>
}

#[recover]
fn parse<T>(text: &str) -> Result<T, Error>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Debug,
{
    Ok(text.parse().unwrap())
}

fn main() {
    assert_eq!(first(&[3, 4]), 3);
    assert_eq!(first::<String>(&[]), "");
    assert_eq!(longest(&["a", "abc", "ab"]).unwrap(), "abc");
    assert_eq!(longest::<String>(&[]).unwrap_err().0, "no items");
    assert_eq!(show(5, 3), "  5");
    assert_eq!(show("x", 0), "zero width");
    assert_eq!(describe(2).to_string(), "2");
    assert_eq!(describe(0).to_string(), "fallback");
    assert_eq!(parse::<u8>("7").unwrap(), 7);
    assert!(parse::<u8>("x").is_err());
}
