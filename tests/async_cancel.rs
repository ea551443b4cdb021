//! `defer!` in async code: the deferred blocks run when the future completes and when it is
//! dropped part-way (a lost `select!`, an elapsed `timeout`, an aborted task). A cancelled
//! future is not a panic, so `on_success` runs and `on_unwind` does not.
//!
//! All tests run on tokio's paused clock: sleeps end by auto-advance, instantly and exactly.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use steadfast::defer;
use tokio::time::{sleep, timeout, Instant};

type Log = Arc<Mutex<Vec<String>>>;

fn rec(log: &Log, entry: impl Into<String>) {
    log.lock().unwrap().push(entry.into());
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

fn contains(log: &Log, entry: &str) -> bool {
    log.lock().unwrap().iter().any(|e| e == entry)
}

const HOUR: Duration = Duration::from_secs(3600);

/// Logs "waiting", then sleeps for an hour with a defer of each mode pending.
async fn slow(log: Log, name: &'static str) -> u32 {
    defer! { rec(&log, format!("{name}: always")); }
    defer!(on_success { rec(&log, format!("{name}: on_success")); });
    defer!(on_unwind { rec(&log, format!("{name}: on_unwind")); });
    rec(&log, format!("{name}: waiting"));
    sleep(HOUR).await;
    defer! { rec(&log, format!("{name}: defer after the await")); }
    rec(&log, format!("{name}: finished"));
    7
}

#[tokio::test(start_paused = true)]
async fn defers_run_when_the_future_completes() {
    let log = Log::default();
    let start = Instant::now();
    assert_eq!(slow(log.clone(), "slow").await, 7);
    assert_eq!(start.elapsed(), HOUR);
    assert_eq!(
        take(&log),
        [
            "slow: waiting",
            "slow: finished",
            "slow: defer after the await",
            "slow: on_success",
            "slow: always"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn defers_run_when_the_future_loses_a_select() {
    let log = Log::default();
    let start = Instant::now();
    let winner = tokio::select! {
        biased;
        v = slow(log.clone(), "loser") => v,
        () = sleep(Duration::from_secs(1)) => 0,
    };
    assert_eq!(winner, 0);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < HOUR,
        "{elapsed:?}"
    );
    assert_eq!(
        take(&log),
        ["loser: waiting", "loser: on_success", "loser: always"]
    );
}

#[tokio::test(start_paused = true)]
async fn defers_run_when_a_timeout_elapses() {
    let log = Log::default();
    let start = Instant::now();
    let result = timeout(Duration::from_secs(1), slow(log.clone(), "timed")).await;
    assert!(result.is_err(), "the timeout should have elapsed");
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < HOUR,
        "{elapsed:?}"
    );
    assert_eq!(
        take(&log),
        ["timed: waiting", "timed: on_success", "timed: always"]
    );
}

#[tokio::test(start_paused = true)]
async fn defers_run_when_a_spawned_task_is_aborted() {
    let log = Log::default();
    let handle = tokio::spawn(slow(log.clone(), "task"));
    for _ in 0..100 {
        if contains(&log, "task: waiting") {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(take(&log), ["task: waiting"]);
    handle.abort();
    let error = handle.await.expect_err("the task was aborted");
    assert!(error.is_cancelled());
    assert_eq!(take(&log), ["task: on_success", "task: always"]);
}

#[tokio::test(start_paused = true)]
async fn a_future_dropped_before_its_first_poll_runs_no_defer() {
    let log = Log::default();
    let future = slow(log.clone(), "unpolled");
    drop(future);
    assert_eq!(take(&log), Vec::<String>::new());
}

/// Works in iterations of ten seconds, each with its own defer.
async fn worker(log: Log) {
    for i in 0.. {
        let log = &log;
        defer!(move { rec(log, format!("end {i}")); });
        rec(log, format!("start {i}"));
        sleep(Duration::from_secs(10)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_loop_body_defer_runs_per_iteration_and_on_cancellation_mid_iteration() {
    let log = Log::default();
    let result = timeout(Duration::from_secs(25), worker(log.clone())).await;
    assert!(result.is_err());
    assert_eq!(
        take(&log),
        ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]
    );
}

#[tokio::test(start_paused = true)]
async fn move_defer_in_async_code_keeps_the_value_from_the_defer() {
    async fn counted(log: Log) {
        let mut attempt = 1;
        let log_ref = &log;
        defer!(move { rec(log_ref, format!("deferred saw {attempt}")); });
        attempt += 1;
        rec(&log, format!("body saw {attempt}"));
        sleep(HOUR).await;
    }
    let log = Log::default();
    assert!(timeout(Duration::from_secs(1), counted(log.clone()))
        .await
        .is_err());
    assert_eq!(take(&log), ["body saw 2", "deferred saw 1"]);
}

#[cfg(panic = "unwind")]
#[tokio::test(start_paused = true)]
async fn a_panic_in_a_task_runs_on_unwind_and_not_on_success() {
    async fn fails(log: Log) {
        defer! { rec(&log, "always"); }
        defer!(on_success { rec(&log, "on_success"); });
        defer!(on_unwind { rec(&log, "on_unwind"); });
        sleep(Duration::from_secs(1)).await;
        panic!("task failed");
    }
    let log = Log::default();
    let error = tokio::spawn(fails(log.clone()))
        .await
        .expect_err("the task panicked");
    assert!(error.is_panic());
    let payload = error.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task failed"));
    assert_eq!(take(&log), ["on_unwind", "always"]);
}
