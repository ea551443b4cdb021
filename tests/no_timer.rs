//! Without a timer feature (`default-features = false, features = ["std"]`), an async
//! `#[retry]` that names no timer is one compile error, on the attribute, that says which
//! feature to enable; one that names its own timer compiles. Each builds a one-file crate.

#[path = "common/fixture.rs"]
mod fixture;

const WITHOUT_A_TIMER: &str = r#"
#[steadfast::retry(attempts = 3, delay = "10ms")]
async fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
"#;

#[test]
fn an_async_retry_without_a_timer_feature_is_one_error_on_the_attribute() {
    let built = fixture::build(
        "no-timer",
        "default-features = false, features = [\"std\"]",
        "",
        WITHOUT_A_TIMER,
    );
    let stderr = built.stderr;
    assert!(!built.success, "the fixture must not build:\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(": error")).collect();
    assert_eq!(
        errors,
        ["src/main.rs:2:1: error[E0277]: an async `#[retry]` needs a timer to sleep on, and no timer feature of steadfast is enabled: this retry would have nothing to sleep on"],
        "one error, on the attribute; the compiler said:\n{stderr}"
    );
}

const WITH_ITS_OWN_TIMER: &str = r#"
use std::future::{ready, Ready};
use std::time::Duration;

struct Now;

impl steadfast::retry::Clock for Now {
    type Instant = ();
    fn now() {}
    fn since(_: ()) -> Duration {
        Duration::ZERO
    }
}

impl steadfast::timer::Timer for Now {
    type Sleep = Ready<()>;
    fn sleep(_: Duration) -> Ready<()> {
        ready(())
    }
}

#[steadfast::retry(attempts = 3, delay = "10ms", timer = Now)]
async fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
"#;

#[test]
fn an_async_retry_naming_its_own_timer_needs_no_timer_feature() {
    let built = fixture::build(
        "own-timer",
        "default-features = false, features = [\"std\"]",
        "",
        WITH_ITS_OWN_TIMER,
    );
    assert!(built.success, "the fixture builds:\n{}", built.stderr);
}
