//! `#[recover]` with no panic, against a bare call and a hand-written
//! `std::panic::catch_unwind`, in two groups:
//!
//! - `recover_no_panic`: the body calls a function the optimizer cannot see into, which
//!   might panic, as real bodies do: the unwinding edge, the landing pad and steadfast's
//!   per-thread "recovering" mark are all really there.
//! - `recover_no_panic_inlined_body`: the body is visible and cannot panic, so the
//!   optimizer removes `catch_unwind` altogether; what is left is the one-time hook check.
//!
//! Every variant is a non-inlined function around the same body; every result is reduced
//! to an integer before `black_box`. The contract: `#[recover]` ≤ 1.1× the bare call + 2 ns.
//!
//! `cargo bench --bench recover -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::panic::{catch_unwind, AssertUnwindSafe};

use criterion::{criterion_group, criterion_main, Criterion};
use steadfast::{recover, Panic};

#[derive(Debug)]
enum Error {
    Invalid(#[allow(dead_code)] u64),
    Panicked,
}

impl From<Panic> for Error {
    fn from(_: Panic) -> Self {
        Error::Panicked
    }
}

/// Out of the optimizer's sight, with a panic on an input the benches never pass: the
/// callers must be ready for it to unwind.
#[inline(never)]
fn opaque(x: u64) -> Result<u64, Error> {
    let x = black_box(x);
    if x == 0xDEAD {
        panic!("an input the benches never pass");
    }
    body(x)
}

#[inline(always)]
fn body(x: u64) -> Result<u64, Error> {
    if x == u64::MAX {
        Err(Error::Invalid(x))
    } else {
        Ok(x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17))
    }
}

#[inline(always)]
fn reduce(result: Result<u64, Error>) -> u64 {
    match result {
        Ok(value) => value,
        Err(Error::Invalid(code)) => code ^ 1,
        Err(Error::Panicked) => 1,
    }
}

#[inline(never)]
fn bare(x: u64) -> Result<u64, Error> {
    body(x)
}

#[recover]
#[inline(never)]
fn recovered(x: u64) -> Result<u64, Error> {
    body(x)
}

#[recover(default)]
#[inline(never)]
fn recovered_default(x: u64) -> u64 {
    body(x).unwrap_or(0)
}

#[inline(never)]
fn hand_catch_unwind(x: u64) -> Result<u64, Error> {
    match catch_unwind(AssertUnwindSafe(|| body(x))) {
        Ok(result) => result,
        Err(_) => Err(Error::Panicked),
    }
}

#[inline(never)]
fn bare_opaque(x: u64) -> Result<u64, Error> {
    opaque(x)
}

#[recover]
#[inline(never)]
fn recovered_opaque(x: u64) -> Result<u64, Error> {
    opaque(x)
}

#[recover(default)]
#[inline(never)]
fn recovered_default_opaque(x: u64) -> u64 {
    opaque(x).unwrap_or(0)
}

#[inline(never)]
fn hand_catch_unwind_opaque(x: u64) -> Result<u64, Error> {
    match catch_unwind(AssertUnwindSafe(|| opaque(x))) {
        Ok(result) => result,
        Err(_) => Err(Error::Panicked),
    }
}

fn recover(c: &mut Criterion) {
    let mut group = c.benchmark_group("recover_no_panic");
    group.bench_function("bare call", |b| {
        b.iter(|| black_box(reduce(bare_opaque(black_box(7)))))
    });
    group.bench_function("#[recover]", |b| {
        b.iter(|| black_box(reduce(recovered_opaque(black_box(7)))))
    });
    group.bench_function("#[recover(default)]", |b| {
        b.iter(|| black_box(recovered_default_opaque(black_box(7))))
    });
    group.bench_function("hand catch_unwind", |b| {
        b.iter(|| black_box(reduce(hand_catch_unwind_opaque(black_box(7)))))
    });
    group.finish();
}

fn inlined_body(c: &mut Criterion) {
    let mut group = c.benchmark_group("recover_no_panic_inlined_body");
    group.bench_function("bare call", |b| {
        b.iter(|| black_box(reduce(bare(black_box(7)))))
    });
    group.bench_function("#[recover]", |b| {
        b.iter(|| black_box(reduce(recovered(black_box(7)))))
    });
    group.bench_function("#[recover(default)]", |b| {
        b.iter(|| black_box(recovered_default(black_box(7))))
    });
    group.bench_function("hand catch_unwind", |b| {
        b.iter(|| black_box(reduce(hand_catch_unwind(black_box(7)))))
    });
    group.finish();
}

criterion_group!(benches, recover, inlined_body);
criterion_main!(benches);
