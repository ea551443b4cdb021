//! Procedural macros of [steadfast](https://docs.rs/steadfast). Depend on `steadfast`, not
//! on this crate: the generated code names `::steadfast::__private`.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod attr;
mod defer;
mod duration;
mod func;
mod recover;
mod retry;
mod suggest;

/// Runs a block when the enclosing scope ends. See `steadfast::defer!`.
#[proc_macro]
pub fn defer(input: TokenStream) -> TokenStream {
    defer::expand(input.into()).into()
}

/// Retries a function that returns `Result`. See `steadfast::retry`.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    retry::expand(args.into(), item.into()).into()
}

/// Turns a panic in the function into its `Err`, its default, or a fallback value. See
/// `steadfast::recover`.
#[proc_macro_attribute]
pub fn recover(args: TokenStream, item: TokenStream) -> TokenStream {
    recover::expand(args.into(), item.into()).into()
}
