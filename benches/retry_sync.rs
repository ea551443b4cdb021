//! Sync `#[retry]` whose first attempt succeeds, against a bare call, the runtime's
//! `Retry::run`, and backon's blocking retry, in one group.
//!
//! Every variant is a non-inlined function around the same inlined body, and every result
//! is reduced to an integer before `black_box` (a `Result` passed by value to `black_box`
//! stalls the loop and hides the costs being measured). The contract: `#[retry]` ≤ 1.1× the
//! bare call + 2 ns.
//!
//! `cargo bench --bench retry_sync -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use backon::{BlockingRetryable, ExponentialBuilder};
use criterion::{criterion_group, criterion_main, Criterion};
use steadfast::{retry, Retry};

#[derive(Debug)]
struct Error(#[allow(dead_code)] u64);

/// The work every variant does: a little arithmetic that fails only for an input the
/// benches never pass.
#[inline(always)]
fn body(x: u64) -> Result<u64, Error> {
    if x == u64::MAX {
        Err(Error(x))
    } else {
        Ok(x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17))
    }
}

#[inline(always)]
fn reduce(result: Result<u64, Error>) -> u64 {
    match result {
        Ok(value) => value,
        Err(Error(code)) => code ^ 1,
    }
}

#[inline(never)]
fn bare(x: u64) -> Result<u64, Error> {
    body(x)
}

#[retry(attempts = 3)]
#[inline(never)]
fn retried(x: u64) -> Result<u64, Error> {
    body(x)
}

#[retry(attempts = 5, backoff = "fixed", delay = "10ms", jitter = "none", when = |e: &Error| e.0 != 0)]
#[inline(never)]
fn retried_with_when(x: u64) -> Result<u64, Error> {
    body(x)
}

#[inline(never)]
fn runtime_run(x: u64) -> Result<u64, Error> {
    Retry::new().attempts(3).run(|| body(x))
}

#[inline(never)]
fn backon_blocking(x: u64) -> Result<u64, Error> {
    // `max_times` counts retries: 2 retries is 3 attempts, as above.
    (|| body(x))
        .retry(ExponentialBuilder::default().with_max_times(2))
        .call()
}

fn retry_sync(c: &mut Criterion) {
    let mut group = c.benchmark_group("retry_sync_first_attempt_ok");
    group.bench_function("bare call", |b| {
        b.iter(|| black_box(reduce(bare(black_box(7)))))
    });
    group.bench_function("#[retry]", |b| {
        b.iter(|| black_box(reduce(retried(black_box(7)))))
    });
    group.bench_function("#[retry] with when", |b| {
        b.iter(|| black_box(reduce(retried_with_when(black_box(7)))))
    });
    group.bench_function("Retry::run", |b| {
        b.iter(|| black_box(reduce(runtime_run(black_box(7)))))
    });
    group.bench_function("backon blocking", |b| {
        b.iter(|| black_box(reduce(backon_blocking(black_box(7)))))
    });
    group.finish();
}

criterion_group!(benches, retry_sync);
criterion_main!(benches);
