//! A deferred block that panics while the thread is already unwinding must not abort the
//! process: the second panic is caught and reported, and the original payload reaches the
//! caller. Checked in this process and, to see the absence of an abort and the stderr
//! report from outside, in a child process that re-runs one test of this binary.
#![cfg(panic = "unwind")]

use std::panic::catch_unwind;

use steadfast::{defer, guard, guard_on_unwind, DeferStack};

#[path = "common/child.rs"]
mod child;
#[path = "common/log.rs"]
mod log;

use child::{is_child_for, run_child};
use log::{message, panic_message, rec, take, Log};

// ---------------------------------------------------------------------------------------
// In this process

#[test]
fn defer_panicking_during_unwind_keeps_the_original_payload() {
    let log = Log::default();
    let caught = panic_message(|| {
        defer! { rec(&log, "first defer still ran"); }
        defer! { panic!("second panic"); }
        defer! { rec(&log, "third defer ran"); }
        panic!("original panic");
    });
    assert_eq!(caught, "original panic");
    assert_eq!(take(&log), ["third defer ran", "first defer still ran"]);
}

#[test]
fn every_panicking_form_during_unwind_keeps_the_original_string_payload() {
    let log = Log::default();
    let code = 42;
    let caught = panic_message(|| {
        defer! { rec(&log, "last defer ran"); }
        defer!(on_unwind { panic!("on_unwind failed"); });
        defer!(move { panic!("move failed with {code}"); });
        defer!(move on_unwind { panic!("move on_unwind failed"); });
        defer!(on_success { panic!("on_success must not even run"); });
        panic!("original failure {code}");
    });
    assert_eq!(caught, "original failure 42");
    assert_eq!(take(&log), ["last defer ran"]);
}

#[test]
fn defer_panicking_during_a_normal_exit_panics_with_its_own_payload() {
    let log = Log::default();
    let caught = panic_message(|| {
        defer! { rec(&log, "earlier defer ran during that unwind"); }
        defer!(on_unwind { rec(&log, "earlier on_unwind saw the defer's panic"); });
        defer!(on_success { rec(&log, "earlier on_success must not run"); });
        defer! { panic!("defer failed"); }
        rec(&log, "body");
    });
    assert_eq!(caught, "defer failed");
    assert_eq!(
        take(&log),
        [
            "body",
            "earlier on_unwind saw the defer's panic",
            "earlier defer ran during that unwind"
        ]
    );
}

#[test]
fn guard_closure_panicking_during_unwind_keeps_the_original_payload() {
    let caught = panic_message(|| {
        let _g = guard(1, |n| panic!("guard {n} failed"));
        let _u = guard_on_unwind(2, |n| panic!("guard {n} failed"));
        panic!("original");
    });
    assert_eq!(caught, "original");
}

#[test]
fn defer_stack_closure_panicking_during_unwind_keeps_the_original_payload() {
    let log = Log::default();
    let caught = panic_message(|| {
        let mut defers = DeferStack::new();
        defers.push(|| rec(&log, "0"));
        defers.push(|| panic!("closure 1 failed"));
        defers.push(|| panic!("closure 2 failed"));
        defers.push(|| rec(&log, "3"));
        panic!("original");
    });
    assert_eq!(caught, "original");
    assert_eq!(take(&log), ["3", "0"]);
}

#[test]
fn defer_stack_closure_panicking_during_a_normal_drop_panics_with_its_own_payload() {
    let log = Log::default();
    let caught = panic_message(|| {
        let mut defers = DeferStack::new();
        defers.push(|| rec(&log, "0"));
        defers.push(|| panic!("closure 1 failed"));
        defers.push(|| rec(&log, "2"));
    });
    assert_eq!(caught, "closure 1 failed");
    assert_eq!(take(&log), ["2", "0"]);
}

// ---------------------------------------------------------------------------------------
// In a child process

/// What the child prints on stdout before the payload it caught.
const CAUGHT: &str = "child caught payload: ";

/// If this process is a child started by `run_child`, runs `scenario` under `catch_unwind`,
/// prints the payload it caught and returns `true`.
fn child_runs(name: &str, scenario: fn()) -> bool {
    if !is_child_for(name) {
        return false;
    }
    let payload = catch_unwind(scenario).expect_err("the scenario must panic");
    // On a line of its own: libtest has printed "test <name> ... " without a newline.
    println!("\n{CAUGHT}{}", message(&*payload));
    true
}

fn assert_child_survived(test_name: &str, report: &str, second: &str, original: &str) {
    let child = run_child(test_name);
    let context = child.context();
    assert!(
        child.status.success(),
        "the child aborted or failed\n{context}"
    );
    assert!(
        child.stdout.contains("1 passed"),
        "the child did not run exactly this test\n{context}"
    );
    assert!(
        child
            .stdout
            .lines()
            .any(|l| l == format!("{CAUGHT}{original}")),
        "the original payload did not reach the child's caller\n{context}"
    );
    let report_line = child
        .stderr_lines_starting_with(report)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no report line starting with {report:?}\n{context}"));
    assert!(
        report_line.contains(second),
        "the report line does not name the second panic {second:?}\n{context}"
    );
    // The panic hook printed both panics as they happened.
    assert!(child.stderr.contains(original), "{context}");
    assert!(child.stderr.contains(second), "{context}");
}

const DEFER_REPORT: &str =
    "steadfast: a deferred block panicked while the thread was already unwinding";
const STACK_REPORT: &str =
    "steadfast: a closure in a DeferStack panicked while the thread was already unwinding";

#[test]
fn child_process_defer_panicking_during_unwind_does_not_abort() {
    const NAME: &str = "child_process_defer_panicking_during_unwind_does_not_abort";
    if child_runs(NAME, || {
        defer! { panic!("cleanup failure in defer"); }
        panic!("original failure in body");
    }) {
        return;
    }
    assert_child_survived(
        NAME,
        DEFER_REPORT,
        "cleanup failure in defer",
        "original failure in body",
    );
}

#[test]
fn child_process_guard_panicking_during_unwind_does_not_abort() {
    const NAME: &str = "child_process_guard_panicking_during_unwind_does_not_abort";
    if child_runs(NAME, || {
        let _g = guard_on_unwind(7, |n| panic!("cleanup failure in guard {n}"));
        panic!("original failure under a guard");
    }) {
        return;
    }
    assert_child_survived(
        NAME,
        DEFER_REPORT,
        "cleanup failure in guard 7",
        "original failure under a guard",
    );
}

#[test]
fn child_process_defer_stack_panicking_during_unwind_does_not_abort() {
    const NAME: &str = "child_process_defer_stack_panicking_during_unwind_does_not_abort";
    if child_runs(NAME, || {
        let mut defers = DeferStack::new();
        defers.push(|| panic!("cleanup failure in stack"));
        panic!("original failure over a stack");
    }) {
        return;
    }
    assert_child_survived(
        NAME,
        STACK_REPORT,
        "cleanup failure in stack",
        "original failure over a stack",
    );
}

/// Control: the same scenario with a plain `Drop` does abort, so the checks above would see
/// an abort if steadfast let one happen.
#[test]
fn child_process_plain_drop_panicking_during_unwind_aborts() {
    const NAME: &str = "child_process_plain_drop_panicking_during_unwind_aborts";
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("cleanup failure in plain drop");
        }
    }
    if child_runs(NAME, || {
        let _p = PanicsOnDrop;
        panic!("original failure over a plain drop");
    }) {
        return;
    }
    let child = run_child(NAME);
    let context = child.context();
    assert!(
        !child.status.success(),
        "a plain Drop panicking during unwind should abort\n{context}"
    );
    assert!(!child.stdout.contains(CAUGHT), "{context}");
    assert!(
        child.stderr.contains("cleanup failure in plain drop"),
        "{context}"
    );
}
