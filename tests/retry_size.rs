//! The size bounds of the performance contract for async `#[retry]` futures:
//! without deadline keys, at most `max(body's future, Sleep) + 64` bytes (the sleep and the
//! attempt never live at once); with `timeout`, that plus `size_of::<Sleep>()`.

use std::mem::size_of_val;

use steadfast::{retry, Timeout};

#[derive(Debug)]
struct Error;

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error
    }
}

const SLEEP: usize = std::mem::size_of::<tokio::time::Sleep>();

async fn small_body() -> Result<u32, Error> {
    tokio::task::yield_now().await;
    Ok(1)
}

async fn kib_body() -> Result<u32, Error> {
    let buffer = [7u8; 1024];
    tokio::task::yield_now().await;
    Ok(u32::from(buffer[3]))
}

#[retry(attempts = 3)]
async fn small_retried() -> Result<u32, Error> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[retry(attempts = 3)]
async fn kib_retried() -> Result<u32, Error> {
    let buffer = [7u8; 1024];
    tokio::task::yield_now().await;
    Ok(u32::from(buffer[3]))
}

#[retry(attempts = 3, timeout = "1s")]
async fn small_with_timeout() -> Result<u32, Error> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[retry(attempts = 3, timeout = "1s", attempt_timeout = "100ms")]
async fn kib_with_timeouts() -> Result<u32, Error> {
    let buffer = [7u8; 1024];
    tokio::task::yield_now().await;
    Ok(u32::from(buffer[3]))
}

fn bound(body: usize) -> usize {
    body.max(SLEEP) + 64
}

#[test]
fn without_deadlines_a_retried_future_is_at_most_its_body_or_a_sleep_plus_64_bytes() {
    let small = size_of_val(&small_body());
    let kib = size_of_val(&kib_body());
    assert!(
        kib >= 1024,
        "the 1 KiB body holds its buffer across the await"
    );
    let (small_retried, kib_retried) = (size_of_val(&small_retried()), size_of_val(&kib_retried()));
    assert!(
        small_retried <= bound(small),
        "small body: {small_retried} bytes > bound {} (body {small}, Sleep {SLEEP})",
        bound(small)
    );
    assert!(
        kib_retried <= bound(kib),
        "1 KiB body: {kib_retried} bytes > bound {} (body {kib}, Sleep {SLEEP})",
        bound(kib)
    );
}

#[test]
fn with_a_timeout_the_bound_grows_by_one_sleep() {
    let small = size_of_val(&small_body());
    let kib = size_of_val(&kib_body());
    let (small_timed, kib_timed) = (
        size_of_val(&small_with_timeout()),
        size_of_val(&kib_with_timeouts()),
    );
    assert!(
        small_timed <= bound(small) + SLEEP,
        "small body with timeout: {small_timed} bytes > bound {}",
        bound(small) + SLEEP
    );
    assert!(
        kib_timed <= bound(kib) + SLEEP,
        "1 KiB body with timeouts: {kib_timed} bytes > bound {}",
        bound(kib) + SLEEP
    );
}
