//! Under `panic = "abort"` nothing can be recovered: `#[recover]` must say so at compile
//! time. This builds a one-file crate with that profile and reads the compiler's warnings.

use std::path::PathBuf;
use std::process::Command;

const FIXTURE: &str = r#"
#[steadfast::recover(default)]
fn score(x: u32) -> u32 {
    100 / x
}

fn main() {
    println!("{}", score(5));
}
"#;

fn fixture_crate() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("recover_panic_abort");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let steadfast = env!("CARGO_MANIFEST_DIR").replace('\\', "/");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"recover-panic-abort\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\n\
             steadfast = {{ path = \"{steadfast}\", default-features = false, features = [\"std\"] }}\n\n\
             [profile.dev]\npanic = \"abort\"\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), FIXTURE).unwrap();
    // Our own lock file, so that the build needs nothing the outer build did not fetch.
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"),
        dir.join("Cargo.lock"),
    )
    .unwrap();
    dir
}

#[test]
fn recover_warns_when_the_crate_is_built_with_panic_abort() {
    let dir = fixture_crate();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--offline", "--quiet", "--message-format=short"])
        .current_dir(&dir)
        .env_remove("RUSTFLAGS")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the fixture builds:\n{stderr}");
    assert!(
        stderr.contains("src/main.rs:2:1: warning: use of deprecated function")
            && stderr.contains("built with `panic = \"abort\"`")
            && stderr.contains("recovers nothing"),
        "expected the panic = \"abort\" warning at the attribute, got:\n{stderr}"
    );
}
