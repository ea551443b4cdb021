//! `#[retry]` on sync functions, through the macro: what the macro itself is responsible
//! for. Each key reaches the policy, `return` and `?` end one attempt, fresh clones of
//! by-value arguments, re-borrowed `&mut` arguments, methods, generics, `Result` aliases,
//! the per-attempt scope of the body, and the signature kept.
//!
//! The policy's own semantics (attempts, the schedule, `when`, the hooks, `retry_after`,
//! the deadline) are tested once, on `Retry::run_with_clock` with a fake clock, in
//! `runtime/tests/retry_sync.rs`; a test here proves that a key's value gets there.
//!
//! The `timeout` tests run on steadfast's paused clock (`steadfast::time::pause()`): sleeps
//! take no real time and deadlines are measured on virtual time, so they assert exact
//! attempts and elapsed times. The other policies here sleep for real, so they have a tiny
//! or zero delay, and their tests assert counts, order and results, never durations.

use std::cell::{Cell, RefCell};
use std::fmt::{self, Debug, Display};
use std::io;
use std::time::Duration;

use steadfast::{defer, retry, Attempt, Timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Error {
    Transient(u32),
    Fatal(u32),
    Throttled(u32, Duration),
    Parse(String),
    TimedOut(Timeout),
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Transient(n) => write!(f, "attempt {n}: transient"),
            Error::Fatal(n) => write!(f, "attempt {n}: fatal"),
            Error::Throttled(n, wait) => write!(f, "attempt {n}: throttled for {wait:?}"),
            Error::Parse(message) => write!(f, "parse error: {message}"),
            Error::TimedOut(t) => write!(f, "{t}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut(timeout)
    }
}

impl From<std::num::ParseIntError> for Error {
    fn from(error: std::num::ParseIntError) -> Self {
        Error::Parse(error.to_string())
    }
}

/// Counts a call and returns its number, from 1.
fn bump(calls: &Cell<u32>) -> u32 {
    calls.set(calls.get() + 1);
    calls.get()
}

// ---------------------------------------------------------------------------------------
// Each key reaches the policy (its semantics are the runtime's, tested there)
//
// `attempts` below; `backoff`, `delay`, `max_delay` and `jitter` by the delays `on_retry`
// sees; `when`, `on_retry` and `retry_after` in their own sections, as paths and closures;
// `timeout` in its section.

#[retry(attempts = 4, backoff = "none")]
fn always_fails(calls: &Cell<u32>) -> Result<(), Error> {
    Err(Error::Transient(bump(calls)))
}

#[retry(backoff = "none")]
fn default_attempts(calls: &Cell<u32>) -> Result<(), Error> {
    Err(Error::Transient(bump(calls)))
}

#[test]
fn attempts_reaches_the_policy() {
    let calls = Cell::new(0);
    assert_eq!(always_fails(&calls), Err(Error::Transient(4)));
    assert_eq!(calls.get(), 4);

    // Without the key, the policy's default: 3 attempts.
    let calls = Cell::new(0);
    assert_eq!(default_attempts(&calls), Err(Error::Transient(3)));
    assert_eq!(calls.get(), 3);
}

const ATTEMPTS: u32 = 2;

#[retry(attempts = ATTEMPTS, delay = 1ms, backoff = "fixed", jitter = "none")]
fn constant_attempts_and_unquoted_delay(calls: &Cell<u32>) -> Result<(), Error> {
    Err(Error::Transient(bump(calls)))
}

#[retry(attempts = 2 + 1, delay = Duration::from_millis(1), max_delay = ms(1), jitter = none)]
fn expression_values(calls: &Cell<u32>) -> Result<(), Error> {
    Err(Error::Transient(bump(calls)))
}

#[test]
fn keys_take_constants_expressions_and_unquoted_values() {
    let calls = Cell::new(0);
    assert_eq!(
        constant_attempts_and_unquoted_delay(&calls),
        Err(Error::Transient(2))
    );
    assert_eq!(calls.get(), 2);

    let calls = Cell::new(0);
    assert_eq!(expression_values(&calls), Err(Error::Transient(3)));
    assert_eq!(calls.get(), 3);
}

// ---------------------------------------------------------------------------------------
// `return` and `?` end one attempt, not the call

#[retry(attempts = 5, backoff = "none")]
fn parse_nth(calls: &Cell<u32>, inputs: &[&str], log: &RefCell<Vec<String>>) -> Result<u32, Error> {
    let n = bump(calls);
    log.borrow_mut().push(format!("attempt {n}"));
    if n == 1 {
        return Err(Error::Transient(n));
    }
    let value: u32 = inputs[n as usize - 2].parse()?;
    log.borrow_mut().push(format!("parsed {value}"));
    if value == 0 {
        return Err(Error::Fatal(n));
    }
    Ok(value)
}

#[test]
fn return_and_question_mark_end_one_attempt() {
    let calls = Cell::new(0);
    let log = RefCell::new(Vec::new());
    // Attempt 1 returns early, attempt 2's `?` fails on "x", attempt 3 returns early after
    // parsing 0, attempt 4 succeeds.
    let result = parse_nth(&calls, &["x", "0", "42"], &log);
    assert_eq!(result, Ok(42));
    assert_eq!(calls.get(), 4);
    assert_eq!(
        log.into_inner(),
        [
            "attempt 1",
            "attempt 2",
            "attempt 3",
            "parsed 0",
            "attempt 4",
            "parsed 42"
        ]
    );
}

#[test]
fn question_mark_on_the_last_attempt_returns_its_converted_error() {
    let calls = Cell::new(0);
    let log = RefCell::new(Vec::new());
    let result = parse_nth(&calls, &["a", "b", "c", "d"], &log);
    assert_eq!(
        result,
        Err(Error::Parse("invalid digit found in string".into()))
    );
    assert_eq!(calls.get(), 5);
}

// ---------------------------------------------------------------------------------------
// By-value arguments: a fresh clone per attempt

thread_local! {
    static CLONES: Cell<u32> = const { Cell::new(0) };
}

/// A batch that counts how often it is cloned.
#[derive(Debug, PartialEq)]
struct Batch {
    items: Vec<u32>,
}

impl Clone for Batch {
    fn clone(&self) -> Self {
        CLONES.set(CLONES.get() + 1);
        Batch {
            items: self.items.clone(),
        }
    }
}

fn consume(batch: Batch) -> usize {
    batch.items.len()
}

#[retry(attempts = 3, backoff = "none")]
fn send_batch(mut batch: Batch, seen: &RefCell<Vec<Vec<u32>>>) -> Result<usize, Error> {
    // Each attempt sees the batch as the caller passed it...
    seen.borrow_mut().push(batch.items.clone());
    // ...then changes and consumes its own copy.
    batch.items.push(99);
    let sent = consume(batch);
    let n = seen.borrow().len() as u32;
    if n < 3 {
        Err(Error::Transient(n))
    } else {
        Ok(sent)
    }
}

#[test]
fn by_value_arguments_are_cloned_afresh_for_every_attempt() {
    CLONES.set(0);
    let batch = Batch { items: vec![1, 2] };
    let seen = RefCell::new(Vec::new());
    CLONES.set(0);
    assert_eq!(send_batch(batch, &seen), Ok(3));
    assert_eq!(seen.into_inner(), [vec![1, 2], vec![1, 2], vec![1, 2]]);
    // One clone per attempt, or one fewer if the last attempt takes the original.
    let clones = CLONES.get();
    assert!((2..=3).contains(&clones), "{clones} clones for 3 attempts");
}

#[retry(attempts = 3, backoff = "none")]
fn greet((name, times): (String, usize), suffix: String) -> Result<String, Error> {
    let mut greeting = name; // moves this attempt's copy
    for _ in 0..times {
        greeting.push('!');
    }
    greeting.push_str(&suffix);
    if greeting.len() < 100 {
        // Would grow every time if attempts shared the string.
        Err(Error::Parse(greeting))
    } else {
        Ok(greeting)
    }
}

#[test]
fn pattern_arguments_are_cloned_afresh_for_every_attempt() {
    let result = greet(("hi".to_string(), 2), "?".to_string());
    assert_eq!(result, Err(Error::Parse("hi!!?".into())));
}

// ---------------------------------------------------------------------------------------
// `&mut` arguments: re-borrowed by every attempt

#[retry(attempts = 3, backoff = "none")]
fn push_each(log: &mut Vec<u32>, counter: &mut u32) -> Result<usize, Error> {
    *counter += 1;
    log.push(*counter);
    let moved = log; // moves this attempt's re-borrow, not the caller's reference
    moved.push(0);
    if *counter < 3 {
        Err(Error::Transient(*counter))
    } else {
        Ok(moved.len())
    }
}

#[test]
fn mut_reference_arguments_accumulate_across_attempts() {
    let mut log = Vec::new();
    let mut counter = 0;
    assert_eq!(push_each(&mut log, &mut counter), Ok(6));
    assert_eq!(log, [1, 0, 2, 0, 3, 0]);
    assert_eq!(counter, 3);
    // The caller has its references back.
    log.clear();
    counter = 10;
    assert_eq!(push_each(&mut log, &mut counter), Ok(2));
    assert_eq!(log, [11, 0]);
}

// `mut` on a `&mut` argument moves to the per-attempt binding (`let mut out = &mut *out;`),
// so it draws no `unused_mut` warning (this file is built with `-D warnings` in CI).
#[retry(attempts = 2, backoff = "none")]
fn write_to_either(
    mut out: &mut Vec<u32>,
    spare: &mut Vec<u32>,
    n: &Cell<u32>,
) -> Result<(), Error> {
    let n = bump(n);
    out.push(n);
    out = spare; // re-points this attempt's binding only
    out.push(n * 10);
    Err(Error::Transient(n))
}

#[test]
fn a_mut_binding_of_a_mut_reference_is_per_attempt() {
    let (mut out, mut spare) = (Vec::new(), Vec::new());
    let calls = Cell::new(0);
    assert_eq!(
        write_to_either(&mut out, &mut spare, &calls),
        Err(Error::Transient(2))
    );
    assert_eq!((out, spare), (vec![1, 2], vec![10, 20]));
}

// ---------------------------------------------------------------------------------------
// Methods

struct Client {
    calls: Cell<u32>,
    healthy_from: u32,
}

impl Client {
    fn healthy(&self, n: u32) -> bool {
        n >= self.healthy_from
    }

    #[retry(attempts = 4, backoff = "none")]
    fn get(&self, path: &str) -> Result<String, Error> {
        let n = bump(&self.calls);
        if !self.healthy(n) {
            return Err(Error::Transient(n));
        }
        Ok(format!("GET {path} on attempt {n}"))
    }

    #[retry(attempts = 3, backoff = "none")]
    fn get_owned(&self, path: String) -> Result<String, Error> {
        self.get(&path)
    }
}

#[derive(Default)]
struct Counter {
    attempts: u32,
    log: Vec<String>,
}

impl Counter {
    #[retry(attempts = 4, backoff = "none")]
    fn advance(&mut self, by: u32) -> Result<u32, Error> {
        self.attempts += by;
        self.log.push(format!("at {}", self.attempts));
        self.check()?;
        Ok(self.attempts)
    }

    fn check(&mut self) -> Result<(), Error> {
        if self.attempts < 3 {
            Err(Error::Transient(self.attempts))
        } else {
            Ok(())
        }
    }
}

#[test]
fn methods_on_shared_self() {
    let client = Client {
        calls: Cell::new(0),
        healthy_from: 3,
    };
    assert_eq!(client.get("/a"), Ok("GET /a on attempt 3".to_string()));
    assert_eq!(client.calls.get(), 3);

    // A retried method calling another: the inner one retries on its own.
    let client = Client {
        calls: Cell::new(0),
        healthy_from: 6,
    };
    assert_eq!(
        client.get_owned("/b".into()),
        Ok("GET /b on attempt 6".to_string())
    );
    assert_eq!(client.calls.get(), 6);
}

#[test]
fn methods_on_mut_self_mutate_across_attempts() {
    let mut counter = Counter::default();
    assert_eq!(counter.advance(1), Ok(3));
    assert_eq!(counter.log, ["at 1", "at 2", "at 3"]);
    assert_eq!(counter.advance(1), Ok(4));
    assert_eq!(counter.attempts, 4);
}

// Receivers written with their type (`self: &Self`, `self: &mut Self`,
// `self: &Arc<Self>`) are borrowed, like `&self`. Written out on purpose here.
#[allow(clippy::needless_arbitrary_self_type)]
impl Counter {
    #[retry(attempts = 3, backoff = "none")]
    fn advance_typed(self: &mut Self) -> Result<u32, Error> {
        self.attempts += 1;
        self.check()?;
        Ok(self.attempts)
    }

    #[retry(attempts = 3, backoff = "none")]
    fn peek_typed(self: &Self) -> Result<u32, Error> {
        Err(Error::Transient(self.attempts))
    }

    #[retry(attempts = 3, backoff = "none")]
    fn peek_arc(self: &std::sync::Arc<Self>) -> Result<u32, Error> {
        Err(Error::Transient(self.attempts))
    }
}

#[test]
fn methods_with_typed_receivers() {
    {
        let mut counter = Counter::default();
        assert_eq!(counter.advance_typed(), Ok(3));
        assert_eq!(counter.peek_typed(), Err(Error::Transient(3)));
        let counter = std::sync::Arc::new(counter);
        assert_eq!(counter.peek_arc(), Err(Error::Transient(3)));
    }
}

// ---------------------------------------------------------------------------------------
// Generics, lifetimes, `where`, `impl Trait`

#[retry(attempts = 3, backoff = "none")]
fn first_above<'a, T, F>(items: &'a [T], keep: F, calls: &Cell<u32>) -> Result<&'a T, Error>
where
    T: PartialOrd + Debug,
    F: Fn(&T) -> bool + Clone,
{
    let n = bump(calls);
    // The first attempt looks only at the first item, the next at two, and so on.
    items
        .iter()
        .take(n as usize)
        .find(|item| keep(item))
        .ok_or(Error::Transient(n))
}

#[test]
fn generic_functions_with_lifetimes_and_where_clauses() {
    let calls = Cell::new(0);
    let items = [1, 5, 9, 12];
    assert_eq!(first_above(&items, |x| *x > 4, &calls), Ok(&5));
    assert_eq!(calls.get(), 2);

    let calls = Cell::new(0);
    let words = ["a", "bb", "ccc", "dddd"];
    let min = 4;
    assert_eq!(
        first_above(&words, move |w: &&str| w.len() >= min, &calls),
        Err(Error::Transient(3))
    );
    assert_eq!(calls.get(), 3);
}

#[retry(attempts = 3, backoff = "none")]
fn describe(label: &impl Display, calls: &Cell<u32>) -> Result<String, Error> {
    let n = bump(calls);
    if n < 2 {
        return Err(Error::Transient(n));
    }
    Ok(format!("{label} after {n}"))
}

#[retry(attempts = 3, backoff = "none")]
fn total(items: impl IntoIterator<Item = u32> + Clone, calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    let sum = items.into_iter().sum::<u32>();
    if n < 3 {
        Err(Error::Transient(sum))
    } else {
        Ok(sum)
    }
}

#[test]
fn impl_trait_arguments() {
    let calls = Cell::new(0);
    assert_eq!(describe(&"label", &calls), Ok("label after 2".to_string()));
    assert_eq!(calls.get(), 2);
}

#[test]
fn impl_trait_by_value_arguments_are_cloned_per_attempt() {
    let calls = Cell::new(0);
    assert_eq!(total(vec![1, 2, 3], &calls), Ok(6));
    assert_eq!(calls.get(), 3);

    // A fresh clone per attempt: an iterator consumed by one attempt starts over in the next.
    let calls = Cell::new(0);
    assert_eq!(total(1..=4, &calls), Ok(10));
}

// ---------------------------------------------------------------------------------------
// `when`

fn is_transient(error: &Error) -> bool {
    matches!(error, Error::Transient(_))
}

/// Transient until `fatal_at`, then fatal.
fn transient_then_fatal(calls: &Cell<u32>, fatal_at: u32) -> Result<(), Error> {
    let n = bump(calls);
    if n < fatal_at {
        Err(Error::Transient(n))
    } else {
        Err(Error::Fatal(n))
    }
}

#[retry(attempts = 5, backoff = "none", when = is_transient)]
fn when_path(calls: &Cell<u32>, fatal_at: u32) -> Result<(), Error> {
    transient_then_fatal(calls, fatal_at)
}

#[retry(attempts = 5, backoff = "none", when = |e| matches!(e, Error::Transient(_)))]
fn when_closure(calls: &Cell<u32>, fatal_at: u32) -> Result<(), Error> {
    transient_then_fatal(calls, fatal_at)
}

#[retry(attempts = 5, backoff = "none", when = |e: &Error| !matches!(e, Error::Fatal(_)))]
fn when_typed_closure(calls: &Cell<u32>, fatal_at: u32) -> Result<(), Error> {
    transient_then_fatal(calls, fatal_at)
}

#[test]
fn when_reaches_the_policy_as_a_path_or_a_closure() {
    type Retried = fn(&Cell<u32>, u32) -> Result<(), Error>;
    let retried: [(&str, Retried); 3] = [
        ("path", when_path),
        ("closure", when_closure),
        ("typed closure", when_typed_closure),
    ];
    for (name, f) in retried {
        // The transient error is retried, the fatal one returned.
        let calls = Cell::new(0);
        assert_eq!(f(&calls, 2), Err(Error::Fatal(2)), "{name}");
        assert_eq!(calls.get(), 2, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// `on_retry` and `retry_after`

/// What `on_retry` saw: number, max attempts, error, next delay.
type Seen = (u32, u32, Error, Duration);

thread_local! {
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

fn see(a: &Attempt<'_, Error>) {
    SEEN.with_borrow_mut(|seen| {
        seen.push((
            a.number(),
            a.max_attempts(),
            a.error().clone(),
            a.next_delay(),
        ))
    });
}

fn take_seen() -> Vec<Seen> {
    SEEN.with_borrow_mut(std::mem::take)
}

#[retry(attempts = 4, delay = "1ms", max_delay = "3ms", backoff = "exp", jitter = "none", on_retry = see)]
fn on_retry_path(calls: &Cell<u32>) -> Result<(), Error> {
    Err(Error::Transient(bump(calls)))
}

#[retry(
    attempts = 3,
    delay = "1ms",
    backoff = "fixed",
    jitter = "none",
    on_retry = |a| SEEN.with_borrow_mut(|seen| {
        seen.push((a.number(), a.max_attempts(), a.error().clone(), a.next_delay()))
    })
)]
fn on_retry_closure(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    if n < 3 {
        Err(Error::Transient(n))
    } else {
        Ok(n)
    }
}

#[test]
fn on_retry_reaches_the_policy_with_the_delays_the_keys_set() {
    take_seen();
    let calls = Cell::new(0);
    assert_eq!(on_retry_path(&calls), Err(Error::Transient(4)));
    // `exp` from 1 ms with no jitter: 1, 2, then 4 capped by `max_delay` to 3.
    assert_eq!(
        take_seen(),
        [
            (1, 4, Error::Transient(1), ms(1)),
            (2, 4, Error::Transient(2), ms(2)),
            (3, 4, Error::Transient(3), ms(3)),
        ]
    );

    // `fixed` at 1 ms, where the default `exp` would double.
    let calls = Cell::new(0);
    assert_eq!(on_retry_closure(&calls), Ok(3));
    assert_eq!(
        take_seen(),
        [
            (1, 3, Error::Transient(1), ms(1)),
            (2, 3, Error::Transient(2), ms(1)),
        ]
    );
}

fn server_hint(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(_, wait) => Some(*wait),
        _ => None,
    }
}

/// Throttled for `wait` at the first attempt, then transient.
fn throttled_first(calls: &Cell<u32>, wait: Duration) -> Result<(), Error> {
    let n = bump(calls);
    if n == 1 {
        Err(Error::Throttled(n, wait))
    } else {
        Err(Error::Transient(n))
    }
}

#[retry(attempts = 2, delay = "1ms", jitter = "none", retry_after = server_hint, on_retry = see)]
fn hint_path(calls: &Cell<u32>) -> Result<(), Error> {
    throttled_first(calls, ms(2))
}

#[retry(
    attempts = 2,
    delay = "1ms",
    jitter = "none",
    retry_after = |e| match e { Error::Throttled(_, wait) => Some(*wait), _ => None },
    on_retry = see
)]
fn hint_closure(calls: &Cell<u32>) -> Result<(), Error> {
    throttled_first(calls, ms(3))
}

#[test]
fn retry_after_reaches_the_policy_as_a_path_or_a_closure() {
    take_seen();
    let calls = Cell::new(0);
    assert_eq!(hint_path(&calls), Err(Error::Transient(2)));
    // The hint, not the 1 ms of the schedule.
    assert_eq!(take_seen(), [(1, 2, Error::Throttled(1, ms(2)), ms(2))]);

    let calls = Cell::new(0);
    assert_eq!(hint_closure(&calls), Err(Error::Transient(2)));
    assert_eq!(take_seen(), [(1, 2, Error::Throttled(1, ms(3)), ms(3))]);
}

// ---------------------------------------------------------------------------------------
// `timeout`

#[retry(
    attempts = 1_000_000,
    delay = "1ms",
    backoff = "fixed",
    jitter = "none",
    timeout = "20ms"
)]
fn never_succeeds(calls: &Cell<u32>) -> Result<(), Error> {
    Err(Error::Transient(bump(calls)))
}

#[retry(attempts = 3, backoff = "none", timeout = "5ms")]
fn overruns(calls: &Cell<u32>, work: Duration, succeed: bool) -> Result<u32, Error> {
    let n = bump(calls);
    steadfast::time::sleep(work); // the attempt's work, on the thread's clock
    if succeed {
        Ok(n)
    } else {
        Err(Error::Transient(n))
    }
}

#[retry(attempts = 3, timeout = "10s", when = is_transient)]
fn fast_under_timeout(calls: &Cell<u32>) -> Result<u32, Error> {
    Ok(bump(calls))
}

#[test]
fn timeout_returns_the_last_error_when_no_attempt_could_start_in_time() {
    let clock = steadfast::time::pause();
    let calls = Cell::new(0);
    // Attempts at 0, 1, ..., 19 ms; the 1 ms sleep after the 20th would reach the 20 ms
    // deadline, so it is not taken: the 20th attempt's error is returned at 19 ms.
    assert_eq!(never_succeeds(&calls), Err(Error::Transient(20)));
    assert_eq!(calls.get(), 20);
    assert_eq!(clock.elapsed(), ms(19));
}

#[test]
fn an_attempt_that_overruns_the_timeout_ends_the_call_with_its_error() {
    // A running sync attempt cannot be interrupted: it finishes, no other starts, and its
    // own error is returned.
    let clock = steadfast::time::pause();
    let calls = Cell::new(0);
    assert_eq!(overruns(&calls, ms(20), false), Err(Error::Transient(1)));
    assert_eq!(calls.get(), 1);
    assert_eq!(clock.elapsed(), ms(20), "no sleep after the deadline");

    // What it returns stands if it is a success.
    let calls = Cell::new(0);
    assert_eq!(overruns(&calls, ms(20), true), Ok(1));
    assert_eq!(clock.elapsed(), ms(40));
}

#[retry(attempts = 3, timeout = "1s", retry_after = server_hint, on_retry = see)]
fn throttled_past_the_timeout(calls: &Cell<u32>) -> Result<(), Error> {
    let n = bump(calls);
    steadfast::time::sleep(ms(10)); // the attempt's work, on the thread's clock
    Err(Error::Throttled(n, ms(5_000)))
}

#[test]
fn a_hint_past_the_timeout_returns_the_servers_error_at_once() {
    // 5 s asked for with 990 ms left: no sleep into the deadline, no `Timeout` in place of
    // the server's answer, no `on_retry` for a retry that does not follow.
    let clock = steadfast::time::pause();
    take_seen();
    let calls = Cell::new(0);
    assert_eq!(
        throttled_past_the_timeout(&calls),
        Err(Error::Throttled(1, ms(5_000)))
    );
    assert_eq!(calls.get(), 1);
    assert_eq!(clock.elapsed(), ms(10));
    assert_eq!(take_seen(), []);
}

#[test]
fn timeout_does_not_disturb_a_fast_success() {
    let clock = steadfast::time::pause();
    let calls = Cell::new(0);
    assert_eq!(fast_under_timeout(&calls), Ok(1));
    assert_eq!(calls.get(), 1);
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

// ---------------------------------------------------------------------------------------
// `Result` aliases

#[retry(attempts = 3, backoff = "none", when = |e| e.kind() == io::ErrorKind::Interrupted)]
fn read_config(calls: &Cell<u32>, kinds: &[io::ErrorKind]) -> io::Result<String> {
    let n = bump(calls);
    match kinds.get(n as usize - 1) {
        Some(kind) => Err(io::Error::new(*kind, format!("attempt {n}"))),
        None => Ok(format!("config read on attempt {n}")),
    }
}

type Fallible<T> = Result<T, Error>;

#[retry(attempts = 3, backoff = "none", on_retry = see)]
fn via_alias(calls: &Cell<u32>) -> Fallible<u32> {
    let n = bump(calls);
    let parsed: u32 = if n < 3 { "nope" } else { "7" }.parse()?;
    Ok(parsed)
}

#[test]
fn io_result_and_other_aliases() {
    use io::ErrorKind::{Interrupted, NotFound};

    let calls = Cell::new(0);
    assert_eq!(
        read_config(&calls, &[Interrupted, Interrupted]).unwrap(),
        "config read on attempt 3"
    );
    assert_eq!(calls.get(), 3);

    let calls = Cell::new(0);
    let error = read_config(&calls, &[Interrupted, NotFound]).unwrap_err();
    assert_eq!(
        (error.kind(), error.to_string()),
        (NotFound, "attempt 2".into())
    );
    assert_eq!(calls.get(), 2);

    let calls = Cell::new(0);
    let error = read_config(&calls, &[Interrupted; 5]).unwrap_err();
    assert_eq!(error.to_string(), "attempt 3");

    take_seen();
    let calls = Cell::new(0);
    assert_eq!(via_alias(&calls), Ok(7));
    assert_eq!(take_seen().len(), 2);
}

// ---------------------------------------------------------------------------------------
// A resource opened by an attempt is closed before the next one starts

thread_local! {
    static OPEN: Cell<u32> = const { Cell::new(0) };
    static OPENS: Cell<u32> = const { Cell::new(0) };
    static CLOSES: Cell<u32> = const { Cell::new(0) };
    static EVENTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn event(e: String) {
    EVENTS.with_borrow_mut(|events| events.push(e));
}

struct Conn(u32);

impl Conn {
    fn open(n: u32) -> Conn {
        assert_eq!(
            OPENS.get(),
            CLOSES.get(),
            "attempt {n} opens while an earlier attempt's connection is still open"
        );
        OPEN.set(OPEN.get() + 1);
        OPENS.set(OPENS.get() + 1);
        event(format!("open {n}"));
        Conn(n)
    }

    fn query(&self) -> Result<u32, Error> {
        match self.0 {
            1 => Err(Error::Transient(1)),
            2 => Err(Error::Parse("bad row".into())),
            n => Ok(n),
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        OPEN.set(OPEN.get() - 1);
        CLOSES.set(CLOSES.get() + 1);
        event(format!("close {}", self.0));
    }
}

#[retry(attempts = 4, delay = "1ms", backoff = "fixed", jitter = "none",
        on_retry = |a| event(format!("retry after {}", a.number())))]
fn fetch(calls: &Cell<u32>) -> Result<u32, Error> {
    let n = bump(calls);
    let conn = Conn::open(n);
    defer! { event(format!("defer {n}")); }
    let row = conn.query()?; // attempts 1 and 2 end here
    if row == 3 {
        return Err(Error::Transient(3)); // attempt 3 ends here
    }
    Ok(row)
}

#[test]
fn a_resource_opened_by_an_attempt_is_closed_before_the_next_starts() {
    OPENS.set(0);
    CLOSES.set(0);
    EVENTS.with_borrow_mut(Vec::clear);
    let calls = Cell::new(0);
    assert_eq!(fetch(&calls), Ok(4));
    assert_eq!((OPENS.get(), CLOSES.get(), OPEN.get()), (4, 4, 0));
    let events = EVENTS.with_borrow_mut(std::mem::take);
    assert_eq!(
        events,
        [
            "open 1",
            "defer 1",
            "close 1",
            "retry after 1",
            "open 2",
            "defer 2",
            "close 2",
            "retry after 2",
            "open 3",
            "defer 3",
            "close 3",
            "retry after 3",
            "open 4",
            "defer 4",
            "close 4",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Bodies with inner attributes, hooks naming arguments

// An inner attribute at the top of the body (`#![allow(..)]`) stays first in the function.
#[retry(attempts = 3, backoff = "none")]
fn inner_attribute(calls: &Cell<u32>) -> Result<u32, Error> {
    #![allow(clippy::let_and_return)]
    let n = bump(calls);
    n.checked_sub(3).map(|_| n).ok_or(Error::Transient(n))
}

#[test]
fn a_body_may_start_with_inner_attributes() {
    {
        let calls = Cell::new(0);
        assert_eq!(inner_attribute(&calls), Ok(3));
    }
}

#[retry(attempts = 3, backoff = "none", on_retry = |a| log.borrow_mut().push(format!("{name}: {}", a.error())))]
fn hook_names_a_borrowed_argument(
    name: &str,
    log: &RefCell<Vec<String>>,
    calls: &Cell<u32>,
) -> Result<(), Error> {
    Err(Error::Transient(bump(calls)))
}

#[test]
fn hooks_may_name_borrowed_arguments() {
    let log = RefCell::new(Vec::new());
    let calls = Cell::new(0);
    assert_eq!(
        hook_names_a_borrowed_argument("db", &log, &calls),
        Err(Error::Transient(3))
    );
    assert_eq!(
        log.into_inner(),
        ["db: attempt 1: transient", "db: attempt 2: transient"]
    );
}

// An attribute on a by-value argument is carried to the per-attempt binding, so
// `#[allow(unused_variables)] unused: u32` draws no warning.
#[retry(attempts = 2, backoff = "none")]
fn argument_with_attribute(
    #[allow(unused_variables)] unused: u32,
    calls: &Cell<u32>,
) -> Result<u32, Error> {
    Ok(bump(calls))
}

#[test]
fn arguments_with_attributes() {
    let calls = Cell::new(0);
    assert_eq!(argument_with_attribute(1, &calls), Ok(1));
}

// ---------------------------------------------------------------------------------------
// The function keeps its signature, attributes and visibility

mod api {
    use super::*;

    /// Documented, public, `#[must_use]`: all kept.
    #[must_use]
    #[retry(attempts = 2, backoff = "none")]
    pub fn public(calls: &Cell<u32>) -> Result<u32, Error> {
        Ok(bump(calls))
    }
}

#[test]
fn the_signature_is_unchanged() {
    let f: fn(&Cell<u32>) -> Result<u32, Error> = api::public;
    let calls = Cell::new(0);
    assert_eq!(f(&calls), Ok(1));
}
