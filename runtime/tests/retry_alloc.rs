//! A retried call whose first attempt succeeds never touches the heap, sync or async.
//!
//! A counting global allocator counts allocations per thread, so the test harness and tests
//! running in parallel on other threads do not disturb the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use steadfast_runtime::{Attempt, Jitter, Retry, Timeout};

thread_local! {
    // Const-initialised and without a destructor: reading it never allocates, so the
    // allocator below may use it.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Forwards to `System`, counting allocations made by the current thread.
struct CountingAllocator;

fn count_one() {
    // `try_with`: never fails for this const, destructor-less key, but must not panic here.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the only addition is a thread-local counter that does not allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's guarantees for `layout` are passed on to `System`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// How many allocations the current thread makes while running `f`.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    TimedOut(Timeout),
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::TimedOut(timeout)
    }
}

fn is_down(e: &Error) -> bool {
    *e == Error::Down
}

fn log_retry(a: &Attempt<'_, Error>) {
    black_box(a.number());
}

fn no_hint(_: &Error) -> Option<Duration> {
    None
}

/// Polls `future` once with a waker that does nothing; it must be ready.
fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the first poll was pending"),
    }
}

// ---------------------------------------------------------------------------------------

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(allocations_in(|| drop(black_box(Box::new(1u64)))), 1);
    // A retried attempt that allocates is seen too.
    let n = allocations_in(|| {
        let result: Result<Box<u32>, Error> = Retry::new().run(|| Ok(Box::new(1)));
        drop(black_box(result));
    });
    assert_eq!(n, 1);
}

#[test]
fn sync_run_first_attempt_success_does_not_allocate() {
    let n = allocations_in(|| {
        let result: Result<u32, Error> = Retry::new().run(|| Ok(black_box(7)));
        assert_eq!(black_box(result), Ok(7));
    });
    assert_eq!(n, 0, "the default policy");

    let policy = Retry::exp()
        .attempts(5)
        .delay(Duration::from_millis(10))
        .max_delay(Duration::from_secs(1))
        .jitter(Jitter::Decorrelated)
        .timeout(Duration::from_secs(60))
        .when(is_down)
        .on_retry(log_retry)
        .retry_after(no_hint);
    let n = allocations_in(|| {
        let result: Result<u32, Error> = policy.run(|| Ok(black_box(7)));
        assert_eq!(black_box(result), Ok(7));
    });
    assert_eq!(n, 0, "a policy with every key");
}

#[test]
fn sync_run_non_retryable_error_does_not_allocate() {
    let policy = Retry::new().when(|_: &Error| false);
    let n = allocations_in(|| {
        let result: Result<u32, Error> = policy.run(|| Err(Error::Down));
        assert_eq!(black_box(result), Err(Error::Down));
    });
    assert_eq!(n, 0);
}

#[test]
fn async_run_first_attempt_success_does_not_allocate() {
    let n = allocations_in(|| {
        let policy = Retry::new();
        let result: Result<u32, Error> = poll_once(policy.run_async(|| async { Ok(black_box(7)) }));
        assert_eq!(black_box(result), Ok(7));
    });
    assert_eq!(n, 0, "the default policy");

    // Hooks (and the clock `on_retry` reads), without deadlines: no runtime is needed.
    let policy = Retry::exp()
        .attempts(5)
        .jitter(Jitter::Full)
        .when(is_down)
        .on_retry(log_retry)
        .retry_after(no_hint);
    let n = allocations_in(|| {
        let result: Result<u32, Error> = poll_once(policy.run_async(|| async { Ok(black_box(7)) }));
        assert_eq!(black_box(result), Ok(7));
    });
    assert_eq!(n, 0, "a policy with hooks");
}

#[test]
fn async_run_with_deadlines_first_attempt_success_does_not_allocate() {
    // The deadlines need tokio's timer; the runtime is built outside the count.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let _context = runtime.enter();
    let policy = Retry::exp()
        .timeout(Duration::from_secs(10))
        .attempt_timeout(Duration::from_secs(1));
    let n = allocations_in(|| {
        let result: Result<u32, Error> = poll_once(policy.run_async(|| async { Ok(black_box(7)) }));
        assert_eq!(black_box(result), Ok(7));
    });
    assert_eq!(n, 0);
}
