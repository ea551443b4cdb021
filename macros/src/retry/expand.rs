//! Expand: a checked [`Policy`] and the function become the function over the runtime's
//! drivers. Everything the runtime can do is left to it; this writes only the policy, the
//! per-attempt rebinding of arguments, and the body as an attempt.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::Type;

use super::validate::Policy;
use crate::args::{rebinds, ArgUse};
use crate::func::{
    async_attempt, mentions_impl_trait, parenthesized, return_type, split_inner_attributes,
    without_invisible_group, Function,
};

/// `Retry::new().attempts(3)...when(when_fn::<R, _, _>(is_transient))`.
fn policy_expr(policy: &Policy, result_type: &TokenStream) -> TokenStream {
    let settings = &policy.settings;
    let hooks = policy.hooks.iter().map(|hook| {
        let method = syn::Ident::new(hook.method, hook.value.span());
        let wrapper = syn::Ident::new(hook.wrapper, hook.value.span());
        let value = &hook.value;
        quote_spanned! {value.span()=>
            .#method(::steadfast::__private::#wrapper::<#result_type, _, _>(#value))
        }
    });
    quote_spanned! {Span::mixed_site()=>
        ::steadfast::__private::Retry::new() #(#settings)* #(#hooks)*
    }
}

/// The spans of the return type's first and last tokens, as the user wrote them (their
/// hygiene too, so that rustc takes an error there for the one `must_return_result` gives).
fn returns(ret: Option<&Type>) -> (Span, Span) {
    let mut spans = ret
        .into_iter()
        .flat_map(|ret| ret.to_token_stream())
        .map(|tt| tt.span());
    let first = spans.next().unwrap_or_else(Span::mixed_site);
    (first, spans.last().unwrap_or(first))
}

// Input:  `-> Fallible<u32>`, `run_sync`, `(policy, ..)`
// Output: `Returns::<Fallible<u32>>::run_sync(policy, ..)`, the path spanned on `Fallible`
//         and the parentheses on `>`: for rustc the call is then spanned on the return
//         type, where an unmet bound of the driver is the same error as
//         `must_return_result`'s, so it is reported once.
fn call_driver(ret: Option<&Type>, method: &str, args: TokenStream) -> TokenStream {
    let (first, last) = returns(ret);
    let result_type = result_type(ret);
    let method = syn::Ident::new(method, first);
    let call = parenthesized(last, &args);
    quote_spanned!(first=> ::steadfast::__private::Returns::<#result_type>::#method #call)
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

/// How `tracing` events write the error: by `Display`, else `Debug`, else its type's name
/// (the runtime's `describer!` picks by autoref specialization where `E` can be named).
fn describer(result: Option<&TokenStream>) -> TokenStream {
    match result {
        Some(result) => {
            quote_spanned!(Span::mixed_site()=> ::steadfast::__private::describer!(#result))
        }
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
    let Type::Path(path) = without_invisible_group(ret) else {
        return None;
    };
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

/// What both expansions share: the return type's forms and the policy's pieces.
struct Parts {
    /// The return type, where it can be named (not `impl Trait`).
    ret: Option<Type>,
    /// `must_return_result::<R>();`, where `R` can be named.
    check: TokenStream,
    /// `Retry::new()...`.
    policy: TokenStream,
    /// `E::from(Timeout)` or `no_timeout`.
    into_error: TokenStream,
    /// How `tracing` events write `E`.
    describer: TokenStream,
}

impl Parts {
    fn new(func: &Function, policy: &Policy) -> Parts {
        let ret = return_type(&func.sig).filter(|ty| !mentions_impl_trait(ty));
        let nameable = nameable_result(return_type(&func.sig));
        Parts {
            ret: ret.cloned(),
            check: result_check(ret),
            policy: policy_expr(policy, &hook_result_type(nameable.as_ref())),
            into_error: into_error(policy),
            describer: describer(nameable.as_ref()),
        }
    }
}

// Input:
//     #[retry(attempts = 3, delay = "50ms")]
//     fn fetch(url: String, pool: &Pool) -> Result<Body, Error> { body }
// Output:
//     fn fetch(url: String, pool: &Pool) -> Result<Body, Error> {
//         must_return_result::<Result<Body, Error>>();
//         let policy = Retry::new().attempts(3).delay(Duration::from_nanos(50000000));
//         Returns::<Result<Body, Error>>::run_sync(&policy, no_timeout, describer!(..), || -> Result<Body, Error> {
//             let url: String = clone_arg(&url);   // a fresh clone per attempt
//             body                                 // `return` and `?` end one attempt
//         })
//     }
pub(crate) fn synchronous(func: &Function, policy: &Policy, args: &[ArgUse]) -> TokenStream {
    let policy_number = policy.attempt_number.clone();
    let Function {
        attrs,
        vis,
        sig,
        body,
    } = func;
    let Parts {
        ret,
        check,
        policy,
        into_error,
        describer,
    } = Parts::new(func, policy);
    let closure_ret = return_type(sig)
        .filter(|ty| !mentions_impl_trait(ty))
        .map(|ty| quote!(-> #ty));
    let rebinds = rebinds(args);
    let (inner_attrs, body) = split_inner_attributes(body);
    let site = Span::mixed_site();
    let policy_var = syn::Ident::new("__steadfast_policy", site);
    // `attempt_number = n` names the closure's argument; without it, `_`.
    let number = match &policy_number {
        Some(name) => quote!(#name),
        None => quote_spanned!(site=> _),
    };
    let run = call_driver(
        ret.as_ref(),
        "run_sync",
        quote_spanned!(site=> &#policy_var, #into_error, #describer, |#number: u32| #closure_ret { #rebinds #body }),
    );
    quote_spanned! {site=>
        #(#attrs)*
        #vis #sig {
            #inner_attrs
            #check
            let #policy_var = #policy;
            #run
        }
    }
}

// Input:
//     #[retry(attempts = 3, timeout = "2s")]
//     async fn call(&mut self, req: Request) -> Result<Response, Error> { body }
// Output:
//     async fn call(&mut self, req: Request) -> Result<Response, Error> {
//         must_return_result::<Result<Response, Error>>();
//         let mut driver = Returns::<Result<Response, Error>>::driver(
//             || Retry::new().timeout(Duration::from_nanos(2000000000)).attempts(3),
//             |timeout| timeout_error(timeout),
//             describer!(Result<Response, Error>),
//         );
//         loop {
//             if let Some(done) = driver.step(async {
//                 let req: Request = clone_arg(&req);
//                 body                             // may borrow `self` mutably
//             }, |output| into_result(output)).await {
//                 return from_result(done);
//             }
//         }
//     }
// Without `timeout` and `attempt_timeout` nothing races an attempt, so the loop awaits it
// itself and the runtime decides what follows:
//         loop {
//             let delay = match driver.after(into_result(async { .. }.await)) {
//                 Flow::Done(done) => return from_result(done),
//                 Flow::Sleep(delay) => delay,
//             };
//             driver.sleep(delay).await;
//         }
pub(crate) fn asynchronous(func: &Function, policy: &Policy, args: &[ArgUse]) -> TokenStream {
    let policy_number = policy.attempt_number.clone();
    let has_deadline = policy.deadline_key.is_some();
    let timer = policy.timer.clone();
    let Function {
        attrs,
        vis,
        sig,
        body,
    } = func;
    let Parts {
        ret,
        check,
        policy,
        into_error,
        describer,
    } = Parts::new(func, policy);
    let rebinds = rebinds(args);
    let (inner_attrs, body) = split_inner_attributes(body);
    let attempt = async_attempt(return_type(sig), &quote!(#rebinds #body));
    let site = Span::mixed_site();
    let driver = syn::Ident::new("__steadfast_driver", site);
    let done = syn::Ident::new("__steadfast_done", site);
    let delay = syn::Ident::new("__steadfast_delay", site);
    // `attempt_number = n`: `let n: u32 = driver.next_attempt();` before each attempt.
    let number =
        policy_number.map(|name| quote_spanned!(site=> let #name: u32 = #driver.next_attempt();));
    // The attempt's output as a `Result` (an identity for `Result` itself), and the call's
    // result as the function's type: `R` named where the user wrote it, so that an `R` that is not a
    // `Result` is reported once, there.
    let result_type = result_type(ret.as_ref());
    let into_result = quote_spanned! {site=>
        |output| ::steadfast::__private::into_result::<#result_type, _, _>(output)
    };
    let from_result =
        quote_spanned!(site=> ::steadfast::__private::from_result::<#result_type, _, _>);
    // Without deadlines nothing races the attempt: it is awaited here, in the function's own
    // state machine, and the runtime decides what follows (`after`); with them, the
    // runtime's `step` runs the attempt against its limit.
    let next = if has_deadline {
        quote_spanned! {site=>
            if let ::core::option::Option::Some(#done) = #driver.step(#attempt, #into_result).await {
                return #from_result(#done);
            }
        }
    } else {
        quote_spanned! {site=>
            let #delay = match #driver.after(::steadfast::__private::into_result::<#result_type, _, _>(#attempt.await)) {
                ::steadfast::__private::Flow::Done(#done) => return #from_result(#done),
                ::steadfast::__private::Flow::Sleep(#delay) => #delay,
            };
            #driver.sleep(#delay).await;
        }
    };
    // The timer: the one named (spanned on its path), or the default, which needs a timer
    // feature of steadfast; its absence is one error, on the attribute.
    let (timer, require_timer) = match timer {
        Some(path) => {
            let at = path.span();
            (
                quote_spanned! {site=> {
                    #[allow(unused_imports)]
                    use ::steadfast::__private::{ProbeNoTimer as _, ProbeTimer as _};
                    (&::steadfast::__private::TimerProbe::<#path>(::core::marker::PhantomData)).timer()
                }},
                quote_spanned!(at=> ::steadfast::__private::require_timer::<#path>();),
            )
        }
        None => {
            let at = Span::call_site();
            (
                quote_spanned!(site=> ::core::marker::PhantomData::<::steadfast::__private::DefaultTimer>),
                quote_spanned! {at=>
                    ::steadfast::__private::require_timer_feature::<::steadfast::__private::DefaultTimer>();
                },
            )
        }
    };
    let new_driver = call_driver(
        ret.as_ref(),
        "driver",
        quote_spanned!(site=> #timer, || #policy, #into_error, #describer),
    );
    quote_spanned! {site=>
        #(#attrs)*
        #vis #sig {
            #inner_attrs
            #check
            #require_timer
            let mut #driver = #new_driver;
            loop {
                #number
                #next
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Delimiter, Group};

    use super::*;

    /// `-> $t` with `$t` = `Result<impl Display, E>`, from a `macro_rules!`: its `E` is named
    /// for the hooks and the `tracing` events all the same.
    #[test]
    fn names_the_error_of_a_return_type_made_of_a_fragment() {
        let fragment = Group::new(Delimiter::None, quote!(Result<impl Display, E>));
        let ret: Type = syn::parse2(fragment.to_token_stream()).expect("a type");
        let named = nameable_result(Some(&ret)).expect("a nameable result");
        assert_eq!(
            named.to_string(),
            quote!(::core::result::Result<(), E>).to_string()
        );
    }
}
