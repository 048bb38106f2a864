//! PromQL for an SLI's error ratio over a window, for the whole SLO or per
//! value of its `by` labels.
//!
//! An SLO records its ratio over several windows; the expression is built
//! once with [`WINDOW`] where the window goes, then [`over`] puts each
//! window in. `$window` appears nowhere else in it: a bare selector cannot
//! contain it (the checker takes text with `$window` for a full
//! expression), and a full expression's own are the ones to replace.

use crate::check::promql::WINDOW;
use crate::check::{Events, Query, Sli};
use crate::num::Duration;

/// `op(inner)`, or `op by (a, b) (inner)` for a per-label SLO.
fn aggregate(op: &str, by: &[String], inner: &str) -> String {
    if by.is_empty() {
        format!("{op}({inner})")
    } else {
        format!("{op} by ({}) ({inner})", by.join(", "))
    }
}

/// Every line after the first indented by two spaces, for nesting.
fn indent(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// The series `<name><suffix>` of a classic histogram with its matchers and
/// `extra`, one more matcher or none.
fn histogram_series(name: &str, suffix: &str, matchers: &str, extra: &str) -> String {
    let braces = match (matchers.is_empty(), extra.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("{{{extra}}}"),
        (false, true) => format!("{{{matchers}}}"),
        (false, false) => format!("{{{matchers}, {extra}}}"),
    };
    format!("{name}{suffix}{braces}")
}

/// The `_bucket` series of a classic histogram at `threshold`.
fn bucket(name: &str, matchers: &str, threshold: Duration) -> String {
    let le = format!("le=~\"{}\"", le_regex(threshold));
    histogram_series(name, "_bucket", matchers, &le)
}

/// The `_count` series of a classic histogram.
fn count(name: &str, matchers: &str) -> String {
    histogram_series(name, "_count", matchers, "")
}

/// The `le` regex for a threshold in seconds, escaped for a PromQL string.
/// Prometheus 3 normalises `le` values of classic histograms to float
/// spelling (`1` becomes `1.0`), so a whole number matches both spellings.
fn le_regex(threshold: Duration) -> String {
    let seconds = threshold.seconds();
    let text = seconds.to_string();
    let escaped = text.replace('.', "\\\\.");
    if text.contains('.') {
        escaped
    } else {
        format!("{escaped}|{escaped}\\\\.0")
    }
}

/// The events of a query, as an instant vector: a selector becomes
/// `sum(rate(<selector>[$window]))` (`sum by (…)` per label); a template
/// is taken as written.
fn events(query: &Query, by: &[String]) -> String {
    match query {
        Query::Selector(s) => aggregate("sum", by, &format!("rate({s}[{WINDOW}])")),
        Query::Template(t) => format!("({t})"),
    }
}

/// Like [`events`], but events whose series do not exist yet count as
/// zero: an error counter often appears only with the first error, and an
/// SLI must read 0% before then, not nothing. For a selector of the whole
/// SLO that zero is `vector(0)`. Otherwise the zero is taken from the total,
/// `or 0 * total`, one per series of the total: per label, `vector(0)` would
/// be one series without labels that matches no value, and a full
/// expression may yield labels of its own. The checker makes sure both sides
/// yield the same labels, so the zeros match the total one to one.
fn events_or_zero(query: &Query, total: &Query, by: &[String]) -> String {
    match query {
        Query::Selector(_) if by.is_empty() => format!("({} or vector(0))", events(query, by)),
        Query::Selector(_) | Query::Template(_) => format!(
            "(\n  {}\n  or\n  0 * {}\n)",
            events(query, by),
            events(total, by)
        ),
    }
}

/// The error ratio of `sli`, between 0 and 1, with the `by` labels kept and
/// `$window` for the window.
pub fn error_ratio(sli: &Sli, by: &[String]) -> String {
    match sli {
        Sli::Ratio {
            events: Events::Bad(bad),
            total,
        } => format!(
            "{}\n/\n{}",
            events_or_zero(bad, total, by),
            events(total, by)
        ),
        Sli::Ratio {
            events: Events::Good(good),
            total,
        } => format!(
            "1 - (\n  {}\n  /\n  {}\n)",
            indent(&events_or_zero(good, total, by)),
            events(total, by)
        ),
        Sli::Latency {
            name,
            matchers,
            threshold,
        } => format!(
            "1 - (\n  {}\n  /\n  {}\n)",
            aggregate(
                "sum",
                by,
                &format!("rate({}[{WINDOW}])", bucket(name, matchers, *threshold))
            ),
            aggregate(
                "sum",
                by,
                &format!("rate({}[{WINDOW}])", count(name, matchers))
            ),
        ),
        Sli::NativeLatency {
            histogram,
            threshold,
        } => format!(
            "1 - histogram_fraction(0, {}, {})",
            threshold.seconds(),
            aggregate("sum", by, &format!("rate({histogram}[{WINDOW}])")),
        ),
        Sli::Gauge { events } => {
            let average = |q: &Query| match q {
                Query::Selector(s) => {
                    aggregate("avg", by, &format!("avg_over_time({s}[{WINDOW}])"))
                }
                Query::Template(t) => format!("({t})"),
            };
            match events {
                Events::Bad(bad) => average(bad),
                Events::Good(good) => format!("1 - {}", average(good)),
            }
        }
    }
}

/// What an SLI counts, as two instant vectors with `$window` for the window
/// and the `by` labels kept: its errors and its total. Their quotient is
/// [`error_ratio`]; unlike a ratio, both add up over time, so a long window
/// is the sum of their recorded values over it divided one by the other.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    /// Errors per second: bad events, or total minus good ones. For a
    /// gauge, its bad samples.
    pub errors: String,
    /// Events per second. For a gauge, its samples.
    pub total: String,
}

/// The [`Counts`] of `sli`. Both exist exactly while the total has data, and
/// neither is ever NaN: a sum of NaN over a long window would stay NaN for
/// as long as the window.
pub fn counts(sli: &Sli, by: &[String]) -> Counts {
    match sli {
        Sli::Ratio {
            events: Events::Bad(bad),
            total,
        } => Counts {
            errors: events_or_zero(bad, total, by),
            total: events(total, by),
        },
        Sli::Ratio {
            events: Events::Good(good),
            total,
        } => Counts {
            errors: format!(
                "{}\n-\n{}",
                events(total, by),
                events_or_zero(good, total, by)
            ),
            total: events(total, by),
        },
        Sli::Latency {
            name,
            matchers,
            threshold,
        } => {
            let total = aggregate(
                "sum",
                by,
                &format!("rate({}[{WINDOW}])", count(name, matchers)),
            );
            let good = aggregate(
                "sum",
                by,
                &format!("rate({}[{WINDOW}])", bucket(name, matchers, *threshold)),
            );
            Counts {
                errors: format!("{total}\n-\n{good}"),
                total,
            }
        }
        Sli::NativeLatency {
            histogram,
            threshold,
        } => {
            let rates = aggregate("sum", by, &format!("rate({histogram}[{WINDOW}])"));
            let total = format!("histogram_count({rates})");
            // Without events the fraction is NaN: `>= 0` drops it, and the
            // zero after `or` takes its place.
            Counts {
                errors: format!(
                    "(\n  {total}\n  *\n  (1 - histogram_fraction(0, {}, {rates}))\n  >= 0\n)\nor\n0 * {total}",
                    threshold.seconds(),
                ),
                total,
            }
        }
        Sli::Gauge { events } => {
            let (Events::Bad(q) | Events::Good(q)) = events;
            let (sum, total) = match q {
                // Every sample counts once, so the recorded sums weigh each
                // series by the time it had data, a new one included.
                Query::Selector(s) => (
                    aggregate("sum", by, &format!("sum_over_time({s}[{WINDOW}])")),
                    aggregate("sum", by, &format!("count_over_time({s}[{WINDOW}])")),
                ),
                // One sample of each series the expression yields.
                Query::Template(t) => (format!("({t})"), format!("0 * ({t}) + 1")),
            };
            let errors = match events {
                Events::Bad(_) => sum,
                Events::Good(_) => format!("{total}\n-\n{sum}"),
            };
            Counts { errors, total }
        }
    }
}

/// An expression from [`error_ratio`] over `window`.
pub fn over(ratio: &str, window: Duration) -> String {
    // As `str::replace` does, found through each `$` (a byte search) rather
    // than by its general substring search, which costs more than the
    // copying on expressions this short.
    let window = window.to_string();
    let mut out = String::with_capacity(ratio.len() + 2 * window.len());
    let mut rest = ratio;
    while let Some(at) = rest.find('$') {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        match from.strip_prefix(WINDOW) {
            Some(after) => {
                out.push_str(&window);
                rest = after;
            }
            None => {
                out.push('$');
                rest = from.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// What an SLI counts all events (or samples) by, with `$window` for the
/// window: the `total` of a ratio, the `_count` of a classic histogram, the
/// native histogram, the gauge. It exists exactly while the SLI has data;
/// the error counter has no part in it, since an error counter that appears
/// with the first error is normal.
pub fn total(sli: &Sli, by: &[String]) -> String {
    match sli {
        Sli::Ratio { total, .. } => events(total, by),
        Sli::Latency { name, matchers, .. } => aggregate(
            "sum",
            by,
            &format!("rate({}[{WINDOW}])", count(name, matchers)),
        ),
        Sli::NativeLatency { histogram, .. } => {
            aggregate("sum", by, &format!("rate({histogram}[{WINDOW}])"))
        }
        Sli::Gauge {
            events: Events::Bad(q) | Events::Good(q),
        } => match q {
            Query::Selector(s) => aggregate("avg", by, &format!("avg_over_time({s}[{WINDOW}])")),
            Query::Template(t) => format!("({t})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_replaces_as_str_replace_does() {
        let window = Duration::parse("5m").expect("a duration");
        for text in [
            "",
            "$",
            "$$window",
            "$windo",
            "x$window$window$",
            "rate(a[$window]) / rate(b[$window])",
            "ünï$window$wind$window✓",
        ] {
            assert_eq!(over(text, window), text.replace(WINDOW, "5m"), "{text}");
        }
    }

    #[test]
    fn le_regex_matches_both_spellings_of_whole_seconds() {
        assert_eq!(le_regex(Duration(300)), "0\\\\.3");
        assert_eq!(le_regex(Duration(1000)), "1|1\\\\.0");
    }

    #[test]
    fn histogram_series_join_matchers_and_le() {
        assert_eq!(count("h", ""), "h_count");
        assert_eq!(count("h", "job=\"a\""), "h_count{job=\"a\"}");
        assert_eq!(
            bucket("h", "job=\"a\"", Duration(300)),
            "h_bucket{job=\"a\", le=~\"0\\\\.3\"}"
        );
        assert_eq!(
            bucket("h", "", Duration(1000)),
            "h_bucket{le=~\"1|1\\\\.0\"}"
        );
    }
}
