//! "Did you mean": the closest known name to a misspelt one.

/// The candidate closest to `wanted`: a case-insensitive match first, then the
/// most similar by normalised edit distance, if similar enough.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if let Some(same) = candidates.iter().find(|c| c.eq_ignore_ascii_case(wanted)) {
        return Some(same);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(wanted, c), c))
        .filter(|(score, _)| *score >= 0.6)
        // Highest score wins; ties go to the alphabetically first, for stable output.
        .max_by(|(a, an), (b, bn)| a.total_cmp(b).then_with(|| bn.cmp(an)))
        .map(|(_, c)| c)
}

/// A help line for an unknown name: "did you mean `x`?" or a list of what exists.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> String {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if let Some(c) = closest(wanted, candidates.iter().copied()) {
        return format!("did you mean `{c}`?");
    }
    if candidates.is_empty() {
        return format!("no {what} is defined");
    }
    let mut sorted = candidates;
    sorted.sort_unstable();
    sorted.dedup();
    let list: Vec<String> = sorted.iter().take(8).map(|c| format!("`{c}`")).collect();
    format!("known {}: {}", plural(what), list.join(", "))
}

/// The plural of a kind of name: `policies`, `receivers`, `SLIs`.
fn plural(what: &str) -> String {
    match what.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{what}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(plural("policy"), "policies");
        assert_eq!(plural("key"), "keys");
        assert_eq!(plural("receiver kind"), "receiver kinds");
        assert_eq!(plural("SLI"), "SLIs");
    }

    #[test]
    fn prefers_case_insensitive_match() {
        assert_eq!(
            closest("Requests", ["requests", "request"]),
            Some("requests")
        );
    }

    #[test]
    fn finds_close_spelling() {
        assert_eq!(
            closest("latncy", ["latency", "availability"]),
            Some("latency")
        );
    }

    #[test]
    fn rejects_distant_names() {
        assert_eq!(closest("zzz", ["latency", "availability"]), None);
    }
}
