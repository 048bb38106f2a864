//! The two sides of a ratio SLI must be able to match.
//!
//! The compiler writes the error ratio as `bad / total` (or
//! `1 - good / total`) with one-to-one matching: a series of one side is
//! divided by the series of the other with the same labels, and a series
//! with no partner yields nothing. Sides whose labels cannot be equal give
//! an SLI without data, which never alerts; sides matched on a label that
//! `bad` filters on divide each error series by itself. Both are errors.
//! When the labels cannot be known from the expressions, a warning says so.

use super::promql::labels::{self, Labels, Shape};
use super::promql::{self, Query};
use super::{Events, Sli};
use crate::diag::{Code, Diag, Span};
use crate::syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// One side of the ratio as the compiler uses it.
struct Side<'a> {
    key: &'static str,
    query: &'a Query,
    span: Span,
    labels: Labels,
    filters: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Side<'a> {
    fn new(key: &'static str, query: &'a Query, sli: &ast::Sli, by: &[String]) -> Option<Self> {
        let expr = promql::parse_template(query.text())?;
        let labels = match query {
            // The compiler sums a bare selector by the SLO's labels.
            Query::Selector(_) => Labels(vec![Shape::exactly(by)]),
            Query::Template(_) => labels::of(&expr),
        };
        Some(Side {
            key,
            query,
            span: value_span(sli, key)?,
            labels,
            filters: labels::filters(&expr),
        })
    }

    /// What the label says about the side's series.
    fn describe(&self, by: &[String]) -> String {
        match self.query {
            Query::Selector(_) if by.is_empty() => {
                "a bare selector, summed by the compiler to one series with no labels".to_string()
            }
            Query::Selector(_) => format!(
                "a bare selector, summed by the compiler by ({}): labels {}",
                by.join(", "),
                self.labels
            ),
            Query::Template(_) => format!("yields series with {}", self.labels),
        }
    }
}

/// The span of the PromQL text of `key` in `sli`, backticks excluded.
fn value_span(sli: &ast::Sli, key: &str) -> Option<Span> {
    let s = sli.block.settings.iter().find(|s| s.key.text == key)?;
    let mut span = s.value.span;
    span.start += 1;
    span.end = span.end.saturating_sub(1).max(span.start);
    Some(span)
}

/// Checks that the sides of a ratio SLI can match, for an SLO split by `by`.
pub fn check(sli: &ast::Sli, checked: &Sli, by: &[String], diags: &mut Vec<Diag>) {
    let Sli::Ratio { events, total } = checked else {
        // Latency SLIs build both sides from one histogram, gauges have one.
        return;
    };
    let (key, events) = match events {
        Events::Bad(q) => ("bad", q),
        Events::Good(q) => ("good", q),
    };
    let (Some(events), Some(total)) = (
        Side::new(key, events, sli, by),
        Side::new("total", total, sli, by),
    ) else {
        return;
    };
    let pairs: Vec<(&Shape, &Shape)> = events
        .labels
        .0
        .iter()
        .flat_map(|e| total.labels.0.iter().map(move |t| (e, t)))
        .filter(|(e, t)| e.may_equal(t))
        .collect();
    if pairs.is_empty() {
        diags.push(cannot_match(sli, &events, &total, by));
        return;
    }
    if let Some(diag) = self_division(sli, &events, &total, &pairs, by) {
        diags.push(diag);
        return;
    }
    let decided = pairs
        .iter()
        .any(|(e, t)| e.exact().is_some() && e.exact() == t.exact());
    if !decided {
        diags.push(undecided(sli, &events, &total, by));
    }
}

/// `sum by (a, b) (…)`, or `sum(…)` without labels.
fn aggregation(by: &[String]) -> String {
    if by.is_empty() {
        "`sum(…)`".to_string()
    } else {
        format!("`sum by ({}) (…)`", by.join(", "))
    }
}

fn cannot_match(sli: &ast::Sli, events: &Side, total: &Side, by: &[String]) -> Diag {
    Diag::new(
        Code::RatioCannotMatch,
        events.span,
        format!(
            "`{}` and `total` of SLI `{}` yield series with different labels",
            events.key, sli.name.text
        ),
    )
    .label(events.describe(by))
    .secondary(total.span, total.describe(by))
    .help(format!(
        "`{} / total` divides series with the same labels, and these never have them, so the SLI would have no data and never alert; aggregate both sides by the same labels, e.g. {} on each",
        events.key,
        aggregation(by)
    ))
}

/// A label `events` filters on (and `total` does not, in the same way) that
/// every matching pair of series carries: each series of `events` is then
/// divided by the total of its own value.
fn self_division(
    sli: &ast::Sli,
    events: &Side,
    total: &Side,
    pairs: &[(&Shape, &Shape)],
    by: &[String],
) -> Option<Diag> {
    let label = events.filters.iter().find_map(|(label, filters)| {
        let narrows = total.filters.get(label) != Some(filters);
        let kept = pairs.iter().any(|(e, _)| e.at_least.contains(label));
        (narrows && kept).then_some(label)
    })?;
    let (what, outcome) = if events.key == "bad" {
        ("error", "100% errors for every value that has errors")
    } else {
        ("good", "0% errors for every value that has good events")
    };
    let help = if by.contains(label) {
        format!(
            "remove `{label}` from `by`: an SLO split by the label that tells {what} events apart reads {outcome}"
        )
    } else {
        format!(
            "aggregate `{label}` away on both sides, e.g. {} on each, or filter `total` on `{label}` the same way",
            aggregation(by)
        )
    };
    Some(
        Diag::new(
            Code::RatioMatchesOnFilter,
            events.span,
            format!(
                "`{}` and `total` of SLI `{}` are matched on `{label}`, which `{}` filters on",
                events.key, sli.name.text, events.key
            ),
        )
        .label(format!(
            "filters on `{label}` and keeps it: each {what} series is divided by the total of the same `{label}`, that is by itself"
        ))
        .secondary(total.span, total.describe(by))
        .help(help),
    )
}

fn undecided(sli: &ast::Sli, events: &Side, total: &Side, by: &[String]) -> Diag {
    Diag::new(
        Code::RatioMatchUnknown,
        events.span,
        format!(
            "cannot tell whether `{}` and `total` of SLI `{}` yield series with the same labels",
            events.key, sli.name.text
        ),
    )
    .label(events.describe(by))
    .secondary(total.span, total.describe(by))
    .help(format!(
        "`{} / total` only has data where both sides have series with the same labels; aggregate both sides to known labels, e.g. {} on each",
        events.key,
        aggregation(by)
    ))
}
