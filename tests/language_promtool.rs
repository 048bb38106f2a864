//! The language's newer constructs, executed by the real `promtool`:
//! per-label SLOs keep their labels and alert per value, gauge SLIs average
//! a 0/1 series, policy overrides change when an alert fires, and every
//! example spec passes `promtool check rules` with all lints.
//!
//! Without `promtool` these tests fail in CI (`CI` set) and are skipped with
//! a loud warning elsewhere.

mod support;

use slo::diag::Sources;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const PER_ROUTE: &str = r#"
policy fast {
  page 14.4x over 1h/5m
}

service shop {
  sli errors = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }

  sli successes = ratio {
    good  = `http_requests_total{code=~"2.."}`
    total = `http_requests_total`
  }

  slo availability {
    sli      = errors
    target   = 99.9%
    by       = [route]
    alerting = fast
  }

  slo success {
    sli      = successes
    target   = 99.9%
    by       = [route]
    alerting = fast
  }
}
"#;

/// Route `/a` fails half its requests, `/b` none (its error counter does
/// not exist), `/c` all of them (its success counter does not exist).
const ROUTES: &str = r#"
  - series: 'http_requests_total{route="/a", code="200"}'
    values: '0+300x120'
  - series: 'http_requests_total{route="/a", code="500"}'
    values: '0+300x120'
  - series: 'http_requests_total{route="/b", code="200"}'
    values: '0+60x120'
  - series: 'http_requests_total{route="/c", code="503"}'
    values: '0+60x120'
"#;

#[test]
fn per_label_slo_keeps_labels_and_alerts_per_value() {
    let mut tests = format!("- interval: 1m\n  input_series:{ROUTES}  promql_expr_test:\n");
    for slo in ["availability", "success"] {
        tests.push_str(&format!(
            r#"
  # One error ratio per route, 0 where a counter is missing rather than absent.
  - expr: slo:sli_error:ratio_rate5m{{slo="{slo}"}}
    eval_time: 70m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{{route="/a", service="shop", slo="{slo}"}}'
      value: 0.5
    - labels: 'slo:sli_error:ratio_rate5m{{route="/b", service="shop", slo="{slo}"}}'
      value: 0
    - labels: 'slo:sli_error:ratio_rate5m{{route="/c", service="shop", slo="{slo}"}}'
      value: 1
  # The budget per route: burn rate = ratio / 0.001, remaining = 1 - burn rate.
  - expr: slo:period_error_budget_remaining:ratio{{slo="{slo}"}}
    eval_time: 70m
    exp_samples:
    - labels: 'slo:period_error_budget_remaining:ratio{{route="/a", service="shop", slo="{slo}"}}'
      value: -499
    - labels: 'slo:period_error_budget_remaining:ratio{{route="/b", service="shop", slo="{slo}"}}'
      value: 1
    - labels: 'slo:period_error_budget_remaining:ratio{{route="/c", service="shop", slo="{slo}"}}'
      value: -999
  # The page fires for the failing routes only, one alert per route.
  - expr: count by (route) (ALERTS{{alertstate="firing", slo="{slo}"}})
    eval_time: 70m
    exp_samples:
    - labels: '{{route="/a"}}'
      value: 1
    - labels: '{{route="/c"}}'
      value: 1
"#
        ));
    }
    support::run_scenario(PER_ROUTE, &tests);
}

#[test]
fn per_label_alert_names_the_value_in_labels_and_annotations() {
    let spec = r#"
policy fast {
  page 14.4x over 1h/5m
}

service shop {
  sli errors = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }

  slo availability {
    sli      = errors
    target   = 99.9%
    by       = [route]
    alerting = fast
  }
}
"#;
    let alert = |route: &str, percent: &str| {
        format!(
            r#"    - exp_labels:
        alertname: ErrorBudgetBurn
        service: shop
        slo: availability
        route: "{route}"
        severity: page
        long_window: 1h
        short_window: 5m
      exp_annotations:
        summary: "shop availability (route={route}): error budget burning 14.4x too fast"
        description: "The error ratio of SLO availability (route={route}) of service shop is above 1.44% over both the last 1h and 5m ({percent} over 1h). The target is 99.9% over 30d; at 14.4x the whole error budget is spent in 2d2h."
"#
        )
    };
    let tests = format!(
        "- interval: 1m\n  input_series:{ROUTES}  alert_rule_test:\n  - alertname: ErrorBudgetBurn\n    eval_time: 70m\n    exp_alerts:\n{}{}",
        alert("/a", "50%"),
        alert("/c", "100%")
    );
    support::run_scenario(spec, &tests);
}

/// An SLO's own `labels` reach its series and alerts; its `annotations`
/// replace the compiler's on the burn-rate alert and join them on the alert
/// for missing data, whose summary and description stay its own.
#[test]
fn slo_labels_and_annotations_reach_its_alerts() {
    let spec = r#"
policy fast {
  page 14.4x over 1h/5m
}

service shop {
  labels { tier = "1" }

  sli errors = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }

  slo availability {
    sli      = errors
    target   = 99.9%
    alerting = fast
    labels   { category = "availability" }
    annotations {
      summary  = "High error rate on shop {{ requests }}"
      playbook = "https://wiki.example.com/shop"
    }
  }

  sli quiet = ratio {
    bad   = `quiet_total{code=~"5.."}`
    total = `quiet_total`
  }

  slo silence {
    sli      = quiet
    target   = 99%
    alerting = none
    no_data  = page
    labels   { category = "traffic" }
    annotations {
      summary  = "not for the missing-data alert"
      playbook = "https://wiki.example.com/quiet"
    }
  }
}
"#;
    let tests = r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{code="200"}'
    values: '0+300x120'
  - series: 'http_requests_total{code="500"}'
    values: '0+300x120'
  alert_rule_test:
  - alertname: ErrorBudgetBurn
    eval_time: 70m
    exp_alerts:
    - exp_labels:
        alertname: ErrorBudgetBurn
        service: shop
        slo: availability
        tier: "1"
        category: availability
        severity: page
        long_window: 1h
        short_window: 5m
      exp_annotations:
        summary: "High error rate on shop {{ requests }}"
        playbook: "https://wiki.example.com/shop"
        description: "The error ratio of SLO availability of service shop is above 1.44% over both the last 1h and 5m (50% over 1h). The target is 99.9% over 30d; at 14.4x the whole error budget is spent in 2d2h."
  - alertname: SLIDataMissing
    eval_time: 70m
    exp_alerts:
    - exp_labels:
        alertname: SLIDataMissing
        service: shop
        slo: silence
        tier: "1"
        category: traffic
        severity: page
      exp_annotations:
        summary: "shop silence: no SLI data"
        playbook: "https://wiki.example.com/quiet"
        description: "SLO silence of service shop has had no SLI data for 22m: `sum(rate(quiet_total[5m]))` returns nothing, so its error ratio cannot be measured and its burn-rate alerts cannot fire. Check whether the metric was renamed, its scrape is failing, or the service is not running."
  promql_expr_test:
  - expr: slo:sli_error:ratio_rate5m{category="availability", tier="1"}
    eval_time: 70m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{service="shop", slo="availability", tier="1", category="availability"}'
      value: 0.5
"#;
    support::run_scenario(spec, tests);
}

/// A policy names its alerts and adds labels and annotations per severity;
/// an SLO's override renames them again, adds its own, and drops a line
/// that could never fire for its target. Prometheus fires exactly the
/// alerts that are left, under their names, with those labels.
#[test]
fn alert_names_severity_labels_and_drops_reach_the_alerts() {
    let spec = r#"
policy paging {
  alert = "ShopBudgetBurn"
  page   14.4x over 1h/5m
  page   6x    over 6h/30m
  ticket 3x    over 1d/2h
  page labels { routing_key = "shop" }
  ticket annotations { summary = "shop budget burning" }
}

service shop {
  sli errors = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }

  slo availability {
    sli      = errors
    target   = 99.9%
    alerting = paging
  }

  sli jobs = ratio {
    bad   = `jobs_total{result="failed"}`
    total = `jobs_total`
  }

  slo batch {
    sli      = jobs
    target   = 95%
    alerting = paging {
      alert = "BatchBudgetBurn"
      drop over 1h/5m
      page labels { routing_key = "batch" }
      page annotations { summary = "batch failing" }
    }
  }
}
"#;
    // Half of all requests and jobs fail from the start: after 70 minutes
    // the 1h/5m and 6h/30m lines hold for `availability`; `batch` has
    // dropped its 1h/5m line; its 6h/30m (6 × 5% = 30%) and 1d/2h lines hold.
    let tests = r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{code="200"}'
    values: '0+300x120'
  - series: 'http_requests_total{code="500"}'
    values: '0+300x120'
  - series: 'jobs_total{result="ok"}'
    values: '0+30x120'
  - series: 'jobs_total{result="failed"}'
    values: '0+30x120'
  alert_rule_test:
  - alertname: ShopBudgetBurn
    eval_time: 70m
    exp_alerts:
    - exp_labels:
        alertname: ShopBudgetBurn
        service: shop
        slo: availability
        severity: page
        routing_key: shop
        long_window: 1h
        short_window: 5m
      exp_annotations:
        summary: "shop availability: error budget burning 14.4x too fast"
        description: "The error ratio of SLO availability of service shop is above 1.44% over both the last 1h and 5m (50% over 1h). The target is 99.9% over 30d; at 14.4x the whole error budget is spent in 2d2h."
    - exp_labels:
        alertname: ShopBudgetBurn
        service: shop
        slo: availability
        severity: page
        routing_key: shop
        long_window: 6h
        short_window: 30m
      exp_annotations:
        summary: "shop availability: error budget burning 6x too fast"
        description: "The error ratio of SLO availability of service shop is above 0.6% over both the last 6h and 30m (50% over 6h). The target is 99.9% over 30d; at 6x the whole error budget is spent in 5d."
    - exp_labels:
        alertname: ShopBudgetBurn
        service: shop
        slo: availability
        severity: ticket
        long_window: 1d
        short_window: 2h
      exp_annotations:
        summary: "shop budget burning"
        description: "The error ratio of SLO availability of service shop is above 0.3% over both the last 1d and 2h (50% over 1d). The target is 99.9% over 30d; at 3x the whole error budget is spent in 10d."
  - alertname: BatchBudgetBurn
    eval_time: 70m
    exp_alerts:
    - exp_labels:
        alertname: BatchBudgetBurn
        service: shop
        slo: batch
        severity: page
        routing_key: batch
        long_window: 6h
        short_window: 30m
      exp_annotations:
        summary: "batch failing"
        description: "The error ratio of SLO batch of service shop is above 30% over both the last 6h and 30m (50% over 6h). The target is 95% over 30d; at 6x the whole error budget is spent in 5d."
    - exp_labels:
        alertname: BatchBudgetBurn
        service: shop
        slo: batch
        severity: ticket
        long_window: 1d
        short_window: 2h
      exp_annotations:
        summary: "shop budget burning"
        description: "The error ratio of SLO batch of service shop is above 15% over both the last 1d and 2h (50% over 1d). The target is 95% over 30d; at 3x the whole error budget is spent in 10d."
  - alertname: ErrorBudgetBurn
    eval_time: 70m
    exp_alerts: []
"#;
    support::run_scenario(spec, tests);
}

#[test]
fn gauge_sli_is_one_minus_the_average() {
    let spec = r#"
policy fast {
  page 14.4x over 1h/5m
}

service probes {
  sli reachable = gauge {
    good = `probe_success{job="blackbox"}`
  }

  slo reachable {
    sli      = reachable
    target   = 99%
    window   = 1d
    alerting = fast
  }
}
"#;
    // Instance `b` goes down after 30 minutes; `a` stays up.
    let tests = r#"- interval: 1m
  input_series:
  - series: 'probe_success{job="blackbox", instance="a"}'
    values: '1x90'
  - series: 'probe_success{job="blackbox", instance="b"}'
    values: '1x29 0x61'
  promql_expr_test:
  - expr: slo:sli_error:ratio_rate5m
    eval_time: 20m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{service="probes", slo="reachable"}'
      value: 0
  - expr: slo:sli_error:ratio_rate5m
    eval_time: 60m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{service="probes", slo="reachable"}'
      value: 0.5
  # Over 1h, `b` was down for half the time: (1 + 0.5) / 2 up, so about 25%
  # errors, above 14.4% (14.4x at 99%): the page fires.
  - expr: count(ALERTS{alertstate="firing", slo="reachable"})
    eval_time: 75m
    exp_samples:
    - labels: '{}'
      value: 1
  - expr: count(ALERTS{alertstate="firing", slo="reachable"})
    eval_time: 20m
    exp_samples: []
"#;
    support::run_scenario(spec, tests);
}

#[test]
fn policy_override_changes_when_the_alert_fires() {
    let spec = r#"
policy standard {
  page 14.4x over 1h/5m
}

service shop {
  sli errors = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }

  slo strict {
    sli      = errors
    target   = 99%
    alerting = standard {
      page 2x over 1h/5m
    }
  }

  slo lenient {
    sli      = errors
    target   = 99%
    alerting = standard
  }
}
"#;
    // 5% errors: above 2 × 1% (the override) but below 14.4 × 1% (the policy).
    let tests = r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{code="200"}'
    values: '0+570x120'
  - series: 'http_requests_total{code="500"}'
    values: '0+30x120'
  promql_expr_test:
  - expr: count by (slo) (ALERTS{alertstate="firing"})
    eval_time: 70m
    exp_samples:
    - labels: '{slo="strict"}'
      value: 1
"#;
    support::run_scenario(spec, tests);
}

#[test]
fn example_specs_pass_promtool_lints() {
    let Some(mut promtool) = support::tool("promtool").map(Command::new) else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Sources::new();
    let mut paths: Vec<PathBuf> = fs::read_dir(root.join("specs"))
        .expect("specs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "slo"))
        .collect();
    paths.sort();
    for p in &paths {
        sources.add(
            p.display().to_string(),
            fs::read_to_string(p).expect("spec"),
        );
    }
    let checked = slo::check(&sources);
    let program = checked.program.expect("specs compile");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for f in slo::compile(&program) {
        if !f.path.starts_with("prometheus/") {
            continue;
        }
        let path = dir.path().join(&f.path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, f.contents).expect("write");
        files.push(path);
    }
    assert!(files.len() >= 2, "specs/ should hold several services");
    let out = promtool
        .args(["check", "rules", "--lint=all", "--lint-fatal"])
        .args(&files)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool check rules failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
