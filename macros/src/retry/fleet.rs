//! Validate: the keys that keep retries safe at fleet scale (`budget`, `attempt_number`),
//! and the timer an async retry sleeps on (`timer`).

use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::Expr;

use crate::attr::Errors;

// Input:  `budget = BACKEND`
// Output: `.budget(::steadfast::__private::budget(&BACKEND))`, spanned on `BACKEND`, so that
//         a value that is not a `static RetryBudget` is reported there.
pub(crate) fn budget(key: &syn::Ident, value: &Expr, errors: &mut Errors) -> Option<TokenStream> {
    match value {
        Expr::Path(path) if path.qself.is_none() => {
            let site = value.span();
            Some(quote_spanned!(site=> .#key(::steadfast::__private::budget(&#path))))
        }
        Expr::Reference(reference) => {
            errors.push(syn::Error::new_spanned(
                value,
                format!(
                    "`budget` takes the static itself: write `budget = {}`",
                    quote::ToTokens::to_token_stream(&reference.expr)
                        .to_string()
                        .replace(' ', "")
                ),
            ));
            None
        }
        _ => {
            errors.push(syn::Error::new_spanned(
                value,
                "`budget` takes the path of a `static steadfast::RetryBudget` that every call \
                 sharing it names, as in `static BACKEND: RetryBudget = RetryBudget::new(10, \
                 0.1);` and `budget = BACKEND`",
            ));
            None
        }
    }
}

// Input:  `attempt_number = n`
// Output: `n`, the name each attempt binds its number (`u32`, from 1) to.
pub(crate) fn attempt_number(value: &Expr, errors: &mut Errors) -> Option<syn::Ident> {
    if let Expr::Path(path) = value {
        if path.qself.is_none() && path.attrs.is_empty() {
            // `self`, `Self`, `super` and `crate` are paths, which no binding can be named.
            let is_path_keyword = |ident: &&syn::Ident| {
                ["self", "Self", "super", "crate"]
                    .iter()
                    .any(|k| *ident == k)
            };
            if let Some(ident) = path.path.get_ident().filter(|i| !is_path_keyword(i)) {
                return Some(ident.clone());
            }
        }
    }
    errors.push(syn::Error::new_spanned(
        value,
        "`attempt_number` takes a name for the attempt's number (a `u32`, 1 for the first \
         attempt), as in `attempt_number = n`",
    ));
    None
}

/// `attempt_number = n` where `n` is already an argument: the binding would hide it.
pub(crate) fn check_attempt_number_is_free(
    name: &syn::Ident,
    sig: &syn::Signature,
    errors: &mut Errors,
) {
    let taken = sig.inputs.iter().any(|arg| match arg {
        syn::FnArg::Typed(typed) => pattern_binds(&typed.pat, name),
        syn::FnArg::Receiver(_) => name == "self",
    });
    if taken {
        errors.at(
            name.span(),
            format!(
                "`attempt_number = {name}` would hide the argument `{name}` of `{}`: pick \
                 another name, as in `attempt_number = attempt`",
                sig.ident
            ),
        );
    }
}

fn pattern_binds(pat: &syn::Pat, name: &syn::Ident) -> bool {
    match pat {
        syn::Pat::Ident(id) => {
            id.ident == *name
                || id
                    .subpat
                    .as_ref()
                    .is_some_and(|(_, p)| pattern_binds(p, name))
        }
        syn::Pat::Tuple(t) => t.elems.iter().any(|p| pattern_binds(p, name)),
        syn::Pat::TupleStruct(t) => t.elems.iter().any(|p| pattern_binds(p, name)),
        syn::Pat::Struct(s) => s.fields.iter().any(|f| pattern_binds(&f.pat, name)),
        syn::Pat::Reference(r) => pattern_binds(&r.pat, name),
        syn::Pat::Type(t) => pattern_binds(&t.pat, name),
        syn::Pat::Paren(p) => pattern_binds(&p.pat, name),
        syn::Pat::Slice(s) => s.elems.iter().any(|p| pattern_binds(p, name)),
        _ => false,
    }
}

// Input:  `timer = steadfast::timer::FuturesTimer`
// Output: the path, which the expansion names as the driver's timer type (an unmet
//         `Timer` bound is then reported on it).
pub(crate) fn timer(
    key: &syn::Ident,
    value: &Expr,
    is_async: bool,
    errors: &mut Errors,
) -> Option<syn::Path> {
    if !is_async {
        errors.at(
            key.span(),
            "`timer` is for an `async fn`: a sync retry sleeps on its own thread, through \
             `steadfast::time` (which a test pauses with `steadfast::time::pause()`); remove \
             the key",
        );
        return None;
    }
    match value {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            Some(path.path.clone())
        }
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        }) => {
            let timer = match name.value().to_ascii_lowercase().as_str() {
                "tokio" => "Tokio",
                _ => "FuturesTimer",
            };
            errors.push(syn::Error::new_spanned(
                value,
                format!(
                    "`timer` takes the timer's type, not a string: write `timer = \
                     steadfast::timer::{timer}`"
                ),
            ));
            None
        }
        _ => {
            errors.push(syn::Error::new_spanned(
                value,
                "`timer` takes the type of a timer: `steadfast::timer::Tokio`, \
                 `steadfast::timer::FuturesTimer`, or your own `steadfast::timer::Timer`",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(value: &str) -> Result<String, String> {
        let mut errors = Errors::default();
        let value: Expr = syn::parse_str(value).expect("an expression");
        match attempt_number(&value, &mut errors) {
            Some(name) => Ok(name.to_string()),
            None => Err(errors.into_compile_errors().to_string()),
        }
    }

    /// `attempt_number = self` gave rustc's "`self` value is a keyword and may not be bound",
    /// `super` "too many leading `super` keywords": now the macro's own message.
    #[test]
    fn takes_a_name_not_a_path_keyword() {
        assert_eq!(name("n"), Ok("n".to_string()));
        assert_eq!(name("r#try"), Ok("r#try".to_string()));
        for keyword in ["self", "Self", "super", "crate"] {
            let error = name(keyword).expect_err(keyword);
            assert!(error.contains("takes a name"), "{error}");
        }
    }
}
