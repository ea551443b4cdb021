//! The three expanders, called as functions on tens of thousands of random and mutated
//! inputs: none may panic, lose the item it was put on, or emit what rustc cannot parse.
//!
//! Each case is an argument list and an item (or `defer!`'s input), made of real fragments
//! ([`pools`], [`items`]: keys, values, signatures, bodies, right and wrong) put together at
//! random, then perhaps mutated (a tree dropped, doubled, swapped, replaced, regrouped, the
//! stream cut short), or trees made at random as no source text gives them (groups without
//! delimiters, negative literals, any punctuation and spacing). [`check`] says what every
//! output must be. A case put together from whole fragments is also expanded as a
//! `macro_rules!` passes it (`$value:expr`, `$vis:vis`, `$pat:pat`, `$t:ty`, `$body:block`,
//! each in a group without delimiters): it must expand to the same tokens.
//!
//! The run is seeded and bounded: `cargo test` runs the same cases every time, 12,000 of
//! `defer!` and 5,000 each of `#[retry]` and `#[recover]` (about 0.15 ms a case of `defer!`
//! and 0.55 ms of the others: some 7 s of CPU, 4 to 5 s on two cores). A longer run, for
//! maintainers, with another seed each time (`STEADFAST_FUZZ_CASES` is the number of cases
//! of each macro; 200,000 take about two minutes, and `--release` saves little, the time
//! going to copying tokens):
//!
//! ```text
//! STEADFAST_FUZZ_CASES=200000 STEADFAST_FUZZ_SEED=$RANDOM \
//!     cargo test -p steadfast-macros fuzz -- --nocapture
//! ```
//!
//! A failure lists every input that broke a rule (up to 20 for each macro), with the seed
//! and the case's number: `STEADFAST_FUZZ_CASE=n`, with the same seed, runs that case alone.
//! `--nocapture` shows how many cases passed, how many of them with an error, and how many
//! outputs were parsed.

mod check;
mod inputs;
mod items;
mod pools;
mod rng;
mod trees;

use check::{check, expand, same_tokens, show, Macro, Outcome};
use inputs::{attribute_case, defer_case, Case};
use rng::Rng;

const DEFAULT_SEED: u64 = 0x5EED_F00D_2024;
/// Failures listed for each macro before the run stops.
const MOST_FINDINGS: usize = 20;

// The default numbers of cases: each test takes two to three seconds of one core.
#[test]
fn defer_survives_any_input() {
    run(Macro::Defer, "defer!", 12_000);
}

#[test]
fn retry_survives_any_input() {
    run(Macro::Retry, "#[retry]", 5_000);
}

#[test]
fn recover_survives_any_input() {
    run(Macro::Recover, "#[recover]", 5_000);
}

/// `STEADFAST_FUZZ_CASES`, `STEADFAST_FUZZ_SEED` (decimal or `0x` hex), `STEADFAST_FUZZ_CASE`.
struct Settings {
    cases: u64,
    seed: u64,
    only: Option<u64>,
}

fn settings(default_cases: u64) -> Settings {
    fn var(name: &str) -> Option<u64> {
        let text = std::env::var(name).ok()?;
        let number = match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => text.parse(),
        };
        Some(number.unwrap_or_else(|_| panic!("{name}={text} is not a number")))
    }
    Settings {
        cases: var("STEADFAST_FUZZ_CASES").unwrap_or(default_cases),
        seed: var("STEADFAST_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
        only: var("STEADFAST_FUZZ_CASE"),
    }
}

fn run(mac: Macro, name: &str, default_cases: u64) {
    let Settings { cases, seed, only } = settings(default_cases);
    let numbers = match only {
        Some(case) => case..case + 1,
        None => 0..cases,
    };
    let (mut expanded, mut errored, mut parsed) = (0u64, 0u64, 0u64);
    let mut findings: Vec<String> = Vec::new();
    for number in numbers.clone() {
        let mut rng = Rng::for_case(seed, mac as u64, number);
        let case = match mac {
            Macro::Defer => defer_case(&mut rng),
            Macro::Retry => attribute_case(&mut rng, false),
            Macro::Recover => attribute_case(&mut rng, true),
        };
        let report = |problem: String, args: &proc_macro2::TokenStream| {
            format!(
                "case {number} (STEADFAST_FUZZ_SEED={seed:#x} STEADFAST_FUZZ_CASE={number}): \
                 {problem}\n  args: {}\n  item: {}",
                show(args),
                show(&case.item)
            )
        };
        match check(mac, &case.args, &case.item) {
            Ok(outcome) => {
                expanded += 1;
                errored += u64::from(outcome.errored);
                parsed += u64::from(outcome.parsed);
                if let Err((problem, args)) = check_as_macro_rules_passes_it(mac, &case, &outcome) {
                    findings.push(report(problem, &args));
                }
            }
            Err(problem) => findings.push(report(problem, &case.args)),
        }
        if findings.len() >= MOST_FINDINGS {
            break;
        }
    }
    eprintln!(
        "{name}: {} cases (seed {seed:#x}): {expanded} passed the checks, {errored} of them \
         with a compile error, {parsed} parsed",
        numbers.end - numbers.start
    );
    assert!(
        findings.is_empty(),
        "{name} broke a rule on {} input(s):\n\n{}",
        findings.len(),
        findings.join("\n\n")
    );
}

/// The case again as a `macro_rules!` passes it, its fragments in invisible groups: it must
/// expand to the same tokens (invisible groups aside), so that what [`check`] said of the
/// output holds for this one too. `Err` with the problem and the arguments if it does not.
fn check_as_macro_rules_passes_it(
    mac: Macro,
    case: &Case,
    outcome: &Outcome,
) -> Result<(), (String, proc_macro2::TokenStream)> {
    let Some((args, item)) = &case.from_macro_rules else {
        return Ok(());
    };
    let item_shown = || format!("\n  item as passed: {}", show(item));
    match expand(mac, args, item) {
        Ok(passed) if same_tokens(&passed, &outcome.output) => Ok(()),
        Ok(passed) => {
            let problem = format!(
                "from `macro_rules!` fragments (`$value:expr`, `$t:ty`, `$body:block`...) the \
                 expansion differs{}\n  expansion: {}\n  written out: {}",
                item_shown(),
                show(&passed),
                show(&outcome.output),
            );
            Err((problem, args.clone()))
        }
        Err(problem) => Err((format!("{problem}{}", item_shown()), args.clone())),
    }
}
