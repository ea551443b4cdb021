//! Tasks that cannot leak: a retried operation starts a heartbeat task in every attempt.
//! With `steadfast::task::spawn_guarded` each heartbeat stops when its attempt ends; with
//! a plain `tokio::spawn` every attempt leaves one behind, still running after the call
//! has given up.
//!
//! Run it with `cargo run --example no_leaks`. Time is paused (tokio's test clock), so the
//! seconds below pass at once.

use std::time::Duration;

use steadfast::retry;
use steadfast::task::spawn_guarded;
use tokio::time::sleep;

#[derive(Debug)]
struct Unavailable;

/// How many tasks the runtime is running.
fn live_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Renews a lease every second, forever: it only stops when it is cancelled.
async fn heartbeat(attempt: u32) {
    loop {
        sleep(Duration::from_secs(1)).await;
        println!("    heartbeat of attempt {attempt}");
    }
}

// ANCHOR: guarded_helper
#[retry(attempts = 3, backoff = "fixed", delay = "500ms", jitter = "none")]
async fn call_service(attempts: &mut u32) -> Result<String, Unavailable> {
    *attempts += 1;
    // The helper belongs to this attempt: when the attempt ends, however it ends,
    // `_heartbeat` is dropped and the task is aborted. (Name it: `let _ = ...` would
    // drop the guard, and abort the task, at once.)
    let _heartbeat = spawn_guarded(heartbeat(*attempts));
    println!(
        "  attempt {attempts}: started a heartbeat, {} live task(s)",
        live_tasks()
    );
    sleep(Duration::from_millis(2500)).await; // the service is slow...
    Err(Unavailable) // ...and then fails
}
// ANCHOR_END: guarded_helper

/// The same operation with a plain `tokio::spawn`: nothing stops the helpers.
#[retry(attempts = 3, backoff = "fixed", delay = "500ms", jitter = "none")]
async fn call_service_leaky(
    attempts: &mut u32,
    handles: &mut Vec<tokio::task::JoinHandle<()>>,
) -> Result<String, Unavailable> {
    *attempts += 1;
    handles.push(tokio::spawn(heartbeat(*attempts)));
    println!(
        "  attempt {attempts}: started a heartbeat, {} live task(s)",
        live_tasks()
    );
    sleep(Duration::from_millis(2500)).await;
    Err(Unavailable)
}

async fn demo() {
    println!("With spawn_guarded:");
    println!("  before: {} live task(s)", live_tasks());
    let mut attempts = 0;
    let result = call_service(&mut attempts).await;
    tokio::task::yield_now().await; // let the runtime reap the last aborted task
    println!("  gave up after {attempts} attempts: {result:?}");
    println!("  after: {} live task(s)", live_tasks());
    sleep(Duration::from_secs(5)).await;
    println!("  five seconds later: {} live task(s)", live_tasks());
    assert_eq!(live_tasks(), 0);

    println!();
    println!("With plain tokio::spawn:");
    println!("  before: {} live task(s)", live_tasks());
    let mut attempts = 0;
    let mut handles = Vec::new();
    let result = call_service_leaky(&mut attempts, &mut handles).await;
    tokio::task::yield_now().await;
    println!("  gave up after {attempts} attempts: {result:?}");
    println!("  after: {} live task(s), all leaked", live_tasks());
    sleep(Duration::from_secs(2)).await;
    println!(
        "  two seconds later the leaked heartbeats still beat: {} live task(s)",
        live_tasks()
    );
    assert_eq!(live_tasks(), 3);

    for handle in handles {
        handle.abort();
    }
    tokio::task::yield_now().await;
    println!(
        "  after aborting them by hand: {} live task(s)",
        live_tasks()
    );
    assert_eq!(live_tasks(), 0);
}

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("build a tokio runtime")
        .block_on(demo());
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
