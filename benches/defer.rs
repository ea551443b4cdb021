//! `defer!` against a hand-written `Drop` guard and `scopeguard::defer!`, in one group.
//!
//! Each iteration opens a scope, registers one deferred cleanup, does a little work, and
//! leaves the scope, so the cleanup runs once per iteration. Three groups: `defer`, whose
//! cleanup is an inlined increment of a counter; `defer_opaque_cleanup`, whose cleanup
//! calls a function the optimizer cannot see into (and that might panic), as closing a
//! file or releasing a lock does; and `defer_on_success`, the inlined cleanup run only
//! when the scope is left without a panic. The contract: `defer!` ≤ 1.05× the
//! hand-written guard + 0.5 ns.
//!
//! `cargo bench --bench defer -- --warm-up-time 1 --measurement-time 3`

use std::cell::Cell;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

/// What a careful user writes by hand: a guard struct whose `Drop` runs the cleanup.
struct Bump<'a>(&'a Cell<u64>);

impl Drop for Bump<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.set(self.0.get().wrapping_add(1));
    }
}

#[inline(never)]
fn hand_drop(counter: &Cell<u64>, x: u64) -> u64 {
    let _bump = Bump(counter);
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn steadfast_defer(counter: &Cell<u64>, x: u64) -> u64 {
    steadfast::defer! { counter.set(counter.get().wrapping_add(1)); }
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn steadfast_defer_move(counter: &Cell<u64>, x: u64) -> u64 {
    steadfast::defer!(move { counter.set(counter.get().wrapping_add(1)); });
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn scopeguard_defer(counter: &Cell<u64>, x: u64) -> u64 {
    scopeguard::defer! { counter.set(counter.get().wrapping_add(1)); }
    black_box(x).wrapping_mul(3)
}

/// A cleanup out of the optimizer's sight, with a panic on a count the benches never reach.
#[inline(never)]
fn release(counter: &Cell<u64>) {
    let n = counter.get().wrapping_add(1);
    if n == u64::MAX {
        panic!("a count the benches never reach");
    }
    counter.set(n);
}

struct Release<'a>(&'a Cell<u64>);

impl Drop for Release<'_> {
    #[inline]
    fn drop(&mut self) {
        release(self.0);
    }
}

#[inline(never)]
fn hand_drop_opaque(counter: &Cell<u64>, x: u64) -> u64 {
    let _release = Release(counter);
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn steadfast_defer_opaque(counter: &Cell<u64>, x: u64) -> u64 {
    steadfast::defer! { release(counter); }
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn scopeguard_defer_opaque(counter: &Cell<u64>, x: u64) -> u64 {
    scopeguard::defer! { release(counter); }
    black_box(x).wrapping_mul(3)
}

/// The hand-written on-success guard: its `Drop` asks whether the thread is unwinding.
struct BumpOnSuccess<'a>(&'a Cell<u64>);

impl Drop for BumpOnSuccess<'_> {
    #[inline]
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.0.set(self.0.get().wrapping_add(1));
        }
    }
}

#[inline(never)]
fn hand_drop_on_success(counter: &Cell<u64>, x: u64) -> u64 {
    let _bump = BumpOnSuccess(counter);
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn steadfast_defer_on_success(counter: &Cell<u64>, x: u64) -> u64 {
    steadfast::defer!(on_success { counter.set(counter.get().wrapping_add(1)); });
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn scopeguard_defer_on_success(counter: &Cell<u64>, x: u64) -> u64 {
    let _guard = scopeguard::guard_on_success(counter, |counter| {
        counter.set(counter.get().wrapping_add(1))
    });
    black_box(x).wrapping_mul(3)
}

#[inline(never)]
fn no_cleanup(counter: &Cell<u64>, x: u64) -> u64 {
    let _ = counter;
    black_box(x).wrapping_mul(3)
}

fn defer(c: &mut Criterion) {
    let mut group = c.benchmark_group("defer");
    let counter = Cell::new(0u64);
    let counter = &counter;
    group.bench_function("no cleanup (floor)", |b| {
        b.iter(|| black_box(no_cleanup(counter, black_box(7))))
    });
    group.bench_function("hand-written Drop", |b| {
        b.iter(|| black_box(hand_drop(counter, black_box(7))))
    });
    group.bench_function("steadfast defer!", |b| {
        b.iter(|| black_box(steadfast_defer(counter, black_box(7))))
    });
    group.bench_function("steadfast defer!(move)", |b| {
        b.iter(|| black_box(steadfast_defer_move(counter, black_box(7))))
    });
    group.bench_function("scopeguard::defer!", |b| {
        b.iter(|| black_box(scopeguard_defer(counter, black_box(7))))
    });
    group.finish();
    black_box(counter.get());
}

fn defer_opaque_cleanup(c: &mut Criterion) {
    let mut group = c.benchmark_group("defer_opaque_cleanup");
    let counter = Cell::new(0u64);
    let counter = &counter;
    group.bench_function("hand-written Drop", |b| {
        b.iter(|| black_box(hand_drop_opaque(counter, black_box(7))))
    });
    group.bench_function("steadfast defer!", |b| {
        b.iter(|| black_box(steadfast_defer_opaque(counter, black_box(7))))
    });
    group.bench_function("scopeguard::defer!", |b| {
        b.iter(|| black_box(scopeguard_defer_opaque(counter, black_box(7))))
    });
    group.finish();
    black_box(counter.get());
}

fn defer_on_success(c: &mut Criterion) {
    let mut group = c.benchmark_group("defer_on_success");
    let counter = Cell::new(0u64);
    let counter = &counter;
    group.bench_function("hand-written Drop", |b| {
        b.iter(|| black_box(hand_drop_on_success(counter, black_box(7))))
    });
    group.bench_function("steadfast defer!(on_success)", |b| {
        b.iter(|| black_box(steadfast_defer_on_success(counter, black_box(7))))
    });
    group.bench_function("scopeguard::guard_on_success", |b| {
        b.iter(|| black_box(scopeguard_defer_on_success(counter, black_box(7))))
    });
    group.finish();
    black_box(counter.get());
}

criterion_group!(benches, defer, defer_opaque_cleanup, defer_on_success);
criterion_main!(benches);
