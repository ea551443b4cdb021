//! A tour of steadfast: every macro, each printing what it did.
//!
//! Run it with `cargo run --example tour`. Each line it shows is also kept, and `main`
//! checks them, so the tour (and its test, `tests::runs`) fails if a macro stops doing what
//! it says. Its retries sleep on paused clocks: the tour is instant and its times exact.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use steadfast::{defer, recover, retry, Attempt, DeferStack, Guard, Panic, Timeout};

thread_local! {
    /// The lines `show!` printed and `shown` has not taken yet.
    static SHOWN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Prints a line of the tour, indented, and keeps it for `main` to check.
macro_rules! show {
    ($($format:tt)*) => {{
        let line = format!($($format)*);
        println!("  {line}");
        SHOWN.with_borrow_mut(|shown| shown.push(line));
    }};
}

/// The lines shown since the last call, in order.
fn shown() -> Vec<String> {
    SHOWN.with_borrow_mut(std::mem::take)
}

// ANCHOR: defer_order
fn reverse_order() {
    defer! { show!("defer 1 runs last"); }
    defer! { show!("defer 2 runs first"); }
    show!("the body runs, then the defers in reverse order:");
}
// ANCHOR_END: defer_order

// ANCHOR: defer_exits
fn early_exit(fail: bool) -> Result<(), String> {
    defer! { show!("cleanup ran (fail = {fail})"); }
    if fail {
        Err("an early `?`".to_string())?;
    }
    show!("reached the end of the body");
    Ok(())
}
// ANCHOR_END: defer_exits

// ANCHOR: defer_move
fn arguments_are_evaluated_at_the_defer() {
    let mut i = 10;
    defer!(move { show!("the move defer saw i = {i}"); });
    i = 20;
    show!("the body set i = {i}");
}
// ANCHOR_END: defer_move

// ANCHOR: defer_modes
fn modes(panics: bool) {
    defer!(on_success { show!("on_success: left without a panic"); });
    defer!(on_unwind { show!("on_unwind: unwinding from a panic"); });
    if panics {
        panic!("something broke");
    }
}
// ANCHOR_END: defer_modes

// ANCHOR: defer_loop
fn loops() {
    for i in 0..3 {
        defer!(move { show!("defer! in the loop body: end of iteration {i}"); });
    }
    let mut defers = DeferStack::new();
    for i in 0..3 {
        defers.push(move || show!("DeferStack, at the end of the function: {i}"));
    }
    show!("the loops are done; the DeferStack runs when it drops:");
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
        show!("[{}] executed {query}", self.log);
        Ok(())
    }
    fn commit(self) {
        show!("[{}] committed", self.log);
    }
    fn rollback(self) {
        show!("[{}] rolled back", self.log);
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
    show!(
        "attempt {}/{} failed: {}; next in {:?}",
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
        show!("(panic: {})", message.unwrap_or("?"));
    }));

    println!("defer! runs in reverse order:");
    reverse_order();
    assert_eq!(
        shown(),
        [
            "the body runs, then the defers in reverse order:",
            "defer 2 runs first",
            "defer 1 runs last",
        ]
    );

    println!("\ndefer! runs on every exit path:");
    assert_eq!(early_exit(false), Ok(()));
    assert_eq!(
        shown(),
        ["reached the end of the body", "cleanup ran (fail = false)"]
    );
    assert_eq!(early_exit(true), Err("an early `?`".to_string()));
    assert_eq!(shown(), ["cleanup ran (fail = true)"]);

    println!("\ndefer!(move ...) evaluates its captures at the defer, like Go:");
    arguments_are_evaluated_at_the_defer();
    assert_eq!(
        shown(),
        ["the body set i = 20", "the move defer saw i = 10"]
    );

    println!("\non_success and on_unwind:");
    modes(false);
    assert_eq!(shown(), ["on_success: left without a panic"]);
    assert!(std::panic::catch_unwind(|| modes(true)).is_err());
    assert_eq!(
        shown(),
        [
            "(panic: something broke)",
            "on_unwind: unwinding from a panic"
        ]
    );

    println!("\na defer! belongs to its block; DeferStack to the function:");
    loops();
    assert_eq!(
        shown(),
        [
            "defer! in the loop body: end of iteration 0",
            "defer! in the loop body: end of iteration 1",
            "defer! in the loop body: end of iteration 2",
            "the loops are done; the DeferStack runs when it drops:",
            "DeferStack, at the end of the function: 2",
            "DeferStack, at the end of the function: 1",
            "DeferStack, at the end of the function: 0",
        ]
    );

    println!("\na guard that owns a value (the transaction pattern):");
    assert_eq!(transfer("tx1", "INSERT INTO t VALUES (1)"), Ok(()));
    assert_eq!(
        shown(),
        ["[tx1] executed INSERT INTO t VALUES (1)", "[tx1] committed"]
    );
    let refused = transfer("tx2", "DROP TABLE t");
    assert_eq!(refused, Err("refused: DROP TABLE t".to_string()));
    assert_eq!(shown(), ["[tx2] rolled back"]);

    println!("\na defer that panics while another panic unwinds does not abort:");
    let caught = std::panic::catch_unwind(|| {
        defer! { panic!("the defer's own panic"); }
        panic!("the original panic");
    });
    let payload = caught.expect_err("the original panic reaches the caller");
    show!(
        "the caller caught: {:?}",
        payload.downcast_ref::<&str>().unwrap_or(&"?")
    );
    assert_eq!(
        shown(),
        [
            "(panic: the original panic)",
            "(panic: the defer's own panic)",
            "the caller caught: \"the original panic\"",
        ]
    );

    println!("\n#[retry] on a sync function, with a predicate and a hook:");
    // Sync retries sleep on this thread's clock; paused, a sleep takes no real time and
    // moves virtual time on by exactly its length.
    let clock = steadfast::time::pause();
    let calls = Cell::new(0);
    let result = fetch(&calls, "/index");
    show!("-> {result:?} after {} calls", calls.get());
    assert_eq!(
        shown(),
        [
            "attempt 1/4 failed: busy (call 1); next in 2ms",
            "attempt 2/4 failed: busy (call 2); next in 4ms",
            "-> Ok(\"contents of /index\") after 3 calls",
        ]
    );
    assert_eq!(clock.elapsed(), Duration::from_millis(2 + 4));
    let calls = Cell::new(0);
    let result = fetch(&calls, "/missing");
    show!("-> {result:?} after {} call", calls.get());
    assert_eq!(shown(), ["-> Err(NotFound) after 1 call"]);

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
        show!(
            "-> {result:?} after {} calls, {:?} on tokio's clock",
            client.calls,
            started.elapsed()
        );
    });
    // 1 s until the hung attempt is cancelled, then a 100 ms sleep.
    assert_eq!(shown(), ["-> Ok(2) after 2 calls, 1.1s on tokio's clock"]);

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
    show!("-> {result:?}");
    assert_eq!(shown(), ["-> Ok(2)"]);
    drop(clock);

    println!("\n#[recover]: a panic becomes a value, and the panic hook stays quiet:");
    // steadfast's quiet hook, installed by the first `on_success` defer above, chains to the
    // tour's own hook and holds back the panics that `#[recover]` recovers, so the tour's
    // hook does not see them. (Replacing the hook now, with `set_hook` or `take_hook`, would
    // remove the quiet hook, and recovered panics would print.)
    show!(
        "parse_port(\"localhost:8080\") -> {:?}",
        parse_port("localhost:8080")
    );
    assert_eq!(shown(), ["parse_port(\"localhost:8080\") -> Ok(8080)"]);
    match parse_port("localhost") {
        Err(ParseError::Panicked(panic)) => {
            let location = panic.location().expect("where the panic happened");
            show!(
                "parse_port(\"localhost\")      -> panicked: {:?} at line {}",
                panic.message(),
                location.line()
            );
            assert_eq!(
                panic.message(),
                "called `Option::unwrap()` on a `None` value"
            );
            assert_eq!(location.file(), file!());
        }
        other => panic!("expected a recovered panic, got {other:?}"),
    }
    show!("average(10, 0)   -> {}", average(10, 0));
    show!("render(&[\"a\"], 3) -> {}", render(&["a"], 3));
    // After the line of the panic, whose facts are checked where it is shown:
    assert_eq!(
        shown()[1..],
        [
            "average(10, 0)   -> 0",
            "render(&[\"a\"], 3) -> <index out of bounds: the len is 1 but the index is 3>",
        ]
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
