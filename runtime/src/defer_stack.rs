//! Go's function-scoped defers: closures collected at run time, run in reverse on drop.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
#[cfg(feature = "std")]
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
#[cfg(feature = "std")]
use std::thread;

#[cfg(feature = "std")]
use crate::report::run_during_unwind;

/// A stack of closures that run in reverse order of [`push`](DeferStack::push) when the
/// stack is dropped: Go's `defer`, whose calls belong to the function rather than to the
/// block they were written in.
///
/// A `defer!` in a loop body runs at the end of each iteration; when every iteration's
/// cleanup should wait for the end of the function, push it onto a `DeferStack` instead.
///
/// ```
/// use std::cell::RefCell;
///
/// let order = RefCell::new(Vec::new());
/// {
///     let mut defers = steadfast::DeferStack::new();
///     for i in 0..3 {
///         defers.push(move || println!("closing {i}"));
///         let order = &order;
///         defers.push(move || order.borrow_mut().push(i));
///     }
/// } // prints "closing 2", "closing 1", "closing 0"
/// assert_eq!(*order.borrow(), [2, 1, 0]);
/// ```
///
/// Panics follow the rules of `defer!`: every closure runs even if an earlier one panics.
/// A closure that panics while the thread is already unwinding is caught and reported, so
/// the process does not abort; if one panics during a normal drop, the rest still run and
/// then that first panic continues.
///
/// Each push stores a boxed closure, so a `DeferStack` allocates; `defer!` and the guards
/// never do. The stack is not `Send` (its closures may borrow thread-local data).
#[must_use = "a DeferStack runs its closures when dropped: bind it to a named variable, as in `let mut defers = DeferStack::new();`; `let _ = …` drops it at once"]
#[derive(Default)]
pub struct DeferStack<'a> {
    deferred: Vec<Box<dyn FnOnce() + 'a>>,
}

impl<'a> DeferStack<'a> {
    /// An empty stack; it does not allocate until the first push.
    ///
    /// ```
    /// let defers = steadfast::DeferStack::new();
    /// assert!(defers.is_empty());
    /// ```
    pub const fn new() -> Self {
        DeferStack {
            deferred: Vec::new(),
        }
    }

    /// An empty stack with room for `capacity` closures.
    ///
    /// ```
    /// let defers = steadfast::DeferStack::with_capacity(8);
    /// assert_eq!(defers.len(), 0);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        DeferStack {
            deferred: Vec::with_capacity(capacity),
        }
    }

    /// Defers `f`: it runs when the stack is dropped, before everything pushed earlier.
    ///
    /// ```
    /// let mut defers = steadfast::DeferStack::new();
    /// defers.push(|| println!("second"));
    /// defers.push(|| println!("first"));
    /// assert_eq!(defers.len(), 2);
    /// ```
    pub fn push(&mut self, f: impl FnOnce() + 'a) {
        self.deferred.push(Box::new(f));
    }

    /// How many closures are waiting to run.
    ///
    /// ```
    /// let mut defers = steadfast::DeferStack::new();
    /// defers.push(|| ());
    /// assert_eq!(defers.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.deferred.len()
    }

    /// Whether no closure is waiting to run.
    ///
    /// ```
    /// assert!(steadfast::DeferStack::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.deferred.is_empty()
    }

    /// Drops every waiting closure without running it (disarms the stack).
    ///
    /// ```
    /// let mut defers = steadfast::DeferStack::new();
    /// defers.push(|| unreachable!());
    /// defers.clear();
    /// assert!(defers.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.deferred.clear();
    }
}

impl Drop for DeferStack<'_> {
    /// Without `std`: each closure in turn, newest first.
    #[cfg(not(feature = "std"))]
    fn drop(&mut self) {
        while let Some(deferred) = self.deferred.pop() {
            deferred();
        }
    }

    #[cfg(feature = "std")]
    fn drop(&mut self) {
        let mut first_panic = None;
        while let Some(deferred) = self.deferred.pop() {
            if thread::panicking() || first_panic.is_some() {
                run_during_unwind("a closure in a DeferStack", deferred);
            } else if let Err(payload) = catch_unwind(AssertUnwindSafe(deferred)) {
                // Keep going, like Go: the remaining defers run, then this panic continues.
                first_panic = Some(payload);
            }
        }
        if let Some(payload) = first_panic {
            resume_unwind(payload);
        }
    }
}

impl fmt::Debug for DeferStack<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferStack")
            .field("len", &self.deferred.len())
            .finish()
    }
}
