//! Instruction counts per call, for valgrind's callgrind: `bash benches/instructions.sh`.
//!
//! `instructions PATH N` runs one path N times and exits; the script runs it under
//! callgrind with N and 2N and divides the difference by N, so start-up (the process, the
//! tokio runtime, `#[recover]`'s one-time hook install) cancels out and what is left is the
//! cost of one call, in instructions, which does not move with the machine's load.
//! `instructions --list` prints every path with its hand-written equivalent. With no
//! arguments, or with the `--bench` that `cargo bench` passes, every path runs once as a
//! smoke check.
//!
//! Each steadfast path sits beside the code a careful user would write by hand, and the
//! peers are called as the criterion benches call them. Every variant is a non-inlined
//! function (or an `async fn`) around the same body, and every result is reduced to an
//! integer before `black_box` (a `Result` passed by value to `black_box` goes through
//! memory). Only the public macros are used, so the harness does not depend on how they
//! expand.

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Duration;

use backon::{BlockingRetryable, ExponentialBuilder, Retryable};
use steadfast::Panic;
use tokio::runtime::Runtime;
use tokio_retry2::strategy::ExponentialBackoff;
use tokio_retry2::{Retry as TokioRetry, RetryError};

#[derive(Debug)]
enum Error {
    Invalid(#[allow(dead_code)] u64),
    Panicked,
}

impl From<Panic> for Error {
    fn from(_: Panic) -> Self {
        Error::Panicked
    }
}

/// The argument every call gets, hidden from the optimizer at each call.
const INPUT: u64 = 7;

/// A little arithmetic that fails only for an input the harness never passes.
#[inline(always)]
fn work(x: u64) -> Result<u64, Error> {
    if x == u64::MAX {
        Err(Error::Invalid(x))
    } else {
        Ok(x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17))
    }
}

#[inline(always)]
fn reduce(result: Result<u64, Error>) -> u64 {
    match result {
        Ok(value) => value,
        Err(Error::Invalid(code)) => code ^ 1,
        Err(Error::Panicked) => 1,
    }
}

// Sync retry: a bare call, the same under `#[retry]`, and backon's blocking retry.

#[inline(never)]
fn bare_sync(x: u64) -> Result<u64, Error> {
    work(x)
}

#[steadfast::retry(attempts = 3, delay = "1ms")]
#[inline(never)]
fn retry_sync(x: u64) -> Result<u64, Error> {
    work(x)
}

#[inline(never)]
fn backon_sync(x: u64) -> Result<u64, Error> {
    // `max_times` counts retries: 2 retries is 3 attempts.
    (|| work(x))
        .retry(ExponentialBuilder::default().with_max_times(2))
        .call()
}

// Async retry, first attempt ready at once.

/// The awaited body: ready at once, as a cache hit or a buffered read is.
#[inline(never)]
async fn ready(x: u64) -> Result<u64, Error> {
    work(x)
}

/// What a careful user writes by hand: count attempts, sleep on tokio's timer on `Err`.
async fn hand_async(x: u64) -> Result<u64, Error> {
    let mut attempt = 1;
    loop {
        match ready(x).await {
            Ok(value) => return Ok(value),
            Err(error) if attempt >= 3 => return Err(error),
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(1)).await;
                attempt += 1;
            }
        }
    }
}

#[steadfast::retry(attempts = 3, delay = "1ms")]
async fn retry_async(x: u64) -> Result<u64, Error> {
    ready(x).await
}

/// The budget the `*_budget` paths share: full, as it is while the dependency is healthy.
static BUDGET: steadfast::RetryBudget = steadfast::RetryBudget::new(10, 0.1);

#[steadfast::retry(attempts = 3, delay = "1ms", budget = BUDGET)]
#[inline(never)]
fn retry_sync_budget(x: u64) -> Result<u64, Error> {
    work(x)
}

#[steadfast::retry(attempts = 3, delay = "1ms", budget = BUDGET)]
async fn retry_async_budget(x: u64) -> Result<u64, Error> {
    ready(x).await
}

async fn backon_async(x: u64) -> Result<u64, Error> {
    (|| ready(x))
        .retry(ExponentialBuilder::default().with_max_times(2))
        .await
}

async fn tokio_retry2_async(x: u64) -> Result<u64, Error> {
    // Two delays is three attempts.
    let strategy = ExponentialBackoff::from_millis(100).take(2);
    TokioRetry::spawn(strategy, || async move {
        ready(x).await.map_err(RetryError::transient)
    })
    .await
}

// Recover, no panic: the body calls a function that might panic (on an input never
// passed), so the unwinding edge and the landing pad are really there.

#[inline(never)]
fn may_panic(x: u64) -> Result<u64, Error> {
    let x = black_box(x);
    if x == 0xDEAD {
        panic!("an input the harness never passes");
    }
    work(x)
}

#[inline(never)]
fn hand_catch_unwind(x: u64) -> Result<u64, Error> {
    match catch_unwind(AssertUnwindSafe(|| may_panic(x))) {
        Ok(result) => result,
        Err(_) => Err(Error::Panicked),
    }
}

#[steadfast::recover]
#[inline(never)]
fn recovered(x: u64) -> Result<u64, Error> {
    may_panic(x)
}

// Defer: one deferred write of a black-boxed counter per call.

#[inline(always)]
fn bump(counter: &Cell<u64>) {
    counter.set(black_box(counter.get().wrapping_add(1)));
}

/// The hand-written guard: a struct whose `Drop` does the work.
struct Bump<'a>(&'a Cell<u64>);

impl Drop for Bump<'_> {
    #[inline]
    fn drop(&mut self) {
        bump(self.0);
    }
}

/// The hand-written on-success guard: its `Drop` asks whether the thread is unwinding.
struct BumpOnSuccess<'a>(&'a Cell<u64>);

impl Drop for BumpOnSuccess<'_> {
    #[inline]
    fn drop(&mut self) {
        if !std::thread::panicking() {
            bump(self.0);
        }
    }
}

#[inline(never)]
fn drop_guard(counter: &Cell<u64>, x: u64) -> u64 {
    let _bump = Bump(counter);
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn defer(counter: &Cell<u64>, x: u64) -> u64 {
    steadfast::defer! { bump(counter); }
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn drop_on_success(counter: &Cell<u64>, x: u64) -> u64 {
    let _bump = BumpOnSuccess(counter);
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn defer_on_success(counter: &Cell<u64>, x: u64) -> u64 {
    steadfast::defer!(on_success { bump(counter); });
    black_box(x).wrapping_mul(3)
}

// Time for sync retries: `steadfast::time::now()` (the thread's clock, which a test can
// pause) beside `std::time::Instant::now()`, while no test clock is set.

#[inline(never)]
fn std_now(x: u64) -> u64 {
    let now = std::time::Instant::now();
    black_box(&now);
    x
}

#[inline(never)]
fn steadfast_now(x: u64) -> u64 {
    let now = steadfast::time::now();
    black_box(&now);
    x
}

// The loops.

fn repeat(n: u64, call: impl Fn(u64) -> u64) {
    for _ in 0..n {
        black_box(call(black_box(INPUT)));
    }
}

fn repeat_counted(n: u64, call: fn(&Cell<u64>, u64) -> u64) {
    let counter = Cell::new(0);
    repeat(n, |x| call(&counter, x));
    black_box(counter.get());
}

/// `n` awaits inside one `block_on`, so entering the runtime is paid once.
fn repeat_async<F, Fut>(rt: &Runtime, n: u64, call: F)
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<u64, Error>>,
{
    rt.block_on(async {
        for _ in 0..n {
            black_box(reduce(call(black_box(INPUT)).await));
        }
    });
}

enum Run {
    Sync(fn(u64)),
    Async(fn(&Runtime, u64)),
}

struct Path {
    name: &'static str,
    /// The hand-written equivalent this path is compared with; `None` for a baseline.
    baseline: Option<&'static str>,
    run: Run,
}

const PATHS: &[Path] = &[
    Path {
        name: "bare_sync",
        baseline: None,
        run: Run::Sync(|n| repeat(n, |x| reduce(bare_sync(x)))),
    },
    Path {
        name: "retry_sync",
        baseline: Some("bare_sync"),
        run: Run::Sync(|n| repeat(n, |x| reduce(retry_sync(x)))),
    },
    Path {
        name: "backon_sync",
        baseline: Some("bare_sync"),
        run: Run::Sync(|n| repeat(n, |x| reduce(backon_sync(x)))),
    },
    Path {
        name: "hand_async",
        baseline: None,
        run: Run::Async(|rt, n| repeat_async(rt, n, hand_async)),
    },
    Path {
        name: "retry_async",
        baseline: Some("hand_async"),
        run: Run::Async(|rt, n| repeat_async(rt, n, retry_async)),
    },
    Path {
        name: "retry_sync_budget",
        baseline: Some("retry_sync"),
        run: Run::Sync(|n| repeat(n, |x| reduce(retry_sync_budget(x)))),
    },
    Path {
        name: "retry_async_budget",
        baseline: Some("retry_async"),
        run: Run::Async(|rt, n| repeat_async(rt, n, retry_async_budget)),
    },
    Path {
        name: "backon_async",
        baseline: Some("hand_async"),
        run: Run::Async(|rt, n| repeat_async(rt, n, backon_async)),
    },
    Path {
        name: "tokio_retry2_async",
        baseline: Some("hand_async"),
        run: Run::Async(|rt, n| repeat_async(rt, n, tokio_retry2_async)),
    },
    Path {
        name: "catch_unwind",
        baseline: None,
        run: Run::Sync(|n| repeat(n, |x| reduce(hand_catch_unwind(x)))),
    },
    Path {
        name: "recover",
        baseline: Some("catch_unwind"),
        run: Run::Sync(|n| repeat(n, |x| reduce(recovered(x)))),
    },
    Path {
        name: "drop_guard",
        baseline: None,
        run: Run::Sync(|n| repeat_counted(n, drop_guard)),
    },
    Path {
        name: "defer",
        baseline: Some("drop_guard"),
        run: Run::Sync(|n| repeat_counted(n, defer)),
    },
    Path {
        name: "drop_on_success",
        baseline: None,
        run: Run::Sync(|n| repeat_counted(n, drop_on_success)),
    },
    Path {
        name: "defer_on_success",
        baseline: Some("drop_on_success"),
        run: Run::Sync(|n| repeat_counted(n, defer_on_success)),
    },
    Path {
        name: "instant_now",
        baseline: None,
        run: Run::Sync(|n| repeat(n, std_now)),
    },
    Path {
        name: "time_now",
        baseline: Some("instant_now"),
        run: Run::Sync(|n| repeat(n, steadfast_now)),
    },
];

/// One current-thread runtime with the timer on, as the criterion benches build it.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime")
}

fn run(path: &Path, rt: &mut Option<Runtime>, n: u64) {
    match path.run {
        Run::Sync(run) => run(n),
        Run::Async(run) => run(rt.get_or_insert_with(runtime), n),
    }
}

const USAGE: &str = "usage: instructions PATH N | instructions --list | instructions";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut rt = None;
    match args.as_slice() {
        [flag] if flag == "--list" => {
            for path in PATHS {
                println!("{} {}", path.name, path.baseline.unwrap_or("-"));
            }
            ExitCode::SUCCESS
        }
        [name, n] => {
            let Some(path) = PATHS.iter().find(|path| path.name == name) else {
                let names: Vec<&str> = PATHS.iter().map(|path| path.name).collect();
                eprintln!("unknown path {name:?}; the paths are {}", names.join(", "));
                return ExitCode::from(2);
            };
            let Ok(n) = n.parse::<u64>() else {
                eprintln!("{n:?} is not a count\n{USAGE}");
                return ExitCode::from(2);
            };
            run(path, &mut rt, black_box(n));
            ExitCode::SUCCESS
        }
        // No arguments, or what `cargo bench` and `cargo test --benches` pass: a smoke check.
        rest if rest.iter().all(|arg| arg.starts_with("--")) => {
            for path in PATHS {
                run(path, &mut rt, 1);
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
