//! OpenSLO: `openslo/v1` (SLO, SLI, Service, AlertPolicy, AlertCondition,
//! AlertNotificationTarget, DataSource) and the `openslo/v1alpha` SLO that
//! Sloth reads. Objects refer to each other by name, across files.

use super::model::{Alerting, Body, Import, Line, Policy, Receiver, Sli, Slo};
use super::yaml::{Node, Reader, Value};
use crate::diag::{Code, Diag, FileId};
use crate::num::Duration;
use std::collections::BTreeMap;

/// A document and the text of its file.
type Doc<'a> = (&'a str, &'a Node);

/// The named objects SLOs refer to.
#[derive(Default)]
struct Objects<'a> {
    slis: BTreeMap<String, Doc<'a>>,
    policies: BTreeMap<String, Doc<'a>>,
    conditions: BTreeMap<String, Doc<'a>>,
    targets: BTreeMap<String, Doc<'a>>,
    sources: BTreeMap<String, Doc<'a>>,
}

pub fn documents(docs: &[(FileId, &str, Node)], diags: &mut Vec<Diag>, import: &mut Import) {
    let mut objects = Objects::default();
    let mut slos: Vec<(Doc, bool)> = Vec::new();
    for (_, text, doc) in docs {
        let mut r = Reader { text, diags };
        if !r.expect_map(doc, "document") {
            continue;
        }
        let api = doc.get("apiVersion").and_then(Node::text);
        let kind = doc.get("kind").and_then(Node::text);
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::text)
            .unwrap_or_default()
            .to_string();
        let entry = (*text, doc);
        match (api, kind) {
            (Some("openslo/v1"), Some("SLO")) => slos.push((entry, false)),
            (Some("openslo/v1alpha"), Some("SLO")) => slos.push((entry, true)),
            (Some("openslo/v1"), Some("SLI")) => {
                objects.slis.insert(name, entry);
            }
            (Some("openslo/v1"), Some("AlertPolicy")) => {
                objects.policies.insert(name, entry);
            }
            (Some("openslo/v1"), Some("AlertCondition")) => {
                objects.conditions.insert(name, entry);
            }
            (Some("openslo/v1"), Some("AlertNotificationTarget")) => {
                objects.targets.insert(name, entry);
            }
            (Some("openslo/v1"), Some("DataSource")) => {
                objects.sources.insert(name, entry);
            }
            (Some("openslo/v1" | "openslo/v1alpha"), Some("Service")) => {}
            (_, Some("CompositeSLO" | "Composite")) => {
                composite(&mut r, doc);
            }
            _ => {
                let at = doc
                    .get("kind")
                    .filter(|_| api.is_some_and(|a| a.starts_with("openslo/")))
                    .or(doc.get("apiVersion"))
                    .map_or_else(|| doc.head(text), |n| n.span);
                r.diags.push(
                    Diag::new(
                        Code::UnknownDocument,
                        at,
                        format!(
                            "`{}` `{}` is not an OpenSLO object `slo import openslo` reads",
                            api.unwrap_or("(no apiVersion)"),
                            kind.unwrap_or("(no kind)")
                        ),
                    )
                    .help("`slo import openslo` reads `openslo/v1` SLO, SLI, Service, AlertPolicy, AlertCondition, AlertNotificationTarget and DataSource objects, and `openslo/v1alpha` SLOs"),
                );
            }
        }
    }
    for ((text, doc), alpha) in slos {
        let mut r = Reader { text, diags };
        if alpha {
            v1alpha(&mut r, doc, import);
        } else {
            v1(&mut r, doc, &objects, import);
        }
    }
}

fn composite(r: &mut Reader, node: &Node) {
    r.unsupported(
        Code::CompositeSlo,
        node.get("kind")
            .map_or_else(|| node.head(r.text), |n| n.span),
        "composite SLOs cannot be imported".to_string(),
        "a composite SLO weighs several SLOs into one; import its parts as SLOs of their own",
    );
}

/// An SLO of `openslo/v1`: one `.slo` SLO per objective.
fn v1(r: &mut Reader, doc: &Node, objects: &Objects, import: &mut Import) {
    let Some(metadata) = r.mapping(doc, "metadata", "metadata") else {
        return;
    };
    let name = r.string(metadata, "name", "metadata.name");
    let display = r.optional_string(metadata, "displayName", "metadata.displayName");
    let Some(spec) = r.mapping(doc, "spec", "spec") else {
        return;
    };
    // A composite SLO weighs objectives over indicators of their own.
    let parts = spec.get("objectives").map(Node::items).unwrap_or_default();
    if let Some(part) = parts.iter().find(|o| {
        o.get("indicator").is_some()
            || o.get("indicatorRef").is_some()
            || o.get("compositeWeight").is_some()
    }) {
        composite(r, part);
        return;
    }
    let service = r.string(spec, "service", "spec.service");
    let description = r.optional_string(spec, "description", "spec.description");
    let window = time_window(r, spec);
    let budgeting = budgeting(r, spec);

    // The indicator: inline, or by reference to an SLI object.
    let sli = match (spec.get("indicator"), spec.get("indicatorRef")) {
        (Some(inline), _) => r
            .mapping(inline, "spec", "spec.indicator.spec")
            .and_then(|s| indicator(r, s, objects)),
        (None, Some(reference)) => {
            let key = reference.text().unwrap_or_default();
            match objects.slis.get(key) {
                Some((text, sli)) => {
                    let mut other = Reader {
                        text,
                        diags: r.diags,
                    };
                    other
                        .mapping(sli, "spec", "spec")
                        .and_then(|s| indicator(&mut other, s, objects))
                }
                None => {
                    missing_ref(r, reference, "SLI", key);
                    None
                }
            }
        }
        (None, None) => {
            r.required(spec, "indicator", "spec.indicator");
            None
        }
    };
    let alerting = spec
        .get("alertPolicies")
        .filter(|n| !n.items().is_empty())
        .map(|p| {
            alert_policies(
                r,
                p,
                objects,
                service.as_deref().unwrap_or_default(),
                import,
            )
        });
    let objectives = r.required(spec, "objectives", "spec.objectives");
    let objectives: Vec<&Node> = objectives
        .map(|o| o.items().iter().collect())
        .unwrap_or_default();
    let mut targets = Vec::new();
    for (i, objective) in objectives.iter().enumerate() {
        let target = match (objective.get("target"), objective.get("targetPercent")) {
            (Some(t), _) => {
                let text = t.text().unwrap_or_default();
                match super::ratio_as_percent(text) {
                    Some(p) => super::percent(r, t, &p),
                    None => super::percent(r, t, "not a ratio"),
                }
            }
            (None, Some(t)) => super::percent(r, t, t.text().unwrap_or_default()),
            (None, None) => {
                r.required(objective, "target", "spec.objectives[].target");
                None
            }
        };
        let label = objective
            .get("displayName")
            .and_then(Node::text)
            .map(super::name)
            .unwrap_or_else(|| (i + 1).to_string());
        targets.push((label, target));
    }
    let (Some(name), Some(service), Some(window), true, Some((sli, by))) =
        (name, service, window, budgeting, sli)
    else {
        return;
    };
    let (alerting, no_data) = alerting.flatten().unwrap_or((Alerting::None, None));
    let mut comment = Vec::new();
    if let Some(display) = display {
        comment.push(display);
    }
    comment.extend(super::description(description));
    let several = targets.len() > 1;
    for (label, target) in targets {
        let Some(target) = target else { continue };
        let slo_name = if several {
            format!("{name}-{label}")
        } else {
            name.clone()
        };
        let slo = Slo {
            name: super::name(&slo_name),
            span: doc.head(r.text),
            comment: comment.clone(),
            sli: sli.clone(),
            target,
            window: Some(window.to_string()),
            by: by.clone(),
            alerting: alerting.clone(),
            no_data: no_data.clone(),
            labels: Vec::new(),
            annotations: Vec::new(),
        };
        import.add(&super::name(&service), slo, r.diags);
    }
}

/// The one rolling window of an SLO.
fn time_window(r: &mut Reader, spec: &Node) -> Option<Duration> {
    let windows = r.required(spec, "timeWindow", "spec.timeWindow")?;
    let window = windows.items().first().unwrap_or(windows);
    if !r.expect_map(window, "spec.timeWindow[]") {
        return None;
    }
    if let Some((key, _)) = window.entry("calendar") {
        calendar(r, key.span);
        return None;
    }
    if let Some(rolling) = window.get("isRolling") {
        if matches!(rolling.value, Value::Bool(false)) {
            calendar(r, rolling.span);
            return None;
        }
    }
    let node = r.required(window, "duration", "spec.timeWindow[].duration")?;
    let text = node.text().unwrap_or_default();
    if text.ends_with(['M', 'Q', 'Y']) {
        r.unsupported(
            Code::CalendarWindow,
            node.span,
            format!("`{text}` is a calendar period, whose length varies"),
            "give the rolling window in days, e.g. `28d` or `30d`",
        );
        return None;
    }
    let window = super::duration(text);
    if window.is_none() {
        r.invalid(
            node,
            format!("`{text}` is not a window such as `28d`"),
            "OpenSLO durations are a number and a unit among `m`, `h`, `d` and `w`",
        );
    }
    window
}

fn calendar(r: &mut Reader, span: crate::diag::Span) {
    r.unsupported(
        Code::CalendarWindow,
        span,
        "calendar windows cannot be imported".to_string(),
        "`slo` computes budgets over rolling windows; give a rolling `duration` such as `28d`",
    );
}

/// Whether the SLO counts occurrences, the only budgeting `slo` has.
fn budgeting(r: &mut Reader, spec: &Node) -> bool {
    let Some(node) = spec.get("budgetingMethod") else {
        return true;
    };
    match node.text() {
        Some("Occurrences") => true,
        Some(other @ ("Timeslices" | "RatioTimeslices")) => {
            r.unsupported(
                Code::Timeslices,
                node.span,
                format!("`{other}` budgeting cannot be imported"),
                "`slo` counts occurrences: good events over all events; `budgetingMethod: Occurrences` imports",
            );
            false
        }
        _ => {
            r.invalid(
                node,
                format!(
                    "`{}` is not an OpenSLO budgeting method",
                    node.text().unwrap_or_default()
                ),
                "OpenSLO budgeting methods are `Occurrences`, `Timeslices` and `RatioTimeslices`",
            );
            false
        }
    }
}

/// An SLI's `spec`: a ratio of good, bad or raw queries.
fn indicator(r: &mut Reader, spec: &Node, objects: &Objects) -> Option<(Sli, Vec<String>)> {
    if let Some((key, _)) = spec.entry("thresholdMetric") {
        r.unsupported(
            Code::ThresholdMetric,
            key.span,
            "threshold metrics cannot be imported".to_string(),
            "express the SLI as a `ratioMetric` of good (or bad) and total events",
        );
        return None;
    }
    let ratio = r.mapping(spec, "ratioMetric", "spec.ratioMetric")?;
    // `counter: false`: the series are not counters but gauges, which a
    // bare selector would wrongly take the rate of.
    let gauges = r.flag(ratio, "counter", "spec.ratioMetric.counter") == Some(false);
    let metric = |r: &mut Reader, key: &str| -> Option<String> {
        let part = ratio.get(key)?;
        let query = source_query(r, part, objects, &format!("ratioMetric.{key}"))?;
        Some(if gauges { averaged(query) } else { query })
    };
    if let Some(raw_type) = ratio.get("rawType") {
        let query = match ratio.get("raw") {
            Some(_) => metric(r, "raw"),
            None => {
                r.required(ratio, "raw", "ratioMetric.raw");
                None
            }
        }?;
        let good = match raw_type.text() {
            Some("success") => true,
            Some("failure") => false,
            _ => {
                r.invalid(
                    raw_type,
                    format!("`rawType` is `{}`, not `success` or `failure`", raw_type.text().unwrap_or_default()),
                    "`success` when the query is the ratio of good events, `failure` when it is the error ratio",
                );
                return None;
            }
        };
        return Some((Sli::Gauge { good, query }, Vec::new()));
    }
    let total = match ratio.get("total") {
        Some(_) => metric(r, "total"),
        None => {
            r.required(ratio, "total", "ratioMetric.total");
            None
        }
    };
    let good = metric(r, "good");
    let bad = metric(r, "bad");
    if ratio.get("good").is_none() && ratio.get("bad").is_none() {
        r.required(ratio, "good", "ratioMetric.good");
        return None;
    }
    if let (Some(good), Some(total)) = (&good, &total) {
        if let Some(latency) = super::histogram(good, total) {
            return Some((latency, Vec::new()));
        }
    }
    Some((
        Sli::Ratio {
            good: if ratio.get("good").is_some() {
                Some(good?)
            } else {
                None
            },
            bad: if ratio.get("bad").is_some() && ratio.get("good").is_none() {
                Some(bad?)
            } else {
                None
            },
            total: total?,
        },
        Vec::new(),
    ))
}

/// A bare selector of a gauge as events over the window: its average,
/// summed, so that good over total is the ratio of the gauges' averages.
/// A full expression is taken as written.
fn averaged(query: String) -> String {
    let probe = query.replace("$window", "5m");
    match promql_parser::parser::parse(&probe) {
        Ok(promql_parser::parser::Expr::VectorSelector(_)) => {
            format!("sum(avg_over_time({query}[$window]))")
        }
        _ => query,
    }
}

/// The PromQL of a `metricSource` (v1), which must be Prometheus.
fn source_query(r: &mut Reader, part: &Node, objects: &Objects, path: &str) -> Option<String> {
    let source = r.mapping(part, "metricSource", &format!("{path}.metricSource"))?;
    let kind = match (source.get("type"), source.get("metricSourceRef")) {
        (Some(t), _) => Some(t),
        (None, Some(reference)) => {
            let key = reference.text().unwrap_or_default();
            match objects.sources.get(key) {
                Some((_, ds)) => ds.get("spec").and_then(|s| s.get("type")),
                None => {
                    missing_ref(r, reference, "DataSource", key);
                    return None;
                }
            }
        }
        (None, None) => None,
    };
    let kind_text = kind.and_then(Node::text).unwrap_or_default();
    if !kind_text.eq_ignore_ascii_case("prometheus") {
        r.unsupported(
            Code::NotPrometheus,
            kind.map_or_else(|| source.head(r.text), |k| k.span),
            format!(
                "the metric source is {}, not Prometheus",
                if kind_text.is_empty() { "unnamed".to_string() } else { format!("`{kind_text}`") }
            ),
            "`slo` generates Prometheus rules from PromQL; only `type: Prometheus` sources can be imported",
        );
        return None;
    }
    let spec = r.mapping(source, "spec", &format!("{path}.metricSource.spec"))?;
    let node = spec
        .get("query")
        .or(spec.get("promql"))
        .filter(|n| !n.is_null());
    let Some(node) = node else {
        r.required(spec, "query", &format!("{path}.metricSource.spec.query"));
        return None;
    };
    let text = r.as_string(node, path)?;
    super::query(r, node, &super::window_ranges(&text))
}

/// An object given by `reference` to one of `named`, or inline as `item`
/// in the file whose text is `here`: the text of its file, its node and its name (`unnamed` when an inline
/// object has none). A reference to nothing is reported.
fn resolve<'o>(
    r: &mut Reader,
    here: &'o str,
    item: &'o Node,
    reference: Option<(&Node, &str)>,
    named: &BTreeMap<String, Doc<'o>>,
    kind: &str,
    unnamed: &str,
) -> Option<(&'o str, &'o Node, String)> {
    match reference {
        Some((node, key)) => match named.get(key) {
            Some((text, object)) => Some((*text, *object, key.to_string())),
            None => {
                missing_ref(r, node, kind, key);
                None
            }
        },
        None => {
            let name = item
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::text)
                .unwrap_or(unnamed)
                .to_string();
            Some((here, item, name))
        }
    }
}

fn missing_ref(r: &mut Reader, node: &Node, kind: &str, name: &str) {
    r.diags.push(
        Diag::new(
            Code::MissingField,
            node.span,
            format!("no {kind} named `{name}` in the files given"),
        )
        .help(format!(
            "import the file that defines the {kind} with this one"
        )),
    );
}

/// An SLO's alert policies as one policy of the language, and `no_data`.
fn alert_policies(
    r: &mut Reader,
    list: &Node,
    objects: &Objects,
    service: &str,
    import: &mut Import,
) -> Option<(Alerting, Option<String>)> {
    let mut lines = Vec::new();
    let mut names = Vec::new();
    let mut no_data = None;
    for item in list.items() {
        // A name, `alertPolicyRef: NAME`, or the object inline.
        let reference = item.text().map(|t| (item, t)).or_else(|| {
            item.get("alertPolicyRef")
                .and_then(|n| n.text().map(|t| (n, t)))
        });
        let Some((text, policy, name)) = resolve(
            r,
            r.text,
            item,
            reference,
            &objects.policies,
            "AlertPolicy",
            "alerts",
        ) else {
            continue;
        };
        let mut pr = Reader {
            text,
            diags: r.diags,
        };
        let Some(spec) = pr.mapping(policy, "spec", "spec") else {
            continue;
        };
        let mut severities = Vec::new();
        for condition in spec.get("conditions").map(Node::items).unwrap_or_default() {
            if let Some(line) = condition_line(&mut pr, condition, objects) {
                severities.push(line.severity.clone());
                lines.push(line);
            }
        }
        if pr.flag(spec, "alertWhenNoData", "spec.alertWhenNoData") == Some(true) {
            no_data = severities.first().cloned();
        }
        for target in spec
            .get("notificationTargets")
            .map(Node::items)
            .unwrap_or_default()
        {
            receiver(&mut pr, target, objects, service, &severities, import);
        }
        names.push(super::name(&name));
    }
    if lines.is_empty() {
        return None;
    }
    names.dedup();
    let name = names.join("-");
    import.policy(
        &name,
        Policy {
            comment: vec![
                "From OpenSLO alert conditions; each short window is 1/12 of its long one."
                    .to_string(),
            ],
            lines,
        },
    );
    Some((
        Alerting::Policy {
            name,
            body: Body::default(),
        },
        no_data,
    ))
}

/// A burn-rate alert condition as a policy line.
fn condition_line(r: &mut Reader, item: &Node, objects: &Objects) -> Option<Line> {
    let (text, condition) = match item
        .get("conditionRef")
        .and_then(|n| n.text().map(|t| (n, t)))
    {
        Some((node, key)) => match objects.conditions.get(key) {
            Some((text, c)) => (*text, *c),
            None => {
                missing_ref(r, node, "AlertCondition", key);
                return None;
            }
        },
        None => (r.text, item),
    };
    let mut r = Reader {
        text,
        diags: r.diags,
    };
    let spec = r.mapping(condition, "spec", "spec")?;
    let severity = r.string(spec, "severity", "spec.severity")?;
    let c = r.mapping(spec, "condition", "spec.condition")?;
    let kind = r.string(c, "kind", "spec.condition.kind")?;
    if kind != "burnrate" {
        let at = c.get("kind").map_or(c.span, |n| n.span);
        r.unsupported(
            Code::UnsupportedCondition,
            at,
            format!("an alert condition of kind `{kind}` cannot be imported"),
            "`slo` alerts on burn rates: `kind: burnrate` conditions import",
        );
        return None;
    }
    if let Some(op) = c.get("op") {
        if !matches!(op.text(), Some("gte" | "gt")) {
            r.unsupported(
                Code::UnsupportedCondition,
                op.span,
                format!(
                    "a burn-rate condition with `op: {}` cannot be imported",
                    op.text().unwrap_or_default()
                ),
                "burn-rate alerts fire when the rate is above the threshold: `op: gte` or `op: gt`",
            );
            return None;
        }
    }
    let threshold = r.required(c, "threshold", "spec.condition.threshold")?;
    let factor = threshold
        .text()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|f| *f > 0.0);
    let Some(factor) = factor else {
        r.invalid(
            threshold,
            "the burn-rate threshold is not a positive number".to_string(),
            "e.g. `threshold: 14.4`",
        );
        return None;
    };
    let long_node = r.required(c, "lookbackWindow", "spec.condition.lookbackWindow")?;
    let long = super::duration(long_node.text().unwrap_or_default());
    let Some(long) = long.filter(|l| l.0 >= 12 * Duration::SECOND) else {
        r.invalid(
            long_node,
            "the lookback window is not a duration such as `1h`".to_string(),
            "e.g. `lookbackWindow: 1h`",
        );
        return None;
    };
    let hold = c
        .get("alertAfter")
        .and_then(Node::text)
        .and_then(super::duration);
    if !super::is_name(&severity) {
        r.invalid(
            spec.get("severity").unwrap_or(spec),
            format!("the severity `{severity}` is not a word `slo` can use as a severity"),
            "use letters, digits, `_` and `-`, starting with a letter",
        );
        return None;
    }
    Some(Line {
        severity,
        factor,
        long: long.to_string(),
        short: Duration(long.0 / 12 / Duration::SECOND * Duration::SECOND).to_string(),
        hold: hold.map(|h| h.to_string()),
    })
}

/// A notification target as a receiver, where its kind says where to
/// send; the secret is read from a file the user writes.
fn receiver(
    r: &mut Reader,
    item: &Node,
    objects: &Objects,
    service: &str,
    severities: &[String],
    import: &mut Import,
) {
    let reference = item.get("targetRef").and_then(|n| n.text().map(|t| (n, t)));
    let Some((text, target, name)) = resolve(
        r,
        r.text,
        item,
        reference,
        &objects.targets,
        "AlertNotificationTarget",
        "target",
    ) else {
        return;
    };
    let name = super::name(&name);
    let mut r = Reader {
        text,
        diags: r.diags,
    };
    let Some(spec) = r.mapping(target, "spec", "spec") else {
        return;
    };
    let Some(kind_node) = r.required(spec, "target", "spec.target") else {
        return;
    };
    let kind = kind_node.text().unwrap_or_default().to_string();
    let description = spec
        .get("description")
        .and_then(Node::text)
        .map(str::to_string);
    let secret = format!("/etc/alertmanager/secrets/{name}");
    let secret_path = secret.clone();
    let (kind, settings): (&'static str, Vec<(&'static str, String)>) = match kind
        .to_ascii_lowercase()
        .as_str()
    {
        "pagerduty" => ("pagerduty", vec![("routing_key_file", secret)]),
        "slack" => ("slack", vec![("api_url_file", secret)]),
        url if url.starts_with("https://") || url.starts_with("http://") => {
            ("webhook", vec![("url", kind.clone())])
        }
        _ => {
            r.diags.push(
                Diag::new(
                    Code::UnmappedTarget,
                    kind_node.span,
                    format!("the notification target `{name}` (`{kind}`) does not say where to send"),
                )
                .help("declare a `receiver` for it and route its severities with `notify`; targets `pagerduty`, `slack` and a webhook URL are imported"),
            );
            return;
        }
    };
    let routes: Vec<(String, String)> = severities
        .iter()
        .map(|s| (super::name(service), s.clone()))
        .collect();
    if let Some(existing) = import.receivers.iter_mut().find(|x| x.name == name) {
        for route in routes {
            if !existing.routes.contains(&route) {
                existing.routes.push(route);
            }
        }
        return;
    }
    let mut comment: Vec<String> = description.into_iter().collect();
    if kind != "webhook" {
        comment.push(format!("Write the secret to {secret_path}."));
    }
    import.receivers.push(Receiver {
        name,
        kind,
        settings,
        comment,
        routes,
    });
}

/// An SLO of `openslo/v1alpha`, as Sloth reads it.
pub fn v1alpha(r: &mut Reader, doc: &Node, import: &mut Import) {
    let Some(metadata) = r.mapping(doc, "metadata", "metadata") else {
        return;
    };
    let name = r.string(metadata, "name", "metadata.name");
    let display = r.optional_string(metadata, "displayName", "metadata.displayName");
    let Some(spec) = r.mapping(doc, "spec", "spec") else {
        return;
    };
    let service = r.string(spec, "service", "spec.service");
    let description = r.optional_string(spec, "description", "spec.description");
    let budgeting = budgeting(r, spec);
    let window = alpha_window(r, spec);
    let Some(objectives) = r.required(spec, "objectives", "spec.objectives") else {
        return;
    };
    let mut comment: Vec<String> = display.into_iter().collect();
    comment.extend(super::description(description));
    let several = objectives.items().len() > 1;
    for (i, objective) in objectives.items().iter().enumerate() {
        let Some(ratio) = r.mapping(objective, "ratioMetrics", "spec.objectives[].ratioMetrics")
        else {
            continue;
        };
        let query = |r: &mut Reader, key: &str| -> Option<String> {
            let part = ratio.get(key)?;
            let source = part.get("source").and_then(Node::text).unwrap_or_default();
            if !source.eq_ignore_ascii_case("prometheus") {
                r.unsupported(
                    Code::NotPrometheus,
                    part.get("source").map_or(part.span, |n| n.span),
                    format!("the metric source is `{source}`, not Prometheus"),
                    "only `source: prometheus` queries can be imported",
                );
                return None;
            }
            let node = r.required(part, "query", &format!("ratioMetrics.{key}.query"))?;
            let text = r.as_string(node, "query")?;
            super::query(r, node, &text)
        };
        let total = query(r, "total");
        let good = query(r, "good");
        let bad = query(r, "bad");
        if total.is_none() && ratio.get("total").is_none() {
            r.required(ratio, "total", "ratioMetrics.total");
        }
        let target = objective.get("target").and_then(|t| {
            let percent = super::ratio_as_percent(t.text().unwrap_or_default()).unwrap_or_default();
            super::percent(r, t, &percent)
        });
        if objective.get("target").is_none() {
            r.required(objective, "target", "spec.objectives[].target");
        }
        let (Some(name), Some(service), Some(window), true, Some(total), Some(target)) =
            (&name, &service, window, budgeting, total, target)
        else {
            continue;
        };
        if good.is_none() && bad.is_none() {
            continue;
        }
        let slo_name = if several {
            format!("{name}-{}", i + 1)
        } else {
            name.clone()
        };
        let slo = Slo {
            name: super::name(&slo_name),
            span: objective.head(r.text),
            comment: comment.clone(),
            sli: Sli::Ratio {
                good: good.clone(),
                bad: if good.is_none() { bad } else { None },
                total,
            },
            target,
            window: Some(window.to_string()),
            by: Vec::new(),
            // Sloth generates no alerts for an OpenSLO spec.
            alerting: Alerting::None,
            no_data: None,
            labels: Vec::new(),
            annotations: Vec::new(),
        };
        import.add(&super::name(service), slo, r.diags);
    }
}

/// `timeWindows: [{count: 30, unit: Day}]`.
fn alpha_window(r: &mut Reader, spec: &Node) -> Option<Duration> {
    let windows = r.required(spec, "timeWindows", "spec.timeWindows")?;
    let window = windows.items().first().unwrap_or(windows);
    if let Some((key, _)) = window.entry("calendar") {
        calendar(r, key.span);
        return None;
    }
    if let Some(rolling) = window.get("isRolling") {
        if matches!(rolling.value, Value::Bool(false)) {
            calendar(r, rolling.span);
            return None;
        }
    }
    let count = r.required(window, "count", "spec.timeWindows[].count")?;
    let unit = r.required(window, "unit", "spec.timeWindows[].unit")?;
    let n = count
        .text()
        .and_then(|t| t.parse::<u64>().ok())
        .filter(|n| *n > 0);
    let ms = match unit.text() {
        Some("Second") => Some(Duration::SECOND),
        Some("Minute") => Some(Duration::MINUTE),
        Some("Hour") => Some(Duration::HOUR),
        Some("Day") => Some(Duration::DAY),
        Some("Week") => Some(Duration::WEEK),
        Some(u @ ("Month" | "Quarter" | "Year")) => {
            r.unsupported(
                Code::CalendarWindow,
                unit.span,
                format!("a window counted in `{u}`s is a calendar period, whose length varies"),
                "count the rolling window in `Day`s, e.g. 30",
            );
            return None;
        }
        _ => None,
    };
    match (n, ms) {
        (Some(n), Some(ms)) => Some(Duration(n * ms)),
        _ => {
            r.invalid(
                window,
                "the time window is not a count and a unit such as `30` `Day`".to_string(),
                "units are `Second`, `Minute`, `Hour`, `Day` and `Week`",
            );
            None
        }
    }
}
