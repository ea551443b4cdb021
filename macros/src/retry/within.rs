//! Validate: `within = "5s"`, a promise on the policy's worst-case total time. The keys'
//! literals are added up by the formula of the runtime's `Retry::worst_case`
//! (`runtime/src/retry/worst_case.rs`, which documents it), and a policy that could take
//! longer, or that nothing bounds, is rejected with the sum.
//!
//! An expression (`delay = DELAY`, `attempts = N`) is known only at run time, so it cannot
//! be added up: the promise must follow from the literals. A literal `timeout` no longer than
//! `within` keeps it whatever the other keys are; otherwise each key of the sum (`attempts`,
//! `delay`, `max_delay`, `attempt_timeout`) must be a literal, and the error names the
//! first that is not. A sync function is always rejected: a running sync attempt cannot be
//! interrupted, so nothing bounds it.

use quote::quote;
use syn::{Expr, Lit};

use super::config::Config;
use super::validate::{with_value, BACKOFFS, JITTERS};
use crate::attr::{Arg, Errors};
use crate::duration::{parse_duration, show, DurationValue};

#[cfg(test)]
mod tests;

/// The runtime's defaults (`Retry::new()`), which a key left out keeps.
const DEFAULT_ATTEMPTS: u32 = 3;
const DEFAULT_DELAY: u128 = 100_000_000;
const DEFAULT_MAX_DELAY: u128 = 30_000_000_000;

/// A key's value: a literal, or an expression the macro cannot read (and its key).
enum Value<T> {
    Known(T),
    Unknown(Box<Expr>, &'static str),
}

/// A key whose value is already reported as wrong.
struct Reported;

/// The schedule, as far as its longest sleeps go.
struct Schedule {
    backoff: &'static str,
    decorrelated: bool,
    delay: u128,
    max_delay: u128,
}

/// The literal parts of the policy: what the formula adds up.
struct Known {
    attempts: u32,
    attempt_timeout: u128,
    schedule: Schedule,
}

/// `n attempts × a + d(1) + … + d(n-1)`, added up and written out.
struct Sum {
    total: u128,
    shown: String,
}

// Input:  `within = "5s"` and the other keys
// Output: nothing, or an error that shows the worst case, spanned on `within = "5s"`.
pub(crate) fn check(config: &Config, is_async: bool, errors: &mut Errors) {
    let Some((key, value)) = with_value(config.within.clone(), errors) else {
        return;
    };
    let within =
        match parse_duration("within", &value) {
            Ok(DurationValue::Nanos(nanos)) => u128::from(nanos),
            Ok(DurationValue::Expr(_)) => return errors.push(syn::Error::new_spanned(
                &value,
                "`within` takes a literal duration, which the macro can check at compile time, \
                 as in `within = \"5s\"`; a bound known only at run time can be compared with \
                 `Retry::worst_case()` there",
            )),
            Err(error) => return errors.push(error),
        };
    let at = |message: String| syn::Error::new_spanned(quote!(#key = #value), message);
    if !is_async {
        return errors.push(at(
            "`within` needs an `async fn`: a running sync attempt cannot \
                               be interrupted, so no key bounds how long the call takes; make \
                               the function `async` and bound it with `attempt_timeout` or \
                               `timeout`, or remove `within`"
                .to_string(),
        ));
    }
    let Ok(policy) = read(config) else { return };
    if let Some(message) = broken_promise(policy, within) {
        errors.push(match message {
            Broken::Promise(message) => at(message),
            Broken::NotLiteral(expr, key) => not_literal(&expr, key, within),
        });
    }
}

/// Why the promise does not hold.
enum Broken {
    /// The policy can outlast it, or nothing bounds the policy.
    Promise(String),
    /// The sum needs this key's value, an expression.
    NotLiteral(Box<Expr>, &'static str),
}

/// The formula of `Retry::worst_case` on the literals, against `within`.
fn broken_promise(mut policy: Read, within: u128) -> Option<Broken> {
    let promise = format!("`timeout = \"{}\"`", show(within));
    // The first attempt alone may run until the sooner of its deadlines.
    let first = match (&policy.timeout, &policy.attempt_timeout) {
        (Some(Value::Known(t)), Some(Value::Known(a))) if t <= a => Some((*t, "timeout")),
        (None | Some(Value::Known(_)), Some(Value::Known(a))) => Some((*a, "attempt_timeout")),
        (Some(Value::Known(t)), None) => Some((*t, "timeout")),
        _ => None,
    };
    if let Some((first, limit)) = first.filter(|(first, _)| *first > within) {
        return Some(Broken::Promise(format!(
            "`within` is shorter than the first attempt alone may run ({}, its `{limit}`): \
             raise `within`, or lower `{limit}` so that every attempt and sleep fits in {}",
            show(first),
            show(within)
        )));
    }
    let timeout = match policy.timeout {
        Some(Value::Known(t)) if t <= within => return None,
        Some(Value::Known(t)) => Some(t),
        // Nothing else could bound the call: the `timeout` must be read.
        Some(Value::Unknown(expr, key)) if policy.hints || policy.attempt_timeout.is_none() => {
            return Some(Broken::NotLiteral(expr, key));
        }
        _ => None,
    };
    let attempt_timeout = match policy.attempt_timeout.take() {
        Some(attempt_timeout) if !policy.hints => attempt_timeout,
        attempt_timeout => {
            if let Some(t) = timeout {
                return Some(Broken::Promise(timeout_exceeds(t, within, None)));
            }
            let mut unbounded = Vec::new();
            if attempt_timeout.is_none() {
                unbounded.push("an attempt has no deadline and may run forever");
            }
            if policy.hints {
                unbounded.push(
                    "a `retry_after` hint can ask for any delay (`max_delay` does not cap it)",
                );
            }
            return Some(Broken::Promise(format!(
                "`within` cannot be kept: {}; add {promise}, which bounds the whole call{}",
                unbounded.join(", and "),
                if policy.hints {
                    ""
                } else {
                    ", or an `attempt_timeout`"
                }
            )));
        }
    };
    let sum = match policy.known(attempt_timeout) {
        Ok(known) => sum(&known),
        Err((expr, key)) => return Some(Broken::NotLiteral(expr, key)),
    };
    if sum.total <= within {
        return None;
    }
    Some(Broken::Promise(match timeout {
        Some(t) if t < sum.total => timeout_exceeds(t, within, Some(&sum)),
        _ => format!(
            "the policy can outlast `within`: worst case {} = {} > {}; raise `within`, lower \
             `attempts`, `attempt_timeout`, `delay` or `max_delay`, or set {promise}, which \
             bounds the whole call",
            show(sum.total),
            sum.shown,
            show(within)
        ),
    }))
}

/// The keys as the formula reads them.
struct Read {
    attempts: Value<u32>,
    timeout: Option<Value<u128>>,
    attempt_timeout: Option<Value<u128>>,
    delay: Value<u128>,
    max_delay: Value<u128>,
    backoff: &'static str,
    decorrelated: bool,
    hints: bool,
}

impl Read {
    /// The literals of the sum, or the first key that is an expression.
    fn known(self, attempt_timeout: Value<u128>) -> Result<Known, (Box<Expr>, &'static str)> {
        fn known<T>(value: Value<T>) -> Result<T, (Box<Expr>, &'static str)> {
            match value {
                Value::Known(n) => Ok(n),
                Value::Unknown(expr, key) => Err((expr, key)),
            }
        }
        Ok(Known {
            attempts: known(self.attempts)?,
            attempt_timeout: known(attempt_timeout)?,
            schedule: Schedule {
                backoff: self.backoff,
                decorrelated: self.decorrelated,
                delay: known(self.delay)?,
                max_delay: known(self.max_delay)?,
            },
        })
    }
}

/// Reads the keys; `Err` if one is already reported as wrong (nothing to add up then).
fn read(config: &Config) -> Result<Read, Reported> {
    let duration = |arg: &Option<Arg>, key| duration(arg.as_ref(), key);
    Ok(Read {
        attempts: match &config.attempts {
            Some(arg) => attempts(arg)?,
            None => Value::Known(DEFAULT_ATTEMPTS),
        },
        timeout: duration(&config.timeout, "timeout")?,
        attempt_timeout: duration(&config.attempt_timeout, "attempt_timeout")?,
        delay: duration(&config.delay, "delay")?.unwrap_or(Value::Known(DEFAULT_DELAY)),
        max_delay: duration(&config.max_delay, "max_delay")?
            .unwrap_or(Value::Known(DEFAULT_MAX_DELAY)),
        backoff: choice(&config.backoff, BACKOFFS)?.unwrap_or("exp"),
        decorrelated: choice(&config.jitter, JITTERS)? == Some("decorrelated"),
        hints: config.retry_after.is_some(),
    })
}

fn duration(arg: Option<&Arg>, key: &'static str) -> Result<Option<Value<u128>>, Reported> {
    let Some(arg) = arg else { return Ok(None) };
    match arg.value.as_ref().map(|value| parse_duration(key, value)) {
        Some(Ok(DurationValue::Nanos(nanos))) => Ok(Some(Value::Known(u128::from(nanos)))),
        Some(Ok(DurationValue::Expr(expr))) => Ok(Some(Value::Unknown(expr, key))),
        _ => Err(Reported),
    }
}

fn attempts(arg: &Arg) -> Result<Value<u32>, Reported> {
    match &arg.value {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Int(int), ..
        })) => match int.base10_parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Value::Known(n)),
            _ => Err(Reported),
        },
        Some(expr @ (Expr::Path(_) | Expr::Block(_) | Expr::Call(_) | Expr::Binary(_))) => {
            Ok(Value::Unknown(Box::new(expr.clone()), "attempts"))
        }
        _ => Err(Reported),
    }
}

/// `backoff = "exp"` or `backoff = exp`: the name of one of `choices`.
fn choice(
    arg: &Option<Arg>,
    choices: &[(&'static str, &str)],
) -> Result<Option<&'static str>, Reported> {
    let Some(arg) = arg else { return Ok(None) };
    let text = match &arg.value {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        })) => s.value(),
        Some(Expr::Path(p)) if p.path.get_ident().is_some() => p.path.segments[0].ident.to_string(),
        _ => return Err(Reported),
    };
    choices
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(name, _)| Some(*name))
        .ok_or(Reported)
}

fn not_literal(expr: &Expr, key: &str, within: u128) -> syn::Error {
    let example = match key {
        "attempts" => "attempts = 3",
        "delay" => "delay = \"100ms\"",
        "max_delay" => "max_delay = \"30s\"",
        "attempt_timeout" => "attempt_timeout = \"500ms\"",
        _ => "timeout = \"5s\"",
    };
    syn::Error::new_spanned(
        expr,
        format!(
            "`within` adds up the policy's literals at compile time, and this `{key}` is an \
             expression known only at run time: write it as a literal, as in `{example}`, or \
             set a literal `timeout` no longer than `within`, as in `timeout = \"{}\"`",
            show(within)
        ),
    )
}

/// The `timeout` bounds the call, at more than `within`; `sum` is what the attempts and
/// sleeps alone would add up to, when they can be.
fn timeout_exceeds(timeout: u128, within: u128, sum: Option<&Sum>) -> String {
    let alone = sum
        .map(|sum| format!(" (without it, {} = {})", show(sum.total), sum.shown))
        .unwrap_or_default();
    format!(
        "the policy can outlast `within`: worst case {} = timeout > {}{alone}; lower the \
         timeout, as in `timeout = \"{}\"`, or raise `within`",
        show(timeout),
        show(within),
        show(within)
    )
}

/// The formula of `Retry::worst_case` without a `timeout`: `n · a` plus the longest sleeps.
fn sum(known: &Known) -> Sum {
    let n = known.attempts;
    let (sleeps, mut pieces) = longest_sleeps(&known.schedule, u128::from(n - 1));
    pieces.insert(
        0,
        format!(
            "{n} attempt{} × {}",
            if n == 1 { "" } else { "s" },
            show(known.attempt_timeout)
        ),
    );
    Sum {
        total: known
            .attempt_timeout
            .saturating_mul(u128::from(n))
            .saturating_add(sleeps),
        shown: pieces.join(" + "),
    }
}

/// The sum of the longest sleeps before retries `1..=retries`, and its terms as shown: the
/// sleeps below `max_delay`, then how many reach it.
fn longest_sleeps(schedule: &Schedule, retries: u128) -> (u128, Vec<String>) {
    let Schedule {
        backoff,
        decorrelated,
        delay,
        max_delay: cap,
    } = *schedule;
    let (count, total, shown) = match (backoff, decorrelated) {
        ("none", _) => return (0, Vec::new()),
        // Up to 3 × the previous sleep, from `min(delay, max_delay)`.
        (_, true) => each(growing(delay.min(cap).saturating_mul(3), 3, cap, retries)),
        ("exp", _) => each(growing(delay, 2, cap, retries)),
        ("fixed", _) if delay < cap => {
            let (total, shown) = repeated(retries, delay, "");
            (retries, total, shown)
        }
        ("fixed", _) => (0, 0, Vec::new()),
        _ => linear(delay, cap, retries),
    };
    let (rest, capped) = repeated(retries - count, cap, " (max_delay)");
    (total.saturating_add(rest), [shown, capped].concat())
}

/// `first · factor^k` (k from 0) while below `cap`, for at most `retries` sleeps.
fn growing(first: u128, factor: u128, cap: u128, retries: u128) -> Vec<u128> {
    let mut below = Vec::new();
    let mut value = first;
    // At most ~100 rounds: `value` grows from 1 ns past any duration.
    while value > 0 && value < cap && (below.len() as u128) < retries {
        below.push(value);
        value = value.saturating_mul(factor);
    }
    below
}

/// Sleeps below the cap: how many, their sum, and each shown, or `a + b + … + z` for many.
fn each(below: Vec<u128>) -> (u128, u128, Vec<String>) {
    let total = below.iter().fold(0u128, |sum, d| sum.saturating_add(*d));
    let shown = match below.as_slice() {
        [first, second, .., last] if below.len() > 4 => elided(*first, *second, *last),
        _ => below.iter().map(|d| show(*d)).collect(),
    };
    (below.len() as u128, total, shown)
}

/// Linear sleeps below the cap, `delay · i` for every `i` with `delay · i < cap`, in closed
/// form (`attempts` may be in the billions): how many, their sum, and each shown.
fn linear(delay: u128, cap: u128, retries: u128) -> (u128, u128, Vec<String>) {
    let count = match (cap.checked_sub(1), delay) {
        (None, _) => 0,
        (_, 0) => return (retries, 0, Vec::new()),
        (Some(below_cap), _) => (below_cap / delay).min(retries),
    };
    let total = delay.saturating_mul(count * (count + 1) / 2);
    let shown = if count <= 4 {
        (1..=count).map(|i| show(delay * i)).collect()
    } else {
        elided(delay, delay * 2, delay * count)
    };
    (count, total, shown)
}

fn elided(first: u128, second: u128, last: u128) -> Vec<String> {
    vec![show(first), show(second), "…".to_string(), show(last)]
}

/// `count` sleeps of `value`, as in `3 × 100ms`, with a `note` such as ` (max_delay)`.
fn repeated(count: u128, value: u128, note: &str) -> (u128, Vec<String>) {
    let piece = match count {
        _ if value == 0 => return (0, Vec::new()),
        0 => return (0, Vec::new()),
        1 => format!("{}{note}", show(value)),
        _ => format!("{count} × {}{note}", show(value)),
    };
    (value.saturating_mul(count), vec![piece])
}
