//! What an attribute emits when the input is wrong: the errors, and the item as it was, so
//! that the rest of the crate still type-checks and the IDE keeps working.

use proc_macro2::TokenStream;

use crate::attr::Errors;
use crate::func::as_closure;

// Input:  errors `[unknown key `atempts`]`, item `fn fetch() -> Result<..> { .. }`
// Output: `compile_error!("unknown key `atempts` ..."); fn fetch() -> Result<..> { .. }`
pub(crate) fn with_errors(errors: Errors, item: TokenStream) -> TokenStream {
    let errors = errors.into_compile_errors();
    if as_closure(&item).is_some() {
        // An expression: one block, so that `compile_error!` does not become an operand.
        return quote::quote! { { #errors #item } };
    }
    quote::quote! { #errors #item }
}
