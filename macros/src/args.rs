//! How each argument of a retried function reaches every attempt.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Pat, Signature, Type};

use crate::attr::Errors;
use crate::func::{mentions_impl_trait, without_invisible_group};

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
    /// By value: each attempt binds the pattern to a clone of `source`, with the
    /// parameter's attributes. `source` is the argument's own name where it has one
    /// (`url: String` stays `url` in the signature and in rustdoc), else a generated one
    /// standing for the pattern (`(a, b): (u32, u32)`).
    Cloned {
        pat: Box<Pat>,
        ty: Box<Type>,
        source: syn::Ident,
        attrs: Vec<Attribute>,
    },
}

// Input:  `fn fetch(&self, mut url: String, (a, b): (u8, u8), out: &mut Vec<u8>)`
// Output: `fn fetch(&self, url: String, __steadfast_arg_2: (u8, u8), out: &mut Vec<u8>)`,
//         and `[Borrowed, Cloned(mut url ← url), Cloned((a, b) ← __steadfast_arg_2),
//         Reborrowed(out)]`
/// Classifies every argument, taking `mut` off the signature where the attempt's binding
/// has it and naming patterns. A by-value `self` is an error.
pub(crate) fn split(sig: &mut Signature, errors: &mut Errors) -> Vec<ArgUse> {
    let mut uses = Vec::new();
    for (index, arg) in sig.inputs.iter_mut().enumerate() {
        let t = match arg {
            // `&self`, and `self: &Self` written out (syn sets `reference` for the first only).
            FnArg::Receiver(r) => {
                if r.reference.is_none() && !is_reference(&r.ty) {
                    errors.at(
                        r.self_token.span,
                        "`#[retry]` cannot give a by-value `self` to every attempt: take \
                         `&self` or `&mut self`",
                    );
                }
                uses.push(ArgUse::Borrowed);
                continue;
            }
            FnArg::Typed(t) => t,
        };
        if let (Type::Reference(r), Pat::Ident(id)) = (without_invisible_group(&t.ty), &mut *t.pat)
        {
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
        let pat = (*t.pat).clone();
        let source = match &mut *t.pat {
            Pat::Wild(_) => {
                uses.push(ArgUse::Borrowed);
                continue;
            }
            Pat::Ident(id) if id.by_ref.is_none() && id.subpat.is_none() => {
                id.mutability = None;
                id.ident.clone()
            }
            other => {
                let source =
                    syn::Ident::new(&format!("__steadfast_arg_{index}"), Span::mixed_site());
                *other = Pat::Ident(syn::PatIdent {
                    attrs: Vec::new(),
                    by_ref: None,
                    mutability: None,
                    ident: source.clone(),
                    subpat: None,
                });
                source
            }
        };
        uses.push(ArgUse::Cloned {
            pat: Box::new(pat),
            ty: t.ty.clone(),
            source,
            attrs: t.attrs.clone(),
        });
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

// Input:  `[Cloned(mut url: String ← url), Reborrowed(out)]`
// Output: `let mut url: String = clone_arg(&url); let out = &mut *out;`
/// What each attempt binds before the body: fresh clones and re-borrows.
pub(crate) fn rebinds(args: &[ArgUse]) -> TokenStream {
    args.iter()
        .map(|arg| match arg {
            ArgUse::Cloned {
                pat,
                ty,
                source,
                attrs,
            } => {
                // Spanned on the argument's type, so "not `Clone`" points there. An `impl
                // Trait` argument cannot be written as a local's type; it is inferred.
                let site = Span::mixed_site().located_at(ty.span());
                let annotation = (!mentions_impl_trait(ty)).then(|| quote!(: #ty));
                quote_spanned! {site=>
                    #(#attrs)*
                    let #pat #annotation = ::steadfast::__private::clone_arg(&#source);
                }
            }
            ArgUse::Reborrowed { ident, attrs } => {
                let mutability = &ident.mutability;
                let ident = &ident.ident;
                quote!(#(#attrs)* let #mutability #ident = &mut *#ident;)
            }
            ArgUse::Borrowed => TokenStream::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Delimiter, Group};
    use quote::quote;

    use super::*;

    /// `out: $t` with `$t` = `&mut Vec<u8>`, from a `macro_rules!`: re-borrowed, not cloned.
    #[test]
    fn reborrows_a_reference_type_made_of_a_fragment() {
        let ty = Group::new(Delimiter::None, quote!(&mut Vec<u8>));
        let mut sig: Signature = syn::parse2(quote!(fn f(out: #ty))).expect("a signature");
        let mut errors = Errors::default();
        let uses = split(&mut sig, &mut errors);
        assert!(errors.is_empty());
        assert!(matches!(uses.as_slice(), [ArgUse::Reborrowed { .. }]));
    }
}
