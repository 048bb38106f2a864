//! `slo import`: Sloth, Pyrra and OpenSLO specs as `.slo` files.
//!
//! Each importer reads the YAML documents of its format into a [`model`]
//! (services, SLOs, the policies they share), reporting what cannot be
//! imported at the YAML node that says it. The model is written as `.slo`
//! text and formatted; the caller writes the files.
//!
//! Layout:
//! - [`yaml`]: documents with positions, and typed field access;
//! - [`model`]: what an import produces, and its `.slo` text;
//! - [`sloth`], [`pyrra`], [`openslo`]: one importer per format.

// This module handles what users give it: slicing a string inside a
// character, or indexing past its end, would panic on it.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

pub mod model;
mod openslo;
mod pyrra;
mod sloth;
pub mod yaml;

use crate::diag::{Code, Diag, FileId, Sources, Span};
use crate::num::Duration;
use model::{Alerting, Import};
use yaml::{Node, Reader};

/// A format `slo import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Sloth,
    Pyrra,
    OpenSlo,
}

impl Format {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sloth => "sloth",
            Format::Pyrra => "pyrra",
            Format::OpenSlo => "openslo",
        }
    }
}

/// What an import gives: the `.slo` files (name and formatted text) when
/// nothing was an error, and every diagnostic.
pub struct Imported {
    pub files: Option<Vec<(String, String)>>,
    pub diags: Vec<Diag>,
}

/// Imports every document of the YAML `sources`.
pub fn import(format: Format, sources: &Sources) -> Imported {
    let mut diags = Vec::new();
    let mut docs: Vec<(FileId, &str, Node)> = Vec::new();
    for (file, source) in sources.iter() {
        if let Some(d) = source.not_utf8(file) {
            diags.push(d);
            continue;
        }
        match yaml::documents(file, &source.text) {
            Ok(found) => docs.extend(
                found
                    .into_iter()
                    .filter(|d| !d.is_null())
                    .map(|d| (file, source.text.as_str(), d)),
            ),
            Err(d) => diags.push(*d),
        }
    }
    // Rules generated from the specs often sit beside them.
    docs.retain(|(_, text, doc)| {
        let rules = is_rule_file(doc);
        if rules {
            diags.push(
                Diag::new(
                    Code::RuleFile,
                    doc.head(text),
                    "these are Prometheus rules, not a spec: skipped",
                )
                .help("`slo import` reads the specs the rules were generated from; `slo compile` writes the rules"),
            );
        }
        !rules
    });
    let mut import = Import::default();
    match format {
        Format::Sloth => {
            for (_, text, doc) in &docs {
                let mut r = Reader {
                    text,
                    diags: &mut diags,
                };
                sloth::document(&mut r, doc, &mut import);
            }
        }
        Format::Pyrra => {
            for (_, text, doc) in &docs {
                let mut r = Reader {
                    text,
                    diags: &mut diags,
                };
                pyrra::document(&mut r, doc, &mut import);
            }
        }
        Format::OpenSlo => openslo::documents(&docs, &mut diags, &mut import),
    }
    drop_lines_that_cannot_fire(&mut import);
    let failed = diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    if import.services.is_empty() && !failed {
        if let Some((file, _)) = sources.iter().next() {
            diags.push(
                Diag::new(
                    Code::UnknownDocument,
                    Span::new(file, 0, 0),
                    format!("no {} SLO in the files given", format.name()),
                )
                .help("name the files or directories that hold the specs"),
            );
        }
    }
    let failed = failed || import.services.is_empty();
    let files = (!failed).then(|| {
        import
            .files()
            .into_iter()
            .map(|(name, text)| {
                // The text is ours; should it not parse, it is written as it is
                // and `slo check` says why.
                let formatted = crate::fmt::format(FileId(u32::MAX), &text).unwrap_or(text);
                (name, formatted)
            })
            .collect()
    });
    Imported { files, diags }
}

/// Whether a document is a Prometheus rule file (`groups:`) or a
/// Kubernetes object of rules (`PrometheusRule`, `VMRule`).
fn is_rule_file(doc: &Node) -> bool {
    let kind = doc.get("kind").and_then(Node::text);
    match doc.get("apiVersion").and_then(Node::text) {
        Some(_) => matches!(kind, Some("PrometheusRule" | "VMRule")),
        None => doc.get("groups").is_some() && doc.get("version").is_none(),
    }
}

/// A policy line whose factor times the error budget reaches 1 can never
/// fire (the error ratio would have to pass 100%), and the checker rejects
/// it; the source tool would generate an alert that stays silent. Such
/// lines are dropped from the SLO's override.
fn drop_lines_that_cannot_fire(import: &mut Import) {
    for service in import.services.values_mut() {
        for slo in &mut service.slos {
            let Alerting::Policy { name, body } = &mut slo.alerting else {
                continue;
            };
            let Some(policy) = import.policies.get(name) else {
                continue;
            };
            let budget = 1.0 - slo.target.parse::<f64>().unwrap_or(0.0) / 100.0;
            let dead: Vec<(String, String)> = policy
                .lines
                .iter()
                .filter(|l| l.factor * budget >= 1.0)
                .map(|l| (l.long.clone(), l.short.clone()))
                .collect();
            if dead.is_empty() {
                continue;
            }
            let mut windows = dead.clone();
            windows.dedup();
            if dead.len() == policy.lines.len() {
                slo.comment.push(format!(
                    "No alerts: every burn rate of policy `{name}` is out of reach for this target."
                ));
                slo.alerting = Alerting::None;
                continue;
            }
            body.drops = windows;
        }
    }
}

/// A name of the language (`[A-Za-z_][A-Za-z0-9_-]*`, not a keyword) for
/// a source name: other characters become `-`.
pub fn name(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    const KEYWORDS: &[&str] = &[
        "policy", "defaults", "service", "labels", "sli", "slo", "over", "for",
    ];
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Whether `text` is a name of the language as it is.
pub fn is_name(text: &str) -> bool {
    name(text) == text
}

/// Whether `text` is a Prometheus label name.
fn is_label_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Label names the compiler sets on series and alerts.
const RESERVED_LABELS: &[&str] = &[
    "service",
    "slo",
    "severity",
    "team",
    "long_window",
    "short_window",
    "alertname",
    "le",
    "slo_sum_part",
];

/// Labels from a source, checked: `team` becomes the service's team,
/// other names the compiler sets and names Prometheus refuses are errors.
pub fn labels(
    r: &mut Reader,
    given: Vec<(yaml::Key, String)>,
    team: &mut Option<String>,
    what: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in given {
        if key.name == "team" {
            *team = Some(value);
        } else if RESERVED_LABELS.contains(&key.name.as_str()) {
            r.diags.push(
                Diag::new(
                    Code::ReservedLabel,
                    key.span,
                    format!("the label `{}` of {what} is one `slo` sets itself", key.name),
                )
                .label("set by the compiler")
                .help(format!(
                    "rename it in the source; `{}` on every series and alert says what the compiler generated",
                    key.name
                )),
            );
        } else if !is_label_name(&key.name) {
            r.diags.push(
                Diag::new(
                    Code::InvalidField,
                    key.span,
                    format!("`{}` is not a Prometheus label name", key.name),
                )
                .help("label names are letters, digits and `_`, not starting with a digit"),
            );
        } else {
            out.retain(|(k, _)| *k != key.name);
            out.push((key.name, value));
        }
    }
    out
}

/// A target between 0% and 100% exclusive, as written, from its text.
pub fn percent(r: &mut Reader, node: &Node, text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('%').trim();
    match text.parse::<f64>() {
        Ok(v) if v > 0.0 && v < 100.0 && crate::num::Ratio::parse_decimal(text).is_some() => {
            Some(text.to_string())
        }
        _ => {
            r.invalid(
                node,
                format!("`{text}` is not a target between 0 and 100 percent"),
                "write the objective as a percentage such as `99.9`",
            );
            None
        }
    }
}

/// A ratio between 0 and 1 (`0.999`) as a percentage (`99.9`), exactly.
pub fn ratio_as_percent(text: &str) -> Option<String> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut digits = format!("{int}{:0<2}", frac);
    let split = int.len() + 2;
    let fraction = digits.split_off(split);
    let whole = digits.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.trim_end_matches('0');
    Some(if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    })
}

/// A Prometheus duration (`4w`, `28d`, `1h30m`) in the language's spelling.
pub fn duration(text: &str) -> Option<Duration> {
    Duration::parse(text.trim()).filter(|d| d.0 > 0)
}

/// A query as the language takes it: Sloth's `{{.window}}` becomes
/// `$window`, and the result must parse as PromQL. A query that is not
/// PromQL is an error at its node, naming the MetricsQL construct when it
/// is one.
pub fn query(r: &mut Reader, node: &Node, text: &str) -> Option<String> {
    let text = window_template(text);
    if text.contains('`') {
        r.invalid(
            node,
            "this query holds a backtick, which a `.slo` query cannot".to_string(),
            "write its raw string (`...`) with double quotes",
        );
        return None;
    }
    let probe = text.replace("$window", "5m");
    if let Err(e) = promql_parser::parser::parse(&probe) {
        if let Some(construct) = metricsql(&text) {
            r.unsupported(
                Code::MetricsQl,
                node.span,
                format!("this query uses {construct}, which is MetricsQL, not PromQL"),
                "`slo` generates Prometheus rules; write the query in PromQL (VictoriaMetrics runs PromQL too)",
            );
        } else {
            let first = e.lines().next().unwrap_or_default().to_string();
            r.diags.push(
                Diag::new(
                    Code::InvalidQuery,
                    node.span,
                    format!("this query is not valid PromQL: {first}"),
                )
                .help("fix the query in the source; the source tool would send it as it is"),
            );
        }
        return None;
    }
    Some(text)
}

/// A query whose range selectors name a fixed duration (`rate(x[5m])`), as
/// tools that sample a rate and add it up over the period write them, with
/// every such range as `$window`: the rate over the window is what they
/// add up to. Ranges inside strings and subqueries (`[1h:5m]`) are kept; a
/// query that already says `$window` is taken as written.
pub fn window_ranges(text: &str) -> String {
    if text.contains("$window") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => {
                quote = Some(c);
                out.push(c);
            }
            '[' => {
                let rest = text.get(at + 1..).unwrap_or_default();
                let range = rest.find(']').and_then(|end| rest.get(..end));
                match range.filter(|r| duration(r).is_some()) {
                    Some(range) => {
                        out.push_str("[$window]");
                        // Past the range and its `]`.
                        for _ in 0..=range.chars().count() {
                            chars.next();
                        }
                    }
                    None => out.push(c),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `{{.window}}`, with any blanks inside the braces, as `$window`.
fn window_template(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let inner_end = after.find("}}");
        let inner = inner_end.and_then(|end| after.get(2..end)).map(str::trim);
        match (inner, inner_end) {
            (Some(".window"), Some(end)) => {
                out.push_str("$window");
                rest = after.get(end + 2..).unwrap_or_default();
            }
            _ => {
                out.push_str("{{");
                rest = after.get(2..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// The MetricsQL construct a query that PromQL refuses uses, if any.
fn metricsql(text: &str) -> Option<String> {
    const FUNCTIONS: &[&str] = &[
        "keep_metric_names",
        "rollup",
        "range_median",
        "median_over_time",
        "default_rollup",
        "rate_over_sum",
        "increase_pure",
        "increase_prometheus",
        "running_sum",
        "range_first",
        "range_last",
        "aggr_over_time",
        "share_le_over_time",
        "share_gt_over_time",
        "count_le_over_time",
        "count_gt_over_time",
        "histogram_share",
        "limitk",
        "outliersk",
        "union",
        "label_set",
        "label_del",
        "label_keep",
        "label_copy",
        "label_move",
        "label_value",
        "if",
        "ifnot",
        "with",
    ];
    let lower = text.to_ascii_lowercase();
    let words = lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    let mut offset = 0;
    for word in words {
        let start = offset;
        offset += word.len() + 1;
        if !FUNCTIONS.contains(&word) {
            continue;
        }
        let after = lower
            .get(start + word.len()..)
            .unwrap_or_default()
            .trim_start();
        if word == "keep_metric_names" {
            return Some("the `keep_metric_names` modifier".to_string());
        }
        if after.starts_with('(') {
            return Some(if word == "with" {
                "a `WITH` template".to_string()
            } else {
                format!("the function `{word}`")
            });
        }
    }
    // `[5i]`, a lookbehind in sample intervals.
    if lower.contains("i]")
        && lower.split('[').skip(1).any(|r| {
            r.split(']').next().is_some_and(|d| {
                d.ends_with('i') && d.trim_end_matches('i').bytes().all(|b| b.is_ascii_digit())
            })
        })
    {
        return Some("a range in sample intervals (`[Ni]`)".to_string());
    }
    None
}

/// A latency SLI over a classic histogram, when `success` is a bucket of
/// the histogram whose count is `total`: `X_bucket{…, le="0.05"}` over
/// `X_count{…}` with the same other matchers.
pub fn histogram(good: &str, total: &str) -> Option<model::Sli> {
    use promql_parser::parser::{parse, Expr};
    let (Ok(Expr::VectorSelector(g)), Ok(Expr::VectorSelector(t))) = (parse(good), parse(total))
    else {
        return None;
    };
    let base = g.name.as_deref()?.strip_suffix("_bucket")?;
    if t.name.as_deref()?.strip_suffix("_count")? != base {
        return None;
    }
    let le = g.matchers.matchers.iter().find(|m| m.name == "le")?;
    if le.op != promql_parser::label::MatchOp::Equal {
        return None;
    }
    let others: Vec<String> = g
        .matchers
        .matchers
        .iter()
        .filter(|m| m.name != "le")
        .map(ToString::to_string)
        .collect();
    let mut totals: Vec<String> = t
        .matchers
        .matchers
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut others_sorted = others.clone();
    others_sorted.sort();
    totals.sort();
    if others_sorted != totals || !t.matchers.or_matchers.is_empty() {
        return None;
    }
    let threshold = Duration::parse(&format!("{}s", le.value.trim())).filter(|d| d.0 > 0)?;
    let rest = total.trim().strip_prefix(t.name.as_deref()?)?;
    Some(model::Sli::Latency {
        histogram: format!("{base}{rest}"),
        native: false,
        threshold: threshold.to_string(),
    })
}

/// An SLO's comment from a description: its lines, wrapped as written.
pub fn description(text: Option<String>) -> Vec<String> {
    text.map(|t| t.trim().lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The span an SLO is reported at.
pub fn slo_span(node: &Node, text: &str) -> Span {
    node.head(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_become_exact_percentages() {
        assert_eq!(ratio_as_percent("0.999").as_deref(), Some("99.9"));
        assert_eq!(ratio_as_percent("0.95").as_deref(), Some("95"));
        assert_eq!(ratio_as_percent("0.99995").as_deref(), Some("99.995"));
        assert_eq!(ratio_as_percent("1").as_deref(), Some("100"));
        assert_eq!(ratio_as_percent("0.5").as_deref(), Some("50"));
        assert_eq!(ratio_as_percent("x"), None);
    }

    #[test]
    fn sloth_window_templates_become_window() {
        assert_eq!(
            window_template("rate(x[{{.window}}]) / rate(y[{{ .window }}])"),
            "rate(x[$window]) / rate(y[$window])"
        );
        assert_eq!(window_template("{{.other}}"), "{{.other}}");
    }

    #[test]
    fn fixed_ranges_become_window() {
        assert_eq!(
            window_ranges("sum(rate(x{path=\"[5m]\"}[5m])) / sum(rate(y[ 1h ]))"),
            "sum(rate(x{path=\"[5m]\"}[$window])) / sum(rate(y[$window]))"
        );
        assert_eq!(
            window_ranges("max_over_time(rate(x[5m])[1h:1m])"),
            "max_over_time(rate(x[$window])[1h:1m])"
        );
        assert_eq!(
            window_ranges("rate(x[$window]) + rate(y[5m])"),
            "rate(x[$window]) + rate(y[5m])"
        );
        assert_eq!(window_ranges("x"), "x");
    }

    #[test]
    fn names_are_made_valid() {
        assert_eq!(name("requests-availability"), "requests-availability");
        assert_eq!(name("slo.apiserver"), "slo-apiserver");
        assert_eq!(name("99th"), "_99th");
        assert_eq!(name("service"), "service_");
    }

    #[test]
    fn metricsql_constructs_are_named() {
        assert_eq!(
            metricsql("sum(rate(x[5m])) keep_metric_names").as_deref(),
            Some("the `keep_metric_names` modifier")
        );
        assert_eq!(
            metricsql("median_over_time(x[5m])").as_deref(),
            Some("the function `median_over_time`")
        );
        assert_eq!(metricsql("sum(rate(x[5m]))"), None);
    }
}
