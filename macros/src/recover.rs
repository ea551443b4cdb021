//! `#[recover]`: a panic in the function becomes its `Err`, its default, or a fallback.
//!
//! Input → output, sync:
//!
//! ```text
//! #[recover]
//! fn parse(src: &str) -> Result<Ast, Error> { body }
//! // becomes
//! fn parse(src: &str) -> Result<Ast, Error> {
//!     match catch_quietly(|| -> Result<Ast, Error> { body }) {
//!         Ok(value) => value,
//!         Err(caught) => Err(panic_into(caught)),      // E: From<Panic>, out of line
//!     }
//! }
//! ```
//!
//! `async fn`: `catch_async_quietly(async { body }).await` (the block opened by a fake
//! return edge of type `Ret`, see `retry::async_attempt`), which catches a panic in any
//! poll. `default` falls back to `panic_default(caught)`, and `with = f` to
//! `panic_with(f, caught)`. `catch_quietly` is `Panic::catch` with the panic kept as its
//! payload until a fallback needs it, so that a call that does not panic moves no more
//! than `catch_unwind` would.
//!
//! Stacking with `#[retry]` is `crate::stack`'s: this module knows nothing of retries.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Expr, Type};

use crate::attr::{parse_args, Arg, Errors};
use crate::func::{
    certainly_not_result, first_last, mentions_impl_trait, parenthesized, return_type,
    split_inner_attributes, Function,
};

const OPTIONS: &[&str] = &["default", "with"];

/// What a caught panic becomes.
pub(crate) enum Mode {
    /// `Err(E::from(panic))`.
    Err,
    /// `T::default()`, spanned on the word `default`.
    Default(Span),
    /// `fallback(panic)`.
    With(Box<Expr>),
}

/// The rules for the function under `#[recover]`: a `Result` for the bare form (after a
/// wrong option, `mode` is only a guess, so the return type is not checked against it),
/// and no `const fn`.
pub(crate) fn check(func: &Function, mode: &Mode, errors: &mut Errors) {
    if errors.is_empty() && matches!(mode, Mode::Err) {
        check_returns_result(func, errors);
    }
    if let Some(constness) = &func.sig.constness {
        errors.at(
            constness.span,
            "`#[recover]` cannot go on a `const fn`: catching a panic happens at run time",
        );
    }
}

// Input:  `fn parse(src: &str) -> Result<Ast, Error> { #![allow(x)] body }`
// Output: `fn parse(src: &str) -> Result<Ast, Error> { #![allow(x)] match catch(..) { .. } }`
/// The function with its body wrapped by [`wrap_body`].
pub(crate) fn expand(mode: &Mode, func: &Function) -> TokenStream {
    let ret = return_type(&func.sig).cloned();
    // Inner attributes (`#![allow(...)]`) stay first in the function's body.
    let (inner_attrs, body) = split_inner_attributes(&func.body);
    let wrapped = wrap_body(mode, func.sig.asyncness.is_some(), ret.as_ref(), &body);
    let Function {
        attrs, vis, sig, ..
    } = func;
    quote! {
        #(#attrs)*
        #vis #sig { #inner_attrs #wrapped }
    }
}

/// Reads `()`, `(default)` or `(with = f)`.
pub(crate) fn parse_mode(args: TokenStream, errors: &mut Errors) -> Mode {
    let args = parse_args(args, OPTIONS, "recover", errors);
    let mut mode = Mode::Err;
    let mut chosen: Option<syn::Ident> = None;
    for Arg { key, value } in args {
        if let Some(first) = &chosen {
            errors.at(
                key.span(),
                format!(
                    "`{first}` and `{key}` cannot be combined: keep `default` to return \
                     `T::default()` after a panic, or `with = fallback` to return \
                     `fallback(panic)`"
                ),
            );
            continue;
        }
        chosen = Some(key.clone());
        match (key.to_string().as_str(), value) {
            ("default", None) => mode = Mode::Default(key.span()),
            ("default", Some(value)) => {
                // A literal is shown as written; anything longer as `...`.
                let (shown, that) = match &value {
                    Expr::Lit(lit) => {
                        let lit = lit.to_token_stream().to_string();
                        (lit.clone(), format!("`{lit}`"))
                    }
                    _ => ("...".to_owned(), "that value".to_owned()),
                };
                errors.push(syn::Error::new_spanned(
                    &value,
                    format!(
                        "`default` takes no value: write `#[recover(default)]` to return \
                         `T::default()`, or `#[recover(with = |_| {shown})]` to return {that}"
                    ),
                ))
            }
            (_, None) => errors.at(
                key.span(),
                "`with` needs a function or closure: write `#[recover(with = fallback)]`, \
                 where `fallback` is `Fn(steadfast::Panic) -> T`",
            ),
            (_, Some(value)) => {
                if matches!(value, Expr::Path(_) | Expr::Closure(_)) {
                    mode = Mode::With(Box::new(value));
                } else {
                    errors.push(syn::Error::new_spanned(
                        value,
                        "`with` takes a function path or a closure, `Fn(steadfast::Panic) -> T`: \
                         as in `with = fallback` or `with = |panic| ...`",
                    ));
                }
            }
        }
    }
    mode
}

fn check_returns_result(func: &Function, errors: &mut Errors) {
    let sig = &func.sig;
    match return_type(sig) {
        None => errors.at(
            sig.paren_token.span.close(),
            format!(
                "`#[recover]` returns a panic as `Err`, but `{}` returns nothing: return \
                 `Result<T, E>` with `E: From<steadfast::Panic>`, or write \
                 `#[recover(default)]` or `#[recover(with = fallback)]`",
                sig.ident
            ),
        ),
        Some(ty) => {
            if let Some(shown) = certainly_not_result(ty) {
                errors.push(syn::Error::new_spanned(
                    ty,
                    format!(
                        "`#[recover]` returns a panic as `Err`, but `{shown}` is not a `Result`: \
                         write `#[recover(default)]` to return `{shown}::default()`, or \
                         `#[recover(with = fallback)]`"
                    ),
                ));
            }
        }
    }
}

/// The body, as a block that catches a panic and returns what `mode` says instead.
pub(crate) fn wrap_body(
    mode: &Mode,
    is_async: bool,
    ret: Option<&Type>,
    body: &TokenStream,
) -> TokenStream {
    let site = Span::mixed_site();
    let ret = ret.filter(|ty| !mentions_impl_trait(ty));
    // Each helper call is spanned, whole, on what the user wrote that it checks (the return
    // type, the fallback), so that rustc reports an unmet bound there rather than on the
    // attribute (see `first_last`).
    let panic = quote_spanned!(site=> panic);
    let on_panic = match mode {
        Mode::Err => {
            let (first, last) = first_last(ret.map(ToTokens::to_token_stream));
            let into = quote_spanned!(first=> ::steadfast::__private::panic_into);
            let call = parenthesized(last, &panic);
            quote_spanned!(site=> ::core::result::Result::Err(#into #call))
        }
        // On the return type that lacks `Default`; on the word `default` if it is unnamed.
        Mode::Default(span) => {
            let at = ret.map_or_else(
                || quote_spanned!(*span=> default),
                ToTokens::to_token_stream,
            );
            let (first, last) = first_last(Some(at));
            let default = quote_spanned!(first=> ::steadfast::__private::panic_default);
            let call = parenthesized(last, &panic);
            quote!(#default #call)
        }
        // `R` is the return type where it can be named, so that a fallback returning another
        // type is reported as such, on the fallback.
        Mode::With(fallback) => {
            let (first, last) = first_last(Some(fallback.to_token_stream()));
            let with = quote_spanned!(first=> ::steadfast::__private::panic_with);
            let turbofish = ret.map(|ty| quote_spanned!(first=> ::<#ty, _>));
            let call = parenthesized(last, &quote!(#fallback, #panic));
            quote!(#with #turbofish #call)
        }
    };
    let caught = if is_async {
        let attempt = crate::func::async_attempt(ret, body);
        quote_spanned! {site=>
            ::steadfast::__private::catch_async_quietly(#attempt).await
        }
    } else {
        let closure_ret = ret.map(|ty| quote!(-> #ty));
        quote_spanned! {site=>
            ::steadfast::__private::catch_quietly(|| #closure_ret { #body })
        }
    };
    quote_spanned! {site=>
        {
            #[cfg(panic = "abort")]
            #[allow(clippy::let_unit_value)]
            let () = ::steadfast::__private::recover_under_panic_abort();
            match #caught {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(panic) => #on_panic,
            }
        }
    }
}
