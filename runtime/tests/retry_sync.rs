//! `Retry::run_with_clock` on a fake clock: attempts, hooks, `retry_after`, `timeout`, and
//! the order in which errors are dropped and sleeps happen; and `Retry::run` on the paused
//! thread clock of `steadfast_runtime::time`. Nothing here sleeps for real: time moves only
//! when the policy sleeps or an attempt says it took time.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use steadfast_runtime::retry::typestate::Deadlines;
use steadfast_runtime::retry::{BlockingClock, Clock, OnRetry, RetryAfter, When};
use steadfast_runtime::{Attempt, Backoff, Jitter, Retry, Timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------------------------------
// A fake clock and an event log, per thread (each test runs on its own thread)

thread_local! {
    static NOW: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    static LOG: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
    /// How late each sleep wakes, as a real sleep may (zero unless a test sets it).
    static OVERSHOOT: Cell<Duration> = const { Cell::new(Duration::ZERO) };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// Attempt `n` began.
    Began(u32, Duration),
    /// The policy slept `delay`, from `at`.
    Sleep {
        at: Duration,
        delay: Duration,
    },
    /// `on_retry` was called for attempt `n`.
    OnRetry(u32, Duration),
    /// The error of attempt `n` was dropped.
    ErrorDropped(u32, Duration),
    /// Attempt `n` opened / closed its resource.
    Open(u32),
    Close(u32),
}

fn now() -> Duration {
    NOW.get()
}

/// Time spent inside an attempt or a hook.
fn work(time: Duration) {
    NOW.set(NOW.get() + time);
}

fn record(event: Event) {
    LOG.with_borrow_mut(|log| log.push(event));
}

fn take_log() -> Vec<Event> {
    LOG.with_borrow_mut(std::mem::take)
}

fn sleeps() -> Vec<Duration> {
    take_log()
        .into_iter()
        .filter_map(|e| match e {
            Event::Sleep { delay, .. } => Some(delay),
            _ => None,
        })
        .collect()
}

fn attempt_starts(log: &[Event]) -> Vec<Duration> {
    log.iter()
        .filter_map(|e| match e {
            Event::Began(_, at) => Some(*at),
            _ => None,
        })
        .collect()
}

/// Time moves only when a retry sleeps (by its delay and the `OVERSHOOT`), or when a test
/// calls `work`.
struct FakeClock;

impl Clock for FakeClock {
    type Instant = Duration;
    fn now() -> Duration {
        NOW.get()
    }
    fn since(earlier: Duration) -> Duration {
        NOW.get() - earlier
    }
}

impl BlockingClock for FakeClock {
    fn sleep(delay: Duration) {
        record(Event::Sleep { at: now(), delay });
        work(delay + OVERSHOOT.get());
    }
}

// ---------------------------------------------------------------------------------------
// An error that logs when it is dropped

#[derive(Debug)]
enum Error {
    /// Retryable, from attempt `n`.
    Transient(u32),
    /// Not retryable (for the `when` below), from attempt `n`.
    Fatal(u32),
    /// Retryable, asking for a delay.
    Throttled(u32, Duration),
    /// Holds the resource attempt `n` opened: closing it is dropping the error.
    Broken(Resource),
    TimedOut(Timeout),
}

impl Error {
    fn attempt(&self) -> Option<u32> {
        match self {
            Error::Transient(n) | Error::Fatal(n) | Error::Throttled(n, _) => Some(*n),
            Error::Broken(resource) => Some(resource.0),
            Error::TimedOut(_) => None,
        }
    }

    fn timeout(&self) -> Timeout {
        match self {
            Error::TimedOut(t) => *t,
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}

impl Drop for Error {
    fn drop(&mut self) {
        if let Some(n) = self.attempt() {
            record(Event::ErrorDropped(n, now()));
        }
    }
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut(timeout)
    }
}

fn is_retryable(error: &Error) -> bool {
    !matches!(error, Error::Fatal(_))
}

fn hinted_delay(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(_, delay) => Some(*delay),
        _ => None,
    }
}

#[derive(Debug)]
struct Resource(u32);

impl Resource {
    fn open(n: u32) -> Self {
        record(Event::Open(n));
        Resource(n)
    }
}

impl Drop for Resource {
    fn drop(&mut self) {
        record(Event::Close(self.0));
    }
}

// ---------------------------------------------------------------------------------------
// Driving a policy

/// Runs `policy` on the fake clock from time zero with an empty log. `attempt(n)` is called
/// for attempt `n` (from 1), after `Event::Attempt` is logged.
fn run<T, W, O, A, L>(
    policy: &Retry<W, O, A, L>,
    mut attempt: impl FnMut(u32) -> Result<T, Error>,
) -> Result<T, Error>
where
    W: When<Error>,
    O: OnRetry<Error>,
    A: RetryAfter<Error>,
    L: Deadlines<Error>,
{
    NOW.set(Duration::ZERO);
    take_log();
    let mut n = 0;
    policy.run_with_clock::<FakeClock, _, _, _>(|| {
        n += 1;
        record(Event::Began(n, now()));
        attempt(n)
    })
}

/// Exponential from 100 ms, no jitter: sleeps of 100, 200, 400, 800 ms, …
const EXP: Retry = Retry::exp()
    .delay(Duration::from_millis(100))
    .jitter(Jitter::None);

// ---------------------------------------------------------------------------------------
// Attempts and results

#[test]
fn attempts_counts_calls_and_the_last_error_is_returned() {
    for attempts in 1..=6 {
        let policy = EXP.attempts(attempts);
        let mut calls = 0;
        let result: Result<(), _> = run(&policy, |n| {
            calls += 1;
            Err(Error::Transient(n))
        });
        assert_eq!(calls, attempts);
        let error = result.unwrap_err();
        assert_eq!(error.attempt(), Some(attempts), "{error:?}");
        assert_eq!(now(), policy.delays().sum(), "attempts = {attempts}");
        let log = take_log();
        // Every error but the returned one was dropped.
        let dropped = log
            .iter()
            .filter(|e| matches!(e, Event::ErrorDropped(..)))
            .count();
        assert_eq!(dropped, attempts as usize - 1);
        drop(error);
    }
}

#[test]
fn three_attempts_sleep_the_exact_schedule() {
    let result: Result<(), _> = run(&EXP.attempts(3), |n| Err(Error::Transient(n)));
    assert!(matches!(result, Err(Error::Transient(3))));
    assert_eq!(now(), ms(300));
    assert_eq!(sleeps(), [100, 200].map(ms));
}

#[test]
fn the_first_ok_is_returned_at_once() {
    let mut calls = 0;
    let result = run(&EXP.attempts(5), |n| {
        calls += 1;
        if n < 3 {
            Err(Error::Transient(n))
        } else {
            Ok(n * 10)
        }
    });
    assert_eq!(result.unwrap(), 30);
    assert_eq!(calls, 3);
    assert_eq!(sleeps(), [100, 200].map(ms));

    let result = run(&EXP.attempts(5), Ok::<_, Error>);
    assert_eq!(result.unwrap(), 1);
    assert_eq!(take_log(), [Event::Began(1, Duration::ZERO)]);
}

#[test]
fn attempts_zero_still_calls_once() {
    let mut calls = 0;
    let result: Result<(), _> = run(&EXP.attempts(0), |n| {
        calls += 1;
        Err(Error::Transient(n))
    });
    assert!(matches!(result, Err(Error::Transient(1))));
    assert_eq!(calls, 1);
    assert_eq!(now(), Duration::ZERO);
}

#[test]
fn backoff_none_retries_without_time_passing() {
    let policy = Retry::new().backoff(Backoff::None).attempts(4);
    let result: Result<(), _> = run(&policy, |n| Err(Error::Transient(n)));
    assert!(matches!(result, Err(Error::Transient(4))));
    assert_eq!(now(), Duration::ZERO);
}

#[test]
fn run_on_the_std_clock_retries_without_a_delay() {
    // `run` proper, on the real clock: with a zero delay it never sleeps.
    let mut calls = 0;
    let result: Result<u32, &str> = Retry::fixed().attempts(4).delay(Duration::ZERO).run(|| {
        calls += 1;
        if calls < 4 {
            Err("down")
        } else {
            Ok(calls)
        }
    });
    assert_eq!(result, Ok(4));
    let mut calls = 0;
    let result: Result<(), &str> = Retry::new().backoff(Backoff::None).run(|| {
        calls += 1;
        Err("down")
    });
    assert_eq!((result, calls), (Err("down"), 3));
}

// ---------------------------------------------------------------------------------------
// when

#[test]
fn an_error_when_rejects_returns_after_one_attempt() {
    let policy = EXP
        .attempts(5)
        .when(is_retryable)
        .on_retry(|a: &Attempt<'_, Error>| {
            record(Event::OnRetry(a.number(), now()));
        });
    let result: Result<(), _> = run(&policy, |n| Err(Error::Fatal(n)));
    assert!(matches!(result, Err(Error::Fatal(1))));
    assert_eq!(now(), Duration::ZERO);
    // No hook, no sleep, and the error was not dropped but returned.
    assert_eq!(take_log(), [Event::Began(1, Duration::ZERO)]);
}

#[test]
fn when_is_asked_about_every_error() {
    let asked = RefCell::new(Vec::new());
    let policy = EXP.attempts(5).when(|e: &Error| {
        asked.borrow_mut().push(e.attempt().unwrap());
        is_retryable(e)
    });
    let result: Result<(), _> = run(&policy, |n| {
        if n < 3 {
            Err(Error::Transient(n))
        } else {
            Err(Error::Fatal(n))
        }
    });
    assert!(matches!(result, Err(Error::Fatal(3))));
    assert_eq!(*asked.borrow(), [1, 2, 3]);
    assert_eq!(now(), ms(300));
}

#[test]
fn when_is_not_asked_about_success() {
    let policy = EXP.when(|_: &Error| -> bool { panic!("asked about an Ok") });
    assert_eq!(run(&policy, Ok::<_, Error>).unwrap(), 1);
}

// ---------------------------------------------------------------------------------------
// on_retry

#[derive(Debug, PartialEq, Eq)]
struct Seen {
    number: u32,
    max_attempts: u32,
    error_of: u32,
    next_delay: Duration,
    elapsed: Duration,
    now: Duration,
}

thread_local! {
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

fn see(a: &Attempt<'_, Error>) {
    let seen = Seen {
        number: a.number(),
        max_attempts: a.max_attempts(),
        error_of: a.error().attempt().unwrap(),
        next_delay: a.next_delay(),
        elapsed: a.elapsed(),
        now: now(),
    };
    SEEN.with_borrow_mut(|s| s.push(seen));
}

fn take_seen() -> Vec<Seen> {
    SEEN.with_borrow_mut(std::mem::take)
}

#[test]
fn on_retry_sees_every_failed_attempt_but_the_last() {
    let policy = EXP.attempts(4).on_retry(see);
    take_seen();
    // Each attempt takes 10 ms, so `elapsed` includes attempts as well as sleeps.
    let result: Result<(), _> = run(&policy, |n| {
        work(ms(10));
        Err(Error::Transient(n))
    });
    assert!(matches!(result, Err(Error::Transient(4))));
    let seen = take_seen();
    let expected = [(1, 100, 10), (2, 200, 120), (3, 400, 330)].map(|(n, delay, at)| Seen {
        number: n,
        max_attempts: 4,
        error_of: n,
        next_delay: ms(delay),
        elapsed: ms(at),
        now: ms(at),
    });
    assert_eq!(seen, expected);
    assert_eq!(now(), ms(740));
}

#[test]
fn on_retry_is_not_called_on_success_or_for_a_single_attempt() {
    take_seen();
    let result = run(&EXP.attempts(3).on_retry(see), Ok::<_, Error>);
    assert_eq!(result.unwrap(), 1);
    let result: Result<(), _> = run(&EXP.attempts(1).on_retry(see), |n| Err(Error::Transient(n)));
    assert!(result.is_err());
    assert_eq!(take_seen(), []);
}

#[test]
fn jittered_sleeps_follow_the_policys_own_schedule() {
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        let policy = Retry::exp()
            .attempts(8)
            .delay(ms(100))
            .jitter(jitter)
            .seed(1234)
            .on_retry(see);
        take_seen();
        let result: Result<(), _> = run(&policy, |n| Err(Error::Transient(n)));
        assert!(result.is_err());
        let schedule: Vec<Duration> = policy.delays().collect();
        let hooked: Vec<Duration> = take_seen().iter().map(|s| s.next_delay).collect();
        assert_eq!(hooked, schedule, "{jitter:?}");
        assert_eq!(sleeps(), schedule, "{jitter:?}");
        assert_eq!(now(), schedule.iter().sum(), "{jitter:?}");
    }
}

// ---------------------------------------------------------------------------------------
// retry_after

#[test]
fn retry_after_replaces_one_sleep_and_the_schedule_goes_on() {
    // Capped at 1 s, but a hint is not capped.
    let policy = EXP
        .attempts(4)
        .max_delay(ms(1_000))
        .retry_after(hinted_delay)
        .on_retry(see);
    take_seen();
    let result: Result<(), _> = run(&policy, |n| {
        if n == 2 {
            Err(Error::Throttled(n, ms(5_000)))
        } else {
            Err(Error::Transient(n))
        }
    });
    assert!(matches!(result, Err(Error::Transient(4))));
    assert_eq!(sleeps(), [100, 5_000, 400].map(ms));
    let hooked: Vec<_> = take_seen().iter().map(|s| s.next_delay).collect();
    assert_eq!(hooked, [100, 5_000, 400].map(ms));
    assert_eq!(now(), ms(5_500));
}

#[test]
fn retry_after_can_shorten_a_sleep_to_zero() {
    let policy = EXP
        .attempts(3)
        .retry_after(|_: &Error| Some(Duration::ZERO));
    let result: Result<(), _> = run(&policy, |n| Err(Error::Transient(n)));
    assert!(result.is_err());
    assert_eq!(sleeps(), [Duration::ZERO; 2]);
    assert_eq!(now(), Duration::ZERO);
}

// ---------------------------------------------------------------------------------------
// timeout
//
// When the next attempt could not start before the deadline (its delay, or a `retry_after`
// hint, reaches it), the call returns the failed attempt's own error at once: no sleep into
// the deadline, no `on_retry`. A `Timeout` comes only when no outcome is at hand: the
// deadline had passed when an attempt was about to start.

#[test]
fn the_last_error_is_returned_when_the_next_sleep_would_reach_the_deadline() {
    let policy = EXP.attempts(10).timeout(ms(1_000)).on_retry(see);
    take_seen();
    let result: Result<(), _> = run(&policy, |n| Err(Error::Transient(n)));
    // Attempts at 0, 100, 300 and 700 ms; the 800 ms sleep after the fourth would end past
    // the deadline, so it is not taken and the fourth attempt's error is returned at 700 ms.
    assert!(matches!(result, Err(Error::Transient(4))), "{result:?}");
    let log = take_log();
    assert_eq!(attempt_starts(&log), [0, 100, 300, 700].map(ms));
    let slept: Vec<_> = log
        .iter()
        .filter_map(|e| match e {
            Event::Sleep { delay, .. } => Some(*delay),
            _ => None,
        })
        .collect();
    assert_eq!(slept, [100, 200, 400].map(ms));
    assert_eq!(now(), ms(700));
    // `on_retry` announced the three retries that followed, not the one that did not.
    let announced: Vec<_> = take_seen()
        .iter()
        .map(|s| (s.number, s.next_delay))
        .collect();
    assert_eq!(announced, [(1, ms(100)), (2, ms(200)), (3, ms(400))]);
}

#[test]
fn run_keeps_the_same_deadline_on_the_paused_thread_clock() {
    // `run` proper reads the thread's clock (`steadfast_runtime::time`): paused, it sleeps
    // the schedule above in no time, and the deadline is exact.
    let clock = steadfast_runtime::time::pause();
    let mut starts = Vec::new();
    let result: Result<(), _> = EXP.attempts(10).timeout(ms(1_000)).run(|| {
        starts.push(clock.elapsed());
        Err(Error::Transient(starts.len() as u32))
    });
    assert!(matches!(result, Err(Error::Transient(4))), "{result:?}");
    assert_eq!(starts, [0, 100, 300, 700].map(ms));
    assert_eq!(clock.elapsed(), ms(700), "no sleep towards the deadline");
}

/// A fixed 100 ms delay under a 1 s timeout, with attempts that each take `each`.
fn fixed_delay_under_a_second(each: Duration) -> Result<(), Error> {
    let policy = Retry::fixed()
        .attempts(100)
        .delay(ms(100))
        .jitter(Jitter::None)
        .timeout(ms(1_000));
    run(&policy, |n| {
        work(each);
        Err(Error::Transient(n))
    })
}

#[test]
fn no_attempt_starts_at_the_deadline() {
    // Each attempt takes 150 ms and the delay is 100 ms: attempts at 0, 250, 500 and 750 ms.
    // After the fourth (at 900 ms) the next would start exactly at the deadline: it does not,
    // and the fourth attempt's error is returned then.
    let result = fixed_delay_under_a_second(ms(150));
    assert!(matches!(result, Err(Error::Transient(4))), "{result:?}");
    let log = take_log();
    assert_eq!(attempt_starts(&log), [0, 250, 500, 750].map(ms));
    assert_eq!(log.last(), Some(&Event::Began(4, ms(750))), "{log:?}");
    assert_eq!(now(), ms(900));
}

#[test]
fn a_sleep_that_ends_just_before_the_deadline_is_taken() {
    // The same with attempts of 149 ms: the fourth ends at 896 ms, and a 100 ms sleep ends
    // at 996 ms, before the deadline, so a fifth attempt runs.
    let result = fixed_delay_under_a_second(ms(149));
    assert!(matches!(result, Err(Error::Transient(5))), "{result:?}");
    assert_eq!(attempt_starts(&take_log()), [0, 249, 498, 747, 996].map(ms));
    assert_eq!(now(), ms(1_145));
}

#[test]
fn an_attempt_that_overruns_the_deadline_ends_the_call_with_its_error() {
    // A sync attempt cannot be interrupted: it runs 1.5 s past a 1 s timeout, and then
    // no sleep and no attempt follow; its own error is returned.
    let policy = EXP.attempts(5).timeout(ms(1_000)).on_retry(see);
    take_seen();
    let result: Result<(), _> = run(&policy, |n| {
        work(ms(1_500));
        Err(Error::Transient(n))
    });
    assert!(matches!(result, Err(Error::Transient(1))), "{result:?}");
    assert_eq!(now(), ms(1_500));
    assert_eq!(take_log(), [Event::Began(1, ms(0))]);
    assert_eq!(take_seen(), []);
}

#[test]
fn a_sleep_that_overshoots_the_deadline_gives_a_timeout() {
    // Attempts at 0 and 130 ms (the 100 ms sleep woke 30 ms late). The 200 ms sleep after
    // the second would end at 330 ms, before the 350 ms deadline, so it is taken; it wakes
    // at 360 ms, past the deadline. No third attempt starts, and the second's error was
    // dropped before the sleep: with no outcome at hand, the call returns a `Timeout`.
    OVERSHOOT.set(ms(30));
    let result: Result<(), _> = run(&EXP.attempts(10).timeout(ms(350)), |n| {
        Err(Error::Transient(n))
    });
    let t = result.unwrap_err().timeout();
    let log = take_log();
    assert_eq!(attempt_starts(&log), [0, 130].map(ms));
    assert_eq!(
        log.last(),
        Some(&Event::Sleep {
            at: ms(130),
            delay: ms(200)
        })
    );
    assert_eq!(now(), ms(360));
    assert!(!t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (2, ms(360), ms(350))
    );
}

#[test]
fn the_last_attempts_error_beats_the_deadline() {
    // The attempts run out before the deadline: the error, not a timeout.
    let policy = EXP.attempts(3).timeout(ms(1_000));
    let result: Result<(), _> = run(&policy, |n| Err(Error::Transient(n)));
    assert!(matches!(result, Err(Error::Transient(3))));
    assert_eq!(now(), ms(300));
    // Even when the last attempt ends past the deadline.
    let result: Result<(), _> = run(&EXP.attempts(1).timeout(ms(10)), |n| {
        work(ms(50));
        Err(Error::Transient(n))
    });
    assert!(matches!(result, Err(Error::Transient(1))));
}

#[test]
fn success_after_the_deadline_is_still_success() {
    let policy = EXP.attempts(3).timeout(ms(10));
    let result = run(&policy, |n| {
        work(ms(50));
        Ok::<_, Error>(n)
    });
    assert_eq!(result.unwrap(), 1);
}

#[test]
fn a_non_retryable_error_returns_at_once_despite_a_timeout() {
    let policy = EXP.attempts(5).timeout(ms(1_000)).when(is_retryable);
    let result: Result<(), _> = run(&policy, |n| {
        if n == 1 {
            Err(Error::Transient(n))
        } else {
            Err(Error::Fatal(n))
        }
    });
    assert!(matches!(result, Err(Error::Fatal(2))));
    assert_eq!(now(), ms(100));
}

#[test]
fn a_retry_after_hint_past_the_deadline_returns_the_servers_error_at_once() {
    let policy = EXP
        .attempts(5)
        .timeout(ms(1_000))
        .retry_after(hinted_delay)
        .on_retry(see);
    take_seen();
    let result: Result<(), _> = run(&policy, |n| {
        work(ms(50));
        Err(Error::Throttled(n, ms(60_000)))
    });
    // The server asks for a minute with 950 ms left: its answer is the call's, at 50 ms.
    assert!(
        matches!(result, Err(Error::Throttled(1, d)) if d == ms(60_000)),
        "{result:?}"
    );
    assert_eq!(sleeps(), []);
    assert_eq!(now(), ms(50), "no time passed after the attempt");
    // The retry that will not happen is not announced.
    assert_eq!(take_seen(), []);
}

#[test]
fn a_hint_that_fits_before_the_deadline_is_slept() {
    // Attempts of 10 ms. After the third (ending at 330 ms) the schedule's 400 ms would
    // reach the 700 ms deadline, but the error asks for 300 ms, which ends at 630 ms: a
    // fourth attempt runs.
    let policy = EXP
        .attempts(4)
        .timeout(ms(700))
        .retry_after(hinted_delay)
        .on_retry(see);
    take_seen();
    let result: Result<(), _> = run(&policy, |n| {
        work(ms(10));
        if n == 3 {
            Err(Error::Throttled(n, ms(300)))
        } else {
            Err(Error::Transient(n))
        }
    });
    assert!(matches!(result, Err(Error::Transient(4))), "{result:?}");
    assert_eq!(sleeps(), [100, 200, 300].map(ms));
    assert_eq!(now(), ms(640));
    let announced: Vec<_> = take_seen().iter().map(|s| s.next_delay).collect();
    assert_eq!(announced, [100, 200, 300].map(ms));
}

#[test]
fn a_zero_timeout_runs_no_attempt() {
    let mut calls = 0;
    let result: Result<(), _> = run(&EXP.timeout(Duration::ZERO), |n| {
        calls += 1;
        Err(Error::Transient(n))
    });
    let t = result.unwrap_err().timeout();
    assert_eq!(calls, 0);
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (0, Duration::ZERO, Duration::ZERO)
    );
}

#[test]
fn attempt_timeout_is_ignored_by_sync_run() {
    // `run` cannot interrupt a closure: attempts that take longer than `attempt_timeout`
    // are not turned into timeouts.
    let policy = EXP.attempts(3).attempt_timeout(ms(10));
    let result: Result<(), _> = run(&policy, |n| {
        work(ms(50));
        Err(Error::Transient(n))
    });
    assert!(matches!(result, Err(Error::Transient(3))));
    assert_eq!(now(), ms(450));
}

#[test]
fn timeout_with_attempt_timeout_still_bounds_a_sync_call() {
    // `attempt_timeout` is ignored, `timeout` is not: the 800 ms sleep after the fourth
    // attempt (at 700 ms) would reach it, so the fourth attempt's error is returned then.
    let policy = EXP.attempts(10).attempt_timeout(ms(10)).timeout(ms(1_000));
    let result: Result<(), _> = run(&policy, |n| {
        work(ms(50));
        Err(Error::Transient(n))
    });
    assert!(matches!(result, Err(Error::Transient(4))), "{result:?}");
    assert_eq!(attempt_starts(&take_log()), [0, 150, 400, 850].map(ms));
    assert_eq!(now(), ms(900));
}

// ---------------------------------------------------------------------------------------
// Order: hook, drop of the error, sleep, next attempt

#[test]
fn each_error_is_dropped_before_the_sleep_that_follows_it() {
    let policy = EXP
        .attempts(3)
        .on_retry(|a: &Attempt<'_, Error>| record(Event::OnRetry(a.number(), now())));
    let result: Result<(), _> = run(&policy, |n| Err(Error::Transient(n)));
    use Event::*;
    assert_eq!(
        take_log(),
        [
            Began(1, ms(0)),
            OnRetry(1, ms(0)),
            ErrorDropped(1, ms(0)),
            Sleep {
                at: ms(0),
                delay: ms(100)
            },
            Began(2, ms(100)),
            OnRetry(2, ms(100)),
            ErrorDropped(2, ms(100)),
            Sleep {
                at: ms(100),
                delay: ms(200)
            },
            Began(3, ms(300)),
        ]
    );
    // The last error is the caller's, dropped when the caller drops it.
    drop(result);
    assert_eq!(take_log(), [ErrorDropped(3, ms(300))]);
}

#[test]
fn the_error_the_deadline_returns_is_neither_dropped_nor_slept_on() {
    let policy = EXP
        .attempts(10)
        .timeout(ms(250))
        .on_retry(|a: &Attempt<'_, Error>| record(Event::OnRetry(a.number(), now())));
    let result: Result<(), _> = run(&policy, |n| Err(Error::Transient(n)));
    use Event::*;
    // The 200 ms sleep after the second attempt would reach the deadline: no hook, no
    // sleep, and the second error is the caller's.
    assert_eq!(
        take_log(),
        [
            Began(1, ms(0)),
            OnRetry(1, ms(0)),
            ErrorDropped(1, ms(0)),
            Sleep {
                at: ms(0),
                delay: ms(100)
            },
            Began(2, ms(100)),
        ]
    );
    assert!(matches!(result, Err(Error::Transient(2))), "{result:?}");
    drop(result);
    assert_eq!(take_log(), [ErrorDropped(2, ms(100))]);
}

#[test]
fn a_resource_opened_by_an_attempt_is_closed_before_the_next_attempt() {
    // One resource is a local of the attempt, the other travels in its error.
    let policy = EXP.attempts(4);
    let result: Result<(), _> = run(&policy, |n| {
        let _local = Resource::open(n);
        Err(Error::Broken(Resource::open(n + 100)))
    });
    drop(result);
    let log = take_log();
    let opens = log.iter().filter(|e| matches!(e, Event::Open(_))).count();
    let closes = log.iter().filter(|e| matches!(e, Event::Close(_))).count();
    assert_eq!((opens, closes), (8, 8));
    // Everything attempt n opened is closed before attempt n + 1 begins.
    let mut open = Vec::new();
    for event in &log {
        match *event {
            Event::Open(id) => open.push(id),
            Event::Close(id) => open.retain(|&o| o != id),
            Event::Began(n, _) => assert!(open.is_empty(), "attempt {n} began with {open:?} open"),
            Event::Sleep { .. } => assert!(open.is_empty(), "slept with {open:?} open"),
            _ => {}
        }
    }
}
