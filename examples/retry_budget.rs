//! One retry budget shared by every function that calls a dependency, through an outage of
//! that dependency and its recovery.
//!
//! Run it with `cargo run --example retry_budget`. The guide's "Retries at fleet scale"
//! chapter includes the regions between the `ANCHOR` comments. Sleeps run on steadfast's
//! paused clock (`steadfast::time::pause()`): they take no real time, and every printed time
//! is exact.

use std::cell::Cell;
use std::time::Duration;

use steadfast::{retry, Jitter, Retry, RetryBudget};

// ANCHOR: service
/// The error of a fake inventory service that is down.
#[derive(Debug, PartialEq)]
struct Unavailable;

/// A fake inventory service. It counts the requests it receives and fails those whose
/// number is below `down_until`.
struct Inventory {
    received: Cell<u32>,
    down_until: Cell<u32>,
}

impl Inventory {
    /// Answers with the stock of `item`.
    fn get(&self, item: u32) -> Result<u32, Unavailable> {
        let number = self.received.get() + 1;
        self.received.set(number);
        (number > self.down_until.get())
            .then_some(item % 7)
            .ok_or(Unavailable)
    }

    /// Fails the next `requests` requests.
    fn go_down_for(&self, requests: u32) {
        self.down_until.set(self.received.get() + requests);
    }
}
// ANCHOR_END: service

// ANCHOR: budget
/// One budget for the inventory service, named by every function that calls it: the
/// retries of all of them together are what the service sees.
static INVENTORY: RetryBudget = RetryBudget::new(10, 0.1);

#[retry(attempts = 5, delay = "100ms", jitter = "none", budget = INVENTORY)]
fn stock(inventory: &Inventory, item: u32) -> Result<u32, Unavailable> {
    inventory.get(item)
}

#[retry(attempts = 5, delay = "100ms", jitter = "none", budget = INVENTORY)]
fn reserve(inventory: &Inventory, item: u32) -> Result<(), Unavailable> {
    inventory.get(item).map(drop)
}
// ANCHOR_END: budget

fn main() {
    let clock = steadfast::time::pause();
    let inventory = Inventory {
        received: Cell::new(0),
        down_until: Cell::new(0),
    };

    // ANCHOR: outage
    // The service goes down; 1,000 calls are made, stock checks and reservations in turn.
    inventory.go_down_for(1_000_000); // until further notice
    for item in 0..1_000 {
        if item % 2 == 0 {
            assert_eq!(stock(&inventory, item), Err(Unavailable));
        } else {
            assert_eq!(reserve(&inventory, item), Err(Unavailable));
        }
    }
    let requests = inventory.received.get();
    println!(
        "outage: 1000 calls sent {requests} requests and slept {:?}; {} tokens left",
        clock.elapsed(),
        INVENTORY.tokens()
    );
    // The first call made 5 attempts (tokens 10 → 5) and slept 100 + 200 + 400 + 800 ms;
    // every later call made 1, without sleeping: its retry was denied.
    assert_eq!(requests, 5 + 999);
    assert_eq!(clock.elapsed(), Duration::from_millis(1_500));
    assert_eq!(INVENTORY.tokens(), 0.0);
    // ANCHOR_END: outage

    // ANCHOR: recovery
    // The service is back. Each successful call gives back 0.1 token; a failure is retried
    // again once the level is above half the bucket.
    inventory.go_down_for(0);
    let mut successes = 0;
    while INVENTORY.tokens() <= 5.0 {
        assert_eq!(stock(&inventory, successes), Ok(successes % 7));
        successes += 1;
    }
    println!(
        "recovery: {successes} successful calls, then {} tokens: failures are retried again",
        INVENTORY.tokens()
    );
    assert_eq!(successes, 51);
    assert_eq!(INVENTORY.tokens(), 5.1);
    // ANCHOR_END: recovery

    // ANCHOR: without_macro
    // A batch job calls the same service through a `Retry` policy: the same budget.
    let restock = Retry::exp()
        .attempts(5)
        .jitter(Jitter::None)
        .budget(&INVENTORY);
    inventory.go_down_for(1);
    let before = inventory.received.get();
    assert_eq!(restock.run(|| inventory.get(12)), Ok(5));
    let attempts = inventory.received.get() - before;
    println!(
        "batch job: a passing failure, retried, hidden in {attempts} attempts; {} tokens left",
        INVENTORY.tokens()
    );
    // 5.1 - 1 for the failure + 0.1 for the success.
    assert_eq!((attempts, INVENTORY.tokens()), (2, 4.2));
    // ANCHOR_END: without_macro
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
