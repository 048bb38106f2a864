//! Where parsing goes on after something that does not parse, found by
//! scanning the text: the next item, the end of a service entry. And the
//! words that start them (the reserved words are [`super::KEYWORDS`]).

/// The words that start an item.
pub const ITEM_KEYWORDS: [&str; 5] = ["policy", "defaults", "service", "receiver", "notify"];

/// The keywords that start an entry of a service other than a setting.
pub const ENTRY_KEYWORDS: [&str; 3] = ["sli", "slo", "labels"];

/// `ident_char`.
pub fn ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The first line at or after `from` that starts with an item keyword not
/// followed by `=` (which would make it a key): where an item may begin.
pub fn next_item(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    (from..bytes.len()).find(|&at| {
        let line_start = at == 0 || bytes.get(at - 1) == Some(&b'\n');
        line_start && starts_item(bytes, at)
    })
}

/// Whether an item keyword, not followed by `=`, starts at `at`.
pub fn starts_item(bytes: &[u8], at: usize) -> bool {
    starts_word(bytes, at, &ITEM_KEYWORDS)
}

/// Whether one of `words`, not followed by `=` (which would make it a key),
/// starts at `at`.
pub fn starts_word(bytes: &[u8], at: usize, words: &[&str]) -> bool {
    let rest = bytes.get(at..).unwrap_or_default();
    let len = rest
        .iter()
        .position(|&b| !ident_char(b))
        .unwrap_or(rest.len());
    let word = rest.get(..len).unwrap_or_default();
    let assigned = rest
        .get(len..)
        .unwrap_or_default()
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t'))
        == Some(&b'=');
    words.iter().any(|k| k.as_bytes() == word) && !assigned
}

/// Where the service entry starting at `start` ends: after the `}` that
/// closes its block, or at the `}` of the service when it has no block.
/// Braces in strings, PromQL and comments do not count. `None` when a line
/// starting with an item keyword or the end of the file comes first.
pub fn entry_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = start;
    while let Some(&b) = bytes.get(at) {
        if at > start && bytes.get(at - 1) == Some(&b'\n') && starts_item(bytes, at) {
            return None;
        }
        let until = |stop: &[u8]| {
            bytes
                .get(at + 1..)
                .and_then(|rest| rest.iter().position(|c| stop.contains(c)))
                .map_or(bytes.len(), |n| at + 1 + n)
        };
        match b {
            b'"' => at = until(b"\"\n"),
            b'`' => at = until(b"`"),
            b'#' => at = until(b"\n"),
            b'{' => depth += 1,
            b'}' if depth <= 1 => return Some(if depth == 0 { at } else { at + 1 }),
            b'}' => depth -= 1,
            _ => {}
        }
        at += 1;
    }
    None
}
