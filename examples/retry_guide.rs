//! `#[retry]` and the `Retry` policy, key by key.
//!
//! Run it with `cargo run --example retry_guide`. The guide's "retry" chapter includes the
//! regions between the `ANCHOR` comments. Async functions run on tokio's paused clock, and
//! sync ones on steadfast's (`steadfast::time::pause()`): their sleeps take no real time, and
//! every printed time is exact.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::Duration;

use steadfast::{retry, Attempt, Backoff, Jitter, Retry, Timeout};
use tokio::time::Instant;

// ANCHOR: errors
#[derive(Debug, Clone, PartialEq)]
enum Error {
    /// Worth another attempt.
    Busy,
    /// Not worth one: retrying cannot help.
    Denied,
    /// The server says when to come back.
    Throttled(Duration),
    /// A `timeout` or `attempt_timeout` passed.
    TimedOut(Timeout),
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut(timeout)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Busy => write!(f, "busy"),
            Error::Denied => write!(f, "denied"),
            Error::Throttled(wait) => write!(f, "throttled for {wait:?}"),
            Error::TimedOut(timeout) => write!(f, "{timeout}"),
        }
    }
}

fn is_transient(error: &Error) -> bool {
    !matches!(error, Error::Denied)
}
// ANCHOR_END: errors

// ANCHOR: server
/// A fake server: one scripted error per call, in order, then `Ok(call number)`.
struct Server {
    errors: RefCell<VecDeque<Error>>,
    calls: Cell<u32>,
    started: Instant,
}

impl Server {
    fn new(errors: impl IntoIterator<Item = Error>) -> Self {
        Server {
            errors: RefCell::new(errors.into_iter().collect()),
            calls: Cell::new(0),
            started: Instant::now(),
        }
    }

    /// A server that never recovers.
    fn down() -> Self {
        Server::new(std::iter::repeat_n(Error::Busy, 1000))
    }

    fn call(&self) -> Result<u32, Error> {
        self.calls.set(self.calls.get() + 1);
        match self.errors.borrow_mut().pop_front() {
            Some(error) => Err(error),
            None => Ok(self.calls.get()),
        }
    }

    /// Milliseconds since the server was made, on tokio's clock.
    fn now_ms(&self) -> u128 {
        self.started.elapsed().as_millis()
    }
}
// ANCHOR_END: server

// ANCHOR: backoffs
#[retry(attempts = 4, backoff = "exp", delay = "100ms", jitter = "none")]
async fn exponential(server: &Server, began: &RefCell<Vec<u128>>) -> Result<u32, Error> {
    began.borrow_mut().push(server.now_ms());
    server.call()
}

#[retry(attempts = 4, backoff = "linear", delay = "100ms", jitter = "none")]
async fn linear(server: &Server, began: &RefCell<Vec<u128>>) -> Result<u32, Error> {
    began.borrow_mut().push(server.now_ms());
    server.call()
}

#[retry(attempts = 4, backoff = "fixed", delay = "100ms", jitter = "none")]
async fn fixed(server: &Server, began: &RefCell<Vec<u128>>) -> Result<u32, Error> {
    began.borrow_mut().push(server.now_ms());
    server.call()
}

#[retry(attempts = 4, backoff = "none")]
async fn at_once(server: &Server, began: &RefCell<Vec<u128>>) -> Result<u32, Error> {
    began.borrow_mut().push(server.now_ms());
    server.call()
}

#[retry(
    attempts = 6,
    backoff = "exp",
    delay = "100ms",
    max_delay = "300ms",
    jitter = "none"
)]
async fn capped(server: &Server, began: &RefCell<Vec<u128>>) -> Result<u32, Error> {
    began.borrow_mut().push(server.now_ms());
    server.call()
}
// ANCHOR_END: backoffs

// ANCHOR: defaults
/// Every key left at its default: 3 attempts, exponential backoff from 100 ms, full jitter.
#[retry]
async fn with_defaults(server: &Server, began: &RefCell<Vec<u128>>) -> Result<u32, Error> {
    began.borrow_mut().push(server.now_ms());
    server.call()
}
// ANCHOR_END: defaults

// ANCHOR: when
#[retry(attempts = 5, backoff = "none", when = is_transient)]
fn get(server: &Server) -> Result<u32, Error> {
    server.call()
}

/// The same with a closure: its parameter's type is inferred from the function's error.
#[retry(attempts = 5, backoff = "none", when = |e| *e == Error::Busy)]
fn get_if_busy(server: &Server) -> Result<u32, Error> {
    server.call()
}
// ANCHOR_END: when

// ANCHOR: on_retry
fn log_retry(attempt: &Attempt<'_, Error>) {
    println!(
        "  attempt {}/{} failed ({}) at {} ms; next attempt in {:?}",
        attempt.number(),
        attempt.max_attempts(),
        attempt.error(),
        attempt.elapsed().as_millis(),
        attempt.next_delay(),
    );
}

#[retry(attempts = 3, delay = "100ms", jitter = "none", on_retry = log_retry)]
async fn get_logged(server: &Server) -> Result<u32, Error> {
    server.call()
}
// ANCHOR_END: on_retry

// ANCHOR: retry_after
/// A delay the error asks for (an HTTP `Retry-After`, gRPC pushback) replaces the schedule's.
fn server_hint(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(wait) => Some(*wait),
        _ => None,
    }
}

#[retry(attempts = 3, delay = "100ms", jitter = "none",
        retry_after = server_hint, on_retry = log_retry)]
async fn get_politely(server: &Server) -> Result<u32, Error> {
    server.call()
}
// ANCHOR_END: retry_after

// ANCHOR: timeout
/// Each attempt takes `work`, then asks the server. The call never sleeps into its deadline:
///
/// - attempts that answer at once start at 0, 400 and 800 ms; the next would start past the
///   deadline, so the call returns the third attempt's own error at once, at 800 ms;
/// - attempts of 350 ms start at 0 and 750 ms, and the deadline drops the second in flight:
///   it has no error of its own, so the call returns `Err(Error::TimedOut(..))`, at 1 s.
#[retry(
    attempts = 10,
    backoff = "fixed",
    delay = "400ms",
    jitter = "none",
    timeout = "1s"
)]
async fn get_within_a_second(server: &Server, work: Duration) -> Result<u32, Error> {
    tokio::time::sleep(work).await; // a backend that may be slow
    server.call()
}

/// A sync call cannot be interrupted: no attempt starts past the deadline, and no sleep
/// reaches it. Attempts at 0, 2, 4, 6 and 8 ms; the sleep after the fifth would end at the
/// deadline, so the fifth attempt's error is returned at 8 ms.
#[retry(
    attempts = 100,
    backoff = "fixed",
    delay = "2ms",
    jitter = "none",
    timeout = "10ms"
)]
fn get_blocking_within(server: &Server) -> Result<u32, Error> {
    server.call()
}
// ANCHOR_END: timeout

// ANCHOR: attempt_timeout
/// The first attempt hangs; after 1 s it is cancelled (dropped) and counts as a retryable
/// failure, whatever `when` says.
#[retry(attempts = 3, delay = "50ms", jitter = "none", attempt_timeout = "1s",
        when = is_transient, on_retry = log_retry)]
async fn query(server: &Server) -> Result<u32, Error> {
    if server.calls.get() == 0 {
        server.calls.set(1);
        std::future::pending::<()>().await; // a backend that never answers
    }
    server.call()
}
// ANCHOR_END: attempt_timeout

// ANCHOR: every_key
#[retry(
    attempts = 5,
    backoff = "exp",
    delay = "100ms",
    max_delay = "2s",
    jitter = "full",
    timeout = "10s",
    attempt_timeout = "1s",
    when = is_transient,
    on_retry = |attempt| assert!(attempt.next_delay() <= Duration::from_secs(2)),
    retry_after = server_hint,
)]
async fn get_with_every_key(server: &Server) -> Result<u32, Error> {
    server.call()
}
// ANCHOR_END: every_key

// ANCHOR: cloned
/// `payload` is taken by value, so every attempt gets its own `clone()`: what one attempt
/// does to it cannot spoil the next.
#[retry(attempts = 3, backoff = "none")]
fn upload(mut payload: Vec<u8>, server: &Server) -> Result<usize, Error> {
    payload.extend_from_slice(b"\r\n"); // changes this attempt's copy only
    println!(
        "  attempt {} sends {} bytes",
        server.calls.get() + 1,
        payload.len()
    );
    server.call()?; // `?` ends this attempt, not the whole call
    Ok(payload.len())
}

/// `&mut self` is borrowed again by each attempt: state carries over from one to the next.
struct Connection {
    reconnects: u32,
}

impl Connection {
    #[retry(attempts = 3, backoff = "none")]
    fn send(&mut self, server: &Server) -> Result<u32, Error> {
        if server.calls.get() > 0 {
            self.reconnects += 1;
        }
        server.call()
    }
}
// ANCHOR_END: cloned

// ANCHOR: constants
const ATTEMPTS: u32 = 4;
const BASE_DELAY: Duration = Duration::from_millis(1);

#[retry(attempts = ATTEMPTS, delay = BASE_DELAY, max_delay = 5ms)]
fn get_configured(server: &Server) -> Result<u32, Error> {
    server.call()
}
// ANCHOR_END: constants

// ANCHOR: policy
/// A policy is a value, and can be a `const`.
const POLICY: Retry = Retry::exp()
    .attempts(4)
    .delay(Duration::from_millis(1))
    .max_delay(Duration::from_millis(5))
    .jitter(Jitter::Equal);

fn get_with_the_policy(server: &Server) -> Result<u32, Error> {
    POLICY.when(is_transient).run(|| server.call())
}

async fn get_with_a_policy_async(server: &Server) -> Result<u32, Error> {
    Retry::new()
        .backoff(Backoff::Linear)
        .delay(Duration::from_millis(100))
        .jitter(Jitter::None)
        .timeout(Duration::from_secs(1))
        .on_retry(log_retry)
        .run_async(|| async { server.call() })
        .await
}

fn planned_delays() -> Vec<Duration> {
    Retry::exp()
        .attempts(5)
        .jitter(Jitter::None)
        .delays()
        .collect()
}
// ANCHOR_END: policy

// ANCHOR: attempts_count_calls
/// `attempts = 3`: the first call and two retries. backon's `with_max_times(2)` and
/// tryhard's `retries(2)` describe the same three calls.
#[retry(attempts = 3, backoff = "none")]
fn always_busy(server: &Server) -> Result<u32, Error> {
    server.call()
}
// ANCHOR_END: attempts_count_calls

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true) // sleeps end at once, and time is exact
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async_part());
    sync_part();
}

async fn async_part() {
    println!("the backoffs, with delay = \"100ms\" and no jitter (attempt start times):");
    for (name, began) in [
        ("exp   ", run_schedule(Schedule::Exponential).await),
        ("linear", run_schedule(Schedule::Linear).await),
        ("fixed ", run_schedule(Schedule::Fixed).await),
        ("none  ", run_schedule(Schedule::AtOnce).await),
        ("capped", run_schedule(Schedule::Capped).await),
    ] {
        println!("  {name} {began:?} ms");
    }

    let (server, began) = (Server::down(), RefCell::new(Vec::new()));
    let result = with_defaults(&server, &began).await;
    let began = began.into_inner();
    println!("the defaults: {} attempts, then {result:?}", began.len());
    assert!(began[1] <= 100 && began[2] - began[1] <= 200, "{began:?}");

    println!("on_retry sees every failed attempt before its sleep:");
    let result = get_logged(&Server::new([Error::Busy, Error::Busy])).await;
    println!("  -> {result:?}");

    println!("retry_after: the error names the next delay:");
    let server = Server::new([Error::Throttled(Duration::from_secs(2)), Error::Busy]);
    let result = get_politely(&server).await;
    println!("  -> {result:?} at {} ms", server.now_ms());

    println!("timeout: a deadline for the whole call, sleeps included:");
    let server = Server::down();
    let result = get_within_a_second(&server, Duration::ZERO).await;
    let (calls, at) = (server.calls.get(), server.now_ms());
    println!("  -> {result:?} after {calls} calls, at {at} ms");
    assert_eq!((result, calls, at), (Err(Error::Busy), 3, 800));
    let server = Server::down();
    match get_within_a_second(&server, Duration::from_millis(350)).await {
        Err(Error::TimedOut(timeout)) => {
            println!("  -> {timeout}");
            assert_eq!((timeout.attempts(), server.now_ms()), (2, 1000));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }

    println!("attempt_timeout: a hung attempt is cancelled and retried:");
    let server = Server::new([]);
    let result = query(&server).await;
    println!("  -> {result:?} at {} ms", server.now_ms());

    let result = get_with_every_key(&Server::new([Error::Busy, Error::Busy])).await;
    println!("every key at once: {result:?}");

    println!("the same policy without the macro, async:");
    let result = get_with_a_policy_async(&Server::new([Error::Busy])).await;
    println!("  -> {result:?}");
}

#[derive(Clone, Copy)]
enum Schedule {
    Exponential,
    Linear,
    Fixed,
    AtOnce,
    Capped,
}

async fn run_schedule(schedule: Schedule) -> Vec<u128> {
    let (server, began) = (Server::down(), RefCell::new(Vec::new()));
    let _ = match schedule {
        Schedule::Exponential => exponential(&server, &began).await,
        Schedule::Linear => linear(&server, &began).await,
        Schedule::Fixed => fixed(&server, &began).await,
        Schedule::AtOnce => at_once(&server, &began).await,
        Schedule::Capped => capped(&server, &began).await,
    };
    began.into_inner()
}

fn sync_part() {
    // Sync retries sleep on this thread's clock: paused, a sleep takes no real time and
    // moves virtual time on by exactly its length.
    let clock = steadfast::time::pause();

    println!("when: only transient errors are retried:");
    let server = Server::new([Error::Busy, Error::Busy]);
    println!("  -> {:?} after {} calls", get(&server), server.calls.get());
    let server = Server::new([Error::Busy, Error::Denied, Error::Busy]);
    println!("  -> {:?} after {} calls", get(&server), server.calls.get());
    let server = Server::new([Error::Throttled(Duration::ZERO)]);
    let result = get_if_busy(&server);
    println!("  -> {result:?} after {} call", server.calls.get());

    println!("a sync call with a timeout:");
    let started = clock.elapsed();
    let server = Server::down();
    let result = get_blocking_within(&server);
    let took = clock.elapsed() - started;
    println!(
        "  -> {result:?} after {} calls, in {took:?}",
        server.calls.get()
    );
    assert_eq!((result, server.calls.get()), (Err(Error::Busy), 5));
    assert_eq!(took, Duration::from_millis(8));

    println!("by-value arguments are cloned for every attempt:");
    let server = Server::new([Error::Busy, Error::Busy]);
    println!("  -> {:?}", upload(b"PING".to_vec(), &server));
    let mut connection = Connection { reconnects: 0 };
    let result = connection.send(&Server::new([Error::Busy, Error::Busy]));
    println!(
        "  -> {result:?} after {} reconnects (kept across attempts)",
        connection.reconnects
    );

    let server = Server::new([Error::Busy, Error::Busy, Error::Busy]);
    let result = get_configured(&server);
    println!(
        "keys from constants: {result:?} after {} calls",
        server.calls.get()
    );

    println!("the policy without the macro:");
    let server = Server::new([Error::Busy, Error::Busy]);
    println!("  -> {:?}", get_with_the_policy(&server));
    println!("  planned delays: {:?}", planned_delays());

    println!("attempts counts calls, not retries:");
    let server = Server::down();
    let result = always_busy(&server);
    println!("  -> {result:?} after {} calls", server.calls.get());
    assert_eq!(server.calls.get(), 3);
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
