//! A panic that `#[recover]` catches is not printed; every other panic prints as before,
//! and a panic hook installed earlier by the user is chained to. The quiet hook is
//! installed once per process, however many threads race to install it.
//!
//! Panic hooks are global to the process and what they print goes to stderr, so each test
//! re-runs itself in a child process (this test binary, with `--exact <test>` and an
//! environment variable naming the scenario), where the scenario runs and checks what it
//! can see from inside; the parent checks the child's exit status and stderr.
#![cfg(panic = "unwind")]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use steadfast::{recover, Panic};

#[derive(Debug)]
struct Error(Panic);

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error(panic)
    }
}

#[recover]
fn recovered(message: &'static str) -> Result<(), Error> {
    panic!("{}", message)
}

#[recover(default)]
fn recovered_default(message: &'static str) -> u32 {
    panic!("{}", message)
}

#[recover]
async fn recovered_async(message: &'static str) -> Result<(), Error> {
    tokio::task::yield_now().await;
    panic!("{}", message)
}

/// Panics with `message`, caught by plain `catch_unwind`: steadfast does not recover it.
fn unrecovered(message: &'static str) {
    let caught = catch_unwind(|| panic!("{}", message));
    assert!(caught.is_err());
}

// ---------------------------------------------------------------------------------------
// Child processes

/// Names the scenario a child process runs; unset in the parent.
const SCENARIO_VAR: &str = "STEADFAST_QUIET_HOOK_SCENARIO";

/// What a child prints on stdout when its scenario ran to the end.
const DONE: &str = "quiet hook scenario done";

/// Whether this process is the child started to run `name`.
fn is_child(name: &str) -> bool {
    match std::env::var(SCENARIO_VAR) {
        Ok(wanted) if wanted == name => true,
        Ok(other) => panic!("child started for scenario {other:?}, but running {name:?}"),
        Err(_) => false,
    }
}

/// In the child: says the scenario finished, on a line of its own.
fn child_done() {
    println!("\n{DONE}");
}

/// Re-runs the test `name` of this binary in a child process; returns its stderr after
/// checking that the child ran exactly that test, to the end, and passed.
fn run_child(name: &str) -> String {
    let output = Command::new(std::env::current_exe().expect("current_exe"))
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        // So that a test marked `#[ignore]` and run with `--ignored` runs in the child too.
        .arg("--include-ignored")
        .env(SCENARIO_VAR, name)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("spawn the test binary as a child");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success() && stdout.contains("1 passed") && stdout.contains(DONE),
        "the child scenario failed\nstatus: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stderr
}

/// The line a default panic hook prints for a panic in this file.
const PANICKED_AT: &str = concat!("panicked at ", file!());

// ---------------------------------------------------------------------------------------

#[test]
fn a_recovered_panic_prints_nothing() {
    const NAME: &str = "a_recovered_panic_prints_nothing";
    if is_child(NAME) {
        let panic = recovered("recovered sync").unwrap_err().0;
        assert_eq!(panic.message(), "recovered sync");
        assert_eq!(recovered_default("recovered default"), 0);
        let panic = Panic::catch(|| panic!("recovered by Panic::catch")).unwrap_err();
        assert_eq!(panic.message(), "recovered by Panic::catch");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let panic = runtime
            .block_on(recovered_async("recovered async"))
            .unwrap_err()
            .0;
        assert_eq!(panic.message(), "recovered async");
        // On other threads too.
        std::thread::Builder::new()
            .name("other".into())
            .spawn(|| {
                let panic = recovered("recovered on another thread").unwrap_err().0;
                assert_eq!(panic.thread(), Some("other"));
            })
            .unwrap()
            .join()
            .unwrap();
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    assert!(
        stderr.trim().is_empty(),
        "recovered panics were printed:\n{stderr}"
    );
}

#[test]
fn an_unrecovered_panic_still_prints() {
    const NAME: &str = "an_unrecovered_panic_still_prints";
    if is_child(NAME) {
        // The quiet hook is installed by the first recovery...
        assert!(recovered("recovered before").is_err());
        // ...and a panic that steadfast does not recover goes to the previous hook.
        unrecovered("plain catch_unwind after a recovery");
        assert!(recovered("recovered after").is_err());
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    assert!(
        stderr.contains("plain catch_unwind after a recovery"),
        "the unrecovered panic was not printed:\n{stderr}"
    );
    assert!(stderr.contains(PANICKED_AT), "{stderr}");
    assert!(!stderr.contains("recovered before"), "{stderr}");
    assert!(!stderr.contains("recovered after"), "{stderr}");
}

#[recover]
fn spawns_a_panicking_thread() -> Result<&'static str, Error> {
    let joined = std::thread::Builder::new()
        .name("helper".into())
        .spawn(|| panic!("panic on a thread spawned inside #[recover]"))
        .unwrap()
        .join();
    assert!(joined.is_err());
    let scoped = std::thread::scope(|scope| {
        scope
            .spawn(|| panic!("panic on a scoped thread inside #[recover]"))
            .join()
    });
    assert!(scoped.is_err());
    Ok("the recovering thread itself did not panic")
}

#[test]
fn a_panic_on_a_thread_spawned_inside_recover_still_prints() {
    const NAME: &str = "a_panic_on_a_thread_spawned_inside_recover_still_prints";
    if is_child(NAME) {
        assert_eq!(
            spawns_a_panicking_thread().unwrap(),
            "the recovering thread itself did not panic"
        );
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    // The recovering state is per thread: the spawned threads are not recovering.
    assert!(
        stderr.contains("panic on a thread spawned inside #[recover]"),
        "{stderr}"
    );
    assert!(stderr.contains("thread 'helper'"), "{stderr}");
    assert!(
        stderr.contains("panic on a scoped thread inside #[recover]"),
        "{stderr}"
    );
}

/// Messages seen by the user's hook.
static SEEN_BY_USER_HOOK: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn install_recording_user_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = steadfast_message(info.payload());
        SEEN_BY_USER_HOOK.lock().unwrap().push(message);
    }));
}

fn steadfast_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<other>".to_string()
    }
}

#[test]
fn a_user_hook_installed_before_is_chained_to() {
    const NAME: &str = "a_user_hook_installed_before_is_chained_to";
    if is_child(NAME) {
        install_recording_user_hook();
        let panic = recovered("recovered, not shown to the user hook")
            .unwrap_err()
            .0;
        assert!(panic.location().is_some(), "the quiet hook saw it");
        unrecovered("unrecovered, shown to the user hook");
        assert_eq!(recovered_default("recovered again"), 0);
        unrecovered("unrecovered again");
        assert_eq!(
            *SEEN_BY_USER_HOOK.lock().unwrap(),
            ["unrecovered, shown to the user hook", "unrecovered again"]
        );
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    // The user's hook replaced the default one and prints nothing.
    assert!(stderr.trim().is_empty(), "{stderr}");
}

#[test]
fn a_hook_set_after_the_first_recovery_replaces_the_quiet_hook() {
    const NAME: &str = "a_hook_set_after_the_first_recovery_replaces_the_quiet_hook";
    if is_child(NAME) {
        assert!(recovered("before the user hook").is_err());
        install_recording_user_hook();
        // As documented on `install_quiet_hook`: the quiet hook is gone, so the user's
        // hook sees recovered panics too, and no location is recorded.
        let panic = recovered("after the user hook").unwrap_err().0;
        assert_eq!(panic.message(), "after the user hook");
        assert!(panic.location().is_none());
        assert_eq!(*SEEN_BY_USER_HOOK.lock().unwrap(), ["after the user hook"]);
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    assert!(!stderr.contains("before the user hook"), "{stderr}");
}

static USER_HOOK_CALLS: AtomicU32 = AtomicU32::new(0);

#[test]
fn the_quiet_hook_is_installed_once_when_eight_threads_race() {
    const NAME: &str = "the_quiet_hook_is_installed_once_when_eight_threads_race";
    const THREADS: usize = 8;
    if is_child(NAME) {
        std::panic::set_hook(Box::new(|_| {
            USER_HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
        }));
        // Eight threads make their first `#[recover]` call at once: each may be the one
        // that installs the quiet hook. Two installs racing could lose the user's hook
        // (one thread's `take_hook` would take the other's default) or chain it twice.
        let barrier = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    recovered_default("recovered on one of eight threads")
                })
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), 0);
        }
        assert_eq!(
            USER_HOOK_CALLS.load(Ordering::SeqCst),
            0,
            "a recovered panic reached the user's hook"
        );
        unrecovered("one unrecovered panic");
        assert_eq!(
            USER_HOOK_CALLS.load(Ordering::SeqCst),
            1,
            "the user's hook must be called exactly once for one unrecovered panic"
        );
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    assert!(stderr.trim().is_empty(), "{stderr}");
}

#[recover]
fn handles_a_panic_itself() -> Result<&'static str, Error> {
    let handled = catch_unwind(AssertUnwindSafe(|| {
        panic!("handled by the body's own catch_unwind")
    }));
    assert!(handled.is_err());
    Ok("handled")
}

#[test]
fn a_panic_the_body_catches_itself_still_prints() {
    const NAME: &str = "a_panic_the_body_catches_itself_still_prints";
    if is_child(NAME) {
        assert_eq!(handles_a_panic_itself().unwrap(), "handled");
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    assert!(
        stderr.contains("handled by the body's own catch_unwind"),
        "a panic that #[recover] did not recover was not printed:\n{stderr}"
    );
}

/// Recovers a panic in its `Drop`, which runs during an unwind.
struct RecoversInItsDrop;

impl Drop for RecoversInItsDrop {
    fn drop(&mut self) {
        let panic = Panic::catch(|| panic!("recovered inside a drop")).unwrap_err();
        println!("recovered: {}", panic.message());
    }
}

#[test]
fn a_first_recovery_during_an_unwind_does_not_abort() {
    const NAME: &str = "a_first_recovery_during_an_unwind_does_not_abort";
    if is_child(NAME) {
        // The first recovery of the process runs in a `Drop` during an unwind, where std
        // refuses to change the panic hook: the hook is not installed then...
        let caught = catch_unwind(|| {
            let _recovers = RecoversInItsDrop;
            panic!("outer");
        });
        assert!(caught.is_err());
        // ...and is by the first recovery on a thread that is not unwinding.
        std::thread::spawn(|| assert!(recovered("recovered later").is_err()))
            .join()
            .unwrap();
        assert!(recovered("recovered on the first thread").is_err());
        child_done();
        return;
    }
    let stderr = run_child(NAME);
    assert!(stderr.contains("recovered inside a drop"), "{stderr}");
    assert!(!stderr.contains("recovered later"), "{stderr}");
    assert!(
        !stderr.contains("recovered on the first thread"),
        "{stderr}"
    );
}
