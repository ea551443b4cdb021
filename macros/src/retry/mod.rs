//! `#[retry(...)]`, by phase: [`config`] parses the keys, [`validate`] checks them and the
//! function (every rule and message; [`fleet`] and [`within`] hold those of some keys),
//! [`expand`] writes the function over the runtime's driver, and `crate::fallback` keeps
//! the item when something is wrong.

mod config;
mod expand;
mod fleet;
mod validate;
mod within;

use proc_macro2::TokenStream;

use crate::attr::Errors;
use crate::fallback::with_errors;
use crate::func::Function;

pub(crate) use config::Config;
#[cfg(test)]
pub(crate) use config::KEYS;

/// Expands `#[retry(args)]` on `func`, whose body is already what each attempt runs
/// (`crate::stack` puts a `#[recover]` below it inside). `item` is the function as written,
/// kept on error.
pub(crate) fn expand(
    config: Config,
    mut func: Function,
    item: TokenStream,
    mut errors: Errors,
) -> TokenStream {
    let is_async = func.sig.asyncness.is_some();
    within::check(&config, is_async, &mut errors);
    let policy = validate::policy(config, is_async, &mut errors);
    validate::signature(&func, &mut errors);
    if let Some(name) = &policy.attempt_number {
        fleet::check_attempt_number_is_free(name, &func.sig, &mut errors);
    }
    let args = crate::args::split(&mut func.sig, &mut errors);
    if !errors.is_empty() {
        return with_errors(errors, item);
    }
    if is_async {
        expand::asynchronous(&func, &policy, &args)
    } else {
        expand::synchronous(&func, &policy, &args)
    }
}

/// Checks the keys alone, for an item that is not a function (so that every mistake is
/// reported at once).
pub(crate) fn check_keys(config: Config, errors: &mut Errors) {
    within::check(&config, true, errors);
    let _ = validate::policy(config, true, errors);
}
