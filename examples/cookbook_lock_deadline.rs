//! Cookbook: releasing a lock when a deadline passes.
//!
//! Run it with `cargo run --example cookbook_lock_deadline`. The lock service stands for a
//! lease in Redis, etcd or a database's advisory locks: taken by name, held until released
//! explicitly. Everything runs on tokio's paused clock, so the times printed are exact.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use steadfast::{defer, retry, Timeout};
use tokio::time::{sleep, timeout, Instant};

// ANCHOR: lease
/// Named locks that stay taken until `Lease::release` is called.
struct LockService {
    held: RefCell<HashSet<&'static str>>,
    started: Instant,
}

/// The right to work on `name`, until released.
struct Lease<'a> {
    service: &'a LockService,
    name: &'static str,
}

#[derive(Debug)]
enum LockError {
    Busy(&'static str),
    TimedOut(Timeout),
}

impl LockService {
    fn try_acquire(&self, name: &'static str) -> Result<Lease<'_>, LockError> {
        if !self.held.borrow_mut().insert(name) {
            return Err(LockError::Busy(name));
        }
        println!("  {:>4} ms: {name} locked", self.now_ms());
        Ok(Lease {
            service: self,
            name,
        })
    }

    fn now_ms(&self) -> u128 {
        self.started.elapsed().as_millis()
    }
}

impl Lease<'_> {
    fn release(self) {
        self.service.held.borrow_mut().remove(self.name);
        println!("  {:>4} ms: {} released", self.service.now_ms(), self.name);
    }
}
// ANCHOR_END: lease

impl From<Timeout> for LockError {
    fn from(timeout: Timeout) -> Self {
        LockError::TimedOut(timeout)
    }
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Busy(name) => write!(f, "{name} is locked by someone else"),
            LockError::TimedOut(timeout) => write!(f, "{timeout}"),
        }
    }
}

// ANCHOR: critical_section
/// Holds the lock on the index while it works. If the caller stops waiting, this future is
/// dropped at its `.await`, and the guard releases the lock on the way out.
async fn rebuild_index(locks: &LockService, work: Duration) -> Result<u128, LockError> {
    // `_lease`, not `_`: a guard bound to `_` is dropped, and the lock released, at once.
    let _lease = steadfast::guard(locks.try_acquire("index")?, Lease::release);
    let taken = locks.now_ms();
    defer! { println!("  {:>4} ms: held for {} ms", locks.now_ms(), locks.now_ms() - taken); }
    sleep(work).await; // the slow part
    Ok(locks.now_ms() - taken) // `_lease` is released here too, after the defer
}
// ANCHOR_END: critical_section

// ANCHOR: waiting_for_the_lock
fn is_busy(error: &LockError) -> bool {
    matches!(error, LockError::Busy(_))
}

/// Waits for the lock, trying every 200 ms, for at most 2 s.
#[retry(attempts = 20, backoff = "fixed", delay = "200ms", jitter = "none",
        timeout = "2s", when = is_busy)]
async fn rebuild_when_free(locks: &LockService, work: Duration) -> Result<u128, LockError> {
    rebuild_index(locks, work).await
}
// ANCHOR_END: waiting_for_the_lock

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        // ANCHOR: main
        let locks = LockService {
            held: RefCell::new(HashSet::new()),
            started: Instant::now(),
        };
        // A slow rebuild with a 500 ms deadline, and a second worker waiting for the lock.
        let slow = timeout(
            Duration::from_millis(500),
            rebuild_index(&locks, Duration::from_secs(5)),
        );
        let waiting = rebuild_when_free(&locks, Duration::from_millis(100));
        let (slow, waiting) = tokio::join!(slow, waiting);
        match slow {
            Ok(result) => println!("the slow worker finished: {result:?}"),
            Err(elapsed) => println!("the slow worker ran out of time: {elapsed}"),
        }
        match waiting {
            Ok(held) => println!("the waiting worker got the lock and held it {held} ms"),
            Err(error) => println!("the waiting worker gave up: {error}"),
        }
        assert!(locks.held.borrow().is_empty(), "no lock is left behind");

        // Nobody releases in time: the waiting worker's own deadline ends its wait.
        let stuck = locks.try_acquire("index").expect("the lock is free");
        let result = rebuild_when_free(&locks, Duration::from_millis(100)).await;
        println!("while the lock stays taken: {}", result.unwrap_err());
        stuck.release();
        // ANCHOR_END: main
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
