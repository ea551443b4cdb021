//! Validate: every rule of `#[retry]` and every message, spanned on the user's tokens. What
//! passes becomes a [`Policy`]: the builder calls that [`expand`](super::expand) writes.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, Lit};

use super::config::Config;
use crate::attr::{list, Arg, Errors};
use crate::duration::{parse_duration, DurationValue};
use crate::func::{certainly_not_result, return_type, Function};
use crate::suggest::did_you_mean;

pub(super) const BACKOFFS: &[(&str, &str)] = &[
    ("exp", "Exponential"),
    ("linear", "Linear"),
    ("fixed", "Fixed"),
    ("none", "None"),
];
pub(super) const JITTERS: &[(&str, &str)] = &[
    ("full", "Full"),
    ("equal", "Equal"),
    ("decorrelated", "Decorrelated"),
    ("none", "None"),
];

/// The policy the keys describe, checked.
pub(crate) struct Policy {
    /// `.timeout(...)`, `.attempts(3)`, ...: everything but the hooks, deadlines first
    /// (they change the policy's type, and the hooks after them may own data).
    pub(crate) settings: Vec<TokenStream>,
    /// `when`, `on_retry`, `retry_after`, in that order.
    pub(crate) hooks: Vec<Hook>,
    /// The `timeout` or `attempt_timeout` key, where an error type without
    /// `From<Timeout>` is reported.
    pub(crate) deadline_key: Option<syn::Ident>,
    /// `attempt_number = n`: the name each attempt binds its number to.
    pub(crate) attempt_number: Option<syn::Ident>,
    /// `timer = path`: the timer an async retry sleeps on.
    pub(crate) timer: Option<syn::Path>,
}

/// A hook key: the builder method, the runtime's wrapper that types it, the user's value.
pub(crate) struct Hook {
    pub(crate) method: &'static str,
    pub(crate) wrapper: &'static str,
    pub(crate) value: Expr,
}

// Input:  `Config { attempts: 3, delay: "50ms", when: is_transient, .. }`
// Output: `Policy { settings: [.attempts(3), .delay(Duration::from_nanos(50000000))],
//                   hooks: [when_fn(is_transient)], .. }`
pub(crate) fn policy(config: Config, is_async: bool, errors: &mut Errors) -> Policy {
    let mut policy = Policy {
        settings: Vec::new(),
        hooks: Vec::new(),
        deadline_key: None,
        attempt_number: None,
        timer: None,
    };
    let Config {
        attempts,
        backoff,
        delay,
        max_delay,
        jitter,
        timeout,
        attempt_timeout,
        when,
        on_retry,
        retry_after,
        when_ok,
        budget,
        attempt_number,
        within: _, // checked by `super::within`, which needs the other keys
        timer,
    } = config;
    for arg in [timeout, attempt_timeout] {
        duration(arg, is_async, &mut policy, errors);
    }
    if let Some((_, value)) = with_value(attempts, errors) {
        if let Some(tokens) = read_attempts(&value, errors) {
            policy
                .settings
                .push(quote_spanned!(value.span()=> .attempts(#tokens)));
        }
    }
    choice(backoff, BACKOFFS, quote!(Backoff), &mut policy, errors);
    for arg in [delay, max_delay] {
        duration(arg, is_async, &mut policy, errors);
    }
    choice(jitter, JITTERS, quote!(Jitter), &mut policy, errors);
    let hooks = [
        (when, "when", "when_fn", "`Fn(&E) -> bool`"),
        (
            on_retry,
            "on_retry",
            "on_retry_fn",
            "`Fn(&steadfast::Attempt<'_, E>)`",
        ),
        (
            retry_after,
            "retry_after",
            "retry_after_fn",
            "`Fn(&E) -> Option<Duration>`",
        ),
        (when_ok, "when_ok", "when_ok_fn", "`Fn(&T) -> bool`"),
    ];
    for (arg, method, wrapper, signature) in hooks {
        let Some((_, value)) = with_value(arg, errors) else {
            continue;
        };
        if matches!(value, Expr::Path(_) | Expr::Closure(_)) {
            policy.hooks.push(Hook {
                method,
                wrapper,
                value,
            });
        } else if let Some(path) = quoted_path(&value) {
            errors.push(syn::Error::new_spanned(
                &value,
                format!("`{method}` takes the function itself: write `{method} = {path}`"),
            ));
        } else {
            errors.push(syn::Error::new_spanned(
                &value,
                format!(
                    "`{method}` takes a function path or a closure, {signature}: as in \
                     `{method} = my_fn` or `{method} = |e| ...`"
                ),
            ));
        }
    }
    if let Some((key, value)) = with_value(budget, errors) {
        if let Some(setting) = super::fleet::budget(&key, &value, errors) {
            policy.settings.push(setting);
        }
    }
    if let Some((_, value)) = with_value(attempt_number, errors) {
        policy.attempt_number = super::fleet::attempt_number(&value, errors);
    }
    if let Some((key, value)) = with_value(timer, errors) {
        policy.timer = super::fleet::timer(&key, &value, is_async, errors);
    }
    policy
}

/// The key and its value, or `None` if it was not given or (reported) has no value.
pub(super) fn with_value(arg: Option<Arg>, errors: &mut Errors) -> Option<(syn::Ident, Expr)> {
    let Arg { key, value } = arg?;
    if let Some(value) = value {
        return Some((key, value));
    }
    let example = match key.to_string().as_str() {
        "attempts" => "attempts = 3",
        "backoff" => "backoff = \"exp\"",
        "jitter" => "jitter = \"full\"",
        "when" => "when = is_transient",
        "on_retry" => "on_retry = log_retry",
        "retry_after" => "retry_after = server_hint",
        "when_ok" => "when_ok = is_unavailable",
        "max_delay" => "max_delay = \"30s\"",
        "timeout" => "timeout = \"10s\"",
        "attempt_timeout" => "attempt_timeout = \"500ms\"",
        "budget" => "budget = BACKEND_BUDGET",
        "attempt_number" => "attempt_number = n",
        "within" => "within = \"5s\"",
        "timer" => "timer = steadfast::timer::FuturesTimer",
        _ => "delay = \"100ms\"",
    };
    errors.at(
        key.span(),
        format!("`{key}` needs a value: write `{example}`"),
    );
    None
}

/// `delay`, `max_delay`, `timeout`, `attempt_timeout`: `.key(Duration::from_nanos(n))`.
fn duration(arg: Option<Arg>, is_async: bool, policy: &mut Policy, errors: &mut Errors) {
    let Some((key, value)) = with_value(arg, errors) else {
        return;
    };
    let name = key.to_string();
    if name == "attempt_timeout" && !is_async {
        errors.at(
            key.span(),
            "`attempt_timeout` needs an `async fn`: a running sync attempt cannot be \
             interrupted; use `timeout`, which no attempt or sleep outlasts",
        );
        return;
    }
    let duration = match parse_duration(&name, &value) {
        Ok(DurationValue::Nanos(nanos)) => {
            quote_spanned!(value.span()=> ::core::time::Duration::from_nanos(#nanos))
        }
        Ok(DurationValue::Expr(expr)) => expr.to_token_stream(),
        Err(error) => return errors.push(error),
    };
    if name.ends_with("timeout") && policy.deadline_key.is_none() {
        policy.deadline_key = Some(key.clone());
    }
    policy.settings.push(quote!(.#key(#duration)));
}

/// `backoff`, `jitter`: `.key(Kind::Variant)`.
fn choice(
    arg: Option<Arg>,
    choices: &[(&str, &'static str)],
    kind: TokenStream,
    policy: &mut Policy,
    errors: &mut Errors,
) {
    let Some((key, value)) = with_value(arg, errors) else {
        return;
    };
    if let Some(variant) = read_choice(&key.to_string(), &value, choices, errors) {
        let variant = syn::Ident::new(variant, value.span());
        policy
            .settings
            .push(quote!(.#key(::steadfast::__private::#kind::#variant)));
    }
}

/// The function: not `const`, and returning a `Result` as far as the syntax can tell
/// (aliases are checked by the type system, at the return type).
pub(crate) fn signature(func: &Function, errors: &mut Errors) {
    let sig = &func.sig;
    if let Some(constness) = &sig.constness {
        errors.at(
            constness.span,
            "`#[retry]` cannot go on a `const fn`: retrying sleeps, which a constant cannot do",
        );
    }
    match return_type(sig) {
        None => errors.at(
            sig.paren_token.span.close(),
            format!(
                "`#[retry]` needs a function that returns `Result<T, E>`: `{}` returns nothing, \
                 so there is no error to retry on",
                sig.ident
            ),
        ),
        Some(ty) => {
            if let Some(shown) = certainly_not_result(ty) {
                errors.push(syn::Error::new_spanned(
                    ty,
                    format!(
                        "`#[retry]` needs a function that returns `Result<T, E>`, not `{shown}`: \
                         an `Err` is what tells it to try again"
                    ),
                ));
            }
        }
    }
}

fn read_attempts(value: &Expr, errors: &mut Errors) -> Option<TokenStream> {
    match value {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(int) => match int.base10_parse::<u32>() {
                Ok(0) => errors.at(
                    int.span(),
                    "`attempts = 0` would never call the function: `attempts` counts calls, the \
                     first included, so write `attempts = 1` for no retries",
                ),
                Ok(n) => return Some(quote_spanned!(int.span()=> #n)),
                Err(_) => errors.at(
                    int.span(),
                    "`attempts` takes a whole number from 1 to 4294967295, as in `attempts = 3`",
                ),
            },
            Lit::Str(s) if s.value().trim().parse::<u32>().is_ok() => errors.at(
                s.span(),
                format!(
                    "`attempts` takes a number, not a string: write `attempts = {}`",
                    s.value().trim()
                ),
            ),
            Lit::Float(f) => errors.at(f.span(), attempts_from_float(f)),
            _ => errors.push(syn::Error::new_spanned(
                value,
                "`attempts` takes a whole number of calls, the first included, as in \
                 `attempts = 3`",
            )),
        },
        // A constant or an expression of type `u32`.
        Expr::Path(_) | Expr::Block(_) | Expr::Call(_) | Expr::Binary(_) => {
            return Some(value.to_token_stream())
        }
        _ => errors.push(syn::Error::new_spanned(
            value,
            "`attempts` takes a whole number of calls, the first included, as in `attempts = 3`",
        )),
    }
    None
}

/// `when = "is_transient"`: the path in the string, if it is one.
fn quoted_path(value: &Expr) -> Option<String> {
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    else {
        return None;
    };
    let path: syn::Path = s.parse().ok()?;
    Some(path.to_token_stream().to_string().replace(' ', ""))
}

/// `attempts = 2.5` → "write `attempts = 2` or `attempts = 3`".
fn attempts_from_float(float: &syn::LitFloat) -> String {
    let whole = float
        .base10_parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 1.0 && *f < f64::from(u32::MAX));
    match whole {
        // The whole numbers either side.
        Some(f) if f.fract() != 0.0 => format!(
            "`attempts` counts calls, so it takes a whole number: write `attempts = {}` or \
             `attempts = {}`",
            f.floor() as u32,
            f.ceil() as u32
        ),
        Some(f) => format!(
            "`attempts` counts calls, so it takes a whole number: write `attempts = {}`",
            f as u32
        ),
        None => "`attempts` counts calls, so it takes a whole number, the first call included, \
                 as in `attempts = 3`"
            .to_string(),
    }
}

/// What to write instead of a key that other retry crates use: `retries = 2` is
/// `attempts = 3` here.
pub(crate) fn key_from_elsewhere(arg: &Arg) -> Option<String> {
    let name = arg.key.to_string();
    let number = match &arg.value {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Int(int), ..
        })) => int.base10_parse::<u32>().ok(),
        _ => None,
    };
    let instead = match name.as_str() {
        "retries" | "max_retries" | "retry" | "num_retries" | "max_retry" => {
            return Some(match number {
                Some(n) => format!(
                    "steadfast counts attempts, the first call included, not retries: write \
                     `attempts = {}` for {n} retr{}",
                    n.saturating_add(1),
                    if n == 1 { "y" } else { "ies" }
                ),
                None => "steadfast counts attempts, the first call included, not retries: \
                         write `attempts = N` for N - 1 retries"
                    .to_string(),
            })
        }
        "max_attempts" | "tries" | "max_tries" | "times" => "attempts",
        "base_delay" | "initial_delay" | "min_delay" | "interval" | "initial_interval" => "delay",
        "max_backoff" | "max_interval" | "cap" => "max_delay",
        "deadline" | "max_elapsed_time" | "total_timeout" => "timeout",
        "per_attempt_timeout" | "timeout_per_attempt" => "attempt_timeout",
        "retry_if" | "retry_when" | "condition" | "predicate" | "filter" => "when",
        "notify" | "on_error" | "before_retry" | "on_failure" => "on_retry",
        _ => return None,
    };
    let value = match &arg.value {
        Some(value @ (Expr::Lit(_) | Expr::Path(_))) => value.to_token_stream().to_string(),
        _ => "...".to_string(),
    };
    Some(format!(
        "the key for this is `{instead}`: write `{instead} = {value}`"
    ))
}

fn read_choice(
    key: &str,
    value: &Expr,
    choices: &[(&str, &'static str)],
    errors: &mut Errors,
) -> Option<&'static str> {
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    let (text, span) = match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => (s.value(), s.span()),
        Expr::Path(p) if p.path.get_ident().is_some() => {
            (p.path.segments[0].ident.to_string(), p.span())
        }
        _ => {
            errors.push(syn::Error::new_spanned(
                value,
                format!(
                    "`{key}` takes one of {}, as in `{key} = \"{}\"`",
                    list(&names, "or"),
                    names[0]
                ),
            ));
            return None;
        }
    };
    if let Some((_, variant)) = choices.iter().find(|(n, _)| *n == text) {
        return Some(variant);
    }
    errors.at(
        span,
        format!(
            "unknown {key} `{text}`: write one of {}{}",
            list(&names, "or"),
            did_you_mean(&text, &names),
        ),
    );
    None
}
