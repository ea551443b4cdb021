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
//! The closure returns the block's value: `()`, or a `Result<(), E>` whose `Err` the guard
//! reports (the runtime's `CleanupResult`), so the expansion needs no case for it.
//!
//! The binding has a mixed-site span, so it never clashes with a user's name; several defers
//! in one scope shadow each other's bindings and drop in reverse order.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use crate::func::block_in_invisible_group;
use crate::suggest::{closest, did_you_mean};

const MODES: &[&str] = &["on_success", "on_unwind"];

/// Keywords that begin a block expression: `defer! { unsafe { ... } }` is a body, not a mode.
const BLOCK_KEYWORDS: &[&str] = &[
    "async", "const", "for", "if", "loop", "match", "unsafe", "while",
];

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

/// Like [`fail`], spanning several tokens (from the first to the last, in the error).
fn fail_spanned(
    tokens: &[TokenTree],
    message: String,
    body: Option<Group>,
) -> Result<Defer, Failure> {
    let tokens: TokenStream = tokens.iter().cloned().collect();
    Err(Failure {
        error: syn::Error::new_spanned(tokens, message),
        body,
    })
}

fn parse(input: TokenStream) -> Result<Defer, Failure> {
    let tokens = without_invisible_groups(input);
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
    // `[move] [mode] { ... }` is told from a body such as `if x { ... }` or `on_success();`
    // by its leading words, which end at a block, a closure's `|` or the end of the input:
    // the first is `move` or a mode, or every one looks like a mode.
    let is_word = |tt: &TokenTree, word_like: fn(&str) -> bool| matches!(tt, TokenTree::Ident(id) if word_like(&id.to_string()));
    let lead = tokens.iter().take_while(|t| is_ident(t)).count();
    let words_end = match tokens.get(lead) {
        None => true,
        Some(TokenTree::Group(g)) => g.delimiter() == Delimiter::Brace,
        Some(TokenTree::Punct(p)) => p.as_char() == '|',
        Some(_) => false,
    };
    let starts_with_word = lead >= 1
        && words_end
        && (is_word(first, is_exact_word)
            || tokens[..lead].iter().all(|t| is_word(t, looks_like_mode)));
    if starts_with_word {
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

// Input:  `move «{ ... }»`, `«cleanup»`: a `$body:block`, or a whole `$e:expr`, from a
//         `macro_rules!`, in groups without delimiters
// Output: `move { ... }`, `cleanup`: read as if written out
/// The input's trees, with the invisible groups that `macro_rules!` puts around a block, or
/// around the whole input, taken off.
fn without_invisible_groups(input: TokenStream) -> Vec<TokenTree> {
    let mut tokens: Vec<TokenTree> = input
        .into_iter()
        .map(|tt| match &tt {
            TokenTree::Group(group) => block_in_invisible_group(group).map_or(tt, TokenTree::Group),
            _ => tt,
        })
        .collect();
    while let [TokenTree::Group(group)] = tokens.as_slice() {
        if group.delimiter() != Delimiter::None {
            break;
        }
        tokens = group.stream().into_iter().collect();
    }
    tokens
}

/// `move` or a mode, exactly.
fn is_exact_word(word: &str) -> bool {
    word == "move" || MODES.contains(&word)
}

/// A mode, or what is probably a misspelt one (`on_sucess`, `on_panic`).
fn looks_like_mode(word: &str) -> bool {
    is_exact_word(word) || word.starts_with("on_") || closest(word, MODES).is_some()
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
                    let call = corrected_call(tokens, "{ ... }");
                    return fail(
                        word.span(),
                        format!("`move` is written once: write `{call}`"),
                        body,
                    );
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
            TokenTree::Ident(word) if BLOCK_KEYWORDS.iter().any(|k| word == k) => {
                let call = corrected_call(tokens, &format!("{{ {word} {{ ... }} }}"));
                return fail(
                    word.span(),
                    format!(
                        "`{word}` is not a defer mode: put the `{word}` block inside the braces, \
                         as in `{call}`"
                    ),
                    body,
                );
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
                return fail_spanned(
                    &tokens[i + 1..],
                    "unexpected tokens after the block: put every statement inside the braces"
                        .into(),
                    Some(g.clone()),
                );
            }
            TokenTree::Punct(p) if p.as_char() == '|' => {
                return closure_error(&tokens[..i], &tokens[i..])
            }
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

/// The call a misordered one meant, around `block`: `move` if it is written anywhere, then
/// the first mode, e.g. `defer!(move on_success { ... })`, or `defer! { ... }` with neither.
fn corrected_call(tokens: &[TokenTree], block: &str) -> String {
    let has_move = tokens
        .iter()
        .any(|tt| matches!(tt, TokenTree::Ident(id) if id == "move"));
    let mode = tokens.iter().find_map(|tt| match tt {
        TokenTree::Ident(id) if MODES.iter().any(|m| id == m) => Some(id.to_string()),
        _ => None,
    });
    let words: Vec<String> = has_move
        .then(|| "move".to_string())
        .into_iter()
        .chain(mode)
        .collect();
    if words.is_empty() {
        format!("defer! {block}")
    } else {
        format!("defer!({} {block})", words.join(" "))
    }
}

/// `closure`: the tokens from the closure's first `|` to the end of the input; `words`: the
/// `move` and mode before it.
fn closure_error(words: &[TokenTree], closure: &[TokenTree]) -> Result<Defer, Failure> {
    // `|| body`: keep `body` for the fallback, so the names in it still resolve. Not kept: a
    // closure with parameters (its body names them) or a return type (`|| -> T { ... }`).
    let body = match closure {
        [TokenTree::Punct(a), TokenTree::Punct(b), rest @ ..]
            if a.as_char() == '|'
                && b.as_char() == '|'
                && matches!(
                    rest.first(),
                    Some(TokenTree::Ident(_) | TokenTree::Group(_))
                ) =>
        {
            Some(Group::new(Delimiter::Brace, rest.iter().cloned().collect()))
        }
        _ => None,
    };
    let call = corrected_call(words, "{ ... }");
    fail_spanned(
        closure,
        format!(
            "`defer!` takes the statements to run, not a closure: write `{call}` with the \
             closure's body inside the braces"
        ),
        body,
    )
}

/// Catches the two shapes that are valid tokens but never what was meant: a closure and a
/// bare function name.
fn check_plain_body(tokens: &[TokenTree]) -> Result<(), Failure> {
    if let Some(TokenTree::Punct(p)) = tokens.first() {
        if p.as_char() == '|' {
            closure_error(&[], tokens)?;
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
    // The closure's bars carry the body's span, so that a body whose value is not a
    // cleanup's (`defer!(move { v.len() })`) is reported at the body, not at the macro.
    let bars = quote_spanned! {body.span()=> |()| };
    quote_spanned! {Span::mixed_site()=>
        let #binding = ::steadfast::__private::Guard::<(), _, ::steadfast::__private::#strategy>::new(
            (),
            #move_kw #bars #body,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `tokens` in a group without delimiters, as `macro_rules!` passes a fragment.
    fn invisible(tokens: TokenStream) -> TokenTree {
        TokenTree::Group(Group::new(Delimiter::None, tokens))
    }

    fn error(input: TokenStream) -> String {
        match parse(input) {
            Ok(_) => panic!("the input is rejected"),
            Err(failure) => failure.error.to_string(),
        }
    }

    /// `defer!(move on_success $body)`, `defer!($e)`, from a `macro_rules!`: read as if written
    /// out.
    #[test]
    fn reads_fragments_from_macro_rules() {
        let block = invisible(quote!({
            a();
        }));
        let Ok(defer) = parse(quote!(move on_success #block)) else {
            panic!("a defer with a block");
        };
        assert!(defer.move_kw.is_some());
        assert!(defer.mode.is_some_and(|mode| mode == "on_success"));
        assert_eq!(defer.body.stream().to_string(), "a () ;");
        assert!(error(invisible(quote!(cleanup)).into()).contains("not a function name"));
        assert!(error(invisible(quote!(|| a())).into()).contains("not a closure"));
    }
}
