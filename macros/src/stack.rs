//! The entry points of `#[retry]` and `#[recover]`, and their stacking.
//!
//! `#[retry] #[recover]` recovers inside each attempt (so panics are retried as errors);
//! `#[recover] #[retry]` recovers around the whole retried call (a panic ends it).
//! Whichever comes first takes the other attribute off the function and applies it itself.
//! The two attribute modules never call each other; only this one knows both.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{quote, ToTokens};
use syn::{Attribute, Meta};

use crate::attr::Errors;
use crate::fallback::with_errors;
use crate::func::{parse_function, return_type, split_inner_attributes, Function};

// Input:  `#[retry(attempts = 3)] #[recover] fn f() -> Result<T, E> { body }`
// Output: `fn f() -> Result<T, E> { <retry over> { <recover around> body } }`
pub(crate) fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let goes_on = "`#[retry]` goes on a function that returns `Result`";
    let func = parse_function(&item, goes_on, &mut errors);
    let config = crate::retry::Config::parse(args, &mut errors);
    let Some(mut func) = func else {
        // The keys are still checked, so that every mistake is reported at once.
        crate::retry::check_keys(config, &mut errors);
        return with_errors(errors, item);
    };
    // `#[retry] #[recover]`: each attempt recovers, so a panic is retried like an error.
    if let Some((path, recover_args)) = take_attribute(&mut func.attrs, "recover") {
        let mode = crate::recover::parse_mode(recover_args, &mut errors);
        let ret = return_type(&func.sig).cloned();
        let (inner_attrs, body) = split_inner_attributes(&func.body);
        let is_async = func.sig.asyncness.is_some();
        let wrapped = crate::recover::wrap_body(&mode, is_async, ret.as_ref(), &body);
        let import = import_marker(&path);
        func.body = Group::new(Delimiter::Brace, quote!(#inner_attrs #import #wrapped));
    }
    crate::retry::expand(config, func, item, errors)
}

// Input:  `#[recover] #[retry(attempts = 3)] fn f() -> Result<T, E> { body }`
// Output: `fn f() -> Result<T, E> { <recover around> { <retry over> body } }`
pub(crate) fn recover(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let goes_on = "`#[recover]` goes on a function";
    let Some(mut func) = parse_function(&item, goes_on, &mut errors) else {
        // The options are still checked, so that every mistake is reported at once.
        let _ = crate::recover::parse_mode(args, &mut errors);
        return with_errors(errors, item);
    };
    let mode = crate::recover::parse_mode(args, &mut errors);
    crate::recover::check(&func, &mode, &mut errors);
    if !errors.is_empty() {
        return with_errors(errors, item);
    }
    // `#[recover] #[retry(...)]`: the retried call, whole, is what is recovered.
    if let Some((path, retry_args)) = take_attribute(&mut func.attrs, "retry") {
        // Taken off here, `#[retry]` is never resolved by rustc: the body names its path, so
        // that its import is used (and a missing one reported), kept by the retry expansion
        // or by its fallback.
        let (inner_attrs, body) = split_inner_attributes(&func.body);
        let marker = import_marker(&path);
        func.body = Group::new(Delimiter::Brace, quote!(#inner_attrs #marker #body));
        let retried = retry(retry_args, func.to_token_stream());
        match syn::parse2::<Function>(retried.clone()) {
            Ok(retried) => func = retried,
            // The retry expansion failed: it has reported why and kept the item.
            Err(_) => return retried,
        }
    }
    crate::recover::expand(&mode, &func)
}

/// Takes `#[name]`, `#[name(...)]`, `#[steadfast::name(...)]` off `attrs`: its path as
/// written (`retry`, `steadfast::retry`) and its arguments.
fn take_attribute(attrs: &mut Vec<Attribute>, name: &str) -> Option<(syn::Path, TokenStream)> {
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

// Input:  the path `steadfast::retry` of an attribute taken off
// Output: `#[allow(unused_imports)] use steadfast::retry as _;`
/// For the body of a function whose attribute `path` another attribute took off and
/// expanded itself: rustc then resolves the path as if it had expanded it, so the
/// attribute's import counts as used, and a missing one is reported on the path.
fn import_marker(path: &syn::Path) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #path as _;
    }
}
