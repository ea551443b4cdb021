//! The example at the top of README.md, compiled and run: `tests/readme/transfer.rs` holds
//! the README's first `rust` block word for word (the first test checks that it does), and
//! this file gives it a stand-in database with the shape of rusqlite's, postgres' or
//! diesel's client, whose `rollback` returns a `Result`.

use std::cell::{Cell, RefCell};

use steadfast::Panic;

#[path = "common/child.rs"]
mod child;

use child::{is_child_for, run_child};

// ---------------------------------------------------------------------------------------
// The README's example

// The README's block, in a file of its own: `include!` keeps rustfmt, which would undo its
// aligned comments, away from it.
include!("readme/transfer.rs");

// ---------------------------------------------------------------------------------------
// What it runs against

/// Stands in for the `log` crate: `log::info!` prints a line.
mod log {
    macro_rules! info {
        ($($arg:tt)*) => { println!($($arg)*) };
    }
    pub(crate) use info;
}

/// A balance, and a log of what became of each transaction.
#[derive(Default)]
struct Db {
    balance: Cell<u64>,
    log: RefCell<Vec<String>>,
    /// Every `rollback` fails, as one does when the connection is lost.
    rollback_fails: Cell<bool>,
}

struct Tx<'db> {
    db: &'db Db,
    debited: u64,
}

#[derive(Debug)]
enum Error {
    ConnectionLost,
    InsufficientFunds { balance: u64 },
    Panicked(Panic),
}

impl Error {
    fn is_transient(&self) -> bool {
        matches!(self, Error::ConnectionLost)
    }
}

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error::Panicked(panic)
    }
}

impl Db {
    fn with_balance(balance: u64) -> Self {
        let db = Db::default();
        db.balance.set(balance);
        db
    }

    fn begin(&self) -> Result<Tx<'_>, Error> {
        self.log.borrow_mut().push("begin".into());
        Ok(Tx {
            db: self,
            debited: 0,
        })
    }

    fn log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.borrow_mut())
    }
}

impl Tx<'_> {
    fn debit(&mut self, amount: u64) -> Result<(), Error> {
        if amount == 13 {
            panic!("the driver crashed");
        }
        let balance = self.db.balance.get() - self.debited;
        if amount > balance {
            return Err(Error::InsufficientFunds { balance });
        }
        self.debited += amount;
        Ok(())
    }

    fn commit(self) -> Result<(), Error> {
        self.db.balance.set(self.db.balance.get() - self.debited);
        self.db
            .log
            .borrow_mut()
            .push(format!("commit {}", self.debited));
        Ok(())
    }

    fn rollback(self) -> Result<(), Error> {
        self.db.log.borrow_mut().push("rollback".into());
        if self.db.rollback_fails.get() {
            return Err(Error::ConnectionLost);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Tests

/// The lines of the first ```rust block of `markdown`.
fn first_rust_block(markdown: &str) -> Vec<&str> {
    let mut lines = markdown.lines().skip_while(|line| *line != "```rust");
    assert_eq!(lines.next(), Some("```rust"), "no ```rust block");
    lines.take_while(|line| *line != "```").collect()
}

#[test]
fn this_file_compiles_the_readme_example_word_for_word() {
    let readme = include_str!("../README.md");
    let compiled = include_str!("readme/transfer.rs");
    assert_eq!(
        first_rust_block(readme),
        compiled.lines().collect::<Vec<_>>(),
        "the README's first rust block and tests/readme/transfer.rs differ"
    );
}

#[test]
fn a_transfer_that_succeeds_commits() {
    let db = Db::with_balance(100);
    assert!(transfer(&db, 30).is_ok());
    assert_eq!(db.log(), ["begin", "commit 30"]);
    assert_eq!(db.balance.get(), 70);
}

#[test]
fn an_error_rolls_back_and_is_returned_without_a_retry() {
    let db = Db::with_balance(10);
    let result = transfer(&db, 30);
    assert!(
        matches!(result, Err(Error::InsufficientFunds { balance: 10 })),
        "{result:?}"
    );
    assert_eq!(db.log(), ["begin", "rollback"]);
    assert_eq!(db.balance.get(), 10);
}

#[test]
fn a_panic_rolls_back_and_becomes_an_err() {
    let db = Db::with_balance(100);
    let result = transfer(&db, 13);
    match result {
        Err(Error::Panicked(panic)) => assert_eq!(panic.message(), "the driver crashed"),
        other => panic!("expected Err(Panicked), got {other:?}"),
    }
    assert_eq!(db.log(), ["begin", "rollback"]);
}

#[test]
fn a_failed_rollback_is_reported_and_the_first_error_returned() {
    const NAME: &str = "a_failed_rollback_is_reported_and_the_first_error_returned";
    if is_child_for(NAME) {
        let db = Db::with_balance(10);
        db.rollback_fails.set(true);
        println!("\nresult: {:?}", transfer(&db, 30));
        return;
    }
    let child = run_child(NAME);
    let context = child.context();
    assert!(child.status.success(), "{context}");
    assert!(
        child
            .stdout
            .contains("result: Err(InsufficientFunds { balance: 10 })"),
        "{context}"
    );
    assert_eq!(
        child.stderr_lines_starting_with("steadfast:"),
        [
            "steadfast: a deferred block returned an error: ConnectionLost; a drop cannot \
             return it, so it is reported here"
        ],
        "{context}"
    );
}
