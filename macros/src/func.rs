//! The function an attribute is put on, read loosely: the signature is parsed, the body is
//! kept as tokens (never parsed), so half-written code in an editor still expands.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, ReturnType, Signature, Type, Visibility};

/// `#[attrs] vis sig { body }`.
pub(crate) struct Function {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Group,
}

impl Parse for Function {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        if let Some(semi) = input.parse::<Option<syn::Token![;]>>()? {
            return Err(syn::Error::new(
                semi.span,
                format!(
                    "`{}` has no body for the attribute to wrap: put the attribute on the \
                     method in each `impl`, or give this declaration a default body `{{ ... }}`",
                    sig.ident
                ),
            ));
        }
        let body = parse_body(input)?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(
                body.span(),
                "expected the function's body `{ ... }`",
            ));
        }
        Ok(Function {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

// Input:  `{ ... }`, or `«{ ... }»`: a `$body:block` that `macro_rules!` passed in a group
//         without delimiters
// Output: `{ ... }`
/// The body's group, out of the invisible groups around it.
fn parse_body(input: ParseStream) -> syn::Result<Group> {
    if let Some((TokenTree::Group(group), _)) = input.cursor().token_tree() {
        if let Some(body) = block_in_invisible_group(&group) {
            input.parse::<TokenTree>()?;
            return Ok(body);
        }
    }
    input.parse()
}

/// The one brace group in `group` if it is invisible: `«{ ... }»`, `««{ ... }»»`: a
/// `$body:block` as `macro_rules!` passes it.
pub(crate) fn block_in_invisible_group(group: &Group) -> Option<Group> {
    if group.delimiter() != Delimiter::None {
        return None;
    }
    let mut trees = group.stream().into_iter();
    match (trees.next(), trees.next()) {
        (Some(TokenTree::Group(inner)), None) if inner.delimiter() == Delimiter::Brace => {
            Some(inner)
        }
        (Some(TokenTree::Group(inner)), None) => block_in_invisible_group(&inner),
        _ => None,
    }
}

/// What an item that is not a function is, for the error message.
pub(crate) fn describe_item(item: &TokenStream) -> Option<(&'static str, Span)> {
    if let Some(closure) = as_closure(item) {
        return Some(("a closure", closure.or1_token.span));
    }
    let parsed: syn::Item = syn::parse2(item.clone()).ok()?;
    let (what, span) = match &parsed {
        syn::Item::Struct(i) => ("a struct", i.struct_token.span),
        syn::Item::Enum(i) => ("an enum", i.enum_token.span),
        syn::Item::Impl(i) => ("an impl block", i.impl_token.span),
        syn::Item::Trait(i) => ("a trait", i.trait_token.span),
        syn::Item::Mod(i) => ("a module", i.mod_token.span),
        syn::Item::Const(i) => ("a const", i.const_token.span),
        syn::Item::Static(i) => ("a static", i.static_token.span),
        syn::Item::Type(i) => ("a type alias", i.type_token.span),
        syn::Item::Use(i) => ("a use declaration", i.use_token.span),
        syn::Item::Union(i) => ("a union", i.union_token.span),
        syn::Item::Macro(i) => ("a macro invocation", i.mac.path.segments[0].ident.span()),
        _ => return None,
    };
    Some((what, span))
}

/// The closure an attribute was put on, if it was (rustc rejects attributes on
/// expressions, but still expands them to recover from the error).
pub(crate) fn as_closure(item: &TokenStream) -> Option<syn::ExprClosure> {
    syn::parse2(item.clone()).ok()
}

/// The return type, if the signature has one.
pub(crate) fn return_type(sig: &Signature) -> Option<&Type> {
    match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(ty),
    }
}

/// Whether a type mentions `impl Trait` (which cannot be written inside the body), at any
/// depth: `Result<(impl Display, u8), E>`, `«impl Into<u64>»` from a `$t:ty`.
pub(crate) fn mentions_impl_trait(ty: &Type) -> bool {
    fn mentions_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(ident) => ident == "impl",
            TokenTree::Group(group) => mentions_impl(group.stream()),
            _ => false,
        })
    }
    mentions_impl(ty.to_token_stream())
}

// Input:  `«&mut Vec<u8>»`, a `$t:ty` that `macro_rules!` passed in a group without delimiters
// Output: `&mut Vec<u8>`
/// The type itself, out of the invisible groups around it, for a look at its form.
pub(crate) fn without_invisible_group(mut ty: &Type) -> &Type {
    while let Type::Group(group) = ty {
        ty = &group.elem;
    }
    ty
}

/// Why a return type is certainly not a `Result`, if it certainly is not. Aliases such as
/// `io::Result<T>` or `Fallible<T>` pass here and are checked by the type system.
pub(crate) fn certainly_not_result(ty: &Type) -> Option<String> {
    let shown = ty.to_token_stream().to_string().replace(" ", "");
    match without_invisible_group(ty) {
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?.ident.to_string();
            const NOT_RESULTS: &[&str] = &[
                "Option", "Vec", "String", "bool", "char", "str", "u8", "u16", "u32", "u64",
                "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "Box",
                "HashMap", "Self",
            ];
            NOT_RESULTS.contains(&last.as_str()).then_some(shown)
        }
        Type::Tuple(_)
        | Type::Reference(_)
        | Type::Array(_)
        | Type::Slice(_)
        | Type::Ptr(_)
        | Type::ImplTrait(_)
        | Type::Never(_)
        | Type::BareFn(_)
        | Type::TraitObject(_) => Some(shown),
        _ => None,
    }
}

impl ToTokens for Function {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.attrs {
            attr.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
    }
}

/// Splits a body's leading inner attributes (`#![allow(...)]`) from the rest: they must
/// stay first in the function's body, before anything an expansion adds.
pub(crate) fn split_inner_attributes(body: &proc_macro2::Group) -> (TokenStream, TokenStream) {
    let tokens: Vec<proc_macro2::TokenTree> = body.stream().into_iter().collect();
    let mut end = 0;
    while let [proc_macro2::TokenTree::Punct(hash), proc_macro2::TokenTree::Punct(bang), proc_macro2::TokenTree::Group(group), ..] =
        &tokens[end..]
    {
        if hash.as_char() != '#' || bang.as_char() != '!' || group.delimiter() != Delimiter::Bracket
        {
            break;
        }
        end += 3;
    }
    let (inner, rest) = tokens.split_at(end);
    (
        inner.iter().cloned().collect(),
        rest.iter().cloned().collect(),
    )
}

/// Parses the item an attribute is put on. On failure, records the error: what the item is
/// when it is not a function (`goes_on` says where the attribute belongs), or syn's.
pub(crate) fn parse_function(
    item: &TokenStream,
    goes_on: &str,
    errors: &mut crate::attr::Errors,
) -> Option<Function> {
    match syn::parse2::<Function>(item.clone()) {
        Ok(func) => Some(func),
        Err(error) => {
            match describe_item(item) {
                Some((what, span)) => errors.at(
                    span,
                    format!("{goes_on}, not on {what}: put it on a `fn` or `async fn`"),
                ),
                None => errors.push(error),
            }
            None
        }
    }
}

/// `async { body }` for one attempt, opened by a "fake return edge" (as tracing's
/// attribute does): a `return` of the declared type that never runs but is type-checked
/// first, so that the body's `return`s and tail coerce to that type (`Box<Concrete>` to
/// `Box<dyn Error>`, `&Vec<u8>` to `&[u8]`) as in a plain `async fn`.
// Input:  `-> Result<Box<dyn Error>, E>`, `{ body }`
// Output: `async { if false { return never::<Result<Box<dyn Error>, E>>(); } body }`
pub(crate) fn async_attempt(ret: Option<&Type>, body: &TokenStream) -> TokenStream {
    let site = Span::mixed_site();
    let fake_return = ret.filter(|ty| !mentions_impl_trait(ty)).map(|ty| {
        quote::quote_spanned! {site=>
            #[allow(unreachable_code)]
            if false {
                return ::steadfast::__private::never::<#ty>();
            }
        }
    });
    quote::quote_spanned! {site=>
        async {
            #fake_return
            #body
        }
    }
}

/// The first and last tokens' locations of `at`, with `Span::mixed_site()` hygiene (or that
/// span itself where `at` is `None` or empty). A call whose path is spanned on the first and
/// whose parentheses are spanned on the last is, for rustc, spanned on the whole of `at`: an
/// unmet bound of the callee is reported there.
pub(crate) fn first_last(at: Option<TokenStream>) -> (Span, Span) {
    let site = Span::mixed_site();
    let mut spans = at.into_iter().flatten().map(|tt| tt.span());
    let first = spans.next();
    match (first, spans.last().or(first)) {
        (Some(first), Some(last)) => (site.located_at(first), site.located_at(last)),
        _ => (site, site),
    }
}

/// `(args)`, spanned on `span`.
pub(crate) fn parenthesized(span: Span, args: &TokenStream) -> Group {
    let mut group = Group::new(Delimiter::Parenthesis, args.clone());
    group.set_span(span);
    group
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    /// `tokens` in a group without delimiters, as `macro_rules!` passes a fragment.
    fn invisible(tokens: TokenStream) -> TokenTree {
        TokenTree::Group(Group::new(Delimiter::None, tokens))
    }

    /// `fn f() -> $t $body`, from a `macro_rules!`.
    #[test]
    fn reads_a_function_made_of_fragments() {
        let (ty, body) = (invisible(quote!(u32)), invisible(quote!({ 1 })));
        let func: Function = syn::parse2(quote!(fn f() -> #ty #body)).expect("a function");
        assert_eq!(func.body.delimiter(), Delimiter::Brace);
        assert_eq!(func.body.stream().to_string(), "1");
        let ret = return_type(&func.sig).expect("a return type");
        assert!(certainly_not_result(ret).is_some(), "`u32` is no `Result`");
    }

    #[test]
    fn sees_impl_trait_at_any_depth() {
        let fragment = invisible(quote!(impl Into<u64>));
        let types: [Type; 4] = [
            syn::parse_quote!(Result<(impl Display, u8), E>),
            syn::parse_quote!((impl Display, u8)),
            syn::parse_quote!([impl Sized; 2]),
            syn::parse2(quote!(#fragment)).expect("a type"),
        ];
        for ty in &types {
            assert!(mentions_impl_trait(ty), "{}", ty.to_token_stream());
        }
        assert!(!mentions_impl_trait(
            &syn::parse_quote!(Result<(u8, [u8; 2]), E>)
        ));
    }
}
