// Generics, lifetimes, `where` clauses, `impl Trait` arguments and an `impl Trait` in the
// return type (at any depth) are re-emitted unchanged.
use std::cell::Cell;
use std::fmt::Display;

use steadfast::retry;

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

fn flaky() -> Result<(), String> {
    CALLS.set(CALLS.get() + 1);
    if CALLS.get() % 2 == 1 {
        Err(format!("call {} failed", CALLS.get()))
    } else {
        Ok(())
    }
}

#[retry(attempts = 2, backoff = "none")]
fn find<'a, 'k, T>(items: &'a [T], key: &'k str, extra: impl AsRef<str> + Clone) -> Result<&'a T, String>
where
    T: Display + PartialEq<str>,
{
    flaky()?;
    let _ = extra.as_ref();
    items
        .iter()
        .find(|item| *item == key)
        .ok_or_else(|| format!("no {key}"))
}

fn any_error(_: &String) -> bool {
    true
}

#[retry(attempts = 2, backoff = "none", when = any_error)]
fn describe<T: Display + Clone>(value: T) -> Result<impl Display, String> {
    flaky()?;
    Ok(format!("<{value}>"))
}

#[retry(attempts = 2, backoff = "none")]
fn first<'a, const N: usize>(items: &'a [u8; N]) -> Result<&'a u8, String> {
    flaky()?;
    items.first().ok_or_else(|| "empty".to_string())
}

// `impl Trait` inside parentheses, in an argument and in the return type: not written again
// inside the body, where rustc rejects it.
#[retry(attempts = 2, backoff = "none")]
fn pair(label: (impl Display + Clone, u8)) -> Result<(impl Display, u8), String> {
    flaky()?;
    Ok((format!("{}:{}", label.0, label.1), label.1))
}

struct Name(String);

impl Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

fn main() {
    let names = [Name("a".into()), Name("b".into())];
    assert_eq!(find(&names, "b", "x").map(|n| n.0.as_str()), Ok("b"));
    assert_eq!(describe(5).map(|d| d.to_string()), Ok("<5>".to_string()));
    assert_eq!(first(&[3, 4]), Ok(&3));
    let (label, n) = pair(("p", 1)).expect("the second attempt succeeds");
    assert_eq!((label.to_string(), n), ("p:1".to_string(), 1));
}
