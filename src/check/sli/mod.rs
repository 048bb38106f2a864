//! SLIs, one module per kind: counters (`ratio.rs`), histograms
//! (`latency.rs`) and 0/1 gauges (`gauge.rs`), with what a metric's name
//! says about the series a key expects (`metric_name.rs`). This module
//! dispatches on the kind and holds what the kinds share.

mod gauge;
mod latency;
mod metric_name;
mod ratio;

pub use ratio::{check_sides, Sides};

/// The SLI kinds and the keys each takes.
pub(super) const KINDS: [(&str, &[super::fields::Key]); 3] = [
    ("ratio", ratio::RATIO_KEYS),
    ("latency", latency::LATENCY_KEYS),
    ("gauge", gauge::GAUGE_KEYS),
];

use super::common::{unknown_kind, KindOf};
use super::fields::Fields;
use super::promql::{self, Parsed, Query};
use super::Sli;
use crate::diag::{Diag, Span};
use crate::syntax::ast;

/// The SLI kinds.
/// Checks an SLI of any kind; a ratio comes with its sides, which each SLO
/// using it checks against its `by` labels ([`check_sides`]).
pub fn check(sli: &ast::Sli, diags: &mut Vec<Diag>) -> (Option<Sli>, Option<Sides>) {
    match sli.kind.text.as_str() {
        "ratio" => match ratio::check(sli, diags) {
            Some((checked, sides)) => (Some(checked), Some(sides)),
            None => (None, None),
        },
        "latency" => (latency::check(sli, diags), None),
        "gauge" => (gauge::check(sli, diags), None),
        other => {
            diags.push(unknown_kind(
                KindOf::Sli,
                other,
                sli.kind.span,
                KINDS.iter().map(|(name, _)| *name),
            ));
            (None, None)
        }
    }
}

/// An SLI without the key `what`; `example` completes "add …".
pub(super) fn missing(sli: &ast::Sli, what: &str, example: &str) -> Diag {
    super::common::missing_key("SLI", &sli.name.text, sli.name.span, what, example)
}

/// The checked PromQL of `key`, its parsed form and where it is written.
pub(super) fn query(f: &Fields, key: &str, diags: &mut Vec<Diag>) -> Option<(Query, Parsed, Span)> {
    let (text, span) = f.promql(key, diags)?;
    promql::check(text, span, key, diags).map(|(q, p)| (q, p, span))
}
