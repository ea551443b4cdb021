//! Timers: `#[retry(timer = ...)]` and `Retry::run_async_on` on a timer of the test's own
//! (virtual, exact) and on `FuturesTimer` under an executor that is not tokio; tokio's
//! timer and task guards outside a tokio runtime say what to do instead of tokio's words.
#![cfg(all(feature = "tokio", feature = "futures-timer"))]

use std::cell::RefCell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::future::block_on;
use steadfast::retry::Clock;
use steadfast::timer::{FuturesTimer, Timer};
use steadfast::{retry, Jitter, Retry, Timeout};

thread_local! {
    /// Virtual time of `Virtual`, and every sleep it was asked for.
    static NOW: RefCell<(Duration, Vec<Duration>)> = const { RefCell::new((Duration::ZERO, Vec::new())) };
}

/// A timer whose sleeps are over at once, when first polled, and then move virtual time
/// on by their length (a sleep that races an attempt ready at once is never polled).
struct Virtual;

struct VirtualSleep(Duration);

impl Future for VirtualSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        let delay = self.0;
        NOW.with(|now| {
            let mut now = now.borrow_mut();
            now.0 += delay;
            now.1.push(delay);
        });
        Poll::Ready(())
    }
}

impl Clock for Virtual {
    type Instant = Duration;
    fn now() -> Duration {
        NOW.with(|now| now.borrow().0)
    }
    fn since(earlier: Duration) -> Duration {
        Self::now() - earlier
    }
}

impl Timer for Virtual {
    type Sleep = VirtualSleep;
    fn sleep(delay: Duration) -> VirtualSleep {
        VirtualSleep(delay)
    }
}

fn slept() -> Vec<Duration> {
    NOW.with(|now| now.borrow().1.clone())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    TimedOut { attempts: u32 },
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut {
            attempts: timeout.attempts(),
        }
    }
}

#[retry(attempts = 4, backoff = "exp", delay = "100ms", jitter = "none", timer = Virtual)]
async fn always_down(calls: &mut u32) -> Result<(), Error> {
    *calls += 1;
    Err(Error::Down)
}

#[test]
fn a_timer_of_our_own_sleeps_the_exact_schedule_on_any_executor() {
    let mut calls = 0;
    assert_eq!(block_on(always_down(&mut calls)), Err(Error::Down));
    assert_eq!(calls, 4);
    assert_eq!(slept(), [ms(100), ms(200), ms(400)]);
    assert_eq!(Virtual::now(), ms(700));
}

#[retry(attempts = 10, delay = "1s", jitter = "none", backoff = "fixed", timeout = "2500ms", timer = Virtual)]
async fn down_until_the_deadline() -> Result<(), Error> {
    Err(Error::Down)
}

#[test]
fn the_deadline_is_kept_on_the_named_timer() {
    // Attempts at 0 s, 1 s and 2 s; the next could not start before 2.5 s, so the last
    // attempt's own error returns at once, without sleeping into the deadline.
    assert_eq!(block_on(down_until_the_deadline()), Err(Error::Down));
    assert_eq!(slept(), [ms(1000), ms(1000)]);
}

#[test]
fn run_async_on_takes_the_timer_by_type() {
    let policy = Retry::fixed()
        .attempts(3)
        .delay(ms(250))
        .jitter(Jitter::None);
    let mut calls = 0;
    let result: Result<u32, Error> = block_on(policy.run_async_on::<Virtual, _, _, _, _>(|| {
        calls += 1;
        let n = calls;
        async move {
            if n < 3 {
                Err(Error::Down)
            } else {
                Ok(n)
            }
        }
    }));
    assert_eq!(result, Ok(3));
    assert_eq!(slept(), [ms(250), ms(250)]);
}

#[retry(attempts = 3, delay = "1ms", timer = steadfast::timer::FuturesTimer)]
async fn third_time_lucky(calls: &mut u32) -> Result<u32, Error> {
    *calls += 1;
    if *calls < 3 {
        Err(Error::Down)
    } else {
        Ok(*calls)
    }
}

#[test]
fn futures_timer_sleeps_under_an_executor_that_is_not_tokio() {
    let mut calls = 0;
    assert_eq!(block_on(third_time_lucky(&mut calls)), Ok(3));
    assert_eq!(calls, 3);
}

#[retry(attempts = 2, attempt_timeout = "20ms", delay = "1ms", timer = FuturesTimer)]
async fn hangs() -> Result<(), Error> {
    std::future::pending::<()>().await;
    Ok(())
}

#[test]
fn futures_timer_cancels_a_hung_attempt_at_its_limit() {
    // Both attempts hang; each is cut at its limit on futures-timer's clock.
    assert_eq!(
        block_on(hangs()),
        Err(Error::TimedOut { attempts: 2 }),
        "a hung attempt ends at attempt_timeout, whatever the executor"
    );
}

#[retry(attempts = 2, delay = "1ms")]
async fn on_the_default_timer() -> Result<(), Error> {
    Err(Error::Down)
}

fn panic_message(result: std::thread::Result<impl Sized>) -> String {
    let payload = result.err().expect("it panics");
    steadfast::payload_message(&*payload)
        .expect("a message")
        .to_owned()
}

#[test]
fn tokio_timer_outside_a_tokio_runtime_says_what_to_do() {
    let message = panic_message(catch_unwind(AssertUnwindSafe(|| {
        block_on(on_the_default_timer())
    })));
    assert!(
        message.starts_with("a retry slept on `steadfast::timer::Tokio` outside a tokio runtime")
            && message.contains("steadfast::timer::FuturesTimer"),
        "{message}"
    );
}

#[test]
fn spawn_guarded_outside_a_tokio_runtime_says_what_to_do() {
    let message = panic_message(catch_unwind(|| {
        steadfast::task::spawn_guarded(async {}).detach()
    }));
    assert!(
        message.starts_with("`steadfast::task::spawn_guarded` was called outside a tokio runtime")
            && !message.contains("FuturesTimer"),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_tokio_timer_named_follows_the_paused_clock() {
    #[retry(attempts = 3, delay = "1s", jitter = "none", backoff = "fixed", timer = steadfast::timer::Tokio)]
    async fn down() -> Result<(), Error> {
        Err(Error::Down)
    }
    let started = tokio::time::Instant::now();
    assert_eq!(down().await, Err(Error::Down));
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}
