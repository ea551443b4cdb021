//! Runtimes and time: async retries on an executor that is not tokio, a timer of your own,
//! and tests that run on virtual time.
//!
//! Run it with `cargo run --example runtimes --features futures-timer`. The guide's
//! "Runtimes and time" chapter includes the regions between the `ANCHOR` comments. The parts
//! on `FuturesTimer` sleep for real, a few milliseconds, so they check what happened and never
//! how long it took; the parts on virtual time check exact elapsed times.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::future::block_on;
use steadfast::retry::Clock;
use steadfast::timer::{FuturesTimer, Timer};
use steadfast::{retry, Panic, Retry, Timeout};

// ANCHOR: service
#[derive(Debug, PartialEq)]
enum Error {
    Unavailable,
    /// An `attempt_timeout` or a `timeout` passed.
    TimedOut,
}

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error::TimedOut
    }
}

/// What the fake service does with a request that it does not answer.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Fail,
    Hang,
}

/// A fake service: it follows its script, one reply per request, then answers every
/// request with the request's number (from 1).
struct Service {
    script: RefCell<VecDeque<Reply>>,
    requests: Cell<u32>,
}

impl Service {
    fn new<const N: usize>(script: [Reply; N]) -> Self {
        Service {
            script: RefCell::new(script.into()),
            requests: Cell::new(0),
        }
    }

    fn requests(&self) -> u32 {
        self.requests.get()
    }

    /// Counts a request; its number, and the scripted reply if any is left.
    fn take(&self) -> (u32, Option<Reply>) {
        self.requests.set(self.requests.get() + 1);
        (self.requests.get(), self.script.borrow_mut().pop_front())
    }

    async fn get(&self) -> Result<u32, Error> {
        futures_lite::future::yield_now().await; // an await point, as real I/O has
        match self.take() {
            (_, Some(Reply::Fail)) => Err(Error::Unavailable),
            (_, Some(Reply::Hang)) => std::future::pending().await,
            (number, None) => Ok(number),
        }
    }

    fn get_blocking(&self) -> Result<u32, Error> {
        match self.take() {
            (_, Some(Reply::Fail)) => Err(Error::Unavailable),
            (_, Some(Reply::Hang)) => unreachable!("only async requests hang in this example"),
            (number, None) => Ok(number),
        }
    }
}
// ANCHOR_END: service

// ANCHOR: futures_timer
/// Sleeps on the `futures-timer` crate's timer, so any executor can run it.
#[retry(attempts = 4, delay = "2ms", jitter = "none", timer = FuturesTimer)]
async fn fetch(service: &Service) -> Result<u32, Error> {
    service.get().await
}

/// The limit of `attempt_timeout` is kept on the same timer: a hung attempt is cut
/// after 5 ms and counts as a failure that is retried.
#[retry(attempts = 3, delay = "1ms", attempt_timeout = "5ms", timer = FuturesTimer)]
async fn fetch_or_give_up_waiting(service: &Service) -> Result<u32, Error> {
    service.get().await
}
// ANCHOR_END: futures_timer

// ANCHOR: virtual_timer
thread_local! {
    /// This thread's virtual time: it moves only when a retry sleeps.
    static NOW: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    /// Every sleep a retry took on this thread, in order.
    static SLEPT: RefCell<Vec<Duration>> = const { RefCell::new(Vec::new()) };
}

/// A timer on virtual time: a sleep is over as soon as it is awaited, and moves the clock on
/// by its length. For tests, on any executor.
struct VirtualTimer;

impl Clock for VirtualTimer {
    type Instant = Duration;
    fn now() -> Duration {
        NOW.get()
    }
    fn since(earlier: Duration) -> Duration {
        NOW.get() - earlier
    }
}

impl Timer for VirtualTimer {
    type Sleep = VirtualSleep;
    fn sleep(delay: Duration) -> VirtualSleep {
        VirtualSleep { delay }
    }
}

/// One sleep. Time moves when it is polled, not when it is made: a retry also makes a sleep
/// for the limit of a `timeout` or `attempt_timeout`, which it drops unpolled when the
/// attempt ends first.
struct VirtualSleep {
    delay: Duration,
}

impl Future for VirtualSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        NOW.set(NOW.get() + self.delay);
        SLEPT.with_borrow_mut(|slept| slept.push(self.delay));
        Poll::Ready(())
    }
}

/// The sleeps taken on this thread since the last call.
fn slept() -> Vec<Duration> {
    SLEPT.take()
}
// ANCHOR_END: virtual_timer

// ANCHOR: virtual_timer_use
#[retry(attempts = 4, delay = "1h", max_delay = "24h", jitter = "none", timer = VirtualTimer)]
async fn reconcile(service: &Service) -> Result<u32, Error> {
    service.get().await
}

/// The same with a `timeout`: every attempt races a sleep on the timer to the deadline.
#[retry(
    attempts = 4,
    delay = "1h",
    max_delay = "24h",
    jitter = "none",
    timeout = "5h",
    timer = VirtualTimer
)]
async fn reconcile_by_five(service: &Service) -> Result<u32, Error> {
    service.get().await
}
// ANCHOR_END: virtual_timer_use

// ANCHOR: sync_fn
/// A sync retry: it sleeps on its thread, through `steadfast::time`.
#[retry(attempts = 4, delay = "100ms", jitter = "none")]
fn fetch_blocking(service: &Service) -> Result<u32, Error> {
    service.get_blocking()
}
// ANCHOR_END: sync_fn

// ANCHOR: tokio_fn
/// On tokio's timer (the default with the `tokio` feature; named here because this
/// program enables both timer features).
#[retry(
    attempts = 3,
    delay = "100ms",
    jitter = "none",
    attempt_timeout = "1s",
    timer = steadfast::timer::Tokio
)]
async fn fetch_on_tokio(service: &Service) -> Result<u32, Error> {
    service.get().await
}
// ANCHOR_END: tokio_fn

// ANCHOR: needs_tokio
#[retry(attempts = 2, delay = "1ms", timer = steadfast::timer::Tokio)]
async fn fetch_needs_tokio(service: &Service) -> Result<u32, Error> {
    service.get().await
}
// ANCHOR_END: needs_tokio

fn on_futures_timer() {
    // ANCHOR: futures_timer_main
    // Two failures, then an answer: three requests, two sleeps of 2 ms.
    let service = Service::new([Reply::Fail, Reply::Fail]);
    assert_eq!(block_on(fetch(&service)), Ok(3));
    assert_eq!(service.requests(), 3);

    // Down for good: four attempts, then the last error.
    let service = Service::new([Reply::Fail; 4]);
    assert_eq!(block_on(fetch(&service)), Err(Error::Unavailable));
    assert_eq!(service.requests(), 4);

    // The first request hangs: cut at 5 ms, and the second is answered.
    let service = Service::new([Reply::Hang]);
    assert_eq!(block_on(fetch_or_give_up_waiting(&service)), Ok(2));
    // ANCHOR_END: futures_timer_main
    println!("on futures-timer, under futures_lite::future::block_on: as expected");
}

fn without_the_macro() {
    // ANCHOR: run_async_on
    let service = Service::new([Reply::Fail, Reply::Fail]);
    let policy = Retry::fixed().attempts(3).delay(Duration::from_millis(1));
    let answer = block_on(policy.run_async_on::<FuturesTimer, _, _, _, _>(|| service.get()));
    assert_eq!(answer, Ok(3));
    // ANCHOR_END: run_async_on
    println!("Retry::run_async_on::<FuturesTimer, ..>: {answer:?}");
}

fn on_a_timer_of_your_own() {
    // ANCHOR: virtual_timer_main
    let hour = Duration::from_secs(3600);
    let start = VirtualTimer::now();
    let service = Service::new([Reply::Fail; 3]);
    assert_eq!(block_on(reconcile(&service)), Ok(4));
    assert_eq!(slept(), [hour, 2 * hour, 4 * hour]); // the exact schedule, in no time
    assert_eq!(VirtualTimer::since(start), 7 * hour);

    // With a deadline, each attempt races a sleep to its limit (here, to the 5 h timeout).
    // On this timer that sleep ends at once: an attempt not done at its first poll is cut.
    let service = Service::new([]);
    let start = VirtualTimer::now();
    assert_eq!(block_on(reconcile_by_five(&service)), Err(Error::TimedOut));
    assert_eq!(slept(), [5 * hour]);
    assert_eq!(VirtualTimer::since(start), 5 * hour);
    // Cut at its first `.await`, before the service counted the request.
    assert_eq!(service.requests(), 0);
    // ANCHOR_END: virtual_timer_main
    println!("on a virtual timer of its own: slept 1h, 2h and 4h in no time; 5h cut an attempt");
}

fn on_virtual_time() {
    // ANCHOR: paused_sync
    let clock = steadfast::time::pause(); // this thread's clock, until `clock` is dropped
    let service = Service::new([Reply::Fail; 4]);
    assert_eq!(fetch_blocking(&service), Err(Error::Unavailable));
    assert_eq!(clock.elapsed(), Duration::from_millis(100 + 200 + 400));
    drop(clock);
    // ANCHOR_END: paused_sync

    // ANCHOR: paused_tokio
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let started = tokio::time::Instant::now();
        // The first request hangs until its 1 s limit, the second fails, the third answers.
        let service = Service::new([Reply::Hang, Reply::Fail]);
        assert_eq!(fetch_on_tokio(&service).await, Ok(3));
        assert_eq!(started.elapsed(), Duration::from_millis(1000 + 100 + 200));
    });
    // ANCHOR_END: paused_tokio
    println!("on virtual time: 700ms (sync) and 1.3s (tokio) passed exactly, in no time");
}

fn off_the_happy_path() {
    // ANCHOR: outside_tokio
    // Without a deadline, tokio's timer is asked for nothing until the first sleep: a
    // first attempt that succeeds does not notice that no tokio runtime is running...
    let service = Service::new([]);
    assert_eq!(block_on(fetch_needs_tokio(&service)), Ok(1));

    // ...and the first retry does: it panics, with a message that says what to do.
    let service = Service::new([Reply::Fail]);
    let panic = Panic::catch(|| block_on(fetch_needs_tokio(&service))).unwrap_err();
    assert!(panic
        .message()
        .starts_with("a retry slept on `steadfast::timer::Tokio` outside a tokio runtime"));
    assert_eq!(service.requests(), 1);

    // With a deadline (`attempt_timeout` here), the first attempt already needs the timer.
    let service = Service::new([]);
    let panic = Panic::catch(|| block_on(fetch_on_tokio(&service))).unwrap_err();
    assert!(panic.message().contains("outside a tokio runtime"));
    assert_eq!(service.requests(), 0);
    // ANCHOR_END: outside_tokio
    println!("{}", panic.message());
}

fn main() {
    on_futures_timer();
    without_the_macro();
    on_a_timer_of_your_own();
    on_virtual_time();
    off_the_happy_path();
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
