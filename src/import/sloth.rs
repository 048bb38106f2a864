//! Sloth: `version: prometheus/v1` files and the `PrometheusServiceLevel`
//! CRD (`sloth.slok.dev/v1`), which spells the same fields in camelCase.

use super::model::{Alerting, Body, Import, Line, Policy, Sli, Slo};
use super::yaml::{Node, Reader};
use crate::diag::{Code, Diag};

/// Sloth's multi-window, multi-burn-rate alerts for a 30-day period: two
/// page windows and two ticket windows (its `sloth-windows` defaults).
const PAGE: &[(f64, &str, &str)] = &[(14.4, "1h", "5m"), (6.0, "6h", "30m")];
const TICKET: &[(f64, &str, &str)] = &[(3.0, "1d", "2h"), (1.0, "3d", "6h")];

pub fn document(r: &mut Reader, doc: &Node, import: &mut Import) {
    if !r.expect_map(doc, "document") {
        return;
    }
    let spec = match (doc.get("version"), doc.get("apiVersion")) {
        (Some(v), _) => {
            if v.text() != Some("prometheus/v1") {
                unknown(r, v, "version", v.text().unwrap_or_default());
                return;
            }
            doc
        }
        // Sloth reads OpenSLO's first version too.
        (None, Some(api)) if api.text() == Some("openslo/v1alpha") => {
            super::openslo::v1alpha(r, doc, import);
            return;
        }
        (None, Some(api)) => {
            if api.text() != Some("sloth.slok.dev/v1") {
                unknown(r, api, "apiVersion", api.text().unwrap_or_default());
                return;
            }
            let kind = doc.get("kind");
            if kind.and_then(Node::text) != Some("PrometheusServiceLevel") {
                let at = kind.unwrap_or(api);
                unknown(r, at, "kind", at.text().unwrap_or_default());
                return;
            }
            match r.mapping(doc, "spec", "spec") {
                Some(spec) => spec,
                None => return,
            }
        }
        (None, None) => {
            r.diags.push(
                Diag::new(
                    Code::UnknownDocument,
                    doc.head(r.text),
                    "this document has neither `version` nor `apiVersion`",
                )
                .help("a Sloth spec starts with `version: \"prometheus/v1\"`, or is a `sloth.slok.dev/v1` `PrometheusServiceLevel`"),
            );
            return;
        }
    };
    let Some(service_raw) = r.string(spec, "service", "service") else {
        return;
    };
    let service = super::name(&service_raw);
    let mut team = None;
    let given = r.string_map(spec, "labels", "labels");
    let spec_labels = super::labels(r, given, &mut team, "the spec");
    let Some(slos) = r.required(spec, "slos", "slos") else {
        return;
    };
    if slos.items().is_empty() && !matches!(slos.value, super::yaml::Value::Seq(_)) {
        r.wrong_type(slos, "slos", "a list");
        return;
    }
    for node in slos.items() {
        if !r.expect_map(node, "slos[]") {
            continue;
        }
        if let Some(slo) = slo(r, node, &spec_labels, &mut team, import) {
            import.add(&service, slo, r.diags);
        }
    }
    if let Some(team) = team {
        import.services.entry(service).or_default().team = Some(team);
    }
}

fn unknown(r: &mut Reader, node: &Node, field: &str, value: &str) {
    r.diags.push(
        Diag::new(
            Code::UnknownDocument,
            node.span,
            format!("`{field}: {value}` is not a Sloth spec `slo import sloth` reads"),
        )
        .help("Sloth specs are `version: \"prometheus/v1\"` files, `sloth.slok.dev/v1` `PrometheusServiceLevel` objects or `openslo/v1alpha` SLOs; OpenSLO v1 is read by `slo import openslo`"),
    );
}

fn slo(
    r: &mut Reader,
    node: &Node,
    spec_labels: &[(String, String)],
    team: &mut Option<String>,
    import: &mut Import,
) -> Option<Slo> {
    let name_raw = r.string(node, "name", "slos[].name");
    let objective = r
        .required(node, "objective", "slos[].objective")
        .and_then(|n| n.text().map(|t| (n, t.to_string())));
    let target = objective.and_then(|(n, t)| super::percent(r, n, &t));
    let given = r.string_map(node, "labels", "slos[].labels");
    let own = super::labels(r, given, team, "the SLO");
    let mut labels = spec_labels.to_vec();
    for (k, v) in own {
        labels.retain(|(l, _)| *l != k);
        labels.push((k, v));
    }
    let sli = sli(r, node);
    let description = r.optional_string(node, "description", "slos[].description");
    let alerting = alerting(r, node, import);
    let (mut alerting, annotations) = alerting?;
    if let Alerting::Policy { body, .. } = &mut alerting {
        alert_labels_over(r, node, &labels, body);
    }
    Some(Slo {
        name: super::name(&name_raw?),
        span: node.head(r.text),
        comment: super::description(description),
        sli: sli?,
        target: target?,
        window: None,
        by: Vec::new(),
        alerting,
        no_data: None,
        labels,
        annotations,
    })
}

/// Sloth's alerts carry the SLO's labels, as `slo`'s do: an alert label
/// that repeats one of them is dropped. One that gives it another value
/// would replace it on Sloth's alerts, which `slo` does not do.
fn alert_labels_over(r: &mut Reader, node: &Node, slo: &[(String, String)], body: &mut Body) {
    let at = node.get("alerting").unwrap_or(node);
    for (severity, labels) in &mut body.labels {
        labels.retain(|(k, v)| match slo.iter().find(|(l, _)| l == k) {
            None => true,
            Some((_, same)) if same == v => false,
            Some((_, other)) => {
                r.invalid(
                    at,
                    format!("the `{severity}` alerts set `{k}` to `{v}`, the SLO to `{other}`"),
                    "the SLO's labels are on its alerts too; give the label one value, or rename the alerts' label",
                );
                true
            }
        });
    }
    body.labels.retain(|(_, labels)| !labels.is_empty());
}

fn sli(r: &mut Reader, node: &Node) -> Option<Sli> {
    let sli = r.mapping(node, "sli", "slos[].sli")?;
    if let Some(events) = sli.get("events") {
        let bad = query(
            r,
            events,
            &["error_query", "errorQuery"],
            "sli.events.error_query",
        );
        let total = query(
            r,
            events,
            &["total_query", "totalQuery"],
            "sli.events.total_query",
        );
        return Some(Sli::Ratio {
            good: None,
            bad: Some(bad?),
            total: total?,
        });
    }
    if let Some(raw) = sli.get("raw") {
        let ratio = query(
            r,
            raw,
            &["error_ratio_query", "errorRatioQuery"],
            "sli.raw.error_ratio_query",
        )?;
        return Some(Sli::Gauge {
            good: false,
            query: ratio,
        });
    }
    if let Some((key, _)) = sli.entry("plugin") {
        r.unsupported(
            Code::SlothPlugin,
            key.span,
            "Sloth SLI plugins run Go code that `slo import` cannot".to_string(),
            "write the SLI the plugin generates as `events` or `raw` queries, then import",
        );
        return None;
    }
    r.diags.push(
        Diag::new(
            Code::MissingField,
            sli.head(r.text),
            "`sli` has neither `events` nor `raw`",
        )
        .help("a Sloth SLI is `events` (`error_query` and `total_query`) or `raw` (`error_ratio_query`)"),
    );
    None
}

fn query(r: &mut Reader, map: &Node, keys: &[&str], path: &str) -> Option<String> {
    let Some(node) = map.get_any(keys).filter(|n| !n.is_null()) else {
        r.required(map, keys.first().copied().unwrap_or_default(), path);
        return None;
    };
    let text = r.as_string(node, path)?;
    super::query(r, node, &text)
}

/// The SLO's alerting: Sloth's windows as a policy named after the
/// severities, and an override with the name, labels and annotations.
/// Also the SLO's annotations (`alerting.annotations`).
#[allow(clippy::type_complexity)]
fn alerting(
    r: &mut Reader,
    node: &Node,
    import: &mut Import,
) -> Option<(Alerting, Vec<(String, String)>)> {
    let Some(alerting) = node.get("alerting").filter(|n| !n.is_null()) else {
        // Sloth generates both alerts of an SLO without `alerting`, unnamed.
        return Some((
            policy(import, Some("page"), Some("ticket"), Body::default()),
            Vec::new(),
        ));
    };
    if !r.expect_map(alerting, "alerting") {
        return None;
    }
    let alert = r.optional_string(alerting, "name", "alerting.name");
    let mut none = None;
    let mut common_severity = None;
    let mut given = Vec::new();
    for (k, v) in r.string_map(alerting, "labels", "alerting.labels") {
        if k.name == "severity" {
            common_severity = Some(v);
        } else {
            given.push((k, v));
        }
    }
    let common = super::labels(r, given, &mut none, "the alerts");
    let annotations: Vec<(String, String)> = r
        .string_map(alerting, "annotations", "alerting.annotations")
        .into_iter()
        .map(|(k, v)| (k.name, v))
        .collect();
    let mut body = Body {
        alert,
        ..Body::default()
    };
    let mut severities = [None, None];
    for (i, (keys, kind)) in [
        (["page_alert", "pageAlert"], "page"),
        (["ticket_alert", "ticketAlert"], "ticket"),
    ]
    .into_iter()
    .enumerate()
    {
        let part = alerting.get_any(&keys).filter(|n| !n.is_null());
        let path = format!("alerting.{}", keys[0]);
        let disabled = part.and_then(|p| r.flag(p, "disable", &format!("{path}.disable")));
        if disabled == Some(true) {
            continue;
        }
        let mut severity = common_severity.clone().unwrap_or_else(|| kind.to_string());
        let mut labels = common.clone();
        let mut own_annotations = Vec::new();
        if let Some(part) = part {
            for (k, v) in r.string_map(part, "labels", &format!("{path}.labels")) {
                if k.name == "severity" {
                    if !super::is_name(&v) {
                        r.invalid(
                            part.get("labels")
                                .and_then(|l| l.get("severity"))
                                .unwrap_or(part),
                            format!("the severity `{v}` is not a word `slo` can use as a severity"),
                            "use letters, digits, `_` and `-`, starting with a letter",
                        );
                    }
                    severity = v;
                } else {
                    let checked = super::labels(r, vec![(k, v)], &mut none, "the alert");
                    for (k, v) in checked {
                        labels.retain(|(l, _)| *l != k);
                        labels.push((k, v));
                    }
                }
            }
            own_annotations = r
                .string_map(part, "annotations", &format!("{path}.annotations"))
                .into_iter()
                .map(|(k, v)| (k.name, v))
                .collect();
        }
        if !labels.is_empty() {
            body.labels.push((severity.clone(), labels));
        }
        if !own_annotations.is_empty() {
            body.annotations.push((severity.clone(), own_annotations));
        }
        if let Some(slot) = severities.get_mut(i) {
            *slot = Some(severity);
        }
    }
    if none.is_some() {
        r.diags.push(
            Diag::new(
                Code::ReservedLabel,
                alerting.head(r.text),
                "a `team` label on alerts only",
            )
            .help("set `team` in the spec's `labels`, where it names the service's team"),
        );
    }
    let [page, ticket] = severities;
    if page.is_none() && ticket.is_none() {
        return Some((Alerting::None, annotations));
    }
    Some((
        policy(import, page.as_deref(), ticket.as_deref(), body),
        annotations,
    ))
}

/// Sloth's windows for the severities of the page and ticket alerts that
/// are on, as a policy shared by every SLO with the same severities.
fn policy(import: &mut Import, page: Option<&str>, ticket: Option<&str>, body: Body) -> Alerting {
    let mut lines = Vec::new();
    for (severity, windows) in [(page, PAGE), (ticket, TICKET)] {
        let Some(severity) = severity else { continue };
        for (factor, long, short) in windows {
            lines.push(Line {
                severity: severity.to_string(),
                factor: *factor,
                long: long.to_string(),
                short: short.to_string(),
                hold: None,
            });
        }
    }
    let name = match (page, ticket) {
        (Some("page"), Some("ticket")) => "sloth".to_string(),
        _ => {
            let parts: Vec<&str> = [page, ticket].into_iter().flatten().collect();
            format!("sloth-{}", parts.join("-"))
        }
    };
    import.policy(
        &name,
        Policy {
            comment: vec![format!(
                "Sloth's alerts: page at 14.4x over 1h/5m and 6x over 6h/30m, ticket at 3x over 1d/2h and 1x over 3d/6h{}.",
                match (page, ticket) {
                    (Some(_), None) => "; the ticket is off",
                    (None, Some(_)) => "; the page is off",
                    _ => "",
                }
            )],
            lines,
        },
    );
    Alerting::Policy { name, body }
}
