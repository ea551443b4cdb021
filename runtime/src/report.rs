//! Reporting a panic that had to be caught so that another one could go on.

use std::any::Any;
use std::fmt;

/// The message of a panic payload: the `&str` or `String` that `panic!` was given.
///
/// Returns `None` for payloads of other types (`std::panic::panic_any(42)`).
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("disk {} is full", 3)).unwrap_err();
/// assert_eq!(steadfast::payload_message(&*payload), Some("disk 3 is full"));
/// ```
pub fn payload_message(payload: &(dyn Any + Send)) -> Option<&str> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some(s)
    } else {
        payload.downcast_ref::<String>().map(String::as_str)
    }
}

/// Reports a panic raised by cleanup code while the thread was already unwinding.
///
/// The panic itself was printed by the panic hook when it happened; this says what became
/// of it. With the `tracing` feature and a subscriber installed it is an ERROR event,
/// otherwise a line on stderr, so the report is never lost.
pub(crate) fn report_panic_during_unwind(what: &str, payload: Box<dyn Any + Send>) {
    let message = payload_message(&*payload).unwrap_or("<non-string panic payload>");
    #[cfg(feature = "tracing")]
    if has_subscriber() {
        tracing::error!(
            panic.message = message,
            "steadfast: {what} panicked while the thread was already unwinding; \
             this second panic was caught so that the first one goes on"
        );
        return;
    }
    eprintln!(
        "steadfast: {what} panicked while the thread was already unwinding: {message}; \
         this second panic was caught so that the first one goes on"
    );
}

/// Reports an `Err` returned by cleanup code, which a drop has no way to return.
///
/// Reported like [`report_panic_during_unwind`]: an ERROR event with the `tracing` feature
/// and a subscriber installed, otherwise a line on stderr. Out of line and not generic, so
/// that a cleanup returning `Ok` costs only the test of its `Result`.
#[cold]
#[inline(never)]
pub(crate) fn report_cleanup_error(what: &str, error: &dyn fmt::Debug) {
    #[cfg(feature = "tracing")]
    if has_subscriber() {
        tracing::error!(
            error = ?error,
            "steadfast: {what} returned an error; a drop cannot return it, so it is reported here"
        );
        return;
    }
    eprintln!(
        "steadfast: {what} returned an error: {error:?}; a drop cannot return it, so it is \
         reported here"
    );
}

/// Runs `f`; if it panics, reports the panic instead of letting it abort the unwinding
/// that is already in progress.
pub(crate) fn run_during_unwind(what: &str, f: impl FnOnce()) {
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        crate::panic::count::panic_ended();
        report_panic_during_unwind(what, payload);
    }
}

/// Whether a `tracing` subscriber would see an event from here: a global one, or one set
/// for this thread or scope (`with_default`).
#[cfg(feature = "tracing")]
pub(crate) fn has_subscriber() -> bool {
    tracing::dispatcher::get_default(|dispatch| !dispatch.is::<tracing::subscriber::NoSubscriber>())
}
