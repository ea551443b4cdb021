//! `#[retry(...)]`: read the keys, check the function, expand into the runtime's policy.
//!
//! Input → output, sync:
//!
//! ```text
//! #[retry(attempts = 3, delay = "50ms", when = is_transient)]
//! fn fetch(url: String, pool: &Pool) -> Result<Body, Error> { body }
//! // becomes
//! fn fetch(__steadfast_arg_0: String, pool: &Pool) -> Result<Body, Error> {
//!     must_return_result::<Result<Body, Error>>();
//!     let policy = Retry::new().attempts(3).delay(Duration::from_nanos(50_000_000))
//!         .when(when_fn::<Result<Body, Error>, _, _>(is_transient));
//!     run_sync::<Result<Body, Error>, ...>(&policy, no_timeout, describer, || -> Result<Body, Error> {
//!         let url = clone_arg(&__steadfast_arg_0);   // a fresh clone per attempt
//!         body                                       // `return` and `?` end one attempt
//!     })
//! }
//! ```
//!
//! Every helper that depends on the return type takes it, as the user wrote it, for its
//! first type parameter `R: IsResult`: a return type that is not a `Result` behind an alias
//! is then one error, at the return type, and a hook of the wrong type one error, on the
//! hook (see `steadfast::__private::Hook`).
//!
//! Async: the same policy, driven by a loop so that the body may borrow `&mut self`:
//!
//! ```text
//! async fn call(&mut self) -> Result<R, E> {
//!     let policy = || Retry::new()...;               // zero-sized unless a hook captures
//!     let mut progress = policy().start::<_, TokioClock>();
//!     loop {
//!         let limit = match policy().begin_attempt(&mut progress) { Ok(l) => l, Err(e) => return Err(e) };
//!         let outcome = Ok(async { body }.await);    // or `tokio::time::timeout(limit, ...)`
//!         let outcome = outcome.map(|r| into_result::<Result<R, E>, _, _>(r)); // identities
//!         let (delay, then_fail) = match policy().next(&mut progress, outcome) {
//!             Flow::Done(result) => return from_result::<Result<R, E>, _, _>(result),
//!             Flow::Sleep(delay) => (delay, None),
//!             Flow::SleepThenFail(delay, error) => (delay, Some(error)),
//!         };
//!         if !delay.is_zero() { sleep(delay).await } // nothing of the attempt is held here
//!         if let Some(error) = then_fail { return Err(error) }
//!     }
//! }
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, Lit, Type};

use crate::attr::{list, parse_args_with_hints, Arg, Errors};
use crate::duration::{parse_duration, DurationValue};
use crate::func::{
    certainly_not_result, mentions_impl_trait, parse_function, return_type, split_args,
    split_inner_attributes, with_errors, ArgUse, Function,
};
use crate::suggest::did_you_mean;

const KEYS: &[&str] = &[
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
];
const BACKOFFS: &[(&str, &str)] = &[
    ("exp", "Exponential"),
    ("linear", "Linear"),
    ("fixed", "Fixed"),
    ("none", "None"),
];
const JITTERS: &[(&str, &str)] = &[
    ("full", "Full"),
    ("equal", "Equal"),
    ("decorrelated", "Decorrelated"),
    ("none", "None"),
];

/// The policy the keys describe, as the builder calls that make it.
struct Policy {
    /// `.attempts(3)`, `.delay(...)`, ...: everything but the hooks.
    settings: Vec<TokenStream>,
    /// `when`, `on_retry`, `retry_after`, in that order, with the runtime's wrapper name.
    hooks: Vec<(&'static str, &'static str, Expr)>,
    /// The `timeout` or `attempt_timeout` key, where an error type without
    /// `From<Timeout>` is reported.
    deadline_key: Option<syn::Ident>,
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let Some(mut func) = parse_function(
        &item,
        "`#[retry]` goes on a function that returns `Result`",
        &mut errors,
    ) else {
        // The keys are still checked, so that every mistake is reported at once.
        let _ = read_policy(args, true, &mut errors);
        return with_errors(errors, item);
    };
    let is_async = func.sig.asyncness.is_some();
    // `#[retry] #[recover]`: each attempt recovers, so a panic is retried like an error.
    if let Some((path, recover_args)) =
        crate::recover::take_attribute_with_path(&mut func.attrs, "recover")
    {
        let mode = crate::recover::parse_mode(recover_args, &mut errors);
        let ret = return_type(&func.sig).cloned();
        let (inner_attrs, body) = split_inner_attributes(&func.body);
        let wrapped = crate::recover::wrap_body(&mode, is_async, ret.as_ref(), &body);
        let import = crate::recover::import_marker(&path);
        func.body = proc_macro2::Group::new(
            proc_macro2::Delimiter::Brace,
            quote!(#inner_attrs #import #wrapped),
        );
    }
    let policy = read_policy(args, is_async, &mut errors);
    check_signature(&func, &mut errors);
    if !errors.is_empty() {
        return with_errors(errors, item);
    }
    let arg_uses = split_args(&mut func.sig);
    for arg in &arg_uses {
        if let ArgUse::SelfByValue(span) = arg {
            errors.at(
                *span,
                "`#[retry]` cannot give a by-value `self` to every attempt: take `&self` or \
                 `&mut self`",
            );
        }
    }
    check_hooks_use_no_owned_argument(&policy, &arg_uses, &mut errors);
    if !errors.is_empty() {
        return with_errors(errors, item);
    }
    if is_async {
        expand_async(&func, &policy, &arg_uses)
    } else {
        expand_sync(&func, &policy, &arg_uses)
    }
}

/// A hook runs between attempts, when every by-value argument has been moved into an
/// attempt: a hook that names one gets a clear error rather than "not found in this scope".
fn check_hooks_use_no_owned_argument(policy: &Policy, arg_uses: &[ArgUse], errors: &mut Errors) {
    let owned: Vec<&syn::Ident> = arg_uses
        .iter()
        .filter_map(|arg| match arg {
            ArgUse::Cloned { pat, .. } => match &**pat {
                syn::Pat::Ident(id) => Some(&id.ident),
                _ => None,
            },
            _ => None,
        })
        .collect();
    for (key, _, expr) in &policy.hooks {
        if let Some(used) = first_ident_in(expr.to_token_stream(), &owned) {
            errors.at(
                used.span(),
                format!(
                    "`{key}` cannot use `{used}`: a by-value argument is moved into each attempt, \
                     so a hook cannot reach it; take it by reference (`{used}: &T`) to use it here"
                ),
            );
        }
    }
}

fn first_ident_in(tokens: TokenStream, names: &[&syn::Ident]) -> Option<proc_macro2::Ident> {
    tokens.into_iter().find_map(|tt| match tt {
        proc_macro2::TokenTree::Ident(id) if names.iter().any(|n| **n == id) => Some(id),
        proc_macro2::TokenTree::Group(g) => first_ident_in(g.stream(), names),
        _ => None,
    })
}

fn check_signature(func: &Function, errors: &mut Errors) {
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

fn read_policy(args: TokenStream, is_async: bool, errors: &mut Errors) -> Policy {
    let mut policy = Policy {
        settings: Vec::new(),
        hooks: Vec::new(),
        deadline_key: None,
    };
    let args = parse_args_with_hints(args, KEYS, "retry", &key_from_elsewhere, errors);
    // Deadlines first: they change the policy's type, and the hooks after them may own data.
    let order = |arg: &Arg| KEYS.iter().position(|k| arg.key == k).unwrap_or(KEYS.len());
    let mut args = args;
    args.sort_by_key(|a| {
        let position = order(a);
        (
            !(a.key == "timeout" || a.key == "attempt_timeout"),
            position,
        )
    });
    for Arg { key, value } in args {
        let name = key.to_string();
        let Some(value) = value else {
            let example = match name.as_str() {
                "attempts" => "attempts = 3",
                "backoff" => "backoff = \"exp\"",
                "jitter" => "jitter = \"full\"",
                "when" => "when = is_transient",
                "on_retry" => "on_retry = log_retry",
                "retry_after" => "retry_after = server_hint",
                "max_delay" => "max_delay = \"30s\"",
                "timeout" => "timeout = \"10s\"",
                "attempt_timeout" => "attempt_timeout = \"500ms\"",
                _ => "delay = \"100ms\"",
            };
            errors.at(
                key.span(),
                format!("`{name}` needs a value: write `{example}`"),
            );
            continue;
        };
        match name.as_str() {
            "attempts" => {
                if let Some(tokens) = read_attempts(&value, errors) {
                    policy
                        .settings
                        .push(quote_spanned!(value.span()=> .attempts(#tokens)));
                }
            }
            "backoff" | "jitter" => {
                let (choices, kind) = if name == "backoff" {
                    (BACKOFFS, quote!(Backoff))
                } else {
                    (JITTERS, quote!(Jitter))
                };
                if let Some(variant) = read_choice(&name, &value, choices, errors) {
                    let method = syn::Ident::new(&name, key.span());
                    let variant = syn::Ident::new(variant, value.span());
                    policy
                        .settings
                        .push(quote!(.#method(::steadfast::__private::#kind::#variant)));
                }
            }
            "delay" | "max_delay" | "timeout" | "attempt_timeout" => {
                if name == "attempt_timeout" && !is_async {
                    errors.at(
                        key.span(),
                        "`attempt_timeout` needs an `async fn`: a running sync attempt cannot be \
                         interrupted; use `timeout`, which no attempt or sleep outlasts",
                    );
                    continue;
                }
                let duration = match parse_duration(&name, &value) {
                    Ok(DurationValue::Nanos(nanos)) => {
                        quote_spanned!(value.span()=> ::core::time::Duration::from_nanos(#nanos))
                    }
                    Ok(DurationValue::Expr(expr)) => expr.to_token_stream(),
                    Err(error) => {
                        errors.push(error);
                        continue;
                    }
                };
                if name.ends_with("timeout") && policy.deadline_key.is_none() {
                    policy.deadline_key = Some(key.clone());
                }
                let method = syn::Ident::new(&name, key.span());
                policy.settings.push(quote!(.#method(#duration)));
            }
            _ => {
                if matches!(value, Expr::Path(_) | Expr::Closure(_)) {
                    let wrapper = match name.as_str() {
                        "when" => "when_fn",
                        "on_retry" => "on_retry_fn",
                        _ => "retry_after_fn",
                    };
                    let method = KEYS.iter().find(|k| **k == name).copied().unwrap_or("when");
                    policy.hooks.push((method, wrapper, value));
                } else if let Some(path) = quoted_path(&value) {
                    errors.push(syn::Error::new_spanned(
                        &value,
                        format!("`{name}` takes the function itself: write `{name} = {path}`"),
                    ));
                } else {
                    let signature = match name.as_str() {
                        "when" => "`Fn(&E) -> bool`",
                        "on_retry" => "`Fn(&steadfast::Attempt<'_, E>)`",
                        _ => "`Fn(&E) -> Option<Duration>`",
                    };
                    errors.push(syn::Error::new_spanned(
                        &value,
                        format!(
                            "`{name}` takes a function path or a closure, {signature}: as in \
                             `{name} = my_fn` or `{name} = |e| ...`"
                        ),
                    ));
                }
            }
        }
    }
    policy
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
fn key_from_elsewhere(arg: &Arg) -> Option<String> {
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

/// `Retry::new().attempts(3)...when(when_fn::<Ret, _>(is_transient))`.
fn policy_expr(policy: &Policy, result_type: &TokenStream) -> TokenStream {
    let settings = &policy.settings;
    let hooks = policy.hooks.iter().map(|(method, wrapper, expr)| {
        let method = syn::Ident::new(method, expr.span());
        let wrapper = syn::Ident::new(wrapper, expr.span());
        quote_spanned! {expr.span()=>
            .#method(::steadfast::__private::#wrapper::<#result_type, _, _>(#expr))
        }
    });
    quote_spanned! {Span::mixed_site()=>
        ::steadfast::__private::Retry::new() #(#settings)* #(#hooks)*
    }
}

/// The return type `R` as the runtime's helpers take it: the user's own tokens, so that
/// rustc reports a return type that is not a `Result` (an alias the macro cannot see
/// through) at the return type, and once, however many helpers name it. With `impl Trait`
/// in it, which cannot be written in the body, `_`, inferred.
fn result_type(ret: Option<&Type>) -> TokenStream {
    match ret {
        Some(ret) => ret.to_token_stream(),
        None => quote_spanned!(Span::mixed_site()=> _),
    }
}

/// `R` for the hooks, which need only its `E`: with `impl Trait` in the return type,
/// `Result<(), _>`, whose `E` the hook's own type or the attempt's error decides.
fn hook_result_type(result: Option<&TokenStream>) -> TokenStream {
    match result {
        Some(result) => result.clone(),
        None => quote_spanned!(Span::mixed_site()=> ::core::result::Result<(), _>),
    }
}

/// What each attempt binds before the body: fresh clones and re-borrows.
fn rebinds(arg_uses: &[ArgUse]) -> TokenStream {
    arg_uses
        .iter()
        .map(|arg| match arg {
            ArgUse::Cloned {
                pat,
                ty,
                renamed,
                attrs,
            } => {
                // Spanned on the argument's type, so "not `Clone`" points there. An `impl
                // Trait` argument cannot be written as a local's type; it is inferred.
                let site = Span::mixed_site().located_at(ty.span());
                let renamed = syn::Ident::new(&renamed.to_string(), site);
                let annotation = (!mentions_impl_trait(ty)).then(|| quote!(: #ty));
                quote_spanned! {site=>
                    #(#attrs)*
                    let #pat #annotation = ::steadfast::__private::clone_arg(&#renamed);
                }
            }
            ArgUse::Reborrowed { ident, attrs } => {
                let mutability = &ident.mutability;
                let ident = &ident.ident;
                quote!(#(#attrs)* let #mutability #ident = &mut *#ident;)
            }
            ArgUse::Borrowed | ArgUse::SelfByValue(_) => TokenStream::new(),
        })
        .collect()
}

/// Asserts that the return type is a `Result`, spanned on it, when the macro could not tell
/// from the syntax (an alias such as `Fallible<T>`).
fn result_check(ret: Option<&Type>) -> TokenStream {
    match ret {
        Some(ret) => {
            let site = Span::mixed_site().located_at(ret.span());
            quote_spanned!(site=> ::steadfast::__private::must_return_result::<#ret>();)
        }
        None => TokenStream::new(),
    }
}

/// How `tracing` events write the error: by `Display`, else `Debug`, else its type's name,
/// chosen by autoref specialization where the error type can be named.
fn describer(result: Option<&TokenStream>) -> TokenStream {
    match result {
        Some(result) => quote_spanned! {Span::mixed_site()=>
            {
                #[allow(unused_imports)]
                use ::steadfast::__private::{ProbeDebug as _, ProbeDisplay as _, ProbeTypeName as _};
                (&&&::steadfast::__private::probe::<#result, _>()).describer()
            }
        },
        None => quote_spanned!(Span::mixed_site()=> ::steadfast::__private::TypeNameOnly),
    }
}

/// The return type as far as the error type goes, written so it can stand inside the body:
/// itself, or for `Result<impl Trait, E>` a `Result<(), E>` that still names `E` (for the
/// hooks and the `tracing` describer, which look at the error only).
fn nameable_result(ret: Option<&Type>) -> Option<TokenStream> {
    let ret = ret?;
    if !mentions_impl_trait(ret) {
        return Some(ret.to_token_stream());
    }
    let Type::Path(path) = ret else { return None };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [_, error] if last.ident == "Result" && !mentions_impl_trait(error) => {
            Some(quote_spanned!(Span::mixed_site()=> ::core::result::Result<(), #error>))
        }
        _ => None,
    }
}

/// How the expansion turns a deadline into `E`: `timeout_error`, spanned on the
/// `timeout`/`attempt_timeout` key, so that an error type without `From<Timeout>` is
/// reported there, once, with what to write. (`E` is inferred, so this works for any
/// return type, `impl Trait` included.)
fn into_error(policy: &Policy) -> TokenStream {
    match &policy.deadline_key {
        // A closure, not the generic fn item: an fn item passed where `Fn(Timeout) -> E` is
        // expected has its bound checked a second time, at the call, in rustc's words.
        Some(key) => {
            let site = Span::mixed_site().located_at(key.span());
            quote_spanned!(site=> |timeout| ::steadfast::__private::timeout_error(timeout))
        }
        None => quote_spanned!(Span::mixed_site()=> ::steadfast::__private::no_timeout),
    }
}

fn expand_sync(func: &Function, policy: &Policy, arg_uses: &[ArgUse]) -> TokenStream {
    let Function {
        attrs,
        vis,
        sig,
        body,
    } = func;
    let ret = return_type(sig).filter(|ty| !mentions_impl_trait(ty));
    let nameable = nameable_result(return_type(sig));
    let result_type = result_type(ret);
    let policy_expr = policy_expr(policy, &hook_result_type(nameable.as_ref()));
    let check = result_check(ret);
    let closure_ret = ret.map(|ty| quote!(-> #ty));
    let rebinds = rebinds(arg_uses);
    let policy_var = syn::Ident::new("__steadfast_policy", Span::mixed_site());
    let (inner_attrs, body_inner) = split_inner_attributes(body);
    let attempt = quote_spanned! {Span::mixed_site()=>
        || #closure_ret {
            #rebinds
            #body_inner
        }
    };
    let into_error = into_error(policy);
    let describer = describer(nameable.as_ref());
    let site = Span::mixed_site();
    // `R` is named, not inferred: `E` comes from it rather than from a hook, and the
    // attempt returns `R` itself, so a return type that is not a `Result` is reported once.
    let run = quote_spanned! {site=>
        ::steadfast::__private::run_sync::<#result_type, _, _, ::steadfast::__private::StdClock, _, _, _, _, _, _, _>(
            &#policy_var,
            #into_error,
            #describer,
            #attempt,
        )
    };
    quote_spanned! {site=>
        #(#attrs)*
        #vis #sig {
            #inner_attrs
            #check
            let #policy_var = #policy_expr;
            #run
        }
    }
}

/// `async { body }` for one attempt, opened by a "fake return edge" (as tracing's
/// attribute does): a `return` of the declared type that never runs but is type-checked
/// first, so that the body's `return`s and tail coerce to that type (`Box<Concrete>` to
/// `Box<dyn Error>`, `&Vec<u8>` to `&[u8]`) as in a plain `async fn`.
pub(crate) fn async_attempt(ret: Option<&Type>, body: &TokenStream) -> TokenStream {
    let site = Span::mixed_site();
    let fake_return = ret.filter(|ty| !mentions_impl_trait(ty)).map(|ty| {
        let fake = syn::Ident::new("__steadfast_fake_return", site);
        quote_spanned! {site=>
            #[allow(unreachable_code, clippy::diverging_sub_expression)]
            if false {
                let #fake: #ty = loop {};
                return #fake;
            }
        }
    });
    quote_spanned! {site=>
        async {
            #fake_return
            #body
        }
    }
}

fn expand_async(func: &Function, policy: &Policy, arg_uses: &[ArgUse]) -> TokenStream {
    let Function {
        attrs,
        vis,
        sig,
        body,
    } = func;
    let ret = return_type(sig).filter(|ty| !mentions_impl_trait(ty));
    let nameable = nameable_result(return_type(sig));
    let result_type = result_type(ret);
    let policy_expr = policy_expr(policy, &hook_result_type(nameable.as_ref()));
    let check = result_check(ret);
    let rebinds = rebinds(arg_uses);
    let site = Span::mixed_site();
    let policy_var = syn::Ident::new("__steadfast_policy", site);
    let progress = syn::Ident::new("__steadfast_progress", site);
    let limit = syn::Ident::new("__steadfast_limit", site);
    let outcome = syn::Ident::new("__steadfast_outcome", site);
    let outcome_type =
        ret.map(|ty| quote!(: ::core::result::Result<#ty, ::steadfast::__private::LimitPassed>));
    let into_error = into_error(policy);
    let describer = describer(nameable.as_ref());
    let start = quote_spanned! {site=>
        start_with::<_, ::steadfast::__private::TokioClock, _, _>(#into_error, #describer)
    };
    // The function's type from the policy's `Result` (an identity for `Result` itself).
    let from_result =
        quote_spanned!(site=> ::steadfast::__private::from_result::<#result_type, _, _>);
    let (inner_attrs, body_inner) = split_inner_attributes(body);
    let body = async_attempt(return_type(sig), &body_inner);
    let attempt = if policy.deadline_key.is_some() {
        // Every attempt of a policy with a deadline has a limit; `tokio::time::timeout` is
        // a plain future holding the attempt and one `Sleep`, nothing more.
        quote! {
            match ::steadfast::__private::tokio_timeout(
                ::steadfast::__private::limit_or_forever(#limit),
                #body,
            )
            .await
            {
                ::core::result::Result::Ok(result) => ::core::result::Result::Ok(result),
                ::core::result::Result::Err(_) => {
                    ::core::result::Result::Err(::steadfast::__private::LimitPassed)
                }
            }
        }
    } else {
        quote!(::core::result::Result::Ok(#body.await))
    };
    quote_spanned! {site=>
        #(#attrs)*
        #vis #sig {
            #inner_attrs
            #check
            let #policy_var = || #policy_expr;
            let mut #progress = #policy_var().#start;
            loop {
                let #limit = match #policy_var().begin_attempt(&mut #progress) {
                    ::core::result::Result::Ok(limit) => limit,
                    ::core::result::Result::Err(error) => {
                        return #from_result(::core::result::Result::Err(error))
                    }
                };
                let #outcome #outcome_type = {
                    #rebinds
                    #attempt
                };
                // A closure, not the fn item: an fn item used as a value has its bounds
                // checked again where it is called, which would report them twice.
                let #outcome = ::core::result::Result::map(#outcome, |result| {
                    ::steadfast::__private::into_result::<#result_type, _, _>(result)
                });
                // Taken apart before the sleep, so that no `T` lives across the await.
                let (delay, then_fail) = match #policy_var().next(&mut #progress, #outcome) {
                    ::steadfast::__private::Flow::Done(result) => return #from_result(result),
                    ::steadfast::__private::Flow::Sleep(delay) => (delay, ::core::option::Option::None),
                    ::steadfast::__private::Flow::SleepThenFail(delay, error) => {
                        (delay, ::core::option::Option::Some(error))
                    }
                };
                if !::steadfast::__private::is_zero(delay) {
                    ::steadfast::__private::tokio_sleep(delay).await;
                }
                if let ::core::option::Option::Some(error) = then_fail {
                    return #from_result(::core::result::Result::Err(error));
                }
            }
        }
    }
}
