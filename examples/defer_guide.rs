//! `defer!`, guards and `DeferStack`, one behaviour at a time.
//!
//! Run it with `cargo run --example defer_guide`. The guide's "defer" chapter includes the
//! regions between the `ANCHOR` comments. Panics below are caught with `Panic::catch`, which
//! keeps them off stderr (see the "recover" chapter).

use std::cell::{Cell, RefCell};

use steadfast::{defer, guard, guard_on_success, guard_on_unwind, DeferStack, Guard, Panic};

// ANCHOR: reverse_order
fn reverse_order() {
    defer! { println!("  3. the first defer runs last"); }
    defer! { println!("  2. the second defer runs first"); }
    println!("  1. the body");
}
// ANCHOR_END: reverse_order

// ANCHOR: exit_paths
#[derive(Debug, Clone, Copy)]
enum Exit {
    EndOfBlock,
    Return,
    QuestionMark,
    Panic,
}

fn leave_by(exit: Exit) -> Result<(), String> {
    defer! { println!("  cleanup after {exit:?}"); }
    match exit {
        Exit::Return => return Ok(()),
        Exit::QuestionMark => "not a number".parse::<u32>().map_err(|e| e.to_string())?,
        Exit::Panic => panic!("boom"),
        Exit::EndOfBlock => 0,
    };
    Ok(())
}
// ANCHOR_END: exit_paths

// ANCHOR: evaluated_at_the_defer
fn evaluated_at_the_defer() {
    // Go: `i := 10; defer fmt.Println("deferred call saw", i); i = 20`
    let mut i = 10;
    defer!(move { println!("  the move defer saw i = {i}"); }); // i is copied here
    i = 20;
    println!("  the body ends with i = {i}");
}
// ANCHOR_END: evaluated_at_the_defer

// ANCHOR: read_at_exit
fn read_at_exit() {
    // Go: `defer func() { fmt.Println("closure saw", i) }()` reads `i` when it runs.
    let i = Cell::new(10);
    defer! { println!("  the borrowing defer saw i = {}", i.get()); }
    i.set(20); // a shared borrow allows this: `Cell` mutates through `&`
    println!("  the body ends with i = {}", i.get());
}
// ANCHOR_END: read_at_exit

// ANCHOR: move_a_snapshot
fn move_a_snapshot() {
    let mut name = String::from("draft");
    let at_defer = name.clone(); // a copy for the defer to own
    defer!(move { println!("  the defer owns {at_defer:?}"); });
    name.push_str(" v2"); // `name` is free: the defer borrows nothing
    println!("  the body ends with {name:?}");
}
// ANCHOR_END: move_a_snapshot

// ANCHOR: go_loop
fn go_loop_pitfall_cannot_happen() {
    // Go before 1.22: `for i := 0; i < 3; i++ { defer func() { fmt.Print(i) }() }` printed 3 3 3,
    // because every closure shared one `i`. A Rust closure cannot keep a borrow of a loop
    // variable past its iteration; `move` copies each iteration's value.
    for i in 0..3 {
        defer!(move { println!("  end of iteration {i}"); });
        println!("  iteration {i}");
    }
}
// ANCHOR_END: go_loop

// ANCHOR: files_in_a_loop
fn close_each_file_in_its_iteration(names: &[&str]) {
    for name in names {
        println!("  open {name}");
        defer! { println!("  close {name}"); } // before the next file is opened
        if name.ends_with(".tmp") {
            continue; // skipped, and still closed
        }
        if name.ends_with(".end") {
            break; // closed too
        }
        println!("  read {name}");
    }
}
// ANCHOR_END: files_in_a_loop

// ANCHOR: defer_stack
fn go_order_with_a_defer_stack() {
    let mut defers = DeferStack::new();
    for i in 0..3 {
        defers.push(move || println!("  DeferStack runs {i}"));
    }
    println!("  the loop is done; the stack runs when the function returns:");
    // `defers` drops here and prints 2, 1, 0
}
// ANCHOR_END: defer_stack

// ANCHOR: modes
fn modes(fail: bool) -> Result<(), String> {
    defer!(on_success { println!("  on_success: no panic (fail = {fail})"); });
    defer!(on_unwind { println!("  on_unwind: a panic is unwinding (fail = {fail})"); });
    if fail {
        return Err("an early `Err` is not a panic".into());
    }
    Ok(())
}

fn modes_with_a_panic() {
    defer!(on_success { println!("  on_success: not printed"); });
    defer!(on_unwind { println!("  on_unwind: a panic is unwinding"); });
    panic!("something broke");
}
// ANCHOR_END: modes

// ANCHOR: guards
/// Rows are buffered and flushed when the batch goes out of scope, however it does.
fn import(rows: &[&str]) -> Result<usize, String> {
    let mut batch = guard(Vec::new(), |batch: Vec<String>| {
        println!("  flushed {} rows", batch.len());
    });
    for row in rows {
        if row.is_empty() {
            return Err("an empty row".into()); // the rows read so far are still flushed
        }
        batch.push(row.to_uppercase()); // `Guard` derefs to the `Vec`
    }
    Ok(batch.len())
}

/// `Guard::into_inner` disarms the guard and hands the value back.
fn import_without_flushing(rows: &[&str]) -> Vec<String> {
    let mut batch = guard(Vec::new(), |_: Vec<String>| unreachable!("disarmed"));
    batch.extend(rows.iter().map(|row| row.to_string()));
    Guard::into_inner(batch)
}

fn guard_modes(panics: bool) {
    let _saved = guard_on_success("report", |what| println!("  saved the {what}"));
    let _alarm = guard_on_unwind("report", |what| println!("  discarded the {what}"));
    if panics {
        panic!("rendering failed");
    }
}
// ANCHOR_END: guards

// ANCHOR: defer_panics
fn defer_panics_on_a_normal_exit() {
    defer! { panic!("the defer's own panic"); } // like any code: the caller sees it
    println!("  the body finished");
}

fn defer_panics_while_unwinding() {
    defer! { panic!("the defer's own panic"); } // caught and reported on stderr
    panic!("the original panic"); // this one reaches the caller
}
// ANCHOR_END: defer_panics

// ANCHOR: cleanup_results
/// A connection whose `close` can fail, as a `rollback()` or `File::sync_all` can.
struct Conn {
    name: &'static str,
    healthy: bool,
}

impl Conn {
    fn close(self) -> Result<(), String> {
        if !self.healthy {
            return Err(format!("{}: connection reset", self.name));
        }
        println!("  closed {}", self.name);
        Ok(())
    }
}

fn close_connections() {
    let a = Conn {
        name: "a",
        healthy: true,
    };
    let b = Conn {
        name: "b",
        healthy: false,
    };
    let c = Conn {
        name: "c",
        healthy: false,
    };
    let _a = guard(a, Conn::close); // `Ok`: nothing more happens
    let _b = guard(b, |b| b.close()); // `Err`: reported on stderr
    defer!(move { c.close() }); // a block ending in a `Result`, without `;`
    println!("  the body finished");
}
// ANCHOR_END: cleanup_results

fn main() {
    // A panic that is not recovered prints through this hook, as one line on stdout. (The
    // default hook prints on stderr, with a full backtrace for a panic during a panic.)
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = (payload.downcast_ref::<&str>().copied())
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        println!("  [panic hook] {}", message.unwrap_or("?"));
    }));

    println!("defers run in reverse order:");
    reverse_order();

    println!("\ndefers run on every exit path:");
    for exit in [Exit::EndOfBlock, Exit::Return, Exit::QuestionMark] {
        let _ = leave_by(exit);
    }
    let caught = Panic::catch(|| leave_by(Exit::Panic));
    println!("  (the caller caught: {})", caught.unwrap_err().message());

    println!("\nmove: captures are evaluated at the defer, as Go evaluates arguments:");
    evaluated_at_the_defer();
    println!("without move: the block reads the variable when it runs:");
    read_at_exit();
    println!("move a copy to keep the variable free:");
    move_a_snapshot();

    println!("\na defer! in a loop body runs at the end of each iteration:");
    go_loop_pitfall_cannot_happen();
    close_each_file_in_its_iteration(&["a.txt", "b.tmp", "c.txt", "d.end", "e.txt"]);
    println!("a DeferStack keeps Go's order:");
    go_order_with_a_defer_stack();

    println!("\non_success and on_unwind:");
    let _ = modes(false);
    let _ = modes(true);
    let caught = Panic::catch(modes_with_a_panic);
    println!("  (the caller caught: {})", caught.unwrap_err().message());

    println!("\nguards that own a value:");
    println!("  -> {:?}", import(&["a", "b"]));
    println!("  -> {:?}", import(&["a", "", "c"]));
    println!("  -> {:?}", import_without_flushing(&["x", "y"]));
    guard_modes(false);
    let _ = Panic::catch(|| guard_modes(true));

    println!("\nwhen a defer panics:");
    let caught = Panic::catch(defer_panics_on_a_normal_exit);
    println!("  (the caller caught: {})", caught.unwrap_err().message());
    let caught = Panic::catch(defer_panics_while_unwinding);
    println!("  (the caller caught: {})", caught.unwrap_err().message());

    println!("\ncleanups that return Result:");
    close_connections();

    let log = RefCell::new(Vec::new());
    {
        let mut defers = DeferStack::new();
        for i in 0..3 {
            let log = &log;
            defers.push(move || log.borrow_mut().push(i));
        }
    }
    assert_eq!(*log.borrow(), [2, 1, 0]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
