// `#[retry]` stacks with `#[tokio::main]` in either order: above it, the async body is
// retried inside one runtime; below it, the generated sync `fn` is retried.
use std::sync::atomic::{AtomicU32, Ordering};

use steadfast::retry;

static MAIN_CALLS: AtomicU32 = AtomicU32::new(0);
static RUN_CALLS: AtomicU32 = AtomicU32::new(0);

#[tokio::main(flavor = "current_thread")]
#[retry(attempts = 3, backoff = "none")]
async fn run() -> Result<u32, String> {
    tokio::task::yield_now().await;
    let n = RUN_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n < 2 {
        return Err(format!("run {n}"));
    }
    Ok(n)
}

#[retry(attempts = 3, delay = "1ms")]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    let n = MAIN_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n < 3 {
        return Err(format!("main {n}"));
    }
    let from_sync = std::thread::spawn(run).join().unwrap();
    assert_eq!(from_sync, Ok(2));
    assert_eq!(n, 3);
    Ok(())
}
