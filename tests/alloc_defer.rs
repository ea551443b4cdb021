//! `defer!` in every form and the three guard functions never touch the heap.
//!
//! A counting global allocator counts allocations per thread, so the test harness and tests
//! running in parallel on other threads do not disturb the counts.
//!
//! The first on-success or on-unwind guard of the process installs the quiet panic hook,
//! which boxes the hook closure: one allocation, once per process (the last test checks it
//! in a child process). The others therefore count only after that has happened.

use std::cell::Cell;
use std::hint::black_box;

use steadfast::{defer, guard, guard_on_success, guard_on_unwind, DeferStack, Guard};

#[path = "common/child.rs"]
mod child;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

/// How many allocations the current thread makes while running `f`, once the quiet hook is
/// installed.
fn allocations_in(f: impl FnOnce()) -> usize {
    steadfast::install_quiet_hook();
    counting_alloc::allocations_in(f).0
}

// ---------------------------------------------------------------------------------------
// Controls: the counter sees allocations

#[test]
fn the_counter_sees_a_box_and_a_defer_stack_push() {
    assert_eq!(allocations_in(|| drop(black_box(Box::new(1u64)))), 1);
    let ran = Cell::new(false);
    let n = allocations_in(|| {
        let mut defers = DeferStack::new();
        defers.push(|| ran.set(true));
    });
    assert!(n >= 1, "a DeferStack push boxes its closure, counted {n}");
    assert!(ran.get());
}

// ---------------------------------------------------------------------------------------
// defer!

#[test]
fn plain_defer_does_not_allocate() {
    let hits = Cell::new(0u32);
    let n = allocations_in(|| {
        for _ in 0..3 {
            defer! { hits.set(hits.get() + 1); }
            black_box(&hits);
        }
    });
    assert_eq!(n, 0);
    assert_eq!(hits.get(), 3);
}

#[test]
fn on_success_defer_does_not_allocate() {
    let hits = Cell::new(0u32);
    let n = allocations_in(|| {
        defer!(on_success { hits.set(hits.get() + 1); });
        black_box(&hits);
    });
    assert_eq!(n, 0);
    assert_eq!(hits.get(), 1);
}

#[test]
fn on_unwind_defer_does_not_allocate() {
    let hits = Cell::new(0u32);
    let n = allocations_in(|| {
        defer!(on_unwind { hits.set(hits.get() + 1); });
        black_box(&hits);
    });
    assert_eq!(n, 0);
    assert_eq!(hits.get(), 0, "no panic: on_unwind must not run");
}

#[test]
fn move_defers_do_not_allocate() {
    let hits = Cell::new(0u64);
    let n = allocations_in(|| {
        let hits = &hits;
        let payload = [1u64; 8]; // 64 bytes, moved into each closure
        defer!(move { hits.set(hits.get() + payload[0]); });
        defer!(move on_success { hits.set(hits.get() + payload[1] * 10); });
        defer!(move on_unwind { hits.set(hits.get() + payload[2] * 100); });
        black_box(hits);
    });
    assert_eq!(n, 0);
    assert_eq!(hits.get(), 11);
}

#[test]
fn defer_on_early_return_and_question_mark_does_not_allocate() {
    fn f(hits: &Cell<u32>, input: Result<u32, u32>) -> Result<u32, u32> {
        defer! { hits.set(hits.get() + 1); }
        defer!(on_success { hits.set(hits.get() + 10); });
        let v = input?;
        if v == 0 {
            return Ok(0);
        }
        Ok(v + 1)
    }
    let hits = Cell::new(0u32);
    let n = allocations_in(|| {
        assert_eq!(f(&hits, black_box(Err(3))), Err(3));
        assert_eq!(f(&hits, black_box(Ok(0))), Ok(0));
        assert_eq!(f(&hits, black_box(Ok(4))), Ok(5));
    });
    assert_eq!(n, 0);
    assert_eq!(hits.get(), 33);
}

// ---------------------------------------------------------------------------------------
// Guards

#[test]
fn guard_does_not_allocate() {
    let sum = Cell::new(0u64);
    let n = allocations_in(|| {
        let mut g = guard([0u64; 4], |a| sum.set(a.iter().sum()));
        g[0] = 1; // DerefMut
        g[3] = black_box(2);
    });
    assert_eq!(n, 0);
    assert_eq!(sum.get(), 3);
}

#[test]
fn guard_on_success_does_not_allocate() {
    let sum = Cell::new(0u64);
    let n = allocations_in(|| {
        let mut g = guard_on_success(5u64, |v| sum.set(v));
        *g += black_box(1);
    });
    assert_eq!(n, 0);
    assert_eq!(sum.get(), 6);
}

#[test]
fn guard_on_unwind_does_not_allocate() {
    let sum = Cell::new(0u64);
    let n = allocations_in(|| {
        let g = guard_on_unwind(5u64, |v| sum.set(v));
        black_box(*g);
    });
    assert_eq!(n, 0);
    assert_eq!(sum.get(), 0, "no panic: on_unwind must not run");
}

#[test]
fn guard_into_inner_does_not_allocate() {
    let ran = Cell::new(false);
    let mut out = 0;
    let n = allocations_in(|| {
        let a = Guard::into_inner(guard(1u64, |_| ran.set(true)));
        let b = Guard::into_inner(guard_on_success(2u64, |_| ran.set(true)));
        let c = Guard::into_inner(guard_on_unwind(3u64, |_| ran.set(true)));
        out = black_box(a + b + c);
    });
    assert_eq!(n, 0);
    assert_eq!(out, 6);
    assert!(!ran.get());
}

// ---------------------------------------------------------------------------------------
// The first use in a process

#[test]
fn only_the_first_on_success_or_on_unwind_guard_allocates_to_install_the_hook() {
    const NAME: &str = "only_the_first_on_success_or_on_unwind_guard_allocates_to_install_the_hook";
    if child::is_child_for(NAME) {
        fn count(f: impl FnOnce()) -> usize {
            counting_alloc::allocations_in(f).0
        }
        let hits = Cell::new(0u32);
        // Plain defers and guards never install the hook.
        let always = count(|| {
            defer! { hits.set(hits.get() + 1); }
            let _g = guard((), |()| hits.set(hits.get() + 1));
        });
        // The first on_success defer of the process boxes the quiet hook; no later one does,
        // on this thread or another.
        let first = count(|| {
            defer!(on_success { hits.set(hits.get() + 1); });
        });
        let second = count(|| {
            defer!(on_unwind { hits.set(hits.get() + 100); });
        });
        let elsewhere = std::thread::spawn(|| {
            count(|| {
                drop(black_box(guard_on_success(1u8, |n| {
                    black_box(n);
                })))
            })
        })
        .join()
        .unwrap();
        assert_eq!((always, first, second, elsewhere), (0, 1, 0, 0));
        assert_eq!(hits.get(), 3);
        println!("\nfirst-use check done");
        return;
    }
    let child = child::run_child(NAME);
    assert!(
        child.status.success() && child.stdout.contains("first-use check done"),
        "{}",
        child.context()
    );
}
