//! `#[recover]`: a panic in the function becomes its `Err`, its default, or a fallback.
//!
//! Input → output, sync:
//!
//! ```text
//! #[recover]
//! fn parse(src: &str) -> Result<Ast, Error> { body }
//! // becomes
//! fn parse(src: &str) -> Result<Ast, Error> {
//!     match Panic::catch(|| -> Result<Ast, Error> { body }) {
//!         Ok(value) => value,
//!         Err(panic) => Err(panic_into(panic)),        // E: From<Panic>
//!     }
//! }
//! ```
//!
//! `async fn`: `Panic::catch_async(async { body }).await` (the block opened by a fake
//! return edge of type `Ret`, see `retry::async_attempt`), which catches a panic in any poll. `default` falls back to `panic_default(panic)`, and
//! `with = f` to `panic_with(f, panic)`.
//!
//! Stacking: `#[retry] #[recover]` recovers inside each attempt (so panics are retried as
//! errors); `#[recover] #[retry]` recovers around the whole retried call (a panic ends it).
//! Whichever comes first takes the other attribute off the function and applies it itself.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Attribute, Expr, Meta, Type};

use crate::attr::{parse_args, Arg, Errors};
use crate::func::{
    certainly_not_result, mentions_impl_trait, parse_function, return_type, split_inner_attributes,
    with_errors, Function,
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

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let Some(mut func) = parse_function(&item, "`#[recover]` goes on a function", &mut errors)
    else {
        // The options are still checked, so that every mistake is reported at once.
        let _ = parse_mode(args, &mut errors);
        return with_errors(errors, item);
    };
    let mode = parse_mode(args, &mut errors);
    // After a wrong option, `mode` is only a guess: the return type is not checked against it.
    if errors.is_empty() && matches!(mode, Mode::Err) {
        check_returns_result(&func, &mut errors);
    }
    if let Some(constness) = &func.sig.constness {
        errors.at(
            constness.span,
            "`#[recover]` cannot go on a `const fn`: catching a panic happens at run time",
        );
    }
    if !errors.is_empty() {
        return with_errors(errors, item);
    }
    // `#[recover] #[retry(...)]`: the retried call, whole, is what is recovered.
    if let Some((path, retry_args)) = take_attribute_with_path(&mut func.attrs, "retry") {
        // Taken off here, `#[retry]` is never resolved by rustc: the body names its path, so
        // that its import is used (and a missing one reported), kept by the retry expansion
        // or by its fallback.
        let (inner_attrs, body) = split_inner_attributes(&func.body);
        let marker = import_marker(&path);
        func.body = Group::new(Delimiter::Brace, quote!(#inner_attrs #marker #body));
        let retried = crate::retry::expand(retry_args, func.to_token_stream());
        match syn::parse2::<Function>(retried.clone()) {
            Ok(retried) => func = retried,
            // The retry expansion failed: it has reported why and kept the item.
            Err(_) => return retried,
        }
    }
    let ret = return_type(&func.sig).cloned();
    // Inner attributes (`#![allow(...)]`) stay first in the function's body.
    let (inner_attrs, body) = split_inner_attributes(&func.body);
    let wrapped = wrap_body(&mode, func.sig.asyncness.is_some(), ret.as_ref(), &body);
    let Function {
        attrs, vis, sig, ..
    } = &func;
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

/// Takes `#[name]`, `#[name(...)]`, `#[steadfast::name(...)]` off `attrs`: its path as
/// written (`retry`, `steadfast::retry`) and its arguments.
pub(crate) fn take_attribute_with_path(
    attrs: &mut Vec<Attribute>,
    name: &str,
) -> Option<(syn::Path, TokenStream)> {
    let position = attrs.iter().position(|attr| {
        let path = attr.path();
        let last = path
            .segments
            .last()
            .map(|s| s.ident == name)
            .unwrap_or(false);
        last && (path.segments.len() == 1
            || (path.segments.len() == 2 && path.segments[0].ident == "steadfast"))
    })?;
    let attr = attrs.remove(position);
    let path = attr.path().clone();
    Some(match attr.meta {
        Meta::List(list) => (path, list.tokens),
        _ => (path, TokenStream::new()),
    })
}

/// `use path as _;`, for the body of a function whose attribute `path` another attribute
/// took off and expanded itself: rustc then resolves the path as if it had expanded it, so
/// the attribute's import counts as used, and a missing one is reported on the path.
pub(crate) fn import_marker(path: &syn::Path) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #path as _;
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
        let attempt = crate::retry::async_attempt(ret, body);
        quote_spanned! {site=>
            ::steadfast::__private::Panic::catch_async(#attempt).await
        }
    } else {
        let closure_ret = ret.map(|ty| quote!(-> #ty));
        quote_spanned! {site=>
            ::steadfast::__private::Panic::catch(|| #closure_ret { #body })
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

/// The first and last tokens' locations of `at`, with `Span::mixed_site()` hygiene (or that
/// span itself where `at` is `None` or empty). A call whose path is spanned on the first and
/// whose parentheses are spanned on the last is, for rustc, spanned on the whole of `at`: an
/// unmet bound of the callee is reported there.
fn first_last(at: Option<TokenStream>) -> (Span, Span) {
    let site = Span::mixed_site();
    let mut spans = at.into_iter().flatten().map(|tt| tt.span());
    let first = spans.next();
    match (first, spans.last().or(first)) {
        (Some(first), Some(last)) => (site.located_at(first), site.located_at(last)),
        _ => (site, site),
    }
}

/// `(args)`, spanned on `span`.
fn parenthesized(span: Span, args: &TokenStream) -> Group {
    let mut group = Group::new(Delimiter::Parenthesis, args.clone());
    group.set_span(span);
    group
}
