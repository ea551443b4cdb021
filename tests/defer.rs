//! `defer!`: when each form runs, in which order, and on which exit paths.

use std::cell::Cell;

use steadfast::defer;

#[path = "common/log.rs"]
mod log;

use log::{panic_message, rec, take, Log};

/// Runs `scope(log, false)` (a normal exit) and `scope(log, true)` (expected to panic with
/// "boom") and returns what each logged.
#[cfg(panic = "unwind")]
fn normal_and_unwound(scope: impl Fn(&Log, bool)) -> (Vec<String>, Vec<String>) {
    let log = Log::default();
    scope(&log, false);
    let normal = take(&log);
    assert_eq!(panic_message(|| scope(&log, true)), "boom");
    (normal, take(&log))
}

// ---------------------------------------------------------------------------------------
// Order and exit paths

#[test]
fn several_defers_run_in_reverse_order_after_the_body() {
    let log = Log::default();
    {
        defer! { rec(&log, "first written"); }
        defer! { rec(&log, "second written"); }
        defer! { rec(&log, "third written"); }
        rec(&log, "body");
    }
    rec(&log, "after scope");
    assert_eq!(
        take(&log),
        [
            "body",
            "third written",
            "second written",
            "first written",
            "after scope"
        ]
    );
}

#[test]
fn runs_at_the_end_of_its_own_block_not_of_the_function() {
    let log = Log::default();
    rec(&log, "before block");
    {
        defer! { rec(&log, "inner defer"); }
        rec(&log, "inner body");
    }
    rec(&log, "after block");
    assert_eq!(
        take(&log),
        ["before block", "inner body", "inner defer", "after block"]
    );
}

#[test]
fn runs_when_falling_off_the_end_of_a_function() {
    fn f(log: &Log) {
        defer! { rec(log, "deferred"); }
        rec(log, "body");
    }
    let log = Log::default();
    f(&log);
    assert_eq!(take(&log), ["body", "deferred"]);
}

#[test]
fn runs_on_early_return_and_the_return_value_is_kept() {
    fn f(log: &Log, early: bool) -> u32 {
        defer! { rec(log, "deferred"); }
        if early {
            rec(log, "returning early");
            return 1;
        }
        rec(log, "end of body");
        2
    }
    let log = Log::default();
    assert_eq!(f(&log, true), 1);
    assert_eq!(take(&log), ["returning early", "deferred"]);
    assert_eq!(f(&log, false), 2);
    assert_eq!(take(&log), ["end of body", "deferred"]);
}

fn parse(log: &Log, input: &str) -> Result<u32, String> {
    rec(log, format!("parse {input}"));
    input.parse().map_err(|_| format!("not a number: {input}"))
}

#[test]
fn runs_when_question_mark_returns_an_err() {
    fn f(log: &Log, input: &str) -> Result<u32, String> {
        defer! { rec(log, "deferred"); }
        let n = parse(log, input)?;
        rec(log, "after ?");
        Ok(n * 2)
    }
    let log = Log::default();
    assert_eq!(f(&log, "x"), Err("not a number: x".to_string()));
    assert_eq!(take(&log), ["parse x", "deferred"]);
    assert_eq!(f(&log, "21"), Ok(42));
    assert_eq!(take(&log), ["parse 21", "after ?", "deferred"]);
}

#[test]
fn runs_on_break_and_continue_out_of_a_loop_body() {
    let log = Log::default();
    for i in 0..4 {
        defer! { rec(&log, format!("end {i}")); }
        if i == 1 {
            rec(&log, "continue");
            continue;
        }
        if i == 2 {
            rec(&log, "break");
            break;
        }
        rec(&log, format!("body {i}"));
    }
    rec(&log, "after loop");
    assert_eq!(
        take(&log),
        [
            "body 0",
            "end 0",
            "continue",
            "end 1",
            "break",
            "end 2",
            "after loop"
        ]
    );
}

#[test]
fn runs_on_break_with_a_value_and_on_a_labelled_break_through_nested_loops() {
    let log = Log::default();
    let mut i = 0;
    let value = loop {
        i += 1;
        let log = &log;
        defer!(move { rec(log, format!("loop defer {i}")); });
        if i == 2 {
            break i * 10;
        }
        rec(log, format!("iteration {i}"));
    };
    assert_eq!(value, 20);
    assert_eq!(take(&log), ["iteration 1", "loop defer 1", "loop defer 2"]);

    'outer: for i in 0..3 {
        defer! { rec(&log, format!("outer end {i}")); }
        for j in 0..3 {
            defer! { rec(&log, format!("inner end {i}{j}")); }
            if j == 1 {
                break 'outer;
            }
        }
    }
    assert_eq!(take(&log), ["inner end 00", "inner end 01", "outer end 0"]);
}

#[test]
fn a_body_that_is_a_block_expression_runs() {
    let log = Log::default();
    let count = Cell::new(0);
    {
        defer! {
            loop {
                count.set(count.get() + 1);
                rec(&log, format!("loop {}", count.get()));
                if count.get() == 2 {
                    break;
                }
            }
        }
        defer! { for i in 0..2 { rec(&log, format!("for {i}")); } }
        defer! { if count.get() == 0 { rec(&log, "if body"); } }
        rec(&log, "body");
    }
    assert_eq!(
        take(&log),
        ["body", "if body", "for 0", "for 1", "loop 1", "loop 2"]
    );
}

#[cfg(panic = "unwind")]
#[test]
fn runs_in_reverse_order_on_panic_and_the_panic_reaches_the_caller() {
    let log = Log::default();
    let message = panic_message(|| {
        defer! { rec(&log, "first written"); }
        defer! { rec(&log, "second written"); }
        rec(&log, "body");
        panic!("boom");
    });
    assert_eq!(message, "boom");
    assert_eq!(take(&log), ["body", "second written", "first written"]);
}

#[test]
fn runs_inside_a_closure_when_the_closure_call_ends() {
    let log = Log::default();
    let call = |n: u32| {
        defer! { rec(&log, format!("closure defer {n}")); }
        rec(&log, format!("closure body {n}"));
        n + 1
    };
    assert_eq!(call(1), 2);
    assert_eq!(call(2), 3);
    assert_eq!(
        take(&log),
        [
            "closure body 1",
            "closure defer 1",
            "closure body 2",
            "closure defer 2"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// The six forms

/// Every form in one scope, each recording its name (and, for `move`, the captured value).
fn all_forms(log: &Log, fail: bool) {
    let mut n = 1;
    defer! { rec(log, "always"); }
    defer!(on_success { rec(log, "on_success"); });
    defer!(on_unwind { rec(log, "on_unwind"); });
    defer!(move { rec(log, format!("move {n}")); });
    defer!(move on_unwind { rec(log, format!("move on_unwind {n}")); });
    defer!(move on_success { rec(log, format!("move on_success {n}")); });
    n += 1;
    rec(log, format!("body {n}"));
    if fail {
        panic!("boom");
    }
}

#[test]
fn all_forms_on_a_normal_exit() {
    let log = Log::default();
    all_forms(&log, false);
    assert_eq!(
        take(&log),
        [
            "body 2",
            "move on_success 1",
            "move 1",
            "on_success",
            "always"
        ]
    );
}

#[cfg(panic = "unwind")]
#[test]
fn all_forms_on_a_panic() {
    let log = Log::default();
    assert_eq!(panic_message(|| all_forms(&log, true)), "boom");
    assert_eq!(
        take(&log),
        [
            "body 2",
            "move on_unwind 1",
            "move 1",
            "on_unwind",
            "always"
        ]
    );
}

#[cfg(panic = "unwind")]
#[test]
fn plain_form_runs_on_normal_exit_and_on_panic() {
    let (normal, unwound) = normal_and_unwound(|log, fail| {
        defer! { rec(log, "ran"); }
        rec(log, "body");
        if fail {
            panic!("boom");
        }
    });
    assert_eq!(normal, ["body", "ran"]);
    assert_eq!(unwound, ["body", "ran"]);
}

#[cfg(panic = "unwind")]
#[test]
fn on_success_runs_on_normal_exit_but_not_on_panic() {
    let (normal, unwound) = normal_and_unwound(|log, fail| {
        defer!(on_success { rec(log, "ran"); });
        rec(log, "body");
        if fail {
            panic!("boom");
        }
    });
    assert_eq!(normal, ["body", "ran"]);
    assert_eq!(unwound, ["body"]);
}

#[cfg(panic = "unwind")]
#[test]
fn on_unwind_runs_on_panic_but_not_on_normal_exit() {
    let (normal, unwound) = normal_and_unwound(|log, fail| {
        defer!(on_unwind { rec(log, "ran"); });
        rec(log, "body");
        if fail {
            panic!("boom");
        }
    });
    assert_eq!(normal, ["body"]);
    assert_eq!(unwound, ["body", "ran"]);
}

#[cfg(panic = "unwind")]
#[test]
fn move_form_runs_on_normal_exit_and_on_panic_with_the_captured_value() {
    let (normal, unwound) = normal_and_unwound(|log, fail| {
        let mut v = 1;
        defer!(move { rec(log, format!("ran {v}")); });
        v += 1;
        rec(log, format!("body {v}"));
        if fail {
            panic!("boom");
        }
    });
    assert_eq!(normal, ["body 2", "ran 1"]);
    assert_eq!(unwound, ["body 2", "ran 1"]);
}

#[cfg(panic = "unwind")]
#[test]
fn move_on_unwind_runs_only_on_panic_with_the_captured_value() {
    let (normal, unwound) = normal_and_unwound(|log, fail| {
        let mut v = 1;
        defer!(move on_unwind { rec(log, format!("ran {v}")); });
        v += 1;
        rec(log, format!("body {v}"));
        if fail {
            panic!("boom");
        }
    });
    assert_eq!(normal, ["body 2"]);
    assert_eq!(unwound, ["body 2", "ran 1"]);
}

#[cfg(panic = "unwind")]
#[test]
fn move_on_success_runs_only_without_panic_with_the_captured_value() {
    let (normal, unwound) = normal_and_unwound(|log, fail| {
        let mut v = 1;
        defer!(move on_success { rec(log, format!("ran {v}")); });
        v += 1;
        rec(log, format!("body {v}"));
        if fail {
            panic!("boom");
        }
    });
    assert_eq!(normal, ["body 2", "ran 1"]);
    assert_eq!(unwound, ["body 2"]);
}

#[test]
fn on_success_runs_on_early_return_and_on_question_mark_err() {
    fn f(log: &Log, input: &str, early: bool) -> Result<u32, String> {
        defer!(on_success { rec(log, "on_success"); });
        defer!(on_unwind { rec(log, "on_unwind"); });
        if early {
            return Ok(0);
        }
        let n = parse(log, input)?;
        Ok(n)
    }
    let log = Log::default();
    assert_eq!(f(&log, "1", true), Ok(0));
    assert_eq!(take(&log), ["on_success"]);
    assert_eq!(f(&log, "x", false), Err("not a number: x".to_string()));
    assert_eq!(take(&log), ["parse x", "on_success"]);
    assert_eq!(f(&log, "5", false), Ok(5));
    assert_eq!(take(&log), ["parse 5", "on_success"]);
}

#[cfg(panic = "unwind")]
#[test]
fn on_unwind_does_not_run_for_a_panic_caught_inside_its_scope() {
    let log = Log::default();
    {
        defer!(on_unwind { rec(&log, "on_unwind"); });
        defer!(on_success { rec(&log, "on_success"); });
        let caught = std::panic::catch_unwind(|| panic!("contained"));
        assert!(caught.is_err());
        rec(&log, "recovered");
    }
    assert_eq!(take(&log), ["recovered", "on_success"]);
}

// ---------------------------------------------------------------------------------------
// `move`, borrowing, loops

#[test]
fn move_evaluates_captures_at_the_defer_like_go() {
    let log = Log::default();
    {
        let log = &log;
        let mut i = 10;
        defer!(move { rec(log, format!("deferred saw {i}")); });
        i = 20;
        rec(log, format!("body saw {i}"));
    }
    assert_eq!(take(&log), ["body saw 20", "deferred saw 10"]);
}

#[test]
fn move_takes_ownership_of_a_non_copy_value() {
    let log = Log::default();
    {
        let log = &log;
        let name = String::from("conn-1");
        defer!(move { rec(log, format!("closed {name}")); });
        // `name` now belongs to the defer; a new binding of the same name is independent.
        let name = String::from("conn-2");
        rec(log, format!("using {name}"));
    }
    assert_eq!(take(&log), ["using conn-2", "closed conn-1"]);
}

#[test]
fn borrowing_defer_sees_the_final_state_next_to_a_move_defer_that_saw_the_first() {
    let log = Log::default();
    {
        let count = Cell::new(0);
        defer! { rec(&log, format!("borrowing defer saw {}", count.get())); }
        let mut n = 1;
        let log = &log;
        defer!(move { rec(log, format!("move defer saw {n}")); });
        n += 1;
        count.set(n);
        rec(log, "body");
    }
    assert_eq!(
        take(&log),
        ["body", "move defer saw 1", "borrowing defer saw 2"]
    );
}

#[test]
fn a_defer_in_a_loop_body_runs_at_the_end_of_each_iteration() {
    let log = Log::default();
    for i in 0..3 {
        let log = &log;
        defer!(move { rec(log, format!("defer{i}")); });
        rec(log, format!("body{i}"));
    }
    rec(&log, "after loop");
    assert_eq!(
        take(&log),
        [
            "body0",
            "defer0",
            "body1",
            "defer1",
            "body2",
            "defer2",
            "after loop"
        ]
    );

    // The borrowing form sees each iteration's own binding too.
    let mut i = 0;
    while i < 2 {
        let current = i;
        defer! { rec(&log, format!("borrowing defer{current}")); }
        rec(&log, format!("body{current}"));
        i += 1;
    }
    assert_eq!(
        take(&log),
        ["body0", "borrowing defer0", "body1", "borrowing defer1"]
    );
}

// ---------------------------------------------------------------------------------------
// Defers created while the thread is already unwinding (scopeguard issue #43)

/// Its `Drop` opens a scope with one defer of every form and records what ran.
struct CleansUpWithDefers<'a> {
    log: &'a Log,
}

impl Drop for CleansUpWithDefers<'_> {
    fn drop(&mut self) {
        let log = self.log;
        rec(
            log,
            if std::thread::panicking() {
                "drop while unwinding"
            } else {
                "drop normally"
            },
        );
        {
            defer!(on_unwind { rec(log, "on_unwind"); });
            defer!(on_success { rec(log, "on_success"); });
            defer! { rec(log, "always"); }
            defer!(move on_unwind { rec(log, "move on_unwind"); });
            defer!(move on_success { rec(log, "move on_success"); });
            rec(log, "drop body");
        }
        rec(log, "drop end");
    }
}

#[cfg(panic = "unwind")]
#[test]
fn defers_made_in_a_drop_during_unwinding_treat_their_normal_exit_as_success() {
    let log = Log::default();
    let message = panic_message(|| {
        let _cleanup = CleansUpWithDefers { log: &log };
        panic!("outer");
    });
    assert_eq!(message, "outer");
    // The outer panic began before these defers were made, so it is not theirs: their scope
    // ended normally, on_success runs and on_unwind does not.
    assert_eq!(
        take(&log),
        [
            "drop while unwinding",
            "drop body",
            "move on_success",
            "always",
            "on_success",
            "drop end"
        ]
    );
}

#[test]
fn defers_made_in_a_drop_without_unwinding_run_as_usual() {
    let log = Log::default();
    drop(CleansUpWithDefers { log: &log });
    assert_eq!(
        take(&log),
        [
            "drop normally",
            "drop body",
            "move on_success",
            "always",
            "on_success",
            "drop end"
        ]
    );
}

/// Its `Drop` runs a scope that panics (caught inside the `Drop`), with an `on_unwind` and an
/// `on_success` defer made in that scope before the panic.
#[cfg(panic = "unwind")]
struct PanicsInsideItsDrop<'a> {
    log: &'a Log,
}

#[cfg(panic = "unwind")]
impl Drop for PanicsInsideItsDrop<'_> {
    fn drop(&mut self) {
        let log = self.log;
        let inner = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            defer!(on_unwind { rec(log, "on_unwind"); });
            defer!(on_success { rec(log, "on_success"); });
            panic!("inner");
        }));
        rec(
            log,
            if inner.is_err() {
                "inner caught"
            } else {
                "inner returned"
            },
        );
    }
}

#[cfg(panic = "unwind")]
#[test]
fn a_new_panic_inside_a_drop_runs_on_unwind_and_not_on_success_without_an_outer_panic() {
    let log = Log::default();
    drop(PanicsInsideItsDrop { log: &log });
    assert_eq!(take(&log), ["on_unwind", "inner caught"]);
}

#[cfg(panic = "unwind")]
#[test]
fn a_new_panic_inside_a_drop_during_unwinding_runs_on_unwind_and_not_on_success() {
    let log = Log::default();
    {
        // The first on_success or on_unwind defer made while the thread is not unwinding
        // installs the panic hook that counts panics (std lets no unwinding thread do it).
        defer!(on_success { rec(&log, "first use"); });
    }
    assert_eq!(take(&log), ["first use"]);
    let message = panic_message(|| {
        let _cleanup = PanicsInsideItsDrop { log: &log };
        panic!("outer");
    });
    assert_eq!(message, "outer");
    // "inner" began after both defers were made, so it is their panic (DESIGN.md: "on-unwind
    // means a panic that began after the guard was made").
    assert_eq!(take(&log), ["on_unwind", "inner caught"]);
}
