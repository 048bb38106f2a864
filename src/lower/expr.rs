//! PromQL for an SLI's error ratio over a window, for the whole SLO or per
//! value of its `by` labels.

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

/// The events of a query over `window`, as an instant vector: a selector
/// becomes `sum(rate(<selector>[<window>]))` (`sum by (…)` per label); a
/// template gets its `$window` replaced.
fn events(query: &Query, window: Duration, by: &[String]) -> String {
    match query {
        Query::Selector(s) => aggregate("sum", by, &format!("rate({s}[{window}])")),
        Query::Template(t) => format!("({})", t.replace(WINDOW, &window.to_string())),
    }
}

/// Like [`events`], but a selector whose series do not exist yet counts as
/// zero: an error counter often appears only with the first error, and an
/// SLI must read 0% before then, not nothing. For the whole SLO that zero is
/// `vector(0)`; per label, `vector(0)` would be one series without labels
/// that matches no value, so the zero is taken per value from the total.
fn events_or_zero(query: &Query, total: &Query, window: Duration, by: &[String]) -> String {
    match query {
        Query::Selector(_) if by.is_empty() => {
            format!("({} or vector(0))", events(query, window, by))
        }
        Query::Selector(_) => format!(
            "(\n  {}\n  or\n  0 * {}\n)",
            events(query, window, by),
            events(total, window, by)
        ),
        Query::Template(_) => events(query, window, by),
    }
}

/// The error ratio of `sli` over `window`, between 0 and 1, with the `by`
/// labels kept.
pub fn error_ratio(sli: &Sli, window: Duration, by: &[String]) -> String {
    match sli {
        Sli::Ratio {
            events: Events::Bad(bad),
            total,
        } => format!(
            "{}\n/\n{}",
            events_or_zero(bad, total, window, by),
            events(total, window, by)
        ),
        Sli::Ratio {
            events: Events::Good(good),
            total,
        } => format!(
            "1 - (\n  {}\n  /\n  {}\n)",
            indent(&events_or_zero(good, total, window, by)),
            events(total, window, by)
        ),
        Sli::Latency { bucket, count, .. } => format!(
            "1 - (\n  {}\n  /\n  {}\n)",
            aggregate("sum", by, &format!("rate({bucket}[{window}])")),
            aggregate("sum", by, &format!("rate({count}[{window}])")),
        ),
        Sli::NativeLatency {
            histogram,
            threshold,
        } => format!(
            "1 - histogram_fraction(0, {}, {})",
            threshold.seconds(),
            aggregate("sum", by, &format!("rate({histogram}[{window}])")),
        ),
        Sli::Gauge { events } => {
            let average = |q: &Query| match q {
                Query::Selector(s) => {
                    aggregate("avg", by, &format!("avg_over_time({s}[{window}])"))
                }
                Query::Template(t) => format!("({})", t.replace(WINDOW, &window.to_string())),
            };
            match events {
                Events::Bad(bad) => average(bad),
                Events::Good(good) => format!("1 - {}", average(good)),
            }
        }
    }
}
