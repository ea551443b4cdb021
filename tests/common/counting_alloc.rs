//! A counting global allocator for the allocation tests: it counts the allocations of
//! the current thread only, so the test harness and tests running in parallel on other
//! threads do not disturb the counts. Included by each test crate that asserts "no
//! allocation" (`#[path = "common/counting_alloc.rs"] mod counting_alloc;`).
#![allow(dead_code)] // each test crate uses a part

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    // Const-initialised and without a destructor: reading it never allocates, so the
    // allocator below may use it.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Forwards to `System`, counting allocations made by the current thread.
struct CountingAllocator;

fn count_one() {
    // `try_with`: never fails for this const, destructor-less key, but must not panic here.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the only addition is a thread-local counter that does not allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's guarantees for `layout` are passed on to `System`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made by the current thread so far.
pub fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// How many allocations the current thread makes while running `f`, and what `f` returned.
pub fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = allocations();
    let result = f();
    (allocations() - before, result)
}
