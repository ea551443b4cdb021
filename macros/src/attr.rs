//! The argument list of an attribute: `key = value, key, ...`, values kept as expressions.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

use crate::suggest::did_you_mean;

/// One `key` or `key = value`.
#[derive(Clone)]
pub(crate) struct Arg {
    pub(crate) key: Ident,
    pub(crate) value: Option<Expr>,
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input
            .call(syn::ext::IdentExt::parse_any)
            .map_err(|e| syn::Error::new(e.span(), "expected a key, as in `attempts = 3`"))?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(without_invisible_group(input.parse::<Expr>()?))
        } else {
            None
        };
        Ok(Arg { key, value })
    }
}

// Input:  `attempts = «3»`, where `macro_rules!` put `$n:expr` (or `$n:literal`, `$f:path`)
//         in a group without delimiters
// Output: `3`, a literal like the one written out
/// The value itself: the invisible group around an interpolated fragment only keeps its
/// precedence inside a larger expression, and a key's value is a whole expression.
fn without_invisible_group(mut value: Expr) -> Expr {
    while let Expr::Group(group) = value {
        value = *group.expr;
    }
    value
}

/// Parses `key = value, ...`, rejecting unknown and repeated keys (with "did you mean").
/// Every problem is collected, so all of them are reported at once.
pub(crate) fn parse_args(
    tokens: TokenStream,
    known: &[&str],
    attribute: &str,
    errors: &mut Errors,
) -> Vec<Arg> {
    parse_args_with_hints(tokens, known, attribute, &|_| None, errors)
}

/// [`parse_args`], with `hint` saying what to write instead of an unknown key that a user
/// of another crate would write (`retries = 2`), where a spelling suggestion cannot.
pub(crate) fn parse_args_with_hints(
    tokens: TokenStream,
    known: &[&str],
    attribute: &str,
    hint: &dyn Fn(&Arg) -> Option<String>,
    errors: &mut Errors,
) -> Vec<Arg> {
    let parsed = match Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(parsed) => parsed,
        Err(error) => {
            errors.push(error);
            return Vec::new();
        }
    };
    let mut seen: Vec<Arg> = Vec::new();
    for arg in parsed {
        let name = arg.key.to_string();
        if !known.contains(&name.as_str()) {
            let message = match hint(&arg) {
                Some(hint) => format!("unknown key `{name}` for `#[{attribute}]`: {hint}"),
                None => format!(
                    "unknown key `{name}` for `#[{attribute}]`: the keys are {}{}",
                    list(known, "and"),
                    did_you_mean(&name, known),
                ),
            };
            errors.push(syn::Error::new(arg.key.span(), message));
        } else if seen.iter().any(|a| a.key == arg.key) {
            errors.push(syn::Error::new(
                arg.key.span(),
                format!("`{name}` is given twice: keep one"),
            ));
        } else {
            seen.push(arg);
        }
    }
    seen
}

/// "`a`, `b` and `c`" (`conjunction` "and"), or "`a`, `b` or `c`".
pub(crate) fn list(items: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("{} {conjunction} {last}", rest.join(", "))
        }
        _ => quoted.concat(),
    }
}

/// Errors collected over every phase, reported together.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.combined
            .map(|e| e.to_compile_error())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
    use quote::quote;

    use super::*;

    /// `attempts = $n, when = $f` from a `macro_rules!`: each value in an invisible group.
    #[test]
    fn reads_a_value_interpolated_by_macro_rules() {
        let invisible = |tokens: TokenStream| TokenTree::Group(Group::new(Delimiter::None, tokens));
        let (three, when) = (invisible(quote!(3)), invisible(quote!(is_transient)));
        let tokens = quote!(attempts = #three, when = #when);
        let mut errors = Errors::default();
        let args = parse_args(tokens, &["attempts", "when"], "retry", &mut errors);
        assert!(errors.is_empty());
        assert!(matches!(args[0].value, Some(Expr::Lit(_))));
        assert!(matches!(args[1].value, Some(Expr::Path(_))));
    }
}
