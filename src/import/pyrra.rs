//! Pyrra: the `ServiceLevelObjective` CRD (`pyrra.dev/v1alpha1`).

use super::model::{Alerting, Body, Import, Line, Policy, Sli, Slo};
use super::yaml::{Node, Reader};
use crate::diag::{Code, Diag};
use crate::num::Duration;

/// Pyrra's burn-rate tiers for a period `w`, from its source: the long
/// window, the short window and how long the condition must hold are
/// fractions of the period, each rounded to a minute; the factor is fixed.
/// For 28 days they are 1h/5m for 2m, 6h/30m for 15m, 1d/2h for 1h and
/// 4d/6h for 3h.
const TIERS: &[(f64, u64, u64, u64)] = &[
    (14.0, 672, 8064, 20160),
    (7.0, 112, 1344, 2688),
    (2.0, 28, 336, 672),
    (1.0, 7, 112, 224),
];

/// The tiers' severities unless `alerting.severities` says otherwise.
const SEVERITY_KEYS: [(&str, &str); 4] = [
    ("fastBurn", "critical"),
    ("mediumBurn", "critical"),
    ("slowBurn", "warning"),
    ("longTermBurn", "warning"),
];

pub fn document(r: &mut Reader, doc: &Node, import: &mut Import) {
    if !r.expect_map(doc, "document") {
        return;
    }
    let api = doc.get("apiVersion");
    let kind = doc.get("kind");
    match (api.and_then(Node::text), kind.and_then(Node::text)) {
        (Some("pyrra.dev/v1alpha1"), Some("ServiceLevelObjective")) => {}
        // The CRD itself, often kept beside the objects.
        (Some("apiextensions.k8s.io/v1"), Some("CustomResourceDefinition")) => return,
        _ => {
            let at = match api.and_then(Node::text) {
                Some("pyrra.dev/v1alpha1") => kind.unwrap_or(doc),
                _ => api.unwrap_or(doc),
            };
            r.diags.push(
                Diag::new(
                    Code::UnknownDocument,
                    if std::ptr::eq(at, doc) { doc.head(r.text) } else { at.span },
                    format!(
                        "`{}` `{}` is not a Pyrra object `slo import pyrra` reads",
                        api.and_then(Node::text).unwrap_or("(no apiVersion)"),
                        kind.and_then(Node::text).unwrap_or("(no kind)")
                    ),
                )
                .help("Pyrra SLOs are `apiVersion: pyrra.dev/v1alpha1`, `kind: ServiceLevelObjective`"),
            );
            return;
        }
    }
    let Some(metadata) = r.mapping(doc, "metadata", "metadata") else {
        return;
    };
    let name = r.string(metadata, "name", "metadata.name");
    let namespace = r
        .optional_string(metadata, "namespace", "metadata.namespace")
        .unwrap_or_else(|| "default".to_string());
    let mut team = None;
    let given: Vec<_> = r
        .string_map(metadata, "labels", "metadata.labels")
        .into_iter()
        .filter_map(|(mut k, v)| {
            // Only `pyrra.dev/` labels reach Pyrra's rules, without the prefix.
            k.name = k.name.strip_prefix("pyrra.dev/")?.to_string();
            Some((k, v))
        })
        .collect();
    let labels = super::labels(r, given, &mut team, "the SLO");
    let Some(spec) = r.mapping(doc, "spec", "spec") else {
        return;
    };
    let target = r
        .required(spec, "target", "spec.target")
        .and_then(|n| n.text().map(|t| (n, t.to_string())))
        .and_then(|(n, t)| super::percent(r, n, &t));
    let window = r.required(spec, "window", "spec.window").and_then(|n| {
        let text = n.text().unwrap_or_default();
        let window = super::duration(text);
        if window.is_none() {
            r.invalid(
                n,
                format!("`{text}` is not a window such as `28d` or `4w`"),
                "Pyrra's window is a Prometheus duration",
            );
        }
        window
    });
    let description = r.optional_string(spec, "description", "spec.description");
    let indicator = r.mapping(spec, "indicator", "spec.indicator");
    let sli = indicator.and_then(|i| sli(r, i));
    let (Some(name), Some(target), Some(window), Some((sli, by))) = (name, target, window, sli)
    else {
        return;
    };
    let (alerting, no_data) = alerting(r, spec, window, import);
    let slo = Slo {
        name: super::name(&name),
        span: doc.head(r.text),
        comment: super::description(description),
        sli,
        target,
        window: Some(window.to_string()),
        by,
        alerting,
        no_data,
        labels,
        annotations: Vec::new(),
    };
    let service = super::name(&namespace);
    import.add(&service, slo, r.diags);
    if let Some(team) = team {
        import.services.entry(service).or_default().team = Some(team);
    }
}

/// The SLI and the `by` labels (`grouping`).
fn sli(r: &mut Reader, indicator: &Node) -> Option<(Sli, Vec<String>)> {
    let metric = |r: &mut Reader, part: &Node, key: &str, path: &str| -> Option<String> {
        let m = r.mapping(part, key, path)?;
        let node = r.required(m, "metric", &format!("{path}.metric"))?;
        let text = r.as_string(node, path)?;
        super::query(r, node, &text)
    };
    if let Some(ratio) = indicator.get("ratio") {
        let bad = metric(r, ratio, "errors", "indicator.ratio.errors");
        let total = metric(r, ratio, "total", "indicator.ratio.total");
        let by = r.string_list(ratio, "grouping", "indicator.ratio.grouping");
        return Some((
            Sli::Ratio {
                good: None,
                bad: Some(bad?),
                total: total?,
            },
            by,
        ));
    }
    if let Some(latency) = indicator.get("latency") {
        let good = metric(r, latency, "success", "indicator.latency.success");
        let total = metric(r, latency, "total", "indicator.latency.total");
        let by = r.string_list(latency, "grouping", "indicator.latency.grouping");
        let (good, total) = (good?, total?);
        let sli = super::histogram(&good, &total).unwrap_or(Sli::Ratio {
            good: Some(good),
            bad: None,
            total,
        });
        return Some((sli, by));
    }
    if let Some(native) = indicator.get("latencyNative") {
        let total = metric(r, native, "total", "indicator.latencyNative.total");
        let by = r.string_list(native, "grouping", "indicator.latencyNative.grouping");
        let node = r.required(native, "latency", "indicator.latencyNative.latency")?;
        let text = node.text().unwrap_or_default().to_string();
        let Some(threshold) = super::duration(&text) else {
            r.invalid(
                node,
                format!("`{text}` is not a latency such as `100ms`"),
                "Pyrra's latency is a Prometheus duration",
            );
            return None;
        };
        return Some((
            Sli::Latency {
                histogram: total?,
                native: true,
                threshold: threshold.to_string(),
            },
            by,
        ));
    }
    if let Some(gauge) = indicator.get("bool_gauge") {
        let node = r.required(gauge, "metric", "indicator.bool_gauge.metric")?;
        let text = r.as_string(node, "indicator.bool_gauge.metric")?;
        let query = super::query(r, node, &text)?;
        let by = r.string_list(gauge, "grouping", "indicator.bool_gauge.grouping");
        return Some((Sli::Gauge { good: true, query }, by));
    }
    r.diags.push(
        Diag::new(
            Code::MissingField,
            indicator.head(r.text),
            "`indicator` is none of `ratio`, `latency`, `latencyNative` and `bool_gauge`",
        )
        .help("give the indicator as Pyrra documents it"),
    );
    None
}

/// Pyrra's tiers for `window` as a policy, and the SLO's `no_data`.
fn alerting(
    r: &mut Reader,
    spec: &Node,
    window: Duration,
    import: &mut Import,
) -> (Alerting, Option<String>) {
    let alerting = spec
        .get("alerting")
        .filter(|n| !n.is_null() && r.expect_map(n, "spec.alerting"));
    let field = |r: &mut Reader, key: &str| {
        alerting.and_then(|a| r.flag(a, key, &format!("spec.alerting.{key}")))
    };
    let disabled = field(r, "disabled") == Some(true);
    let burnrates = field(r, "burnrates") != Some(false);
    let absent = field(r, "absent") != Some(false);
    let alert = alerting.and_then(|a| r.optional_string(a, "name", "spec.alerting.name"));
    let severities_node = alerting
        .and_then(|a| a.get("severities"))
        .filter(|n| !n.is_null());
    let severity = |r: &mut Reader, key: &str, default: &str| -> String {
        let given = severities_node
            .and_then(|s| r.optional_string(s, key, &format!("spec.alerting.severities.{key}")));
        match given {
            Some(s) if super::is_name(&s) => s,
            Some(s) => {
                if let Some(node) = severities_node.and_then(|n| n.get(key)) {
                    r.invalid(
                        node,
                        format!("the severity `{s}` is not a word `slo` can use as a severity"),
                        "use letters, digits, `_` and `-`, starting with a letter",
                    );
                }
                default.to_string()
            }
            None => default.to_string(),
        }
    };
    let severities: Vec<String> = SEVERITY_KEYS
        .iter()
        .map(|(key, default)| severity(r, key, default))
        .collect();
    let absent_severity = severity(r, "absent", "critical");
    if disabled || !burnrates {
        // Without burn-rate alerts, the alert for missing data would have
        // no severity of a policy to take.
        let no_data = (disabled || !absent).then(|| "none".to_string());
        return (Alerting::None, no_data);
    }
    let no_data = if absent {
        // The severity must be one the policy produces.
        severities
            .contains(&absent_severity)
            .then_some(absent_severity)
    } else {
        Some("none".to_string())
    };
    let minute =
        |ms: u64| -> u64 { (ms + Duration::MINUTE / 2) / Duration::MINUTE * Duration::MINUTE };
    let lines: Vec<Line> = TIERS
        .iter()
        .zip(&severities)
        .map(|(&(factor, long, short, hold), severity)| {
            let at_least_a_minute = |d: u64| Duration(minute(window.0 / d).max(Duration::MINUTE));
            let hold = minute(window.0 / hold);
            Line {
                severity: severity.clone(),
                factor,
                long: at_least_a_minute(long).to_string(),
                short: at_least_a_minute(short).to_string(),
                hold: (hold > 0).then(|| Duration(hold).to_string()),
            }
        })
        .collect();
    let default_severities = SEVERITY_KEYS
        .iter()
        .zip(&severities)
        .all(|((_, d), s)| d == s);
    let name = if default_severities {
        format!("pyrra-{window}")
    } else {
        format!("pyrra-{window}-{}", severities.join("-"))
    };
    import.policy(
        &name,
        Policy {
            comment: vec![format!(
                "Pyrra's burn-rate tiers for a {window} window: 14x, 7x, 2x and 1x over windows that scale with it."
            )],
            lines,
        },
    );
    let body = Body {
        alert,
        ..Body::default()
    };
    (Alerting::Policy { name, body }, no_data)
}
