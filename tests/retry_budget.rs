//! `RetryBudget` through the facade: the exact token arithmetic of `#[retry(budget = ...)]`,
//! sync and async; what a denied retry does not do (sleep, call `on_retry`); many threads
//! sharing one budget without losing a token; and a thousand calls against a dependency
//! that is down, with and without a budget.
//!
//! Each test names its own `static` budget: tests run in parallel threads, and a budget is
//! shared by everything that names it. Sync tests sleep on steadfast's paused clock, async
//! ones on tokio's, so no test waits for real time.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use steadfast::{retry, Attempt, Backoff, Retry, RetryBudget};

#[cfg(feature = "tracing")]
#[path = "common/events.rs"]
mod events;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Error {
    /// The dependency is down: worth another attempt.
    Down,
    /// A request the dependency refuses: `when` does not retry it.
    Refused,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Down => "down",
            Error::Refused => "refused",
        })
    }
}

fn is_transient(error: &Error) -> bool {
    *error == Error::Down
}

// ---------------------------------------------------------------------------------------
// The arithmetic, call by call

/// What the dependency answers to every attempt of one call.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Up,
    Down,
    Refused,
}

thread_local! {
    static ATTEMPTS: Cell<u32> = const { Cell::new(0) };
    static ON_RETRY_CALLS: Cell<u32> = const { Cell::new(0) };
}

fn answer(reply: Reply) -> Result<(), Error> {
    ATTEMPTS.set(ATTEMPTS.get() + 1);
    match reply {
        Reply::Up => Ok(()),
        Reply::Down => Err(Error::Down),
        Reply::Refused => Err(Error::Refused),
    }
}

fn count_on_retry(_: &Attempt<'_, Error>) {
    ON_RETRY_CALLS.set(ON_RETRY_CALLS.get() + 1);
}

/// One call of the script and what it must do to a `new(10, 0.1)` budget.
struct Step {
    reply: Reply,
    attempts: u32,
    tokens_after: f64,
}

/// What a call did, as the test saw it.
#[derive(Debug, PartialEq)]
struct Observed {
    result: Result<(), Error>,
    attempts: u32,
    on_retry_calls: u32,
    slept: Duration,
    tokens: f64,
}

impl Step {
    /// Every retry sleeps one second (`delay = "1s"`, fixed) after one `on_retry` call, so a
    /// call without a retry neither sleeps nor calls it.
    fn expected(&self) -> Observed {
        let retries = self.attempts - 1;
        Observed {
            result: match self.reply {
                Reply::Up => Ok(()),
                Reply::Down => Err(Error::Down),
                Reply::Refused => Err(Error::Refused),
            },
            attempts: self.attempts,
            on_retry_calls: retries,
            slept: Duration::from_secs(retries.into()),
            tokens: self.tokens_after,
        }
    }
}

/// The script for `RetryBudget::new(10, 0.1)` and `attempts = 5`.
fn script() -> Vec<Step> {
    let step = |reply, attempts, tokens_after| Step {
        reply,
        attempts,
        tokens_after,
    };
    let mut steps = vec![
        // `when` rejects the error: no retry, no token.
        step(Reply::Refused, 1, 10.0),
        // Levels 10, 9, 8, 7, 6 before the five failures: each allows a retry, and the
        // fifth, which the attempts end, takes its token too.
        step(Reply::Down, 5, 5.0),
    ];
    // From 5, not more than half: every failing call runs once, and its failure still
    // takes a token, down to 0 and never below.
    for left in (0..5).rev() {
        steps.push(step(Reply::Down, 1, f64::from(left)));
    }
    steps.push(step(Reply::Down, 1, 0.0));
    steps.push(step(Reply::Refused, 1, 0.0));
    // Each success gives back 0.1: 50 of them reach 5.0, which is not above half; the 51st
    // lifts the level to 5.1.
    for successes in 1..=51 {
        steps.push(step(Reply::Up, 1, f64::from(successes) / 10.0));
    }
    steps.push(step(Reply::Refused, 1, 5.1));
    // 5.1 before the first failure allows a retry; 4.1 before the second does not.
    steps.push(step(Reply::Down, 2, 3.1));
    steps
}

/// Checks what call `number` of the script did: its result, the time it slept, and the
/// attempts and `on_retry` calls counted since the previous call (the counts are reset).
fn check_call(
    number: usize,
    step: &Step,
    result: Result<(), Error>,
    slept: Duration,
    budget: &RetryBudget,
) {
    let observed = Observed {
        result,
        attempts: ATTEMPTS.replace(0),
        on_retry_calls: ON_RETRY_CALLS.replace(0),
        slept,
        tokens: budget.tokens(),
    };
    assert_eq!(observed, step.expected(), "call {number} of the script");
}

static SYNC_SCRIPT: RetryBudget = RetryBudget::new(10, 0.1);

#[retry(
    attempts = 5,
    backoff = "fixed",
    delay = "1s",
    jitter = "none",
    when = is_transient,
    on_retry = count_on_retry,
    budget = SYNC_SCRIPT
)]
fn sync_call(reply: Reply) -> Result<(), Error> {
    answer(reply)
}

#[test]
fn sync_calls_take_and_give_back_tokens_exactly() {
    let clock = steadfast::time::pause();
    for (index, step) in script().iter().enumerate() {
        let before = clock.elapsed();
        let result = sync_call(step.reply);
        check_call(
            index + 1,
            step,
            result,
            clock.elapsed() - before,
            &SYNC_SCRIPT,
        );
    }
}

static ASYNC_SCRIPT: RetryBudget = RetryBudget::new(10, 0.1);

#[retry(
    attempts = 5,
    backoff = "fixed",
    delay = "1s",
    jitter = "none",
    when = is_transient,
    on_retry = count_on_retry,
    budget = ASYNC_SCRIPT
)]
async fn async_call(reply: Reply) -> Result<(), Error> {
    answer(reply)
}

#[tokio::test(start_paused = true)]
async fn async_calls_take_and_give_back_tokens_exactly() {
    for (index, step) in script().iter().enumerate() {
        let before = tokio::time::Instant::now();
        let result = async_call(step.reply).await;
        check_call(index + 1, step, result, before.elapsed(), &ASYNC_SCRIPT);
    }
}

// The WARN event of a denied retry is checked in tests/retry_tracing.rs, where every test
// records events: a callsite first reached by a test here without a subscriber could
// cache "never" for a recorder on another thread.

// ---------------------------------------------------------------------------------------
// Many threads, one budget

const THREADS: u32 = 8;
const OPERATIONS: u32 = 10_000;

/// What a thread that read `tokens()` in a loop saw while the workers ran.
#[derive(Debug)]
struct Sampled {
    lowest: f64,
    highest: f64,
    /// Whether the level ever went down between two readings.
    fell: bool,
}

/// Runs `operation(thread, n)` for `n` in `0..OPERATIONS` on each of `THREADS` threads,
/// while one more thread samples `budget.tokens()` until they are all done.
fn hammer(budget: &RetryBudget, operation: impl Fn(u32, u32) + Sync) -> Sampled {
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let first = budget.tokens();
            let mut sampled = Sampled {
                lowest: first,
                highest: first,
                fell: false,
            };
            let mut last = first;
            while !done.load(Ordering::Relaxed) {
                let now = budget.tokens();
                sampled.lowest = sampled.lowest.min(now);
                sampled.highest = sampled.highest.max(now);
                sampled.fell |= now < last;
                last = now;
            }
            sampled
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let operation = &operation;
                scope.spawn(move || (0..OPERATIONS).for_each(|n| operation(thread, n)))
            })
            .collect();
        for worker in workers {
            worker.join().expect("a worker panicked");
        }
        done.store(true, Ordering::Relaxed);
        sampler.join().expect("the sampler panicked")
    })
}

/// A failing call with many attempts and no delay: takes one token per failure until the
/// level is not above half, the failure that finds it so included. Returns its attempts.
fn drain(budget: &'static RetryBudget) -> u32 {
    let mut attempts = 0;
    let result: Result<(), Error> = Retry::new()
        .attempts(u32::MAX)
        .backoff(Backoff::None)
        .budget(budget)
        .run(|| {
            attempts += 1;
            Err(Error::Down)
        });
    assert_eq!(result, Err(Error::Down));
    attempts
}

static UNCLAMPED: RetryBudget = RetryBudget::new(1_000_000, 0.25);
static UNCLAMPED_ATTEMPTS: AtomicU64 = AtomicU64::new(0);

/// One attempt, counted, that fails if told to.
fn unclamped_attempt(fails: bool) -> Result<(), Error> {
    UNCLAMPED_ATTEMPTS.fetch_add(1, Ordering::Relaxed);
    if fails {
        Err(Error::Down)
    } else {
        Ok(())
    }
}

#[retry(attempts = 2, backoff = "none", budget = UNCLAMPED)]
fn unclamped_call(fails: bool) -> Result<(), Error> {
    unclamped_attempt(fails)
}

#[test]
fn no_token_is_lost_when_threads_fail_and_succeed_at_once() {
    // One call of 250,000 failed attempts, all allowed (the level stays above 500,000),
    // leaves 750,000: room for every success below the top and every failure above half.
    let result: Result<(), Error> = Retry::new()
        .attempts(250_000)
        .backoff(Backoff::None)
        .budget(&UNCLAMPED)
        .run(|| Err(Error::Down));
    assert_eq!(result, Err(Error::Down));
    assert_eq!(UNCLAMPED.tokens(), 750_000.0);

    // Every third operation fails; even threads go through `#[retry]`, odd ones through
    // `Retry::run`. A failing call takes 2 tokens (both attempts fail, the level stays above
    // half, so the first is retried), a successful one gives back 0.25: the level stays
    // within 750,000 ± 160,000, so neither bound ever clamps it.
    let policy = Retry::new()
        .attempts(2)
        .backoff(Backoff::None)
        .budget(&UNCLAMPED);
    let failures = AtomicU64::new(0);
    let successes = AtomicU64::new(0);
    let sampled = hammer(&UNCLAMPED, |thread, n| {
        let fails = (thread + n) % 3 == 0;
        let result = if thread % 2 == 0 {
            unclamped_call(fails)
        } else {
            policy.run(|| unclamped_attempt(fails))
        };
        assert_eq!(result.is_err(), fails);
        let outcomes = if fails { &failures } else { &successes };
        outcomes.fetch_add(1, Ordering::Relaxed);
    });
    let failures = failures.into_inner();
    let successes = successes.into_inner();
    assert_eq!(failures + successes, u64::from(THREADS * OPERATIONS));
    assert_eq!(
        UNCLAMPED_ATTEMPTS.load(Ordering::Relaxed),
        2 * failures + successes,
        "every failure was retried once: no retry was denied"
    );
    // In thousandths of a token: 1 per failed attempt taken, 250 per success given back.
    let expected = 750_000_000 - 2_000 * failures + 250 * successes;
    assert_eq!(UNCLAMPED.tokens(), expected as f64 / 1000.0);
    assert!(
        sampled.lowest >= 590_000.0 && sampled.highest <= 770_000.0,
        "{sampled:?}"
    );
}

static CLAMPED: RetryBudget = RetryBudget::new(10, 0.1);

#[test]
fn the_level_stays_between_zero_and_max_under_contention() {
    // First half: every other operation fails, which empties the bucket at once. Second
    // half: one in 50 fails, so successes fill it to the top. Both bounds are hit often.
    let policy = Retry::new()
        .attempts(3)
        .backoff(Backoff::None)
        .budget(&CLAMPED);
    let sampled = hammer(&CLAMPED, |thread, n| {
        let failing = if n < OPERATIONS / 2 { 2 } else { 50 };
        let fails = (thread + n) % failing == 0;
        let mut attempts = 0;
        let result = policy.run(|| {
            attempts += 1;
            if fails {
                Err(Error::Down)
            } else {
                Ok(())
            }
        });
        assert_eq!(result.is_err(), fails);
        assert!((1..=3).contains(&attempts), "{attempts} attempts");
    });
    assert!(
        sampled.lowest >= 0.0 && sampled.highest <= 10.0,
        "{sampled:?}"
    );
    let left = CLAMPED.tokens();
    assert!((0.0..=10.0).contains(&left), "{left}");
    // Wherever the level ended, 100 successes fill the bucket exactly, and no further.
    for _ in 0..100 {
        assert_eq!(policy.run(|| Ok::<(), Error>(())), Ok(()));
    }
    assert_eq!(CLAMPED.tokens(), 10.0);
}

/// Drains `budget` (`max_tokens` 10,000) to 4,999, has every thread succeed, and checks
/// that the level, which successes alone can never lower, ends at `expected`.
fn successes_from_a_low_level(budget: &'static RetryBudget, expected: f64) {
    // Levels 10,000 down to 5,001 allow a retry (5,000 failures); the failure at 5,000 is
    // denied and takes the last token.
    assert_eq!(drain(budget), 5_001);
    assert_eq!(budget.tokens(), 4_999.0);
    let policy = Retry::new().budget(budget);
    let sampled = hammer(budget, |_, _| {
        assert_eq!(policy.run(|| Ok::<(), Error>(())), Ok(()));
    });
    assert_eq!(budget.tokens(), expected);
    assert!(
        !sampled.fell && sampled.highest <= expected,
        "successes alone never lower the level: {sampled:?}"
    );
}

static REFILLED: RetryBudget = RetryBudget::new(10_000, 0.05);

#[test]
fn concurrent_successes_add_up_exactly_below_the_top() {
    // 80,000 successes × 0.05 = 4,000 tokens, every one of them kept.
    successes_from_a_low_level(&REFILLED, 8_999.0);
}

static OVERFILLED: RetryBudget = RetryBudget::new(10_000, 0.125);

#[test]
fn concurrent_successes_stop_exactly_at_the_top() {
    // 80,000 successes × 0.125 = 10,000 tokens: min(10,000, 4,999 + 10,000).
    successes_from_a_low_level(&OVERFILLED, 10_000.0);
}

// ---------------------------------------------------------------------------------------
// A fleet of calls against a dependency that is down

/// A dependency that fails the next `failing` attempts it receives, and counts them all.
struct Dependency {
    failing: Cell<u32>,
    attempts: Cell<u32>,
}

impl Dependency {
    fn down() -> Self {
        Dependency {
            failing: Cell::new(u32::MAX),
            attempts: Cell::new(0),
        }
    }

    fn handle(&self) -> Result<(), Error> {
        self.attempts.set(self.attempts.get() + 1);
        match self.failing.get() {
            0 => Ok(()),
            left => {
                self.failing.set(left - 1);
                Err(Error::Down)
            }
        }
    }
}

const CALLS: u32 = 1_000;

/// 100 ms, 200 ms, 400 ms and 800 ms between the five attempts of one call.
const ONE_CALL_OF_SLEEPS: Duration = Duration::from_millis(1_500);

#[retry(attempts = 5, delay = "100ms", jitter = "none")]
fn without_budget(dependency: &Dependency) -> Result<(), Error> {
    dependency.handle()
}

static FLEET: RetryBudget = RetryBudget::new(10, 0.1);

#[retry(attempts = 5, delay = "100ms", jitter = "none", budget = FLEET)]
fn with_budget(dependency: &Dependency) -> Result<(), Error> {
    dependency.handle()
}

/// `CALLS` calls, one after another, while `dependency` is down: the attempts it received
/// and the time the callers spent sleeping between them.
fn outage(dependency: &Dependency, call: fn(&Dependency) -> Result<(), Error>) -> (u32, Duration) {
    let clock = steadfast::time::pause();
    let before = dependency.attempts.get();
    for _ in 0..CALLS {
        assert_eq!(call(dependency), Err(Error::Down));
    }
    (dependency.attempts.get() - before, clock.elapsed())
}

#[test]
fn a_budget_keeps_an_outage_from_being_amplified() {
    let (attempts_without, slept_without) = outage(&Dependency::down(), without_budget);
    let (attempts_with, slept_with) = outage(&Dependency::down(), with_budget);
    println!(
        "{CALLS} calls, attempts = 5, dependency down:\n  without a budget: {attempts_without} \
         attempts ({:.3}× the calls), {slept_without:?} asleep\n  with new(10, 0.1): \
         {attempts_with} attempts ({:.3}×), {slept_with:?} asleep",
        f64::from(attempts_without) / f64::from(CALLS),
        f64::from(attempts_with) / f64::from(CALLS),
    );
    assert_eq!(attempts_without, 5 * CALLS);
    assert_eq!(slept_without, ONE_CALL_OF_SLEEPS * CALLS);
    // The first call's 5 attempts, then 1 per call: 1,004.
    assert_eq!(attempts_with, 5 + (CALLS - 1));
    assert!(attempts_with <= 1_010);
    assert_eq!(slept_with, ONE_CALL_OF_SLEEPS, "only the first call sleeps");
    assert_eq!(FLEET.tokens(), 0.0);
}

static RECOVERING: RetryBudget = RetryBudget::new(10, 0.1);

#[retry(attempts = 5, delay = "100ms", jitter = "none", budget = RECOVERING)]
fn recovering_call(dependency: &Dependency) -> Result<(), Error> {
    dependency.handle()
}

#[test]
fn after_an_outage_51_successes_open_retries_again() {
    let dependency = Dependency::down();
    let (attempts, _) = outage(&dependency, recovering_call);
    assert_eq!((attempts, RECOVERING.tokens()), (1_004, 0.0));

    // The dependency is back. Each success gives back 0.1 token; retries are allowed again
    // once the level is above half of 10.
    dependency.failing.set(0);
    let _clock = steadfast::time::pause();
    let mut successes = 0;
    while RECOVERING.tokens() <= 5.0 {
        assert_eq!(recovering_call(&dependency), Ok(()));
        successes += 1;
    }
    println!("after the outage: {successes} successes before a failure is retried again");
    assert_eq!(successes, 51);
    assert_eq!(RECOVERING.tokens(), 5.1);

    // A single failure now is retried, and the caller never sees it.
    dependency.failing.set(1);
    let before = dependency.attempts.get();
    assert_eq!(recovering_call(&dependency), Ok(()));
    assert_eq!(dependency.attempts.get() - before, 2);
    // 5.1 - 1 for the failure + 0.1 for the success.
    assert_eq!(RECOVERING.tokens(), 4.2);
}

/// `CALLS` calls, `attempts = 5` without delays, to a dependency that fails every
/// `period`-th attempt it receives and answers the others: how many calls returned an error.
fn errors_seen(budget: &'static RetryBudget, period: u32) -> usize {
    let policy = Retry::new()
        .attempts(5)
        .backoff(Backoff::None)
        .budget(budget);
    let mut attempts = 0;
    (0..CALLS)
        .filter(|_| {
            let result = policy.run(|| {
                attempts += 1;
                if attempts % period == 0 {
                    Err(Error::Down)
                } else {
                    Ok(())
                }
            });
            result.is_err()
        })
        .count()
}

static ONE_IN_20: RetryBudget = RetryBudget::new(10, 0.1);
static ONE_IN_11: RetryBudget = RetryBudget::new(10, 0.1);
static ONE_IN_10: RetryBudget = RetryBudget::new(10, 0.1);
static ONE_IN_5: RetryBudget = RetryBudget::new(10, 0.1);

#[test]
fn a_ratio_of_0_1_retries_up_to_one_failed_attempt_in_11() {
    let seen = [
        (20, errors_seen(&ONE_IN_20, 20)),
        (11, errors_seen(&ONE_IN_11, 11)),
        (10, errors_seen(&ONE_IN_10, 10)),
        (5, errors_seen(&ONE_IN_5, 5)),
    ];
    for (period, errors) in seen {
        println!("1 attempt in {period} failing: {errors} of {CALLS} calls return an error");
    }
    // Per failed attempt, retried, a success follows: -1 + 0.1 per success in between.
    // 1 in 20 and 1 in 11 (-1 + 10 × 0.1 = 0) keep the bucket full: every failure is hidden.
    // 1 in 10 loses 0.1 per failure: the 51st finds 5.0 and is denied, and the level never
    // comes back; of the 550 calls left, 55 fail. 1 in 5 loses 0.6: the 10th failure finds
    // 4.6 and is denied; 192 of the 964 calls left fail.
    assert_eq!(seen, [(20, 0), (11, 0), (10, 55), (5, 192)]);
}
