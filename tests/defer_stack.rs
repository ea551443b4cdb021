//! `DeferStack`: Go's function-scoped defers.

use std::cell::Cell;

use steadfast::{defer, DeferStack};

#[path = "common/log.rs"]
mod log;

use log::{panic_message, rec, take, Log};

/// Sets its flag when dropped.
struct DropFlag<'a>(&'a Cell<bool>);

impl Drop for DropFlag<'_> {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn closures_pushed_in_a_loop_run_in_reverse_when_the_stack_drops() {
    let log = Log::default();
    {
        let mut defers = DeferStack::new();
        for i in 0..3 {
            let log = &log;
            defers.push(move || rec(log, format!("{i}")));
            rec(log, format!("pushed {i}"));
        }
        assert_eq!(defers.len(), 3);
        rec(&log, "end of scope");
    }
    assert_eq!(
        take(&log),
        [
            "pushed 0",
            "pushed 1",
            "pushed 2",
            "end of scope",
            "2",
            "1",
            "0"
        ]
    );
}

#[test]
fn go_order_with_a_stack_versus_block_order_with_defer() {
    let log = Log::default();
    {
        let mut defers = DeferStack::new();
        for i in 0..2 {
            let log = &log;
            defers.push(move || rec(log, format!("stack {i}")));
            defer!(move { rec(log, format!("block {i}")); });
        }
        rec(&log, "after loop");
    }
    assert_eq!(
        take(&log),
        ["block 0", "block 1", "after loop", "stack 1", "stack 0"]
    );
}

#[test]
fn closures_may_borrow_from_the_enclosing_function() {
    let total = Cell::new(0);
    {
        let mut defers = DeferStack::default();
        for i in 1..=4 {
            let total = &total;
            defers.push(move || total.set(total.get() * 10 + i));
        }
        assert_eq!(total.get(), 0);
    }
    assert_eq!(total.get(), 4321);
}

#[test]
fn len_is_empty_and_with_capacity() {
    let mut defers = DeferStack::with_capacity(4);
    assert!(defers.is_empty());
    assert_eq!(defers.len(), 0);
    defers.push(|| ());
    defers.push(|| ());
    assert!(!defers.is_empty());
    assert_eq!(defers.len(), 2);
    assert!(format!("{defers:?}").contains('2'));
}

#[test]
fn clear_disarms_and_drops_the_closures() {
    let log = Log::default();
    let dropped = Cell::new(false);
    {
        let mut defers = DeferStack::new();
        let flag = DropFlag(&dropped);
        let log_ref = &log;
        defers.push(move || {
            let _flag = &flag;
            rec(log_ref, "cleared closure ran");
        });
        defers.push(|| rec(&log, "cleared closure ran"));
        assert!(!dropped.get());
        defers.clear();
        assert!(defers.is_empty());
        assert!(dropped.get(), "clear must drop the closures");
        // Closures pushed after a clear still run.
        defers.push(|| rec(&log, "pushed after clear"));
    }
    assert_eq!(take(&log), ["pushed after clear"]);
}

#[cfg(panic = "unwind")]
#[test]
fn closures_run_in_reverse_on_unwind_and_the_panic_reaches_the_caller() {
    let log = Log::default();
    let message = panic_message(|| {
        let mut defers = DeferStack::new();
        for i in 0..3 {
            let log = &log;
            defers.push(move || rec(log, format!("{i}")));
        }
        panic!("boom");
    });
    assert_eq!(message, "boom");
    assert_eq!(take(&log), ["2", "1", "0"]);
}

#[cfg(panic = "unwind")]
#[test]
fn a_closure_panicking_in_a_normal_drop_lets_the_others_run_then_its_panic_goes_on() {
    let log = Log::default();
    let message = panic_message(|| {
        let mut defers = DeferStack::new();
        defers.push(|| rec(&log, "0"));
        defers.push(|| rec(&log, "1"));
        defers.push(|| panic!("closure 2 failed"));
        defers.push(|| rec(&log, "3"));
        drop(defers);
        rec(&log, "after drop: unreachable");
    });
    assert_eq!(message, "closure 2 failed");
    assert_eq!(take(&log), ["3", "1", "0"]);
}

#[cfg(panic = "unwind")]
#[test]
fn when_several_closures_panic_in_a_normal_drop_the_first_to_run_wins() {
    let log = Log::default();
    let message = panic_message(|| {
        let mut defers = DeferStack::new();
        defers.push(|| rec(&log, "0"));
        defers.push(|| panic!("pushed first, ran last"));
        defers.push(|| rec(&log, "2"));
        defers.push(|| std::panic::panic_any(String::from("pushed last, ran first")));
    });
    assert_eq!(message, "pushed last, ran first");
    assert_eq!(take(&log), ["2", "0"]);
}

#[cfg(panic = "unwind")]
#[test]
fn a_closure_panicking_in_a_normal_drop_fires_on_unwind_defers_outside() {
    let log = Log::default();
    let message = panic_message(|| {
        defer!(on_unwind { rec(&log, "outer on_unwind"); });
        defer!(on_success { rec(&log, "outer on_success"); });
        let mut defers = DeferStack::new();
        defers.push(|| panic!("stack closure failed"));
    });
    assert_eq!(message, "stack closure failed");
    assert_eq!(take(&log), ["outer on_unwind"]);
}

#[cfg(panic = "unwind")]
#[test]
fn a_closure_panicking_during_unwind_is_caught_and_the_original_panic_goes_on() {
    let log = Log::default();
    let message = panic_message(|| {
        let mut defers = DeferStack::new();
        defers.push(|| rec(&log, "0"));
        defers.push(|| panic!("cleanup failed"));
        defers.push(|| rec(&log, "2"));
        panic!("original");
    });
    assert_eq!(message, "original");
    assert_eq!(take(&log), ["2", "0"]);
}
