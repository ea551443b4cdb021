//! On-success and on-unwind guards made while the thread is already unwinding (in a `Drop`
//! run by an older panic) tell a newer panic, begun after them, from the older one: the
//! quiet panic hook counts the panics that begin on each thread, and steadfast's own catches
//! count the ones they end. The `strategy` module's docs give the rule; each case here is
//! one line of it.
//!
//! The hook is global to the process, so the tests that replace it, or that need a process
//! where it was never installed, re-run themselves in a child process.
#![cfg(panic = "unwind")]

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use steadfast::{defer, guard_on_success, guard_on_unwind, recover, Panic};

#[path = "common/child.rs"]
mod child;
#[path = "common/log.rs"]
mod log;

use child::{is_child_for, run_child};
use log::{message, panic_message, rec, take, Log};

/// An on-unwind and an on-success guard that log which one ran, under `name`; the on-unwind
/// one drops first.
fn both<'a>(log: &'a Log, name: &'static str) -> impl Sized + 'a {
    (
        guard_on_unwind((), move |()| rec(log, format!("{name}: on_unwind"))),
        guard_on_success((), move |()| rec(log, format!("{name}: on_success"))),
    )
}

/// Runs `during` when dropped, which must be during an unwind.
struct RunsInDrop<'a, F: FnOnce(&Log)> {
    log: &'a Log,
    during: Option<F>,
}

impl<F: FnOnce(&Log)> Drop for RunsInDrop<'_, F> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            rec(self.log, "not unwinding!");
        }
        if let Some(during) = self.during.take() {
            during(self.log);
        }
    }
}

/// What `during` logs when it runs in a `Drop` while the thread unwinds from the panic
/// "outer".
fn unwinding(during: impl FnOnce(&Log)) -> Vec<String> {
    let log = Log::default();
    let message = panic_message(|| {
        let _in_drop = RunsInDrop {
            log: &log,
            during: Some(during),
        };
        panic!("outer");
    });
    assert_eq!(message, "outer");
    take(&log)
}

/// Makes an on-success guard while the thread is not unwinding: the first one installs the
/// quiet hook (std lets no unwinding thread change it).
fn first_use() {
    drop(guard_on_success((), |()| ()));
}

/// [`unwinding`], after a [`first_use`].
fn during_an_unwind(during: impl FnOnce(&Log)) -> Vec<String> {
    first_use();
    unwinding(during)
}

// ---------------------------------------------------------------------------------------
// Scenarios, shared with the child processes

/// What [`scope_panics_anew`] logs when the newer panic is the guards' own...
const THEIRS: [&str; 2] = ["g: on_unwind", "caught inner"];
/// ...and when it is taken for the older one.
const TAKEN_FOR_THE_OLDER: [&str; 2] = ["g: on_success", "caught inner"];

/// The guards' scope panics anew, and a `catch_unwind` in the same `Drop` catches it.
fn scope_panics_anew(log: &Log) {
    let inner = catch_unwind(AssertUnwindSafe(|| {
        let _g = both(log, "g");
        panic!("inner");
    }));
    match inner {
        Ok(()) => rec(log, "inner returned"),
        Err(payload) => rec(log, format!("caught {}", message(&*payload))),
    }
}

/// The guards' scope catches a newer panic itself, with plain `catch_unwind`, and ends
/// normally.
fn scope_catches_a_newer_panic(log: &Log) {
    let _g = both(log, "g");
    let caught = catch_unwind(|| panic!("caught by catch_unwind"));
    rec(log, format!("caught: {}", caught.is_err()));
}

/// A guard made on a thread that is not unwinding, whose scope panics.
fn made_while_not_unwinding() -> Vec<String> {
    let log = Log::default();
    let message = panic_message(|| {
        let _g = both(&log, "g");
        panic!("its own");
    });
    assert_eq!(message, "its own");
    take(&log)
}

// ---------------------------------------------------------------------------------------
// Newer panics

#[test]
fn a_newer_panic_out_of_the_guards_scope_is_theirs() {
    assert_eq!(during_an_unwind(scope_panics_anew), THEIRS);
}

#[test]
fn a_newer_panic_that_steadfast_recovers_is_theirs_and_ends_there() {
    let logged = during_an_unwind(|log| {
        let inner = Panic::catch(|| {
            let _g = both(log, "g");
            panic!("inner");
        });
        rec(
            log,
            format!("recovered {}", inner.unwrap_or_else(|p| p).message()),
        );
        let _after = both(log, "after");
    });
    assert_eq!(
        logged,
        ["g: on_unwind", "recovered inner", "after: on_success"]
    );
}

#[test]
fn a_defer_body_that_panics_during_the_unwind_is_a_newer_panic_for_its_own_guards() {
    let logged = during_an_unwind(|log| {
        {
            // Run during the unwind, so its panic is caught and reported, not an abort.
            defer! {
                let _g = both(log, "g");
                panic!("in the defer");
            }
        }
        rec(log, "the defer's panic was reported");
    });
    assert_eq!(logged, ["g: on_unwind", "the defer's panic was reported"]);
}

#[test]
fn guards_two_unwinds_deep_tell_the_newest_panic_from_both_older_ones() {
    let logged = during_an_unwind(|log| {
        let second = catch_unwind(AssertUnwindSafe(|| {
            let _deeper = RunsInDrop {
                log,
                during: Some(|log: &Log| {
                    {
                        let _g = both(log, "g"); // "outer" and "second" are both older
                    }
                    scope_panics_anew(log); // "inner" is newer
                }),
            };
            panic!("second");
        }));
        rec(log, format!("caught second: {}", second.is_err()));
    });
    assert_eq!(
        logged,
        [
            "g: on_success",
            "g: on_unwind",
            "caught inner",
            "caught second: true"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Normal exits during an older unwind

#[test]
fn panics_that_steadfast_ends_inside_the_scope_leave_it_a_success() {
    #[recover(default)]
    fn recovered() -> u32 {
        panic!("recovered by #[recover]")
    }
    let logged = during_an_unwind(|log| {
        let _g = both(log, "g");
        let caught = Panic::catch(|| panic!("recovered by Panic::catch"));
        rec(log, format!("Panic::catch: {}", caught.is_err()));
        rec(log, format!("#[recover]: {}", recovered()));
        {
            defer! { panic!("reported by a defer"); }
        }
        {
            let _s = guard_on_success((), |()| panic!("reported by a guard"));
        }
        rec(log, "the scope ends");
    });
    assert_eq!(
        logged,
        [
            "Panic::catch: true",
            "#[recover]: 0",
            "the scope ends",
            "g: on_success"
        ]
    );
}

#[test]
fn panics_that_ended_before_the_guard_was_made_are_not_its_own() {
    let logged = during_an_unwind(|log| {
        let _ = catch_unwind(|| panic!("caught by catch_unwind"));
        let _ = Panic::catch(|| panic!("recovered"));
        let _g = both(log, "g");
    });
    assert_eq!(logged, ["g: on_success"]);
}

#[test]
fn a_newer_panic_caught_by_plain_catch_unwind_inside_the_scope_counts_as_the_guards() {
    // std does not say when `catch_unwind` ends a panic: the guards know only that one began
    // after them and that steadfast did not end it (see the `strategy` module).
    assert_eq!(
        during_an_unwind(scope_catches_a_newer_panic),
        ["caught: true", "g: on_unwind"]
    );
}

#[test]
fn a_panic_carried_on_by_resume_unwind_is_taken_for_the_older_one() {
    // `resume_unwind` calls no panic hook, so nothing counts it.
    let logged = during_an_unwind(|log| {
        let resumed = catch_unwind(AssertUnwindSafe(|| {
            let _g = both(log, "g");
            resume_unwind(Box::new("resumed"))
        }));
        rec(log, format!("caught resumed: {}", resumed.is_err()));
    });
    assert_eq!(logged, ["g: on_success", "caught resumed: true"]);
}

// ---------------------------------------------------------------------------------------
// Threads

#[test]
fn panics_on_other_threads_do_not_count() {
    let logged = during_an_unwind(|log| {
        let _g = both(log, "g");
        let other = std::thread::spawn(|| {
            for _ in 0..3 {
                let _ = catch_unwind(|| panic!("on another thread"));
            }
        })
        .join();
        rec(log, format!("the other thread ended: {}", other.is_ok()));
    });
    assert_eq!(logged, ["the other thread ended: true", "g: on_success"]);
}

#[test]
fn a_guard_made_during_an_unwind_and_dropped_on_another_thread_decides_by_panicking_alone() {
    static RAN: Mutex<Vec<&str>> = Mutex::new(Vec::new());
    fn ran(what: &'static str) {
        RAN.lock().unwrap_or_else(|e| e.into_inner()).push(what);
    }
    let moves_a_guard = |log: &Log| {
        let made_here = (
            guard_on_unwind((), |()| ran("on_unwind")),
            guard_on_success((), |()| ran("on_success")),
        );
        let other = std::thread::spawn(move || {
            // More panics than the first thread has seen, so that the two threads' counts
            // differ the way a newer panic's would.
            for _ in 0..3 {
                let _ = catch_unwind(|| panic!("on the other thread"));
            }
            let _ = catch_unwind(AssertUnwindSafe(move || {
                let _moved = made_here;
                panic!("dropping the guard on the other thread");
            }));
        })
        .join();
        rec(log, format!("the other thread ended: {}", other.is_ok()));
    };
    // On a thread of its own, whose count starts at 0.
    let logged = std::thread::spawn(move || during_an_unwind(moves_a_guard))
        .join()
        .unwrap();
    assert_eq!(logged, ["the other thread ended: true"]);
    // Made while unwinding, dropped while unwinding, on two threads whose panics cannot be
    // compared: the unwind is taken for the older one, as when the hook is replaced.
    assert_eq!(*RAN.lock().unwrap(), ["on_success"]);
}

// ---------------------------------------------------------------------------------------
// Without the quiet hook (child processes)

/// What a child prints on stdout when its scenario ran to the end.
const DONE: &str = "nested panics scenario done";

/// Runs `scenario` in a child process started for the test `name` (this binary, alone),
/// and checks that it ran to the end.
fn in_a_child(name: &str, scenario: impl FnOnce()) {
    if is_child_for(name) {
        scenario();
        println!("\n{DONE}");
        return;
    }
    let child = run_child(name);
    assert!(
        child.status.success() && child.stdout.contains(DONE),
        "the child scenario failed\n{}",
        child.context()
    );
}

/// With the count: the newer panic out of the guards' scope is theirs.
fn assert_the_rule_with_counts() {
    assert_eq!(unwinding(scope_panics_anew), THEIRS);
    assert_eq!(made_while_not_unwinding(), ["g: on_unwind"]);
}

/// Decided by `std::thread::panicking()` alone: a guard made during an unwind takes every
/// unwind at its drop for the older one; a guard made while not unwinding is unchanged.
fn assert_the_rule_without_counts() {
    assert_eq!(unwinding(scope_panics_anew), TAKEN_FOR_THE_OLDER);
    assert_eq!(
        unwinding(scope_catches_a_newer_panic),
        ["caught: true", "g: on_success"]
    );
    assert_eq!(unwinding(|log| drop(both(log, "g"))), ["g: on_success"]);
    assert_eq!(made_while_not_unwinding(), ["g: on_unwind"]);
}

#[test]
fn with_the_quiet_hook_replaced_guards_decide_by_panicking_alone() {
    in_a_child(
        "with_the_quiet_hook_replaced_guards_decide_by_panicking_alone",
        || {
            first_use();
            assert_the_rule_with_counts();
            std::panic::set_hook(Box::new(|info| eprintln!("replacement hook: {info}")));
            assert_the_rule_without_counts();
        },
    );
}

#[test]
fn a_hook_that_calls_the_quiet_hook_it_replaced_keeps_newer_panics_apart() {
    in_a_child(
        "a_hook_that_calls_the_quiet_hook_it_replaced_keeps_newer_panics_apart",
        || {
            first_use();
            let quiet = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                eprintln!("chaining hook");
                quiet(info);
            }));
            assert_the_rule_with_counts();
        },
    );
}

#[test]
fn before_the_quiet_hook_is_installed_guards_decide_by_panicking_alone() {
    in_a_child(
        "before_the_quiet_hook_is_installed_guards_decide_by_panicking_alone",
        || {
            // Nothing has installed the hook yet, and guards made during an unwind cannot.
            assert_eq!(unwinding(scope_panics_anew), TAKEN_FOR_THE_OLDER);
            // What a program whose first guards are made during unwinds calls.
            steadfast::install_quiet_hook();
            assert_the_rule_with_counts();
        },
    );
}
