//! Async retries on one current-thread tokio runtime, in two groups:
//!
//! - `retry_async_first_attempt_ok`: `#[retry]` whose first attempt succeeds, against a
//!   bare `.await`, the runtime's `Retry::run_async`, backon and tokio-retry2. The
//!   contract: `#[retry]` ≤ the bare `.await` + 2 ns, and faster than both peers.
//! - `retry_async_3_failures_then_ok`: three failures then a success, 10 ms fixed delays,
//!   no jitter, on tokio's paused clock (`start_paused(true)`: the runtime jumps to each
//!   timer when idle), so what is measured is the retry machinery and tokio's timer, not
//!   the sleeping. backon (`TokioSleeper`) and tokio-retry2 (`sleep_until`) both sleep on
//!   tokio's timer, so the paused clock applies to them too. A hand-written loop with the
//!   same calls and sleeps is the floor: what is above it is the retry machinery.
//!
//! Each measurement is one `block_on` around the whole timed loop (criterion's
//! `iter_custom`), so the runtime's entry costs nothing per iteration; every result is
//! reduced to an integer before `black_box`.
//!
//! `cargo bench --bench retry_async -- --warm-up-time 1 --measurement-time 3`

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use backon::{ConstantBuilder, ExponentialBuilder, Retryable};
use criterion::{criterion_group, criterion_main, Criterion};
use steadfast::{retry, Retry};
use tokio::runtime::Runtime;
use tokio_retry2::strategy::{ExponentialBackoff, FixedInterval};
use tokio_retry2::{Retry as TokioRetry, RetryError};

#[derive(Debug)]
struct Error(#[allow(dead_code)] u64);

/// The work every first-attempt variant awaits: ready at once, as a cache hit or a
/// buffered read is.
#[inline(always)]
async fn body(x: u64) -> Result<u64, Error> {
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

async fn bare(x: u64) -> Result<u64, Error> {
    body(x).await
}

#[retry(attempts = 3)]
async fn retried(x: u64) -> Result<u64, Error> {
    body(x).await
}

async fn runtime_run_async(x: u64) -> Result<u64, Error> {
    Retry::new().attempts(3).run_async(|| body(x)).await
}

async fn backon_retry(x: u64) -> Result<u64, Error> {
    // `max_times` counts retries: 2 retries is 3 attempts.
    (|| body(x))
        .retry(ExponentialBuilder::default().with_max_times(2))
        .await
}

async fn tokio_retry2(x: u64) -> Result<u64, Error> {
    // Two delays is three attempts.
    let strategy = ExponentialBackoff::from_millis(100).take(2);
    TokioRetry::spawn(strategy, || async move {
        body(x).await.map_err(RetryError::transient)
    })
    .await
}

/// Fails while `calls` is under 3, then succeeds: attempt 4 is the first `Ok`.
#[inline(always)]
async fn flaky(calls: &Cell<u32>) -> Result<u64, Error> {
    let n = calls.get() + 1;
    calls.set(n);
    if n <= 3 {
        Err(Error(u64::from(n)))
    } else {
        Ok(u64::from(n))
    }
}

/// The floor: the same four calls and three 10 ms sleeps, written by hand.
async fn hand_loop_flaky(calls: &Cell<u32>) -> Result<u64, Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match flaky(calls).await {
            Err(_) if attempt < 4 => tokio::time::sleep(Duration::from_millis(10)).await,
            result => return result,
        }
    }
}

#[retry(attempts = 4, backoff = "fixed", delay = "10ms", jitter = "none")]
async fn retried_flaky(calls: &Cell<u32>) -> Result<u64, Error> {
    flaky(calls).await
}

async fn backon_flaky(calls: &Cell<u32>) -> Result<u64, Error> {
    (|| flaky(calls))
        .retry(
            ConstantBuilder::default()
                .with_delay(Duration::from_millis(10))
                .with_max_times(3),
        )
        .await
}

async fn tokio_retry2_flaky(calls: &Cell<u32>) -> Result<u64, Error> {
    TokioRetry::spawn(FixedInterval::from_millis(10).take(3), || async {
        flaky(calls).await.map_err(RetryError::transient)
    })
    .await
}

/// `iters` awaits of `op`, timed inside one `block_on`.
fn timed<F, Fut>(rt: &Runtime, iters: u64, op: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = u64>,
{
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(op().await);
        }
        start.elapsed()
    })
}

fn first_attempt_ok(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime");
    let rt = &rt;
    let mut group = c.benchmark_group("retry_async_first_attempt_ok");
    group.bench_function("bare .await", |b| {
        b.iter_custom(|iters| timed(rt, iters, || async { reduce(bare(black_box(7)).await) }))
    });
    group.bench_function("#[retry]", |b| {
        b.iter_custom(|iters| timed(rt, iters, || async { reduce(retried(black_box(7)).await) }))
    });
    group.bench_function("Retry::run_async", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, || async {
                reduce(runtime_run_async(black_box(7)).await)
            })
        })
    });
    group.bench_function("backon", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, || async {
                reduce(backon_retry(black_box(7)).await)
            })
        })
    });
    group.bench_function("tokio-retry2", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, || async {
                reduce(tokio_retry2(black_box(7)).await)
            })
        })
    });
    group.finish();
}

fn three_failures_then_ok(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a paused current-thread runtime");
    let rt = &rt;
    let mut group = c.benchmark_group("retry_async_3_failures_then_ok");
    group.bench_function("hand-written loop (floor)", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, || async {
                let calls = Cell::new(0);
                reduce(hand_loop_flaky(black_box(&calls)).await)
            })
        })
    });
    group.bench_function("#[retry]", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, || async {
                let calls = Cell::new(0);
                reduce(retried_flaky(black_box(&calls)).await)
            })
        })
    });
    group.bench_function("backon", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, || async {
                let calls = Cell::new(0);
                reduce(backon_flaky(black_box(&calls)).await)
            })
        })
    });
    group.bench_function("tokio-retry2", |b| {
        b.iter_custom(|iters| {
            timed(rt, iters, || async {
                let calls = Cell::new(0);
                reduce(tokio_retry2_flaky(black_box(&calls)).await)
            })
        })
    });
    group.finish();
}

criterion_group!(benches, first_attempt_ok, three_failures_then_ok);
criterion_main!(benches);
