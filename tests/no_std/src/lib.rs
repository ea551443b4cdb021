//! What steadfast offers a `no_std` crate (with `alloc` for `DeferStack`): plain `defer!`,
//! `guard` and `Guard::into_inner`, and the retry schedule with its jitter and a budget.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use core::cell::Cell;
use core::time::Duration;

use steadfast::{defer, DeferStack, Guard, Jitter, Retry, RetryBudget};

/// A budget shared by every caller, as on `std`.
pub static BUDGET: RetryBudget = RetryBudget::new(10, 0.1);

/// Counts in `closed` how many times the deferred block ran.
pub fn deferred(closed: &Cell<u32>, fail: bool) -> Result<(), ()> {
    defer! { closed.set(closed.get() + 1); }
    if fail {
        return Err(());
    }
    Ok(())
}

/// A transaction-like guard: rolled back unless committed.
pub fn transaction(log: &Cell<u32>, commit: bool) -> u32 {
    let tx = steadfast::guard(7u32, |_| log.set(log.get() + 1));
    if commit {
        Guard::into_inner(tx)
    } else {
        0
    }
}

/// Go's function-scoped defers.
pub fn stacked(log: &Cell<u32>) {
    let mut defers = DeferStack::new();
    for i in 0..3 {
        defers.push(move || log.set(log.get() * 10 + i));
    }
}

/// The schedule a policy sleeps, with and without jitter, summed.
pub fn schedule() -> (Duration, Duration) {
    let exact: Duration = Retry::exp()
        .attempts(4)
        .delay(Duration::from_millis(100))
        .jitter(Jitter::None)
        .delays()
        .sum();
    let jittered: Duration = Retry::exp()
        .attempts(4)
        .jitter(Jitter::Full)
        .seed(42)
        .delays()
        .sum();
    (exact, jittered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_no_std_keeps_behaves_as_on_std() {
        let closed = Cell::new(0);
        assert_eq!(deferred(&closed, false), Ok(()));
        assert_eq!(deferred(&closed, true), Err(()));
        assert_eq!(closed.get(), 2);

        let rolled_back = Cell::new(0);
        assert_eq!(transaction(&rolled_back, true), 7);
        assert_eq!(transaction(&rolled_back, false), 0);
        assert_eq!(rolled_back.get(), 1);

        let log = Cell::new(0);
        stacked(&log);
        assert_eq!(log.get(), 210); // 2, then 1, then 0

        let (exact, jittered) = schedule();
        assert_eq!(exact, Duration::from_millis(700));
        assert!(jittered <= exact);
        assert_eq!(schedule().1, jittered, "a seed repeats the jitter");
        assert!(BUDGET.tokens() > 0.0);
    }
}
