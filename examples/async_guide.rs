//! Async code without leaks: cancellation runs defers, dropping a retried call cancels it,
//! and a task spawned with `spawn_guarded` cannot outlive its guard.
//!
//! Run it with `cargo run --example async_guide`. The guide's "async without leaks" chapter
//! includes the regions between the `ANCHOR` comments. Everything runs on tokio's paused
//! clock: sleeps take no real time, and every printed time is exact.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use steadfast::task::spawn_guarded;
use steadfast::{defer, retry};
use tokio::runtime::Handle;
use tokio::time::{sleep, timeout, Instant};

// ANCHOR: alive_tasks
/// How many tasks the runtime has alive: what the tests compare before and after.
fn alive_tasks() -> usize {
    Handle::current().metrics().num_alive_tasks()
}
// ANCHOR_END: alive_tasks

// ANCHOR: cancel_runs_defers
async fn upload(name: &str) {
    defer! { println!("  {name}: temporary file removed"); }
    defer!(on_success { println!("  {name}: on_success ran: a cancellation is not a panic"); });
    println!("  {name}: uploading");
    sleep(Duration::from_secs(60)).await; // a slow peer
    println!("  {name}: uploaded"); // not reached when the future is dropped first
}
// ANCHOR_END: cancel_runs_defers

// ANCHOR: drop_cancels_retry
#[derive(Debug)]
struct Unavailable;

/// Each attempt takes 50 ms and fails; between attempts the call sleeps 100 ms, 200 ms, ...
#[retry(attempts = 10, delay = "100ms", jitter = "none")]
async fn poll_job(attempts: &AtomicU32, started: Instant) -> Result<(), Unavailable> {
    let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    let at = started.elapsed().as_millis();
    defer! { println!("  attempt {n} (started at {at} ms) ended at {} ms", started.elapsed().as_millis()); }
    sleep(Duration::from_millis(50)).await;
    Err(Unavailable)
}
// ANCHOR_END: drop_cancels_retry

// ANCHOR: spawn_guarded
async fn heartbeat(beats: Arc<AtomicU32>) {
    loop {
        sleep(Duration::from_secs(1)).await;
        beats.fetch_add(1, Ordering::SeqCst);
    }
}

/// The heartbeat task lives exactly as long as this function's call: however the call ends
/// (return, `?`, panic, or the caller dropping the future), the guard aborts the task.
async fn handle_request(beats: Arc<AtomicU32>) -> u32 {
    let _heartbeat = spawn_guarded(heartbeat(Arc::clone(&beats)));
    println!("  while handling: {} task alive", alive_tasks());
    sleep(Duration::from_millis(3500)).await;
    beats.load(Ordering::SeqCst)
}
// ANCHOR_END: spawn_guarded

// ANCHOR: spawned_retry
/// Owned arguments only, so that it can run in a task.
#[retry(attempts = 10, delay = "100ms", jitter = "none")]
async fn sync_inventory(calls: Arc<AtomicU32>) -> Result<(), Unavailable> {
    calls.fetch_add(1, Ordering::SeqCst);
    Err(Unavailable)
}
// ANCHOR_END: spawned_retry

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        // ANCHOR: cancel_main
        println!("a timeout drops the future; its defers run:");
        let result = timeout(Duration::from_secs(1), upload("report.pdf")).await;
        println!("  -> {result:?}");

        println!("so does losing a select!:");
        tokio::select! {
            () = upload("photo.jpg") => unreachable!("the upload takes a minute"),
            () = sleep(Duration::from_millis(10)) => println!("  -> the other branch won"),
        }
        // ANCHOR_END: cancel_main

        // ANCHOR: retry_main
        println!("dropping a retried call mid-sleep cancels the retries:");
        let (attempts, started) = (AtomicU32::new(0), Instant::now());
        let outcome = timeout(Duration::from_millis(380), poll_job(&attempts, started)).await;
        println!(
            "  -> {outcome:?} after {} attempts",
            attempts.load(Ordering::SeqCst)
        );
        sleep(Duration::from_secs(10)).await;
        println!(
            "  ten seconds later: still {} attempts, {} task alive",
            attempts.load(Ordering::SeqCst),
            alive_tasks()
        );

        println!("dropping it mid-attempt drops the attempt (and runs its defers):");
        let (attempts, started) = (AtomicU32::new(0), Instant::now());
        let outcome = timeout(Duration::from_millis(170), poll_job(&attempts, started)).await;
        println!(
            "  -> {outcome:?} after {} attempts",
            attempts.load(Ordering::SeqCst)
        );
        // ANCHOR_END: retry_main

        // ANCHOR: guarded_main
        println!("spawn_guarded: a task that ends with its guard:");
        let beats = Arc::new(AtomicU32::new(0));
        println!("  before: {} task alive", alive_tasks());
        let seen = handle_request(Arc::clone(&beats)).await;
        tokio::task::yield_now().await; // let the runtime finish the aborted task
        println!("  after: {} task alive; {seen} beats", alive_tasks());
        sleep(Duration::from_secs(10)).await;
        println!(
            "  ten seconds later: still {} beats",
            beats.load(Ordering::SeqCst)
        );

        let answer = spawn_guarded(async { 6 * 7 }).await; // awaiting the guard joins the task
        println!("  a joined task returned {answer:?}");
        // ANCHOR_END: guarded_main

        // ANCHOR: spawned_retry_main
        println!("a task running a retried call, dropped mid-sleep:");
        let calls = Arc::new(AtomicU32::new(0));
        let task = spawn_guarded(sync_inventory(Arc::clone(&calls)));
        sleep(Duration::from_millis(250)).await; // attempts at 0, 100 and 300 ms
        println!(
            "  running: {} task alive, {} calls",
            alive_tasks(),
            calls.load(Ordering::SeqCst)
        );
        drop(task);
        tokio::task::yield_now().await;
        sleep(Duration::from_secs(60)).await;
        println!(
            "  dropped: {} task alive, still {} calls a minute later",
            alive_tasks(),
            calls.load(Ordering::SeqCst)
        );
        assert_eq!(alive_tasks(), 0);
        // ANCHOR_END: spawned_retry_main

        // ANCHOR: detach
        let handle = spawn_guarded(async { "runs on its own" }).detach(); // the explicit opt-out
        println!("a detached task: {:?}", handle.await);
        // ANCHOR_END: detach
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
