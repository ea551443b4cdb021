//! A retry budget shared by every call that names it: gRPC's retry throttling (A6).

use core::fmt;
use core::sync::atomic::{AtomicU32, Ordering};

/// Thousandths of a token: `token_ratio` has three decimals, so all arithmetic is exact.
const MILLI: u32 = 1000;

/// A token bucket that stops retries when too many attempts fail, shared by every call
/// that names it, so that a fleet of callers cannot multiply the load on a dependency that
/// is already down.
///
/// The rule is gRPC's retry throttling (proposal A6) exactly. The bucket starts full, at
/// `max_tokens`. Each failed attempt that the policy would retry takes one token; each call
/// that succeeds gives back `token_ratio` (three decimals), up to `max_tokens`. A retry is
/// allowed only while more than `max_tokens / 2` tokens are left; when the budget denies
/// one, the call returns its last outcome at once, without sleeping. A failure that `when`
/// does not accept is not retried anyway and takes no token.
///
/// With `new(10, 0.1)` a dependency that is down costs every caller at most five wasted
/// attempts before retries stop, and 51 successes (5.1 tokens) open them again from empty.
///
/// Lock-free (one atomic word), allocation-free, `Sync`: make it a `static` and name it
/// from every retried function that calls the same dependency.
///
/// ```
/// use steadfast::{retry, RetryBudget};
///
/// static INVENTORY: RetryBudget = RetryBudget::new(10, 0.1);
///
/// #[retry(attempts = 5, backoff = "none", budget = INVENTORY)]
/// fn reserve(item: u32) -> Result<(), &'static str> {
///     let _ = item;
///     Err("inventory is down")
/// }
///
/// assert_eq!(reserve(1), Err("inventory is down")); // 5 attempts: 10 → 5 tokens
/// assert_eq!(INVENTORY.tokens(), 5.0);
/// assert_eq!(reserve(2), Err("inventory is down")); // 1 attempt: the retry is denied
/// assert_eq!(INVENTORY.tokens(), 4.0);
/// ```
pub struct RetryBudget {
    /// Thousandths of a token left.
    tokens: AtomicU32,
    /// `max_tokens`, in thousandths.
    max: u32,
    /// `token_ratio`, in thousandths.
    ratio: u32,
}

impl RetryBudget {
    /// A full bucket of `max_tokens`; each success gives back `token_ratio` tokens, rounded
    /// to three decimals (gRPC's `maxTokens` and `tokenRatio`). `max_tokens` is capped at
    /// 4,000,000 and a negative or non-finite ratio counts as 0.
    ///
    /// ```
    /// static BUDGET: steadfast::RetryBudget = steadfast::RetryBudget::new(100, 0.25);
    /// assert_eq!(BUDGET.tokens(), 100.0);
    /// ```
    pub const fn new(max_tokens: u32, token_ratio: f64) -> Self {
        let max_tokens = if max_tokens > 4_000_000 {
            4_000_000
        } else {
            max_tokens
        };
        let max = max_tokens * MILLI;
        let ratio = if token_ratio.is_finite() && token_ratio > 0.0 {
            let milli = token_ratio * MILLI as f64 + 0.5;
            if milli >= max as f64 {
                max
            } else {
                milli as u32
            }
        } else {
            0
        };
        RetryBudget {
            tokens: AtomicU32::new(max),
            max,
            ratio,
        }
    }

    /// The tokens left, to three decimals.
    ///
    /// ```
    /// let budget = steadfast::RetryBudget::new(3, 0.5);
    /// assert_eq!(budget.tokens(), 3.0);
    /// ```
    pub fn tokens(&self) -> f64 {
        f64::from(self.tokens.load(Ordering::Relaxed)) / f64::from(MILLI)
    }

    /// The most tokens the bucket holds.
    ///
    /// ```
    /// assert_eq!(steadfast::RetryBudget::new(10, 0.1).max_tokens(), 10);
    /// ```
    pub fn max_tokens(&self) -> u32 {
        self.max / MILLI
    }

    /// A failed attempt, which the policy would retry: takes one token and says whether a
    /// retry may follow, which it may while more than half the bucket was left before this
    /// failure took its token.
    pub(crate) fn withdraw(&self) -> bool {
        let update = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |tokens| {
                Some(tokens.saturating_sub(MILLI))
            });
        // `fetch_update` returns the level before; the closure never refuses.
        let before = match update {
            Ok(before) | Err(before) => before,
        };
        before > self.max / 2
    }

    /// A call that succeeded: gives back `token_ratio`, up to `max_tokens`.
    #[inline]
    pub(crate) fn deposit(&self) {
        // A full bucket, the usual state, costs one load and one compare.
        if self.tokens.load(Ordering::Relaxed) >= self.max {
            return;
        }
        self.refill();
    }

    #[cold]
    #[inline(never)]
    fn refill(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |tokens| {
                (tokens < self.max).then(|| (tokens + self.ratio).min(self.max))
            });
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("tokens", &self.tokens())
            .field("max_tokens", &self.max_tokens())
            .field("token_ratio", &(f64::from(self.ratio) / f64::from(MILLI)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arithmetic_is_exact_to_the_thousandth() {
        let budget = RetryBudget::new(10, 0.1);
        // Levels before each failure: 10, 9, 8, 7, 6 allow a retry; 5 does not.
        for _ in 0..5 {
            assert!(budget.withdraw());
        }
        assert_eq!(budget.tokens(), 5.0);
        assert!(
            !budget.withdraw(),
            "at 5 tokens, not more than half: denied"
        );
        for _ in 0..10 {
            budget.withdraw();
        }
        assert_eq!(budget.tokens(), 0.0, "never below zero");
        for _ in 0..50 {
            budget.deposit();
        }
        assert_eq!(budget.tokens(), 5.0);
        assert!(!budget.withdraw(), "5 is not above 5");
        assert_eq!(budget.tokens(), 4.0);
        for _ in 0..11 {
            budget.deposit();
        }
        assert_eq!(budget.tokens(), 5.1);
        assert!(budget.withdraw(), "5.1 is above 5");
        for _ in 0..200 {
            budget.deposit();
        }
        assert_eq!(budget.tokens(), 10.0, "never above max");
    }

    #[test]
    fn ratios_round_to_three_decimals() {
        assert_eq!(RetryBudget::new(1, 0.0004).ratio, 0);
        assert_eq!(RetryBudget::new(1, 0.0005).ratio, 1);
        assert_eq!(RetryBudget::new(1, 0.1235).ratio, 124);
        assert_eq!(RetryBudget::new(1, f64::NAN).ratio, 0);
        assert_eq!(
            RetryBudget::new(1, 7.0).ratio,
            1000,
            "at most a full bucket"
        );
    }
}
