// A hook runs between attempts, when a by-value argument has been moved into an attempt.
use steadfast::{retry, Attempt};

#[derive(Debug)]
struct Error;

fn log(name: &str, attempt: &Attempt<'_, Error>) {
    println!("{name}: attempt {}", attempt.number());
}

#[retry(attempts = 3, backoff = "none", on_retry = |a| log(&name, a))]
fn fetch(name: String) -> Result<u32, Error> {
    let _ = name;
    Err(Error)
}

fn main() {
    let _ = fetch("db".to_string());
}
