//! The findings on answers held in memory: each mistake class is found at
//! the right place of the source. `tests/live.rs` runs the same classes
//! against real servers.

use super::*;
use crate::diag::Code;
use crate::num::Duration;

/// A server whose answers are a list of series held in memory. It answers
/// the queries the live check sends: a metric's series by name, the time a
/// metric was last seen, and the `by` values of a ratio's side (the sides
/// by their selector's metric name only).
#[derive(Default)]
struct Held {
    series: Vec<(BTreeMap<String, String>, Value)>,
    gone: Vec<(String, f64)>,
    types: BTreeMap<String, String>,
    retention: Option<Duration>,
}

const NOW: f64 = 1_800_000_000.0;

impl Held {
    fn with(mut self, series: &str, value: Value) -> Self {
        let (name, rest) = series.split_once('{').unwrap_or((series, "}"));
        let mut labels = BTreeMap::from([("__name__".to_string(), name.to_string())]);
        for pair in rest
            .trim_end_matches('}')
            .split(',')
            .filter(|p| !p.is_empty())
        {
            if let Some((l, v)) = pair.split_once('=') {
                labels.insert(l.to_string(), v.trim_matches('"').to_string());
            }
        }
        self.series.push((labels, value));
        self
    }

    fn counter(self, series: &str) -> Self {
        self.with(series, Value::Float(1.0))
    }

    fn typed(mut self, name: &str, kind: &str) -> Self {
        self.types.insert(name.to_string(), kind.to_string());
        self
    }

    fn of(&self, name: &str) -> Vec<Sample> {
        self.series
            .iter()
            .filter(|(l, _)| l.get("__name__").is_some_and(|n| n == name))
            .map(|(labels, value)| Sample {
                labels: labels.clone(),
                value: *value,
                time: NOW,
            })
            .collect()
    }
}

impl Server for Held {
    fn metric_names(&self) -> Result<Vec<String>, Failure> {
        let mut names: Vec<String> = self
            .series
            .iter()
            .filter_map(|(l, _)| l.get("__name__").cloned())
            .chain(self.gone.iter().map(|(n, _)| n.clone()))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn query(&self, promql: &str) -> Result<Vec<Sample>, Failure> {
        let name_of = |q: &str| {
            q.split("__name__=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        };
        if promql.starts_with("max(max_over_time(timestamp(") {
            let name = name_of(promql).unwrap_or_default();
            return Ok(self
                .gone
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, t)| Sample {
                    labels: BTreeMap::new(),
                    value: Value::Float(*t),
                    time: NOW,
                })
                .collect());
        }
        if let Some(rest) = promql.strip_prefix("group by (") {
            let (by, inner) = rest.split_once(") (").unwrap_or_default();
            let expr = crate::check::promql::parse_template(inner.trim_end_matches(')'))
                .ok_or_else(|| Failure(format!("bad query {promql}")))?;
            let mut found = Vec::new();
            plan::walk_for_tests(&expr, &mut found);
            let mut out: Vec<Sample> = Vec::new();
            for vs in found {
                for s in self.of(vs.name.as_deref().unwrap_or_default()) {
                    let fits = vs
                        .matchers
                        .matchers
                        .iter()
                        .all(|m| m.is_match(s.labels.get(&m.name).map_or("", String::as_str)));
                    if fits {
                        let labels: BTreeMap<String, String> = by
                            .split(", ")
                            .filter_map(|l| Some((l.to_string(), s.labels.get(l)?.clone())))
                            .collect();
                        if !out.iter().any(|o| o.labels == labels) {
                            out.push(Sample { labels, ..s });
                        }
                    }
                }
            }
            return Ok(out);
        }
        Ok(self.of(&name_of(promql).unwrap_or_default()))
    }

    fn metadata(&self) -> Result<BTreeMap<String, String>, Failure> {
        Ok(self.types.clone())
    }

    fn retention(&self) -> Result<Option<Duration>, Failure> {
        Ok(self.retention)
    }
}

/// The server every case runs against.
fn server() -> Held {
    let mut held = Held {
        gone: vec![("legacy_requests_total".into(), NOW - 180.0)],
        retention: Some(Duration(7 * Duration::DAY)),
        ..Held::default()
    };
    for route in ["/checkout", "/search"] {
        for code in ["200", "500"] {
            held = held.counter(&format!(
                "http_requests_total{{job=\"api\",route=\"{route}\",code=\"{code}\"}}"
            ));
        }
    }
    for le in ["0.1", "0.25", "0.5", "1", "+Inf"] {
        held = held.counter(&format!(
            "http_request_duration_seconds_bucket{{job=\"api\",le=\"{le}\"}}"
        ));
    }
    for n in 0..200 {
        held = held
            .counter(&format!(
                "sessions_total{{job=\"api\",session=\"s{n:03}\"}}"
            ))
            .counter(&format!(
                "sessions_failed_total{{job=\"api\",session=\"s{n:03}\"}}"
            ));
    }
    held.counter("http_requests_total{job=\"web\",route=\"/home\",code=\"200\"}")
        .counter("jobs_failed_total{job=\"worker\",queue=\"mail\"}")
        .counter("jobs_total{job=\"worker\",queue=\"sms\"}")
        .with("queue_depth{job=\"worker\"}", Value::Float(3.0))
        .counter("requests_served{job=\"api\"}")
        .typed("requests_served", "counter")
        .with("rpc_duration_seconds{job=\"api\"}", Value::Histogram)
        .typed("http_requests_total", "counter")
        .typed("http_request_duration_seconds", "histogram")
        .typed("queue_depth", "gauge")
        .typed("jobs_failed_total", "counter")
        .typed("jobs_total", "counter")
}

/// Checks `spec` against [`server`]: each finding's code and the text at
/// its span.
fn findings(spec: &str) -> Vec<(Code, String)> {
    let mut sources = Sources::new();
    let file = sources.add("spec.slo", spec);
    let checked = crate::check(&sources);
    assert!(checked.diags.is_empty(), "{:#?}", checked.diags);
    let program = checked.program.expect("the spec checks");
    let diags = check(&sources, &program, &server(), Options::default())
        .expect("answers")
        .diags;
    let text = &sources.get(file).text;
    diags
        .iter()
        .map(|d| {
            let s = d.primary.span;
            (d.code, text.get(s.start..s.end).unwrap_or("?").to_string())
        })
        .collect()
}

fn ratio(bad: &str, total: &str, slo: &str) -> String {
    format!(
        "service api {{\n  sli requests = ratio {{\n    bad   = `{bad}`\n    total = `{total}`\n  }}\n  slo available {{\n    sli    = requests\n    target = 99.9%\n    window = 7d\n    alerting = none\n{slo}  }}\n}}\n"
    )
}

#[test]
fn a_healthy_spec_has_no_finding() {
    let spec = ratio(
        r#"http_requests_total{job="api", code=~"5.."}"#,
        r#"http_requests_total{job="api"}"#,
        "    by = [route]\n",
    );
    assert_eq!(findings(&spec), vec![]);
}

#[test]
fn each_reason_for_no_series_is_told_apart() {
    let spec = ratio(
        r#"http_request_total{job="api", code=~"5.."}"#,
        r#"legacy_requests_total{job="api"}"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![
            (Code::UnknownMetric, "http_request_total".into()),
            (Code::MetricGone, "legacy_requests_total".into()),
        ]
    );
    let spec = ratio(
        r#"http_requests_total{jobs="api", code=~"5.."}"#,
        r#"http_requests_total{job="ap"}"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![
            (Code::UnknownLabel, r#"jobs="api""#.into()),
            (Code::NoLabelValue, r#"job="ap""#.into()),
        ]
    );
    let spec = ratio(
        r#"http_requests_total{route="/checkout", code="500"}"#,
        r#"http_requests_total{route="/search", code="404"}"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![(Code::NoLabelValue, r#"code="404""#.into())]
    );
    let spec = ratio(
        r#"http_requests_total{job="web", route="/checkout", code="500"}"#,
        r#"http_requests_total{job="web", route="/checkout"}"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![
            (Code::NoSeries, "http_requests_total".into()),
            (Code::NoSeries, "http_requests_total".into())
        ]
    );
    let spec = ratio(
        r#"jobs_failed_total{queue="sms"}"#,
        r#"jobs_total{job="worker", queue="sms"}"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![(Code::NoLabelValue, r#"queue="sms""#.into())]
    );
}

#[test]
fn errors_that_have_not_happened_yet_are_no_mistake() {
    // No series of job `web` has a 5xx code: the service had no error yet.
    let spec = ratio(
        r#"http_requests_total{job="web", code=~"5.."}"#,
        r#"http_requests_total{job="web"}"#,
        "",
    );
    assert_eq!(findings(&spec), vec![]);
    // A label that no series has at all is still one.
    let spec = ratio(
        r#"http_requests_total{job="web", status=~"5.."}"#,
        r#"http_requests_total{job="web"}"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![(Code::UnknownLabel, r#"status=~"5..""#.into())]
    );
}

#[test]
fn a_missing_value_names_the_values_there_are() {
    let spec = ratio(
        r#"http_requests_total{job="ap", code=~"5.."}"#,
        r#"http_requests_total{job="api"}"#,
        "",
    );
    let mut sources = Sources::new();
    sources.add("spec.slo", spec);
    let program = crate::check(&sources).program.expect("checks");
    let diags = check(&sources, &program, &server(), Options::default())
        .expect("answers")
        .diags;
    assert_eq!(
        diags[0].help.as_deref(),
        Some("did you mean `job=\"api\"`? the values on the server: `api`, `web`")
    );
}

#[test]
fn latency_thresholds_are_held_to_the_live_buckets() {
    let spec = |threshold: &str, key: &str, name: &str| {
        format!("service api {{\n  sli fast = latency {{\n    {key} = `{name}{{job=\"api\"}}`\n    threshold = {threshold}\n  }}\n  slo fast {{\n    sli = fast\n    target = 99%\n    window = 7d\n    alerting = none\n  }}\n}}\n")
    };
    let classic = "http_request_duration_seconds";
    assert_eq!(findings(&spec("250ms", "histogram", classic)), vec![]);
    assert_eq!(
        findings(&spec("300ms", "histogram", classic)),
        vec![(Code::ThresholdNotLiveBucket, "300ms".into())]
    );
    assert_eq!(
        findings(&spec("300ms", "native_histogram", classic)),
        vec![(Code::HistogramKind, classic.into())]
    );
    assert_eq!(
        findings(&spec("300ms", "histogram", "rpc_duration_seconds")),
        vec![(Code::HistogramKind, "rpc_duration_seconds".into())]
    );
    assert_eq!(
        findings(&spec("300ms", "native_histogram", "rpc_duration_seconds")),
        vec![]
    );
}

#[test]
fn types_must_fit_how_the_sli_uses_them() {
    let spec = ratio(
        r#"http_requests_total{code="500"}"#,
        r#"queue_depth{job="worker"}"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![(Code::MetricType, "queue_depth".into())]
    );
    // Not taken a rate of, but still not the same kind of thing as errors.
    let spec = ratio(
        r#"sum(rate(jobs_failed_total{job="worker"}[$window]))"#,
        r#"sum(avg_over_time(queue_depth{job="worker"}[$window]))"#,
        "",
    );
    assert_eq!(
        findings(&spec),
        vec![(Code::MetricType, "jobs_failed_total".into())]
    );
    let gauge = "service api {\n  sli up = gauge {\n    good = `requests_served{job=\"api\"}`\n  }\n  slo up {\n    sli = up\n    target = 99%\n    window = 7d\n    alerting = none\n  }\n}\n";
    assert_eq!(
        findings(gauge),
        vec![(Code::MetricType, "requests_served".into())]
    );
}

#[test]
fn ratio_sides_and_splits_are_measured_on_the_series() {
    let spec = ratio(
        r#"jobs_failed_total{job="worker"}"#,
        r#"jobs_total{job="worker"}"#,
        "    by = [queue]\n",
    );
    assert_eq!(
        findings(&spec),
        vec![(
            Code::RatioSidesApart,
            r#"jobs_failed_total{job="worker"}"#.into()
        )]
    );
    let spec = ratio(
        r#"sessions_failed_total{job="api"}"#,
        r#"sessions_total{job="api"}"#,
        "    by = [session]\n",
    );
    assert_eq!(
        findings(&spec),
        vec![(Code::HighCardinality, "[session]".into())]
    );
}

#[test]
fn a_window_past_the_retention_is_found() {
    let spec = ratio(
        r#"http_requests_total{job="api", code=~"5.."}"#,
        r#"http_requests_total{job="api"}"#,
        "",
    )
    .replace("window = 7d", "window = 30d");
    assert_eq!(
        findings(&spec),
        vec![(Code::WindowPastRetention, "30d".into())]
    );
}
