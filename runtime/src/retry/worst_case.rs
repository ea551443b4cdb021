//! The longest a call can take: [`Retry::worst_case`], the figure that `#[retry(within = ...)]`
//! checks at compile time. The macro cannot call the runtime, so it adds up the same
//! formula from the keys' literals (`macros/src/retry/within.rs`); the unit tests there and
//! `tests/ui/pass_retry_within.rs` here check that both give the same figures.

use core::time::Duration;

use super::hooks::NoHint;
use super::schedule::{Backoff, Jitter, Schedule};
use super::timeout::Limits;
use super::Retry;

impl<W, O, A, L: Limits, K> Retry<W, O, A, L, K> {
    /// The longest a call of this policy can take, sleeps included, or `None` when nothing
    /// bounds it: no `timeout`, and either no `attempt_timeout` (an attempt may run
    /// forever) or a [`retry_after`](Retry::retry_after) hook (a hint is not capped by
    /// `max_delay`). This is the figure `#[retry(within = "5s")]` checks at compile time.
    ///
    /// With `n` attempts, `a` the `attempt_timeout` and `d(i)` the longest sleep before
    /// retry `i`:
    ///
    /// ```text
    /// worst_case = min(timeout, n · a + d(1) + … + d(n-1))   (without a timeout, the sum)
    /// ```
    ///
    /// where `d(i)`, with `capped(x) = min(x, max_delay)`, is the most the jitter can make
    /// of the backoff's delay:
    ///
    /// | backoff | `jitter = "full"`, `"equal"`, `"none"` | `jitter = "decorrelated"` |
    /// | --- | --- | --- |
    /// | exponential | `capped(delay · 2^(i-1))` | `capped(capped(delay) · 3^i)` |
    /// | linear | `capped(delay · i)` | `capped(capped(delay) · 3^i)` |
    /// | fixed | `capped(delay)` | `capped(capped(delay) · 3^i)` |
    /// | none | 0 | 0 |
    ///
    /// (Full and equal jitter never exceed the capped delay; decorrelated jitter draws up to
    /// 3 × the previous delay.) A [`budget`](Retry::budget) can only shorten a call. The
    /// `timeout` bounds everything because the policy never sleeps into it, and an attempt
    /// in flight is dropped at it.
    ///
    /// The figure assumes that every attempt ends by its limit, as
    /// [`run_async`](Retry::run_async) and an async `#[retry]` make it (they drop the
    /// attempt there). [`run`](Retry::run) and a sync `#[retry]` cannot interrupt a running
    /// attempt and ignore `attempt_timeout`: there it holds only for attempts that return
    /// within those limits by themselves, which is why `within` needs an `async fn`. Time
    /// spent in the hooks (`when`, `on_retry`, `retry_after`) and a timer's lateness are not
    /// counted.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steadfast::{Jitter, Retry};
    ///
    /// let ms = Duration::from_millis;
    /// let policy = Retry::exp()
    ///     .attempts(4)
    ///     .delay(ms(100))
    ///     .max_delay(ms(300))
    ///     .jitter(Jitter::Full)
    ///     .attempt_timeout(Duration::from_secs(1));
    /// // 4 attempts × 1s + 100ms + 200ms + 300ms (max_delay)
    /// assert_eq!(policy.worst_case(), Some(ms(4600)));
    /// // The whole call's timeout bounds it too.
    /// assert_eq!(policy.timeout(Duration::from_secs(2)).worst_case(), Some(ms(2000)));
    /// // Nothing bounds an attempt.
    /// assert_eq!(Retry::new().worst_case(), None);
    /// ```
    pub fn worst_case(&self) -> Option<Duration> {
        let sum = self.attempts_and_sleeps();
        match (self.limits.timeout(), sum) {
            (Some(timeout), Some(sum)) => Some(timeout.min(sum)),
            (timeout, sum) => timeout.or(sum),
        }
    }

    /// `attempts · attempt_timeout` plus the longest sleeps, or `None` when an attempt or a
    /// hinted sleep has no bound.
    fn attempts_and_sleeps(&self) -> Option<Duration> {
        // `A` is a hook unless it is the default: a type-level fact, read without a bound on
        // `A` (which `RetryAfter<E>` would need an `E` for).
        if core::any::type_name::<A>() != core::any::type_name::<NoHint>() {
            return None;
        }
        let attempt = self.limits.attempt_timeout()?;
        let attempts = attempt.saturating_mul(self.attempts);
        Some(attempts.saturating_add(self.schedule.longest_sleeps(self.attempts - 1)))
    }
}

impl Schedule {
    /// The sum of the longest sleeps before retries `1..=retries`: each the most its
    /// backoff, cap and jitter allow (see the module's documentation). Closed forms, so that
    /// `attempts = u32::MAX` costs no more than `attempts = 3`.
    pub(crate) fn longest_sleeps(&self, retries: u32) -> Duration {
        let retries = u128::from(retries);
        let base = self.base.as_nanos();
        let cap = self.cap.as_nanos();
        let nanos = match (self.backoff, self.jitter) {
            (Backoff::None, _) => 0,
            (_, Jitter::Decorrelated) => growing(base.min(cap), 3, cap, retries, true),
            (Backoff::Exponential, _) => growing(base, 2, cap, retries, false),
            (Backoff::Fixed, _) => retries.saturating_mul(base.min(cap)),
            (Backoff::Linear, _) => {
                // `delay · i` up to the cap (for `i ≤ cap / delay`), then the cap.
                let below = match cap.checked_div(base) {
                    Some(steps) => steps.min(retries),
                    None => retries, // `delay = 0`: every delay is 0
                };
                let series = below.saturating_mul(below + 1) / 2;
                base.saturating_mul(series)
                    .saturating_add((retries - below).saturating_mul(cap))
            }
        };
        from_nanos(nanos)
    }
}

/// `first · factor^k` for retries `1..=retries` (`k` from 0, or from 1 when `from_one`),
/// each capped by `cap`, summed in nanoseconds.
fn growing(first: u128, factor: u128, cap: u128, retries: u128, from_one: bool) -> u128 {
    if first == 0 {
        return 0;
    }
    let mut value = if from_one {
        first.saturating_mul(factor)
    } else {
        first
    };
    let (mut sum, mut done) = (0u128, 0u128);
    // At most ~100 rounds: `value` grows from 1 ns past any `Duration`.
    while done < retries && value < cap {
        sum = sum.saturating_add(value);
        done += 1;
        value = value.saturating_mul(factor);
    }
    sum.saturating_add((retries - done).saturating_mul(cap))
}

/// Nanoseconds as a `Duration`, saturating.
fn from_nanos(nanos: u128) -> Duration {
    const PER_SECOND: u128 = 1_000_000_000;
    match u64::try_from(nanos / PER_SECOND) {
        Ok(seconds) => Duration::new(seconds, (nanos % PER_SECOND) as u32),
        Err(_) => Duration::MAX,
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use crate::{Backoff, Jitter, Retry};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn the_sum_of_the_capped_schedule() {
        let exp = Retry::exp().attempts(4).max_delay(ms(300));
        assert_eq!(
            exp.attempt_timeout(SECOND).worst_case(),
            Some(ms(4000 + 100 + 200 + 300))
        );
        let linear = Retry::linear().attempts(6).max_delay(ms(350));
        assert_eq!(
            linear.attempt_timeout(SECOND).worst_case(),
            Some(ms(6000 + 100 + 200 + 300 + 350 + 350))
        );
        let fixed = Retry::fixed().attempts(3).delay(ms(250));
        assert_eq!(
            fixed.attempt_timeout(ms(10)).worst_case(),
            Some(ms(30 + 500))
        );
        let none = Retry::new().attempts(5).backoff(Backoff::None);
        assert_eq!(none.attempt_timeout(ms(10)).worst_case(), Some(ms(50)));
        // The defaults: 3 attempts, 100 ms doubling, full jitter.
        assert_eq!(
            Retry::new().attempt_timeout(SECOND).worst_case(),
            Some(ms(3300))
        );
    }

    #[test]
    fn decorrelated_grows_by_three_from_the_base() {
        let policy = Retry::fixed()
            .attempts(5)
            .jitter(Jitter::Decorrelated)
            .max_delay(ms(2000))
            .attempt_timeout(ms(100));
        assert_eq!(policy.worst_case(), Some(ms(500 + 300 + 900 + 2000 + 2000)));
    }

    #[test]
    fn a_timeout_bounds_everything() {
        let hinted = Retry::new()
            .attempt_timeout(SECOND)
            .retry_after(|_: &()| Some(Duration::from_secs(3600)));
        assert_eq!(hinted.worst_case(), None);
        assert_eq!(hinted.timeout(ms(1500)).worst_case(), Some(ms(1500)));
        assert_eq!(Retry::new().timeout(ms(700)).worst_case(), Some(ms(700)));
        let short = Retry::new().attempts(2).attempt_timeout(ms(1));
        assert_eq!(short.timeout(SECOND).worst_case(), Some(ms(102)));
    }

    #[test]
    fn huge_policies_saturate_and_take_no_time() {
        let policy = Retry::linear()
            .attempts(u32::MAX)
            .delay(Duration::from_nanos(1))
            .max_delay(Duration::MAX)
            .attempt_timeout(Duration::MAX);
        assert_eq!(policy.worst_case(), Some(Duration::MAX));
        let exp = Retry::exp()
            .attempts(u32::MAX)
            .delay(Duration::from_nanos(1))
            .max_delay(Duration::MAX);
        assert_eq!(
            exp.attempt_timeout(Duration::ZERO).worst_case(),
            Some(Duration::MAX)
        );
    }

    /// Every jitter, drawn many times, stays within the figure: it is a true maximum.
    #[test]
    fn no_drawn_schedule_exceeds_the_longest_sleeps() {
        for backoff in [Backoff::Exponential, Backoff::Linear, Backoff::Fixed] {
            for jitter in [
                Jitter::Full,
                Jitter::Equal,
                Jitter::Decorrelated,
                Jitter::None,
            ] {
                for seed in 0..200 {
                    let policy = Retry::new()
                        .attempts(9)
                        .backoff(backoff)
                        .jitter(jitter)
                        .delay(ms(70))
                        .max_delay(ms(900))
                        .seed(seed);
                    let drawn: Duration = policy.delays().sum();
                    let longest = policy.schedule.longest_sleeps(8);
                    assert!(drawn <= longest, "{backoff:?} {jitter:?} {seed}");
                }
            }
        }
    }

    /// Without jitter the figure is the schedule itself; decorrelated jitter reaches it by
    /// drawing the top of every range (3 × the previous delay, capped).
    #[test]
    fn the_maximum_is_reached() {
        for backoff in [Backoff::Exponential, Backoff::Linear, Backoff::Fixed] {
            let policy = Retry::new()
                .attempts(12)
                .backoff(backoff)
                .jitter(Jitter::None)
                .delay(ms(70))
                .max_delay(ms(900));
            let exact: Duration = policy.delays().sum();
            assert_eq!(policy.schedule.longest_sleeps(11), exact, "{backoff:?}");
        }
        let decorrelated = Retry::new()
            .jitter(Jitter::Decorrelated)
            .delay(ms(70))
            .max_delay(ms(900));
        let tops = [210, 630, 900, 900, 900]
            .map(ms)
            .into_iter()
            .sum::<Duration>();
        assert_eq!(decorrelated.schedule.longest_sleeps(5), tops);
    }
}
