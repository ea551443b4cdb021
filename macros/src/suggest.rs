//! "Did you mean" for misspelt keys, modes and values.

/// The candidate closest to `got`, if it is close enough to be a likely misspelling.
pub(crate) fn closest<'a>(got: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let got = got.to_ascii_lowercase();
    candidates
        .iter()
        .map(|&c| (edit_distance(&got, c), c))
        .filter(|&(d, c)| {
            d <= (c.len() / 3).max(1)
                || (c.starts_with(&got) && got.len() >= 2)
                || (got.starts_with(c) && c.len() >= 2)
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// ", did you mean `x`?" or nothing.
pub(crate) fn did_you_mean(got: &str, candidates: &[&str]) -> String {
    match closest(got, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur.push(substitute.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let modes = ["on_success", "on_unwind"];
        assert_eq!(closest("on_sucess", &modes), Some("on_success"));
        assert_eq!(closest("on_unwnd", &modes), Some("on_unwind"));
        assert_eq!(closest("on_panic", &modes), None);
        assert_eq!(
            closest("expo", &["exp", "linear", "fixed", "none"]),
            Some("exp")
        );
        assert_eq!(
            closest("atempts", &["attempts", "backoff"]),
            Some("attempts")
        );
        assert_eq!(closest("zzz", &["attempts", "backoff"]), None);
    }
}
