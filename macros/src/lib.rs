//! Procedural macros of [steadfast](https://docs.rs/steadfast). Depend on `steadfast`, not
//! on this crate: the generated code names `::steadfast::__private`.
//!
//! Each macro works in phases: parse (`attr`, `func`, `retry::config`), validate (every
//! rule and message: `retry::validate`, `recover`, `defer`), expand (`retry::expand`,
//! `args`, `recover`), and `fallback` on error. `stack` is where `#[retry]` and
//! `#[recover]` meet.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod args;
mod attr;
mod defer;
mod duration;
mod fallback;
mod func;
#[cfg(test)]
mod fuzz;
mod recover;
mod retry;
mod stack;
mod suggest;

/// Runs a block when the enclosing scope ends. See `steadfast::defer!`.
#[proc_macro]
pub fn defer(input: TokenStream) -> TokenStream {
    defer::expand(input.into()).into()
}

/// Retries a function that returns `Result`. See `steadfast::retry`.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    stack::retry(args.into(), item.into()).into()
}

/// Turns a panic in the function into its `Err`, its default, or a fallback value. See
/// `steadfast::recover`.
#[proc_macro_attribute]
pub fn recover(args: TokenStream, item: TokenStream) -> TokenStream {
    stack::recover(args.into(), item.into()).into()
}
