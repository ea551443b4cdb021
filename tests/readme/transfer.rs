use steadfast::{defer, recover, retry, Guard};

#[retry(attempts = 3, backoff = "exp", delay = "100ms", when = Error::is_transient)]
#[recover]                                                        // a panic becomes Err(Error::from(panic))
fn transfer(db: &Db, amount: u64) -> Result<(), Error> {
    let mut tx = steadfast::guard(db.begin()?, |tx| tx.rollback()); // rolls back on `?` or panic;
                                                                    // a failed rollback is reported
    defer! { log::info!("transfer of {amount} finished"); }         // runs however the attempt ends
    tx.debit(amount)?;
    Guard::into_inner(tx).commit()                                  // disarm, then commit
}
