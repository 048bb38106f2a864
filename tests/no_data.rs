//! The alert for missing SLI data (`SLIDataMissing`), executed by the real
//! `promtool` on series shaped like a real service: it fires `for` after the
//! SLI's total leaves the current-burn window, and when the total never
//! existed; it never fires while data flows or when only the error counter
//! is missing; per label, it names the value whose data stopped.
//!
//! Every spec here has a 99% target over 30d: `for` is 5% × 1% × 30d =
//! 21.6m, rounded up to 22m. With one sample a minute, `rate` over the 5m
//! current-burn window needs two samples, so after a last sample at 60m the
//! total reads nothing from 65m: the alert is pending from 65m and fires at
//! 65m + 22m = 87m.
//!
//! Without `promtool` these tests fail in CI (`CI` set) and are skipped with
//! a loud warning elsewhere.

mod support;

use slo::diag::Sources;
use std::fs;
use std::process::Command;

const CHECKOUT: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  ticket 1x    over 3d/6h
}

service checkout {
  team    = "payments"
  runbook = "https://runbooks.example.com/checkout"

  sli requests = ratio {
    bad   = `http_requests_total{job="checkout", code=~"5.."}`
    total = `http_requests_total{job="checkout"}`
  }

  slo availability {
    sli      = requests
    target   = 99%
    alerting = standard
  }
}
"#;

/// The `alert_rule_test` expectation of checkout's missing-data alert.
const CHECKOUT_MISSING: &str = r#"
    - exp_labels:
        service: checkout
        slo: availability
        severity: ticket
        team: payments
      exp_annotations:
        summary: "checkout availability: no SLI data"
        description: "SLO availability of service checkout has had no SLI data for 22m: `sum(rate(http_requests_total{job=\"checkout\"}[5m]))` returns nothing, so its error ratio cannot be measured and its burn-rate alerts cannot fire. Check whether the metric was renamed, its scrape is failing, or the service is not running."
        runbook_url: "https://runbooks.example.com/checkout"
"#;

/// An `alert_rule_test` for `SLIDataMissing` at `at`, expecting `alerts`
/// (empty for none).
fn missing_at(at: &str, alerts: &str) -> String {
    let alerts = if alerts.is_empty() { " []\n" } else { alerts };
    format!("  - alertname: SLIDataMissing\n    eval_time: {at}\n    exp_alerts:{alerts}")
}

#[test]
fn fires_for_after_the_total_vanishes() {
    // Healthy traffic with some errors for an hour; then the scrape breaks
    // and both counters stop.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{{job="checkout", code="200"}}'
    values: '0+100x60 _x60'
  - series: 'http_requests_total{{job="checkout", code="500"}}'
    values: '0+1x60 _x60'
  alert_rule_test:
{}{}{}{}"#,
        missing_at("60m", ""),
        // Pending from 65m, not yet firing a minute before 65m + 22m.
        missing_at("86m", ""),
        missing_at("87m", CHECKOUT_MISSING),
        missing_at("120m", CHECKOUT_MISSING),
    );
    support::run_scenario(CHECKOUT, &tests);
}

#[test]
fn fires_for_after_the_start_when_the_total_never_existed() {
    // The spec names a metric that is not there (renamed, or a typo): only
    // another job's series exist.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{{job="search", code="200"}}'
    values: '0+100x60'
  alert_rule_test:
{}{}"#,
        missing_at("21m", ""),
        missing_at("22m", CHECKOUT_MISSING),
    );
    support::run_scenario(CHECKOUT, &tests);
}

#[test]
fn never_fires_when_only_the_error_counter_is_missing() {
    // A healthy service whose error counter appears with its first error,
    // which never comes; the SLI reads 0% errors and nothing is missing.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{{job="checkout", code="200"}}'
    values: '0+100x180'
  promql_expr_test:
  - expr: slo:sli_error:ratio_rate5m
    eval_time: 180m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{{service="checkout", slo="availability"}}'
      value: 0
  alert_rule_test:
{}{}"#,
        missing_at("30m", ""),
        missing_at("180m", ""),
    );
    support::run_scenario(CHECKOUT, &tests);
}

#[test]
fn never_fires_while_data_flows_even_without_traffic() {
    // Errors burn the budget (the page fires) and later traffic stops: a
    // counter that stays flat still has data.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{{job="checkout", code="200"}}'
    values: '0+100x60 6000x120'
  - series: 'http_requests_total{{job="checkout", code="500"}}'
    values: '0+50x60 3000x120'
  promql_expr_test:
  - expr: count(ALERTS{{alertname="ErrorBudgetBurn", alertstate="firing", severity="page"}})
    eval_time: 30m
    exp_samples:
    - labels: '{{}}'
      value: 1
  alert_rule_test:
{}{}"#,
        missing_at("30m", ""),
        missing_at("180m", ""),
    );
    support::run_scenario(CHECKOUT, &tests);
}

#[test]
fn a_full_expression_total_is_evaluated_over_the_window() {
    // `$window` templates: the error query names a counter that never
    // exists, and the total is there, so nothing is missing until the total
    // stops at 60m; then the alert fires as for a selector.
    let spec = r#"
policy standard {
  page   14.4x over 1h/5m
  ticket 1x    over 3d/6h
}

service payments {
  sli requests = ratio {
    bad   = `sum(rate(payment_errors_total[$window]))`
    total = `sum(rate(payment_attempts_total[$window]))`
  }

  slo availability {
    sli      = requests
    target   = 99%
    alerting = standard
  }
}
"#;
    let missing = r#"
    - exp_labels:
        service: payments
        slo: availability
        severity: ticket
      exp_annotations:
        summary: "payments availability: no SLI data"
        description: "SLO availability of service payments has had no SLI data for 22m: `(sum(rate(payment_attempts_total[5m])))` returns nothing, so its error ratio cannot be measured and its burn-rate alerts cannot fire. Check whether the metric was renamed, its scrape is failing, or the service is not running."
"#;
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'payment_attempts_total{{instance="a"}}'
    values: '0+10x60 _x60'
  alert_rule_test:
{}{}{}"#,
        missing_at("60m", ""),
        missing_at("86m", ""),
        missing_at("87m", missing),
    );
    support::run_scenario(spec, &tests);
}

const SHOP: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  ticket 1x    over 3d/6h
}

service shop {
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }

  slo availability {
    sli      = requests
    target   = 99%
    by       = [route]
    alerting = standard
  }
}
"#;

/// The missing-data alert of one route of `shop`.
fn route_missing(route: &str) -> String {
    format!(
        r#"
    - exp_labels:
        service: shop
        slo: availability
        severity: ticket
        route: "{route}"
      exp_annotations:
        summary: "shop availability (route={route}): no SLI data"
        description: "SLO availability (route={route}) of service shop has had no SLI data for 22m: `sum by (route) (rate(http_requests_total[5m]))` returns nothing, so its error ratio cannot be measured and its burn-rate alerts cannot fire. Check whether the metric was renamed, its scrape is failing, or the service is not running."
"#
    )
}

#[test]
fn per_label_the_value_whose_data_stopped_alerts_with_its_label() {
    // Three routes; `/b` has no error counter at all; `/c` stops at 60m
    // (a deploy dropped the route's instrumentation). Only `/c` alerts.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{{route="/a", code="200"}}'
    values: '0+100x180'
  - series: 'http_requests_total{{route="/a", code="500"}}'
    values: '0+1x180'
  - series: 'http_requests_total{{route="/b", code="200"}}'
    values: '0+50x180'
  - series: 'http_requests_total{{route="/c", code="200"}}'
    values: '0+20x60 _x120'
  - series: 'http_requests_total{{route="/c", code="500"}}'
    values: '0+1x60 _x120'
  alert_rule_test:
{}{}{}{}"#,
        missing_at("60m", ""),
        missing_at("86m", ""),
        missing_at("87m", &route_missing("/c")),
        missing_at("180m", &route_missing("/c")),
    );
    support::run_scenario(SHOP, &tests);
}

#[test]
fn per_label_no_value_at_all_alerts_once_for_the_slo() {
    // The metric was renamed: no route has data. The alert has no `route`
    // label and its text names none.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'http_server_requests_total{{route="/a", code="200"}}'
    values: '0+100x60'
  alert_rule_test:
{}{}"#,
        missing_at("21m", ""),
        missing_at(
            "22m",
            r#"
    - exp_labels:
        service: shop
        slo: availability
        severity: ticket
      exp_annotations:
        summary: "shop availability: no SLI data"
        description: "SLO availability of service shop has had no SLI data for 22m: `sum by (route) (rate(http_requests_total[5m]))` returns nothing, so its error ratio cannot be measured and its burn-rate alerts cannot fire. Check whether the metric was renamed, its scrape is failing, or the service is not running."
"#
        ),
    );
    support::run_scenario(SHOP, &tests);
}

#[test]
fn per_label_every_value_stopping_alerts_for_each_and_for_the_slo() {
    // The scrape breaks for the whole service at 60m: each route measured
    // in the period alerts, and so does the SLO as a whole, without a
    // `route`; Alertmanager groups them into one notification.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{{route="/a", code="200"}}'
    values: '0+100x60 _x60'
  - series: 'http_requests_total{{route="/b", code="200"}}'
    values: '0+50x60 _x60'
  promql_expr_test:
  - expr: ALERTS{{alertname="SLIDataMissing", alertstate="firing"}}
    eval_time: 87m
    exp_samples:
    - labels: 'ALERTS{{alertname="SLIDataMissing", alertstate="firing", route="/a", service="shop", severity="ticket", slo="availability"}}'
      value: 1
    - labels: 'ALERTS{{alertname="SLIDataMissing", alertstate="firing", route="/b", service="shop", severity="ticket", slo="availability"}}'
      value: 1
    - labels: 'ALERTS{{alertname="SLIDataMissing", alertstate="firing", service="shop", severity="ticket", slo="availability"}}'
      value: 1
  alert_rule_test:
{}"#,
        missing_at("86m", ""),
    );
    support::run_scenario(SHOP, &tests);
}

#[test]
fn latency_and_gauge_slis_watch_their_count_and_their_gauge() {
    let spec = r#"
policy standard {
  page 14.4x over 1h/5m
}

service search {
  sli fast = latency {
    histogram = `request_duration_seconds{job="search"}`
    threshold = 300ms
  }

  sli reachable = gauge {
    good = `probe_success{job="blackbox"}`
  }

  slo latency {
    sli      = fast
    target   = 99%
    alerting = standard
  }

  slo reachable {
    sli      = reachable
    target   = 99%
    alerting = standard
  }
}
"#;
    // The histogram is scraped until 60m; the probe keeps running, failing.
    let tests = format!(
        r#"- interval: 1m
  input_series:
  - series: 'request_duration_seconds_bucket{{job="search", le="0.3"}}'
    values: '0+90x60 _x60'
  - series: 'request_duration_seconds_count{{job="search"}}'
    values: '0+100x60 _x60'
  - series: 'probe_success{{job="blackbox"}}'
    values: '0x120'
  promql_expr_test:
  - expr: ALERTS{{alertname="SLIDataMissing", alertstate="firing"}}
    eval_time: 87m
    exp_samples:
    - labels: 'ALERTS{{alertname="SLIDataMissing", alertstate="firing", service="search", severity="page", slo="latency"}}'
      value: 1
  - expr: ALERTS{{alertname="SLIDataMissing"}}
    eval_time: 86m
    exp_samples:
    - labels: 'ALERTS{{alertname="SLIDataMissing", alertstate="pending", service="search", severity="page", slo="latency"}}'
      value: 1
  alert_rule_test:
{}"#,
        missing_at("60m", ""),
    );
    support::run_scenario(spec, &tests);
}

// ---------------------------------------------------------------------------
// Which severity the alert takes, and when there is none.

/// The `severity` of every `SLIDataMissing` rule of `spec`, by SLO, or the
/// diagnostics when it does not compile.
fn severities(spec: &str) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut sources = Sources::new();
    sources.add("spec.slo", spec);
    let checked = slo::check(&sources);
    let Some(program) = checked.program else {
        return Err(checked
            .diags
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect());
    };
    let mut out = Vec::new();
    for file in slo::compile(&program) {
        if !file.path.starts_with("prometheus/") {
            continue;
        }
        let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(&file.contents).expect("yaml");
        for g in y["groups"].as_sequence().expect("groups") {
            for r in g["rules"].as_sequence().expect("rules") {
                if r["alert"].as_str() == Some("SLIDataMissing") {
                    let label = |name: &str| r["labels"][name].as_str().expect(name).to_string();
                    out.push((label("slo"), label("severity")));
                }
            }
        }
    }
    Ok(out)
}

/// A service with SLO `a` on policy `standard` and SLO `b` on `pages`, with
/// `extra` added to `b` and `defaults` as given.
fn program(defaults: &str, extra: &str) -> String {
    format!(
        r#"
policy standard {{
  page   14.4x over 1h/5m
  ticket 1x    over 3d/6h
}}

policy pages {{
  page   14.4x over 1h/5m
  urgent 6x    over 6h/30m
}}

defaults {{
  {defaults}
}}

service api {{
  sli requests = ratio {{
    bad   = `http_requests_total{{code=~"5.."}}`
    total = `http_requests_total`
  }}

  slo a {{
    sli      = requests
    target   = 99.9%
    alerting = standard
  }}

  slo b {{
    sli      = requests
    target   = 99.9%
    alerting = pages
    {extra}
  }}
}}
"#
    )
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn ticket_by_default_else_the_slowest_line() {
    // `pages` has no ticket: its slowest line, `urgent 6x`, is the least
    // urgent severity it has.
    assert_eq!(
        severities(&program("window = 30d", "")),
        Ok(pairs(&[("a", "ticket"), ("b", "urgent")]))
    );
}

#[test]
fn defaults_and_the_slo_set_the_severity_or_turn_it_off() {
    assert_eq!(
        severities(&program("no_data = page", "")),
        Ok(pairs(&[("a", "page"), ("b", "page")]))
    );
    assert_eq!(
        severities(&program("no_data = none", "no_data = ticket")),
        Ok(pairs(&[("b", "ticket")]))
    );
    assert_eq!(
        severities(&program("no_data = page", "no_data = none")),
        Ok(pairs(&[("a", "page")]))
    );
}

#[test]
fn an_slo_without_alerts_has_none_unless_it_asks() {
    let spec =
        |extra: &str| program("window = 30d", extra).replace("alerting = pages", "alerting = none");
    assert_eq!(severities(&spec("")), Ok(pairs(&[("a", "ticket")])));
    assert_eq!(
        severities(&spec("no_data = page")),
        Ok(pairs(&[("a", "ticket"), ("b", "page")]))
    );
}

#[test]
fn a_severity_nothing_uses_is_an_error() {
    let errors = severities(&program("no_data = tikcet", "no_data = warning")).unwrap_err();
    assert_eq!(
        errors,
        [
            "SLO340 no policy or `notify` block uses severity `tikcet`",
            "SLO340 no policy or `notify` block uses severity `warning`",
        ]
    );
}

#[test]
fn a_severity_only_the_missing_data_alert_has_routes_through_notify() {
    // `warning` comes from `no_data` alone; a `notify` block may route it,
    // and the real Alertmanager configuration sends the alert there.
    let Some(amtool) = support::tool("amtool") else {
        return;
    };
    let notifications = r#"
defaults {
  receiver = mail
  no_data  = warning
}

receiver pager = webhook {
  url = "http://127.0.0.1:9/pager"
}

receiver mail = webhook {
  url = "http://127.0.0.1:9/mail"
}

receiver chat = webhook {
  url = "http://127.0.0.1:9/chat"
}

notify {
  page    = pager
  ticket  = mail
  warning = chat
}
"#;
    let spec = program("window = 30d", "");
    let (_src, out) = support::compile_text(&[("api.slo", &spec), ("n.slo", notifications)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    let routed = Command::new(&amtool)
        .args(["config", "routes", "test"])
        .arg(format!("--config.file={}", config.display()))
        .args([
            "alertname=SLIDataMissing",
            "service=api",
            "slo=a",
            "severity=warning",
        ])
        .output()
        .expect("run amtool");
    assert!(routed.status.success(), "{routed:?}");
    assert_eq!(String::from_utf8_lossy(&routed.stdout).trim(), "chat");
    // The page → ticket inhibition is for burn-rate alerts only: a page
    // about one thing does not hide that the data of another is missing.
    let text = fs::read_to_string(&config).expect("config");
    assert!(!text.contains("SLIDataMissing"), "{text}");
}

/// A real Alertmanager, or `None` (said loudly) without the tools outside CI.
fn start_alertmanager(
    config: &std::path::Path,
    storage: &std::path::Path,
) -> Option<support::Alertmanager> {
    let amtool = support::tool("amtool")?;
    let binary = support::tool("prometheus-alertmanager")?;
    Some(support::start_alertmanager(
        &binary, config, storage, &amtool,
    ))
}

#[test]
fn a_burn_rate_page_does_not_hide_missing_data() {
    // Per route: `/a` burns its budget (page, and its ticket), `/b` has no
    // data. On a real Alertmanager the page suppresses the burn-rate ticket
    // of the SLO as before, and the missing-data ticket stays active.
    let notifications = r#"
defaults {
  receiver = mail
}

receiver pager = webhook {
  url = "http://127.0.0.1:9/pager"
}

receiver mail = webhook {
  url = "http://127.0.0.1:9/mail"
}

notify {
  page   = pager
  ticket = mail
}
"#;
    let (_src, out) = support::compile_text(&[("shop.slo", SHOP), ("n.slo", notifications)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    let storage = tempfile::tempdir().expect("tempdir");
    let Some(am) = start_alertmanager(&config, storage.path()) else {
        return;
    };
    let Some(amtool) = support::tool("amtool") else {
        return;
    };
    let burn = |severity: &str, long: &str, short: &str| {
        vec![
            "alertname=ErrorBudgetBurn".to_string(),
            "service=shop".into(),
            "slo=availability".into(),
            "route=/a".into(),
            format!("severity={severity}"),
            format!("long_window={long}"),
            format!("short_window={short}"),
        ]
    };
    let missing = vec![
        "alertname=SLIDataMissing".to_string(),
        "service=shop".into(),
        "slo=availability".into(),
        "route=/b".into(),
        "severity=ticket".into(),
    ];
    for labels in [
        burn("page", "1h", "5m"),
        burn("ticket", "3d", "6h"),
        missing,
    ] {
        am.add(&amtool, &labels);
    }
    let states = am.states(&amtool, "alertname");
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        states,
        [
            s("ErrorBudgetBurn", "page", "active"),
            s("ErrorBudgetBurn", "ticket", "suppressed"),
            s("SLIDataMissing", "ticket", "active"),
        ]
    );
}
