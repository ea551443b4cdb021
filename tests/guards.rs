//! `guard`, `guard_on_success`, `guard_on_unwind`, `Guard::into_inner`, Deref/DerefMut,
//! cleanups that return `Result` (an `Err` is reported, on stderr or as a `tracing` event),
//! and the transaction pattern of DESIGN.md.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use steadfast::{defer, guard, guard_on_success, guard_on_unwind, Guard};

#[path = "common/child.rs"]
mod child;
#[cfg(feature = "tracing")]
#[path = "common/events.rs"]
mod events;
#[path = "common/log.rs"]
mod log;

use child::{is_child_for, run_child, Child};
use log::{panic_message, rec, take, Log};

/// Sets its flag when dropped: shows that a disarmed guard drops its closure.
struct DropFlag<'a>(&'a RefCell<bool>);

impl Drop for DropFlag<'_> {
    fn drop(&mut self) {
        *self.0.borrow_mut() = true;
    }
}

// ---------------------------------------------------------------------------------------
// The three guard functions

#[test]
fn guard_hands_the_value_to_the_closure_when_the_scope_ends() {
    let log = Log::default();
    {
        let mut v = guard(vec![1], |v: Vec<i32>| rec(&log, format!("cleanup {v:?}")));
        v.push(2); // DerefMut
        rec(&log, format!("len {}", v.len())); // Deref
    }
    assert_eq!(take(&log), ["len 2", "cleanup [1, 2]"]);
}

#[test]
fn guard_runs_on_early_return_and_question_mark() {
    fn f(log: &Log, input: &str) -> Result<u32, std::num::ParseIntError> {
        let _g = guard("resource", |r| rec(log, format!("released {r}")));
        if input.is_empty() {
            return Ok(0);
        }
        let n: u32 = input.parse()?;
        rec(log, "parsed");
        Ok(n)
    }
    let log = Log::default();
    assert_eq!(f(&log, ""), Ok(0));
    assert_eq!(take(&log), ["released resource"]);
    assert!(f(&log, "x").is_err());
    assert_eq!(take(&log), ["released resource"]);
    assert_eq!(f(&log, "3"), Ok(3));
    assert_eq!(take(&log), ["parsed", "released resource"]);
}

#[test]
fn guards_drop_in_reverse_order() {
    let log = Log::default();
    {
        let _a = guard('a', |c| rec(&log, c.to_string()));
        let _b = guard_on_success('b', |c| rec(&log, c.to_string()));
        let _c = guard('c', |c| rec(&log, c.to_string()));
    }
    assert_eq!(take(&log), ["c", "b", "a"]);
}

#[cfg(panic = "unwind")]
#[test]
fn guard_runs_on_panic_and_the_panic_reaches_the_caller() {
    let log = Log::default();
    let message = panic_message(|| {
        let _g = guard(5, |n| rec(&log, format!("cleanup {n}")));
        panic!("boom");
    });
    assert_eq!(message, "boom");
    assert_eq!(take(&log), ["cleanup 5"]);
}

#[test]
fn guard_on_success_runs_on_normal_exit_early_return_and_err() {
    fn f(log: &Log, input: &str) -> Result<u32, std::num::ParseIntError> {
        let _g = guard_on_success(input.len(), |len| rec(log, format!("success {len}")));
        if input == "early" {
            return Ok(0);
        }
        input.parse()
    }
    let log = Log::default();
    assert_eq!(f(&log, "12"), Ok(12));
    assert_eq!(take(&log), ["success 2"]);
    assert_eq!(f(&log, "early"), Ok(0));
    assert_eq!(take(&log), ["success 5"]);
    assert!(f(&log, "bad").is_err());
    assert_eq!(take(&log), ["success 3"]);
}

#[cfg(panic = "unwind")]
#[test]
fn guard_on_success_does_not_run_on_panic() {
    let log = Log::default();
    let message = panic_message(|| {
        let _g = guard_on_success((), |()| rec(&log, "success"));
        rec(&log, "body");
        panic!("boom");
    });
    assert_eq!(message, "boom");
    assert_eq!(take(&log), ["body"]);
}

#[cfg(panic = "unwind")]
#[test]
fn guard_on_unwind_runs_on_panic_only() {
    let log = Log::default();
    {
        let _g = guard_on_unwind(1, |n| rec(&log, format!("unwind {n}")));
        rec(&log, "normal body");
    }
    assert_eq!(take(&log), ["normal body"]);

    let message = panic_message(|| {
        let _g = guard_on_unwind(2, |n| rec(&log, format!("unwind {n}")));
        rec(&log, "panicking body");
        panic!("boom");
    });
    assert_eq!(message, "boom");
    assert_eq!(take(&log), ["panicking body", "unwind 2"]);
}

#[test]
fn guard_new_takes_the_strategy_by_type() {
    use steadfast::strategy::{Always, OnSuccess, OnUnwind};
    let log = Log::default();
    {
        let _a = Guard::<_, _, Always>::new("always", |s| rec(&log, s));
        let _s = Guard::<_, _, OnSuccess>::new("on_success", |s| rec(&log, s));
        let _u = Guard::<_, _, OnUnwind>::new("on_unwind", |s| rec(&log, s));
    }
    assert_eq!(take(&log), ["on_success", "always"]);
}

// ---------------------------------------------------------------------------------------
// into_inner, Deref, DerefMut

#[test]
fn into_inner_disarms_every_kind_of_guard_and_drops_the_closure() {
    let log = Log::default();
    let dropped = RefCell::new(false);

    let flag = DropFlag(&dropped);
    let log_ref = &log;
    let g = guard(String::from("a"), move |s| {
        let _flag = &flag;
        rec(log_ref, format!("ran {s}"));
    });
    assert!(!*dropped.borrow());
    assert_eq!(Guard::into_inner(g), "a");
    assert!(*dropped.borrow(), "into_inner must drop the closure");

    let g = guard_on_success(vec![1, 2], |v| rec(&log, format!("ran {v:?}")));
    assert_eq!(Guard::into_inner(g), [1, 2]);

    let g = guard_on_unwind(3u8, |n| rec(&log, format!("ran {n}")));
    assert_eq!(Guard::into_inner(g), 3);

    assert_eq!(take(&log), Vec::<String>::new());
}

#[test]
fn deref_and_deref_mut_reach_the_value() {
    let log = Log::default();
    {
        let mut g = guard(String::from("tx"), |s| rec(&log, format!("closed {s}")));
        assert_eq!(g.len(), 2); // a `str` method through Deref
        assert_eq!(&*g, "tx");
        g.push_str("-1"); // a `String` method through DerefMut
        *g = format!("{}!", *g);
        let r: &mut String = &mut g;
        r.push('?');
        assert_eq!(*g, "tx-1!?");
    }
    assert_eq!(take(&log), ["closed tx-1!?"]);
}

#[test]
fn guard_debug_shows_the_value() {
    let g = guard(42, |_| ());
    let shown = format!("{g:?}");
    assert!(shown.contains("Guard"), "{shown}");
    assert!(shown.contains("42"), "{shown}");
    drop(g);
}

// ---------------------------------------------------------------------------------------
// The transaction pattern

/// A fake database: hands out transactions that record what became of them.
#[derive(Default)]
struct Db {
    events: Rc<RefCell<Vec<String>>>,
    refuse_begin: bool,
    /// Its transactions' `rollback` fails, as one does when the connection is lost.
    rollback_fails: bool,
}

struct Tx {
    events: Rc<RefCell<Vec<String>>>,
    executed: Vec<&'static str>,
    rollback_fails: bool,
}

impl Db {
    fn begin(&self) -> Result<Tx, String> {
        if self.refuse_begin {
            return Err("cannot begin".into());
        }
        self.events.borrow_mut().push("begin".into());
        Ok(Tx {
            events: Rc::clone(&self.events),
            executed: Vec::new(),
            rollback_fails: self.rollback_fails,
        })
    }

    fn events(&self) -> Vec<String> {
        std::mem::take(&mut *self.events.borrow_mut())
    }
}

impl Tx {
    fn execute(&mut self, q: &'static str) -> Result<(), String> {
        if q.contains("panic") {
            panic!("driver crashed on {q}");
        }
        if q.contains("bad") {
            return Err(format!("rejected {q}"));
        }
        self.executed.push(q);
        Ok(())
    }

    fn commit(self) -> Result<(), String> {
        self.events
            .borrow_mut()
            .push(format!("commit {:?}", self.executed));
        Ok(())
    }

    /// Returns a `Result`, as the `rollback` of rusqlite, postgres and diesel does.
    fn rollback(self) -> Result<(), String> {
        self.events
            .borrow_mut()
            .push(format!("rollback {:?}", self.executed));
        if self.rollback_fails {
            return Err("connection lost during rollback".into());
        }
        Ok(())
    }
}

fn transfer(db: &Db, queries: &[&'static str]) -> Result<(), String> {
    let mut tx = steadfast::guard(db.begin()?, |tx| tx.rollback());
    for q in queries {
        tx.execute(q)?; // an early `?` rolls back
    }
    steadfast::Guard::into_inner(tx).commit() // disarm, then commit
}

#[test]
fn transaction_commits_on_success() {
    let db = Db::default();
    assert_eq!(transfer(&db, &["debit", "credit"]), Ok(()));
    assert_eq!(db.events(), ["begin", r#"commit ["debit", "credit"]"#]);
}

#[test]
fn transaction_rolls_back_on_an_early_question_mark() {
    let db = Db::default();
    assert_eq!(
        transfer(&db, &["debit", "bad credit", "never"]),
        Err("rejected bad credit".to_string())
    );
    assert_eq!(db.events(), ["begin", r#"rollback ["debit"]"#]);
}

#[test]
fn transaction_that_never_began_neither_commits_nor_rolls_back() {
    let db = Db {
        refuse_begin: true,
        ..Db::default()
    };
    assert_eq!(transfer(&db, &["debit"]), Err("cannot begin".to_string()));
    assert_eq!(db.events(), Vec::<String>::new());
}

#[cfg(panic = "unwind")]
#[test]
fn transaction_rolls_back_on_panic() {
    let db = Db::default();
    let message = panic_message(|| transfer(&db, &["debit", "panic credit"]));
    assert_eq!(message, "driver crashed on panic credit");
    assert_eq!(db.events(), ["begin", r#"rollback ["debit"]"#]);
}

#[test]
fn transaction_whose_rollback_fails_reports_it_and_returns_the_first_error() {
    const NAME: &str = "transaction_whose_rollback_fails_reports_it_and_returns_the_first_error";
    if is_child_for(NAME) {
        let db = Db {
            rollback_fails: true,
            ..Db::default()
        };
        let result = transfer(&db, &["debit", "bad credit"]);
        println!("\nresult: {result:?}");
        println!("events: {:?}", db.events());
        return;
    }
    let child = passing_child(NAME);
    let context = child.context();
    assert!(
        child
            .stdout
            .contains(r#"result: Err("rejected bad credit")"#),
        "{context}"
    );
    assert!(
        child
            .stdout
            .contains(r#"events: ["begin", "rollback [\"debit\"]"]"#),
        "{context}"
    );
    assert_eq!(
        reports(&child),
        [reported(r#""connection lost during rollback""#)],
        "{context}"
    );
}

// ---------------------------------------------------------------------------------------
// Guards made while unwinding, and the double-panic rule

/// Its `Drop` (run during an unwind) makes guards of each kind and records what ran.
struct MakesGuardsInDrop<'a> {
    log: &'a Log,
}

impl Drop for MakesGuardsInDrop<'_> {
    fn drop(&mut self) {
        let log = self.log;
        {
            let _u = guard_on_unwind((), |()| rec(log, "on_unwind"));
            let _s = guard_on_success((), |()| rec(log, "on_success"));
            let _a = guard((), |()| rec(log, "always"));
        }
        rec(log, "drop end");
    }
}

#[cfg(panic = "unwind")]
#[test]
fn guards_made_in_a_drop_during_unwinding_treat_their_normal_exit_as_success() {
    let log = Log::default();
    let message = panic_message(|| {
        let _m = MakesGuardsInDrop { log: &log };
        panic!("outer");
    });
    assert_eq!(message, "outer");
    assert_eq!(take(&log), ["always", "on_success", "drop end"]);
}

#[cfg(panic = "unwind")]
#[test]
fn guard_closure_panicking_during_unwind_does_not_replace_the_original_panic() {
    let log = Log::default();
    let message = panic_message(|| {
        let _first = guard((), |()| rec(&log, "first guard still ran"));
        let _second = guard((), |()| panic!("second panic from guard"));
        let _third = guard_on_unwind((), |()| panic!("second panic from guard_on_unwind"));
        panic!("original");
    });
    assert_eq!(message, "original");
    assert_eq!(take(&log), ["first guard still ran"]);
}

#[cfg(panic = "unwind")]
#[test]
fn guard_closure_panicking_on_normal_exit_panics_with_its_own_payload() {
    let log = Log::default();
    let message = panic_message(|| {
        let _outer = guard((), |()| rec(&log, "outer guard ran during that unwind"));
        let _outer_unwind = guard_on_unwind((), |()| rec(&log, "on_unwind saw the guard's panic"));
        let _g = guard_on_success(7, |n| panic!("guard closure failed with {n}"));
    });
    assert_eq!(message, "guard closure failed with 7");
    assert_eq!(
        take(&log),
        [
            "on_unwind saw the guard's panic",
            "outer guard ran during that unwind"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Cleanups that return `Result`
//
// What is reported goes to stderr, so these tests run their scenario in a child process
// and read its stderr; with the `tracing` feature and a subscriber it is an ERROR event,
// which the last test records in this process.

/// The line a cleanup's `Err` is reported with on stderr, for the `Debug` text `error`.
fn reported(error: &str) -> String {
    format!(
        "steadfast: a deferred block returned an error: {error}; a drop cannot return it, so \
         it is reported here"
    )
}

/// Every line steadfast reported on the child's stderr.
fn reports(child: &Child) -> Vec<&str> {
    child.stderr_lines_starting_with("steadfast:")
}

/// Runs the test `name` in a child process, which must pass.
fn passing_child(name: &str) -> Child {
    let child = run_child(name);
    assert!(
        child.status.success() && child.stdout.contains("1 passed"),
        "the child failed or did not run exactly this test\n{}",
        child.context()
    );
    child
}

/// Counts its runs, and returns what it is given: the cleanups below use it.
fn count<R>(runs: &Cell<u32>, returns: R) -> R {
    runs.set(runs.get() + 1);
    returns
}

#[test]
fn cleanup_err_is_reported_once_and_ok_and_unit_are_silent() {
    const NAME: &str = "cleanup_err_is_reported_once_and_ok_and_unit_are_silent";
    if is_child_for(NAME) {
        let runs = Cell::new(0);
        {
            let _ok = guard("ok", |_| count(&runs, Ok::<(), String>(())));
            let _unit = guard("unit", |_| count(&runs, ()));
            let _err = guard("tx", |tx| {
                count(&runs, Err(format!("rollback of {tx}: connection reset")))
            });
        }
        println!("\nruns: {}", runs.get());
        return;
    }
    let child = passing_child(NAME);
    let context = child.context();
    assert!(child.stdout.contains("runs: 3"), "{context}");
    assert_eq!(
        reports(&child),
        [reported(r#""rollback of tx: connection reset""#)],
        "{context}"
    );
}

#[cfg(panic = "unwind")]
#[test]
fn every_strategy_reports_the_err_of_a_cleanup_it_runs_and_only_then() {
    const NAME: &str = "every_strategy_reports_the_err_of_a_cleanup_it_runs_and_only_then";
    if is_child_for(NAME) {
        let log = Log::default();
        let fails = |what: String| {
            rec(&log, what.clone());
            Err::<(), _>(format!("{what} failed"))
        };
        {
            let _s = guard_on_success(1, |n| fails(format!("on_success {n}")));
            let _u = guard_on_unwind(1, |n| fails(format!("on_unwind {n}"))); // does not run
        }
        let message = panic_message(|| {
            let _a = guard(2, |n| fails(format!("always {n}")));
            let _s = guard_on_success(2, |n| fails(format!("on_success {n}"))); // does not run
            let _u = guard_on_unwind(2, |n| fails(format!("on_unwind {n}")));
            panic!("original");
        });
        println!("\ncaught: {message}");
        println!("ran: {:?}", take(&log));
        return;
    }
    let child = passing_child(NAME);
    let context = child.context();
    assert!(child.stdout.contains("caught: original"), "{context}");
    assert!(
        child
            .stdout
            .contains(r#"ran: ["on_success 1", "on_unwind 2", "always 2"]"#),
        "{context}"
    );
    assert_eq!(
        reports(&child),
        [
            reported(r#""on_success 1 failed""#),
            reported(r#""on_unwind 2 failed""#),
            reported(r#""always 2 failed""#),
        ],
        "{context}"
    );
}

#[test]
fn defer_block_ending_in_a_result_reports_its_err() {
    const NAME: &str = "defer_block_ending_in_a_result_reports_its_err";
    fn remove(path: &str, busy: bool) -> Result<(), std::io::Error> {
        if busy {
            return Err(std::io::Error::other(format!("{path} is busy")));
        }
        Ok(())
    }
    if is_child_for(NAME) {
        let code = 7;
        {
            defer! { remove("a.tmp", true) }
            defer! { remove("b.tmp", false) }
            defer!(move on_success { if code == 7 { Err(code) } else { Ok(()) } });
            defer! { println!("\nplain defer ran"); }
        }
        return;
    }
    let child = passing_child(NAME);
    let context = child.context();
    assert!(child.stdout.contains("plain defer ran"), "{context}");
    assert_eq!(
        reports(&child),
        [
            reported("7"),
            reported(r#"Custom { kind: Other, error: "a.tmp is busy" }"#),
        ],
        "{context}"
    );
}

#[test]
fn into_inner_disarms_a_guard_whose_cleanup_returns_result() {
    let runs = Cell::new(0);
    let tx = guard(String::from("tx"), |_| count(&runs, Err::<(), _>("ran")));
    assert_eq!(Guard::into_inner(tx), "tx");
    let tx = guard_on_success(vec![1], |_| count(&runs, Err::<(), _>("ran")));
    assert_eq!(Guard::into_inner(tx), [1]);
    let tx = guard_on_unwind('u', |_| count(&runs, Err::<(), _>("ran")));
    assert_eq!(Guard::into_inner(tx), 'u');
    assert_eq!(runs.get(), 0);
}

#[test]
fn cleanups_returning_result_infer_their_types_and_deref_to_the_value() {
    let log = Log::default();
    {
        // The parameter's type comes from the value, the error's from the body.
        let mut v = guard(Vec::new(), |v| {
            rec(&log, format!("checked {v:?}"));
            if v.is_empty() {
                Err("empty")
            } else {
                Ok(())
            }
        });
        v.push(1); // DerefMut
        assert_eq!(v.len(), 1); // Deref
                                // A method path, and `Guard::new` with the strategy by type.
        let db = Db::default();
        let _tx = guard(db.begin().unwrap(), Tx::rollback);
        let _new = Guard::<_, _, steadfast::strategy::OnSuccess>::new(db.begin().unwrap(), |tx| {
            tx.rollback()
        });
        // A closure that only panics: `!`, whatever the edition's fallback.
        let disarmed = guard(5, |_| unreachable!("disarmed"));
        assert_eq!(Guard::into_inner(disarmed), 5);
    }
    assert_eq!(take(&log), ["checked [1]"]);
}

/// An error whose `Debug` panics: reporting it is user code that can fail.
struct PanicsInDebug;

impl std::fmt::Debug for PanicsInDebug {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("Debug of the cleanup's error panicked");
    }
}

#[cfg(panic = "unwind")]
#[test]
fn reporting_an_err_during_unwind_cannot_replace_the_original_panic() {
    const NAME: &str = "reporting_an_err_during_unwind_cannot_replace_the_original_panic";
    if is_child_for(NAME) {
        let message = panic_message(|| {
            let _a = guard((), |()| Err::<(), _>(PanicsInDebug));
            let _u = guard_on_unwind((), |()| Err::<(), _>(PanicsInDebug));
            panic!("original");
        });
        println!("\ncaught: {message}");
        return;
    }
    // In a child: the panic hook prints the second panics, with a backtrace, uncaptured.
    let child = passing_child(NAME);
    let context = child.context();
    assert!(child.stdout.contains("caught: original"), "{context}");
    let second = "steadfast: a deferred block panicked while the thread was already unwinding: \
                  Debug of the cleanup's error panicked";
    let caught = reports(&child)
        .iter()
        .filter(|line| line.starts_with(second))
        .count();
    assert_eq!(caught, 2, "{context}");
}

#[cfg(feature = "tracing")]
#[test]
fn with_tracing_an_err_is_an_error_event_and_ok_is_none() {
    let (events, ()) = events::recorded(|| {
        let _ok = guard((), |()| Ok::<(), String>(()));
        let _err = guard("tx", |tx| {
            Err::<(), _>(format!("rollback of {tx}: connection reset"))
        });
        let _unit = guard((), |()| ());
    });
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert_eq!(event.level, tracing::Level::ERROR);
    assert_eq!(
        event.message,
        "steadfast: a deferred block returned an error; a drop cannot return it, so it is \
         reported here"
    );
    assert_eq!(
        event.field("error"),
        Some(r#""rollback of tx: connection reset""#)
    );
}
