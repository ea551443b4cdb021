//! `defer!`: parse the optional `move` and mode words, then expand to a guard.
//!
//! Input → output:
//!
//! ```text
//! defer!(move on_unwind { alarm(i); })
//! // becomes
//! let __steadfast_defer = ::steadfast::__private::Guard::<(), _, ::steadfast::__private::OnUnwind>
//!     ::new((), move |()| { alarm(i); });
//! ```
//!
//! The binding has a mixed-site span, so it never clashes with a user's name; several defers
//! in one scope shadow each other's bindings and drop in reverse order.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use crate::suggest::did_you_mean;

const MODES: &[&str] = &["on_success", "on_unwind"];

/// A parsed `defer!`.
struct Defer {
    move_kw: Option<Ident>,
    mode: Option<Ident>,
    /// The code to run, braces included.
    body: Group,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match parse(input) {
        Ok(defer) => emit(&defer),
        Err(failure) => fallback(failure),
    }
}

/// A parse error, with the body when one was found, so that it can still be type-checked.
struct Failure {
    error: syn::Error,
    body: Option<Group>,
}

fn fail(span: Span, message: String, body: Option<&Group>) -> Result<Defer, Failure> {
    Err(Failure {
        error: syn::Error::new(span, message),
        body: body.cloned(),
    })
}

fn parse(input: TokenStream) -> Result<Defer, Failure> {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let Some(first) = tokens.first() else {
        return fail(
            Span::call_site(),
            "`defer!` needs the code to run when the scope ends: write `defer! { ... }`".into(),
            None,
        );
    };
    let body = match tokens.last() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => Some(g),
        _ => None,
    };
    let all_words_then_block =
        tokens.len() >= 2 && body.is_some() && tokens[..tokens.len() - 1].iter().all(is_ident);
    let starts_with_word =
        matches!(first, TokenTree::Ident(id) if id == "move" || MODES.iter().any(|m| id == m));
    if all_words_then_block || starts_with_word {
        parse_words_then_block(&tokens, body)
    } else {
        check_plain_body(&tokens)?;
        let mut group = Group::new(Delimiter::Brace, tokens.into_iter().collect());
        group.set_span(Span::call_site());
        Ok(Defer {
            move_kw: None,
            mode: None,
            body: group,
        })
    }
}

fn is_ident(tt: &TokenTree) -> bool {
    matches!(tt, TokenTree::Ident(_))
}

/// `[move] [on_success | on_unwind] { ... }`, with an error on the first word out of place.
fn parse_words_then_block(tokens: &[TokenTree], body: Option<&Group>) -> Result<Defer, Failure> {
    let mut move_kw: Option<Ident> = None;
    let mut mode: Option<Ident> = None;
    let written = |move_kw: &Option<Ident>, mode: &Option<Ident>| {
        let words: Vec<String> = move_kw.iter().chain(mode).map(|w| w.to_string()).collect();
        words.join(" ")
    };
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(word) if word == "move" => {
                if move_kw.is_some() {
                    return fail(word.span(), "`move` is written once".into(), body);
                }
                if let Some(m) = &mode {
                    return fail(
                        word.span(),
                        format!("`move` goes before the mode: write `defer!(move {m} {{ ... }})`"),
                        body,
                    );
                }
                move_kw = Some(word.clone());
            }
            TokenTree::Ident(word) if MODES.iter().any(|m| word == m) => {
                if let Some(m) = &mode {
                    return fail(
                        word.span(),
                        format!(
                            "a defer has one mode, but `{m}` and `{word}` are both given: keep \
                             `on_success` or `on_unwind`, or write neither to run on every exit"
                        ),
                        body,
                    );
                }
                mode = Some(word.clone());
            }
            TokenTree::Ident(word) => {
                let got = word.to_string();
                return fail(
                    word.span(),
                    format!(
                        "unknown defer mode `{got}`: write `on_success` or `on_unwind` (optionally \
                         after `move`) before the block{}",
                        did_you_mean(&got, MODES)
                    ),
                    body,
                );
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && i + 1 == tokens.len() => {
                return Ok(Defer {
                    move_kw,
                    mode,
                    body: g.clone(),
                });
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                return fail(
                    tokens[i + 1].span(),
                    "unexpected tokens after the block: put every statement inside the braces"
                        .into(),
                    Some(g),
                );
            }
            TokenTree::Punct(p) if p.as_char() == '|' => return closure_error(p.span()),
            other => {
                let words = written(&move_kw, &mode);
                return fail(
                    other.span(),
                    format!("expected a block after `{words}`: write `defer!({words} {{ ... }})`"),
                    body,
                );
            }
        }
    }
    // Only words, no block.
    let words = written(&move_kw, &mode);
    fail(
        tokens[tokens.len() - 1].span(),
        format!("expected a block after `{words}`: write `defer!({words} {{ ... }})`"),
        None,
    )
}

fn closure_error(span: Span) -> Result<Defer, Failure> {
    fail(
        span,
        "`defer!` takes the statements to run, not a closure: write `defer! { ... }` with the \
         closure's body inside the braces"
            .into(),
        None,
    )
}

/// Catches the two shapes that are valid tokens but never what was meant: a closure and a
/// bare function name.
fn check_plain_body(tokens: &[TokenTree]) -> Result<(), Failure> {
    if let Some(TokenTree::Punct(p)) = tokens.first() {
        if p.as_char() == '|' {
            closure_error(p.span())?;
        }
    }
    let is_path = tokens.iter().all(|tt| match tt {
        TokenTree::Ident(_) => true,
        TokenTree::Punct(p) => p.as_char() == ':',
        _ => false,
    });
    if is_path {
        let path: String = tokens.iter().map(ToString::to_string).collect();
        let span = tokens[0].span();
        return Err(Failure {
            error: syn::Error::new(
                span,
                format!(
                    "`defer!` takes statements, not a function name: to call `{path}` when the \
                     scope ends, write `defer! {{ {path}(); }}`"
                ),
            ),
            body: None,
        });
    }
    Ok(())
}

fn emit(defer: &Defer) -> TokenStream {
    let binding = Ident::new("__steadfast_defer", Span::mixed_site());
    let strategy = match &defer.mode {
        None => Ident::new("Always", Span::call_site()),
        Some(m) if m == "on_success" => Ident::new("OnSuccess", m.span()),
        Some(m) => Ident::new("OnUnwind", m.span()),
    };
    let move_kw = &defer.move_kw;
    let body = &defer.body;
    quote_spanned! {Span::mixed_site()=>
        let #binding = ::steadfast::__private::Guard::<(), _, ::steadfast::__private::#strategy>::new(
            (),
            #move_kw |()| #body,
        );
    }
}

/// On error: the error, and the body in a closure that is never called, so that names in it
/// still resolve and the rest of the function type-checks.
fn fallback(failure: Failure) -> TokenStream {
    let error = failure.error.to_compile_error();
    match failure.body {
        Some(body) => quote! {
            #error
            let _ = || #body;
        },
        None => error,
    }
}
