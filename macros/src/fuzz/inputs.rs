//! The inputs: arguments and items put together from the fragments of [`pools`], then
//! perhaps mutated, or trees made at random.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Punct, Spacing, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};

use super::items::*;
use super::pools::*;
use super::rng::Rng;
use super::trees::{mutate, random_stream};

/// One input of a macro.
pub(super) struct Case {
    /// The attribute's arguments (empty for `defer!`).
    pub(super) args: TokenStream,
    /// The item the attribute is put on, or the input of `defer!`.
    pub(super) item: TokenStream,
    /// Where the case is made of whole fragments: the same arguments and item as a
    /// `macro_rules!` passes them (`$value:expr`, `$vis:vis`, `$pat:pat`, `$t:ty`,
    /// `$body:block`, each in an invisible group). The macro must take them alike.
    pub(super) from_macro_rules: Option<(TokenStream, TokenStream)>,
}

thread_local! {
    /// Each fragment lexed once (a debug build lexes and parses slowly).
    static LEXED: RefCell<HashMap<&'static str, TokenStream>> = RefCell::default();
    /// Whether a fragment is a `T` (its `TypeId`), parsed once.
    static KINDS: RefCell<HashMap<(&'static str, TypeId), bool>> = RefCell::default();
}

/// Lexes a fragment of [`pools`] or [`items`] (each is balanced source text).
pub(super) fn tokens(text: &'static str) -> TokenStream {
    let cached = LEXED.with(|lexed| lexed.borrow().get(text).cloned());
    cached.unwrap_or_else(|| {
        let tokens: TokenStream = text
            .parse()
            .unwrap_or_else(|error| panic!("the fragment `{text}` does not lex: {error}"));
        LEXED.with(|lexed| lexed.borrow_mut().insert(text, tokens.clone()));
        tokens
    })
}

/// `count` fragments of `pick`'s, one after the other.
fn several(count: usize, mut pick: impl FnMut() -> &'static str) -> TokenStream {
    (0..count).flat_map(|_| tokens(pick())).collect()
}

/// `stream` in a group without delimiters, as `macro_rules!` passes a fragment.
fn invisible(stream: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(Delimiter::None, stream))
}

fn punct(ch: char) -> TokenTree {
    TokenTree::Punct(Punct::new(ch, Spacing::Alone))
}

/// What a case is made of.
enum Shape {
    /// Fragments put together as they are, all of them right ones (`careful`) or not.
    Composed { careful: bool },
    /// Composed, then mutated a few times.
    Mutated,
    /// Trees made at random.
    Random,
}

fn shape(rng: &mut Rng) -> Shape {
    match rng.below(100) {
        0..=24 => Shape::Composed { careful: true },
        25..=49 => Shape::Composed { careful: false },
        50..=84 => Shape::Mutated,
        _ => Shape::Random,
    }
}

/// A fragment of `part`: a right one if `careful`, else mostly.
fn pick(rng: &mut Rng, part: &Part, careful: bool) -> &'static str {
    if careful || rng.chance(75) {
        rng.pick(part.right)
    } else {
        rng.pick(part.wrong)
    }
}

/// A case of `#[retry]` or `#[recover]` (`recover` picks which).
pub(super) fn attribute_case(rng: &mut Rng, recover: bool) -> Case {
    let shape = shape(rng);
    let careful = matches!(shape, Shape::Composed { careful: true });
    let pairs = match recover {
        true => recover_pairs(rng, careful),
        false => retry_pairs(rng, careful),
    };
    let trailing_comma = rng.chance(10);
    let args = arguments(&pairs, false, trailing_comma);
    let (item, from_fragments) = if careful || rng.chance(85) {
        function(rng, careful)
    } else {
        let item = tokens(rng.pick(OTHER_ITEMS));
        (item.clone(), item)
    };
    let case = |args, item| Case {
        args,
        item,
        from_macro_rules: None,
    };
    match shape {
        Shape::Composed { .. } => Case {
            from_macro_rules: Some((arguments(&pairs, true, trailing_comma), from_fragments)),
            ..case(args, item)
        },
        Shape::Mutated => match rng.below(3) {
            0 => case(mutate_times(rng, args), item),
            1 => case(args, mutate_times(rng, item)),
            _ => case(mutate_times(rng, args), mutate_times(rng, item)),
        },
        Shape::Random => {
            let len = rng.below(8);
            let random = random_stream(rng, len, 3);
            match rng.below(3) {
                0 => case(random, item),
                1 => case(args, random),
                _ => case(random, random_stream(rng, len, 3)),
            }
        }
    }
}

// Output: `move on_success { v.push(1); }`, and `move on_success «{ v.push(1); }»`
/// A case of `defer!`, and the same as a `macro_rules!` passes it, with a `$body:block` or
/// as an `$e:expr`.
pub(super) fn defer_case(rng: &mut Rng) -> Case {
    let (composed, from_macro_rules) = match rng.below(4) {
        // As written, and as a `$e:expr` (if it is one).
        0 => {
            let input = rng.pick(DEFER_INPUTS);
            let passed = fragment::<syn::Expr>(input).map(|passed| (TokenStream::new(), passed));
            (tokens(input), passed)
        }
        // Statements alone: `defer! { ... }` as the macro receives it, without its braces.
        1 if rng.chance(50) => (statements(rng), None),
        _ => {
            let words = several(rng.below(3), || rng.pick(DEFER_WORDS));
            let block: TokenStream = braced(statements(rng)).into();
            let is_block = syn::parse2::<syn::Block>(block.clone()).is_ok();
            let mut passed = words.clone();
            passed.extend([invisible(block.clone())]);
            let mut written = words;
            written.extend(block);
            (written, is_block.then_some((TokenStream::new(), passed)))
        }
    };
    let item = match shape(rng) {
        Shape::Composed { .. } => {
            return Case {
                args: TokenStream::new(),
                item: composed,
                from_macro_rules,
            }
        }
        Shape::Mutated => mutate_times(rng, composed),
        Shape::Random => {
            let len = rng.below(6);
            random_stream(rng, len, 3)
        }
    };
    Case {
        args: TokenStream::new(),
        item,
        from_macro_rules: None,
    }
}

/// Up to three statements (or not quite).
fn statements(rng: &mut Rng) -> TokenStream {
    let count = rng.below(4);
    several(count, || rng.pick(DEFER_STATEMENTS))
}

fn braced(tokens: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(Delimiter::Brace, tokens))
}

fn mutate_times(rng: &mut Rng, mut tokens: TokenStream) -> TokenStream {
    for _ in 0..=rng.below(3) {
        tokens = mutate(rng, tokens);
    }
    tokens
}

/// `key` or `key = value`.
struct Pair {
    key: &'static str,
    value: Option<&'static str>,
}

// Input:  `[attempts = 3, delay]`, with `invisible`
// Output: `attempts = «3», delay` («…» a group without delimiters)
/// The argument list of `pairs`, each value in an invisible group if `invisible`.
fn arguments(pairs: &[Pair], invisible_values: bool, trailing_comma: bool) -> TokenStream {
    let mut args = TokenStream::new();
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            args.extend([punct(',')]);
        }
        args.extend(tokens(pair.key));
        if let Some(value) = pair.value {
            args.extend([punct('=')]);
            match invisible_values {
                true => args.extend([invisible(tokens(value))]),
                false => args.extend(tokens(value)),
            }
        }
    }
    if trailing_comma && !pairs.is_empty() {
        args.extend([punct(',')]);
    }
    args
}

/// Keys of `#[retry]`, each with a value of its own kind if `careful`; else any key, with
/// a value of its kind, of any kind, or none.
fn retry_pairs(rng: &mut Rng, careful: bool) -> Vec<Pair> {
    let count = if careful { rng.below(4) } else { rng.below(7) };
    let mut pairs: Vec<Pair> = Vec::new();
    for _ in 0..count {
        let key = match careful || rng.chance(80) {
            true => rng.pick(RETRY_KEYS),
            false => rng.pick(OTHER_KEYS),
        };
        if careful && pairs.iter().any(|pair| pair.key == key) {
            continue;
        }
        let value = value(rng, retry_values(key), careful);
        pairs.push(Pair { key, value });
    }
    pairs
}

/// Usually one of `default`, `with = f`, or none; sometimes more, or misspelt.
fn recover_pairs(rng: &mut Rng, careful: bool) -> Vec<Pair> {
    let count = match rng.below(10) {
        0..=3 => 0,
        _ if careful => 1,
        4..=7 => 1,
        _ => 2 + rng.below(2),
    };
    (0..count)
        .map(|_| match rng.below(10) {
            // `default` is written alone.
            0..=3 if careful || rng.chance(70) => Pair {
                key: "default",
                value: None,
            },
            0..=3 => Pair {
                key: "default",
                value: value(rng, RECOVER_VALUES, false),
            },
            _ if careful => Pair {
                key: "with",
                value: value(rng, RECOVER_VALUES, true),
            },
            4..=7 => Pair {
                key: "with",
                value: value(rng, RECOVER_VALUES, false),
            },
            _ => Pair {
                key: rng.pick(OTHER_KEYS),
                value: value(rng, RECOVER_VALUES, false),
            },
        })
        .collect()
}

/// A value from `own` if `careful`; else none, nothing after `=`, or one from `own` or
/// from [`VALUES`].
fn value(rng: &mut Rng, own: &'static [&'static str], careful: bool) -> Option<&'static str> {
    if careful {
        return Some(rng.pick(own));
    }
    match rng.below(100) {
        0..=9 => None,
        10..=14 => Some(""),
        15..=64 => Some(rng.pick(own)),
        _ => Some(rng.pick(VALUES)),
    }
}

// Output: `#[inline] pub async fn fetch<'a>(&self, x: u32) -> Result<u32, E> where T: Clone { Ok(1) }`,
//         and `#[inline] «pub» async fn fetch<'a>(&self, «x»: «u32») -> «Result<u32, E>» where
//         T: Clone «{ Ok(1) }»`
/// A function from parts picked one by one (all right ones if `careful`), and the same as
/// a `macro_rules!` passes it, its visibility, patterns, types and body from fragments.
fn function(rng: &mut Rng, careful: bool) -> (TokenStream, TokenStream) {
    let mut item = TokenStream::new();
    let mut from_fragments = TokenStream::new();
    // Each part as written, and as a fragment passes it (where it differs).
    let mut both = |plain: TokenStream, passed: Option<TokenStream>| {
        item.extend(plain.clone());
        from_fragments.extend(passed.unwrap_or(plain));
    };
    let count = rng.below(3);
    both(
        several(count, || pick(rng, &OUTER_ATTRIBUTES, careful)),
        None,
    );
    let vis = pick(rng, &VISIBILITIES, careful);
    // An empty `$vis` is an empty invisible group.
    let vis_passed = match vis {
        "" => Some(invisible(TokenStream::new()).into()),
        _ => fragment::<syn::Visibility>(vis),
    };
    both(tokens(vis), vis_passed);
    let qualifiers = pick(rng, &QUALIFIERS, careful);
    let fn_token = if careful || rng.chance(97) { "fn" } else { "" };
    let name = pick(rng, &NAMES, careful);
    let generics = pick(rng, &GENERICS, careful);
    let head = [qualifiers, fn_token, name, generics];
    both(head.into_iter().flat_map(tokens).collect(), None);
    let mut inputs = TokenStream::new();
    let mut inputs_from_fragments = TokenStream::new();
    for i in 0..rng.below(4) {
        if i > 0 {
            inputs.extend([punct(',')]);
            inputs_from_fragments.extend([punct(',')]);
        }
        let input = pick(rng, &INPUTS, careful);
        inputs.extend(tokens(input));
        inputs_from_fragments.extend(input_from_fragments(input));
    }
    both(
        TokenStream::from(TokenTree::Group(Group::new(Delimiter::Parenthesis, inputs))),
        Some(TokenTree::Group(Group::new(Delimiter::Parenthesis, inputs_from_fragments)).into()),
    );
    let ret = pick(rng, &RETURNS, careful);
    if !ret.is_empty() {
        both(tokens("->"), None);
    }
    both(tokens(ret), fragment::<syn::Type>(ret));
    both(tokens(pick(rng, &WHERE_CLAUSES, careful)), None);
    let body = pick(rng, &BODIES, careful);
    both(tokens(body), fragment::<syn::Block>(body));
    (item, from_fragments)
}

/// `«text»`, if `text` is a `T` (and so could be a `macro_rules!` fragment).
fn fragment<T: Parse + 'static>(text: &'static str) -> Option<TokenStream> {
    let tokens = tokens(text);
    let key = (text, TypeId::of::<T>());
    let known = KINDS.with(|kinds| kinds.borrow().get(&key).copied());
    let is_fragment = known.unwrap_or_else(|| {
        let is = !tokens.is_empty() && syn::parse2::<T>(tokens.clone()).is_ok();
        KINDS.with(|kinds| kinds.borrow_mut().insert(key, is));
        is
    });
    is_fragment.then(|| invisible(tokens).into())
}

/// A pattern, as `$pat:pat_param` takes it.
struct Pattern;

impl Parse for Pattern {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        syn::Pat::parse_single(input).map(|_| Pattern)
    }
}

// Input:  `mut x: String`
// Output: `«mut x»: «String»`
/// An argument as a `macro_rules!` passes `$pat: $ty` (the argument as it is where it is
/// not a pattern and a type, as `&self`).
fn input_from_fragments(input: &'static str) -> TokenStream {
    let split = input.split_once(": ").and_then(|(pat, ty)| {
        let is_input = !pat.contains("self") && !pat.contains('#');
        let pat = fragment::<Pattern>(pat).filter(|_| is_input)?;
        Some([pat, tokens(":"), fragment::<syn::Type>(ty)?])
    });
    match split {
        Some(parts) => parts.into_iter().collect(),
        None => tokens(input),
    }
}
