//! Ratio SLIs: failed (`bad`) or successful (`good`) events over all events
//! (`total`), each a counter.
//!
//! The two sides must be able to match.
//! The compiler writes the error ratio as `bad / total` (or
//! `1 - good / total`) with one-to-one matching: a series of one side is
//! divided by the series of the other with the same labels, and a series
//! with no partner yields nothing. Sides whose labels cannot be equal give
//! an SLI without data, which never alerts; sides matched on a label that
//! `bad` filters on divide each error series by itself. Both are errors.
//! When the labels cannot be known from the expressions, a warning says so.

use super::{missing, query};
use crate::check::fields::{Fields, Key, Kind};
use crate::check::promql::labels::{self, Labels, Shape};
use crate::check::promql::Query;
use crate::check::{Events, Sli};
use crate::diag::{Code, Diag, Span};
use crate::syntax::ast;
use promql_parser::parser::Expr;
use std::collections::{BTreeMap, BTreeSet};

pub(in crate::check) const RATIO_KEYS: &[Key] = &[
    Key {
        name: "bad",
        kind: Kind::Promql,
        example: "bad = `http_requests_total{code=~\"5..\"}`",
    },
    Key {
        name: "good",
        kind: Kind::Promql,
        example: "good = `http_requests_total{code!~\"5..\"}`",
    },
    Key {
        name: "total",
        kind: Kind::Promql,
        example: "total = `http_requests_total`",
    },
];

/// Checks a `ratio` SLI; with it, its sides for [`check_sides`].
pub(super) fn check(sli: &ast::Sli, diags: &mut Vec<Diag>) -> Option<(Sli, Sides)> {
    let f = Fields::new(&sli.block.settings, RATIO_KEYS, "a `ratio` SLI", diags);
    let (bad, good) = (f.setting("bad"), f.setting("good"));
    if let (Some(b), Some(g)) = (bad, good) {
        diags.push(
            Diag::new(
                Code::ConflictingKeys,
                g.key.span,
                "a ratio SLI has `bad` or `good`, not both",
            )
            .label("`good` given here")
            .secondary(b.key.span, "`bad` given here")
            .help("keep the one you count directly; the compiler derives the other from `total`"),
        );
    }
    if bad.is_none() && good.is_none() {
        diags.push(missing(
            sli,
            "bad` or `good",
            "`bad = `…`` (failed events) or `good = `…`` (successful events)",
        ));
    }
    if !f.has("total") {
        diags.push(missing(sli, "total", "total = `…` (all events)"));
    }
    let total = query(&f, "total", diags);
    let events = if bad.is_some() {
        query(&f, "bad", diags).map(|(q, e, s)| (Events::Bad(q), e, s, "bad"))
    } else {
        query(&f, "good", diags).map(|(q, e, s)| (Events::Good(q), e, s, "good"))
    };
    let (total, total_expr, total_span) = total?;
    let (events, events_expr, events_span, key) = events?;
    if events_expr.same_as(&total_expr) {
        diags.push(
            Diag::new(Code::SameBadTotal, events_span, format!("`{key}` and `total` are the same"))
                .label(format!("`{key}` here"))
                .secondary(total_span, "`total` here")
                .help(if key == "bad" {
                    "the error ratio would always be 100%; narrow `bad` to the failed events, e.g. with `code=~\"5..\"`"
                } else {
                    "the error ratio would always be 0%; narrow `good` to the successful events"
                }),
        );
        return None;
    }
    super::metric_name::ratio(
        &f,
        &[(key, &events_expr.expr), ("total", &total_expr.expr)],
        diags,
    );
    let (Events::Bad(events_query) | Events::Good(events_query)) = &events;
    let sides = Sides::new(
        &sli.name.text,
        key,
        (events_query, &events_expr.expr, events_span),
        (&total, &total_expr.expr, total_span),
    );
    Some((Sli::Ratio { events, total }, sides))
}

/// One side of the ratio, as far as matching goes.
struct Side {
    key: &'static str,
    span: Span,
    /// The labels of a full expression; `None` for a bare selector, which
    /// the compiler sums by the SLO's `by` labels.
    template: Option<Labels>,
    /// The matchers of its selectors, by label.
    filters: BTreeMap<String, BTreeSet<labels::Filter>>,
}

impl Side {
    fn new(key: &'static str, query: &Query, expr: &Expr, span: Span) -> Self {
        Side {
            key,
            span,
            template: match query {
                Query::Selector(_) => None,
                Query::Template(_) => Some(labels::of(expr)),
            },
            filters: labels::filters(expr),
        }
    }

    /// The labels of its series in an SLO split by `by`.
    fn labels(&self, by: &[String]) -> Labels {
        match &self.template {
            Some(labels) => labels.clone(),
            None => Labels(vec![Shape::exactly(by)]),
        }
    }

    /// What the label says about the side's series.
    fn describe(&self, by: &[String]) -> String {
        match &self.template {
            Some(labels) => format!("yields series with {labels}"),
            None if by.is_empty() => {
                "a bare selector, summed by the compiler to one series with no labels".to_string()
            }
            None => format!(
                "a bare selector, summed by the compiler by ({})",
                by.join(", ")
            ),
        }
    }
}

/// What the check needs of a ratio SLI, worked out once from its parsed
/// queries: the check itself depends on the `by` of each SLO using it.
pub struct Sides {
    sli: String,
    events: Side,
    total: Side,
}

impl Sides {
    /// The sides of SLI `sli`: `events` is `bad` or `good` (`key`).
    pub fn new(
        sli: &str,
        key: &'static str,
        events: (&Query, &Expr, Span),
        total: (&Query, &Expr, Span),
    ) -> Sides {
        Sides {
            sli: sli.to_string(),
            events: Side::new(key, events.0, events.1, events.2),
            total: Side::new("total", total.0, total.1, total.2),
        }
    }
}

/// Checks that the sides of a ratio SLI can match, for an SLO split by `by`.
pub fn check_sides(sides: &Sides, by: &[String], diags: &mut Vec<Diag>) {
    let (events, total) = (&sides.events, &sides.total);
    let (events_labels, total_labels) = (events.labels(by), total.labels(by));
    let pairs: Vec<(&Shape, &Shape)> = events_labels
        .0
        .iter()
        .flat_map(|e| total_labels.0.iter().map(move |t| (e, t)))
        .filter(|(e, t)| e.may_equal(t))
        .collect();
    if pairs.is_empty() {
        diags.push(cannot_match(&sides.sli, events, total, by));
        return;
    }
    if let Some(diag) = self_division(&sides.sli, events, total, &pairs, by) {
        diags.push(diag);
        return;
    }
    let decided = pairs
        .iter()
        .any(|(e, t)| e.exact().is_some() && e.exact() == t.exact());
    if !decided {
        diags.push(undecided(&sides.sli, events, total, by));
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

/// A diagnostic about the labels of both sides: at `events`, with `total`
/// as the secondary place, each described by the labels it yields.
fn both_sides(code: Code, message: String, (events, total): (&Side, &Side), by: &[String]) -> Diag {
    Diag::new(code, events.span, message)
        .label(events.describe(by))
        .secondary(total.span, total.describe(by))
}

fn cannot_match(sli: &str, events: &Side, total: &Side, by: &[String]) -> Diag {
    let message = format!(
        "`{}` and `total` of SLI `{sli}` yield series with different labels",
        events.key
    );
    both_sides(Code::RatioCannotMatch, message, (events, total), by).help(format!(
        "`{} / total` divides series with the same labels, and these never have them, so the SLI would have no data and never alert; aggregate both sides by the same labels, e.g. {} on each",
        events.key,
        aggregation(by)
    ))
}

/// A label `events` filters on (and `total` does not, in the same way) that
/// the series of `events` surely carry where they can match `total`: each
/// series of `events` is then divided by the total of its own value.
fn self_division(
    sli: &str,
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
    let why = format!(
        "`{} / total` pairs each {what} series with the total of the same `{label}`, that is with itself, which reads {outcome}",
        events.key
    );
    let help = if by.contains(label) {
        format!("{why}; remove `{label}` from `by`")
    } else {
        format!(
            "{why}; aggregate `{label}` away on both sides, e.g. {} on each, or filter `total` on `{label}` the same way",
            aggregation(by)
        )
    };
    Some(
        Diag::new(
            Code::RatioMatchesOnFilter,
            events.span,
            format!(
                "`{}` and `total` of SLI `{}` keep `{label}`, which `{}` filters on",
                events.key, sli, events.key
            ),
        )
        .label(format!("filters on `{label}` and keeps it"))
        .secondary(total.span, total.describe(by))
        .help(help),
    )
}

fn undecided(sli: &str, events: &Side, total: &Side, by: &[String]) -> Diag {
    let message = format!(
        "cannot tell whether `{}` and `total` of SLI `{sli}` yield series with the same labels",
        events.key
    );
    both_sides(Code::RatioMatchUnknown, message, (events, total), by).help(format!(
        "`{} / total` only has data where both sides have series with the same labels; aggregate both sides to known labels, e.g. {} on each, so that the checker can see they match",
        events.key,
        aggregation(by)
    ))
}

#[cfg(test)]
mod tests {
    use crate::diag::{Code, Sources};

    /// The codes of the SLO42x diagnostics for an SLI with `sides` and an
    /// SLO split by `by`.
    fn codes(sides: &str, by: &str) -> Vec<Code> {
        let text = format!(
            "service s {{\n  sli r = ratio {{\n{sides}\n  }}\n  slo a {{\n    sli    = r\n    target = 99.9%\n    by     = [{by}]\n  }}\n}}\n"
        );
        let mut sources = Sources::new();
        sources.add("t.slo", &text);
        crate::check(&sources)
            .diags
            .into_iter()
            .map(|d| d.code)
            .filter(|c| c.as_str().starts_with("SLO42"))
            .collect()
    }

    fn side(bad: &str, total: &str) -> String {
        format!("    bad   = `{bad}`\n    total = `{total}`")
    }

    #[test]
    fn common_forms_match() {
        for (bad, total, by) in [
            (r#"x{code=~"5.."}"#, "x", ""),
            (r#"x{code=~"5.."}"#, "x", "route"),
            (
                r#"sum(rate(x{code=~"5.."}[$window]))"#,
                "sum(rate(x[$window]))",
                "",
            ),
            (
                r#"sum(rate(x{code=~"5.."}[$window])) or vector(0)"#,
                "x",
                "",
            ),
            (
                r#"sum by (route) (rate(x{code=~"5.."}[$window]))"#,
                "sum by (route) (rate(x[$window]))",
                "route",
            ),
            (
                r#"sum by (route) (rate(x{code=~"5.."}[$window]))"#,
                "x",
                "route",
            ),
            (
                r#"sum(rate(x{code=~"5..", route!="/health"}[$window]))"#,
                r#"sum(rate(x{route!="/health"}[$window]))"#,
                "",
            ),
        ] {
            assert_eq!(
                codes(&side(bad, total), by),
                [],
                "{bad} / {total} by [{by}]"
            );
        }
    }

    #[test]
    fn sides_with_different_labels_cannot_match() {
        // The issue's example: every series of `bad` carries `code`, the
        // compiler sums `total` to one series without labels.
        assert_eq!(
            codes(&side(r#"rate(x{code=~"5.."}[$window])"#, "x"), ""),
            [Code::RatioCannotMatch]
        );
        assert_eq!(
            codes(
                &side(
                    r#"sum by (code) (rate(x{code=~"5.."}[$window]))"#,
                    "sum(rate(x[$window]))"
                ),
                ""
            ),
            [Code::RatioCannotMatch]
        );
        assert_eq!(
            codes(
                &side(
                    r#"sum by (route, code) (rate(x{code=~"5.."}[$window]))"#,
                    "x"
                ),
                "route"
            ),
            [Code::RatioCannotMatch]
        );
        // Reported once per SLO `by`, and for `good` too.
        assert_eq!(
            codes(
                "    good  = `sum(rate(x{code=~\"2..\"}[$window]))`\n    total = `sum by (route) (rate(x[$window]))`",
                ""
            ),
            [Code::RatioCannotMatch]
        );
    }

    #[test]
    fn sides_matched_on_a_filtered_label_divide_by_themselves() {
        assert_eq!(
            codes(
                &side(
                    r#"sum by (code) (rate(x{code=~"5.."}[$window]))"#,
                    "sum by (code) (rate(x[$window]))"
                ),
                ""
            ),
            [Code::RatioMatchesOnFilter]
        );
        // Split by the label that tells errors apart.
        assert_eq!(
            codes(&side(r#"x{code=~"5.."}"#, "x"), "code"),
            [Code::RatioMatchesOnFilter]
        );
        // Unaggregated: if the sides match at all, they match on `code`.
        assert_eq!(
            codes(
                &side(r#"rate(x{code=~"5.."}[$window])"#, "rate(x[$window])"),
                ""
            ),
            [Code::RatioMatchesOnFilter]
        );
        // `total` filtered the same way on the kept label is fine.
        assert_eq!(
            codes(
                &side(
                    r#"sum by (job) (rate(x{job="a", code=~"5.."}[$window]))"#,
                    r#"sum by (job) (rate(x{job="a"}[$window]))"#
                ),
                ""
            ),
            []
        );
    }

    #[test]
    fn undecidable_sides_are_a_warning() {
        assert_eq!(
            codes(
                &side(
                    "rate(errors_total[$window])",
                    "rate(requests_total[$window])"
                ),
                ""
            ),
            [Code::RatioMatchUnknown]
        );
        assert_eq!(
            codes(
                &side(
                    "sum without (instance) (rate(errors_total[$window]))",
                    "sum by (route) (rate(requests_total[$window]))"
                ),
                "route"
            ),
            [Code::RatioMatchUnknown]
        );
    }

    #[test]
    fn reported_once_per_sli_and_by() {
        let text = "service s {\n  sli r = ratio {\n    bad   = `sum by (route) (rate(x{code=~\"5..\"}[$window]))`\n    total = `x`\n  }\n  slo a {\n    sli    = r\n    target = 99.9%\n  }\n  slo b {\n    sli    = r\n    target = 99%\n  }\n  slo c {\n    sli    = r\n    target = 99%\n    by     = [route]\n  }\n}\n";
        let mut sources = Sources::new();
        sources.add("t.slo", text);
        let codes: Vec<Code> = crate::check(&sources)
            .diags
            .into_iter()
            .map(|d| d.code)
            .filter(|c| c.as_str().starts_with("SLO42"))
            .collect();
        // `a` and `b` sum `total` to no labels: one error; `c` sums it by
        // `route`, which matches.
        assert_eq!(codes, [Code::RatioCannotMatch]);
    }

    #[test]
    fn other_kinds_have_nothing_to_match() {
        let text = "service s {\n  sli g = gauge {\n    bad = `rate(x[$window])`\n  }\n  slo a {\n    sli    = g\n    target = 99%\n  }\n}\n";
        let mut sources = Sources::new();
        sources.add("t.slo", text);
        assert!(crate::check(&sources)
            .diags
            .iter()
            .all(|d| !d.code.as_str().starts_with("SLO42")));
    }
}
