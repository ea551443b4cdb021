//! Compile-fail (and compile-pass) cases for the macros, with `.stderr` snapshots beside
//! each case in `tests/ui/`. Regenerate with `TRYBUILD=overwrite cargo test --test ui` and
//! read every diff before committing it.
//!
//! rustc's wording and layout change between releases, so the snapshots hold only for the
//! toolchain that made them: on any other, `cargo test` lists this test as ignored, with
//! the reason, rather than failing it or passing it unseen.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr snapshots were made with rustc 1.95; run on that toolchain"
)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // A later glob overrides an earlier one: `pass_*` cases are expected to compile and run.
    t.pass("tests/ui/pass_*.rs");
}
