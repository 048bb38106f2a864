//! Gauge SLIs: a series that is 1 while things are good (or bad) and 0
//! otherwise, such as `probe_success`; its average over a window is the good
//! (or bad) fraction of that window.

use super::{missing, query};
use crate::check::fields::{Fields, Key, Kind};
use crate::check::promql::Query;
use crate::check::{Events, Sli};
use crate::diag::{Code, Diag};
use crate::syntax::ast;

pub(in crate::check) const GAUGE_KEYS: &[Key] = &[
    Key {
        name: "good",
        kind: Kind::Promql,
        example: "good = `probe_success{job=\"blackbox\"}`",
    },
    Key {
        name: "bad",
        kind: Kind::Promql,
        example: "bad = `kube_node_status_condition{condition=\"Ready\", status=\"false\"}`",
    },
];

/// Checks a `gauge` SLI.
pub fn check(sli: &ast::Sli, diags: &mut Vec<Diag>) -> Option<Sli> {
    let f = Fields::new(&sli.block.settings, GAUGE_KEYS, "a `gauge` SLI", diags);
    match (f.setting("bad"), f.setting("good")) {
        (Some(b), Some(g)) => {
            diags.push(
                Diag::new(Code::ConflictingKeys, g.key.span, "a gauge SLI has `good` or `bad`, not both")
                    .label("`good` given here")
                    .secondary(b.key.span, "`bad` given here")
                    .help("keep the series that is 1 in the state it names: `good` for `probe_success`, `bad` for a failure condition"),
            );
            None
        }
        (None, None) => {
            diags.push(missing(
                sli,
                "good` or `bad",
                "good = `probe_success{job=\"blackbox\"}` (1 while good) or bad = `…` (1 while bad)",
            ));
            None
        }
        (Some(_), None) => gauge(&f, "bad", diags).map(|q| Sli::Gauge {
            events: Events::Bad(q),
        }),
        (None, Some(_)) => gauge(&f, "good", diags).map(|q| Sli::Gauge {
            events: Events::Good(q),
        }),
    }
}

/// The query of `key`, unless its metric name says it is no 0/1 gauge.
fn gauge(f: &Fields, key: &str, diags: &mut Vec<Diag>) -> Option<Query> {
    let (query, parsed, _) = query(f, key, diags)?;
    (!super::metric_name::gauge(f, key, &parsed.expr, diags)).then_some(query)
}
