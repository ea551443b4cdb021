//! `Retry::delays()`: the backoff formulas, the `max_delay` cap, the jitter bounds and the
//! seeded generator, checked without sleeping.

use std::collections::BTreeSet;
use std::time::Duration;

use steadfast_runtime::{Backoff, Jitter, Retry};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn exact(policy: Retry) -> Vec<Duration> {
    policy.jitter(Jitter::None).delays().collect()
}

/// Draws per jitter test: enough that a wrong bound or a stuck generator shows.
const DRAWS: u32 = 5_000;

// ---------------------------------------------------------------------------------------
// The exact schedule (`Jitter::None`)

#[test]
fn exponential_doubles_from_the_base_delay() {
    let policy = Retry::exp().attempts(4).delay(ms(100));
    assert_eq!(exact(policy), [100, 200, 400].map(ms));
    assert_eq!(
        policy.jitter(Jitter::None).delays().sum::<Duration>(),
        ms(700)
    );
}

#[test]
fn linear_grows_by_the_base_delay() {
    let policy = Retry::linear().attempts(5).delay(ms(100));
    assert_eq!(exact(policy), [100, 200, 300, 400].map(ms));
}

#[test]
fn fixed_repeats_the_base_delay() {
    let policy = Retry::fixed().attempts(5).delay(ms(250));
    assert_eq!(exact(policy), [250; 4].map(ms));
}

#[test]
fn backoff_none_never_sleeps_whatever_the_jitter() {
    for jitter in [
        Jitter::None,
        Jitter::Full,
        Jitter::Equal,
        Jitter::Decorrelated,
    ] {
        let policy = Retry::new()
            .backoff(Backoff::None)
            .attempts(50)
            .delay(ms(100))
            .jitter(jitter);
        let delays: Vec<_> = policy.delays().collect();
        assert_eq!(delays.len(), 49, "{jitter:?}");
        assert!(
            delays.iter().all(Duration::is_zero),
            "{jitter:?}: {delays:?}"
        );
    }
}

#[test]
fn the_constructors_pick_their_backoff_and_the_defaults() {
    // Default: exponential from 100 ms, 3 attempts.
    assert_eq!(exact(Retry::new()), [100, 200].map(ms));
    assert_eq!(exact(Retry::default()), [100, 200].map(ms));
    assert_eq!(
        exact(Retry::new().backoff(Backoff::Linear).attempts(4)),
        exact(Retry::linear().attempts(4))
    );
    assert_eq!(
        exact(Retry::new().backoff(Backoff::Fixed).attempts(4)),
        exact(Retry::fixed().attempts(4))
    );
}

#[test]
fn there_is_one_delay_per_retry() {
    for attempts in [1, 2, 3, 10, 100] {
        let policy = Retry::exp().attempts(attempts);
        assert_eq!(policy.max_attempts(), attempts);
        let delays = policy.delays();
        assert_eq!(delays.len(), attempts as usize - 1);
        assert_eq!(delays.count(), attempts as usize - 1);
    }
}

#[test]
fn zero_attempts_is_one_attempt_and_no_delay() {
    let policy = Retry::exp().attempts(0);
    assert_eq!(policy.max_attempts(), 1);
    assert_eq!(policy.delays().len(), 0);
    assert_eq!(policy.delays().next(), None);
}

// ---------------------------------------------------------------------------------------
// max_delay

#[test]
fn max_delay_caps_every_backoff() {
    let cap = ms(250);
    assert_eq!(
        exact(Retry::exp().attempts(6).delay(ms(100)).max_delay(cap)),
        [100, 200, 250, 250, 250].map(ms)
    );
    assert_eq!(
        exact(Retry::linear().attempts(6).delay(ms(100)).max_delay(cap)),
        [100, 200, 250, 250, 250].map(ms)
    );
    assert_eq!(
        exact(Retry::fixed().attempts(3).delay(ms(400)).max_delay(cap)),
        [250, 250].map(ms)
    );
}

#[test]
fn the_default_max_delay_is_thirty_seconds() {
    let delays = exact(Retry::exp().attempts(20).delay(ms(100)));
    assert_eq!(delays[8], ms(25_600));
    assert!(delays[9..].iter().all(|&d| d == Duration::from_secs(30)));
}

#[test]
fn max_delay_is_applied_before_jitter() {
    // The base delay alone is above the cap: every jittered draw stays within the cap.
    let delay = Duration::from_secs(10);
    let cap = ms(100);
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        let policy = Retry::exp()
            .attempts(DRAWS)
            .delay(delay)
            .max_delay(cap)
            .jitter(jitter);
        let max = policy.delays().max().unwrap();
        assert!(max <= cap, "{jitter:?} drew {max:?} above the cap");
    }
    // Equal jitter of a capped delay is at least half the cap, not half the raw delay.
    let policy = Retry::exp()
        .attempts(DRAWS)
        .delay(delay)
        .max_delay(cap)
        .jitter(Jitter::Equal);
    assert!(policy.delays().all(|d| d >= cap / 2 && d <= cap));
}

#[test]
fn exponential_overflow_saturates_to_max_delay() {
    let policy = Retry::exp()
        .attempts(200)
        .delay(ms(1))
        .max_delay(Duration::MAX)
        .jitter(Jitter::None);
    let delays: Vec<_> = policy.delays().collect();
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "not monotonic");
    assert_eq!(delays[10], ms(1024));
    assert_eq!(delays.last(), Some(&Duration::MAX));

    // With a finite cap, the huge delays become the cap, never wrap to something small.
    let capped = exact(Retry::exp().attempts(200).delay(ms(1)).max_delay(ms(5_000)));
    assert!(capped[13..].iter().all(|&d| d == ms(5_000)), "{capped:?}");

    // A huge base saturates as well, for every backoff.
    for backoff in [Backoff::Exponential, Backoff::Linear, Backoff::Fixed] {
        let huge = Retry::new()
            .backoff(backoff)
            .attempts(100)
            .delay(Duration::MAX / 2)
            .max_delay(Duration::MAX)
            .jitter(Jitter::None);
        let last = huge.delays().last().unwrap();
        assert!(last >= Duration::MAX / 2, "{backoff:?}: {last:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Jitter bounds

/// Checks `bounds(retry_number, capped_delay)` for every draw of `policy`, over many draws,
/// and that the draws spread over the range rather than sitting at one value.
fn assert_draws_within<W, O, A, L>(
    policy: Retry<W, O, A, L>,
    unjittered: &[Duration],
    bounds: impl Fn(Duration) -> (Duration, Duration),
) {
    let draws: Vec<Duration> = policy.delays().collect();
    assert_eq!(draws.len(), unjittered.len());
    for (i, (&drawn, &capped)) in draws.iter().zip(unjittered).enumerate() {
        let (low, high) = bounds(capped);
        assert!(
            low <= drawn && drawn <= high,
            "draw {i}: {drawn:?} outside [{low:?}, {high:?}]"
        );
    }
    let distinct: BTreeSet<_> = draws.iter().collect();
    assert!(
        distinct.len() > draws.len() * 9 / 10,
        "only {} distinct values in {} draws",
        distinct.len(),
        draws.len()
    );
}

#[test]
fn full_jitter_is_uniform_between_zero_and_the_capped_delay() {
    // Exponential with a cap, so that both the growth and the cap are exercised.
    let base = Retry::exp()
        .attempts(DRAWS)
        .delay(ms(10))
        .max_delay(ms(500));
    let unjittered: Vec<_> = base.jitter(Jitter::None).delays().collect();
    for seed in [None, Some(1), Some(u64::MAX)] {
        let policy = base.jitter(Jitter::Full);
        let policy = match seed {
            Some(seed) => policy.seed(seed),
            None => policy,
        };
        assert_draws_within(policy, &unjittered, |capped| (Duration::ZERO, capped));
    }
    // Spread over the whole range: near both ends, and a mean near the middle.
    let fixed = Retry::fixed()
        .attempts(DRAWS + 1)
        .delay(ms(100))
        .jitter(Jitter::Full);
    let draws: Vec<_> = fixed.delays().collect();
    assert!(draws.iter().min().unwrap() < &ms(5));
    assert!(draws.iter().max().unwrap() > &ms(95));
    let mean = draws.iter().sum::<Duration>() / DRAWS;
    assert!(mean > ms(45) && mean < ms(55), "mean {mean:?}");
}

#[test]
fn equal_jitter_is_between_half_and_all_of_the_capped_delay() {
    let base = Retry::linear()
        .attempts(DRAWS)
        .delay(ms(3))
        .max_delay(ms(700));
    let unjittered: Vec<_> = base.jitter(Jitter::None).delays().collect();
    for seed in [None, Some(7)] {
        let policy = base.jitter(Jitter::Equal);
        let policy = match seed {
            Some(seed) => policy.seed(seed),
            None => policy,
        };
        assert_draws_within(policy, &unjittered, |capped| (capped / 2, capped));
    }
    let draws: Vec<_> = Retry::fixed()
        .attempts(DRAWS + 1)
        .delay(ms(100))
        .jitter(Jitter::Equal)
        .delays()
        .collect();
    assert!(draws.iter().min().unwrap() < &ms(53));
    assert!(draws.iter().max().unwrap() > &ms(97));
    let mean = draws.iter().sum::<Duration>() / DRAWS;
    assert!(mean > ms(72) && mean < ms(78), "mean {mean:?}");
}

#[test]
fn equal_jitter_of_an_odd_number_of_nanoseconds_stays_within_the_delay() {
    let delay = Duration::from_nanos(3);
    let draws: BTreeSet<_> = Retry::fixed()
        .attempts(1_000)
        .delay(delay)
        .jitter(Jitter::Equal)
        .delays()
        .collect();
    // capped/2 = 1 ns, so 1, 2 and 3 ns, and nothing else.
    assert_eq!(draws, [1, 2, 3].map(Duration::from_nanos).into());
}

#[test]
fn decorrelated_jitter_draws_between_the_delay_and_three_times_the_previous() {
    let delay = ms(10);
    let cap = Duration::from_secs(2);
    for seed in [None, Some(3), Some(99)] {
        let policy = Retry::exp()
            .attempts(DRAWS)
            .delay(delay)
            .max_delay(cap)
            .jitter(Jitter::Decorrelated);
        let policy = match seed {
            Some(seed) => policy.seed(seed),
            None => policy,
        };
        let mut previous = delay;
        let mut distinct = BTreeSet::new();
        for (i, drawn) in policy.delays().enumerate() {
            let high = cap.min(previous * 3);
            assert!(
                delay <= drawn && drawn <= high,
                "draw {i}: {drawn:?} outside [{delay:?}, {high:?}] (previous {previous:?})"
            );
            distinct.insert(drawn);
            previous = drawn;
        }
        assert!(distinct.len() > DRAWS as usize / 5, "{}", distinct.len());
    }
}

#[test]
fn decorrelated_jitter_reaches_and_respects_the_cap() {
    let cap = ms(300);
    let draws: Vec<_> = Retry::exp()
        .attempts(DRAWS)
        .delay(ms(100))
        .max_delay(cap)
        .jitter(Jitter::Decorrelated)
        .seed(11)
        .delays()
        .collect();
    assert!(draws.iter().all(|&d| d >= ms(100) && d <= cap));
    assert!(draws.contains(&cap), "the cap is never reached");
}

#[test]
fn decorrelated_jitter_ignores_the_kind_of_backoff() {
    let draws = |policy: Retry| -> Vec<Duration> {
        policy
            .attempts(50)
            .delay(ms(100))
            .jitter(Jitter::Decorrelated)
            .seed(5)
            .delays()
            .collect()
    };
    let exp = draws(Retry::exp());
    assert_eq!(exp, draws(Retry::linear()));
    assert_eq!(exp, draws(Retry::fixed()));
}

#[test]
fn decorrelated_jitter_of_a_zero_delay_stays_zero() {
    // previous starts at the delay, 0, and 3 · 0 = 0: there is nothing to draw from.
    for seed in [None, Some(1), Some(2)] {
        let policy = Retry::exp()
            .attempts(DRAWS)
            .delay(Duration::ZERO)
            .jitter(Jitter::Decorrelated);
        let policy = match seed {
            Some(seed) => policy.seed(seed),
            None => policy,
        };
        let max = policy.delays().max().unwrap();
        assert_eq!(max, Duration::ZERO, "seed {seed:?}");
    }
}

#[test]
fn a_zero_delay_stays_zero_past_the_exponent_overflow() {
    // 100 attempts: 2^(n-1) overflows a u32 from the 33rd retry on, and 0 · anything is 0.
    for jitter in [Jitter::None, Jitter::Full, Jitter::Equal] {
        let policy = Retry::exp()
            .attempts(100)
            .delay(Duration::ZERO)
            .jitter(jitter);
        assert!(policy.delays().all(|d| d.is_zero()), "{jitter:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Seeds

#[test]
fn a_seed_makes_the_jitter_repeatable() {
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        let policy = Retry::exp()
            .attempts(100)
            .max_delay(Duration::from_secs(60))
            .jitter(jitter)
            .seed(42);
        let first: Vec<_> = policy.delays().collect();
        let second: Vec<_> = policy.delays().collect();
        assert_eq!(first, second, "{jitter:?}");
        // A copy of the policy, or the same policy built again, draws the same.
        let again = Retry::exp()
            .attempts(100)
            .max_delay(Duration::from_secs(60))
            .jitter(jitter)
            .seed(42);
        assert!(again.delays().eq(first.iter().copied()), "{jitter:?}");
    }
}

#[test]
fn different_seeds_draw_different_delays() {
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        let policy = Retry::fixed().attempts(20).jitter(jitter);
        let a: Vec<_> = policy.seed(1).delays().collect();
        let b: Vec<_> = policy.seed(2).delays().collect();
        assert_ne!(a, b, "{jitter:?}");
        let c: Vec<_> = policy.seed(0).delays().collect();
        assert_ne!(a, c, "{jitter:?}");
    }
}

#[test]
fn without_a_seed_every_call_draws_anew() {
    let policy = Retry::fixed().attempts(20).jitter(Jitter::Full);
    let a: Vec<_> = policy.delays().collect();
    let b: Vec<_> = policy.delays().collect();
    assert_ne!(a, b);
}

#[test]
fn a_seed_does_not_change_the_exact_schedule() {
    let policy = Retry::exp().attempts(5).jitter(Jitter::None);
    assert!(policy.seed(9).delays().eq(policy.delays()));
    assert_eq!(exact(policy.seed(9)), [100, 200, 400, 800].map(ms));
}

#[test]
fn a_delays_iterator_can_be_cloned_midway() {
    let mut delays = Retry::exp()
        .attempts(10)
        .jitter(Jitter::Decorrelated)
        .seed(8)
        .delays();
    delays.next();
    delays.next();
    let rest: Vec<_> = delays.clone().collect();
    assert_eq!(rest.len(), 7);
    assert_eq!(delays.len(), 7);
    assert!(delays.eq(rest));
}
