//! Cookbook: a database transaction that commits on success and rolls back on every other
//! way out: an early `?`, a panic, or (async) a cancelled request.
//!
//! Run it with `cargo run --example cookbook_transaction`. The database is an in-memory
//! stand-in with the shape of a real client: `begin`, `execute`, `commit`, `rollback`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;

use steadfast::{defer, Guard, Panic};

// ANCHOR: database
/// Account balances, and a log of what happened to them.
#[derive(Default)]
struct Db {
    balances: RefCell<BTreeMap<&'static str, i64>>,
    log: RefCell<Vec<String>>,
    /// While set, `rollback` fails, as it does on a real client whose connection dropped.
    connection_lost: Cell<bool>,
}

/// Writes staged in a transaction, applied only by `commit`.
struct Tx<'db> {
    db: &'db Db,
    staged: Vec<(&'static str, i64)>,
}

#[derive(Debug)]
enum TxError {
    InsufficientFunds { account: &'static str, balance: i64 },
    UnknownAccount(&'static str),
    ConnectionLost,
}

impl fmt::Display for TxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxError::InsufficientFunds { account, balance } => {
                write!(f, "{account} has only {balance}")
            }
            TxError::UnknownAccount(account) => write!(f, "no account named {account}"),
            TxError::ConnectionLost => write!(f, "the connection was lost"),
        }
    }
}

impl Db {
    fn begin(&self) -> Tx<'_> {
        self.log.borrow_mut().push("BEGIN".into());
        Tx {
            db: self,
            staged: Vec::new(),
        }
    }

    fn balance(&self, account: &str) -> Option<i64> {
        self.balances.borrow().get(account).copied()
    }
}

impl Tx<'_> {
    fn add(&mut self, account: &'static str, amount: i64) -> Result<(), TxError> {
        let balance = self
            .db
            .balance(account)
            .ok_or(TxError::UnknownAccount(account))?;
        let staged: i64 = self
            .staged
            .iter()
            .filter(|(a, _)| *a == account)
            .map(|(_, v)| v)
            .sum();
        if balance + staged + amount < 0 {
            return Err(TxError::InsufficientFunds {
                account,
                balance: balance + staged,
            });
        }
        self.staged.push((account, amount));
        Ok(())
    }

    fn commit(self) -> Result<(), TxError> {
        let mut balances = self.db.balances.borrow_mut();
        for (account, amount) in &self.staged {
            *balances.get_mut(account).expect("checked by `add`") += amount;
        }
        self.db.log.borrow_mut().push("COMMIT".into());
        Ok(())
    }

    /// Like a real client's, it can fail: the server may be gone.
    fn rollback(self) -> Result<(), TxError> {
        if self.db.connection_lost.get() {
            self.db.log.borrow_mut().push("ROLLBACK failed".into());
            return Err(TxError::ConnectionLost);
        }
        self.db.log.borrow_mut().push("ROLLBACK".into());
        Ok(())
    }
}
// ANCHOR_END: database

// ANCHOR: transfer
/// Moves `amount` from one account to another, all or nothing.
fn transfer(db: &Db, from: &'static str, to: &'static str, amount: i64) -> Result<(), TxError> {
    let mut tx = steadfast::guard(db.begin(), Tx::rollback); // armed: rolls back on drop
    defer! { println!("  transfer of {amount} from {from} to {to} finished"); }

    tx.add(from, -amount)?; // an `Err` here rolls back
    tx.add(to, amount)?; // and here
    if amount == 13 {
        panic!("unlucky amount"); // so does a panic
    }
    Guard::into_inner(tx).commit() // disarm, then commit
}
// ANCHOR_END: transfer

fn outcome(result: Result<(), TxError>) -> String {
    match result {
        Ok(()) => "Ok".to_string(),
        Err(error) => format!("Err: {error}"),
    }
}

fn main() {
    let db = Db::default();
    db.balances
        .borrow_mut()
        .extend([("alice", 100), ("bob", 20)]);

    // ANCHOR: main
    println!("a transfer that succeeds commits:");
    println!("  -> {}", outcome(transfer(&db, "alice", "bob", 30)));
    println!("one that fails part-way rolls back:");
    println!("  -> {}", outcome(transfer(&db, "bob", "carol", 10)));
    println!("  -> {}", outcome(transfer(&db, "bob", "alice", 500)));
    println!("one that panics rolls back too:");
    let caught = Panic::catch(|| transfer(&db, "alice", "bob", 13));
    println!("  -> panicked: {}", caught.unwrap_err().message());
    println!("a rollback that fails is reported, and the transfer's own error returned:");
    db.connection_lost.set(true);
    println!("  -> {}", outcome(transfer(&db, "bob", "alice", 500)));
    db.connection_lost.set(false);

    println!("balances: {:?}", db.balances.borrow());
    println!("log: {:?}", db.log.borrow());
    // ANCHOR_END: main
    assert_eq!(
        *db.log.borrow(),
        [
            "BEGIN",
            "COMMIT",
            "BEGIN",
            "ROLLBACK",
            "BEGIN",
            "ROLLBACK",
            "BEGIN",
            "ROLLBACK",
            "BEGIN",
            "ROLLBACK failed"
        ]
    );
    assert_eq!(db.balance("alice"), Some(70));
    assert_eq!(db.balance("bob"), Some(50));
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
