//! Mistakes in PromQL that the PromQL parser reports without saying what
//! to write: a template pasted from another tool (Sloth's `{{.window}}`),
//! a misspelt function (`rates(`). Each gets its own diagnostic at the
//! offending text, with the fix.

use crate::diag::{suggest, Code, Diag, Span};

/// The functions PromQL knows, for "did you mean": those of the parser's
/// function table and the aggregation operators, which are written the same
/// way (`sum(…)`). A test checks that the parser knows each function.
#[rustfmt::skip]
const FUNCTIONS: &[&str] = &[
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "days_in_month", "day_of_month", "day_of_week", "day_of_year", "deg",
    "delta", "deriv", "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
    "histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum",
    "double_exponential_smoothing", "hour", "idelta", "increase", "irate", "label_replace",
    "label_join", "last_over_time", "ln", "log2", "log10", "mad_over_time", "max_over_time",
    "min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time",
    "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort",
    "sort_desc", "sort_by_label", "sort_by_label_desc", "sqrt", "stddev_over_time",
    "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
];

/// The aggregation operators, called like functions.
#[rustfmt::skip]
const AGGREGATIONS: &[&str] = &[
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
    "topk", "quantile", "limitk", "limit_ratio",
];

/// A Go template such as Sloth's `{{.window}}` or `{{ .Window }}` in `text`,
/// reported at the template. `span` covers `text` in the source.
pub fn template(text: &str, span: Span) -> Option<Diag> {
    let open = text.find("{{")?;
    let after = text.get(open + 2..)?;
    let close = after.find("}}")?;
    let inner = after.get(..close)?.trim();
    let end = open + 2 + close + 2;
    let written = text.get(open..end)?;
    let at = Span::new(span.file, span.start + open, span.start + end);
    let name = inner.strip_prefix('.').unwrap_or(inner);
    let diag = Diag::new(
        Code::InvalidPromql,
        at,
        format!("`{written}` is a template, not PromQL"),
    );
    Some(if name.eq_ignore_ascii_case("window") {
        diag.label("Sloth's window template")
            .help("write `$window`: the compiler puts each alert window there, e.g. `rate(errors_total[$window])`")
    } else {
        diag.label("a Go template").help(
            "PromQL here is used as written, with one placeholder: `$window`, where the range goes",
        )
    })
}

/// The diagnostic for the parser's "unknown function with name 'NAME'", at
/// the first call of `NAME` in `text`, with the closest known function.
/// `None` for any other message.
pub fn unknown_function(text: &str, span: Span, message: &str) -> Option<Diag> {
    let name = message
        .strip_prefix("unknown function with name '")?
        .strip_suffix('\'')?;
    let offset = call_of(text, name)?;
    let at = Span::new(
        span.file,
        span.start + offset,
        span.start + offset + name.len(),
    );
    let candidates = FUNCTIONS.iter().chain(AGGREGATIONS).copied();
    let closest = suggest::closest(name, candidates);
    let help = match closest {
        Some(known) => format!("did you mean `{known}`?"),
        None => "see the list of PromQL functions: https://prometheus.io/docs/prometheus/latest/querying/functions/".to_string(),
    };
    Some(
        Diag::new(
            Code::InvalidPromql,
            at,
            format!("unknown PromQL function `{name}`"),
        )
        .label("no function has this name")
        .help(help)
        .fix(closest),
    )
}

/// The offset of the first `name` in `text` that is a whole word followed
/// by `(`, blanks allowed between.
fn call_of(text: &str, name: &str) -> Option<usize> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    text.match_indices(name).map(|(i, _)| i).find(|&i| {
        let before = text.get(..i).and_then(|t| t.chars().next_back());
        let after = text.get(i + name.len()..).unwrap_or_default();
        !before.is_some_and(word) && after.trim_start().starts_with('(')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn span(text: &str) -> Span {
        Span::new(FileId(0), 10, 10 + text.len())
    }

    #[test]
    fn the_parser_knows_every_function_listed() {
        for name in FUNCTIONS {
            let err = promql_parser::parser::parse(&format!("{name}()")).err();
            assert!(
                !err.is_some_and(|e| e.contains("unknown function")),
                "`{name}` is not a PromQL function"
            );
        }
    }

    #[test]
    fn sloth_templates_in_every_spelling() {
        for (text, at) in [
            ("rate(x[{{.window}}])", 7),
            ("rate(x[{{ .window }}])", 7),
            ("rate(x[{{.Window}}])", 7),
        ] {
            let d = template(text, span(text)).expect("a template");
            assert_eq!(d.primary.span.start, 10 + at, "{text}");
            assert_eq!(d.primary.span.end, 10 + text.len() - 2, "{text}");
            assert!(d.help.is_some_and(|h| h.starts_with("write `$window`")));
        }
        assert!(template("rate(x[$window])", span("")).is_none());
        assert!(template("x{a=\"{{\"}", span("")).is_none());
    }

    #[test]
    fn unknown_function_is_found_with_the_closest_name() {
        let text = "sum(irates(x[5m])) / sum(rates(y[5m]))";
        let d = unknown_function(text, span(text), "unknown function with name 'rates'")
            .expect("a diagnostic");
        assert_eq!(d.primary.span.start, 10 + 25, "the call, not `irates`");
        assert_eq!(d.primary.span.end, 10 + 30);
        assert_eq!(d.help.as_deref(), Some("did you mean `rate`?"));
        let text = "summ (rate(x[5m]))";
        let d = unknown_function(text, span(text), "unknown function with name 'summ'")
            .expect("a diagnostic");
        assert_eq!(d.help.as_deref(), Some("did you mean `sum`?"));
        assert!(unknown_function(text, span(text), "unexpected <EOF>").is_none());
    }
}
