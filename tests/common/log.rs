//! What the deferred blocks and the bodies around them did, in order; and the message of a
//! panic a test expects. Shared by the defer and guard tests
//! (`#[path = "common/log.rs"] mod log;`).
#![allow(dead_code)] // each test crate uses a part

use std::cell::RefCell;

/// Entries, in the order they were recorded.
pub type Log = RefCell<Vec<String>>;

/// Records `entry`.
pub fn rec(log: &Log, entry: impl Into<String>) {
    log.borrow_mut().push(entry.into());
}

/// The entries so far, leaving the log empty.
pub fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.borrow_mut())
}

/// The message of a panic payload: its `&str` or `String`.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string payload>".to_string()
    }
}

/// Runs `f` expecting it to panic; returns the panic's message.
pub fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => message(&*payload),
    }
}
