//! `slo compile --compat sloth`: queries written against Sloth's labels
//! and series read this compiler's rules, on Prometheus' own evaluation.

mod support;

use support::{run_scenario_for, slo, stderr};

/// One SLO that alerts and one that does not.
const SPEC: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  ticket 3x    over 1d/2h
}

service api {
  labels { tier = "1" }

  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli      = requests
    target   = 99.9%
    alerting = standard
  }
  slo quiet {
    sli      = requests
    target   = 99%
    alerting = none
  }
}
"#;

fn sloth() -> slo::target::Deploy {
    slo::target::Deploy {
        compat: Some(slo::lower::Compat::Sloth),
        ..slo::target::Deploy::prometheus()
    }
}

/// Healthy for two hours, then 10% of requests fail.
const INPUT: &str = r#"- interval: 1m
  input_series:
  - series: 'http_requests_total{code="200"}'
    values: '0+600x120 72000+540x60'
  - series: 'http_requests_total{code="500"}'
    values: '0+0x120 0+60x60'
  promql_expr_test:
"#;

/// A query of Sloth's labels gives what the same series of ours give, for
/// every window Sloth records, alerting SLO or not.
#[test]
fn sloth_queries_read_our_series() {
    let mut tests = INPUT.to_string();
    for (slo_name, id) in [("availability", "api-availability"), ("quiet", "api-quiet")] {
        for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
            let ours =
                format!("slo:sli_error:ratio_rate{window}{{service=\"api\", slo=\"{slo_name}\"}}");
            let theirs = format!(
                "slo:sli_error:ratio_rate{window}{{sloth_id=\"{id}\", sloth_service=\"api\", sloth_slo=\"{slo_name}\", sloth_window=\"{window}\"}}"
            );
            // Exactly one series answers, and it is ours.
            tests.push_str(&format!(
                "  - expr: 'count({theirs}) == bool 1 and on () count({ours} == on () {theirs}) == bool 1'\n    eval_time: 170m\n    exp_samples:\n    - labels: '{{}}'\n      value: 1\n"
            ));
        }
        tests.push_str(&format!(
            "  - expr: 'sloth_slo_info{{sloth_id=\"{id}\"}}'\n    eval_time: 170m\n    exp_samples:\n    - labels: 'sloth_slo_info{{service=\"api\", slo=\"{slo_name}\", tier=\"1\", sloth_id=\"{id}\", sloth_service=\"api\", sloth_slo=\"{slo_name}\", sloth_mode=\"cli-gen-prom\", sloth_objective=\"{}\", sloth_spec=\"prometheus/v1\", sloth_version=\"slo-{}\"}}'\n      value: 1\n",
            if slo_name == "quiet" { "99" } else { "99.9" },
            env!("CARGO_PKG_VERSION"),
        ));
        tests.push_str(&format!(
            "  - expr: 'slo:period_error_budget_remaining:ratio{{sloth_id=\"{id}\"}} == on () slo:period_error_budget_remaining:ratio{{service=\"api\", slo=\"{slo_name}\"}}'\n    eval_time: 170m\n    exp_samples:\n    - labels: '{{}}'\n      value: 1\n"
        ).replace("== on () slo:period", "== bool on () slo:period"));
    }
    run_scenario_for(SPEC, &sloth(), &tests);
}

/// The alerts fire as without `--compat`, with Sloth's labels: page for
/// the fastest line, ticket for the others, and no window label.
#[test]
fn alerts_fire_with_sloths_labels() {
    let mut tests = INPUT.to_string();
    tests.push_str(
        r#"  - expr: 'ALERTS{alertstate="firing", slo="availability"}'
    eval_time: 140m
    exp_samples:
    - labels: 'ALERTS{alertname="ErrorBudgetBurn", alertstate="firing", service="api", slo="availability", tier="1", severity="page", long_window="1h", short_window="5m", sloth_id="api-availability", sloth_service="api", sloth_slo="availability", sloth_severity="page"}'
      value: 1
    - labels: 'ALERTS{alertname="ErrorBudgetBurn", alertstate="firing", service="api", slo="availability", tier="1", severity="ticket", long_window="1d", short_window="2h", sloth_id="api-availability", sloth_service="api", sloth_slo="availability", sloth_severity="ticket"}'
      value: 1
"#,
    );
    run_scenario_for(SPEC, &sloth(), &tests);
}

/// Without `--compat`, no series or alert carries a Sloth label, and the
/// flag is spelt out in `--help`.
#[test]
fn sloths_labels_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("api.slo"), SPEC).expect("write");
    let plain = slo(&["compile", "api.slo", "-o", "plain"], dir.path());
    assert!(plain.status.success(), "{}", stderr(&plain));
    let compat = slo(
        &["compile", "api.slo", "-o", "compat", "--compat", "sloth"],
        dir.path(),
    );
    assert!(compat.status.success(), "{}", stderr(&compat));
    let rules = |out: &str| {
        std::fs::read_to_string(dir.path().join(out).join("prometheus/api.yml")).expect("rules")
    };
    assert!(!rules("plain").contains("sloth"), "{}", rules("plain"));
    assert!(rules("compat").contains("sloth_slo_info"));
    let help = slo(&["compile", "--help"], dir.path());
    assert!(support::stdout(&help).contains("--compat <TOOL>"));
}
