//! Parsing PromQL without compiling the same regex over and over.
//!
//! `promql-parser` compiles every regex matcher (`code=~"5.."`) into a
//! `regex::Regex` while parsing: about 50 µs each, nine tenths of the time
//! a selector takes to parse. Specs repeat the same few regexes in every
//! SLO, and the checker never runs them, so each distinct regex is checked
//! once per thread (by the parser itself) and remembered; the text is then
//! parsed with its regex operators turned into equality operators of the
//! same length (`=~` → `= `, `!~` → `!=`), which parse in a few µs and keep
//! every column where it was.
//!
//! The swap changes nothing the checker looks at (types, ranges, labels),
//! as long as the swapped matcher agrees on matching the empty string,
//! which the parser's "at least one non-empty matcher" rule depends on. So
//! a regex is only swapped when it does not match the empty string, never
//! on `__name__`, and whenever the swapped text fails to parse the original
//! is parsed instead, so errors are always the parser's own.

use promql_parser::label::MatchOp;
use promql_parser::parser::{self, Expr};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

/// A parsed expression.
#[derive(Debug)]
pub struct Parsed {
    /// The expression. Regex matchers may appear as equality matchers.
    pub expr: Expr,
    /// The text parsed, kept when its regex operators were swapped.
    swapped_from: Option<String>,
    /// Whether the text has regex matchers, swapped or not.
    has_regex: bool,
}

impl Parsed {
    /// Whether two expressions are the same, up to spacing and the order
    /// of matchers.
    pub fn same_as(&self, other: &Parsed) -> bool {
        let shown = |p: &Parsed| p.expr.to_string();
        match (&self.swapped_from, &other.swapped_from) {
            (None, None) => shown(self) == shown(other),
            // The swap turns equal expressions into equal ones.
            (Some(_), Some(_)) if shown(self) != shown(other) => false,
            // Regex matchers on one side only.
            (Some(_), None) if !other.has_regex => false,
            (None, Some(_)) if !self.has_regex => false,
            // Rare (the same selector twice, or a regex kept as written), so
            // the regexes may be compiled.
            _ => {
                let written = |p: &Parsed| match &p.swapped_from {
                    Some(text) => parser::parse(text).map(|e| e.to_string()).ok(),
                    None => Some(shown(p)),
                };
                written(self) == written(other)
            }
        }
    }
}

/// A regex matcher in PromQL text: its operator and its string literal.
struct RegexMatcher {
    op: Range<usize>,
    literal: Range<usize>,
}

thread_local! {
    /// Regex literals (quotes included) already checked on this thread:
    /// whether the swap may be used for them.
    static SWAPPABLE: RefCell<HashMap<String, bool>> = RefCell::new(HashMap::new());
}

/// Literals remembered per thread before the memory starts afresh: specs
/// use a few distinct regexes, but a process that checks program after
/// program (the fuzzer, an editor) must not grow without end.
const REMEMBERED: usize = 4096;

/// Parses `text` as PromQL, as [`parser::parse`] does.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let matchers = regex_matchers(text);
    if !matchers.is_empty()
        && !text.contains("__name__")
        && matchers
            .iter()
            .all(|m| text.get(m.literal.clone()).is_some_and(swappable))
    {
        if let Ok(expr) = parser::parse(&swapped(text, &matchers)) {
            return Ok(Parsed {
                expr,
                swapped_from: Some(text.to_string()),
                has_regex: true,
            });
        }
    }
    parser::parse(text).map(|expr| Parsed {
        expr,
        swapped_from: None,
        has_regex: !matchers.is_empty(),
    })
}

/// `text` with every regex operator of `matchers` swapped for the equality
/// operator of the same length.
fn swapped(text: &str, matchers: &[RegexMatcher]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in matchers {
        out.push_str(text.get(at..m.op.start).unwrap_or_default());
        out.push_str(if text.as_bytes().get(m.op.start) == Some(&b'!') {
            "!="
        } else {
            "= "
        });
        at = m.op.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Whether a regex literal is valid and does not match the empty string,
/// asked of the parser once per literal and thread.
fn swappable(literal: &str) -> bool {
    if let Some(known) = SWAPPABLE.with(|s| s.borrow().get(literal).copied()) {
        return known;
    }
    // The first matcher keeps the selector valid whatever the regex matches.
    let probe = format!("{{a=\"b\", a=~{literal}}}");
    let ok = match parser::parse(&probe) {
        Ok(Expr::VectorSelector(vs)) => vs
            .matchers
            .matchers
            .iter()
            .any(|m| matches!(&m.op, MatchOp::Re(r) if !r.is_match(""))),
        _ => false,
    };
    SWAPPABLE.with(|s| {
        let mut known = s.borrow_mut();
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(literal.to_string(), ok);
    });
    ok
}

/// The regex matchers between braces, outside strings and comments. `None`
/// of them when a string is not closed: the parser reports that.
fn regex_matchers(text: &str) -> Vec<RegexMatcher> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'#' => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' | b'\'' | b'`' => match string_end(b, i) {
                Some(end) => i = end - 1,
                None => return Vec::new(),
            },
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'=' | b'!' if depth > 0 && b.get(i + 1) == Some(&b'~') => {
                let mut start = i + 2;
                while b.get(start).is_some_and(u8::is_ascii_whitespace) {
                    start += 1;
                }
                if matches!(b.get(start), Some(b'"' | b'\'' | b'`')) {
                    let Some(end) = string_end(b, start) else {
                        return Vec::new();
                    };
                    found.push(RegexMatcher {
                        op: i..i + 2,
                        literal: start..end,
                    });
                    i = end - 1;
                } else {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The end (exclusive) of the string literal opening at `start`. Backtick
/// strings are raw; the others end at the first unescaped quote.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let quote = *b.get(start)?;
    let mut i = start + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' if quote != b'`' => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        parse(a)
            .expect("parses")
            .same_as(&parse(b).expect("parses"))
    }

    #[test]
    fn regex_and_equality_stay_apart() {
        assert!(!same(r#"x{code=~"5.."}"#, r#"x{code="5.."}"#));
        assert!(!same(r#"x{code!~"5.."}"#, r#"x{code!="5.."}"#));
        assert!(same(r#"x{code=~"5.."}"#, r#"x{code =~ "5.."}"#));
        assert!(!same(r#"x{a=~"1", b="2"}"#, r#"x{a="1", b=~"2"}"#));
        assert!(same(r#"x{a=~"1", b="2"}"#, r#"x{b="2", a=~"1"}"#));
        assert!(!same(r#"x{a=~"1"} / y{a="1"}"#, r#"x{a="1"} / y{a=~"1"}"#));
        // Swapped on one side only (`__name__` keeps the other as written).
        let a = r#"x{code=~"5.."}"#;
        let b = r#"{__name__="x", code=~"5.."}"#;
        let shown = |t: &str| parser::parse(t).map(|e| e.to_string()).ok();
        assert_eq!(same(a, b), shown(a) == shown(b));
        assert!(!same(r#"x{code=~"5.."}"#, r#"x{code="5.."}"#));
    }

    #[test]
    fn errors_are_the_parsers_own() {
        for text in [
            r#"x{code=~"("}"#,
            r#"{code=~".*"}"#,
            r#"{code!~"5.."}"#,
            r#"x{code=~"5.."} ; y"#,
            r#"x{code=~"5.."#,
            r#"{__name__=~"x.*"}"#,
        ] {
            assert_eq!(
                parse(text).map(|p| p.expr.to_string()),
                parser::parse(text).map(|e| e.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn finds_matchers_outside_strings_and_comments() {
        let text = "x{a=~\"5..\", b=\"=~'no'\"} # {c=~\"no\"}\n+ y{d !~ `z`}";
        let ops: Vec<&str> = regex_matchers(text)
            .iter()
            .filter_map(|m| text.get(m.literal.clone()))
            .collect();
        assert_eq!(ops, ["\"5..\"", "`z`"]);
    }

    #[test]
    fn a_common_regex_takes_the_fast_way() {
        // The swap shows in the parsed form; without it, every regex
        // matcher of every SLO would be compiled again.
        let parsed = parse(r#"x{job="a", code=~"5.."}"#).expect("parses");
        assert_eq!(parsed.expr.to_string(), r#"x{code="5..",job="a"}"#);
    }

    fn selector() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let matcher = (
            prop::sample::select(vec!["a", "code", "le", "__name__"]),
            prop::sample::select(vec!["=", "!=", "=~", "!~", " =~ ", "=~\n"]),
            prop::sample::select(vec![
                "\"5..\"",
                "'5..'",
                "`x`",
                "\".*\"",
                "\"\"",
                "\"(\"",
                "\"a{2}\"",
                "\"b{c}\"",
                "\"\\\\d+\"",
                "\"#\"",
                "\"}\"",
                "\"=~\"",
                "\".+\"",
            ]),
        )
            .prop_map(|(l, op, v)| format!("{l}{op}{v}"));
        (
            prop::sample::select(vec!["x", "y", "__name__", ""]),
            prop::collection::vec(matcher, 0..3),
            prop::sample::select(vec!["{}", "sum(rate({}[5m]))", "{} / {}", "{} # c", "({}"]),
        )
            .prop_map(|(name, matchers, wrap)| {
                wrap.replace("{}", &format!("{name}{{{}}}", matchers.join(", ")))
            })
    }

    proptest::proptest! {
        /// The swap changes neither whether a text parses nor the type of
        /// what it parses to, and two texts are the same exactly when the
        /// parser, compiling every regex, shows them alike.
        #[test]
        fn parses_and_compares_as_the_parser_does(a in selector(), b in selector()) {
            for text in [&a, &b] {
                let (fast, slow) = (parse(text), parser::parse(text));
                proptest::prop_assert_eq!(fast.is_ok(), slow.is_ok(), "{}", text);
                if let (Ok(fast), Ok(slow)) = (fast, slow) {
                    proptest::prop_assert_eq!(fast.expr.value_type(), slow.value_type());
                }
            }
            if let (Ok(fa), Ok(fb), Ok(sa), Ok(sb)) = (parse(&a), parse(&b), parser::parse(&a), parser::parse(&b)) {
                proptest::prop_assert_eq!(fa.same_as(&fb), sa.to_string() == sb.to_string(), "{} | {}", a, b);
            }
        }
    }

    #[test]
    fn unclosed_string_finds_nothing() {
        assert!(regex_matchers(r#"x{a=~"5.."#).is_empty());
    }
}
