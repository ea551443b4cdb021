//! `Retry::run_async` on tokio's paused clock: the exact schedule, `attempt_timeout`,
//! `timeout`, the hooks, cancellation by drop, no task left behind, and `Send`.
//!
//! Every test starts with the clock paused, so sleeps take no real time and every elapsed
//! time is exact.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::time::Instant;

use steadfast_runtime::retry::typestate::Deadlines;
use steadfast_runtime::retry::{OnRetry, RetryAfter, When};
use steadfast_runtime::{Attempt, Backoff, Jitter, Retry, Timeout};

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

/// Exponential from 100 ms, no jitter: sleeps of 100, 200, 400, 800 ms, …
const EXP: Retry = Retry::exp()
    .delay(Duration::from_millis(100))
    .jitter(Jitter::None);

/// The outcome of attempt `n` of an operation that is down until attempt `ok_at`.
fn ok_from(ok_at: u32, n: u32) -> Result<u32, Error> {
    if n < ok_at {
        Err(Error::Transient(n))
    } else {
        Ok(n)
    }
}

/// The delay a throttled error asks for.
fn server_hint(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(_, wait) => Some(*wait),
        _ => None,
    }
}

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

/// An attempt that never finishes, and records when it is dropped.
fn hang(start: Instant, dropped_at: &Arc<Mutex<Vec<Duration>>>) -> impl Future<Output = ()> {
    let guard = DropGuard {
        start,
        dropped_at: Arc::clone(dropped_at),
    };
    async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }
}

fn drops(dropped_at: &Arc<Mutex<Vec<Duration>>>) -> Vec<Duration> {
    dropped_at.lock().unwrap().clone()
}

/// Runs `policy` with attempts that all hang, so that only its limits end them: returns
/// the call's `Timeout` and when, after the call began, each attempt was dropped.
async fn when_every_attempt_hangs<W, O, A, L>(
    policy: &Retry<W, O, A, L>,
) -> (Timeout, Vec<Duration>)
where
    W: When<Error>,
    O: OnRetry<Error>,
    A: RetryAfter<Error>,
    L: Deadlines<Error>,
{
    let start = Instant::now();
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let result: Result<(), Error> = policy
        .run_async(|| {
            let hung = hang(start, &dropped_at);
            async move {
                hung.await;
                Ok(())
            }
        })
        .await;
    (result.unwrap_err().timeout(), drops(&dropped_at))
}

fn assert_send<T: Send>(_: &T) {}

// ---------------------------------------------------------------------------------------
// The schedule

/// Runs `policy` with attempts that always fail at once, and returns when each began. The
/// call ends as the last attempt does: with its error, at the moment it began.
async fn starts_of_a_failing_call(policy: Retry) -> Vec<Duration> {
    let start = Instant::now();
    let began = RefCell::new(Vec::new());
    let result: Result<(), Error> = policy
        .run_async(|| {
            began.borrow_mut().push(start.elapsed());
            let n = began.borrow().len() as u32;
            async move { Err(Error::Transient(n)) }
        })
        .await;
    let began = began.into_inner();
    assert_eq!(result, Err(Error::Transient(began.len() as u32)));
    assert_eq!(Some(&start.elapsed()), began.last());
    began
}

#[tokio::test(start_paused = true)]
async fn four_attempts_take_exactly_the_schedule() {
    let began = starts_of_a_failing_call(EXP.attempts(4)).await;
    assert_eq!(began, [0, 100, 300, 700].map(ms));
}

#[tokio::test(start_paused = true)]
async fn linear_fixed_and_no_backoff_schedules_are_exact() {
    let linear = Retry::linear().delay(ms(100)).jitter(Jitter::None);
    let began = starts_of_a_failing_call(linear.attempts(4)).await;
    assert_eq!(began, [0, 100, 300, 600].map(ms));

    let fixed = Retry::fixed().delay(ms(100)).jitter(Jitter::None);
    let began = starts_of_a_failing_call(fixed.attempts(4)).await;
    assert_eq!(began, [0, 100, 200, 300].map(ms));

    let none = Retry::new().backoff(Backoff::None).delay(ms(100));
    let began = starts_of_a_failing_call(none.attempts(4)).await;
    assert_eq!(began, [Duration::ZERO; 4]);
}

#[tokio::test(start_paused = true)]
async fn max_delay_caps_each_sleep() {
    // 100, 200, then 400, 800 and 1 600 capped to 250.
    let began = starts_of_a_failing_call(EXP.attempts(6).max_delay(ms(250))).await;
    assert_eq!(began, [0, 100, 300, 550, 800, 1_050].map(ms));
}

#[tokio::test(start_paused = true)]
async fn the_first_ok_is_returned_at_once() {
    let start = Instant::now();
    let calls = Cell::new(0);
    let result = EXP
        .attempts(5)
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move { ok_from(3, n) }
        })
        .await;
    assert_eq!(result, Ok(3));
    assert_eq!(calls.get(), 3);
    assert_eq!(start.elapsed(), ms(300));

    let start = Instant::now();
    let result = EXP.run_async(|| async { Ok::<_, Error>("first") }).await;
    assert_eq!(result, Ok("first"));
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn jittered_sleeps_follow_the_policys_own_schedule() {
    let policy = Retry::exp()
        .attempts(6)
        .delay(ms(100))
        .jitter(Jitter::Decorrelated)
        .seed(77);
    let start = Instant::now();
    let result: Result<(), Error> = policy
        .run_async(|| async { Err(Error::Transient(0)) })
        .await;
    assert!(result.is_err());
    // tokio's timer has millisecond resolution: each of the 5 sleeps ends on the next
    // whole millisecond, up to 1 ms late.
    let total: Duration = policy.delays().sum();
    let slack = ms(1) * policy.delays().len() as u32;
    assert!(
        start.elapsed() >= total && start.elapsed() <= total + slack,
        "{:?} vs {total:?}",
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// attempt_timeout

#[tokio::test(start_paused = true)]
async fn attempt_timeout_cancels_a_hung_attempt_and_the_next_one_runs() {
    let start = Instant::now();
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let seen = RefCell::new(Vec::new());
    let calls = Cell::new(0);
    let policy = EXP
        .attempts(3)
        .attempt_timeout(ms(500))
        .on_retry(|a: &Attempt<'_, Error>| {
            seen.borrow_mut()
                .push((a.number(), *a.error(), a.next_delay(), a.elapsed()));
        });
    let result = policy
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            let hung = (n == 1).then(|| hang(start, &dropped_at));
            async move {
                if let Some(hung) = hung {
                    hung.await;
                }
                Ok::<_, Error>(n)
            }
        })
        .await;
    assert_eq!(result, Ok(2));
    assert_eq!(start.elapsed(), ms(500 + 100));
    assert_eq!(drops(&dropped_at), [ms(500)]);
    let seen = seen.into_inner();
    assert_eq!(seen.len(), 1);
    let (number, error, next_delay, elapsed) = seen[0];
    assert_eq!((number, next_delay, elapsed), (1, ms(100), ms(500)));
    let t = error.timeout();
    assert!(t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.limit(), t.elapsed()),
        (1, ms(500), ms(500))
    );
}

#[tokio::test(start_paused = true)]
async fn an_attempt_timeout_is_retried_whatever_when_says() {
    let start = Instant::now();
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let calls = Cell::new(0);
    let policy = EXP
        .attempts(3)
        .attempt_timeout(ms(50))
        .when(|_: &Error| false);
    let result = policy
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            let hung = (n < 3).then(|| hang(start, &dropped_at));
            async move {
                if let Some(hung) = hung {
                    hung.await;
                }
                Ok::<_, Error>(n)
            }
        })
        .await;
    assert_eq!(result, Ok(3));
    assert_eq!(drops(&dropped_at), [ms(50), ms(200)]);
    assert_eq!(start.elapsed(), ms(50 + 100 + 50 + 200));
}

#[tokio::test(start_paused = true)]
async fn when_every_attempt_times_out_the_last_timeout_is_returned() {
    let start = Instant::now();
    let (t, dropped) = when_every_attempt_hangs(&EXP.attempts(2).attempt_timeout(ms(500))).await;
    assert!(t.is_attempt_timeout());
    assert_eq!((t.attempts(), t.limit()), (2, ms(500)));
    assert_eq!(start.elapsed(), ms(1_100));
    assert_eq!(dropped, [ms(500), ms(1_100)]);
}

#[tokio::test(start_paused = true)]
async fn an_attempt_within_its_limits_is_not_disturbed() {
    let within_the_attempt_limit = EXP.attempt_timeout(ms(500));
    let within_both_limits = EXP.timeout(ms(1_000)).attempt_timeout(ms(200));
    for (policy, work) in [
        (within_the_attempt_limit, ms(499)),
        (within_both_limits, ms(199)),
    ] {
        let start = Instant::now();
        let result = policy
            .run_async(|| async move {
                tokio::time::sleep(work).await;
                Ok::<_, Error>(1)
            })
            .await;
        assert_eq!(result, Ok(1));
        assert_eq!(start.elapsed(), work);
    }
}

// ---------------------------------------------------------------------------------------
// timeout

#[tokio::test(start_paused = true)]
async fn timeout_drops_the_attempt_in_flight_at_the_deadline() {
    let start = Instant::now();
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let calls = Cell::new(0);
    let result: Result<(), Error> = EXP
        .attempts(5)
        .timeout(ms(1_000))
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            let hung = (n == 2).then(|| hang(start, &dropped_at));
            async move {
                if let Some(hung) = hung {
                    hung.await;
                }
                Err(Error::Transient(n))
            }
        })
        .await;
    let t = result.unwrap_err().timeout();
    assert_eq!(start.elapsed(), ms(1_000));
    assert_eq!(drops(&dropped_at), [ms(1_000)]);
    assert_eq!(calls.get(), 2);
    assert!(!t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (2, ms(1_000), ms(1_000))
    );
}

#[tokio::test(start_paused = true)]
async fn the_last_error_is_returned_when_the_next_sleep_would_reach_the_deadline() {
    let start = Instant::now();
    let began = RefCell::new(Vec::new());
    let announced = RefCell::new(Vec::new());
    let result: Result<(), Error> = EXP
        .attempts(10)
        .timeout(ms(1_000))
        .on_retry(|a: &Attempt<'_, Error>| announced.borrow_mut().push(a.number()))
        .run_async(|| {
            began.borrow_mut().push(start.elapsed());
            let n = began.borrow().len() as u32;
            async move { Err(Error::Transient(n)) }
        })
        .await;
    // Attempts at 0, 100, 300 and 700 ms; the 800 ms sleep after the fourth would end past
    // the deadline: the fourth attempt's error is returned at once, at 700 ms.
    assert_eq!(result, Err(Error::Transient(4)));
    assert_eq!(*began.borrow(), [0, 100, 300, 700].map(ms));
    assert_eq!(start.elapsed(), ms(700));
    assert_eq!(announced.into_inner(), [1, 2, 3]);
}

#[tokio::test(start_paused = true)]
async fn a_deadline_that_cuts_an_attempt_in_flight_gives_a_timeout() {
    // Attempts of 300 ms at 0, 400 and 900 ms (sleeps of 100 and 200 ms): the third is
    // still running at the 1 s deadline, which drops it. Its error never came, so the call
    // returns a `Timeout`, at the deadline exactly.
    let start = Instant::now();
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let began = RefCell::new(Vec::new());
    let announced = RefCell::new(Vec::new());
    let result: Result<(), Error> = EXP
        .attempts(10)
        .timeout(ms(1_000))
        .on_retry(|a: &Attempt<'_, Error>| announced.borrow_mut().push(a.number()))
        .run_async(|| {
            began.borrow_mut().push(start.elapsed());
            let n = began.borrow().len() as u32;
            let guard = DropGuard {
                start,
                dropped_at: Arc::clone(&dropped_at),
            };
            async move {
                let _guard = guard;
                tokio::time::sleep(ms(300)).await;
                Err(Error::Transient(n))
            }
        })
        .await;
    let t = result.unwrap_err().timeout();
    assert!(!t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (3, ms(1_000), ms(1_000))
    );
    assert_eq!(*began.borrow(), [0, 400, 900].map(ms));
    assert_eq!(drops(&dropped_at), [300, 700, 1_000].map(ms));
    assert_eq!(start.elapsed(), ms(1_000));
    assert_eq!(announced.into_inner(), [1, 2]);
}

#[tokio::test(start_paused = true)]
async fn the_call_deadline_wins_over_a_longer_attempt_timeout() {
    // Attempts hang; attempt_timeout 400 ms, delay 50 ms, timeout 1 s: attempts at 0 and
    // 450 ms time out on their own, the one at 900 ms is cut by the call's deadline.
    let start = Instant::now();
    let policy = Retry::fixed()
        .attempts(10)
        .delay(ms(50))
        .jitter(Jitter::None)
        .attempt_timeout(ms(400))
        .timeout(ms(1_000));
    let (t, dropped) = when_every_attempt_hangs(&policy).await;
    assert!(!t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (3, ms(1_000), ms(1_000))
    );
    assert_eq!(dropped, [400, 850, 1_000].map(ms));
    assert_eq!(start.elapsed(), ms(1_000));
}

#[tokio::test(start_paused = true)]
async fn a_non_retryable_error_returns_at_once_despite_a_timeout() {
    let start = Instant::now();
    let calls = Cell::new(0);
    let result: Result<(), Error> = EXP
        .attempts(5)
        .timeout(ms(1_000))
        .when(|e: &Error| !matches!(e, Error::Fatal(_)))
        .run_async(|| {
            calls.set(calls.get() + 1);
            async { Err(Error::Fatal(1)) }
        })
        .await;
    assert_eq!(result, Err(Error::Fatal(1)));
    assert_eq!(calls.get(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// ---------------------------------------------------------------------------------------
// Hooks

#[tokio::test(start_paused = true)]
async fn when_rejecting_returns_after_one_attempt() {
    let start = Instant::now();
    let calls = Cell::new(0);
    let hooked = Cell::new(0);
    let result: Result<(), Error> = EXP
        .attempts(5)
        .when(|e: &Error| matches!(e, Error::Transient(_)))
        .on_retry(|_: &Attempt<'_, Error>| hooked.set(hooked.get() + 1))
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err(Error::Transient(n))
                } else {
                    Err(Error::Fatal(n))
                }
            }
        })
        .await;
    assert_eq!(result, Err(Error::Fatal(3)));
    assert_eq!((calls.get(), hooked.get()), (3, 2));
    assert_eq!(start.elapsed(), ms(300));
}

#[tokio::test(start_paused = true)]
async fn on_retry_sees_numbers_errors_delays_and_elapsed_time() {
    let start = Instant::now();
    let seen = RefCell::new(Vec::new());
    let calls = Cell::new(0);
    let result: Result<(), Error> = EXP
        .attempts(4)
        .on_retry(|a: &Attempt<'_, Error>| {
            seen.borrow_mut().push((
                a.number(),
                a.max_attempts(),
                *a.error(),
                a.next_delay(),
                a.elapsed(),
            ));
            assert_eq!(a.elapsed(), start.elapsed());
        })
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                tokio::time::sleep(ms(10)).await;
                Err(Error::Transient(n))
            }
        })
        .await;
    assert_eq!(result, Err(Error::Transient(4)));
    assert_eq!(
        seen.into_inner(),
        [
            (1, 4, Error::Transient(1), ms(100), ms(10)),
            (2, 4, Error::Transient(2), ms(200), ms(120)),
            (3, 4, Error::Transient(3), ms(400), ms(330)),
        ]
    );
    assert_eq!(start.elapsed(), ms(740));
}

#[tokio::test(start_paused = true)]
async fn retry_after_replaces_one_sleep() {
    let start = Instant::now();
    let began = RefCell::new(Vec::new());
    // Capped at 1 s, but a hint is not capped.
    let result: Result<(), Error> = EXP
        .attempts(4)
        .max_delay(ms(1_000))
        .retry_after(server_hint)
        .run_async(|| {
            began.borrow_mut().push(start.elapsed());
            let n = began.borrow().len() as u32;
            async move {
                if n == 2 {
                    Err(Error::Throttled(n, ms(3_000)))
                } else {
                    Err(Error::Transient(n))
                }
            }
        })
        .await;
    assert_eq!(result, Err(Error::Transient(4)));
    assert_eq!(*began.borrow(), [0, 100, 3_100, 3_500].map(ms));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_hint_past_the_deadline_returns_the_servers_error_at_once() {
    let start = Instant::now();
    let calls = Cell::new(0);
    let announced = Cell::new(0);
    let result: Result<(), Error> = EXP
        .attempts(3)
        .timeout(ms(2_000))
        .retry_after(server_hint)
        .on_retry(|_: &Attempt<'_, Error>| announced.set(announced.get() + 1))
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                tokio::time::sleep(ms(50)).await;
                Err(Error::Throttled(n, ms(5_000)))
            }
        })
        .await;
    // The server asks for 5 s with 1.95 s left: its answer is the call's, when it came.
    assert_eq!(result, Err(Error::Throttled(1, ms(5_000))));
    assert_eq!(calls.get(), 1);
    assert_eq!(start.elapsed(), ms(50), "no time passed after the attempt");
    assert_eq!(announced.get(), 0);
}

#[tokio::test(start_paused = true)]
async fn an_attempt_timeout_that_cancels_the_last_attempt_gives_a_timeout() {
    // Attempts hang and are cancelled at 200 ms; the 1 s deadline is never reached, so the
    // call ends when the attempts run out: with the last attempt's own outcome, its
    // `attempt_timeout`.
    let start = Instant::now();
    let announced = RefCell::new(Vec::new());
    let policy = EXP
        .attempts(3)
        .attempt_timeout(ms(200))
        .timeout(ms(1_000))
        .on_retry(|a: &Attempt<'_, Error>| announced.borrow_mut().push(a.number()));
    let (t, dropped) = when_every_attempt_hangs(&policy).await;
    assert!(t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (3, ms(900), ms(200))
    );
    // 0–200, sleep 100, 300–500, sleep 200, 700–900.
    assert_eq!(dropped, [200, 500, 900].map(ms));
    assert_eq!(start.elapsed(), ms(900));
    assert_eq!(announced.into_inner(), [1, 2]);
}

#[tokio::test(start_paused = true)]
async fn an_attempt_timeout_before_a_sleep_into_the_deadline_is_returned_at_once() {
    // The first attempt is cancelled by its 300 ms limit; the 800 ms sleep that would follow
    // reaches the 1 s deadline, so the call returns that attempt's own outcome, the
    // `attempt_timeout`, at once: not a call `Timeout` at 1 s.
    let start = Instant::now();
    let policy = Retry::fixed()
        .attempts(5)
        .delay(ms(800))
        .jitter(Jitter::None)
        .attempt_timeout(ms(300))
        .timeout(ms(1_000));
    let (t, dropped) = when_every_attempt_hangs(&policy).await;
    assert!(t.is_attempt_timeout());
    assert_eq!(
        (t.attempts(), t.elapsed(), t.limit()),
        (1, ms(300), ms(300))
    );
    assert_eq!(dropped, [ms(300)]);
    assert_eq!(start.elapsed(), ms(300));
}

// ---------------------------------------------------------------------------------------
// An attempt's future is dropped before the hook and the sleep that follow it

#[tokio::test(start_paused = true)]
async fn each_attempt_is_dropped_before_the_hook_and_the_sleep() {
    let start = Instant::now();
    let log = RefCell::new(Vec::new());
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let calls = Cell::new(0);
    let result = EXP
        .attempts(3)
        .on_retry(|a: &Attempt<'_, Error>| {
            // Everything the attempt held has been dropped by now.
            let dropped = drops(&dropped_at).len() as u32;
            log.borrow_mut().push((a.number(), dropped, a.elapsed()));
        })
        .run_async(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            let guard = DropGuard {
                start,
                dropped_at: Arc::clone(&dropped_at),
            };
            async move {
                let _guard = guard;
                tokio::time::sleep(ms(10)).await;
                ok_from(3, n)
            }
        })
        .await;
    assert_eq!(result, Ok(3));
    // Attempts of 10 ms at 0, 110 and 320 ms, each dropped as it ends.
    assert_eq!(drops(&dropped_at), [10, 120, 330].map(ms));
    assert_eq!(log.into_inner(), [(1, 1, ms(10)), (2, 2, ms(120))]);
}

// ---------------------------------------------------------------------------------------
// Cancellation by drop

#[tokio::test(start_paused = true)]
async fn dropping_the_future_mid_sleep_cancels_the_retries() {
    let start = Instant::now();
    let calls = Cell::new(0);
    let policy = EXP.attempts(10);
    let call = policy.run_async(|| {
        calls.set(calls.get() + 1);
        async { Err::<(), _>(Error::Transient(0)) }
    });
    // Attempts at 0 and 100 ms; at 150 ms it sleeps until 300 ms.
    let outcome = tokio::time::timeout(ms(150), call).await;
    assert!(outcome.is_err(), "the call finished: {outcome:?}");
    assert_eq!(start.elapsed(), ms(150));
    assert_eq!(calls.get(), 2);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(calls.get(), 2, "an attempt ran after the call was dropped");
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_mid_attempt_drops_the_attempt() {
    let start = Instant::now();
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let calls = Cell::new(0);
    let policy = EXP.attempts(10);
    let call = policy.run_async(|| {
        calls.set(calls.get() + 1);
        let n = calls.get();
        let hung = (n == 2).then(|| hang(start, &dropped_at));
        async move {
            if let Some(hung) = hung {
                hung.await;
            }
            Err::<(), _>(Error::Transient(n))
        }
    });
    let outcome = tokio::time::timeout(ms(250), call).await;
    assert!(outcome.is_err());
    assert_eq!(drops(&dropped_at), [ms(250)]);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(calls.get(), 2);
}

#[tokio::test(start_paused = true)]
async fn dropping_a_future_never_polled_runs_nothing() {
    let calls = Cell::new(0);
    let call = EXP.run_async(|| {
        calls.set(calls.get() + 1);
        async { Ok::<_, Error>(()) }
    });
    drop(call);
    assert_eq!(calls.get(), 0);
}

// ---------------------------------------------------------------------------------------
// No task left behind

fn alive_tasks() -> usize {
    Handle::current().metrics().num_alive_tasks()
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_spawns_no_task() {
    // The metric counts spawned tasks: a probe shows it.
    let probe = tokio::spawn(async {});
    assert_eq!(alive_tasks(), 1);
    probe.await.unwrap();
    assert_eq!(alive_tasks(), 0);
    let calls = Cell::new(0);
    let policy = EXP.attempts(4).attempt_timeout(ms(50)).timeout(ms(10_000));
    let call = policy.run_async(|| {
        calls.set(calls.get() + 1);
        let n = calls.get();
        async move {
            assert_eq!(alive_tasks(), 0, "a task is running beside attempt {n}");
            ok_from(3, n)
        }
    });
    // Watched every 10 ms of its life, its sleeps as well as its attempts.
    let mut call = std::pin::pin!(call);
    let result = loop {
        tokio::select! {
            result = &mut call => break result,
            _ = tokio::time::sleep(ms(10)) => assert_eq!(alive_tasks(), 0),
        }
    };
    assert_eq!(result, Ok(3));
    assert_eq!(alive_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn aborting_a_task_mid_attempt_leaves_no_task_and_drops_the_attempt() {
    let start = Instant::now();
    let dropped_at = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(AtomicU32::new(0));
    let task = tokio::spawn({
        let dropped_at = Arc::clone(&dropped_at);
        let calls = Arc::clone(&calls);
        async move {
            EXP.attempts(5)
                .timeout(ms(60_000))
                .run_async(|| {
                    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                    let hung = (n == 2).then(|| hang(start, &dropped_at));
                    async move {
                        if let Some(hung) = hung {
                            hung.await;
                        }
                        Err::<(), _>(Error::Transient(n))
                    }
                })
                .await
        }
    });
    tokio::time::sleep(ms(500)).await;
    assert_eq!(alive_tasks(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    task.abort();
    let error = task.await.unwrap_err();
    assert!(error.is_cancelled());
    assert_eq!(alive_tasks(), 0);
    assert_eq!(drops(&dropped_at), [ms(500)]);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn aborting_a_task_mid_sleep_leaves_no_task() {
    let calls = Arc::new(AtomicU32::new(0));
    let task = tokio::spawn({
        let calls = Arc::clone(&calls);
        async move {
            EXP.attempts(5)
                .run_async(|| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async { Err::<(), _>(Error::Transient(0)) }
                })
                .await
        }
    });
    // Attempts at 0, 100 and 300 ms; at 500 ms it sleeps until 700 ms.
    tokio::time::sleep(ms(500)).await;
    assert_eq!(alive_tasks(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(alive_tasks(), 0);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

// ---------------------------------------------------------------------------------------
// Send

#[tokio::test(start_paused = true)]
async fn the_future_is_send_when_the_attempt_is() {
    let calls = Arc::new(AtomicU32::new(0));
    let op = || {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            tokio::time::sleep(ms(1)).await;
            ok_from(2, n)
        }
    };
    let plain = EXP.run_async(op);
    assert_send(&plain);
    assert_eq!(plain.await, Ok(2));

    let policy = EXP
        .attempt_timeout(ms(100))
        .timeout(ms(1_000))
        .when(|e: &Error| !matches!(e, Error::Fatal(_)))
        .on_retry(|_: &Attempt<'_, Error>| {})
        .retry_after(|_: &Error| None);
    let hooked = policy.run_async(op);
    assert_send(&hooked);
    assert_eq!(hooked.await, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn the_future_is_send_when_only_its_output_is_not() {
    // The attempt's future is `Send`; what it returns (an `Rc`) is not, but it is never
    // held across an await, so the retried future is `Send` as well.
    let call = EXP.run_async(|| async { Ok::<_, Error>(Rc::new(5)) });
    assert_send(&call);
    assert_eq!(*call.await.unwrap(), 5);
    let policy = EXP.attempts(3).timeout(ms(1_000));
    let calls = AtomicU32::new(0);
    let call = policy.run_async(|| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        async move { ok_from(3, n).map(Rc::new) }
    });
    assert_send(&call);
    assert_eq!(*call.await.unwrap(), 3);
}
