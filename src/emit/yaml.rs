//! Block YAML for the generated files, written directly into a `String`.
//!
//! Serialising rule files through `serde_yaml_ng` (libyaml's emitter) was
//! the largest cost of `slo compile` (see `docs/performance.md`), so the
//! structure is written here and only scalars need care. A scalar is written
//! exactly as `serde_yaml_ng` would write it: plain when that reads back as
//! the same string, single-quoted when plain would not (`'1'`, `'a: b'`),
//! a `|-` block for multi-line text. The rules are libyaml's, restricted to
//! text libyaml calls printable (no tabs, no control characters, nothing
//! beyond U+FFFF); anything else (and a block with leading spaces or final
//! line breaks) is handed to `serde_yaml_ng` itself, so unusual text is
//! escaped by the real emitter. The tests compare whole files with
//! `serde_yaml_ng`'s output byte for byte.
//!
//! One exception: libyaml treats U+2028 and U+2029 as line breaks and may
//! write them raw in a quoted or block scalar, where a YAML 1.2 reader such
//! as Prometheus' keeps them as text together with the indentation that
//! follows, and reads a different string. Text with them is written
//! double-quoted with escapes here.

/// Appends `value` as the value of a mapping entry whose key starts at
/// column `indent`, from the current position (just after `key: ` or `- `)
/// up to and including the line break.
pub fn value(out: &mut String, value: &str, indent: usize) {
    match fast_style(value) {
        Some(Style::Plain) => out.push_str(value),
        Some(Style::SingleQuoted) => single_quoted(out, value),
        Some(Style::Literal) => literal(out, value, indent),
        None if value.contains(['\u{2028}', '\u{2029}']) => double_quoted(out, value),
        // Text ending in one line break (a whole file, such as a dashboard
        // in a `ConfigMap`): a `|` block, the break kept.
        None if clipped(value).is_some() => {
            let body = clipped(value).unwrap_or_default();
            block(out, "|", body, indent);
        }
        None => fallback(out, value, indent),
    }
    out.push('\n');
}

/// Appends `key: ` at column `indent` (the caller has written the
/// indentation). Keys are names the compiler controls or label names
/// (`[a-zA-Z_][a-zA-Z0-9_]*`, at most 128 characters, so always a simple
/// key), which need quoting only when they read as something else
/// (`'true'`).
pub fn key(out: &mut String, key: &str) {
    match fast_style(key) {
        Some(Style::Plain) if !key.is_empty() => out.push_str(key),
        Some(Style::Plain | Style::SingleQuoted) => single_quoted(out, key),
        _ => {
            // Not reachable with label names; keep the output valid anyway.
            let quoted = serde_yaml_ng::to_string(key).unwrap_or_default();
            out.push_str(quoted.trim_end_matches('\n'));
        }
    }
    out.push_str(": ");
}

/// Appends `n` spaces.
pub fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                ";
    let mut left = n;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(SPACES.get(..step).unwrap_or_default());
        left -= step;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    Literal,
}

/// The style `serde_yaml_ng` gives `s`, when `s` is simple enough to know
/// it here: printable text (and line breaks for a block) only.
fn fast_style(s: &str) -> Option<Style> {
    let bytes = s.as_bytes();
    // One pass over the bytes for the common case, printable ASCII. (`fold`,
    // not a loop that stops early: it runs on many bytes at once.)
    let (other, mut breaks) = bytes.iter().fold((false, false), |(other, breaks), &b| {
        (
            other | (!(b' '..=b'~').contains(&b) & (b != b'\n')),
            breaks | (b == b'\n'),
        )
    });
    if other {
        if !s.chars().all(|c| c == '\n' || printable(c)) {
            return None;
        }
        breaks = s.contains('\n');
    }
    if breaks {
        return literal_allowed(s).then_some(Style::Literal);
    }
    if quoted_for_type(s)? || !plain_allowed(bytes) {
        Some(Style::SingleQuoted)
    } else {
        Some(Style::Plain)
    }
}

/// libyaml's printable characters that are not line breaks and need no
/// escape: printable ASCII and the rest of the Basic Multilingual Plane
/// except surrogates, U+2028, U+2029 and the byte-order mark.
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// Whether `serde_yaml_ng` asks for quotes because the text would read back
/// as a null, a boolean or a number; `None` when that takes a full number
/// parser to decide.
fn quoted_for_type(s: &str) -> Option<bool> {
    if matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
    ) {
        return Some(true);
    }
    let bytes = s.as_bytes();
    if !matches!(bytes[0], b'0'..=b'9' | b'+' | b'-' | b'.') {
        return Some(false);
    }
    // Numbers are written with letters, digits, signs and points only; any
    // other character (`1 - x`) makes the text a string.
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return Some(false);
    }
    // Digits only: an integer (or, with a leading zero, a string serde_yaml_ng
    // still quotes).
    if bytes.iter().all(u8::is_ascii_digit) {
        return Some(true);
    }
    // Digits followed by a letter that no number syntax allows there (`5m`,
    // `30d`; not `1e3`, `0x1f`, `0o7`, `0b1`) and only letters and digits after.
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = &bytes[digits..];
    let unit_like = digits > 0
        && rest[0].is_ascii_alphabetic()
        && !matches!(rest[0].to_ascii_lowercase(), b'e' | b'x' | b'o' | b'b')
        && rest.iter().all(u8::is_ascii_alphanumeric);
    unit_like.then_some(false)
}

/// libyaml's test for a plain scalar in block context, for printable ASCII
/// on one line.
fn plain_allowed(s: &[u8]) -> bool {
    let n = s.len();
    if s.starts_with(b"---") || s.starts_with(b"...") || s[0] == b' ' || s[n - 1] == b' ' {
        return false;
    }
    let blank_at = |i: usize| i >= n || s[i] == b' ';
    let first_is_indicator = matches!(
        s[0],
        b'#' | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) || (matches!(s[0], b'?' | b':' | b'-') && blank_at(1));
    if first_is_indicator {
        return false;
    }
    // After the first character only `: ` (or a final `:`) and ` #` matter.
    // Pairs at the start were ruled out above, so every pair can be looked
    // at, in one pass over all of them (which runs on many bytes at once).
    let pair_found = s.windows(2).fold(false, |seen, w| {
        seen | ((w[0] == b':') & (w[1] == b' ')) | ((w[0] == b' ') & (w[1] == b'#'))
    });
    !(pair_found || s[n - 1] == b':')
}

/// Whether libyaml writes multi-line `s` (printable text and line breaks)
/// as a `|-` block that this module can write: the first line not indented,
/// no line ending in a space, no final line break.
fn literal_allowed(s: &str) -> bool {
    !s.starts_with([' ', '\n']) && !s.ends_with([' ', '\n']) && !s.contains(" \n")
}

/// The text before the final line break of `s`, when libyaml writes `s` as
/// a `|` block: `s` ends in exactly one line break, and the text before it
/// is printable and would be a `|-` block or a plain line.
fn clipped(s: &str) -> Option<&str> {
    let body = s.strip_suffix('\n')?;
    let simple = !body.is_empty() && fast_style(body).is_some() && literal_allowed(body);
    simple.then_some(body)
}

fn single_quoted(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
}

/// `|-` and the lines indented two columns past the key; empty lines stay
/// empty, as libyaml writes them.
fn literal(out: &mut String, s: &str, indent: usize) {
    block(out, "|-", s, indent);
}

/// `s` as a block scalar with the given header (`|-` or `|`).
fn block(out: &mut String, header: &str, s: &str, indent: usize) {
    out.push_str(header);
    for line in s.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            self::indent(out, indent + 2);
            out.push_str(line);
        }
    }
}

/// Text with U+2028 or U+2029: double quotes, with every character a YAML
/// reader could take for a break or a control written as an escape.
fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Any other text: `serde_yaml_ng` writes it as a document of its own, which
/// is re-indented to sit under the key.
fn fallback(out: &mut String, s: &str, indent: usize) {
    // A string always serialises; an error here could only come from a
    // writer, and the writer is a `Vec`.
    let doc = serde_yaml_ng::to_string(s).unwrap_or_else(|e| unreachable!("yaml string: {e}"));
    let doc = doc.strip_suffix('\n').unwrap_or(&doc);
    // A block ending in line breaks (`|+`) leaves the document open; libyaml
    // closes it with `...`, which has no place inside a mapping.
    let doc = doc.strip_suffix("\n...").unwrap_or(doc);
    // Continuation lines get the key's indentation in front of what libyaml
    // wrote at the top level. libyaml breaks lines at `\u{2028}` and
    // `\u{2029}` too (`\r` and `\u{85}` it always escapes).
    let mut at_line_start = false;
    for c in doc.chars() {
        let is_break = matches!(c, '\n' | '\u{2028}' | '\u{2029}');
        if at_line_start && !is_break {
            self::indent(out, indent);
        }
        out.push(c);
        at_line_start = is_break;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `serde_yaml_ng` writes for `{k: {key: value}}`, and what this
    /// module writes for the same.
    fn both(key_text: &str, text: &str) -> (String, String) {
        let mut inner = std::collections::BTreeMap::new();
        inner.insert(key_text, text);
        let mut outer = std::collections::BTreeMap::new();
        outer.insert("k", inner);
        let reference = serde_yaml_ng::to_string(&outer).expect("serialise");
        let mut ours = String::from("k:\n");
        indent(&mut ours, 2);
        key(&mut ours, key_text);
        value(&mut ours, text, 2);
        (reference, ours)
    }

    /// Reads `ours` back and checks the value is `text`.
    #[track_caller]
    fn reads_back(ours: &str, text: &str) {
        let back: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> =
            serde_yaml_ng::from_str(ours).expect("reads back");
        assert_eq!(back["k"]["key"], text, "{ours}");
    }

    /// Byte for byte what serde_yaml_ng writes, except for the line
    /// separators it writes raw, where the value must read back.
    #[track_caller]
    fn same(text: &str) {
        let (reference, ours) = both("key", text);
        if text.contains(['\u{2028}', '\u{2029}']) {
            assert!(
                ours.starts_with("k:\n  key: \"") && !ours.contains('\u{2028}'),
                "{ours}"
            );
        } else {
            assert_eq!(ours, reference, "value {text:?}");
        }
        reads_back(&ours, text);
    }

    #[test]
    fn scalars_match_serde_yaml() {
        for text in [
            "checkout",
            "slo:sli_error:ratio_rate5m",
            "1",
            "0123",
            "5m",
            "30d",
            "1e3",
            "0x1f",
            "1.5",
            "-1",
            "1 - x",
            "1 -",
            "+.5",
            "1.5e3x",
            "0b101",
            "0o17",
            "1_000",
            ".inf",
            "true",
            "True",
            "null",
            "~",
            "",
            " lead",
            "trail ",
            "a: b",
            "a:",
            ":a",
            "- a",
            "-a",
            "a #b",
            "a#b",
            "#a",
            "---a",
            "...",
            "{{ $value }}",
            "it's",
            "'q'",
            "\"dq\"",
            "back\\slash",
            "https://runbooks.example.com/a?b=c#d",
            "line\nbreak",
            "  indented\nblock",
            "trailing\nbreak\n",
            "one line\n",
            "{\n  \"a\": [\n    1\n  ]\n}\n",
            "two trailing\n\n",
            " indented\nclip\n",
            "space \nclip\n",
            "caf\u{e9}\nclip\n",
            "\n",
            "two\n\nbreaks",
            "space \nbreak",
            "tab\there",
            "caf\u{e9}",
            "\u{1F600}",
            "nul\u{0}",
            "bell\u{7}",
            "\u{2028}",
            "a\u{2028}b",
            "\n\u{2028}",
            "\u{2029}\t\"\\",
            "\u{85}",
            "\r\n",
            "\u{e000}\u{fffd}\u{d7ff}",
            "\u{a0}",
            "\u{ffff}",
            "∞ left",
            "платежи: команда",
            "|x",
            "\u{feff}bom",
            "sum(rate(x[5m]))\n/\nsum(rate(y[5m]))",
            "1 - (\n  a\n  /\n  b\n)",
        ] {
            same(text);
        }
    }

    #[test]
    fn keys_match_serde_yaml() {
        for k in ["tier", "true", "null", "_x", "a1"] {
            let (reference, ours) = both(k, "v");
            assert_eq!(ours, reference, "key {k:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_matches_serde_yaml(text in "[ -~\\n\\t\\r\u{e9}\u{221e}\u{1F600}\u{85}\u{2028}\u{2029}\u{feff}]{0,40}") {
            same(&text);
        }

        #[test]
        fn ascii_text_matches_serde_yaml(text in "[ -~]{0,20}(\\n[ -~]{0,20}){0,3}") {
            same(&text);
        }

        /// Text dense in what decides between plain and quoted: `: `, ` #`,
        /// a final `:`, indicators at the start.
        #[test]
        fn indicator_text_matches_serde_yaml(text in "[a: #-]{0,12}") {
            same(&text);
        }

        #[test]
        fn number_like_text_matches_serde_yaml(text in "[-+.]?[0-9]{1,4}[a-zA-Z0-9._:+-]{0,4}") {
            same(&text);
        }
    }
}
