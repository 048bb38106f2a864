//! What an import produces, before it is written as `.slo` text: services
//! with their SLIs and SLOs, the policies they share, and receivers.

use crate::diag::{Code, Diag, Span};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Everything imported from one run's files.
#[derive(Debug, Default)]
pub struct Import {
    pub services: BTreeMap<String, Service>,
    /// Policies by name; two sources that need the same policy share it.
    pub policies: BTreeMap<String, Policy>,
    pub receivers: Vec<Receiver>,
}

#[derive(Debug, Default)]
pub struct Service {
    pub team: Option<String>,
    pub slos: Vec<Slo>,
}

#[derive(Debug)]
pub struct Slo {
    pub name: String,
    /// Where it came from; a duplicate name points here.
    pub span: Span,
    /// Comment lines above the SLO: its description and origin.
    pub comment: Vec<String>,
    pub sli: Sli,
    /// The target as a percentage, e.g. `99.9`.
    pub target: String,
    /// The period, e.g. `28d`; `None` for the default, 30 days.
    pub window: Option<String>,
    pub by: Vec<String>,
    pub alerting: Alerting,
    /// `no_data`: the severity of the alert for missing data, `none`
    /// for no such alert, `None` for the default.
    pub no_data: Option<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub enum Sli {
    /// Counters; queries are bare selectors or expressions with `$window`.
    Ratio {
        good: Option<String>,
        bad: Option<String>,
        total: String,
    },
    Latency {
        histogram: String,
        native: bool,
        threshold: String,
    },
    /// `good` (1 is good) or `bad` (the error ratio itself).
    Gauge { good: bool, query: String },
}

#[derive(Debug, Clone)]
pub enum Alerting {
    None,
    Policy { name: String, body: Body },
}

/// What an SLO's override of its policy says.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub alert: Option<String>,
    /// Labels and annotations by severity, in order.
    pub labels: Vec<(String, Vec<(String, String)>)>,
    pub annotations: Vec<(String, Vec<(String, String)>)>,
    /// Lines dropped: `(long, short)`.
    pub drops: Vec<(String, String)>,
}

impl Body {
    fn is_empty(&self) -> bool {
        self.alert.is_none()
            && self.labels.is_empty()
            && self.annotations.is_empty()
            && self.drops.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub comment: Vec<String>,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub severity: String,
    /// The burn factor, e.g. `14.4`.
    pub factor: f64,
    pub long: String,
    pub short: String,
    pub hold: Option<String>,
}

#[derive(Debug)]
pub struct Receiver {
    pub name: String,
    pub kind: &'static str,
    pub settings: Vec<(&'static str, String)>,
    pub comment: Vec<String>,
    /// Routed from: `(service, severity)`.
    pub routes: Vec<(String, String)>,
}

impl Import {
    /// Adds an SLO to its service; a second SLO of the same name in one
    /// service is an error at the second.
    pub fn add(&mut self, service: &str, slo: Slo, diags: &mut Vec<Diag>) {
        let entry = self.services.entry(service.to_string()).or_default();
        if let Some(first) = entry.slos.iter().find(|s| s.name == slo.name) {
            diags.push(
                Diag::new(
                    Code::DuplicateImport,
                    slo.span,
                    format!("service `{service}` has two SLOs named `{}`", slo.name),
                )
                .secondary(first.span, "the first is here")
                .help("rename one of them in its source; SLO names are unique within a service"),
            );
            return;
        }
        entry.slos.push(slo);
    }

    /// Adds a policy under `name`, or checks that the one there is the same.
    pub fn policy(&mut self, name: &str, policy: Policy) {
        self.policies.entry(name.to_string()).or_insert(policy);
    }

    /// The `.slo` files: one per service and `policies.slo`, unformatted.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        if !self.policies.is_empty() || !self.receivers.is_empty() {
            let mut text = String::new();
            for (name, policy) in &self.policies {
                comment(&mut text, &policy.comment, "");
                let _ = writeln!(text, "policy {name} {{");
                for l in &policy.lines {
                    let hold = l
                        .hold
                        .as_ref()
                        .map(|h| format!(" for {h}"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        text,
                        "  {} {}x over {}/{}{hold}",
                        l.severity,
                        number(l.factor),
                        l.long,
                        l.short
                    );
                }
                text.push_str("}\n\n");
            }
            self.write_receivers(&mut text);
            files.push(("policies.slo".to_string(), text));
        }
        for (name, service) in &self.services {
            files.push((format!("{name}.slo"), service.text(name)));
        }
        files
    }

    fn write_receivers(&self, text: &mut String) {
        let Some(first) = self.receivers.first().map(|r| &r.name) else {
            return;
        };
        let _ = writeln!(
            text,
            "# Alerts that no `notify` block routes go to the first receiver imported.\ndefaults {{\n  receiver = {first}\n}}\n"
        );
        for r in &self.receivers {
            comment(text, &r.comment, "");
            let _ = writeln!(text, "receiver {} = {} {{", r.name, r.kind);
            for (k, v) in &r.settings {
                let _ = writeln!(text, "  {k} = {}", quote(v));
            }
            text.push_str("}\n\n");
        }
        let mut by_service: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for r in &self.receivers {
            for (service, severity) in &r.routes {
                by_service
                    .entry(service)
                    .or_default()
                    .push((severity, &r.name));
            }
        }
        for (service, routes) in by_service {
            let _ = writeln!(text, "notify service {service} {{");
            for (severity, receiver) in routes {
                let _ = writeln!(text, "  {severity} = {receiver}");
            }
            text.push_str("}\n\n");
        }
    }
}

impl Service {
    fn text(&self, name: &str) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "service {name} {{");
        if let Some(team) = &self.team {
            let _ = writeln!(text, "  team = {}", quote(team));
        }
        // Labels every SLO of the service has are the service's.
        let common: Vec<(String, String)> = match self.slos.split_first() {
            Some((first, rest)) => first
                .labels
                .iter()
                .filter(|l| rest.iter().all(|s| s.labels.contains(l)))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        pairs(&mut text, "  ", "labels", &common);
        for slo in &self.slos {
            text.push('\n');
            slo.sli_text(&mut text);
            text.push('\n');
            let own: Vec<(String, String)> = slo
                .labels
                .iter()
                .filter(|l| !common.contains(l))
                .cloned()
                .collect();
            slo.text(&mut text, &own);
        }
        text.push_str("}\n");
        text
    }
}

impl Slo {
    fn sli_text(&self, text: &mut String) {
        let name = &self.name;
        match &self.sli {
            Sli::Ratio { good, bad, total } => {
                let _ = writeln!(text, "  sli {name} = ratio {{");
                if let Some(good) = good {
                    let _ = writeln!(text, "    good = {}", promql(good));
                }
                if let Some(bad) = bad {
                    let _ = writeln!(text, "    bad = {}", promql(bad));
                }
                let _ = writeln!(text, "    total = {}", promql(total));
            }
            Sli::Latency {
                histogram,
                native,
                threshold,
            } => {
                let key = if *native {
                    "native_histogram"
                } else {
                    "histogram"
                };
                let _ = writeln!(text, "  sli {name} = latency {{");
                let _ = writeln!(text, "    {key} = {}", promql(histogram));
                let _ = writeln!(text, "    threshold = {threshold}");
            }
            Sli::Gauge { good, query } => {
                let key = if *good { "good" } else { "bad" };
                let _ = writeln!(text, "  sli {name} = gauge {{");
                let _ = writeln!(text, "    {key} = {}", promql(query));
            }
        }
        text.push_str("  }\n");
    }

    fn text(&self, text: &mut String, labels: &[(String, String)]) {
        comment(text, &self.comment, "  ");
        let _ = writeln!(text, "  slo {} {{", self.name);
        let _ = writeln!(text, "    sli = {}", self.name);
        let _ = writeln!(text, "    target = {}%", self.target);
        if let Some(window) = &self.window {
            let _ = writeln!(text, "    window = {window}");
        }
        if !self.by.is_empty() {
            let _ = writeln!(text, "    by = [{}]", self.by.join(", "));
        }
        match &self.alerting {
            Alerting::None => text.push_str("    alerting = none\n"),
            Alerting::Policy { name, body } if body.is_empty() => {
                let _ = writeln!(text, "    alerting = {name}");
            }
            Alerting::Policy { name, body } => {
                let _ = writeln!(text, "    alerting = {name} {{");
                if let Some(alert) = &body.alert {
                    let _ = writeln!(text, "      alert = {}", quote(alert));
                }
                for (long, short) in &body.drops {
                    let _ = writeln!(text, "      drop over {long}/{short}");
                }
                for (severity, labels) in &body.labels {
                    pairs(text, "      ", &format!("{severity} labels"), labels);
                }
                for (severity, annotations) in &body.annotations {
                    pairs(
                        text,
                        "      ",
                        &format!("{severity} annotations"),
                        annotations,
                    );
                }
                text.push_str("    }\n");
            }
        }
        if let Some(no_data) = &self.no_data {
            let _ = writeln!(text, "    no_data = {no_data}");
        }
        pairs(text, "    ", "labels", labels);
        pairs(text, "    ", "annotations", &self.annotations);
        text.push_str("  }\n");
    }
}

fn pairs(text: &mut String, indent: &str, keyword: &str, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let _ = writeln!(text, "{indent}{keyword} {{");
    for (k, v) in pairs {
        let _ = writeln!(text, "{indent}  {k} = {}", quote(v));
    }
    let _ = writeln!(text, "{indent}}}");
}

fn comment(text: &mut String, lines: &[String], indent: &str) {
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(text, "{indent}#");
        } else {
            let _ = writeln!(text, "{indent}# {line}");
        }
    }
}

/// A string literal of the language.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A query in backticks, on one line: YAML block scalars span several.
fn promql(query: &str) -> String {
    let one_line: Vec<&str> = query.split_whitespace().collect();
    format!("`{}`", one_line.join(" "))
}

/// A number without a needless fraction: `14.4`, `6`.
pub fn number(value: f64) -> String {
    let text = format!("{value}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}
