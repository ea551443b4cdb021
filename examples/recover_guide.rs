//! `#[recover]`: panics become values.
//!
//! Run it with `cargo run --example recover_guide`. The guide's "recover" chapter includes
//! the regions between the `ANCHOR` comments. Every panic below is recovered, so none of them
//! is printed by the panic hook.

use std::cell::Cell;
use std::fmt;

use steadfast::{recover, retry, Panic};

// ANCHOR: as_err
#[derive(Debug)]
enum ParseError {
    Empty,
    Panicked(Panic),
}

impl From<Panic> for ParseError {
    fn from(panic: Panic) -> Self {
        ParseError::Panicked(panic)
    }
}

/// A panic anywhere in the body returns `Err(ParseError::from(panic))`.
#[recover]
fn parse_port(src: &str) -> Result<u16, ParseError> {
    if src.is_empty() {
        return Err(ParseError::Empty);
    }
    let digits: Vec<u32> = src.chars().map(|c| c.to_digit(10).unwrap()).collect(); // may panic
    Ok(digits.iter().fold(0, |port, d| port * 10 + *d as u16))
}
// ANCHOR_END: as_err

// ANCHOR: default
/// A panic returns `u32::default()`, that is 0.
#[recover(default)]
fn score(votes: &[u32], voters: u32) -> u32 {
    votes.iter().sum::<u32>() / voters // panics when `voters` is 0
}
// ANCHOR_END: default

// ANCHOR: with
fn error_page(panic: Panic) -> String {
    format!("<h1>500</h1><!-- {} -->", panic.message())
}

/// A panic returns `error_page(panic)`.
#[recover(with = error_page)]
fn render(template: &str, user: Option<&str>) -> String {
    template.replace("{user}", user.expect("a signed-in user"))
}

/// The fallback can be a closure.
#[recover(with = |panic| vec![format!("recovered: {}", panic.message())])]
fn lines(text: &str, wanted: usize) -> Vec<String> {
    text.lines()
        .take(wanted)
        .map(str::to_owned)
        .collect::<Vec<_>>()[..wanted]
        .to_vec()
}
// ANCHOR_END: with

// ANCHOR: panic_value
fn show(panic: &Panic) {
    println!("  message:  {}", panic.message());
    if let Some(location) = panic.location() {
        println!(
            "  location: {} line {} column {}",
            location.file(),
            location.line(),
            location.column()
        );
    }
    println!("  thread:   {}", panic.thread().unwrap_or("<unnamed>"));
    println!("  display:  {panic}");
}
// ANCHOR_END: panic_value

// ANCHOR: resume
/// Some callers must not swallow a panic: they hand it back to the unwinder.
fn parse_strictly(src: &str) -> Result<u16, ParseError> {
    match parse_port(src) {
        Err(ParseError::Panicked(panic)) => std::panic::resume_unwind(panic.into_payload()),
        other => other,
    }
}
// ANCHOR_END: resume

// ANCHOR: stacking
#[derive(Debug)]
enum JobError {
    Panicked(Panic),
}

impl From<Panic> for JobError {
    fn from(panic: Panic) -> Self {
        JobError::Panicked(panic)
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Panicked(panic) => write!(f, "the job panicked: {}", panic.message()),
        }
    }
}

/// `#[retry]` outside, `#[recover]` inside: each attempt recovers its own panic, and the
/// resulting `Err` is retried like any other error.
#[retry(attempts = 3, backoff = "none")]
#[recover]
fn flaky_job(runs: &Cell<u32>) -> Result<u32, JobError> {
    runs.set(runs.get() + 1);
    if runs.get() < 3 {
        panic!("run {} crashed", runs.get());
    }
    Ok(runs.get())
}

/// `#[recover]` outside, `#[retry]` inside: the retried call is recovered as a whole, so the
/// first panic ends it; no further attempt runs.
#[recover]
#[retry(attempts = 3, backoff = "none")]
fn guarded_job(runs: &Cell<u32>) -> Result<u32, JobError> {
    runs.set(runs.get() + 1);
    if runs.get() < 3 {
        panic!("run {} crashed", runs.get());
    }
    Ok(runs.get())
}
// ANCHOR_END: stacking

// ANCHOR: async_recover
/// Works on `async fn`: a panic in any poll is caught.
#[recover(default)]
async fn fetch_count(fail_after_await: bool) -> usize {
    tokio::task::yield_now().await;
    if fail_after_await {
        panic!("the second poll panicked");
    }
    42
}
// ANCHOR_END: async_recover

fn main() {
    println!("#[recover]: a panic becomes the Err of the function:");
    println!(
        "  -> {:?}",
        parse_port("8080").map_err(|e| format!("{e:?}"))
    );
    println!("  -> {:?}", parse_port("").map_err(|e| format!("{e:?}")));
    match parse_port("80a0") {
        Err(ParseError::Panicked(panic)) => show(&panic),
        other => panic!("expected a recovered panic, got {other:?}"),
    }

    println!("#[recover(default)]:");
    println!("  -> {}", score(&[3, 4, 5], 3));
    println!("  -> {}", score(&[3, 4, 5], 0));

    println!("#[recover(with = ...)]:");
    println!("  -> {}", render("hello {user}", Some("ada")));
    println!("  -> {}", render("hello {user}", None));
    println!("  -> {:?}", lines("a\nb\nc", 2));
    println!("  -> {:?}", lines("a", 2));

    println!("resume_unwind carries a panic on:");
    let outer = Panic::catch(|| parse_strictly("80a0"));
    println!("  -> the caller caught: {}", outer.unwrap_err().message());

    println!("stacking with #[retry]:");
    let runs = Cell::new(0);
    let result = flaky_job(&runs).map_err(|e| e.to_string());
    println!(
        "  #[retry] #[recover]: {result:?} after {} runs",
        runs.get()
    );
    assert_eq!(result, Ok(3));
    let runs = Cell::new(0);
    let result = guarded_job(&runs).map_err(|e| e.to_string());
    println!("  #[recover] #[retry]: {result:?} after {} run", runs.get());
    assert_eq!(runs.get(), 1);

    println!("async fn:");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (ok, recovered) =
        runtime.block_on(async { (fetch_count(false).await, fetch_count(true).await) });
    println!("  -> {ok} and {recovered}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
