//! `#[retry]` on `async fn`, through the macro: what the macro itself is responsible for.
//! Each key reaches the policy, arguments are passed to every attempt (clones, re-borrows
//! of `&mut self`, generics, `impl Trait`), methods and trait impls, `#[tokio::test]`,
//! cancellation by drop, `Send`, the per-attempt scope of the body, and coercions of its
//! `return`s.
//!
//! The policy's own semantics on the async path (the schedules, jitter, `attempt_timeout`
//! and `timeout`, the hooks, cancellation of the attempt or the sleep, no task spawned) are
//! tested once, on `Retry::run_async`, in `runtime/tests/retry_async.rs`; a test here
//! proves that a key's value gets there, not the policy's arithmetic.
//!
//! Every test starts with the clock paused: sleeps end by auto-advance, instantly, and every
//! elapsed time is exact.

use std::cell::{Cell, RefCell};
use std::fmt::{Debug, Display};
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use steadfast::{defer, retry, Attempt, Timeout};
use tokio::runtime::Handle;
use tokio::time::{sleep, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Error {
    Transient(u32),
    Fatal(u32),
    Throttled(u32, Duration),
    TimedOut(Timeout),
}

impl Error {
    fn timeout(self) -> Timeout {
        match self {
            Error::TimedOut(t) => t,
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut(timeout)
    }
}

/// When each attempt began, relative to `start`; `number()` counts them.
struct Starts {
    start: Instant,
    began: RefCell<Vec<Duration>>,
}

impl Starts {
    fn new() -> Self {
        Starts {
            start: Instant::now(),
            began: RefCell::new(Vec::new()),
        }
    }

    /// Records an attempt and returns its number, from 1.
    fn begin(&self) -> u32 {
        let mut began = self.began.borrow_mut();
        began.push(self.start.elapsed());
        began.len() as u32
    }

    /// Records an attempt that fails at once.
    fn fail(&self) -> Result<(), Error> {
        Err(Error::Transient(self.begin()))
    }

    fn began(&self) -> Vec<Duration> {
        self.began.borrow().clone()
    }

    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

fn alive_tasks() -> usize {
    Handle::current().metrics().num_alive_tasks()
}

fn assert_send<T: Send>(_: &T) {}

/// Awaits a call whose attempts hang until a limit cancels them: if the limit did not
/// reach the policy, the test fails at a minute of the paused clock instead of hanging.
async fn ended<F: Future>(call: F) -> F::Output {
    let outcome = tokio::time::timeout(Duration::from_secs(60), call).await;
    outcome.expect("no limit ended the hung attempt")
}

/// What `on_retry` saw: number, max attempts, error, next delay, elapsed.
type Seen = (u32, u32, Error, Duration, Duration);

thread_local! {
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

fn see(a: &Attempt<'_, Error>) {
    SEEN.with_borrow_mut(|seen| {
        seen.push((
            a.number(),
            a.max_attempts(),
            *a.error(),
            a.next_delay(),
            a.elapsed(),
        ))
    });
}

fn take_seen() -> Vec<Seen> {
    SEEN.with_borrow_mut(std::mem::take)
}

// ---------------------------------------------------------------------------------------
// Each key reaches the policy (its semantics are the runtime's, tested there)

#[retry(attempts = 2, backoff = "none")]
async fn two_attempts(starts: &Starts) -> Result<(), Error> {
    starts.fail()
}

#[tokio::test(start_paused = true)]
async fn attempts_reaches_the_policy() {
    let starts = Starts::new();
    assert_eq!(two_attempts(&starts).await, Err(Error::Transient(2)));
}

#[retry(attempts = 3, delay = "100ms", backoff = "fixed", jitter = "none")]
async fn fixed_backoff(starts: &Starts) -> Result<(), Error> {
    starts.fail()
}

#[tokio::test(start_paused = true)]
async fn backoff_reaches_the_policy() {
    let starts = Starts::new();
    assert!(fixed_backoff(&starts).await.is_err());
    // Exponential, the default, would sleep 200 ms the second time.
    assert_eq!(starts.began(), [0, 100, 200].map(ms));
}

#[retry(attempts = 2, delay = "250ms", jitter = "none")]
async fn quarter_second_delay(starts: &Starts) -> Result<(), Error> {
    starts.fail()
}

#[tokio::test(start_paused = true)]
async fn delay_reaches_the_policy() {
    let starts = Starts::new();
    assert!(quarter_second_delay(&starts).await.is_err());
    assert_eq!(starts.began(), [0, 250].map(ms));
}

#[retry(attempts = 3, delay = "100ms", max_delay = "150ms", jitter = "none")]
async fn capped_delay(starts: &Starts) -> Result<(), Error> {
    starts.fail()
}

#[tokio::test(start_paused = true)]
async fn max_delay_reaches_the_policy() {
    let starts = Starts::new();
    assert!(capped_delay(&starts).await.is_err());
    // 100, then 200 capped to 150.
    assert_eq!(starts.began(), [0, 100, 250].map(ms));
}

// `jitter = "none"` is proven by every exact time in this file; another value here.
#[retry(attempts = 11, delay = "100ms", backoff = "fixed", jitter = "equal", on_retry = see)]
async fn equal_jitter(starts: &Starts) -> Result<(), Error> {
    starts.fail()
}

#[tokio::test(start_paused = true)]
async fn jitter_reaches_the_policy() {
    take_seen();
    let starts = Starts::new();
    assert!(equal_jitter(&starts).await.is_err());
    let delays: Vec<Duration> = take_seen().iter().map(|seen| seen.3).collect();
    assert_eq!(delays.len(), 10);
    // Equal jitter draws from half the delay to all of it: not the exact schedule (`none`),
    // and never below half (as `full`, the default, would be about half the time).
    assert!(
        delays.iter().all(|d| (ms(50)..=ms(100)).contains(d)),
        "{delays:?}"
    );
    assert!(delays.iter().any(|d| *d != ms(100)), "{delays:?}");
}

#[retry(attempts = 3, timeout = "250ms")]
async fn hangs_past_the_timeout(starts: &Starts) -> Result<(), Error> {
    starts.begin();
    std::future::pending::<()>().await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn timeout_reaches_the_policy() {
    let starts = Starts::new();
    let t = ended(hangs_past_the_timeout(&starts))
        .await
        .unwrap_err()
        .timeout();
    assert!(!t.is_attempt_timeout());
    assert_eq!((t.attempts(), t.limit()), (1, ms(250)));
    assert_eq!(starts.elapsed(), ms(250));
}

#[retry(attempts = 2, backoff = "none", attempt_timeout = "50ms")]
async fn first_attempt_hangs(starts: &Starts) -> Result<u32, Error> {
    let n = starts.begin();
    if n == 1 {
        std::future::pending::<()>().await;
    }
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_reaches_the_policy() {
    let starts = Starts::new();
    assert_eq!(ended(first_attempt_hangs(&starts)).await, Ok(2));
    assert_eq!(starts.began(), [0, 50].map(ms));
}

fn is_transient(error: &Error) -> bool {
    matches!(error, Error::Transient(_))
}

/// Transient until attempt `fatal_at`, then fatal.
fn transient_until(starts: &Starts, fatal_at: u32) -> Result<(), Error> {
    let n = starts.begin();
    Err(if n < fatal_at {
        Error::Transient(n)
    } else {
        Error::Fatal(n)
    })
}

#[retry(attempts = 5, backoff = "none", when = is_transient)]
async fn when_path(starts: &Starts, fatal_at: u32) -> Result<(), Error> {
    transient_until(starts, fatal_at)
}

#[retry(attempts = 5, backoff = "none", when = |e| !matches!(e, Error::Fatal(_)))]
async fn when_closure(starts: &Starts, fatal_at: u32) -> Result<(), Error> {
    transient_until(starts, fatal_at)
}

#[tokio::test(start_paused = true)]
async fn when_reaches_the_policy_as_a_path_or_a_closure() {
    let starts = Starts::new();
    assert_eq!(when_path(&starts, 2).await, Err(Error::Fatal(2)));
    assert_eq!(starts.began().len(), 2);

    let starts = Starts::new();
    assert_eq!(when_closure(&starts, 2).await, Err(Error::Fatal(2)));
    assert_eq!(starts.began().len(), 2);
}

#[retry(attempts = 2, delay = "100ms", jitter = "none", on_retry = see)]
async fn seen_once(starts: &Starts) -> Result<(), Error> {
    let n = starts.begin();
    sleep(ms(10)).await;
    Err(Error::Transient(n))
}

#[tokio::test(start_paused = true)]
async fn on_retry_reaches_the_policy() {
    take_seen();
    let starts = Starts::new();
    assert_eq!(seen_once(&starts).await, Err(Error::Transient(2)));
    assert_eq!(take_seen(), [(1, 2, Error::Transient(1), ms(100), ms(10))]);
}

fn server_hint(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(_, wait) => Some(*wait),
        _ => None,
    }
}

/// Throttled for `wait` at the first attempt, then transient.
fn throttled_first(starts: &Starts, wait: Duration) -> Result<(), Error> {
    let n = starts.begin();
    Err(if n == 1 {
        Error::Throttled(n, wait)
    } else {
        Error::Transient(n)
    })
}

#[retry(attempts = 2, delay = "100ms", jitter = "none", retry_after = server_hint)]
async fn retry_after_path(starts: &Starts) -> Result<(), Error> {
    throttled_first(starts, ms(3_000))
}

#[retry(
    attempts = 2,
    delay = "100ms",
    jitter = "none",
    retry_after = |e| match e { Error::Throttled(_, wait) => Some(*wait), _ => None }
)]
async fn retry_after_closure(starts: &Starts) -> Result<(), Error> {
    throttled_first(starts, ms(2_000))
}

#[tokio::test(start_paused = true)]
async fn retry_after_reaches_the_policy_as_a_path_or_a_closure() {
    let starts = Starts::new();
    assert_eq!(retry_after_path(&starts).await, Err(Error::Transient(2)));
    assert_eq!(starts.began(), [0, 3_000].map(ms));

    let starts = Starts::new();
    assert_eq!(retry_after_closure(&starts).await, Err(Error::Transient(2)));
    assert_eq!(starts.began(), [0, 2_000].map(ms));
}

#[retry(attempts = 3, timeout = "1s", retry_after = server_hint, on_retry = see)]
async fn throttled_past_the_timeout(starts: &Starts) -> Result<(), Error> {
    let n = starts.begin();
    sleep(ms(10)).await;
    Err(Error::Throttled(n, ms(5_000)))
}

#[tokio::test(start_paused = true)]
async fn a_hint_past_the_timeout_returns_the_servers_error_at_once() {
    // 5 s asked for with 990 ms left: no sleep into the deadline, no `Timeout` in place of
    // the server's answer, no `on_retry` for a retry that does not follow.
    take_seen();
    let starts = Starts::new();
    assert_eq!(
        throttled_past_the_timeout(&starts).await,
        Err(Error::Throttled(1, ms(5_000)))
    );
    assert_eq!(starts.began(), [Duration::ZERO]);
    assert_eq!(starts.elapsed(), ms(10));
    assert_eq!(take_seen(), []);
}

// ---------------------------------------------------------------------------------------
// Arguments: a fresh clone per attempt, generics, lifetimes, `where`, `impl Trait`

thread_local! {
    static CLONES: Cell<u32> = const { Cell::new(0) };
}

/// A batch that counts how often it is cloned.
#[derive(Debug, PartialEq)]
struct Batch(Vec<u32>);

impl Clone for Batch {
    fn clone(&self) -> Self {
        CLONES.set(CLONES.get() + 1);
        Batch(self.0.clone())
    }
}

#[retry(attempts = 3, backoff = "none")]
async fn send_batch(mut batch: Batch, seen: &RefCell<Vec<Vec<u32>>>) -> Result<usize, Error> {
    // Each attempt sees the batch as the caller passed it, holds its own copy across an
    // await, then changes it.
    seen.borrow_mut().push(batch.0.clone());
    sleep(ms(1)).await;
    batch.0.push(99);
    let n = seen.borrow().len() as u32;
    if n < 3 {
        return Err(Error::Transient(n));
    }
    Ok(batch.0.len())
}

#[tokio::test(start_paused = true)]
async fn by_value_arguments_are_cloned_afresh_for_every_attempt() {
    let seen = RefCell::new(Vec::new());
    CLONES.set(0);
    assert_eq!(send_batch(Batch(vec![1, 2]), &seen).await, Ok(3));
    assert_eq!(seen.into_inner(), [vec![1, 2], vec![1, 2], vec![1, 2]]);
    // One clone per attempt, or one fewer if the last attempt takes the original.
    let clones = CLONES.get();
    assert!((2..=3).contains(&clones), "{clones} clones for 3 attempts");
}

#[retry(attempts = 3, backoff = "none")]
async fn first_kept<'a, T, F>(items: &'a [T], keep: F, calls: &Cell<u32>) -> Result<&'a T, Error>
where
    T: Debug,
    F: Fn(&T) -> bool + Clone,
{
    calls.set(calls.get() + 1);
    let n = calls.get();
    sleep(ms(1)).await;
    // The first attempt looks only at the first item, the next at two, and so on.
    items
        .iter()
        .take(n as usize)
        .find(|item| keep(item))
        .ok_or(Error::Transient(n))
}

#[retry(attempts = 3, backoff = "none")]
async fn describe(
    label: &impl Display,
    items: impl IntoIterator<Item = u32> + Clone,
    calls: &Cell<u32>,
) -> Result<String, Error> {
    calls.set(calls.get() + 1);
    let n = calls.get();
    sleep(ms(1)).await;
    // A fresh clone per attempt: an iterator consumed by one attempt starts over in the next.
    let sum: u32 = items.into_iter().sum();
    if n < 3 {
        return Err(Error::Transient(sum));
    }
    Ok(format!("{label}: {sum} after {n}"))
}

#[tokio::test(start_paused = true)]
async fn generics_lifetimes_where_clauses_and_impl_trait_arguments() {
    let calls = Cell::new(0);
    let items = [1, 5, 9, 12];
    assert_eq!(first_kept(&items, |x| *x > 4, &calls).await, Ok(&5));
    assert_eq!(calls.get(), 2);

    let calls = Cell::new(0);
    assert_eq!(
        describe(&"sum", 1..=4, &calls).await,
        Ok("sum: 10 after 3".to_string())
    );
}

// ---------------------------------------------------------------------------------------
// Methods and traits

#[derive(Default)]
struct Connection {
    attempts: u32,
    sent: Vec<String>,
}

impl Connection {
    #[retry(attempts = 4, delay = "10ms", backoff = "fixed", jitter = "none")]
    async fn send(&mut self, message: &str) -> Result<usize, Error> {
        self.attempts += 1;
        sleep(ms(1)).await;
        self.sent.push(format!("{message} #{}", self.attempts));
        if self.attempts < 3 {
            return Err(Error::Transient(self.attempts));
        }
        Ok(self.sent.len())
    }
}

#[tokio::test(start_paused = true)]
async fn async_methods_on_mut_self_mutate_state_across_attempts() {
    let start = Instant::now();
    let mut conn = Connection::default();
    assert_eq!(conn.send("hello").await, Ok(3));
    assert_eq!(conn.sent, ["hello #1", "hello #2", "hello #3"]);
    assert_eq!(start.elapsed(), ms(1 + 10 + 1 + 10 + 1));
    // The state carries over to the next call too.
    assert_eq!(conn.send("again").await, Ok(4));
    assert_eq!(conn.attempts, 4);
}

trait Store {
    async fn get(&self, key: u32) -> Result<String, Error>;
}

struct Flaky {
    calls: Cell<u32>,
    healthy_from: u32,
}

impl Store for Flaky {
    #[retry(attempts = 3, delay = "50ms", backoff = "fixed", jitter = "none")]
    async fn get(&self, key: u32) -> Result<String, Error> {
        self.calls.set(self.calls.get() + 1);
        let n = self.calls.get();
        if n < self.healthy_from {
            return Err(Error::Transient(n));
        }
        Ok(format!("value {key} on attempt {n}"))
    }
}

async fn through_the_trait(store: &impl Store, key: u32) -> Result<String, Error> {
    store.get(key).await
}

#[tokio::test(start_paused = true)]
async fn async_fn_in_a_trait_impl() {
    let start = Instant::now();
    let store = Flaky {
        calls: Cell::new(0),
        healthy_from: 3,
    };
    assert_eq!(
        through_the_trait(&store, 7).await,
        Ok("value 7 on attempt 3".to_string())
    );
    assert_eq!(start.elapsed(), ms(100));

    let store = Flaky {
        calls: Cell::new(0),
        healthy_from: 4,
    };
    assert_eq!(store.get(1).await, Err(Error::Transient(3)));
}

static FLAKY_TEST_RUNS: AtomicU32 = AtomicU32::new(0);

#[retry(attempts = 3, delay = "10ms", backoff = "fixed", jitter = "none")]
#[tokio::test(start_paused = true)]
async fn retry_above_tokio_test_reruns_a_flaky_test() -> Result<(), String> {
    let run = FLAKY_TEST_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    // The paused clock and the runtime are those of the test: the retry sleeps on them.
    sleep(ms(1)).await;
    if run < 3 {
        return Err(format!("run {run} flaked"));
    }
    assert_eq!(alive_tasks(), 0);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Cancellation by drop: nothing left running

/// Records, when dropped, how long after `start` that happened.
struct DropGuard {
    start: Instant,
    dropped_at: Arc<Mutex<Vec<Duration>>>,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.dropped_at.lock().unwrap().push(self.start.elapsed());
    }
}

fn drops(dropped_at: &Arc<Mutex<Vec<Duration>>>) -> Vec<Duration> {
    dropped_at.lock().unwrap().clone()
}

/// Never finishes; the guard tells when the attempt was dropped.
async fn hang(guard: DropGuard) {
    let _guard = guard;
    std::future::pending::<()>().await;
}

#[retry(attempts = 10, delay = "100ms", jitter = "none")]
async fn may_hang(
    starts: &Starts,
    dropped_at: &Arc<Mutex<Vec<Duration>>>,
    hang_at: u32,
) -> Result<(), Error> {
    let n = starts.begin();
    if n == hang_at {
        hang(DropGuard {
            start: starts.start,
            dropped_at: Arc::clone(dropped_at),
        })
        .await;
    }
    Err(Error::Transient(n))
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_drops_the_attempt_or_the_sleep_in_progress() {
    // Mid-attempt: the second attempt hangs from 100 ms and the call is dropped at 250 ms.
    let starts = Starts::new();
    let dropped_at = Arc::default();
    let outcome = tokio::time::timeout(ms(250), may_hang(&starts, &dropped_at, 2)).await;
    assert!(outcome.is_err(), "the call finished: {outcome:?}");
    assert_eq!(drops(&dropped_at), [ms(250)]);

    // Mid-sleep: attempts at 0 and 100 ms; at 150 ms the call sleeps until 300 ms.
    let asleep = Starts::new();
    let outcome = tokio::time::timeout(ms(150), may_hang(&asleep, &dropped_at, 0)).await;
    assert!(outcome.is_err(), "the call finished: {outcome:?}");
    assert_eq!(alive_tasks(), 0);

    sleep(Duration::from_secs(60)).await;
    assert_eq!(
        starts.began(),
        [0, 100].map(ms),
        "an attempt ran after the drop"
    );
    assert_eq!(
        asleep.began(),
        [0, 100].map(ms),
        "an attempt ran after the drop"
    );
    assert_eq!(drops(&dropped_at), [ms(250)]);
    assert_eq!(alive_tasks(), 0);
}

// ---------------------------------------------------------------------------------------
// Send

#[retry(
    attempts = 3,
    delay = "10ms",
    timeout = "1s",
    attempt_timeout = "100ms",
    when = is_transient,
    on_retry = |a| assert!(a.number() < 3),
    retry_after = server_hint
)]
async fn send_body(calls: Arc<AtomicU32>, payload: &[u8], label: String) -> Result<usize, Error> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(ms(1)).await;
    if n < 2 {
        return Err(Error::Transient(n));
    }
    Ok(payload.len() + label.len())
}

#[retry(attempts = 2, backoff = "none")]
async fn plain_send_body(value: u32) -> Result<std::rc::Rc<u32>, Error> {
    sleep(ms(1)).await;
    // An `Rc` in the output is not held across an await, so the future stays `Send`.
    Ok(std::rc::Rc::new(value))
}

/// `T: Send` checked at compile time for the retried futures.
fn spawnable<F: Future + Send>(future: F) -> F {
    future
}

#[tokio::test(start_paused = true)]
async fn the_future_is_send_when_the_body_is() {
    let calls = Arc::new(AtomicU32::new(0));
    let payload = vec![1, 2, 3];
    let call = spawnable(send_body(Arc::clone(&calls), &payload, "ab".into()));
    assert_send(&call);
    assert_eq!(call.await, Ok(5));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let call = spawnable(plain_send_body(4));
    assert_eq!(*call.await.unwrap(), 4);

    // `tokio::spawn` takes it: it needs `Send + 'static`.
    let task = tokio::spawn(send_body(calls, b"xy", "c".into()));
    assert_eq!(task.await.unwrap(), Ok(3));
}

// ---------------------------------------------------------------------------------------
// A resource opened by an attempt is dropped before the sleep that follows it

struct Resource<'a> {
    n: u32,
    starts: &'a Starts,
    events: &'a RefCell<Vec<(String, Duration)>>,
}

impl<'a> Resource<'a> {
    fn open(n: u32, starts: &'a Starts, events: &'a RefCell<Vec<(String, Duration)>>) -> Self {
        events
            .borrow_mut()
            .push((format!("open {n}"), starts.elapsed()));
        Resource { n, starts, events }
    }
}

impl Drop for Resource<'_> {
    fn drop(&mut self) {
        self.events
            .borrow_mut()
            .push((format!("close {}", self.n), self.starts.elapsed()));
    }
}

#[retry(attempts = 3, delay = "100ms", jitter = "none", on_retry = |a| {
    RETRIES.with_borrow_mut(|r| r.push((a.number(), a.elapsed())))
})]
async fn uses_a_resource(
    starts: &Starts,
    events: &RefCell<Vec<(String, Duration)>>,
) -> Result<u32, Error> {
    let n = starts.begin();
    let resource = Resource::open(n, starts, events);
    defer! { events.borrow_mut().push((format!("defer {n}"), starts.elapsed())); }
    sleep(ms(10)).await;
    if resource.n < 3 {
        return Err(Error::Transient(n));
    }
    Ok(n)
}

thread_local! {
    static RETRIES: RefCell<Vec<(u32, Duration)>> = const { RefCell::new(Vec::new()) };
}

#[tokio::test(start_paused = true)]
async fn a_resource_opened_per_attempt_is_dropped_before_the_next_sleep() {
    RETRIES.with_borrow_mut(Vec::clear);
    let starts = Starts::new();
    let events = RefCell::new(Vec::new());
    assert_eq!(uses_a_resource(&starts, &events).await, Ok(3));
    let events: Vec<(String, u64)> = events
        .into_inner()
        .into_iter()
        .map(|(e, at)| (e, at.as_millis() as u64))
        .collect();
    let expected = [
        ("open 1", 0),
        ("defer 1", 10),
        ("close 1", 10),
        ("open 2", 110),
        ("defer 2", 120),
        ("close 2", 120),
        ("open 3", 320),
        ("defer 3", 330),
        ("close 3", 330),
    ]
    .map(|(e, at)| (e.to_string(), at));
    assert_eq!(events, expected);
    // `on_retry` runs after the close and before the sleep.
    assert_eq!(
        RETRIES.with_borrow_mut(std::mem::take),
        [(1, ms(10)), (2, ms(120))]
    );
}

// ---------------------------------------------------------------------------------------
// The body's `return`s and tail are coerced to the declared return type

// A retried async body's `return`s and tail coerce to the declared return type, as in a
// plain `async fn`: `Err(Box::new(e))` for `Result<_, Box<dyn Error>>`, `Ok(v)` with
// `v: &Vec<u8>` for `Result<&[u8], _>`.
mod coercions {
    use super::*;

    #[derive(Debug)]
    pub(super) struct Refused;

    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("refused")
        }
    }

    impl std::error::Error for Refused {}

    #[retry(attempts = 2, backoff = "none")]
    pub(super) async fn boxed_error(calls: &Cell<u32>) -> Result<u32, Box<dyn std::error::Error>> {
        calls.set(calls.get() + 1);
        if calls.get() < 2 {
            return Err(Box::new(Refused));
        }
        Ok(calls.get())
    }

    #[allow(clippy::ptr_arg)] // a `&Vec<u8>` on purpose: the test is about its coercion
    #[retry(attempts = 2, backoff = "none")]
    pub(super) async fn deref_coercion(bytes: &Vec<u8>) -> Result<&[u8], Refused> {
        if bytes.is_empty() {
            return Ok(bytes);
        }
        Ok(&bytes[1..])
    }
}

#[tokio::test(start_paused = true)]
async fn async_bodies_coerce_to_the_return_type() {
    {
        let calls = Cell::new(0);
        assert_eq!(coercions::boxed_error(&calls).await.unwrap(), 2);
        assert_eq!(coercions::deref_coercion(&vec![1, 2]).await.unwrap(), [2]);
    }
}
