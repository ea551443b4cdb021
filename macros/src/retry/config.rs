//! Parse: the keys of `#[retry(...)]`, one typed field each, with their spans kept for
//! the messages of [`validate`](super::validate). Unknown and repeated keys are reported
//! here, since only the parser sees them.

use proc_macro2::TokenStream;

use crate::attr::{parse_args_with_hints, Arg, Errors};

/// Every key, in the order the reference lists them.
pub(crate) const KEYS: &[&str] = &[
    "attempts",
    "backoff",
    "delay",
    "max_delay",
    "jitter",
    "timeout",
    "attempt_timeout",
    "when",
    "on_retry",
    "retry_after",
    "when_ok",
    "budget",
    "attempt_number",
    "within",
    "timer",
];

/// The keys as written: each `key = value` (or a bare `key`, reported later).
#[derive(Default)]
pub(crate) struct Config {
    pub(crate) attempts: Option<Arg>,
    pub(crate) backoff: Option<Arg>,
    pub(crate) delay: Option<Arg>,
    pub(crate) max_delay: Option<Arg>,
    pub(crate) jitter: Option<Arg>,
    pub(crate) timeout: Option<Arg>,
    pub(crate) attempt_timeout: Option<Arg>,
    pub(crate) when: Option<Arg>,
    pub(crate) on_retry: Option<Arg>,
    pub(crate) retry_after: Option<Arg>,
    pub(crate) when_ok: Option<Arg>,
    pub(crate) budget: Option<Arg>,
    pub(crate) attempt_number: Option<Arg>,
    pub(crate) within: Option<Arg>,
    pub(crate) timer: Option<Arg>,
}

impl Config {
    // Input:  `attempts = 3, delay = "50ms", when = is_transient`
    // Output: `Config { attempts: Some(3), delay: Some("50ms"), when: Some(is_transient), .. }`
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config::default();
        let hint = &super::validate::key_from_elsewhere;
        for arg in parse_args_with_hints(args, KEYS, "retry", hint, errors) {
            let slot = match arg.key.to_string().as_str() {
                "attempts" => &mut config.attempts,
                "backoff" => &mut config.backoff,
                "delay" => &mut config.delay,
                "max_delay" => &mut config.max_delay,
                "jitter" => &mut config.jitter,
                "timeout" => &mut config.timeout,
                "attempt_timeout" => &mut config.attempt_timeout,
                "when" => &mut config.when,
                "on_retry" => &mut config.on_retry,
                "when_ok" => &mut config.when_ok,
                "budget" => &mut config.budget,
                "attempt_number" => &mut config.attempt_number,
                "within" => &mut config.within,
                "timer" => &mut config.timer,
                // `parse_args_with_hints` keeps known keys only.
                _ => &mut config.retry_after,
            };
            *slot = Some(arg);
        }
        config
    }
}
