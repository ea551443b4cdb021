//! `#[retry(within = ...)]`: a promise on a policy's worst-case total time, checked at
//! compile time, and `Retry::worst_case()`, the same figure at run time.
//!
//! Run it with `cargo run --example retry_within`. The guide's "retry" chapter includes the
//! regions between the `ANCHOR` comments. It runs on tokio's paused clock, so the hung
//! attempts take no real time and every printed time is exact.

use std::cell::Cell;
use std::time::Duration;

use steadfast::{retry, Retry, Timeout};
use tokio::time::Instant;

#[derive(Debug, PartialEq)]
enum Error {
    /// A `timeout` or `attempt_timeout` passed.
    TimedOut,
}

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error::TimedOut
    }
}

/// A backend that never answers.
struct Backend {
    calls: Cell<u32>,
}

impl Backend {
    async fn get(&self) -> Result<u32, Error> {
        self.calls.set(self.calls.get() + 1);
        std::future::pending().await
    }
}

// ANCHOR: within
/// Answers, or gives up, within 5 s: 4 attempts of at most 1 s each, and sleeps of at most
/// 100 ms, 200 ms and 400 ms, whatever the jitter draws. Raise `attempts` to 5 and the
/// crate no longer compiles.
#[retry(attempts = 4, delay = "100ms", attempt_timeout = "1s", within = "5s")]
async fn lookup(backend: &Backend) -> Result<u32, Error> {
    backend.get().await
}
// ANCHOR_END: within

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let backend = Backend {
            calls: Cell::new(0),
        };
        let started = Instant::now();
        let result = lookup(&backend).await;
        let took = started.elapsed();
        // ANCHOR: worst_case
        // The same policy without the macro, and its worst case at run time.
        let policy = Retry::exp()
            .attempts(4)
            .delay(Duration::from_millis(100))
            .attempt_timeout(Duration::from_secs(1));
        let worst_case = policy.worst_case().expect("every attempt has a deadline");
        println!("within: every attempt hangs, and the call keeps its promise:");
        println!("  -> {result:?} after {} attempts", backend.calls.get());
        println!(
            "  worst case {worst_case:?}; took no longer: {}",
            took <= worst_case
        );
        // ANCHOR_END: worst_case
        assert_eq!(result, Err(Error::TimedOut));
        assert_eq!(backend.calls.get(), 4);
        assert_eq!(worst_case, Duration::from_millis(4700));
        assert!(took <= worst_case);
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
