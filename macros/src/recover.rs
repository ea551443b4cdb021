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

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Meta, Type};

use crate::attr::{parse_args, Arg, Errors};
use crate::func::{
    certainly_not_result, describe_item, mentions_impl_trait, return_type, Function,
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
    let mut func = match syn::parse2::<Function>(item.clone()) {
        Ok(func) => func,
        Err(error) => {
            match describe_item(&item) {
                Some((what, span)) => errors.at(
                    span,
                    format!(
                        "`#[recover]` goes on a function, not on {what}: put it on a `fn` or \
                         `async fn`"
                    ),
                ),
                None => errors.push(error),
            }
            return fallback(errors, item);
        }
    };
    let mode = parse_mode(args, &mut errors);
    if let Mode::Err = mode {
        check_returns_result(&func, &mut errors);
    }
    if let Some(constness) = &func.sig.constness {
        errors.at(
            constness.span,
            "`#[recover]` cannot go on a `const fn`: catching a panic happens at run time",
        );
    }
    if !errors.is_empty() {
        return fallback(errors, item);
    }
    // `#[recover] #[retry(...)]`: the retried call, whole, is what is recovered.
    if let Some(retry_args) = take_attribute(&mut func.attrs, "retry") {
        let retried = crate::retry::expand(retry_args, func.to_token_stream());
        match syn::parse2::<Function>(retried.clone()) {
            Ok(retried) => func = retried,
            // The retry expansion failed: it has reported why and kept the item.
            Err(_) => return retried,
        }
    }
    let ret = return_type(&func.sig).cloned();
    let body = wrap_body(
        &mode,
        func.sig.asyncness.is_some(),
        ret.as_ref(),
        &func.body.stream(),
    );
    let Function {
        attrs, vis, sig, ..
    } = &func;
    quote! {
        #(#attrs)*
        #vis #sig #body
    }
}

fn fallback(errors: Errors, item: TokenStream) -> TokenStream {
    let errors = errors.into_compile_errors();
    quote! { #errors #item }
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
                    "`{first}` and `{key}` cannot be combined: a panic returns either \
                     `T::default()` (`default`) or `fallback(panic)` (`with = fallback`)"
                ),
            );
            continue;
        }
        chosen = Some(key.clone());
        match (key.to_string().as_str(), value) {
            ("default", None) => mode = Mode::Default(key.span()),
            ("default", Some(value)) => errors.push(syn::Error::new_spanned(
                value,
                "`default` takes no value: write `#[recover(default)]`, or `with = fallback` \
                 to compute the value from the panic",
            )),
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

/// Takes `#[name]`, `#[name(...)]`, `#[steadfast::name(...)]` off `attrs`; its arguments.
pub(crate) fn take_attribute(attrs: &mut Vec<Attribute>, name: &str) -> Option<TokenStream> {
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
    Some(match attr.meta {
        Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    })
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
    let on_panic = match mode {
        Mode::Err => {
            let at = ret.map_or(site, |ty| site.located_at(ty.span()));
            let into = quote_spanned!(at=> ::steadfast::__private::panic_into);
            quote_spanned!(site=> ::core::result::Result::Err(#into(panic)))
        }
        Mode::Default(span) => {
            let default =
                quote_spanned!(site.located_at(*span)=> ::steadfast::__private::panic_default);
            quote_spanned!(site=> #default(panic))
        }
        Mode::With(fallback) => {
            let with = quote_spanned!(site.located_at(fallback.span())=> ::steadfast::__private::panic_with);
            quote_spanned!(site=> #with(#fallback, panic))
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
