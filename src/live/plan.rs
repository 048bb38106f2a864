//! What to ask the server about, and where each answer points: every
//! selector of every SLI with the place of its name and of each matcher in
//! the `.slo` source, and every SLO with its `by` labels and window.
//!
//! The checked program holds what the selectors mean but not where they
//! are written; the sources are parsed again for the places (parsing is a
//! small part of a check's time).

// This module slices the text between backticks: a slice inside a
// character, or past the end, would panic on it.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use crate::check::{self, Events, Program, Query};
use crate::diag::{Sources, Span};
use crate::num::Duration;
use crate::syntax::ast;
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::Expr;
use std::collections::BTreeMap;

/// Everything the live check looks up.
#[derive(Debug, Default)]
pub struct Plan {
    /// Every SLI used by an SLO, in source order.
    pub slis: Vec<SliPlan>,
    /// Every SLO, in source order.
    pub slos: Vec<SloPlan>,
}

/// An SLI and its selectors.
#[derive(Debug)]
pub struct SliPlan {
    /// Its service.
    pub service: String,
    /// Its name.
    pub name: String,
    /// What it measures.
    pub kind: SliKind,
}

/// An SLI's queries, by kind.
#[derive(Debug)]
pub enum SliKind {
    /// Counters: `bad` or `good` over `total`.
    Ratio {
        /// `bad` or `good`.
        events: Side,
        /// `total`.
        total: Side,
    },
    /// A classic histogram.
    Latency {
        /// The histogram's base-name selector.
        histogram: Selector,
        /// The threshold, in seconds, and where it is written.
        threshold: (Duration, Span),
    },
    /// A native histogram.
    Native {
        /// The histogram's selector.
        histogram: Selector,
    },
    /// A 0/1 gauge, `good` or `bad`.
    Gauge {
        /// Its query.
        events: Side,
    },
}

/// One side of a ratio, or a gauge's query.
#[derive(Debug)]
pub struct Side {
    /// The key it is written under (`bad`, `good`, `total`).
    pub key: &'static str,
    /// The query as checked.
    pub query: Query,
    /// Where the text between the backticks is.
    pub span: Span,
    /// Its selectors, in the order written.
    pub selectors: Vec<Selector>,
}

/// A vector selector inside an SLI's PromQL.
#[derive(Debug, Clone)]
pub struct Selector {
    /// The metric name; `None` for a selector by matchers only.
    pub name: Option<String>,
    /// Its matchers, without the one on the name, and where each is
    /// written.
    pub matchers: Vec<(Matcher, Span)>,
    /// Where the selector is written: its name, or its braces.
    pub span: Span,
    /// How the query uses its series.
    pub usage: Usage,
}

impl Selector {
    /// Whether a series with these labels is selected (the name aside).
    /// For a histogram's `_bucket` series, an `le` matcher is not the
    /// user's and is left out.
    pub fn matches(&self, labels: &BTreeMap<String, String>, bucket: bool) -> bool {
        self.matchers
            .iter()
            .filter(|(m, _)| !(bucket && m.name == "le"))
            .all(|(m, _)| m.is_match(labels.get(&m.name).map_or("", String::as_str)))
    }
}

/// How a query uses a selector's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// As a counter: inside `rate`, `irate` or `increase`, or a ratio's
    /// bare selector, which the compiler wraps in `rate`.
    Rate,
    /// As a gauge: a gauge SLI's bare selector, averaged over the window.
    Gauge,
    /// As a histogram (latency SLIs).
    Histogram,
    /// Some other way (another function, a subquery, arithmetic).
    Other,
}

/// An SLO, with what the live check needs of it.
#[derive(Debug)]
pub struct SloPlan {
    /// Its name.
    pub name: String,
    /// The index of its SLI in [`Plan::slis`].
    pub sli: usize,
    /// Its `by` labels.
    pub by: Vec<String>,
    /// Where its `by` list is written (its name when there is none).
    pub by_span: Span,
    /// Its period, and where it is set (the SLO's `window`, the defaults'
    /// `window`, or the SLO's name when it is the built-in default).
    pub period: (Duration, Span),
    /// Where it is in the program: its service's index, and its own.
    pub at: (usize, usize),
}

/// Every selector of an SLI, each with whether it names a histogram (whose
/// `_bucket` series are looked up too).
pub fn selectors_of(sli: &SliPlan) -> Vec<(&Selector, bool)> {
    match &sli.kind {
        SliKind::Ratio { events, total } => events
            .selectors
            .iter()
            .chain(&total.selectors)
            .map(|s| (s, false))
            .collect(),
        SliKind::Gauge { events } => events.selectors.iter().map(|s| (s, false)).collect(),
        SliKind::Latency { histogram, .. } | SliKind::Native { histogram } => {
            vec![(histogram, true)]
        }
    }
}

/// Works out the plan of a checked program from its sources.
pub fn plan(sources: &Sources, program: &Program) -> Plan {
    let mut plan = Plan::default();
    let trees: Vec<(crate::diag::FileId, ast::File)> = sources
        .iter()
        .filter_map(|(id, source)| crate::syntax::parse(id, &source.text).tree.map(|t| (id, t)))
        .collect();
    let default_window = trees.iter().find_map(|(_, tree)| {
        tree.items.iter().find_map(|item| match item {
            ast::Item::Defaults(block) => setting(&block.settings, "window").map(|v| v.span),
            _ => None,
        })
    });
    // Each SLI once, however many SLOs use it: (service, SLI) → index.
    let mut planned: BTreeMap<(usize, &str), usize> = BTreeMap::new();
    for (file, tree) in &trees {
        let text = &sources.get(*file).text;
        for item in &tree.items {
            let ast::Item::Service(service) = item else {
                continue;
            };
            // Services are sorted by name.
            let Ok(service_at) = program
                .services
                .binary_search_by(|s| s.name.as_str().cmp(&service.name.text))
            else {
                continue;
            };
            let Some(checked) = program.services.get(service_at) else {
                continue;
            };
            let slos: BTreeMap<&str, usize> = checked
                .slos
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.as_str(), i))
                .collect();
            for slo in &service.slos {
                let Some((slo_at, c)) = slos
                    .get(slo.name.text.as_str())
                    .and_then(|i| Some((*i, checked.slos.get(*i)?)))
                else {
                    continue;
                };
                let Some(sli) = service.slis.iter().find(|s| s.name.text == c.sli_name) else {
                    continue;
                };
                let key = (service_at, c.sli_name.as_str());
                let index = match planned.get(&key) {
                    Some(i) => *i,
                    None => match sli_plan(text, &checked.name, sli, &c.sli) {
                        Some(p) => {
                            plan.slis.push(p);
                            planned.insert(key, plan.slis.len() - 1);
                            plan.slis.len() - 1
                        }
                        None => continue,
                    },
                };
                let by_span = setting(&slo.block.settings, "by").map_or(slo.name.span, |v| v.span);
                let period_span = setting(&slo.block.settings, "window")
                    .map(|v| v.span)
                    .or(default_window)
                    .unwrap_or(slo.name.span);
                plan.slos.push(SloPlan {
                    name: c.name.clone(),
                    sli: index,
                    by: c.by.clone(),
                    by_span,
                    period: (c.period, period_span),
                    at: (service_at, slo_at),
                });
            }
        }
    }
    plan
}

/// How many recording rules the compiler writes for `slo` that record one
/// series per value of its `by` labels: those of its `sli` and `period`
/// groups (its `meta` group records constants, one series each).
pub fn recorded_per_value(program: &Program, (service, slo): (usize, usize)) -> usize {
    let Some(service) = program.services.get(service) else {
        return 0;
    };
    let alone = check::Service {
        name: service.name.clone(),
        team: service.team.clone(),
        runbook: service.runbook.clone(),
        labels: service.labels.clone(),
        slos: service.slos.get(slo).cloned().into_iter().collect(),
    };
    crate::lower::service(&alone, None, None)
        .rules
        .groups
        .iter()
        .filter(|g| g.name.ends_with(":sli") || g.name.ends_with(":period"))
        .flat_map(|g| &g.rules)
        .filter(|r| matches!(r, crate::lower::Rule::Record { .. }))
        .count()
}

fn setting<'a>(settings: &'a [ast::Setting], key: &str) -> Option<&'a ast::Value> {
    settings
        .iter()
        .find(|s| s.key.text == key)
        .map(|s| &s.value)
}

/// The plan of one SLI: its checked meaning, with the places of its
/// selectors.
fn sli_plan(text: &str, service: &str, sli: &ast::Sli, checked: &check::Sli) -> Option<SliPlan> {
    let settings = &sli.block.settings;
    let side = |key: &'static str, query: &Query, usage: Usage| -> Option<Side> {
        let span = inside_backticks(text, setting(settings, key)?.span);
        let usage = match query {
            Query::Selector(_) => usage,
            Query::Template(_) => Usage::Other,
        };
        Some(Side {
            key,
            query: query.clone(),
            span,
            selectors: selectors(text, span, usage)?,
        })
    };
    let events = |events: &Events, usage: Usage| match events {
        Events::Bad(q) => side("bad", q, usage),
        Events::Good(q) => side("good", q, usage),
    };
    let histogram = |key: &str| {
        let span = inside_backticks(text, setting(settings, key)?.span);
        selectors(text, span, Usage::Histogram)?.into_iter().next()
    };
    let kind = match checked {
        check::Sli::Ratio { events: e, total } => SliKind::Ratio {
            events: events(e, Usage::Rate)?,
            total: side("total", total, Usage::Rate)?,
        },
        check::Sli::Gauge { events: e } => SliKind::Gauge {
            events: events(e, Usage::Gauge)?,
        },
        check::Sli::Latency { threshold, .. } => SliKind::Latency {
            histogram: histogram("histogram")?,
            threshold: (
                *threshold,
                setting(settings, "threshold").map_or(sli.name.span, |v| v.span),
            ),
        },
        check::Sli::NativeLatency { .. } => SliKind::Native {
            histogram: histogram("native_histogram")?,
        },
    };
    Some(SliPlan {
        service: service.to_string(),
        name: sli.name.text.clone(),
        kind,
    })
}

/// The text between the backticks of a PromQL value written at `span`.
fn inside_backticks(text: &str, span: Span) -> Span {
    let quoted = text
        .get(span.start..span.end)
        .is_some_and(|t| t.len() >= 2 && t.starts_with('`') && t.ends_with('`'));
    if quoted {
        Span::new(span.file, span.start + 1, span.end - 1)
    } else {
        span
    }
}

/// The selectors of the PromQL at `span` of `text`, in the order written.
/// `bare` is how a bare selector is used (the compiler wraps it).
fn selectors(text: &str, span: Span, bare: Usage) -> Option<Vec<Selector>> {
    let promql = text.get(span.start..span.end)?;
    // The checker's parse may stand equality in for regexes; here they are
    // run, so the text is parsed as written.
    let expr =
        promql_parser::parser::parse(&promql.replace(check::promql::WINDOW, "100000s")).ok()?;
    let mut found = Vec::new();
    walk(&expr, bare, &mut found);
    let mut cursor = 0;
    Some(
        found
            .into_iter()
            .map(|(vs, usage)| place(promql, span, &mut cursor, vs, usage))
            .collect(),
    )
}

/// Collects the vector selectors of `expr` with how each is used.
fn walk<'a>(
    expr: &'a Expr,
    usage: Usage,
    out: &mut Vec<(&'a promql_parser::parser::VectorSelector, Usage)>,
) {
    match expr {
        Expr::VectorSelector(vs) => out.push((vs, usage)),
        Expr::MatrixSelector(m) => out.push((&m.vs, usage)),
        Expr::Call(call) => {
            let inner = match call.func.name {
                "rate" | "irate" | "increase" => Usage::Rate,
                _ => Usage::Other,
            };
            for arg in &call.args.args {
                walk(arg, inner, out);
            }
        }
        Expr::Aggregate(a) => {
            walk(&a.expr, usage, out);
            if let Some(p) = &a.param {
                walk(p, Usage::Other, out);
            }
        }
        Expr::Unary(u) => walk(&u.expr, Usage::Other, out),
        Expr::Binary(b) => {
            walk(&b.lhs, Usage::Other, out);
            walk(&b.rhs, Usage::Other, out);
        }
        Expr::Paren(p) => walk(&p.expr, usage, out),
        Expr::Subquery(s) => walk(&s.expr, Usage::Other, out),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// The vector selectors of `expr`, for tests that evaluate them.
#[cfg(test)]
pub fn walk_for_tests<'a>(
    expr: &'a Expr,
    out: &mut Vec<&'a promql_parser::parser::VectorSelector>,
) {
    let mut found = Vec::new();
    walk(expr, Usage::Other, &mut found);
    out.extend(found.into_iter().map(|(vs, _)| vs));
}

/// Finds where a selector is written, from `cursor` on in `promql` (the
/// selectors come in the order written), and moves the cursor past it.
fn place(
    promql: &str,
    span: Span,
    cursor: &mut usize,
    vs: &promql_parser::parser::VectorSelector,
    usage: Usage,
) -> Selector {
    let at = |start: usize, len: usize| {
        Span::new(span.file, span.start + start, span.start + start + len)
    };
    let name = vs.name.clone().or_else(|| {
        vs.matchers
            .matchers
            .iter()
            .find(|m| m.name == "__name__" && m.op == MatchOp::Equal)
            .map(|m| m.value.clone())
    });
    let start = vs
        .name
        .as_deref()
        .and_then(|n| find_word(promql, *cursor, n))
        .or_else(|| find_from(promql, *cursor, "{"))
        .unwrap_or(*cursor);
    let head_len = vs.name.as_deref().map_or(1, str::len);
    let braces = find_from(promql, start, "{").filter(|open| {
        promql
            .get(start + head_len..*open)
            .is_some_and(|between| between.trim().is_empty())
            || *open == start
    });
    let close = braces.and_then(|open| closing_brace(promql, open));
    let mut inner_cursor = braces.map_or(start, |open| open + 1);
    let matchers = vs
        .matchers
        .matchers
        .iter()
        .filter(|m| !(m.name == "__name__" && vs.name.is_some()))
        .map(|m| {
            let found =
                find_word(promql, inner_cursor, &m.name).filter(|p| close.is_none_or(|c| *p < c));
            let place = match found {
                Some(p) => {
                    let end = matcher_end(promql, p).unwrap_or(p + m.name.len());
                    inner_cursor = end;
                    at(p, end - p)
                }
                None => at(start, head_len),
            };
            (m.clone(), place)
        })
        .collect();
    *cursor = close.map_or(start + head_len, |c| c + 1);
    Selector {
        name,
        matchers,
        span: at(start, head_len),
        usage,
    }
}

/// The first `word` at or after `from` that is not part of a longer name.
fn find_word(text: &str, from: usize, word: &str) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut from = from;
    while let Some(p) = find_from(text, from, word) {
        let before = text.get(..p).and_then(|t| t.chars().next_back());
        let after = text.get(p + word.len()..).and_then(|t| t.chars().next());
        if !before.is_some_and(is_name) && !after.is_some_and(is_name) {
            return Some(p);
        }
        from = p + word.len();
    }
    None
}

fn find_from(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.get(from..)?.find(needle).map(|p| p + from)
}

/// The `}` closing the `{` at `open`, skipping quoted strings.
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in text.get(open..)?.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' || c == '`' => quote = Some(c),
            None if c == '}' => return Some(open + i),
            None => {}
        }
    }
    None
}

/// The end of the matcher whose label name starts at `start`: past its
/// quoted value.
fn matcher_end(text: &str, start: usize) -> Option<usize> {
    let rest = text.get(start..)?;
    let (open, q) = rest
        .char_indices()
        .find(|(_, c)| matches!(c, '"' | '\'' | '`'))?;
    let mut escaped = false;
    for (i, c) in rest.get(open + q.len_utf8()..)?.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && q != '`' {
            escaped = true;
        } else if c == q {
            return Some(start + open + q.len_utf8() + i + c.len_utf8());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn spans(promql: &str) -> Vec<(Option<String>, String, Vec<String>)> {
        let file = FileId(0);
        let text = format!("x `{promql}`");
        let span = Span::new(file, 3, 3 + promql.len());
        let slice = |s: Span| text.get(s.start..s.end).unwrap_or("?").to_string();
        selectors(&text, span, Usage::Rate)
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                (
                    s.name.clone(),
                    slice(s.span),
                    s.matchers.iter().map(|(_, sp)| slice(*sp)).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn selectors_are_found_where_they_are_written() {
        assert_eq!(
            spans(r#"http_requests_total{job="api", code=~"5.."}"#),
            vec![(
                Some("http_requests_total".into()),
                "http_requests_total".into(),
                vec![r#"job="api""#.into(), r#"code=~"5..""#.into()]
            )]
        );
        // The second selector's name is also part of the first's labels.
        let found = spans(
            r#"sum(rate(errors_total{kind="errors"}[$window])) / sum(rate(errors{job="a"}[$window]))"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].1, "errors");
        assert_eq!(found[1].2, vec![r#"job="a""#.to_string()]);
        let by_matchers = spans(r#"{__name__="up", job="x"}"#);
        assert_eq!(by_matchers[0].0.as_deref(), Some("up"));
        assert_eq!(by_matchers[0].1, "{");
    }
}
