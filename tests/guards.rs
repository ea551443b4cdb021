//! `guard`, `guard_on_success`, `guard_on_unwind`, `Guard::into_inner`, Deref/DerefMut, and
//! the transaction pattern of DESIGN.md.

use std::cell::RefCell;
use std::rc::Rc;

use steadfast::{guard, guard_on_success, guard_on_unwind, Guard};

#[path = "common/log.rs"]
mod log;

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
}

struct Tx {
    events: Rc<RefCell<Vec<String>>>,
    executed: Vec<&'static str>,
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

    fn rollback(self) {
        self.events
            .borrow_mut()
            .push(format!("rollback {:?}", self.executed));
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
