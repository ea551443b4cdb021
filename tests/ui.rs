//! Compile-fail (and compile-pass) cases for the macros, with `.stderr` snapshots beside
//! each case in `tests/ui/`. Regenerate with `TRYBUILD=overwrite cargo test --test ui` and
//! read every diff before committing it.

/// The rustc minor version that produced the snapshots. rustc's wording and layout change
/// between releases, so another toolchain skips these tests rather than fail them.
const SNAPSHOT_RUSTC_MINOR: u32 = 95;

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(&rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    // "rustc 1.95.0 (59807616e 2026-04-14)" → 95
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    if minor != Some(SNAPSHOT_RUSTC_MINOR) {
        eprintln!(
            "note: skipping the UI tests: their .stderr snapshots were made with rustc \
             1.{SNAPSHOT_RUSTC_MINOR}, but `{rustc} --version` reports `{version}`"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // A later glob overrides an earlier one: `pass_*` cases are expected to compile and run.
    t.pass("tests/ui/pass_*.rs");
}
