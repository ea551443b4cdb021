//! `#[retry]` on `async fn`, through the macro, on tokio's paused clock: exact schedules,
//! `max_delay`, `attempt_timeout`, `timeout`, the hooks, methods and trait impls,
//! `#[tokio::test]`, cancellation by drop with no task left behind, `Send`, and
//! per-attempt resources.
//!
//! Every test starts with the clock paused: sleeps end by auto-advance, instantly, and every
//! elapsed time is exact.

use std::cell::{Cell, RefCell};
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

fn is_transient(error: &Error) -> bool {
    matches!(error, Error::Transient(_))
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

// ---------------------------------------------------------------------------------------
// Schedules

#[retry(attempts = 4, delay = "100ms", backoff = "exp", jitter = "none")]
async fn exp_down(starts: &Starts) -> Result<(), Error> {
    Err(Error::Transient(starts.begin()))
}

#[tokio::test(start_paused = true)]
async fn exponential_schedule_is_exact() {
    let starts = Starts::new();
    assert_eq!(exp_down(&starts).await, Err(Error::Transient(4)));
    // Sleeps of 100, 200 and 400 ms.
    assert_eq!(starts.began(), [0, 100, 300, 700].map(ms));
    assert_eq!(starts.elapsed(), ms(700));
}

#[retry(attempts = 4, delay = "100ms", backoff = "linear", jitter = "none")]
async fn linear_down(starts: &Starts) -> Result<(), Error> {
    Err(Error::Transient(starts.begin()))
}

#[retry(attempts = 4, delay = "100ms", backoff = "fixed", jitter = "none")]
async fn fixed_down(starts: &Starts) -> Result<(), Error> {
    Err(Error::Transient(starts.begin()))
}

#[retry(attempts = 4, delay = "100ms", backoff = "none")]
async fn no_backoff_down(starts: &Starts) -> Result<(), Error> {
    Err(Error::Transient(starts.begin()))
}

#[tokio::test(start_paused = true)]
async fn linear_fixed_and_no_backoff_schedules_are_exact() {
    let starts = Starts::new();
    assert_eq!(linear_down(&starts).await, Err(Error::Transient(4)));
    assert_eq!(starts.began(), [0, 100, 300, 600].map(ms));
    assert_eq!(starts.elapsed(), ms(600));

    let starts = Starts::new();
    assert_eq!(fixed_down(&starts).await, Err(Error::Transient(4)));
    assert_eq!(starts.began(), [0, 100, 200, 300].map(ms));
    assert_eq!(starts.elapsed(), ms(300));

    let starts = Starts::new();
    assert_eq!(no_backoff_down(&starts).await, Err(Error::Transient(4)));
    assert_eq!(starts.began(), [0, 0, 0, 0].map(ms));
    assert_eq!(starts.elapsed(), Duration::ZERO);
}

#[retry(attempts = 6, delay = "100ms", max_delay = "250ms", jitter = "none")]
async fn capped_down(starts: &Starts) -> Result<(), Error> {
    Err(Error::Transient(starts.begin()))
}

#[tokio::test(start_paused = true)]
async fn max_delay_caps_each_sleep() {
    let starts = Starts::new();
    assert_eq!(capped_down(&starts).await, Err(Error::Transient(6)));
    // 100, 200, then 400 and 800 capped to 250.
    assert_eq!(starts.began(), [0, 100, 300, 550, 800, 1_050].map(ms));
    assert_eq!(starts.elapsed(), ms(1_050));
}

#[retry(attempts = 5, delay = "100ms", jitter = "none")]
async fn up_at_third(starts: &Starts) -> Result<u32, Error> {
    let n = starts.begin();
    sleep(ms(5)).await; // each attempt takes 5 ms
    if n < 3 {
        Err(Error::Transient(n))
    } else {
        Ok(n)
    }
}

#[tokio::test(start_paused = true)]
async fn the_first_ok_is_returned_at_once() {
    let starts = Starts::new();
    assert_eq!(up_at_third(&starts).await, Ok(3));
    assert_eq!(starts.began(), [0, 105, 310].map(ms));
    assert_eq!(starts.elapsed(), ms(315));
}

// ---------------------------------------------------------------------------------------
// attempt_timeout and timeout

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

#[retry(attempts = 3, delay = "100ms", jitter = "none", attempt_timeout = "500ms", on_retry = see)]
async fn hangs_once(
    starts: &Starts,
    dropped_at: &Arc<Mutex<Vec<Duration>>>,
    hung: u32,
) -> Result<u32, Error> {
    let n = starts.begin();
    if n <= hung {
        hang(DropGuard {
            start: starts.start,
            dropped_at: Arc::clone(dropped_at),
        })
        .await;
    }
    sleep(ms(20)).await;
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_cancels_a_hung_attempt_and_the_next_succeeds() {
    take_seen();
    let starts = Starts::new();
    let dropped_at = Arc::default();
    assert_eq!(hangs_once(&starts, &dropped_at, 1).await, Ok(2));
    assert_eq!(drops(&dropped_at), [ms(500)]);
    assert_eq!(starts.began(), [0, 600].map(ms));
    assert_eq!(starts.elapsed(), ms(620));
    let seen = take_seen();
    assert_eq!(seen.len(), 1);
    let (number, max, error, next_delay, elapsed) = seen[0];
    assert_eq!((number, max, next_delay, elapsed), (1, 3, ms(100), ms(500)));
    let t = error.timeout();
    assert!(t.is_attempt_timeout());
    assert_eq!((t.attempts(), t.limit()), (1, ms(500)));
}

#[tokio::test(start_paused = true)]
async fn when_every_attempt_hangs_the_last_attempt_timeout_is_returned() {
    take_seen();
    let starts = Starts::new();
    let dropped_at = Arc::default();
    let t = hangs_once(&starts, &dropped_at, 3)
        .await
        .unwrap_err()
        .timeout();
    assert!(t.is_attempt_timeout());
    assert_eq!((t.attempts(), t.limit()), (3, ms(500)));
    // 500 hung, 100 asleep, 500 hung, 200 asleep, 500 hung.
    assert_eq!(drops(&dropped_at), [500, 1_100, 1_800].map(ms));
    assert_eq!(starts.elapsed(), ms(1_800));
    assert_eq!(take_seen().len(), 2);
}

#[retry(attempts = 10, delay = "100ms", jitter = "none", timeout = "1s")]
async fn down_with_timeout(starts: &Starts) -> Result<(), Error> {
    Err(Error::Transient(starts.begin()))
}

#[tokio::test(start_paused = true)]
async fn timeout_ends_the_call_at_exactly_the_deadline() {
    let starts = Starts::new();
    let t = down_with_timeout(&starts).await.unwrap_err().timeout();
    // Attempts at 0, 100, 300, 700; the sleep to 1 500 is cut to end at 1 000.
    assert_eq!(starts.began(), [0, 100, 300, 700].map(ms));
    assert_eq!(starts.elapsed(), ms(1_000));
    assert!(!t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (4, ms(1_000), ms(1_000))
    );
}

#[retry(attempts = 5, delay = "100ms", jitter = "none", timeout = "1s", when = is_transient)]
async fn second_attempt_hangs(
    starts: &Starts,
    dropped_at: &Arc<Mutex<Vec<Duration>>>,
) -> Result<(), Error> {
    let n = starts.begin();
    if n == 2 {
        hang(DropGuard {
            start: starts.start,
            dropped_at: Arc::clone(dropped_at),
        })
        .await;
    }
    Err(Error::Transient(n))
}

#[tokio::test(start_paused = true)]
async fn timeout_drops_the_attempt_in_flight_at_the_deadline() {
    let starts = Starts::new();
    let dropped_at = Arc::default();
    let t = second_attempt_hangs(&starts, &dropped_at)
        .await
        .unwrap_err()
        .timeout();
    assert_eq!(drops(&dropped_at), [ms(1_000)]);
    assert_eq!(starts.elapsed(), ms(1_000));
    assert_eq!(starts.began(), [0, 100].map(ms));
    assert!(!t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (2, ms(1_000), ms(1_000))
    );
}

#[retry(attempts = 3, timeout = "1s", attempt_timeout = "200ms")]
async fn quick(starts: &Starts) -> Result<u32, Error> {
    sleep(ms(199)).await;
    Ok(starts.begin())
}

#[tokio::test(start_paused = true)]
async fn an_attempt_within_its_limits_is_not_disturbed() {
    let starts = Starts::new();
    assert_eq!(quick(&starts).await, Ok(1));
    assert_eq!(starts.elapsed(), ms(199));
}

// ---------------------------------------------------------------------------------------
// Hooks

#[retry(attempts = 4, delay = "100ms", jitter = "none", on_retry = see)]
async fn slow_down(starts: &Starts) -> Result<(), Error> {
    let n = starts.begin();
    sleep(ms(10)).await;
    Err(Error::Transient(n))
}

#[tokio::test(start_paused = true)]
async fn on_retry_sees_numbers_errors_delays_and_elapsed_time() {
    take_seen();
    let starts = Starts::new();
    assert_eq!(slow_down(&starts).await, Err(Error::Transient(4)));
    assert_eq!(
        take_seen(),
        [
            (1, 4, Error::Transient(1), ms(100), ms(10)),
            (2, 4, Error::Transient(2), ms(200), ms(120)),
            (3, 4, Error::Transient(3), ms(400), ms(330)),
        ]
    );
    assert_eq!(starts.elapsed(), ms(740));
}

#[retry(attempts = 5, delay = "100ms", jitter = "none", when = is_transient, on_retry = see)]
async fn when_path(starts: &Starts, fatal_at: u32) -> Result<(), Error> {
    let n = starts.begin();
    Err(if n < fatal_at {
        Error::Transient(n)
    } else {
        Error::Fatal(n)
    })
}

#[retry(attempts = 5, delay = "100ms", jitter = "none", when = |e| !matches!(e, Error::Fatal(_)))]
async fn when_closure(starts: &Starts, fatal_at: u32) -> Result<(), Error> {
    let n = starts.begin();
    Err(if n < fatal_at {
        Error::Transient(n)
    } else {
        Error::Fatal(n)
    })
}

#[tokio::test(start_paused = true)]
async fn when_returns_a_non_retryable_error_at_once() {
    take_seen();
    let starts = Starts::new();
    assert_eq!(when_path(&starts, 1).await, Err(Error::Fatal(1)));
    assert_eq!(starts.elapsed(), Duration::ZERO);
    assert_eq!(take_seen(), []);

    let starts = Starts::new();
    assert_eq!(when_path(&starts, 3).await, Err(Error::Fatal(3)));
    assert_eq!(starts.began(), [0, 100, 300].map(ms));
    assert_eq!(take_seen().len(), 2);

    let starts = Starts::new();
    assert_eq!(when_closure(&starts, 2).await, Err(Error::Fatal(2)));
    assert_eq!(starts.began(), [0, 100].map(ms));
    assert_eq!(starts.elapsed(), ms(100));
}

fn server_hint(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(_, wait) => Some(*wait),
        _ => None,
    }
}

#[retry(attempts = 4, delay = "100ms", max_delay = "1s", jitter = "none", retry_after = server_hint)]
async fn throttled_at_second(starts: &Starts) -> Result<(), Error> {
    let n = starts.begin();
    Err(if n == 2 {
        Error::Throttled(n, ms(3_000))
    } else {
        Error::Transient(n)
    })
}

#[retry(
    attempts = 3,
    delay = "100ms",
    jitter = "none",
    timeout = "2s",
    retry_after = |e| match e { Error::Throttled(_, wait) => Some(*wait), _ => None }
)]
async fn throttled_past_the_deadline(starts: &Starts) -> Result<(), Error> {
    let n = starts.begin();
    Err(Error::Throttled(n, ms(5_000)))
}

#[tokio::test(start_paused = true)]
async fn retry_after_replaces_one_sleep_and_timeout_still_bounds_it() {
    let starts = Starts::new();
    assert_eq!(throttled_at_second(&starts).await, Err(Error::Transient(4)));
    // 100 from the schedule, 3 000 from the hint (past `max_delay`), then 400.
    assert_eq!(starts.began(), [0, 100, 3_100, 3_500].map(ms));

    let starts = Starts::new();
    let t = throttled_past_the_deadline(&starts)
        .await
        .unwrap_err()
        .timeout();
    assert_eq!(starts.began(), [Duration::ZERO]);
    assert_eq!(starts.elapsed(), ms(2_000));
    assert_eq!((t.attempts(), t.elapsed()), (1, ms(2_000)));
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
async fn dropping_the_future_mid_sleep_cancels_the_retries() {
    let starts = Starts::new();
    let dropped_at = Arc::default();
    // Attempts at 0 and 100 ms; at 150 ms the call sleeps until 300 ms.
    let outcome = tokio::time::timeout(ms(150), may_hang(&starts, &dropped_at, 0)).await;
    assert!(outcome.is_err(), "the call finished: {outcome:?}");
    assert_eq!(starts.elapsed(), ms(150));
    assert_eq!(alive_tasks(), 0);
    sleep(Duration::from_secs(60)).await;
    assert_eq!(
        starts.began(),
        [0, 100].map(ms),
        "an attempt ran after the drop"
    );
    assert_eq!(alive_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_mid_attempt_drops_the_attempt() {
    let starts = Starts::new();
    let dropped_at = Arc::default();
    let outcome = tokio::time::timeout(ms(250), may_hang(&starts, &dropped_at, 2)).await;
    assert!(outcome.is_err());
    assert_eq!(drops(&dropped_at), [ms(250)]);
    assert_eq!(alive_tasks(), 0);
    sleep(Duration::from_secs(60)).await;
    assert_eq!(starts.began(), [0, 100].map(ms));
}

#[tokio::test(start_paused = true)]
async fn losing_a_select_cancels_the_call() {
    let starts = Starts::new();
    let dropped_at = Arc::default();
    tokio::select! {
        _ = may_hang(&starts, &dropped_at, 3) => panic!("the retried call finished"),
        _ = sleep(ms(400)) => {}
    }
    assert_eq!(drops(&dropped_at), [ms(400)]);
    assert_eq!(alive_tasks(), 0);
}

/// Owned arguments only, so that it can be spawned.
#[retry(attempts = 5, delay = "100ms", jitter = "none", timeout = "60s")]
async fn spawned_call(
    calls: Arc<AtomicU32>,
    hang_at: u32,
    start: Instant,
    dropped_at: Arc<Mutex<Vec<Duration>>>,
) -> Result<(), Error> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if n == hang_at {
        hang(DropGuard { start, dropped_at }).await;
    }
    Err(Error::Transient(n))
}

#[tokio::test(start_paused = true)]
async fn aborting_a_task_mid_attempt_leaves_no_task() {
    let start = Instant::now();
    let calls = Arc::new(AtomicU32::new(0));
    let dropped_at = Arc::default();
    assert_eq!(alive_tasks(), 0);
    let task = tokio::spawn(spawned_call(
        Arc::clone(&calls),
        2,
        start,
        Arc::clone(&dropped_at),
    ));
    sleep(ms(500)).await;
    assert_eq!(alive_tasks(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(alive_tasks(), 0);
    assert_eq!(drops(&dropped_at), [ms(500)]);
    sleep(Duration::from_secs(120)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn aborting_a_task_mid_sleep_leaves_no_task() {
    let start = Instant::now();
    let calls = Arc::new(AtomicU32::new(0));
    let dropped_at = Arc::default();
    let task = tokio::spawn(spawned_call(
        Arc::clone(&calls),
        0,
        start,
        Arc::clone(&dropped_at),
    ));
    // Attempts at 0, 100 and 300 ms; at 500 ms it sleeps until 700 ms.
    sleep(ms(500)).await;
    assert_eq!(alive_tasks(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(alive_tasks(), 0);
    sleep(Duration::from_secs(120)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(drops(&dropped_at), []);
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_spawns_no_task() {
    let calls = Arc::new(AtomicU32::new(0));
    let probe = tokio::spawn(async {}); // the metric counts spawned tasks
    assert_eq!(alive_tasks(), 1);
    probe.await.unwrap();
    assert_eq!(alive_tasks(), 0);
    let call = spawned_call(Arc::clone(&calls), 0, Instant::now(), Arc::default());
    let watched = async {
        let mut call = std::pin::pin!(call);
        loop {
            tokio::select! {
                result = &mut call => break result,
                _ = sleep(ms(10)) => assert_eq!(alive_tasks(), 0),
            }
        }
    };
    assert!(watched.await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 5);
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

#[tokio::test]
async fn async_bodies_coerce_to_the_return_type() {
    {
        let calls = Cell::new(0);
        assert_eq!(coercions::boxed_error(&calls).await.unwrap(), 2);
        assert_eq!(coercions::deref_coercion(&vec![1, 2]).await.unwrap(), [2]);
    }
}
