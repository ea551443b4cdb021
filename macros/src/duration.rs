//! Durations written in attributes: `"250ms"`, `250ms`, `"1.5s"`, checked at compile time.

use proc_macro2::Span;
use syn::{Expr, Lit};

use crate::attr::list;
use crate::suggest::closest;

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];
const UNIT_NAMES: &[&str] = &["ns", "us", "ms", "s", "m", "h"];
/// Units as other languages and crates spell them, for "did you mean".
const UNIT_SPELLINGS: &[(&str, &str)] = &[
    ("nanos", "ns"),
    ("nsec", "ns"),
    ("nanoseconds", "ns"),
    ("micros", "us"),
    ("usec", "us"),
    ("µs", "us"),
    ("microseconds", "us"),
    ("millis", "ms"),
    ("msec", "ms"),
    ("msecs", "ms"),
    ("milliseconds", "ms"),
    ("sec", "s"),
    ("secs", "s"),
    ("second", "s"),
    ("seconds", "s"),
    ("min", "m"),
    ("mins", "m"),
    ("minute", "m"),
    ("minutes", "m"),
    ("hr", "h"),
    ("hrs", "h"),
    ("hour", "h"),
    ("hours", "h"),
];

/// A duration value: a literal checked now, or an expression of type `Duration`.
pub(crate) enum DurationValue {
    Nanos(u64),
    Expr(Box<Expr>),
}

/// Reads a duration key's value. `key` names it in messages.
pub(crate) fn parse_duration(key: &str, value: &Expr) -> Result<DurationValue, syn::Error> {
    let (text, span, written) = match value {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => (s.value(), s.span(), Written::Quoted),
            Lit::Int(i) => (i.to_string(), i.span(), Written::Bare),
            Lit::Float(f) => (f.to_string(), f.span(), Written::Bare),
            _ => return Err(not_a_duration(key, value, None)),
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            return Err(syn::Error::new_spanned(
                value,
                format!("`{key}` cannot be negative: write a duration such as `{key} = \"100ms\"`"),
            ))
        }
        // `Duration::from_millis(5)`, a constant: checked by the type system.
        Expr::Path(_) | Expr::Call(_) | Expr::MethodCall(_) | Expr::Block(_) | Expr::Macro(_) => {
            return Ok(DurationValue::Expr(Box::new(value.clone())))
        }
        _ => return Err(not_a_duration(key, value, None)),
    };
    nanos_of(key, &text, written, span).map(DurationValue::Nanos)
}

/// How the user wrote a duration, so that a message shows it the same way.
#[derive(Clone, Copy)]
enum Written {
    /// `"250ms"`
    Quoted,
    /// `250ms`
    Bare,
}

impl Written {
    fn show(self, text: &str) -> String {
        match self {
            Written::Quoted => format!("\"{text}\""),
            Written::Bare => text.to_string(),
        }
    }
}

fn not_a_duration(key: &str, value: &Expr, detail: Option<String>) -> syn::Error {
    syn::Error::new_spanned(
        value,
        format!(
            "`{key}` takes a duration{}: write a number and a unit ({}), as in `{key} = \"250ms\"`",
            detail.map(|d| format!(" ({d})")).unwrap_or_default(),
            list(UNIT_NAMES, "or")
        ),
    )
}

/// `"1.5s"` → 1_500_000_000.
fn nanos_of(key: &str, text: &str, written: Written, span: Span) -> Result<u64, syn::Error> {
    let error = |message: String| syn::Error::new(span, message);
    let trimmed = text.trim();
    if let Some(rest) = trimmed.strip_prefix('-') {
        return Err(error(format!(
            "`{key}` cannot be negative: write `{key} = {}` or leave the key out",
            written.show(rest.trim())
        )));
    }
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number = number.replace('_', "");
    let unit = unit.trim();
    if number.is_empty() {
        return Err(error(format!(
            "`{key}` takes a duration: write a number and a unit ({}), as in `{key} = \"250ms\"`",
            list(UNIT_NAMES, "or")
        )));
    }
    if unit.is_empty() {
        return Err(error(format!(
            "`{key} = {}` needs a unit: write `{key} = {}` or `{key} = {}` (the units are {})",
            written.show(trimmed),
            written.show(&format!("{number}ms")),
            written.show(&format!("{number}s")),
            list(UNIT_NAMES, "and")
        )));
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        let respelt = UNIT_SPELLINGS
            .iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(unit))
            .map(|(_, unit)| *unit);
        let suggested = respelt.or_else(|| closest(unit, UNIT_NAMES));
        let suggestion = suggested
            .map(|unit| format!("; did you mean `{unit}`?"))
            .unwrap_or_default();
        return Err(error(format!(
            "unknown unit `{unit}` in `{key}`: write a number and one of {}, as in `{key} = {}`{suggestion}",
            list(UNIT_NAMES, "or"),
            written.show(&format!("{number}{}", suggested.unwrap_or("ms"))),
        )));
    };
    let nanos = scaled(&number, scale).ok_or_else(|| {
        error(format!(
            "`{key} = \"{trimmed}\"` is not a number steadfast can read, or is over 500 years"
        ))
    })?;
    u64::try_from(nanos).map_err(|_| error(format!("`{key}` is too long: at most 500 years")))
}

/// A number of nanoseconds as a message shows it, in the units a duration is written in:
/// `7.3s`, `250ms`, `1.5m`, `0s`. Exact: minutes and hours only when three decimals say it all.
pub(crate) fn show(nanos: u128) -> String {
    for &(unit, scale) in UNITS.iter().rev() {
        if nanos < scale {
            continue;
        }
        let (whole, part) = (nanos / scale, nanos % scale);
        let digits = match scale {
            // Minutes and hours: thousandths, if they are exact.
            60_000_000_000 | 3_600_000_000_000 => match part.checked_mul(1000) {
                Some(thousandths) if thousandths % scale == 0 => {
                    format!("{:03}", thousandths / scale)
                }
                _ => continue,
            },
            _ => {
                let width = scale.ilog10() as usize;
                format!("{part:0width$}")
            }
        };
        let digits = digits.trim_end_matches('0');
        let point = if digits.is_empty() { "" } else { "." };
        return format!("{whole}{point}{digits}{unit}");
    }
    "0s".to_string()
}

/// `number` (decimal, maybe with a fraction) times `scale`, in whole nanoseconds.
fn scaled(number: &str, scale: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.contains('.') || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut nanos = whole.checked_mul(scale)?;
    let mut place = scale;
    for digit in fraction.chars() {
        place /= 10;
        nanos = nanos.checked_add(u128::from(digit.to_digit(10)?) * place)?;
    }
    Some(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(text: &str) -> Result<u64, String> {
        nanos_of("delay", text, Written::Quoted, Span::call_site()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_every_unit_and_fractions() {
        assert_eq!(nanos("250ms"), Ok(250_000_000));
        assert_eq!(nanos("1s"), Ok(1_000_000_000));
        assert_eq!(nanos("2m"), Ok(120_000_000_000));
        assert_eq!(nanos("1h"), Ok(3_600_000_000_000));
        assert_eq!(nanos("10us"), Ok(10_000));
        assert_eq!(nanos("7ns"), Ok(7));
        assert_eq!(nanos("1.5s"), Ok(1_500_000_000));
        assert_eq!(nanos(" 100 ms "), Ok(100_000_000));
        assert_eq!(nanos("1_000ms"), Ok(1_000_000_000));
    }

    #[test]
    fn shows_durations_as_they_are_written() {
        let shown = [
            0,
            7,
            1_500,
            250_000_000,
            7_300_000_000,
            1_500_000_001,
            90_000_000_000,
            100_000_000_000,
            5_400_000_000_000,
        ]
        .map(show);
        let expected = [
            "0s",
            "7ns",
            "1.5us",
            "250ms",
            "7.3s",
            "1.500000001s",
            "1.5m",
            "100s",
            "1.5h",
        ];
        assert_eq!(shown, expected);
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert!(nanos("10 parsecs")
            .unwrap_err()
            .contains("unknown unit `parsecs`"));
        assert!(nanos("-1s").unwrap_err().contains("cannot be negative"));
        assert!(nanos("100").unwrap_err().contains("needs a unit"));
        assert!(nanos("5 msec").unwrap_err().contains("did you mean `ms`"));
        assert!(nanos("2 seconds").unwrap_err().contains("did you mean `s`"));
        assert!(nanos("2 parsecs")
            .unwrap_err()
            .contains("as in `delay = \"2ms\"`"));
        assert!(nanos("ms").is_err());
        assert!(nanos("1.2.3s").is_err());
        assert!(nanos("999999999999h").is_err());
    }
}
