//! `#[retry]` with the `tracing` feature: a WARN event per retried failure (and only when a
//! retry really follows), an ERROR event when the attempts run out, when the next attempt
//! could not start before the deadline (saying why, and naming the error returned), or when
//! the deadline cuts an attempt; each inside the caller's span, and nothing at all without a
//! subscriber.
//!
//! Run with `cargo test --features tracing --test retry_tracing` (or `--all-features`).
//! The subscriber is written by hand: it records each event's level, message, fields and
//! the span it happened in.
#![cfg(feature = "tracing")]

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use steadfast::{retry, Timeout};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

// ---------------------------------------------------------------------------------------
// A recording subscriber

/// One event as the subscriber saw it.
#[derive(Debug, Clone)]
struct Recorded {
    level: Level,
    message: String,
    fields: Vec<(String, String)>,
    /// The name of the span the event happened in, if any.
    span: Option<String>,
}

impl Recorded {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Collects `message` and every other field as text.
#[derive(Default)]
struct FieldsVisitor {
    message: String,
    fields: Vec<(String, String)>,
}

impl Visit for FieldsVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.push((field.name().to_string(), text));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields
                .push((field.name().to_string(), value.to_string()));
        }
    }
}

/// Records events, with the span entered on the current thread when each happened.
#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<Recorded>>>,
    spans: Arc<Mutex<Vec<(Id, String)>>>,
    entered: Arc<Mutex<Vec<Id>>>,
    next_id: Arc<AtomicU64>,
}

impl Recorder {
    fn events(&self) -> Vec<Recorded> {
        self.events.lock().unwrap().clone()
    }

    fn span_name(&self, id: &Id) -> Option<String> {
        let spans = self.spans.lock().unwrap();
        spans.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone())
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1);
        let name = span.metadata().name().to_string();
        self.spans.lock().unwrap().push((id.clone(), name));
        id
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut visitor = FieldsVisitor::default();
        event.record(&mut visitor);
        let current = self.entered.lock().unwrap().last().cloned();
        let recorded = Recorded {
            level: *event.metadata().level(),
            message: visitor.message,
            fields: visitor.fields,
            span: current.and_then(|id| self.span_name(&id)),
        };
        self.events.lock().unwrap().push(recorded);
    }

    fn enter(&self, span: &Id) {
        self.entered.lock().unwrap().push(span.clone());
    }

    fn exit(&self, span: &Id) {
        let mut entered = self.entered.lock().unwrap();
        if let Some(at) = entered.iter().rposition(|id| id == span) {
            entered.remove(at);
        }
    }
}

/// Runs `f` with a fresh recorder as the thread's default subscriber.
fn recorded<R>(f: impl FnOnce() -> R) -> (Vec<Recorded>, R) {
    let recorder = Recorder::default();
    let result = tracing::subscriber::with_default(recorder.clone(), f);
    (recorder.events(), result)
}

// ---------------------------------------------------------------------------------------
// Functions under test

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Unavailable(u32),
    TimedOut(Timeout),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unavailable(n) => write!(f, "service unavailable (attempt {n})"),
            Error::TimedOut(t) => write!(f, "{t}"),
        }
    }
}

impl From<Timeout> for Error {
    fn from(t: Timeout) -> Self {
        Error::TimedOut(t)
    }
}

thread_local! {
    static CALLS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

fn next_call() -> u32 {
    CALLS.set(CALLS.get() + 1);
    CALLS.get()
}

#[retry(attempts = 3, delay = "1ms", backoff = "fixed", jitter = "none")]
fn third_time_lucky() -> Result<&'static str, Error> {
    let n = next_call();
    if n < 3 {
        Err(Error::Unavailable(n))
    } else {
        Ok("done")
    }
}

#[retry(attempts = 2, backoff = "none")]
fn always_down() -> Result<(), Error> {
    Err(Error::Unavailable(next_call()))
}

#[retry(
    attempts = 1_000_000,
    delay = "1ms",
    backoff = "fixed",
    jitter = "none",
    timeout = "5ms"
)]
fn down_until_the_deadline() -> Result<(), Error> {
    Err(Error::Unavailable(next_call()))
}

#[retry(attempts = 3, timeout = "1s", retry_after = |_| Some(Duration::from_secs(5)))]
fn throttled_past_the_deadline() -> Result<(), Error> {
    Err(Error::Unavailable(next_call()))
}

#[derive(Debug)]
#[allow(dead_code)] // the field is read through `Debug` only
struct OnlyDebug(u32);

struct Opaque;

#[retry(attempts = 2, backoff = "none")]
fn debug_error() -> Result<(), OnlyDebug> {
    Err(OnlyDebug(next_call()))
}

#[retry(attempts = 2, backoff = "none")]
fn opaque_error() -> Result<(), Opaque> {
    next_call();
    Err(Opaque)
}

#[retry(attempts = 2, backoff = "none")]
fn display_error_impl_trait_ok() -> Result<impl fmt::Display, Error> {
    let n = next_call();
    if n < 3 {
        return Err(Error::Unavailable(n));
    }
    Ok(n)
}

fn at_level(events: &[Recorded], level: Level) -> Vec<&Recorded> {
    events.iter().filter(|e| e.level == level).collect()
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn each_retried_failure_is_a_warn_event() {
    CALLS.set(0);
    let (events, result) = recorded(third_time_lucky);
    assert_eq!(result, Ok("done"));
    assert_eq!(events.len(), 2, "{events:#?}");
    let warns = at_level(&events, Level::WARN);
    assert_eq!(warns.len(), 2, "{events:#?}");
    for (i, warn) in warns.iter().enumerate() {
        let attempt = (i + 1).to_string();
        assert_eq!(warn.field("attempt"), Some(attempt.as_str()), "{warn:?}");
        assert_eq!(warn.field("max_attempts"), Some("3"), "{warn:?}");
        let error = format!("service unavailable (attempt {attempt})");
        assert_eq!(warn.field("error"), Some(error.as_str()), "{warn:?}");
        assert_eq!(warn.field("delay_ms"), Some("1.0"), "{warn:?}");
        assert!(!warn.message.is_empty());
    }
}

#[test]
fn exhausting_the_attempts_is_an_error_event() {
    CALLS.set(0);
    let (events, result) = recorded(always_down);
    assert_eq!(result, Err(Error::Unavailable(2)));
    assert_eq!(at_level(&events, Level::WARN).len(), 1, "{events:#?}");
    let errors = at_level(&events, Level::ERROR);
    assert_eq!(errors.len(), 1, "{events:#?}");
    assert_eq!(
        errors[0].field("error"),
        Some("service unavailable (attempt 2)")
    );
    assert_eq!(errors[0].field("attempts"), Some("2"));
    // The ERROR is the last event.
    assert_eq!(events.last().unwrap().level, Level::ERROR);
}

#[test]
fn a_next_attempt_that_could_not_start_in_time_is_an_error_event_naming_the_error() {
    // On the paused clock the 1 ms sleeps take exactly 1 ms: attempts at 0, 1, 2, 3 and
    // 4 ms, each but the last followed by a WARN; the sleep after the fifth would reach the
    // 5 ms deadline, so it is not taken, and the call ends at 4 ms with the fifth attempt's
    // error and one ERROR saying why.
    let clock = steadfast::time::pause();
    CALLS.set(0);
    let (events, result) = recorded(down_until_the_deadline);
    let ms = Duration::from_millis;
    assert_eq!(result, Err(Error::Unavailable(5)));
    assert_eq!((CALLS.get(), clock.elapsed()), (5, ms(4)));

    let levels: Vec<Level> = events.iter().map(|e| e.level).collect();
    let (warn, error) = (Level::WARN, Level::ERROR);
    assert_eq!(levels, [warn, warn, warn, warn, error], "{events:#?}");
    let warned: Vec<_> = events[..4].iter().map(|e| e.field("attempt")).collect();
    assert_eq!(warned, [Some("1"), Some("2"), Some("3"), Some("4")]);
    let last = &events[4];
    assert_eq!(
        last.message,
        "attempt 5 failed and the next could not start before the timeout of 5ms \
         (after 4ms, with 1ms to wait): returning its error"
    );
    assert_eq!(last.field("attempts"), Some("5"));
    assert_eq!(last.field("elapsed_ms"), Some("4.0"));
    assert_eq!(last.field("error"), Some("service unavailable (attempt 5)"));
}

#[test]
fn a_hint_past_the_deadline_is_one_error_event_and_no_warn() {
    // The error asks for 5 s with the whole 1 s left: no retry follows, so no WARN.
    let clock = steadfast::time::pause();
    CALLS.set(0);
    let (events, result) = recorded(throttled_past_the_deadline);
    assert_eq!(result, Err(Error::Unavailable(1)));
    assert_eq!((CALLS.get(), clock.elapsed()), (1, Duration::ZERO));
    assert_eq!(events.len(), 1, "{events:#?}");
    let error = &events[0];
    assert_eq!(error.level, Level::ERROR);
    assert_eq!(
        error.message,
        "attempt 1 failed and the next could not start before the timeout of 1s \
         (after 0ns, with 5s to wait): returning its error"
    );
    assert_eq!(error.field("attempts"), Some("1"));
    assert_eq!(error.field("elapsed_ms"), Some("0.0"));
    assert_eq!(
        error.field("error"),
        Some("service unavailable (attempt 1)")
    );
}

#[test]
fn a_first_attempt_success_is_silent() {
    CALLS.set(2);
    let (events, result) = recorded(third_time_lucky);
    assert_eq!(result, Ok("done"));
    assert!(events.is_empty(), "{events:#?}");
}

#[test]
fn events_happen_inside_the_callers_span() {
    CALLS.set(0);
    let (events, result) = recorded(|| {
        let span = tracing::info_span!("checkout", order = 42);
        let _entered = span.enter();
        always_down()
    });
    assert!(result.is_err());
    assert_eq!(events.len(), 2, "{events:#?}");
    for event in &events {
        assert_eq!(event.span.as_deref(), Some("checkout"), "{event:?}");
    }

    // And outside any span, in none.
    CALLS.set(0);
    let (events, _) = recorded(always_down);
    assert!(events.iter().all(|e| e.span.is_none()), "{events:#?}");
}

#[test]
fn errors_without_display_are_shown_by_debug_or_type_name() {
    CALLS.set(0);
    let (events, _) = recorded(debug_error);
    let shown: Vec<_> = events.iter().map(|e| e.field("error")).collect();
    assert_eq!(shown, [Some("OnlyDebug(1)"), Some("OnlyDebug(2)")]);

    CALLS.set(0);
    let (events, _) = recorded(opaque_error);
    assert_eq!(events.len(), 2);
    for event in &events {
        let shown = event.field("error").unwrap();
        assert!(shown.ends_with("Opaque"), "{shown}");
    }
}

#[test]
fn errors_are_shown_by_display_when_the_ok_type_is_impl_trait() {
    CALLS.set(0);
    let (events, result) = recorded(display_error_impl_trait_ok);
    assert!(result.is_err());
    let shown: Vec<_> = events.iter().map(|e| e.field("error")).collect();
    assert_eq!(
        shown,
        [
            Some("service unavailable (attempt 1)"),
            Some("service unavailable (attempt 2)")
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Async: the events of an instrumented future are in its span

#[retry(attempts = 3, delay = "100ms", backoff = "fixed", jitter = "none")]
async fn async_down(calls: &std::cell::Cell<u32>) -> Result<(), Error> {
    calls.set(calls.get() + 1);
    tokio::time::sleep(Duration::from_millis(1)).await;
    Err(Error::Unavailable(calls.get()))
}

#[tokio::test(start_paused = true)]
async fn async_events_are_inside_the_instrumented_span() {
    use tracing::Instrument;

    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let calls = std::cell::Cell::new(0);
    let result = async_down(&calls)
        .instrument(tracing::info_span!("sync_job"))
        .await;
    assert_eq!(result, Err(Error::Unavailable(3)));
    let events = recorder.events();
    let levels: Vec<Level> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::WARN, Level::WARN, Level::ERROR]);
    for event in &events {
        assert_eq!(event.span.as_deref(), Some("sync_job"), "{event:?}");
    }
    assert_eq!(events[1].field("delay_ms"), Some("100.0"));
}

// ---------------------------------------------------------------------------------------
// Async: a deadline that cuts an attempt in flight

#[retry(
    attempts = 3,
    delay = "100ms",
    backoff = "fixed",
    jitter = "none",
    timeout = "250ms"
)]
async fn async_slow(calls: &std::cell::Cell<u32>) -> Result<(), Error> {
    calls.set(calls.get() + 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    Err(Error::Unavailable(calls.get()))
}

#[tokio::test(start_paused = true)]
async fn a_deadline_that_cuts_an_async_attempt_is_an_error_event_with_the_timeout() {
    // Attempts of 100 ms at 0 and 200 ms: the second is cut by the 250 ms deadline. One
    // WARN for the retry that followed the first, then the `Timeout` as an ERROR.
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let calls = std::cell::Cell::new(0);
    let result = async_slow(&calls).await;
    let Err(Error::TimedOut(t)) = result else {
        panic!("expected a timeout, got {result:?}");
    };
    let ms = Duration::from_millis;
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (2, ms(250), ms(250))
    );
    assert_eq!(calls.get(), 2);
    let events = recorder.events();
    let levels: Vec<Level> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::WARN, Level::ERROR], "{events:#?}");
    assert_eq!(events[0].field("attempt"), Some("1"));
    let last = &events[1];
    assert_eq!(
        last.message,
        "the timeout of 250ms passed after 2 attempts (250ms)"
    );
    assert_eq!(last.message, t.to_string());
    assert_eq!(last.field("attempts"), Some("2"));
    assert_eq!(last.field("elapsed_ms"), Some("250.0"));
}

// ---------------------------------------------------------------------------------------
// Without a subscriber, nothing is printed

/// Set in the child process that `nothing_is_printed_without_a_subscriber` starts.
const CHILD: &str = "STEADFAST_RETRY_TRACING_CHILD";

#[test]
fn nothing_is_printed_without_a_subscriber() {
    if std::env::var_os(CHILD).is_some() {
        // The child: no subscriber anywhere in the process.
        CALLS.set(0);
        assert!(always_down().is_err());
        CALLS.set(0);
        assert!(third_time_lucky().is_ok());
        return;
    }
    // The parent: run this same test alone in a child process and read what it printed.
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "nothing_is_printed_without_a_subscriber",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child did not run: {stdout}"
    );
    for text in [&stdout, &stderr] {
        assert!(!text.contains("unavailable"), "printed: {text}");
        assert!(!text.contains("retrying"), "printed: {text}");
        assert!(!text.contains("WARN"), "printed: {text}");
        assert!(!text.contains("ERROR"), "printed: {text}");
    }
}

static REPORTED: steadfast::RetryBudget = steadfast::RetryBudget::new(2, 0.1);

#[retry(attempts = 5, backoff = "none", budget = REPORTED, attempt_number = n)]
fn budgeted() -> Result<(), Error> {
    Err(Error::Unavailable(n))
}

#[test]
fn a_denied_retry_is_a_warn_event_naming_the_attempt_and_its_error() {
    let (events, result) = recorded(budgeted);
    assert_eq!(result, Err(Error::Unavailable(2)));
    // Level 2 before the first failure allows a retry; 1 before the second does not.
    let seen: Vec<(Level, &str)> = events
        .iter()
        .map(|event| (event.level, event.message.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (Level::WARN, "attempt 1 of 5 failed; retrying in 0ns"),
            (
                Level::WARN,
                "attempt 2 failed and the retry budget denied a retry: returning its error"
            ),
        ]
    );
    assert_eq!(events[1].field("attempt"), Some("2"));
    assert_eq!(
        events[1].field("error"),
        Some("service unavailable (attempt 2)")
    );
    assert_eq!(REPORTED.tokens(), 0.0);
}
