//! Label names: the service's `labels`, set on every series and alert, an
//! SLO's own `labels` and `annotations`, and the `by` labels of a per-label
//! SLO. `by = [route, region]` makes one SLO per value of those labels. The
//! names must be usable labels, each once, not also fixed by `labels`, and a
//! full PromQL expression must keep them.

use super::common::{twice, Repeated};
use super::promql::{self, Query};
use super::{Events, Sli};
use crate::diag::{Code, Diag, Span};
use crate::syntax::ast::{self, ValueKind};
use promql_parser::parser::Expr;
use std::collections::BTreeMap;

/// Labels the compiler sets itself; a service may not set them.
pub const RESERVED_LABELS: &[&str] = &[
    "alertname",
    "le",
    "long_window",
    "service",
    "severity",
    "short_window",
    "slo",
    "slo_sum_part",
    "team",
];

/// The service's `labels`, sorted by name.
pub fn service(s: &ast::Service, diags: &mut Vec<Diag>) -> Vec<(String, String)> {
    pairs(&s.labels, Pairs::Labels, diags)
        .into_iter()
        .map(|(k, (v, _))| (k, v))
        .collect()
}

/// The SLO's own `labels`, sorted by name. A label the service's `labels`
/// set too is an error: which of the two values would win is not written
/// anywhere.
pub fn slo(slo: &ast::Slo, service: &ast::Service, diags: &mut Vec<Diag>) -> Vec<(String, String)> {
    let own = pairs(&slo.labels, Pairs::Labels, diags);
    for (name, (_, span)) in &own {
        let fixed = service
            .labels
            .iter()
            .flat_map(|b| &b.settings)
            .find(|s| s.key.text == *name);
        if let Some(fixed) = fixed {
            diags.push(
                Diag::new(
                    Code::DuplicateKey,
                    *span,
                    format!("label `{name}` is set by both the service and the SLO"),
                )
                .label("the SLO sets it here")
                .secondary(fixed.key.span, "the service sets it here")
                .help("set each label once: in the service's `labels` for all its SLOs, or in the SLO's for this one"),
            );
        }
    }
    own.into_iter().map(|(k, (v, _))| (k, v)).collect()
}

/// The SLO's `annotations`, sorted by name.
pub fn annotations(slo: &ast::Slo, diags: &mut Vec<Diag>) -> Vec<(String, String)> {
    pairs(&slo.annotations, Pairs::Annotations, diags)
        .into_iter()
        .map(|(k, (v, _))| (k, v))
        .collect()
}

/// The pairs of a `labels` or `annotations` block by name, with where each
/// name is written.
pub type NamedPairs = BTreeMap<String, (String, Span)>;

/// The labels (or annotations) that a policy adds to the alerts of one
/// severity, by name. Labels are held to the rules of a service's.
pub fn alert_pairs(blocks: &[ast::Block], annotations: bool, diags: &mut Vec<Diag>) -> NamedPairs {
    let what = if annotations {
        Pairs::Annotations
    } else {
        Pairs::Labels
    };
    pairs(blocks, what, diags)
}

/// What a block of `NAME = "VALUE"` pairs holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pairs {
    Labels,
    Annotations,
}

impl Pairs {
    fn keyword(self) -> &'static str {
        match self {
            Pairs::Labels => "labels",
            Pairs::Annotations => "annotations",
        }
    }

    fn item(self) -> &'static str {
        match self {
            Pairs::Labels => "label",
            Pairs::Annotations => "annotation",
        }
    }

    fn a(self) -> &'static str {
        match self {
            Pairs::Labels => "a label",
            Pairs::Annotations => "an annotation",
        }
    }
}

/// The pairs of `labels` or `annotations` blocks, by name, with the span of
/// each name: names Prometheus takes (and, for labels, that the compiler
/// does not set), string values, each name once, one block.
fn pairs(
    blocks: &[ast::Block],
    what: Pairs,
    diags: &mut Vec<Diag>,
) -> BTreeMap<String, (String, Span)> {
    let (keyword, item) = (what.keyword(), what.item());
    let mut out: BTreeMap<String, (String, Span)> = BTreeMap::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            diags.push(
                Diag::new(
                    Code::DuplicateKey,
                    keyword_span(block.span, keyword.len()),
                    format!("`{keyword}` is given twice"),
                )
                .label(format!("second `{keyword}` block"))
                .secondary(
                    keyword_span(blocks[0].span, keyword.len()),
                    "first given here",
                )
                .help(format!("put all {item}s in one `{keyword}` block")),
            );
        }
        for setting in &block.settings {
            let name = setting.key.text.as_str();
            let problem = match what {
                Pairs::Labels => label_name_problem(name),
                Pairs::Annotations => name_syntax_problem(name),
            };
            if let Some(problem) = problem {
                let help = match what {
                    Pairs::Labels => "label names match [a-zA-Z_][a-zA-Z0-9_]*, do not start with `__`, and are not one the compiler sets",
                    Pairs::Annotations => "annotation names match [a-zA-Z_][a-zA-Z0-9_]*, as label names do",
                };
                diags.push(
                    Diag::new(
                        Code::InvalidLabel,
                        setting.key.span,
                        format!("`{name}` cannot be used as {} name", what.a()),
                    )
                    .label(problem)
                    .help(help),
                );
                continue;
            }
            let value = match &setting.value.kind {
                ast::ValueKind::Str(v) => v.clone(),
                other => {
                    diags.push(
                        Diag::new(
                            Code::WrongType,
                            setting.value.span,
                            format!("{item} `{name}` takes a string, found {}", other.describe()),
                        )
                        .label("expected a string")
                        .help(format!("{item} values are strings: `{name} = \"…\"`")),
                    );
                    continue;
                }
            };
            if let Some((_, first)) = out.get(name) {
                diags.push(twice(
                    Repeated::Key(format!("{item} `{name}`")),
                    setting.key.span,
                    *first,
                ));
                continue;
            }
            out.insert(name.to_string(), (value, setting.key.span));
        }
    }
    out
}

/// Why `name` does not match Prometheus' syntax of label names, if it does
/// not.
fn name_syntax_problem(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (!first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some("not a valid Prometheus label name")
}

/// Why `name` is not a usable label name, if it is not.
fn label_name_problem(name: &str) -> Option<&'static str> {
    if let Some(problem) = name_syntax_problem(name) {
        return Some(problem);
    }
    if name.starts_with("__") {
        return Some("names starting with `__` are reserved by Prometheus");
    }
    if RESERVED_LABELS.contains(&name) {
        return Some("the compiler sets this label itself");
    }
    None
}

/// The span of a block's leading keyword of `len` bytes.
fn keyword_span(span: Span, len: usize) -> Span {
    Span::new(span.file, span.start, (span.start + len).min(span.end))
}

/// Checks the labels of `by`. `sli` is the SLO's SLI, when it resolved.
pub fn by<'a>(
    items: &'a [ast::Value],
    service_labels: &'a [ast::Block],
    slo_labels: &'a [ast::Block],
    sli: Option<(&ast::Sli, &Sli)>,
    diags: &mut Vec<Diag>,
) -> Option<Vec<String>> {
    let errors = diags.len();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for item in items {
        let ValueKind::Name(name) = &item.kind else {
            diags.push(
                Diag::new(
                    Code::WrongType,
                    item.span,
                    format!("`by` lists label names, found {}", item.kind.describe()),
                )
                .label("not a label name")
                .help("write label names bare, e.g. `by = [route, region]`"),
            );
            continue;
        };
        if let Some(problem) = label_name_problem(name) {
            diags.push(
                Diag::new(
                    Code::InvalidLabel,
                    item.span,
                    format!("`{name}` cannot be used as a label name"),
                )
                .label(problem)
                .help("label names match [a-zA-Z_][a-zA-Z0-9_]*, do not start with `__`, and are not one the compiler sets"),
            );
            continue;
        }
        if let Some(first) = seen.get(name.as_str()) {
            diags.push(
                Diag::new(
                    Code::RepeatedDimension,
                    item.span,
                    format!("label `{name}` is listed twice in `by`"),
                )
                .label("listed again here")
                .secondary(*first, "first listed here")
                .help("list each label once"),
            );
            continue;
        }
        seen.insert(name, item.span);
        let set = |blocks: &'a [ast::Block]| {
            blocks
                .iter()
                .flat_map(|b| &b.settings)
                .find(|s| s.key.text == *name)
        };
        let fixed = set(service_labels)
            .map(|s| (s, "service label", "the service sets it to one value here"))
            .or_else(|| {
                set(slo_labels)
                    .map(|s| (s, "label of the SLO", "the SLO sets it to one value here"))
            });
        if let Some((fixed, whose, here)) = fixed {
            diags.push(
                Diag::new(
                    Code::DimensionIsServiceLabel,
                    item.span,
                    format!("label `{name}` is both a {whose} and a `by` label"),
                )
                .label("the SLO is split by this label")
                .secondary(fixed.key.span, here)
                .help(format!(
                    "a {whose} overwrites the label on every series, which would merge all values of `{name}`; remove it from `labels` or from `by`"
                )),
            );
            continue;
        }
        if let Some((ast_sli, checked)) = sli {
            for (key, text) in templates(checked) {
                let keeps = promql::parse_template(text).is_none_or(|e| keeps_label(&e, name));
                if !keeps {
                    diags.push(
                        Diag::new(
                            Code::DropsDimension,
                            item.span,
                            format!("`{key}` of SLI `{}` drops the label `{name}`", ast_sli.name.text),
                        )
                        .label("the SLO is split by this label")
                        .secondary(ast_sli.name.span, "SLI defined here")
                        .help(format!(
                            "aggregate keeping the label, e.g. `sum by ({name}) (rate(…[$window]))`, or give a bare selector and let the compiler aggregate"
                        )),
                    );
                }
            }
        }
    }
    (diags.len() == errors).then(|| seen_in_order(items))
}

/// The names of `by`, in the order written.
fn seen_in_order(items: &[ast::Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match &i.kind {
            ValueKind::Name(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// The full expressions of an SLI, by key.
fn templates(sli: &Sli) -> Vec<(&'static str, &str)> {
    fn event(e: &Events) -> (&'static str, &str) {
        match e {
            Events::Bad(q) => ("bad", q.text()),
            Events::Good(q) => ("good", q.text()),
        }
    }
    let queries: Vec<((&'static str, &str), bool)> = match sli {
        Sli::Ratio { events, total } => vec![
            (event(events), is_template(events_query(events))),
            (("total", total.text()), is_template(total)),
        ],
        Sli::Gauge { events } => vec![(event(events), is_template(events_query(events)))],
        Sli::Latency { .. } | Sli::NativeLatency { .. } => Vec::new(),
    };
    queries
        .into_iter()
        .filter_map(|(q, template)| template.then_some(q))
        .collect()
}

fn events_query(e: &Events) -> &Query {
    match e {
        Events::Bad(q) | Events::Good(q) => q,
    }
}

fn is_template(q: &Query) -> bool {
    matches!(q, Query::Template(_))
}

/// Whether the series `expr` yields can still carry `label`, as far as
/// the expression's shape tells ([`promql::labels`]).
pub fn keeps_label(expr: &Expr, label: &str) -> bool {
    promql::labels::of(expr).may_keep(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(text: &str) -> bool {
        let expr = promql::parse_template(text).expect("parses");
        keeps_label(&expr, "route")
    }

    #[test]
    fn label_names() {
        assert!(label_name_problem("tier").is_none());
        assert!(label_name_problem("__tier").is_some());
        assert!(label_name_problem("service").is_some());
        assert!(label_name_problem("my-tier").is_some());
    }

    #[test]
    fn aggregations_keep_what_they_group_by() {
        assert!(keeps("sum by (route) (rate(x[$window]))"));
        assert!(keeps("sum without (instance) (rate(x[$window]))"));
        assert!(!keeps("sum(rate(x[$window]))"));
        assert!(!keeps("sum by (code) (rate(x[$window]))"));
        assert!(keeps(
            "1 - avg by (route, region) (avg_over_time(up[$window]))"
        ));
    }

    #[test]
    fn binary_operations_keep_labels_of_both_sides() {
        assert!(keeps(
            "sum by (route) (rate(a[$window])) / sum by (route) (rate(b[$window]))"
        ));
        assert!(keeps(
            "sum by (route) (rate(a[$window])) / on () group_left sum(rate(b[$window]))"
        ));
        assert!(!keeps(
            "sum by (route, code) (rate(a[$window])) / on (code) sum by (code) (rate(b[$window]))"
        ));
        assert!(!keeps("sum by (route) (rate(a[$window])) or vector(0)"));
        assert!(keeps(
            "histogram_fraction(0, 0.3, sum by (route) (rate(h[$window])))"
        ));
    }
}
