//! A tour of steadfast: every macro, each printing what it did.
//!
//! Run it with `cargo run --example tour`.

use std::cell::Cell;
use std::time::Duration;

use steadfast::{defer, recover, retry, Attempt, DeferStack, Guard, Panic, Timeout};

// ANCHOR: defer_order
fn reverse_order() {
    defer! { println!("  defer 1 runs last"); }
    defer! { println!("  defer 2 runs first"); }
    println!("  the body runs, then the defers in reverse order:");
}
// ANCHOR_END: defer_order

// ANCHOR: defer_exits
fn early_exit(fail: bool) -> Result<(), String> {
    defer! { println!("  cleanup ran (fail = {fail})"); }
    if fail {
        Err("an early `?`".to_string())?;
    }
    println!("  reached the end of the body");
    Ok(())
}
// ANCHOR_END: defer_exits

// ANCHOR: defer_move
fn arguments_are_evaluated_at_the_defer() {
    let mut i = 10;
    defer!(move { println!("  the move defer saw i = {i}"); });
    i = 20;
    println!("  the body set i = {i}");
}
// ANCHOR_END: defer_move

// ANCHOR: defer_modes
fn modes(panics: bool) {
    defer!(on_success { println!("  on_success: left without a panic"); });
    defer!(on_unwind { println!("  on_unwind: unwinding from a panic"); });
    if panics {
        panic!("something broke");
    }
}
// ANCHOR_END: defer_modes

// ANCHOR: defer_loop
fn loops() {
    for i in 0..3 {
        defer!(move { println!("  defer! in the loop body: end of iteration {i}"); });
    }
    let mut defers = DeferStack::new();
    for i in 0..3 {
        defers.push(move || println!("  DeferStack, at the end of the function: {i}"));
    }
    println!("  the loops are done; the DeferStack runs when it drops:");
}
// ANCHOR_END: defer_loop

// ANCHOR: guard_tx
struct Transaction {
    log: &'static str,
}

impl Transaction {
    fn execute(&mut self, query: &str) -> Result<(), String> {
        if query.contains("DROP") {
            return Err(format!("refused: {query}"));
        }
        println!("  [{}] executed {query}", self.log);
        Ok(())
    }
    fn commit(self) {
        println!("  [{}] committed", self.log);
    }
    fn rollback(self) {
        println!("  [{}] rolled back", self.log);
    }
}

fn transfer(name: &'static str, query: &str) -> Result<(), String> {
    let mut tx = steadfast::guard(Transaction { log: name }, Transaction::rollback);
    tx.execute(query)?; // an early `?` rolls back
    Guard::into_inner(tx).commit(); // disarm, then commit
    Ok(())
}
// ANCHOR_END: guard_tx

// ANCHOR: retry_sync
#[derive(Debug)]
enum FetchError {
    Busy(u32),
    NotFound,
    TimedOut(Timeout),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Busy(n) => write!(f, "busy (call {n})"),
            FetchError::NotFound => write!(f, "not found"),
            FetchError::TimedOut(t) => write!(f, "timed out: {t}"),
        }
    }
}

impl From<Timeout> for FetchError {
    fn from(t: Timeout) -> Self {
        FetchError::TimedOut(t)
    }
}

fn is_transient(e: &FetchError) -> bool {
    !matches!(e, FetchError::NotFound)
}

fn log_retry(a: &Attempt<'_, FetchError>) {
    println!(
        "  attempt {}/{} failed: {}; next in {:?}",
        a.number(),
        a.max_attempts(),
        a.error(),
        a.next_delay()
    );
}

#[retry(attempts = 4, backoff = "exp", delay = "2ms", jitter = "none",
        when = is_transient, on_retry = log_retry)]
fn fetch(calls: &Cell<u32>, path: &str) -> Result<String, FetchError> {
    calls.set(calls.get() + 1);
    if path == "/missing" {
        return Err(FetchError::NotFound); // not transient: returned at once
    }
    if calls.get() < 3 {
        return Err(FetchError::Busy(calls.get())); // ends this attempt only
    }
    Ok(format!("contents of {path}"))
}
// ANCHOR_END: retry_sync

// ANCHOR: retry_async
struct Client {
    calls: u32,
}

impl Client {
    #[retry(attempts = 3, delay = "100ms", jitter = "none", attempt_timeout = "1s")]
    async fn call(&mut self) -> Result<u32, FetchError> {
        self.calls += 1;
        if self.calls == 1 {
            std::future::pending::<()>().await; // hangs; cancelled after 1 s
        }
        Ok(self.calls)
    }
}
// ANCHOR_END: retry_async

// ANCHOR: recover
#[derive(Debug)]
enum ParseError {
    Panicked(Panic),
}

impl From<Panic> for ParseError {
    fn from(panic: Panic) -> Self {
        ParseError::Panicked(panic)
    }
}

#[recover] // a panic becomes Err(ParseError::from(panic))
fn parse_port(src: &str) -> Result<u16, ParseError> {
    let digits = src.split(':').nth(1).unwrap(); // panics on input without ':'
    Ok(digits.parse().unwrap_or(0))
}

#[recover(default)] // a panic becomes u32::default()
fn average(total: u32, count: u32) -> u32 {
    total / count
}

#[recover(with = |panic| format!("<{}>", panic.message()))] // a panic becomes f(panic)
fn render(names: &[&str], i: usize) -> String {
    names[i].to_uppercase()
}
// ANCHOR_END: recover

fn main() {
    // Keep the tour's own output readable: the panics below are expected.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = (payload.downcast_ref::<&str>().copied())
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        println!("  (panic: {})", message.unwrap_or("?"));
    }));

    println!("defer! runs in reverse order:");
    reverse_order();

    println!("\ndefer! runs on every exit path:");
    let _ = early_exit(false);
    let _ = early_exit(true);

    println!("\ndefer!(move ...) evaluates its captures at the defer, like Go:");
    arguments_are_evaluated_at_the_defer();

    println!("\non_success and on_unwind:");
    modes(false);
    let _ = std::panic::catch_unwind(|| modes(true));

    println!("\na defer! belongs to its block; DeferStack to the function:");
    loops();

    println!("\na guard that owns a value (the transaction pattern):");
    let _ = transfer("tx1", "INSERT INTO t VALUES (1)");
    let _ = transfer("tx2", "DROP TABLE t");

    println!("\na defer that panics while another panic unwinds does not abort:");
    let caught = std::panic::catch_unwind(|| {
        defer! { panic!("the defer's own panic"); }
        panic!("the original panic");
    });
    let payload = caught.expect_err("the original panic reaches the caller");
    println!(
        "  the caller caught: {:?}",
        payload.downcast_ref::<&str>().unwrap_or(&"?")
    );

    println!("\n#[retry] on a sync function, with a predicate and a hook:");
    let calls = Cell::new(0);
    println!(
        "  -> {:?} after {} calls",
        fetch(&calls, "/index"),
        calls.get()
    );
    let calls = Cell::new(0);
    println!(
        "  -> {:?} after {} call",
        fetch(&calls, "/missing"),
        calls.get()
    );

    println!("\n#[retry] on an async method: a hung attempt is cancelled and retried:");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true) // the clock jumps over sleeps: the tour stays instant
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let started = tokio::time::Instant::now();
        let mut client = Client { calls: 0 };
        let result = client.call().await;
        println!(
            "  -> {result:?} after {} calls, {:?} on tokio's clock",
            client.calls,
            started.elapsed()
        );
    });

    println!("\nthe same policy without the macro:");
    let policy = steadfast::Retry::fixed()
        .attempts(3)
        .delay(Duration::from_millis(1));
    let mut tries = 0;
    let result: Result<u32, &str> = policy.run(|| {
        tries += 1;
        if tries < 2 {
            Err("flaky")
        } else {
            Ok(tries)
        }
    });
    println!("  -> {result:?}");

    println!("\n#[recover]: a panic becomes a value, and the panic hook stays quiet:");
    // The tour's own hook above would print recovered panics too: restore the default
    // one, which steadfast's quiet hook chains to.
    let _ = std::panic::take_hook();
    println!(
        "  parse_port(\"localhost:8080\") -> {:?}",
        parse_port("localhost:8080")
    );
    match parse_port("localhost") {
        Err(ParseError::Panicked(panic)) => println!(
            "  parse_port(\"localhost\")      -> panicked: {:?} at line {}",
            panic.message(),
            panic.location().map_or(0, |l| l.line())
        ),
        other => println!("  parse_port(\"localhost\")      -> {other:?}"),
    }
    println!("  average(10, 0)   -> {}", average(10, 0));
    println!("  render(&[\"a\"], 3) -> {}", render(&["a"], 3));
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
