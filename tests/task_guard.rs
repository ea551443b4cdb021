//! Tasks that cannot leak: `steadfast::task::spawn_guarded` aborts its task when the guard
//! is dropped, joins it when the guard is awaited, and lets it run on only after
//! `detach()`. Proved with tokio's `num_alive_tasks()`, including the leak this exists
//! for: a retried operation that starts a helper task per attempt.
#![cfg(feature = "tokio")]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use steadfast::task::{spawn_guarded, TaskGuard};
use steadfast::{defer, retry};
use tokio::task::{yield_now, JoinHandle};
use tokio::time::sleep;

fn alive() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Counts beats until it is cancelled; `stopped` is set when its future is dropped.
async fn heartbeat(beats: Arc<AtomicU32>, stopped: Arc<AtomicU32>) {
    defer! { stopped.fetch_add(1, Ordering::SeqCst); }
    loop {
        sleep(Duration::from_secs(1)).await;
        beats.fetch_add(1, Ordering::SeqCst);
    }
}

fn counters() -> (Arc<AtomicU32>, Arc<AtomicU32>) {
    (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)))
}

// ---------------------------------------------------------------------------------------
// The guard

#[tokio::test(start_paused = true)]
async fn dropping_the_guard_aborts_the_task() {
    assert_eq!(alive(), 0);
    let (beats, stopped) = counters();
    let guard = spawn_guarded(heartbeat(beats.clone(), stopped.clone()));
    assert_eq!(alive(), 1);
    sleep(Duration::from_millis(3500)).await;
    assert_eq!(
        beats.load(Ordering::SeqCst),
        3,
        "the task runs while guarded"
    );
    assert!(!guard.is_finished());

    drop(guard);
    yield_now().await;
    assert_eq!(alive(), 0, "the task was aborted");
    assert_eq!(stopped.load(Ordering::SeqCst), 1, "its future was dropped");
    sleep(Duration::from_secs(10)).await;
    assert_eq!(beats.load(Ordering::SeqCst), 3, "and it beats no more");
}

#[tokio::test(start_paused = true)]
async fn a_guard_dropped_by_leaving_its_scope_aborts_the_task() {
    let (beats, stopped) = counters();
    {
        let _guard = spawn_guarded(heartbeat(beats.clone(), stopped.clone()));
        sleep(Duration::from_millis(1500)).await;
    }
    yield_now().await;
    assert_eq!(alive(), 0);
    assert_eq!(stopped.load(Ordering::SeqCst), 1);
    assert_eq!(beats.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn awaiting_the_guard_joins_the_task_and_gives_its_output() {
    let guard = spawn_guarded(async {
        sleep(Duration::from_millis(20)).await;
        6 * 7
    });
    let start = tokio::time::Instant::now();
    assert_eq!(guard.await.unwrap(), 42);
    assert_eq!(start.elapsed(), Duration::from_millis(20));
    assert_eq!(alive(), 0);
}

#[tokio::test]
async fn a_panic_in_the_task_comes_back_as_a_panic_value() {
    let guard = spawn_guarded(async {
        yield_now().await;
        if true {
            panic!("helper failed: {}", std::hint::black_box(7));
        }
        0u32
    });
    let panic = guard.await.unwrap_err();
    assert_eq!(panic.message(), "helper failed: 7");
    // It reached the guard through tokio's JoinError, not through steadfast's hook.
    assert!(panic.location().is_none());
    assert_eq!(alive(), 0);
}

#[tokio::test]
async fn a_non_string_panic_payload_is_kept() {
    let guard = spawn_guarded(async { std::panic::panic_any(5_u8) });
    let joined: Result<(), steadfast::Panic> = guard.await;
    let panic = joined.unwrap_err();
    assert_eq!(panic.into_payload().downcast_ref::<u8>(), Some(&5));
}

#[tokio::test]
async fn abort_then_await_reports_the_cancellation() {
    let (beats, stopped) = counters();
    let guard = spawn_guarded(heartbeat(beats, stopped.clone()));
    yield_now().await; // let it start, so that its defer is armed
    guard.abort();
    let err = guard.await.unwrap_err();
    assert!(err.message().contains("cancelled"), "{err}");
    assert_eq!(stopped.load(Ordering::SeqCst), 1);
    assert_eq!(alive(), 0);
}

#[tokio::test]
async fn is_finished_follows_the_task() {
    let guard = spawn_guarded(async { 1 });
    assert!(!guard.is_finished());
    yield_now().await;
    assert!(guard.is_finished());
    assert_eq!(guard.await.unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn detach_lets_the_task_run_on_and_returns_its_join_handle() {
    let (beats, stopped) = counters();
    let guard = spawn_guarded(heartbeat(beats.clone(), stopped.clone()));
    let handle: JoinHandle<()> = guard.detach();
    let abort = handle.abort_handle(); // only to clean up at the end
    drop(handle); // dropping a JoinHandle does not stop a task
    sleep(Duration::from_millis(2500)).await;
    assert_eq!(alive(), 1, "the detached task is still running");
    assert_eq!(beats.load(Ordering::SeqCst), 2);
    assert_eq!(stopped.load(Ordering::SeqCst), 0);

    // A detached handle joins like any JoinHandle.
    let handle = spawn_guarded(async { "joined" }).detach();
    assert_eq!(handle.await.unwrap(), "joined");

    // Clean up.
    abort.abort();
    yield_now().await;
    assert_eq!(alive(), 0);
    assert_eq!(stopped.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn guards_are_send_and_can_be_held_by_other_tasks() {
    fn assert_send<T: Send>(_: &T) {}
    let inner = spawn_guarded(std::future::pending::<()>());
    assert_send(&inner);
    // A task that owns a guard aborts its helper when it ends.
    let outer = spawn_guarded(async move {
        let _inner: TaskGuard<()> = inner;
        yield_now().await;
        "outer done"
    });
    assert_eq!(outer.await.unwrap(), "outer done");
    yield_now().await;
    assert_eq!(alive(), 0);
}

// ---------------------------------------------------------------------------------------
// The leak this exists for: a helper task per attempt of a retried operation

#[derive(Debug, PartialEq)]
enum Error {
    Unavailable(u32),
}

/// How many tasks were alive, at most, while an attempt was running.
static MOST_ALIVE: AtomicU32 = AtomicU32::new(0);

fn note_alive() {
    MOST_ALIVE.fetch_max(alive() as u32, Ordering::SeqCst);
}

#[retry(attempts = 4, backoff = "fixed", delay = "500ms", jitter = "none")]
async fn call_with_guarded_heartbeat(
    attempts: &AtomicU32,
    beats: &Arc<AtomicU32>,
    stopped: &Arc<AtomicU32>,
) -> Result<(), Error> {
    let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    // Keeps a lease alive while this attempt runs; aborted when the attempt ends.
    let _heartbeat = spawn_guarded(heartbeat(beats.clone(), stopped.clone()));
    note_alive();
    sleep(Duration::from_millis(2500)).await; // the attempt does its work...
    Err(Error::Unavailable(n)) // ...and fails
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_with_a_guarded_helper_per_attempt_leaves_no_task_behind() {
    let attempts = AtomicU32::new(0);
    let (beats, stopped) = counters();
    assert_eq!(alive(), 0);
    let result = call_with_guarded_heartbeat(&attempts, &beats, &stopped).await;
    assert_eq!(result, Err(Error::Unavailable(4)));
    assert_eq!(attempts.load(Ordering::SeqCst), 4);
    yield_now().await;
    assert_eq!(alive(), 0, "every helper was aborted");
    assert_eq!(stopped.load(Ordering::SeqCst), 4);
    assert_eq!(
        MOST_ALIVE.load(Ordering::SeqCst),
        1,
        "each attempt's helper was gone before the next attempt started"
    );
    // Two beats per 2.5 s attempt, none after.
    assert_eq!(beats.load(Ordering::SeqCst), 8);
    sleep(Duration::from_secs(60)).await;
    assert_eq!(beats.load(Ordering::SeqCst), 8);
}

/// Where the unguarded helpers' handles go, so that the test can clean up after them.
static LEAKED: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

#[retry(attempts = 4, backoff = "fixed", delay = "500ms", jitter = "none")]
async fn call_with_plain_spawned_heartbeat(
    attempts: &AtomicU32,
    beats: &Arc<AtomicU32>,
    stopped: &Arc<AtomicU32>,
) -> Result<(), Error> {
    let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    let heartbeat = tokio::spawn(heartbeat(beats.clone(), stopped.clone()));
    LEAKED.lock().unwrap().push(heartbeat); // dropping it would not stop the task either
    sleep(Duration::from_millis(2500)).await;
    Err(Error::Unavailable(n))
}

#[tokio::test(start_paused = true)]
async fn the_same_with_plain_tokio_spawn_leaks_a_task_per_attempt() {
    let attempts = AtomicU32::new(0);
    let (beats, stopped) = counters();
    let result = call_with_plain_spawned_heartbeat(&attempts, &beats, &stopped).await;
    assert_eq!(result, Err(Error::Unavailable(4)));
    yield_now().await;
    assert_eq!(alive(), 4, "every attempt's helper is still running");
    assert_eq!(stopped.load(Ordering::SeqCst), 0);
    let before = beats.load(Ordering::SeqCst);
    sleep(Duration::from_secs(10)).await;
    assert_eq!(
        beats.load(Ordering::SeqCst),
        before + 40,
        "four leaked helpers beat on"
    );

    // Clean up.
    for handle in LEAKED.lock().unwrap().drain(..) {
        handle.abort();
    }
    yield_now().await;
    assert_eq!(alive(), 0);
    assert_eq!(stopped.load(Ordering::SeqCst), 4);
}

#[retry(attempts = 3, backoff = "none", attempt_timeout = "1s")]
async fn hangs_with_a_guarded_helper(
    beats: &Arc<AtomicU32>,
    stopped: &Arc<AtomicU32>,
) -> Result<(), Timeouts> {
    let _heartbeat = spawn_guarded(heartbeat(beats.clone(), stopped.clone()));
    std::future::pending::<()>().await;
    Ok(())
}

#[derive(Debug)]
struct Timeouts(#[allow(dead_code)] steadfast::Timeout);

impl From<steadfast::Timeout> for Timeouts {
    fn from(timeout: steadfast::Timeout) -> Self {
        Timeouts(timeout)
    }
}

#[tokio::test(start_paused = true)]
async fn helpers_of_attempts_cancelled_by_attempt_timeout_are_aborted_too() {
    let (beats, stopped) = counters();
    assert!(hangs_with_a_guarded_helper(&beats, &stopped).await.is_err());
    yield_now().await;
    assert_eq!(alive(), 0);
    assert_eq!(stopped.load(Ordering::SeqCst), 3);
}
