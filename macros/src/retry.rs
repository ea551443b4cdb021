//! `#[retry(...)]`: read the keys, check the function, expand into the runtime's policy.
//!
//! Input → output, sync:
//!
//! ```text
//! #[retry(attempts = 3, delay = "50ms")]
//! fn fetch(url: String, pool: &Pool) -> Result<Body, Error> { body }
//! // becomes
//! fn fetch(__steadfast_arg_0: String, pool: &Pool) -> Result<Body, Error> {
//!     let policy = Retry::new().attempts(3).delay(Duration::from_nanos(50_000_000));
//!     policy.run(|| -> Result<Body, Error> {
//!         let url = clone_arg(&__steadfast_arg_0);   // a fresh clone per attempt
//!         body                                       // `return` and `?` end one attempt
//!     })
//! }
//! ```
//!
//! Async: the same policy, driven by a loop so that the body may borrow `&mut self`:
//!
//! ```text
//! async fn call(&mut self) -> Result<R, E> {
//!     let policy = || Retry::new()...;               // zero-sized unless a hook captures
//!     let mut progress = policy().start::<_, TokioClock>();
//!     loop {
//!         let limit = match policy().begin_attempt(&mut progress) { Ok(l) => l, Err(e) => return Err(e) };
//!         let outcome = Ok(async { body }.await);    // or `within(limit, async { body }).await`
//!         let (delay, then_fail) = match policy().next(&mut progress, outcome) {
//!             Flow::Done(result) => return result,
//!             Flow::Sleep(delay) => (delay, None),
//!             Flow::SleepThenFail(delay, error) => (delay, Some(error)),
//!         };
//!         sleep(delay).await;                        // nothing of the attempt is held here
//!         if let Some(error) = then_fail { return Err(error) }
//!     }
//! }
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, Lit, Type};

use crate::attr::{list, parse_args, Arg, Errors};
use crate::duration::{parse_duration, DurationValue};
use crate::func::{
    certainly_not_result, describe_item, mentions_impl_trait, return_type, split_args, ArgUse,
    Function,
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
    let mut func = match syn::parse2::<Function>(item.clone()) {
        Ok(func) => func,
        Err(error) => {
            match describe_item(&item) {
                Some((what, span)) => errors.at(
                    span,
                    format!(
                        "`#[retry]` goes on a function that returns `Result`, not on {what}: \
                         put it on a `fn` or `async fn`"
                    ),
                ),
                None => errors.push(error),
            }
            return fallback(errors, item);
        }
    };
    let is_async = func.sig.asyncness.is_some();
    let policy = read_policy(args, is_async, &mut errors);
    check_signature(&func, &mut errors);
    if !errors.is_empty() {
        return fallback(errors, item);
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
    if !errors.is_empty() {
        return fallback(errors, item);
    }
    if is_async {
        expand_async(&func, &policy, &arg_uses)
    } else {
        expand_sync(&func, &policy, &arg_uses)
    }
}

/// On error: the errors, and the item as it was, so that the rest of the crate still
/// type-checks and the IDE keeps working.
fn fallback(errors: Errors, item: TokenStream) -> TokenStream {
    let errors = errors.into_compile_errors();
    quote! { #errors #item }
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
    let args = parse_args(args, KEYS, "retry", errors);
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
                _ => "delay = \"100ms\"",
            };
            let example = example.replacen("delay", &name, usize::from(name.ends_with("delay")));
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
                    list(&names),
                    names[0]
                ),
            ));
            return None;
        }
    };
    if let Some((_, variant)) = choices.iter().find(|(n, _)| *n == text) {
        return Some(variant);
    }
    let hint = did_you_mean(&text, &names);
    errors.at(
        span,
        format!(
            "unknown {key} `{text}`{hint}; write one of {}",
            list(&names)
        ),
    );
    None
}

/// `Retry::new().attempts(3)...when(when_fn::<E, _>(is_transient))`.
fn policy_expr(policy: &Policy, error_type: Option<&TokenStream>) -> TokenStream {
    let settings = &policy.settings;
    let hooks = policy.hooks.iter().map(|(method, wrapper, expr)| {
        let method = syn::Ident::new(method, expr.span());
        let wrapper = syn::Ident::new(wrapper, expr.span());
        let error_type = error_type.map_or_else(|| quote!(_), Clone::clone);
        quote_spanned! {expr.span()=>
            .#method(::steadfast::__private::#wrapper::<#error_type, _>(#expr))
        }
    });
    quote_spanned! {Span::mixed_site()=>
        ::steadfast::__private::Retry::new() #(#settings)* #(#hooks)*
    }
}

/// `<Ret as IsResult>::Err`, when the return type can be written inside the body.
fn error_type(ret: Option<&Type>) -> Option<TokenStream> {
    let ret = ret.filter(|ty| !mentions_impl_trait(ty))?;
    Some(quote_spanned!(ret.span()=> <#ret as ::steadfast::__private::IsResult>::Err))
}

/// What each attempt binds before the body: fresh clones and re-borrows.
fn rebinds(arg_uses: &[ArgUse]) -> TokenStream {
    arg_uses
        .iter()
        .map(|arg| match arg {
            ArgUse::Cloned { pat, ty, renamed } => {
                // Spanned on the argument's type, so "not `Clone`" points there.
                let site = Span::mixed_site().located_at(ty.span());
                let renamed = syn::Ident::new(&renamed.to_string(), site);
                quote_spanned! {site=>
                    let #pat: #ty = ::steadfast::__private::clone_arg(&#renamed);
                }
            }
            ArgUse::Reborrowed(id) => {
                let ident = &id.ident;
                let mutability = &id.mutability;
                quote!(let #mutability #ident = &mut *#ident;)
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

/// How the expansion turns a deadline into `E`: `timeout_error`, spanned on the
/// `timeout`/`attempt_timeout` key, so that an error type without `From<Timeout>` is
/// reported there, once, with what to write. (`E` is inferred, so this works for any
/// return type, `impl Trait` included.)
/// How `tracing` events write the error: by `Display`, else `Debug`, else its type's name,
/// chosen by autoref specialization where the error type can be named.
fn describer(error_type: Option<&TokenStream>) -> TokenStream {
    match error_type {
        Some(error_type) => quote_spanned! {Span::mixed_site()=>
            {
                #[allow(unused_imports)]
                use ::steadfast::__private::{ProbeDebug as _, ProbeDisplay as _, ProbeTypeName as _};
                (&&&::steadfast::__private::Probe::<#error_type>::new()).describer()
            }
        },
        None => quote_spanned!(Span::mixed_site()=> ::steadfast::__private::TypeNameOnly),
    }
}

fn into_error(policy: &Policy) -> TokenStream {
    match &policy.deadline_key {
        Some(key) => {
            let site = Span::mixed_site().located_at(key.span());
            quote_spanned!(site=> ::steadfast::__private::timeout_error)
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
    let error_type = error_type(ret);
    let policy_expr = policy_expr(policy, error_type.as_ref());
    let check = result_check(ret);
    let closure_ret = ret.map(|ty| quote!(-> #ty));
    let rebinds = rebinds(arg_uses);
    let policy_var = syn::Ident::new("__steadfast_policy", Span::mixed_site());
    let body_inner = body.stream();
    let attempt = quote_spanned! {Span::mixed_site()=>
        || #closure_ret {
            #rebinds
            #body_inner
        }
    };
    let into_error = into_error(policy);
    let describer = describer(error_type.as_ref());
    let site = Span::mixed_site();
    let run = quote_spanned! {site=>
        #policy_var.run_driven::<::steadfast::__private::StdClock, _, _, _, _, _>(
            #into_error,
            #describer,
            #attempt,
        )
    };
    quote_spanned! {site=>
        #(#attrs)*
        #vis #sig {
            #check
            let #policy_var = #policy_expr;
            #run
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
    let error_type = error_type(ret);
    let policy_expr = policy_expr(policy, error_type.as_ref());
    let check = result_check(ret);
    let rebinds = rebinds(arg_uses);
    let site = Span::mixed_site();
    let policy_var = syn::Ident::new("__steadfast_policy", site);
    let progress = syn::Ident::new("__steadfast_progress", site);
    let limit = syn::Ident::new("__steadfast_limit", site);
    let outcome = syn::Ident::new("__steadfast_outcome", site);
    let outcome_type =
        ret.map(|ty| quote!(: ::core::result::Result<#ty, ::steadfast::__private::AttemptLimit>));
    let into_error = into_error(policy);
    let describer = describer(error_type.as_ref());
    let start = quote_spanned! {site=>
        start_with::<_, ::steadfast::__private::TokioClock, _, _>(#into_error, #describer)
    };
    let attempt = if policy.deadline_key.is_some() {
        quote!(::steadfast::__private::within(#limit, async #body).await)
    } else {
        quote!(::core::result::Result::Ok(async #body.await))
    };
    quote_spanned! {site=>
        #(#attrs)*
        #vis #sig {
            #check
            let #policy_var = || #policy_expr;
            let mut #progress = #policy_var().#start;
            loop {
                let #limit = match #policy_var().begin_attempt(&mut #progress) {
                    ::core::result::Result::Ok(limit) => limit,
                    ::core::result::Result::Err(error) => return ::core::result::Result::Err(error),
                };
                let #outcome #outcome_type = {
                    #rebinds
                    #attempt
                };
                // Taken apart before the sleep, so that no `T` lives across the await.
                let (delay, then_fail) = match #policy_var().next(&mut #progress, #outcome) {
                    ::steadfast::__private::Flow::Done(result) => return result,
                    ::steadfast::__private::Flow::Sleep(delay) => (delay, ::core::option::Option::None),
                    ::steadfast::__private::Flow::SleepThenFail(delay, error) => {
                        (delay, ::core::option::Option::Some(error))
                    }
                };
                ::steadfast::__private::sleep(delay).await;
                if let ::core::option::Option::Some(error) = then_fail {
                    return ::core::result::Result::Err(error);
                }
            }
        }
    }
}
