//! Getting started: a first `defer!` and a first `#[retry]`.
//!
//! Run it with `cargo run --example getting_started`. The guide's "Getting started" chapter
//! includes the regions between the `ANCHOR` comments.

use std::cell::Cell;

use steadfast::{defer, retry};

// ANCHOR: first_defer
/// Opens a file (pretend), copies it, and closes it however the function returns.
fn copy(name: &str) -> Result<usize, String> {
    println!("  open {name}");
    defer! { println!("  close {name}"); } // runs on every way out of `copy`

    if name.ends_with(".lock") {
        return Err(format!("{name} is locked")); // the defer still runs
    }
    println!("  copy {name}");
    Ok(name.len())
}
// ANCHOR_END: first_defer

// ANCHOR: first_retry
#[derive(Debug, PartialEq)]
enum FetchError {
    Unavailable,
}

/// Fails twice, then succeeds: `#[retry]` calls it until it returns `Ok`, at most 3 times.
#[retry(attempts = 3, delay = "1ms")]
fn fetch(calls: &Cell<u32>) -> Result<&'static str, FetchError> {
    calls.set(calls.get() + 1);
    println!("  attempt {}", calls.get());
    if calls.get() < 3 {
        return Err(FetchError::Unavailable); // ends this attempt; the next one follows
    }
    Ok("hello")
}
// ANCHOR_END: first_retry

fn main() {
    // ANCHOR: main
    println!("a first defer!:");
    println!("  -> {:?}", copy("notes.txt"));
    println!("  -> {:?}", copy("db.lock"));

    println!("a first #[retry]:");
    let calls = Cell::new(0);
    let body = fetch(&calls);
    println!("  -> {body:?} after {} calls", calls.get());
    // ANCHOR_END: main
    assert_eq!(body, Ok("hello"));
    assert_eq!(calls.get(), 3);
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
