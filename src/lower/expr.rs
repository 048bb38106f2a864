//! PromQL for an SLI's error ratio over a window.

use crate::check::{Events, Query, Sli};
use crate::num::Duration;

/// The events of a query over `window`, as an instant vector: a selector
/// becomes `sum(rate(<selector>[<window>]))`; a template gets its `$window`
/// replaced.
fn events(query: &Query, window: Duration) -> String {
    match query {
        Query::Selector(s) => format!("sum(rate({s}[{window}]))"),
        Query::Template(t) => format!(
            "({})",
            t.replace(crate::check::promql::WINDOW, &window.to_string())
        ),
    }
}

/// Like [`events`], but a selector whose series do not exist yet counts as
/// zero: an error counter often appears only with the first error, and an
/// SLI must read 0% before then, not nothing.
fn events_or_zero(query: &Query, window: Duration) -> String {
    match query {
        Query::Selector(_) => format!("({} or vector(0))", events(query, window)),
        Query::Template(_) => events(query, window),
    }
}

/// The error ratio of `sli` over `window`, between 0 and 1.
pub fn error_ratio(sli: &Sli, window: Duration) -> String {
    match sli {
        Sli::Ratio {
            events: Events::Bad(bad),
            total,
        } => format!(
            "{}\n/\n{}",
            events_or_zero(bad, window),
            events(total, window)
        ),
        Sli::Ratio {
            events: Events::Good(good),
            total,
        } => format!(
            "1 - (\n  {}\n  /\n  {}\n)",
            events_or_zero(good, window),
            events(total, window)
        ),
        Sli::Latency { bucket, count, .. } => format!(
            "1 - (\n  sum(rate({bucket}[{window}]))\n  /\n  sum(rate({count}[{window}]))\n)"
        ),
    }
}
