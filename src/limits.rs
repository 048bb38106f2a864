//! Limits on input, so that no file, however large or hostile, makes `slo`
//! run out of time, memory or stack. Each limit is far above what a person
//! writes and is reported with a clear message (see `docs/limits.md`).
//!
//! Lines may be as long as a file: everything reads text in linear time,
//! and a snippet shows a window of a long line, not the line.
//!
//! The `.slo` grammar has no recursive rules, so its parser's stack depth
//! does not grow with the input. PromQL is recursive: the PromQL parser
//! builds (and later walks and drops) a tree as deep as the expression is
//! nested, which overflows the stack at a few tens of thousands of levels
//! and takes time quadratic in the number of operators long before that.
//! Expressions are therefore measured with a linear scan before they are
//! parsed.

use crate::diag::{Code, Diag, Span};

/// The largest `.slo` file the command line reads, in bytes. Checked before
/// reading, so a huge file costs neither time nor memory.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The most source text one program may have, in bytes, over all its files.
pub const MAX_PROGRAM_BYTES: u64 = 256 * 1024 * 1024;

/// The longest name or key, in characters: names become file names
/// (`prometheus/<service>.yml`), YAML keys and label values.
pub const MAX_NAME_CHARS: usize = 128;

/// The deepest bracket nesting inside one PromQL expression.
pub const MAX_PROMQL_DEPTH: usize = 64;

/// The most operators and parentheses in one PromQL expression.
pub const MAX_PROMQL_OPERATORS: usize = 256;

/// `SLO020` when a name is longer than [`MAX_NAME_CHARS`].
pub fn long_name(name: &str, span: Span) -> Option<Diag> {
    let chars = name.chars().count();
    (chars > MAX_NAME_CHARS).then(|| {
        Diag::new(
            Code::NameTooLong,
            span,
            format!("name of {chars} characters, more than the limit of {MAX_NAME_CHARS}"),
        )
        .label("this name is too long")
        .help("names become file names, YAML keys and label values; shorten it")
    })
}

/// `SLO021` when PromQL is nested deeper than [`MAX_PROMQL_DEPTH`] or has
/// more than [`MAX_PROMQL_OPERATORS`] operators and parentheses. `span`
/// covers the text between the backticks.
pub fn promql(text: &str, span: Span, key: &str) -> Option<Diag> {
    let shape = Shape::of(text);
    let (what, at) = if let Some(at) = shape.too_deep {
        (
            format!("is nested more than {MAX_PROMQL_DEPTH} levels deep"),
            at,
        )
    } else if let Some(at) = shape.too_many {
        (
            format!("has more than {MAX_PROMQL_OPERATORS} operators and parentheses"),
            at,
        )
    } else {
        return None;
    };
    let len = text
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(1, char::len_utf8);
    Some(
        Diag::new(
            Code::PromqlTooComplex,
            Span::new(span.file, span.start + at, span.start + at + len),
            format!("`{key}` {what}"),
        )
        .label("the limit is reached here")
        .help(
            "record the inner part with a recording rule of your own and select that series here",
        ),
    )
}

/// What a linear scan of PromQL text finds: where the nesting first gets too
/// deep and where the operators first get too many. Strings and comments
/// are skipped.
struct Shape {
    too_deep: Option<usize>,
    too_many: Option<usize>,
}

impl Shape {
    fn of(text: &str) -> Shape {
        let bytes = text.as_bytes();
        let (mut too_deep, mut too_many) = (None, None);
        let (mut depth, mut operators) = (0usize, 0usize);
        let mut operator_at = |at: usize| {
            operators += 1;
            if operators > MAX_PROMQL_OPERATORS && too_many.is_none() {
                too_many = Some(at);
            }
        };
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'"' | b'\'' | b'`' => {
                    // A string: skip to its closing quote, past escapes.
                    i += 1;
                    while i < bytes.len() && bytes[i] != c {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                }
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_PROMQL_DEPTH && too_deep.is_none() {
                        too_deep = Some(i);
                    }
                    if c == b'(' {
                        operator_at(i);
                    }
                }
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                c if is_operator(c) => {
                    // `!=`, `>=`, `=~`, … are one operator; `--x` is two.
                    let second_of_pair = i > 0
                        && matches!(
                            (bytes[i - 1], c),
                            (b'!' | b'=' | b'<' | b'>', b'=') | (b'=' | b'!', b'~')
                        );
                    if !second_of_pair {
                        operator_at(i);
                    }
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let start = i;
                    while i + 1 < bytes.len()
                        && (bytes[i + 1].is_ascii_alphanumeric()
                            || matches!(bytes[i + 1], b'_' | b':'))
                    {
                        i += 1;
                    }
                    let word = text.get(start..=i).unwrap_or_default();
                    if ["and", "or", "unless", "atan2"]
                        .iter()
                        .any(|w| w.eq_ignore_ascii_case(word))
                    {
                        operator_at(start);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        // Both positions are of ASCII bytes the scan stood on, so they are
        // inside the text and on character boundaries.
        Shape { too_deep, too_many }
    }
}

fn is_operator(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'=' | b'!' | b'<' | b'>' | b'~'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn span(text: &str) -> Span {
        Span::new(FileId(0), 100, 100 + text.len())
    }

    #[test]
    fn ordinary_promql_is_within_limits() {
        for text in [
            r#"http_requests_total{job="api", code=~"5.."}"#,
            "sum(rate(errors_total[$window])) / sum(rate(requests_total[$window]))",
            r#"x{path="((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("}"#,
            "x # ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((\n",
        ] {
            assert!(promql(text, span(text), "bad").is_none(), "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_reported_where_it_passes_the_limit() {
        let text = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
        let d = promql(&text, span(&text), "bad").expect("too deep");
        assert_eq!(d.code, Code::PromqlTooComplex);
        assert_eq!(d.primary.span.start, 100 + MAX_PROMQL_DEPTH);
        assert!(
            d.message.contains("nested more than 64 levels"),
            "{}",
            d.message
        );
    }

    #[test]
    fn long_operator_chains_are_reported() {
        let text = format!("x{}", " + x".repeat(10_000));
        let d = promql(&text, span(&text), "total").expect("too many");
        assert!(
            d.message.contains("more than 256 operators"),
            "{}",
            d.message
        );
        let words = format!("x{}", " and x".repeat(300));
        assert!(promql(&words, span(&words), "total").is_some());
        let negations = format!("{}x", "-".repeat(300));
        assert!(promql(&negations, span(&negations), "total").is_some());
        let matchers = format!("x{{{}}}", r#"a!="b", c=~"d", "#.repeat(60));
        assert!(promql(&matchers, span(&matchers), "total").is_none());
    }

    #[test]
    fn unterminated_strings_stay_inside_the_text() {
        let text = format!("{}\"\\", "(".repeat(70));
        let d = promql(&text, span(&text), "bad").expect("too deep");
        assert!(d.primary.span.end <= 100 + text.len());
    }

    #[test]
    fn long_names_count_characters() {
        assert!(long_name(&"é".repeat(MAX_NAME_CHARS), span("")).is_none());
        assert!(long_name(&"a".repeat(MAX_NAME_CHARS + 1), span("")).is_some());
    }
}
