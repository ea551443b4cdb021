//! Under `panic = "abort"` nothing can be recovered: `#[recover]` must say so at compile
//! time. This builds a one-file crate with that profile and reads the compiler's warnings.

#[path = "common/fixture.rs"]
mod fixture;

const FIXTURE: &str = r#"
#[steadfast::recover(default)]
fn score(x: u32) -> u32 {
    100 / x
}

fn main() {
    println!("{}", score(5));
}
"#;

#[test]
fn recover_warns_when_the_crate_is_built_with_panic_abort() {
    let built = fixture::build(
        "recover-panic-abort",
        "default-features = false, features = [\"std\"]",
        "[profile.dev]\npanic = \"abort\"\n",
        FIXTURE,
    );
    let stderr = built.stderr;
    assert!(built.success, "the fixture builds:\n{stderr}");
    assert!(
        stderr.contains("src/main.rs:2:1: warning: use of deprecated function")
            && stderr.contains("built with `panic = \"abort\"`")
            && stderr.contains("recovers nothing"),
        "expected the panic = \"abort\" warning at the attribute, got:\n{stderr}"
    );
}
