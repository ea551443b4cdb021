//! Building a one-file crate that depends on this checkout of steadfast with features and a
//! profile of the test's choosing, to read what the compiler says (a warning under
//! `panic = "abort"`, the error without a timer feature). Included by the tests that need it
//! (`#[path = "common/fixture.rs"] mod fixture;`).
#![allow(dead_code)] // each test crate uses a part

use std::path::PathBuf;
use std::process::Command;

/// What `cargo build` of a fixture printed, and whether it succeeded.
pub struct Built {
    pub success: bool,
    pub stderr: String,
}

/// Builds `src/main.rs` = `source` in a crate named `name` whose dependency is
/// `steadfast = { path = <this checkout>, <steadfast> }` (e.g. `default-features = false`),
/// with `profile` appended to its manifest, offline and with our own lock file, so that it
/// needs nothing the outer build did not fetch.
pub fn build(name: &str, steadfast: &str, profile: &str, source: &str) -> Built {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let path = env!("CARGO_MANIFEST_DIR").replace('\\', "/");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\n\
             steadfast = {{ path = \"{path}\", {steadfast} }}\n\n{profile}\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), source).unwrap();
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"),
        dir.join("Cargo.lock"),
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--offline", "--quiet", "--message-format=short"])
        .current_dir(&dir)
        .env_remove("RUSTFLAGS")
        // One target directory for every fixture: those with the same features and profile
        // build steadfast and its dependencies once.
        .env(
            "CARGO_TARGET_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fixtures"),
        )
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    Built {
        success: output.status.success(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
