//! Token trees made directly, as no source text gives them (invisible groups, negative
//! literals, any punctuation and spacing), and mutations of a stream at any depth.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

use super::inputs::tokens;
use super::items::{INPUTS, RETURNS};
use super::pools::{DEFER_STATEMENTS, IDENTS, OTHER_KEYS, VALUES};
use super::rng::Rng;

/// Every character `Punct` takes.
const PUNCTUATION: &[char] = &[
    '!', '#', '$', '%', '&', '\'', '*', '+', ',', '-', '.', '/', ':', ';', '<', '=', '>', '?', '@',
    '^', '|', '~',
];

const DELIMITERS: &[Delimiter] = &[
    Delimiter::Parenthesis,
    Delimiter::Brace,
    Delimiter::Bracket,
    Delimiter::None,
];

/// Literals written as source, for their suffixes and forms.
const LITERALS: &[&str] = &[
    "250ms",
    "1.5s",
    "0x10ms",
    "1e3ms",
    "3u8",
    "r#\"x\"#",
    "b'x'",
    "'\\u{10FFFF}'",
    "1_000_000us",
    "1e9999",
    "0.",
    "\"\\\"\\n\"",
    "br\"\\\"",
];

const STRINGS: &[&str] = &[
    "100ms",
    "exp",
    "",
    "10 parsecs",
    "\"\\\n{}",
    "µs",
    "1.5s",
    " ",
];

/// Fragments of every kind, for a mutation that puts real syntax somewhere.
const FRAGMENT_POOLS: &[&[&str]] = &[
    VALUES,
    INPUTS.right,
    INPUTS.wrong,
    RETURNS.right,
    RETURNS.wrong,
    DEFER_STATEMENTS,
    OTHER_KEYS,
];

/// `len` trees, groups nested at most `depth` deep.
pub(super) fn random_stream(rng: &mut Rng, len: usize, depth: usize) -> TokenStream {
    (0..len).map(|_| random_tree(rng, depth)).collect()
}

fn random_tree(rng: &mut Rng, depth: usize) -> TokenTree {
    match rng.below(if depth > 0 { 100 } else { 85 }) {
        0..=39 => TokenTree::Ident(ident(rng)),
        40..=69 => {
            let spacing = if rng.chance(30) {
                Spacing::Joint
            } else {
                Spacing::Alone
            };
            TokenTree::Punct(Punct::new(rng.pick(PUNCTUATION), spacing))
        }
        70..=84 => TokenTree::Literal(literal(rng)),
        _ => {
            let len = rng.below(4);
            let stream = random_stream(rng, len, depth - 1);
            TokenTree::Group(Group::new(rng.pick(DELIMITERS), stream))
        }
    }
}

fn ident(rng: &mut Rng) -> Ident {
    let word = rng.pick(IDENTS);
    // Raw where a word may be (`r#fn`, never `r#self` or `r#_`).
    let may_be_raw = !matches!(word, "_" | "self" | "Self" | "crate" | "super");
    if may_be_raw && rng.chance(5) {
        Ident::new_raw(word, Span::call_site())
    } else {
        Ident::new(word, Span::call_site())
    }
}

fn literal(rng: &mut Rng) -> Literal {
    match rng.below(15) {
        0 => Literal::u8_suffixed(rng.next_u64() as u8),
        1 => Literal::u32_unsuffixed(rng.next_u64() as u32),
        2 => Literal::u64_unsuffixed(rng.next_u64() >> rng.below(64)),
        // One token `-3`, which a `macro_rules!` can pass but no source text lexes to.
        3 => Literal::i32_unsuffixed(-(rng.below(10) as i32)),
        4 => Literal::i128_suffixed(i128::MIN),
        5 => Literal::u128_unsuffixed(u128::MAX),
        6 => {
            let float = f64::from_bits(rng.next_u64());
            Literal::f64_unsuffixed(if float.is_finite() { float } else { 0.5 })
        }
        7 => Literal::f32_suffixed(-0.5),
        8 => Literal::string(rng.pick(STRINGS)),
        9 => Literal::character(rng.pick(&['\'', '"', '\0', 'µ', '\u{10FFFF}', 'a'])),
        10 => Literal::byte_string(b"\xff\0ms"),
        11 => Literal::c_string(c"exp"),
        12 => Literal::byte_character(b'\''),
        13 => Literal::usize_unsuffixed(0),
        _ => rng.pick(LITERALS).parse().expect("a literal"),
    }
}

/// One mutation, at the top level or inside a group (at any depth).
pub(super) fn mutate(rng: &mut Rng, stream: TokenStream) -> TokenStream {
    let mut trees: Vec<TokenTree> = stream.into_iter().collect();
    let groups: Vec<usize> = (0..trees.len())
        .filter(|&i| matches!(trees[i], TokenTree::Group(_)))
        .collect();
    if !groups.is_empty() && rng.chance(40) {
        let i = rng.pick(&groups);
        if let TokenTree::Group(group) = &trees[i] {
            let inner = mutate(rng, group.stream());
            trees[i] = TokenTree::Group(respelt(group, group.delimiter(), inner));
        }
    } else {
        mutate_here(rng, &mut trees);
    }
    trees.into_iter().collect()
}

/// `group` with another delimiter and stream, its span kept.
fn respelt(group: &Group, delimiter: Delimiter, stream: TokenStream) -> Group {
    let mut new = Group::new(delimiter, stream);
    new.set_span(group.span());
    new
}

/// Drops, doubles, swaps, replaces, inserts, truncates, regroups or ungroups a tree.
fn mutate_here(rng: &mut Rng, trees: &mut Vec<TokenTree>) {
    if trees.is_empty() {
        trees.push(random_tree(rng, 2));
        return;
    }
    let len = trees.len();
    let i = rng.below(len);
    match rng.below(10) {
        0 => drop(trees.remove(i)),
        1 => trees.insert(i, trees[i].clone()),
        2 => {
            let j = if rng.chance(70) {
                (i + 1).min(len - 1)
            } else {
                rng.below(len)
            };
            trees.swap(i, j);
        }
        3 => trees[i] = random_tree(rng, 2),
        4 => trees.insert(i, random_tree(rng, 2)),
        5 => trees.truncate(i),
        6 => {
            let pool = rng.pick(FRAGMENT_POOLS);
            let fragment: Vec<TokenTree> = tokens(rng.pick(pool)).into_iter().collect();
            let replaced = usize::from(rng.chance(50));
            trees.splice(i..i + replaced, fragment);
        }
        7 => match &trees[i] {
            TokenTree::Group(group) => {
                trees[i] = TokenTree::Group(respelt(group, rng.pick(DELIMITERS), group.stream()))
            }
            TokenTree::Punct(punct) => {
                let spacing = match punct.spacing() {
                    Spacing::Alone => Spacing::Joint,
                    Spacing::Joint => Spacing::Alone,
                };
                let mut flipped = Punct::new(punct.as_char(), spacing);
                flipped.set_span(punct.span());
                trees[i] = TokenTree::Punct(flipped);
            }
            _ => drop(trees.remove(i)),
        },
        8 => {
            if let TokenTree::Group(group) = trees[i].clone() {
                trees.splice(i..=i, group.stream());
            } else {
                trees.insert(i, trees[i].clone());
            }
        }
        _ => {
            let end = i + 1 + rng.below(len - i);
            let inner: TokenStream = trees.drain(i..end).collect();
            trees.insert(i, TokenTree::Group(Group::new(rng.pick(DELIMITERS), inner)));
        }
    }
}
