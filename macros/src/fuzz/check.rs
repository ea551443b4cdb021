//! What an expander's output must be, whatever its input: tokens (never a panic), the item
//! kept when there is an error, and syntax rustc can parse whenever the input was.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};

/// The macro under test, called as the entry points in `lib.rs` call it.
#[derive(Clone, Copy)]
pub(super) enum Macro {
    Defer,
    Retry,
    Recover,
}

impl Macro {
    fn expand(self, args: TokenStream, item: TokenStream) -> TokenStream {
        match self {
            Macro::Defer => crate::defer::expand(item),
            Macro::Retry => crate::stack::retry(args, item),
            Macro::Recover => crate::stack::recover(args, item),
        }
    }
}

/// What a case gave, when every check passed.
pub(super) struct Outcome {
    pub(super) output: TokenStream,
    /// The output has a `compile_error!`.
    pub(super) errored: bool,
    /// The input was syntax that rustc parses, so the output was parsed too.
    pub(super) parsed: bool,
}

/// Expands `args` and `item`: `Err` if the expander panics.
pub(super) fn expand(
    mac: Macro,
    args: &TokenStream,
    item: &TokenStream,
) -> Result<TokenStream, String> {
    catch(|| mac.expand(args.clone(), item.clone()))
        .map_err(|panic| format!("the expander panicked: {panic}"))
}

/// Expands `args` and `item` and checks the output; `Err` says what is wrong.
pub(super) fn check(mac: Macro, args: &TokenStream, item: &TokenStream) -> Result<Outcome, String> {
    let output = expand(mac, args, item)?;
    let errored = mentions_compile_error(&output);
    // syn reads through invisible groups where rustc does not (`#!«[attr]»`), so the syntax
    // of an input that has them says nothing of the output's. (`run` checks that the inputs
    // a `macro_rules!` passes, with them, expand as those written out.)
    let visible = !has_invisible_group(args) && !has_invisible_group(item);
    let parsed = match mac {
        Macro::Defer => visible && check_defer(item, &output)?,
        Macro::Retry | Macro::Recover => {
            check_item_kept(item, &output, errored)?;
            check_impl_trait(args, item, &output)?;
            visible && check_attribute(item, &output)?
        }
    };
    Ok(Outcome {
        output,
        errored,
        parsed,
    })
}

thread_local! {
    /// Whether a panic on this thread is one [`catch`] expects (and reports itself).
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into its message and location. Other threads' panics (the
/// other tests') still go to the hook that was there before.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) {
                CAUGHT.with(|caught| *caught.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
    CATCHING.with(|catching| catching.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|catching| catching.set(false));
    result.map_err(|_| {
        CAUGHT
            .with(|caught| caught.borrow_mut().take())
            .unwrap_or_else(|| "(no message)".to_string())
    })
}

// Checks, for `#[retry]` and `#[recover]`: a `fn` item (`fn name` in its tokens) is still a
// `fn name` in the output, error or not; anything else is an error, and the output ends with
// the item as it was written (for a closure, the output is one block that ends with it).
fn check_item_kept(item: &TokenStream, output: &TokenStream, errored: bool) -> Result<(), String> {
    match fn_name(item) {
        Some(name) if !emits_fn(output, &name) => Err(format!(
            "the output has no `fn {name}`: the function is lost"
        )),
        None if !errored => Err("an item that is not a `fn` expanded without an error".into()),
        None if !ends_with_item(output, item) => {
            Err("the error's output does not end with the item as written".into())
        }
        _ => Ok(()),
    }
}

/// An item that parses as items gives items; a closure gives an expression. `Ok(true)`
/// where the output's syntax was checked.
fn check_attribute(item: &TokenStream, output: &TokenStream) -> Result<bool, String> {
    if parse_items(item).is_ok() {
        // Items end where the next begins: with the item as written at its end, the output
        // parses if what comes before does (the errors, usually), which is quicker to parse.
        let before = before_item(output, item).unwrap_or_else(|| output.clone());
        return parse_items(&before)
            .map(|()| true)
            .map_err(|e| format!("the item parses as items, the output does not: {e}"));
    }
    if syn::parse2::<syn::ExprClosure>(item.clone()).is_ok() {
        return syn::parse2::<syn::Expr>(output.clone())
            .map(|_| true)
            .map_err(|e| format!("the item is a closure, the output is no expression: {e}"));
    }
    Ok(false)
}

/// `impl Trait` is allowed in a signature, not in a body: a type that mentions it must
/// never be written again in the expansion, so `impl` is no more frequent in the output than
/// in the input.
fn check_impl_trait(
    args: &TokenStream,
    item: &TokenStream,
    output: &TokenStream,
) -> Result<(), String> {
    let count = |stream| count_ident(stream, "impl");
    match count(output) > count(args) + count(item) {
        true => Err("a type with `impl Trait` is written again in the expansion".to_string()),
        false => Ok(()),
    }
}

// Checks, for `defer!`: the output parses as statements, once every block copied from the
// input whose own statements do not parse is emptied (that is the user's code, which rustc
// reports as it is).
fn check_defer(input: &TokenStream, output: &TokenStream) -> Result<bool, String> {
    let user_code = user_code(input);
    let output = without_broken_user_blocks(output, &user_code);
    parse_statements(&output)
        .map(|()| true)
        .map_err(|e| format!("the output does not parse as statements: {e}"))
}

fn parse_items(tokens: &TokenStream) -> syn::Result<()> {
    let items = |input: ParseStream| {
        while !input.is_empty() {
            input.parse::<syn::Item>()?;
        }
        Ok(())
    };
    items.parse2(tokens.clone())
}

fn parse_statements(tokens: &TokenStream) -> syn::Result<()> {
    let statements = |input: ParseStream| syn::Block::parse_within(input).map(drop);
    statements.parse2(tokens.clone())
}

/// The texts a block of `defer!`'s output may be copied from: the whole input, each of its
/// tails (a closure's body), each group's content.
fn user_code(input: &TokenStream) -> HashSet<String> {
    let trees: Vec<TokenTree> = input.clone().into_iter().collect();
    let mut texts: HashSet<String> = (0..=trees.len())
        .map(|start| {
            trees[start..]
                .iter()
                .cloned()
                .collect::<TokenStream>()
                .to_string()
        })
        .collect();
    fn groups(stream: &TokenStream, texts: &mut HashSet<String>) {
        for tree in stream.clone() {
            if let TokenTree::Group(group) = tree {
                texts.insert(group.stream().to_string());
                groups(&group.stream(), texts);
            }
        }
    }
    groups(input, &mut texts);
    texts
}

fn without_broken_user_blocks(output: &TokenStream, user_code: &HashSet<String>) -> TokenStream {
    output
        .clone()
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let stream = group.stream();
                let copied = user_code.contains(&stream.to_string());
                let broken = group.delimiter() == Delimiter::Brace
                    && copied
                    && parse_statements(&stream).is_err();
                let stream = if broken {
                    TokenStream::new()
                } else {
                    without_broken_user_blocks(&stream, user_code)
                };
                let mut new = Group::new(group.delimiter(), stream);
                new.set_span(group.span());
                TokenTree::Group(new)
            }
            other => other,
        })
        .collect()
}

/// Whether `stream` has a group without delimiters, at any depth.
fn has_invisible_group(stream: &TokenStream) -> bool {
    stream.clone().into_iter().any(|tree| match tree {
        TokenTree::Group(group) => {
            group.delimiter() == Delimiter::None || has_invisible_group(&group.stream())
        }
        _ => false,
    })
}

/// The top-level trees, with invisible groups opened (rustc's parser sees through them).
fn flat(stream: &TokenStream) -> Vec<TokenTree> {
    stream
        .clone()
        .into_iter()
        .flat_map(|tree| match tree {
            TokenTree::Group(group) if group.delimiter() == Delimiter::None => {
                flat(&group.stream())
            }
            other => vec![other],
        })
        .collect()
}

/// `name` in the first `fn name` at the item's top level.
fn fn_name(item: &TokenStream) -> Option<String> {
    flat(item).windows(2).find_map(|pair| match pair {
        [TokenTree::Ident(keyword), TokenTree::Ident(name)] if keyword == "fn" => {
            Some(name.to_string())
        }
        _ => None,
    })
}

fn emits_fn(output: &TokenStream, name: &str) -> bool {
    flat(output).windows(2).any(|pair| match pair {
        [TokenTree::Ident(keyword), TokenTree::Ident(ident)] => keyword == "fn" && ident == name,
        _ => false,
    })
}

fn ends_with_item(output: &TokenStream, item: &TokenStream) -> bool {
    match flat(output).as_slice() {
        [TokenTree::Group(block)] if block.delimiter() == Delimiter::Brace => {
            before_item(output, item).is_some() || before_item(&block.stream(), item).is_some()
        }
        _ => before_item(output, item).is_some(),
    }
}

/// What comes before `item` in `stream`, if `stream` ends with it, tree for tree.
fn before_item(stream: &TokenStream, item: &TokenStream) -> Option<TokenStream> {
    // Its text, and a punctuation's spacing (`'a` is not `' a`).
    let text = |tree: &TokenTree| match tree {
        TokenTree::Punct(punct) => format!("{}{:?}", punct.as_char(), punct.spacing()),
        other => other.to_string(),
    };
    let item: Vec<String> = flat(item).iter().map(text).collect();
    let trees = flat(stream);
    let start = trees.len().checked_sub(item.len())?;
    let ends_with = trees[start..].iter().map(text).eq(item);
    ends_with.then(|| trees[..start].iter().cloned().collect())
}

fn mentions_compile_error(stream: &TokenStream) -> bool {
    count_ident(stream, "compile_error") > 0
}

/// How many times the identifier `word` stands in `stream`, at any depth.
fn count_ident(stream: &TokenStream, word: &str) -> usize {
    let count = |tree| match tree {
        TokenTree::Ident(ident) => usize::from(ident == word),
        TokenTree::Group(group) => count_ident(&group.stream(), word),
        _ => 0,
    };
    stream.clone().into_iter().map(count).sum()
}

/// Whether `a` and `b` are the same tokens, invisible groups aside, and but for the text of
/// string literals (the messages, which may show a type spaced otherwise).
pub(super) fn same_tokens(a: &TokenStream, b: &TokenStream) -> bool {
    let (a, b) = (flat(a), flat(b));
    let same = |pair: (&TokenTree, &TokenTree)| match pair {
        (TokenTree::Group(a), TokenTree::Group(b)) => {
            a.delimiter() == b.delimiter() && same_tokens(&a.stream(), &b.stream())
        }
        (TokenTree::Ident(a), TokenTree::Ident(b)) => a == b,
        (TokenTree::Punct(a), TokenTree::Punct(b)) => a.as_char() == b.as_char(),
        (TokenTree::Literal(a), TokenTree::Literal(b)) => {
            let (a, b) = (a.to_string(), b.to_string());
            a == b || (a.ends_with('"') && b.ends_with('"'))
        }
        _ => false,
    };
    a.len() == b.len() && a.iter().zip(&b).all(same)
}

/// Tokens as a reader of a report needs them: invisible groups as `«…»`, joint punctuation
/// without a space after it.
pub(super) fn show(stream: &TokenStream) -> String {
    let mut shown = String::new();
    for tree in stream.clone() {
        match &tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("«", "»"),
                };
                shown.push_str(&format!("{open}{}{close} ", show(&group.stream())));
            }
            TokenTree::Punct(punct) if punct.spacing() == Spacing::Joint => {
                shown.push(punct.as_char());
            }
            other => shown.push_str(&format!("{other} ")),
        }
    }
    shown.trim_end().to_string()
}
