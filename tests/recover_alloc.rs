//! A `#[recover]` call whose body does not panic never touches the heap: every form, sync
//! and async.
//!
//! A counting global allocator counts allocations per thread, so the test harness and tests
//! running in parallel on other threads do not disturb the counts.
//!
//! The first `#[recover]` call in the process installs the quiet panic hook, which boxes
//! the hook closure: one allocation, once per process. Each test therefore makes one
//! warm-up call before it counts.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use steadfast::{recover, Panic};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

/// How many allocations the current thread makes while running `f`.
fn allocations_in(f: impl FnOnce()) -> usize {
    counting_alloc::allocations_in(f).0
}

/// Polls `future` to completion with a waker that does nothing; it must not wait on
/// anything outside itself.
fn poll_to_completion<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..100 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("the future did not complete in 100 polls");
}

/// Pending once, waking itself: makes the body's future span two polls.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[derive(Debug, PartialEq)]
enum Error {
    Odd(u32),
    Panicked,
}

impl From<Panic> for Error {
    fn from(_: Panic) -> Self {
        Error::Panicked
    }
}

fn fallback(_: Panic) -> u32 {
    u32::MAX
}

#[recover]
fn bare(n: u32) -> Result<u32, Error> {
    if n % 2 == 1 {
        return Err(Error::Odd(n));
    }
    Ok(n / 2)
}

#[recover(default)]
fn default(n: u32) -> u32 {
    n + 1
}

#[recover(with = fallback)]
fn with_path(n: u32) -> u32 {
    n * 3
}

#[recover(with = |_| 0)]
fn with_closure(n: u32) -> u32 {
    n * 5
}

#[recover]
async fn bare_async(n: u32) -> Result<u32, Error> {
    YieldOnce(false).await;
    if n % 2 == 1 {
        return Err(Error::Odd(n));
    }
    Ok(n / 2)
}

#[recover(default)]
async fn default_async(n: u32) -> u32 {
    YieldOnce(false).await;
    n + 1
}

#[recover(with = fallback)]
async fn with_path_async(n: u32) -> u32 {
    YieldOnce(false).await;
    n * 3
}

#[recover(with = |_| 0)]
async fn with_closure_async(n: u32) -> u32 {
    YieldOnce(false).await;
    n * 5
}

/// The first `#[recover]` call of the process installs the panic hook (one allocation);
/// calling one here makes sure that has happened before a test counts.
fn warm_up() {
    assert_eq!(default(black_box(1)), 2);
}

// ---------------------------------------------------------------------------------------

#[test]
fn the_counter_sees_allocations() {
    warm_up();
    assert_eq!(allocations_in(|| drop(black_box(Box::new(1u64)))), 1);
    // A body that allocates is seen too.
    #[recover(default)]
    fn allocates(n: usize) -> Vec<u8> {
        vec![0; n]
    }
    assert_eq!(allocations_in(|| drop(black_box(allocates(8)))), 1);
}

#[test]
fn sync_forms_do_not_allocate_without_a_panic() {
    warm_up();
    let n = allocations_in(|| {
        assert_eq!(bare(black_box(4)), Ok(2));
        assert_eq!(bare(black_box(3)), Err(Error::Odd(3)));
        assert_eq!(default(black_box(4)), 5);
        assert_eq!(with_path(black_box(4)), 12);
        assert_eq!(with_closure(black_box(4)), 20);
    });
    assert_eq!(n, 0);
}

#[test]
fn catch_does_not_allocate_without_a_panic() {
    warm_up();
    let n = allocations_in(|| {
        let result = Panic::catch(|| black_box(7));
        assert_eq!(result.ok(), Some(7));
    });
    assert_eq!(n, 0);
}

#[test]
fn async_forms_do_not_allocate_without_a_panic() {
    warm_up();
    let n = allocations_in(|| {
        assert_eq!(poll_to_completion(bare_async(black_box(4))), Ok(2));
        assert_eq!(
            poll_to_completion(bare_async(black_box(3))),
            Err(Error::Odd(3))
        );
        assert_eq!(poll_to_completion(default_async(black_box(4))), 5);
        assert_eq!(poll_to_completion(with_path_async(black_box(4))), 12);
        assert_eq!(poll_to_completion(with_closure_async(black_box(4))), 20);
    });
    assert_eq!(n, 0);
}

#[test]
fn catch_async_does_not_allocate_without_a_panic() {
    warm_up();
    let n = allocations_in(|| {
        let result = poll_to_completion(Panic::catch_async(async {
            YieldOnce(false).await;
            black_box(9)
        }));
        assert_eq!(result.ok(), Some(9));
    });
    assert_eq!(n, 0);
}

#[cfg(panic = "unwind")]
#[test]
fn the_counter_sees_a_recovered_panic_allocate() {
    // Control: a panic does allocate (the payload, the recorded location), so the zeros
    // above are not a counter that sees nothing inside `#[recover]`.
    warm_up();
    #[recover(with = fallback)]
    fn panics(n: u32) -> u32 {
        if n > 0 {
            panic!("a static message");
        }
        n
    }
    let n = allocations_in(|| assert_eq!(panics(black_box(1)), u32::MAX));
    assert!(n > 0);
}

/// Re-run by `the_first_call_allocates_once_to_install_the_hook` in a child process, so
/// that its first `#[recover]` call is the first of the process.
const CHILD_VAR: &str = "STEADFAST_RECOVER_ALLOC_FIRST_CALL";

#[test]
fn the_first_call_allocates_once_to_install_the_hook() {
    const NAME: &str = "the_first_call_allocates_once_to_install_the_hook";
    if std::env::var_os(CHILD_VAR).is_some() {
        // The first `#[recover]` call of this process: it boxes the quiet hook.
        let first = allocations_in(|| assert_eq!(default(black_box(1)), 2));
        let second = allocations_in(|| assert_eq!(default(black_box(1)), 2));
        assert_eq!((first, second), (1, 0));
        println!("\nfirst-call check done");
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, "1")
        .output()
        .expect("spawn the test binary as a child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("first-call check done"),
        "status: {}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
