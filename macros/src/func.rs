//! The function an attribute is put on, read loosely: the signature is parsed, the body is
//! kept as tokens (never parsed), so half-written code in an editor still expands.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, FnArg, Pat, ReturnType, Signature, Type, Visibility};

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
        let body: Group = input.parse()?;
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

/// How an argument reaches each attempt.
pub(crate) enum ArgUse {
    /// `&T`, `&self`, `&mut self`, `_`: used as they are by each attempt.
    Borrowed,
    /// `x: &mut T`: each attempt gets `&mut *x`, so the body may move it. The parameter's
    /// attributes (`#[allow(unused_mut)]`...) go on the per-attempt binding, and its `mut`
    /// too (taken off the signature, where it would now be unused).
    Reborrowed {
        ident: syn::PatIdent,
        attrs: Vec<Attribute>,
    },
    /// By value: renamed in the signature; each attempt binds the pattern to a clone, with
    /// the parameter's attributes.
    Cloned {
        pat: Box<Pat>,
        ty: Box<Type>,
        renamed: syn::Ident,
        attrs: Vec<Attribute>,
    },
    /// `self` by value: cannot be given to several attempts.
    SelfByValue(Span),
}

/// Classifies every argument and renames the by-value ones in `sig`.
pub(crate) fn split_args(sig: &mut Signature) -> Vec<ArgUse> {
    let mut uses = Vec::new();
    for (index, arg) in sig.inputs.iter_mut().enumerate() {
        match arg {
            // `&self`, and `self: &Self` written out (syn sets `reference` for the first only).
            FnArg::Receiver(r) => uses.push(if r.reference.is_some() || is_reference(&r.ty) {
                ArgUse::Borrowed
            } else {
                ArgUse::SelfByValue(r.self_token.span)
            }),
            FnArg::Typed(t) => {
                if let (Type::Reference(r), Pat::Ident(id)) = (&*t.ty, &mut *t.pat) {
                    uses.push(match r.mutability {
                        Some(_) => {
                            let ident = id.clone();
                            id.mutability = None;
                            ArgUse::Reborrowed {
                                ident,
                                attrs: t.attrs.clone(),
                            }
                        }
                        None => ArgUse::Borrowed,
                    });
                    continue;
                }
                if let Pat::Wild(_) = *t.pat {
                    uses.push(ArgUse::Borrowed);
                    continue;
                }
                let renamed =
                    syn::Ident::new(&format!("__steadfast_arg_{index}"), Span::mixed_site());
                let pat = std::mem::replace(
                    &mut t.pat,
                    Box::new(Pat::Ident(syn::PatIdent {
                        attrs: Vec::new(),
                        by_ref: None,
                        mutability: None,
                        ident: renamed.clone(),
                        subpat: None,
                    })),
                );
                uses.push(ArgUse::Cloned {
                    pat,
                    ty: t.ty.clone(),
                    renamed,
                    attrs: t.attrs.clone(),
                });
            }
        }
    }
    uses
}

fn is_reference(ty: &Type) -> bool {
    match ty {
        Type::Reference(_) => true,
        Type::Paren(p) => is_reference(&p.elem),
        Type::Group(g) => is_reference(&g.elem),
        _ => false,
    }
}

/// The return type, if the signature has one.
pub(crate) fn return_type(sig: &Signature) -> Option<&Type> {
    match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(ty),
    }
}

/// Whether a type mentions `impl Trait` (which cannot be written inside the body).
pub(crate) fn mentions_impl_trait(ty: &Type) -> bool {
    ty.to_token_stream()
        .into_iter()
        .any(|tt| matches!(&tt, proc_macro2::TokenTree::Ident(i) if i == "impl"))
        || matches!(ty, Type::ImplTrait(_))
}

/// Why a return type is certainly not a `Result`, if it certainly is not. Aliases such as
/// `io::Result<T>` or `Fallible<T>` pass here and are checked by the type system.
pub(crate) fn certainly_not_result(ty: &Type) -> Option<String> {
    let shown = ty.to_token_stream().to_string().replace(" ", "");
    match ty {
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

/// On error: the errors, and the item as it was, so that the rest of the crate still
/// type-checks and the IDE keeps working.
pub(crate) fn with_errors(errors: crate::attr::Errors, item: TokenStream) -> TokenStream {
    let errors = errors.into_compile_errors();
    if as_closure(&item).is_some() {
        // An expression: one block, so that `compile_error!` does not become an operand.
        return quote::quote! { { #errors #item } };
    }
    quote::quote! { #errors #item }
}
