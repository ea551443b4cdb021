// `within` accepts a policy whose worst case is the promise itself, and `Retry::worst_case()`
// gives the same figure at run time. These are the policies of the macro's unit tests
// (`macros/src/retry/within/tests.rs`), which check that one nanosecond less is rejected:
// together they show that the macro and the runtime agree.
use std::time::Duration;

use steadfast::{retry, Backoff, Jitter, Retry, Timeout};

#[derive(Debug, PartialEq)]
enum Error {
    Busy,
    TimedOut,
}

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error::TimedOut
    }
}

fn hint(_: &Error) -> Option<Duration> {
    Some(Duration::from_secs(3600))
}

// Every attempt hangs until its `attempt_timeout`, and without jitter every sleep is the
// longest: the call takes its worst case exactly.
#[retry(attempts = 4, delay = "100ms", max_delay = "300ms", jitter = "none",
        attempt_timeout = "1s", within = "4.6s")]
async fn hangs() -> Result<u32, Error> {
    std::future::pending::<()>().await;
    Ok(1)
}

#[retry(attempts = 6, backoff = "linear", max_delay = "350ms", attempt_timeout = "1s",
        within = "7.3s")]
async fn linear() -> Result<u32, Error> {
    Err(Error::Busy)
}

#[retry(attempts = 5, backoff = "fixed", jitter = "decorrelated", max_delay = "2s",
        attempt_timeout = "100ms", within = "5.7s")]
async fn decorrelated() -> Result<u32, Error> {
    Err(Error::Busy)
}

#[retry(attempt_timeout = "1s", within = "3.3s")]
async fn defaults() -> Result<u32, Error> {
    Err(Error::Busy)
}

#[retry(attempts = 2, attempt_timeout = "1ms", timeout = "1s", within = "102ms")]
async fn under_its_timeout() -> Result<u32, Error> {
    Err(Error::Busy)
}

#[retry(attempts = 10, delay = "10ms", max_delay = "1s", jitter = "equal",
        attempt_timeout = "200ms", within = "5.27s")]
async fn capped() -> Result<u32, Error> {
    Err(Error::Busy)
}

#[retry(attempts = 3, backoff = "none", attempt_timeout = "250ms", within = "750ms")]
async fn no_backoff() -> Result<u32, Error> {
    Err(Error::Busy)
}

// A `timeout` bounds what nothing else does: hints, and attempts without a deadline.
#[retry(attempts = 100, retry_after = hint, timeout = "2s", within = "2s")]
async fn hinted() -> Result<u32, Error> {
    Err(Error::Busy)
}

/// How long a call that fails takes.
async fn timed(call: impl std::future::Future<Output = Result<u32, Error>>) -> Duration {
    let started = tokio::time::Instant::now();
    assert!(call.await.is_err());
    started.elapsed()
}

fn main() {
    let ms = Duration::from_millis;
    let second = Duration::from_secs(1);
    let figures = [
        (
            Retry::exp().attempts(4).max_delay(ms(300)).jitter(Jitter::None).attempt_timeout(second).worst_case(),
            ms(4600),
        ),
        (
            Retry::linear().attempts(6).max_delay(ms(350)).attempt_timeout(second).worst_case(),
            ms(7300),
        ),
        (
            Retry::fixed()
                .attempts(5)
                .jitter(Jitter::Decorrelated)
                .max_delay(ms(2000))
                .attempt_timeout(ms(100))
                .worst_case(),
            ms(5700),
        ),
        (Retry::new().attempt_timeout(second).worst_case(), ms(3300)),
        (
            Retry::new().attempts(2).attempt_timeout(ms(1)).timeout(second).worst_case(),
            ms(102),
        ),
        (
            Retry::exp()
                .attempts(10)
                .delay(ms(10))
                .max_delay(second)
                .jitter(Jitter::Equal)
                .attempt_timeout(ms(200))
                .worst_case(),
            ms(5270),
        ),
        (
            Retry::new().attempts(3).backoff(Backoff::None).attempt_timeout(ms(250)).worst_case(),
            ms(750),
        ),
        (
            Retry::new().attempts(100).retry_after(hint).timeout(ms(2000)).worst_case(),
            ms(2000),
        ),
    ];
    for (index, (worst_case, within)) in figures.into_iter().enumerate() {
        assert_eq!(worst_case, Some(within), "policy {index}");
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = tokio::time::Instant::now();
        assert_eq!(hangs().await, Err(Error::TimedOut));
        assert_eq!(started.elapsed(), ms(4600));
        assert!(timed(linear()).await <= ms(7300));
        assert!(timed(decorrelated()).await <= ms(5700));
        assert!(timed(defaults()).await <= ms(3300));
        assert!(timed(under_its_timeout()).await <= ms(102));
        assert!(timed(capped()).await <= ms(5270));
        assert!(timed(no_backoff()).await <= ms(750));
        assert!(timed(hinted()).await <= ms(2000));
    });
}
