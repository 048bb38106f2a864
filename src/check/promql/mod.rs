//! PromQL inside backticks: parsed by a real PromQL parser, with errors
//! pointing at the column inside the `.slo` file.

// This module handles what users type: slicing a string inside a character,
// or indexing past its end, would panic on it.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

mod hints;
pub mod labels;
mod regex;

use crate::diag::{Code, Diag, Span};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr};
pub use regex::Parsed;

/// The placeholder a full expression uses for the window.
pub const WINDOW: &str = "$window";

/// A stand-in for `$window` while validating: a valid range of the same
/// length, so that error columns map one to one onto the source.
const WINDOW_STANDIN: &str = "100000s";

/// A checked query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A bare selector such as `http_requests_total{job="a"}`, wrapped by the
    /// compiler as `sum(rate(<selector>[<window>]))`.
    Selector(String),
    /// A full expression with `$window` where the range goes.
    Template(String),
}

impl Query {
    /// The text as written, trimmed.
    pub fn text(&self) -> &str {
        match self {
            Query::Selector(t) | Query::Template(t) => t,
        }
    }
}

/// Checks the PromQL of `key`. `span` covers the text between the backticks.
/// Returns the query and its parsed form (with the stand-in window), or
/// `None` after reporting why not.
pub fn check(text: &str, span: Span, key: &str, diags: &mut Vec<Diag>) -> Option<(Query, Parsed)> {
    if text.trim().is_empty() {
        diags.push(
            Diag::new(
                Code::InvalidPromql,
                widen(span),
                format!("`{key}` is empty"),
            )
            .label("no PromQL here")
            .help("write a selector such as `http_requests_total{job=\"api\"}`"),
        );
        return None;
    }
    if let Some(too_complex) = crate::limits::promql(text, span, key) {
        diags.push(too_complex);
        return None;
    }
    let has_window = text.contains(WINDOW);
    debug_assert_eq!(WINDOW.len(), WINDOW_STANDIN.len());
    let parsed_text = text.replace(WINDOW, WINDOW_STANDIN);
    let parsed = match regex::parse(&parsed_text) {
        Ok(parsed) => parsed,
        Err(message) => {
            // `$window` and its stand-in have the same length, so offsets
            // in the parsed text are offsets in the source.
            let specific = hints::template(text, span)
                .or_else(|| hints::unknown_function(&parsed_text, span, &message));
            diags.push(specific.unwrap_or_else(|| invalid(&parsed_text, span, &message)));
            return None;
        }
    };
    let expr = &parsed.expr;
    let trimmed = end_comment(text.trim());
    if has_window {
        if expr.value_type() != ValueType::Vector {
            diags.push(
                Diag::new(
                    Code::NotInstantVector,
                    span,
                    format!(
                        "`{key}` yields a {} where an instant vector is needed",
                        describe(expr.value_type())
                    ),
                )
                .label("not an instant vector")
                .help("wrap range vectors in a function such as `rate(…[$window])` and aggregate with `sum(…)`"),
            );
            return None;
        }
        if !window_is_range(expr) {
            diags.push(
                Diag::new(
                    Code::WindowNotRange,
                    span,
                    format!("`$window` in `{key}` is not the range of a selector"),
                )
                .label("no `[$window]` range here")
                .help("use `$window` as a range, e.g. `rate(errors_total[$window])` or `avg_over_time(up[$window])`"),
            );
            return None;
        }
        return Some((Query::Template(trimmed), parsed));
    }
    match expr {
        Expr::VectorSelector(_) => Some((Query::Selector(trimmed), parsed)),
        _ => {
            diags.push(
                Diag::new(
                    Code::MissingWindow,
                    span,
                    format!("`{key}` is an expression without `$window`"),
                )
                .label("a full expression, not a selector")
                .help("write `$window` where the range goes, e.g. `sum(rate(errors_total[$window]))`, or give a bare selector and let the compiler add the rate"),
            );
            None
        }
    }
}

/// Parses a full expression with its `$window` stood in for; `None` when it
/// does not parse (reported by [`check`]).
pub fn parse_template(text: &str) -> Option<Expr> {
    regex::parse(&text.replace(WINDOW, WINDOW_STANDIN))
        .ok()
        .map(|p| p.expr)
}

/// Whether some range in `expr` (of a selector or a subquery) is the
/// stand-in for `$window`.
fn window_is_range(expr: &Expr) -> bool {
    let standin = std::time::Duration::from_secs(100_000);
    match expr {
        Expr::MatrixSelector(m) => m.range == standin,
        Expr::Subquery(s) => s.range == standin || window_is_range(&s.expr),
        Expr::Aggregate(a) => {
            window_is_range(&a.expr) || a.param.as_deref().is_some_and(window_is_range)
        }
        Expr::Unary(u) => window_is_range(&u.expr),
        Expr::Binary(b) => window_is_range(&b.lhs) || window_is_range(&b.rhs),
        Expr::Paren(p) => window_is_range(&p.expr),
        Expr::Call(c) => c.args.args.iter().any(|a| window_is_range(a)),
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::VectorSelector(_)
        | Expr::Extension(_) => false,
    }
}

fn describe(t: ValueType) -> &'static str {
    match t {
        ValueType::Vector => "instant vector",
        ValueType::Matrix => "range vector",
        ValueType::Scalar => "scalar",
        ValueType::String => "string",
    }
}

/// An empty span cannot be drawn; point at the backticks instead.
fn widen(span: Span) -> Span {
    if span.start == span.end {
        Span::new(span.file, span.start.saturating_sub(1), span.end + 1)
    } else {
        span
    }
}

/// The `SLO401` diagnostic for a parse error, at the column where the error
/// is when the parser's lexer can tell, else over the whole expression.
fn invalid(text: &str, span: Span, message: &str) -> Diag {
    let (at, label) = match locate(text, message) {
        Some(offset) => {
            let len = text
                .get(offset..)
                .and_then(|rest| rest.chars().next())
                .map_or(1, char::len_utf8);
            (
                Span::new(span.file, span.start + offset, span.start + offset + len),
                "here",
            )
        }
        None => (span, "in this expression"),
    };
    let message = if message == "invalid promql query" {
        "invalid PromQL: the expression does not parse".to_string()
    } else {
        format!("invalid PromQL: {message}")
    };
    Diag::new(Code::InvalidPromql, at, message)
        .label(label)
        .help("check the expression against the PromQL syntax; the text between the backticks must parse on its own")
}

/// Finds the byte offset of a lexer error: the shortest prefix that fails
/// with the same message ends just after the offending character. The
/// parser's own errors carry no position; for those this returns `None`.
fn locate(text: &str, message: &str) -> Option<usize> {
    // Quadratic in the length; PromQL in a spec is short, and long texts fall
    // back to the whole span.
    if text.len() > 4096 || parser::lexer(text).is_ok() {
        return None;
    }
    let mut ends: Vec<usize> = text.char_indices().map(|(i, _)| i).skip(1).collect();
    ends.push(text.len());
    let end = ends
        .into_iter()
        .find(|&end| matches!(text.get(..end).map(parser::lexer), Some(Err(m)) if m == message))?;
    // A lexer may need the character after the offending one to give up
    // (`!` then a blank); point at the last non-blank character.
    let start = text
        .get(..end)?
        .trim_end()
        .char_indices()
        .last()
        .map_or(0, |(i, _)| i);
    Some(start)
}

/// PromQL text the compiler writes more PromQL after. A `#` comment runs to
/// the end of its line, so text that may end in one gets a line break:
/// `x # note` would otherwise swallow the `[5m]))` of `sum(rate(x[5m]))`.
pub fn end_comment(text: &str) -> String {
    if text.contains('#') {
        format!("{text}\n")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn run(text: &str) -> (Option<Query>, Vec<Diag>) {
        let mut diags = Vec::new();
        let span = Span::new(FileId(0), 10, 10 + text.len());
        let q = check(text, span, "bad", &mut diags).map(|(q, _)| q);
        (q, diags)
    }

    #[test]
    fn selector_is_accepted() {
        let (q, d) = run(r#"http_requests_total{code=~"5.."}"#);
        assert!(d.is_empty());
        assert!(matches!(q, Some(Query::Selector(_))));
    }

    #[test]
    fn lexer_error_points_at_the_character() {
        let (_, d) = run(r#"foo{a="b"} ; bar"#);
        assert_eq!(d[0].code, Code::InvalidPromql);
        assert_eq!(d[0].primary.span.start, 10 + 11, "under the `;`");
        // The lexer needs the blank after `!` to give up; the label still
        // goes under the `!`, not the blank.
        let (_, d) = run(r#"foo{a="b"} ! bar"#);
        assert_eq!(d[0].primary.span.start, 10 + 11, "under the `!`");
    }

    #[test]
    fn unclosed_paren_points_at_the_paren() {
        let (_, d) = run("sum(rate(foo[$window])");
        assert_eq!(d[0].primary.span.start, 10 + 3);
    }

    #[test]
    fn expression_without_window() {
        let (_, d) = run("sum(rate(foo[5m]))");
        assert_eq!(d[0].code, Code::MissingWindow);
    }

    #[test]
    fn window_must_be_a_range() {
        let (_, d) = run(r#"sum(rate(foo{w="$window"}[5m]))"#);
        assert_eq!(d[0].code, Code::WindowNotRange);
        let (q, d) = run("sum(rate(foo[5m]))[$window:1m]");
        assert!(d.is_empty() || q.is_none());
    }

    #[test]
    fn range_vector_template() {
        let (_, d) = run("rate(foo[$window])[5m:]");
        assert_eq!(d[0].code, Code::NotInstantVector);
    }
}
