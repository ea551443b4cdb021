//! The macro's figures, which `tests/ui/pass_retry_within.rs` compares with the runtime's
//! `Retry::worst_case()` for the same policies: both must give the same number.

use super::*;
use crate::duration::show;

/// What `check` says of `keys` (with `within` among them) on an `async fn`.
fn verdict(keys: &str) -> Option<String> {
    let mut errors = Errors::default();
    let config = Config::parse(keys.parse().expect("tokens"), &mut errors);
    assert!(errors.is_empty(), "the keys parse");
    let Some(Ok(DurationValue::Nanos(within))) = config
        .within
        .as_ref()
        .and_then(|arg| arg.value.as_ref())
        .map(|value| parse_duration("within", value))
    else {
        panic!("a literal `within`");
    };
    let Ok(policy) = read(&config) else {
        panic!("the keys read")
    };
    broken_promise(policy, u128::from(within)).map(|broken| match broken {
        Broken::Promise(message) => message,
        Broken::NotLiteral(_, key) => format!("not a literal: {key}"),
    })
}

/// Asserts that `check` rejects `keys` with a message that contains `part`.
fn assert_shows(keys: &str, part: &str) {
    let message = verdict(keys).expect("the promise is rejected");
    assert!(message.contains(part), "{message}");
}

/// The policies of `tests/ui/pass_retry_within.rs`, with their worst case in nanoseconds.
fn agreed() -> Vec<(&'static str, u64)> {
    vec![
        (
            r#"attempts = 4, delay = "100ms", max_delay = "300ms", jitter = "none", attempt_timeout = "1s""#,
            4_600_000_000,
        ),
        (
            r#"attempts = 6, backoff = "linear", max_delay = "350ms", attempt_timeout = "1s""#,
            7_300_000_000,
        ),
        (
            r#"attempts = 5, backoff = "fixed", jitter = "decorrelated", max_delay = "2s", attempt_timeout = "100ms""#,
            5_700_000_000,
        ),
        (r#"attempt_timeout = "1s""#, 3_300_000_000),
        (
            r#"attempts = 2, attempt_timeout = "1ms", timeout = "1s""#,
            102_000_000,
        ),
        (
            r#"attempts = 10, delay = "10ms", max_delay = "1s", jitter = "equal", attempt_timeout = "200ms""#,
            5_270_000_000,
        ),
        (
            r#"attempts = 3, backoff = "none", attempt_timeout = "250ms""#,
            750_000_000,
        ),
    ]
}

#[test]
fn the_figures_are_those_of_the_runtime() {
    for (keys, nanos) in agreed() {
        let at = |within: u64| {
            let within = format!("{within}ns");
            verdict(&format!("{keys}, within = \"{within}\""))
        };
        assert_eq!(at(nanos), None, "{keys} within its worst case");
        let message = at(nanos - 1).unwrap_or_else(|| panic!("{keys} over {nanos} - 1 ns"));
        let figure = format!("worst case {} = ", show(u128::from(nanos)));
        assert!(message.contains(&figure), "{keys}: {message}");
    }
}

#[test]
fn the_message_shows_the_sum() {
    let exceeded = verdict(
        r#"attempts = 4, delay = "100ms", max_delay = "3s", backoff = "linear", attempt_timeout = "1s", within = "4s""#,
    );
    assert_eq!(
        exceeded.as_deref(),
        Some(
            "the policy can outlast `within`: worst case 4.6s = 4 attempts × 1s + 100ms + 200ms \
             + 300ms > 4s; raise `within`, lower `attempts`, `attempt_timeout`, `delay` or \
             `max_delay`, or set `timeout = \"4s\"`, which bounds the whole call"
        )
    );
    let sums = [
        (
            r#"attempts = 10, delay = "10ms", max_delay = "1s", attempt_timeout = "200ms", within = "5s""#,
            "worst case 5.27s = 10 attempts × 200ms + 10ms + 20ms + … + 640ms + 2 × 1s \
             (max_delay) > 5s",
        ),
        (
            r#"attempts = 3, backoff = "fixed", delay = "2s", max_delay = "1s", attempt_timeout = "1s", within = "4s""#,
            "worst case 5s = 3 attempts × 1s + 2 × 1s (max_delay) > 4s",
        ),
        // Summed in closed form: four billion attempts cost no more than three.
        (
            r#"attempts = 4294967295, backoff = "linear", delay = "1ns", max_delay = "1s", attempt_timeout = "0s", within = "1h""#,
            "1ns + 2ns + … + 999.999999ms + 3294967295 × 1s (max_delay)",
        ),
    ];
    for (keys, part) in sums {
        assert_shows(keys, part);
    }
}

#[test]
fn a_timeout_bounds_the_call() {
    let bounded = r#"attempts = 100, attempt_timeout = "1s", retry_after = hint"#;
    assert_eq!(
        verdict(&format!(r#"{bounded}, timeout = "2s", within = "2s""#)),
        None
    );
    assert_eq!(
        verdict(&format!(r#"{bounded}, timeout = "3s", within = "2s""#)).as_deref(),
        Some(
            "the policy can outlast `within`: worst case 3s = timeout > 2s; lower the timeout, \
             as in `timeout = \"2s\"`, or raise `within`"
        )
    );
    assert_shows(
        r#"attempts = 3, attempt_timeout = "1s", timeout = "3s", within = "2s""#,
        "worst case 3s = timeout > 2s (without it, 3.3s = 3 attempts × 1s + 100ms + 200ms)",
    );
}

#[test]
fn what_cannot_be_bounded_or_read() {
    assert_eq!(
        verdict(r#"attempts = 2, within = "5s""#).as_deref(),
        Some(
            "`within` cannot be kept: an attempt has no deadline and may run forever; add \
             `timeout = \"5s\"`, which bounds the whole call, or an `attempt_timeout`"
        )
    );
    assert_shows(
        r#"attempt_timeout = "1s", retry_after = hint, within = "5s""#,
        "a `retry_after` hint can ask for any delay",
    );
    assert_eq!(
        verdict(r#"attempt_timeout = "1s", delay = DELAY, within = "5s""#).as_deref(),
        Some("not a literal: delay")
    );
    assert_eq!(
        verdict(r#"attempts = N, attempt_timeout = "1s", within = "5s""#).as_deref(),
        Some("not a literal: attempts")
    );
    // A literal `timeout` within the promise keeps it, whatever the expressions.
    assert_eq!(
        verdict(r#"attempts = N, delay = DELAY, timeout = "5s", within = "5s""#),
        None
    );
    assert_eq!(
        verdict(r#"timeout = TIMEOUT, within = "5s""#).as_deref(),
        Some("not a literal: timeout")
    );
    assert_shows(
        r#"attempt_timeout = "2s", within = "1s""#,
        "`within` is shorter than the first attempt alone may run (2s, its `attempt_timeout`)",
    );
}
