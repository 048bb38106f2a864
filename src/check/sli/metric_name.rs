//! What a metric's name says about its series. Client libraries name a
//! classic histogram's series `<base>_bucket`, `<base>_count` and
//! `<base>_sum`, a counter `<name>_total`, and (OpenMetrics) the time either
//! was created `<name>_created`. Each SLI key expects one kind of series, so
//! a name carrying another kind's suffix is judged before any data is seen:
//! `histogram = `x_bucket`` compiles to `x_bucket_bucket`, which never
//! exists, and the SLO would stay silent forever.
//!
//! Only a bare selector whose name is written before its braces is judged.
//! Full `$window` expressions are used as written, and `{__name__=…}` may be
//! a regex; neither is guessed at.

use crate::check::fields::Fields;
use crate::diag::{Code, Diag, Span};
use promql_parser::parser::Expr;

/// A suffix that names one kind of series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    Bucket,
    Count,
    Sum,
    Total,
    Created,
}

/// Every judged suffix, as written, with what a name ending in it is.
const SUFFIXES: &[(Suffix, &str, &str)] = &[
    (Suffix::Bucket, "_bucket", "a histogram's bucket series"),
    (Suffix::Count, "_count", "a count, such as a histogram's"),
    (Suffix::Sum, "_sum", "a sum, such as a histogram's"),
    (Suffix::Total, "_total", "a counter"),
    (Suffix::Created, "_created", "a creation timestamp"),
];

/// The metric name at the start of a bare selector, where it is in the
/// source, and what follows it.
struct Name<'t> {
    /// The name, e.g. `http_request_duration_seconds_bucket`.
    text: &'t str,
    /// The name's bytes in the `.slo` file.
    span: Span,
    /// The matchers after the name, as written (`{job="api"}`), or empty.
    rest: &'t str,
    /// Whether the selector has an `le` matcher.
    le: bool,
    /// The suffix, its spelling and what it means.
    suffix: Option<(Suffix, &'static str, &'static str)>,
}

impl<'t> Name<'t> {
    /// The name of the bare selector `key` holds; `None` for full
    /// expressions, names given by `__name__`, and text the parser read
    /// differently from how it starts.
    fn of(f: &Fields<'t>, key: &str, expr: &Expr) -> Option<Self> {
        let Expr::VectorSelector(vs) = expr else {
            return None;
        };
        let name = vs.name.as_deref()?;
        let setting = f.setting(key)?;
        let crate::syntax::ast::ValueKind::Promql(raw) = &setting.value.kind else {
            return None;
        };
        let trimmed = raw.trim_start();
        let (text, rest) = trimmed.split_at_checked(name.len())?;
        if text != name {
            return None;
        }
        // The span of the value includes its opening backtick.
        let start = setting.value.span.start + 1 + (raw.len() - trimmed.len());
        let span = Span::new(setting.value.span.file, start, start + name.len());
        let suffix = SUFFIXES
            .iter()
            .find(|(_, s, _)| name.len() > s.len() && name.ends_with(s))
            .copied();
        Some(Name {
            text,
            span,
            rest: rest.trim(),
            le: vs.matchers.matchers.iter().any(|m| m.name == "le"),
            suffix,
        })
    }

    /// The name without its suffix.
    fn base(&self) -> &'t str {
        match self.suffix {
            Some((_, s, _)) => self.text.strip_suffix(s).unwrap_or(self.text),
            None => self.text,
        }
    }

    /// A selector of `name` with this selector's matchers, without `le` when
    /// `drop_le`: the text to write instead. Matchers that cannot be shown
    /// on one line (a comment, a line break) are shown as `{…}`.
    fn with(&self, name: &str, drop_le: bool) -> String {
        let rest = if self.rest.contains(['#', '\n']) {
            Some("{…}".to_string())
        } else if drop_le && self.le {
            without_le(self.rest)
        } else {
            Some(self.rest.to_string())
        };
        format!("{name}{}", rest.as_deref().unwrap_or("{…}"))
    }
}

/// `{a="1", le="0.3"}` without its `le` matcher: `{a="1"}`, or nothing when
/// no matcher is left. `None` when the text is not plain matchers in braces.
fn without_le(rest: &str) -> Option<String> {
    let inner = rest.strip_prefix('{')?.strip_suffix('}')?;
    let mut items = Vec::new();
    let (mut start, mut quote, mut escaped) = (0, None, false);
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(q), '\\') if q != '`' => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, ',') => {
                items.push(inner.get(start..i)?);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(inner.get(start..)?);
    let kept: Vec<&str> = items
        .iter()
        .map(|m| m.trim())
        .filter(|m| {
            let label = m.split(['=', '!']).next().unwrap_or("").trim();
            !m.is_empty() && label != "le"
        })
        .collect();
    Some(if kept.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", kept.join(", "))
    })
}

/// Judges the name `histogram` or `native_histogram` gives: a histogram is
/// named by its base name, and never by a counter's. Returns whether it
/// reported an error.
pub fn histogram(f: &Fields, key: &str, expr: &Expr, diags: &mut Vec<Diag>) -> bool {
    let Some(name) = Name::of(f, key, expr) else {
        return false;
    };
    let Some((suffix, written, _)) = name.suffix else {
        return false;
    };
    let native = key == "native_histogram";
    let diag = Diag::new(
        Code::HistogramSeriesName,
        name.span,
        format!("`{}` is not the base name of a histogram", name.text),
    );
    let diag = if suffix == Suffix::Total {
        diag.label("a counter's name: a histogram's never ends in `_total`")
            .help(format!(
                "name the histogram that times these events by its base name, e.g. `http_request_duration_seconds{{job=\"api\"}}`; to compare `{}` with a count of all events, use a `ratio` SLI",
                name.text
            ))
    } else if native {
        diag.label("a native histogram has one series, under its base name")
            .help(format!(
                "write the base name: `{}`; `{written}` names a series of a classic histogram",
                name.with(name.base(), false)
            ))
    } else {
        diag.label(format!(
            "`{written}` names one of the histogram's series, not the histogram"
        ))
        .help(format!(
            "write the base name: `{}`; the compiler adds `_bucket`, `_count` and the `le` matcher, and would read `{}_bucket`, which never exists",
            name.with(name.base(), true),
            name.text
        ))
    };
    diags.push(diag);
    true
}

/// Judges the name a `gauge` SLI averages: counters, histogram series and
/// creation times are not series that are 1 while good and 0 otherwise.
/// Returns whether it reported an error.
pub fn gauge(f: &Fields, key: &str, expr: &Expr, diags: &mut Vec<Diag>) -> bool {
    let Some(name) = Name::of(f, key, expr) else {
        return false;
    };
    let Some((suffix, written, what)) = name.suffix else {
        return false;
    };
    let instead = match suffix {
        Suffix::Total => format!(
            "count events with a `ratio` SLI, whose `bad` (or `good`) and `total` the compiler wraps in `rate`, e.g. total = `{}`",
            name.with(name.text, false)
        ),
        Suffix::Bucket | Suffix::Count | Suffix::Sum => format!(
            "measure latency with a `latency` SLI, e.g. histogram = `{}`, or count events with a `ratio` SLI",
            name.with(name.base(), true)
        ),
        Suffix::Created => format!(
            "count events with a `ratio` SLI on the counter itself, e.g. {key} = `{}`",
            name.with(&format!("{}_total", name.base()), false)
        ),
    };
    diags.push(
        Diag::new(
            Code::GaugeSeriesName,
            name.span,
            format!("`{}` is not a gauge that is 0 or 1", name.text),
        )
        .label(format!("a name ending in `{written}` is {what}"))
        .help(format!(
            "{instead}; or give a gauge that is 1 while good and 0 otherwise, such as `probe_success`"
        )),
    );
    true
}

/// Warns about the names in a ratio's bare selectors that are unlikely to
/// count events: every `_bucket` at once, a `_sum` against a count, a
/// `_created` timestamp. `sides` are the keys with their parsed queries.
pub fn ratio(f: &Fields, sides: &[(&str, &Expr)], diags: &mut Vec<Diag>) {
    let names: Vec<(&str, Option<Name>)> = sides
        .iter()
        .map(|(key, expr)| (*key, Name::of(f, key, expr)))
        .collect();
    let all_sums = names.iter().all(|(_, n)| {
        n.as_ref()
            .is_some_and(|n| matches!(n.suffix, Some((Suffix::Sum, ..))))
    });
    for (key, name) in &names {
        let Some(name) = name else { continue };
        let count = name.with(&format!("{}_count", name.base()), true);
        let (label, help) = match name.suffix {
            Some((Suffix::Bucket, ..)) if !name.le => (
                "adds up every bucket, counting an event once per bucket".to_string(),
                format!("count all events with `{count}`, or add an `le` matcher to count those up to one bucket boundary"),
            ),
            // Two sums divide amounts (time spent on failures over all time
            // spent): unusual, but a ratio.
            Some((Suffix::Sum, ..)) if !all_sums => (
                "a sum of observed values (such as seconds), not of events".to_string(),
                format!("count events with `{count}`"),
            ),
            Some((Suffix::Created, ..)) => (
                "a creation timestamp: its rate is zero".to_string(),
                format!(
                    "count events with the counter itself, e.g. `{}`",
                    name.with(&format!("{}_total", name.base()), false)
                ),
            ),
            _ => continue,
        };
        diags.push(
            Diag::new(
                Code::RatioSeriesName,
                name.span,
                format!("`{key}` takes the rate of `{}`, which is unlikely to count events", name.text),
            )
            .label(label)
            .help(format!(
                "{help}; if it is what you mean, write the full expression, which is used as written: `sum(rate({}[$window]))`",
                name.with(name.text, false)
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_is_dropped_from_matchers() {
        assert_eq!(without_le(r#"{le="0.3"}"#).as_deref(), Some(""));
        assert_eq!(
            without_le(r#"{job="api", le="0.3"}"#).as_deref(),
            Some(r#"{job="api"}"#)
        );
        assert_eq!(
            without_le(r#"{le=~"0.3|1", path=~"a,b\",c",}"#).as_deref(),
            Some(r#"{path=~"a,b\",c"}"#)
        );
        assert_eq!(
            without_le(r#"{lex!="1"}"#).as_deref(),
            Some(r#"{lex!="1"}"#)
        );
    }
}
