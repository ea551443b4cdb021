//! The delay schedule: backoff formulas, the cap, and jitter, as a plain iterator.

use core::time::Duration;

/// How the base delay grows from one retry to the next (the `backoff` key).
///
/// For the sleep before attempt `n + 1` (so after the `n`-th failure, `n` from 1):
///
/// | kind | delay |
/// | --- | --- |
/// | `Exponential` | `delay · 2^(n-1)` |
/// | `Linear` | `delay · n` |
/// | `Fixed` | `delay` |
/// | `None` | 0 |
///
/// Every delay is capped by `max_delay` before jitter is applied.
///
/// ```
/// use std::time::Duration;
/// use steadfast::{Backoff, Jitter, Retry};
/// let linear = Retry::new().backoff(Backoff::Linear).attempts(4).jitter(Jitter::None);
/// assert_eq!(linear.delays().collect::<Vec<_>>(), [100, 200, 300].map(Duration::from_millis));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backoff {
    /// `delay · 2^(n-1)`: 100 ms, 200 ms, 400 ms, …
    Exponential,
    /// `delay · n`: 100 ms, 200 ms, 300 ms, …
    Linear,
    /// `delay` every time.
    Fixed,
    /// No sleep between attempts.
    None,
}

/// How randomness spreads the delays (the `jitter` key): the formulas of the AWS
/// Architecture Blog's "Exponential Backoff And Jitter".
///
/// With `capped` the backoff's delay after the `max_delay` cap:
///
/// | kind | delay |
/// | --- | --- |
/// | `Full` | uniform in `[0, capped]` |
/// | `Equal` | `capped/2` + uniform in `[0, capped/2]` |
/// | `Decorrelated` | uniform in `[delay, 3 · previous]`, capped by `max_delay`; `previous` starts at `delay` |
/// | `None` | `capped`: the exact schedule |
///
/// Decorrelated jitter is a schedule of its own: it grows from the previous *drawn* delay,
/// so it ignores whether the backoff is exponential, linear or fixed (but `Backoff::None`
/// still means no sleep).
///
/// ```
/// use std::time::Duration;
/// use steadfast::{Jitter, Retry};
/// let equal = Retry::fixed().attempts(20).jitter(Jitter::Equal);
/// assert!(equal.delays().all(|d| d >= Duration::from_millis(50) && d <= Duration::from_millis(100)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Jitter {
    /// Uniform in `[0, capped]`.
    Full,
    /// Half the delay, plus uniform in `[0, capped/2]`.
    Equal,
    /// Uniform in `[delay, 3 · previous delay]`, capped.
    Decorrelated,
    /// No randomness.
    None,
}

/// The delays of a policy, one per retry, without sleeping: `attempts - 1` items.
///
/// Made by [`Retry::delays`](crate::Retry::delays). Jittered delays come from a small
/// pseudo-random generator, seeded from the process's hash randomness on first use, or from
/// [`Retry::seed`](crate::Retry::seed) for a repeatable sequence.
///
/// ```
/// use std::time::Duration;
/// use steadfast::{Jitter, Retry};
///
/// let policy = Retry::exp().attempts(4).delay(Duration::from_millis(100)).jitter(Jitter::None);
/// let delays: Vec<Duration> = policy.delays().collect();
/// assert_eq!(delays, [100, 200, 400].map(Duration::from_millis));
/// ```
#[derive(Debug, Clone)]
pub struct Delays {
    pub(crate) schedule: Schedule,
    pub(crate) state: ScheduleState,
    pub(crate) retries: u32,
    pub(crate) remaining: u32,
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        self.retries += 1;
        Some(self.schedule.next_delay(&mut self.state, self.retries))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining as usize, Some(self.remaining as usize))
    }
}

impl ExactSizeIterator for Delays {}

/// The parameters of a schedule; the state of one call lives in [`ScheduleState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    pub(crate) backoff: Backoff,
    pub(crate) jitter: Jitter,
    pub(crate) base: Duration,
    pub(crate) cap: Duration,
    pub(crate) seed: Option<u64>,
}

/// Where one call is in its schedule: kept small, since it lives in every retried future.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScheduleState {
    /// The previous drawn delay in nanoseconds, for decorrelated jitter (0: none yet).
    previous_nanos: u64,
    rng: Rng,
}

impl Schedule {
    /// The delay before retry `n` (from 1), the one after the `n`-th failed attempt.
    pub(crate) fn next_delay(&self, state: &mut ScheduleState, n: u32) -> Duration {
        let n = n.max(1);
        let unjittered = match self.backoff {
            Backoff::None => return Duration::ZERO,
            Backoff::Fixed => self.base,
            Backoff::Linear => self.base.saturating_mul(n),
            Backoff::Exponential => match 2u32.checked_pow(n - 1) {
                Some(factor) => self.base.saturating_mul(factor),
                // 2^(n-1) overflows: the delay is past any cap, unless there is none to grow.
                None if self.base.is_zero() => Duration::ZERO,
                None => Duration::MAX,
            },
        };
        let capped = unjittered.min(self.cap);
        let rng = &mut state.rng;
        match self.jitter {
            Jitter::None => capped,
            Jitter::Full => rng.between(self.seed, Duration::ZERO, capped),
            Jitter::Equal => {
                let half = capped / 2;
                half + rng.between(self.seed, Duration::ZERO, capped - half)
            }
            Jitter::Decorrelated => {
                let low = self.base.min(self.cap);
                let previous = match state.previous_nanos {
                    0 => low,
                    nanos => Duration::from_nanos(nanos),
                };
                let high = previous.saturating_mul(3).max(low);
                let drawn = rng.between(self.seed, low, high).min(self.cap);
                // A zero draw (only possible when `low` is zero) restarts from `low`, which
                // is right: 3 · 0 is 0.
                state.previous_nanos = u64::try_from(drawn.as_nanos()).unwrap_or(u64::MAX);
                drawn
            }
        }
    }
}

/// SplitMix64: small, fast, and good enough to spread retries; not for cryptography.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rng {
    /// 0 until the first draw, so a call that never retries never seeds (a seed that
    /// would give 0 is nudged).
    state: u64,
}

impl Rng {
    fn next_u64(&mut self, seed: Option<u64>) -> u64 {
        if self.state == 0 {
            let seed = seed.unwrap_or_else(random_seed);
            self.state = if seed == 0 { 0x5EED } else { seed };
        }
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[low, high]`, to the nanosecond.
    fn between(&mut self, seed: Option<u64>, low: Duration, high: Duration) -> Duration {
        if high <= low {
            return low;
        }
        let span = (high - low).as_nanos().min(u128::from(u64::MAX - 1)) as u64 + 1;
        // Lemire's multiply-shift: uniform in [0, span) without a division.
        let offset = ((u128::from(self.next_u64(seed)) * u128::from(span)) >> 64) as u64;
        low + Duration::from_nanos(offset)
    }
}

/// A seed that differs between calls and processes, from std's hash randomness.
#[cfg(feature = "std")]
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_usize(&hasher as *const _ as usize);
    hasher.finish()
}

/// Without `std`, no source of randomness is at hand: a process-wide counter, mixed with
/// where this call's stack is (which address-space randomisation moves between runs, where
/// the platform has it), keeps concurrent calls apart. `Retry::seed` fixes the sequence.
#[cfg(not(feature = "std"))]
fn random_seed() -> u64 {
    // Pointer-sized: the widest atomic every target with atomics has.
    use core::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let here = 0u8;
    let calls = CALLS.fetch_add(1, Ordering::Relaxed) as u64;
    calls.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (&here as *const u8 as usize as u64).rotate_left(32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(
        backoff: Backoff,
        jitter: Jitter,
        base: Duration,
        cap: Duration,
        seed: Option<u64>,
    ) -> Schedule {
        Schedule {
            backoff,
            jitter,
            base,
            cap,
            seed,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn first(backoff: Backoff, jitter: Jitter, n: usize) -> Vec<Duration> {
        let s = schedule(backoff, jitter, ms(100), ms(1000), Some(7));
        let mut state = ScheduleState::default();
        (1..=n as u32)
            .map(|i| s.next_delay(&mut state, i))
            .collect()
    }

    #[test]
    fn unjittered_schedules() {
        let exact = |b| first(b, Jitter::None, 5);
        assert_eq!(
            exact(Backoff::Exponential),
            [100, 200, 400, 800, 1000].map(ms)
        );
        assert_eq!(exact(Backoff::Linear), [100, 200, 300, 400, 500].map(ms));
        assert_eq!(exact(Backoff::Fixed), [100; 5].map(ms));
        assert_eq!(exact(Backoff::None), [0; 5].map(ms));
    }

    #[test]
    fn exponential_saturates_instead_of_overflowing() {
        let s = schedule(
            Backoff::Exponential,
            Jitter::None,
            ms(1),
            Duration::MAX,
            None,
        );
        let mut state = ScheduleState::default();
        let last = (1..=200).map(|i| s.next_delay(&mut state, i)).last();
        assert_eq!(last, Some(Duration::MAX));
    }

    #[test]
    fn same_seed_same_delays() {
        assert_eq!(
            first(Backoff::Exponential, Jitter::Full, 8),
            first(Backoff::Exponential, Jitter::Full, 8)
        );
    }

    #[test]
    fn between_covers_both_ends_of_a_tiny_range() {
        let mut rng = Rng::default();
        let seen: std::collections::BTreeSet<_> = (0..200)
            .map(|_| rng.between(Some(1), Duration::from_nanos(5), Duration::from_nanos(7)))
            .collect();
        assert_eq!(seen.len(), 3);
    }
}
