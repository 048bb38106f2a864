//! Full `$window` expressions in ratio SLIs, executed by the real
//! `promtool`: a missing error (or success) series reads as zero, for the
//! whole SLO and per `by` value, exactly as it does for bare selectors, and
//! the rules pass `promtool check rules` with every lint.
//!
//! Without `promtool` these tests fail in CI (`CI` set) and are skipped with
//! a loud warning elsewhere.

mod support;

const WHOLE: &str = r#"
policy fast {
  page 14.4x over 1h/5m
}

service shop {
  sli errors = ratio {
    bad   = `sum(rate(http_requests_total{code=~"5.."}[$window]))`
    total = `sum(rate(http_requests_total[$window]))`
  }

  slo availability {
    sli      = errors
    target   = 99.9%
    alerting = fast
  }
}
"#;

/// A healthy service serving 9 requests a second; its 5xx counter does not
/// exist until the first error, at minute 90, after which it fails one
/// request a second (10%).
const HEALTHY_THEN_FAILING: &str = r#"
  - series: 'http_requests_total{code="200"}'
    values: '0+540x180'
  - series: 'http_requests_total{code="500"}'
    values: '_x90 0+60x89'
"#;

#[test]
fn template_without_error_series_reads_zero_then_the_ratio() {
    let tests = format!(
        r#"- interval: 1m
  input_series:{HEALTHY_THEN_FAILING}  promql_expr_test:
  # Before the first error the SLI exists and reads 0, and the whole
  # budget is left.
  - expr: slo:sli_error:ratio_rate5m
    eval_time: 60m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{{service="shop", slo="availability"}}'
      value: 0
  - expr: slo:sli_error:ratio_rate1h
    eval_time: 60m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate1h{{service="shop", slo="availability"}}'
      value: 0
  - expr: slo:period_error_budget_remaining:ratio
    eval_time: 60m
    exp_samples:
    - labels: 'slo:period_error_budget_remaining:ratio{{service="shop", slo="availability"}}'
      value: 1
  # Once errors start, one request in ten fails.
  - expr: slo:sli_error:ratio_rate5m
    eval_time: 120m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{{service="shop", slo="availability"}}'
      value: 0.1
  # The page fires once both windows burn more than 14.4x (1.44%): the
  # 5m window does at once, the hour from minute 98, eight minutes after
  # the first error.
  - expr: ALERTS{{alertstate="firing"}}
    eval_time: 97m
    exp_samples: []
  - expr: count(ALERTS{{alertstate="firing", severity="page"}})
    eval_time: 98m
    exp_samples:
    - labels: '{{}}'
      value: 1
"#
    );
    support::run_scenario(WHOLE, &tests);
}

const PER_ROUTE: &str = r#"
policy fast {
  page 14.4x over 1h/5m
}

service shop {
  sli errors = ratio {
    bad   = `sum by (route) (rate(http_requests_total{code=~"5.."}[$window]))`
    total = `sum by (route) (rate(http_requests_total[$window]))`
  }

  sli successes = ratio {
    good  = `sum by (route) (rate(http_requests_total{code=~"2.."}[$window]))`
    total = `sum by (route) (rate(http_requests_total[$window]))`
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

/// Route `/a` fails half its requests; `/b` has no error counter until
/// minute 90, then fails half its requests too; `/c` fails every request
/// (its success counter does not exist).
const ROUTES: &str = r#"
  - series: 'http_requests_total{route="/a", code="200"}'
    values: '0+300x180'
  - series: 'http_requests_total{route="/a", code="500"}'
    values: '0+300x180'
  - series: 'http_requests_total{route="/b", code="200"}'
    values: '0+30x180'
  - series: 'http_requests_total{route="/b", code="500"}'
    values: '_x90 0+30x89'
  - series: 'http_requests_total{route="/c", code="503"}'
    values: '0+60x180'
"#;

#[test]
fn per_label_template_reads_zero_per_value_without_error_series() {
    let mut tests = format!("- interval: 1m\n  input_series:{ROUTES}  promql_expr_test:\n");
    for slo in ["availability", "success"] {
        tests.push_str(&format!(
            r#"
  # One error ratio per route: /b reads 0 before its first error, and /c,
  # without a success counter, 100% errors.
  - expr: slo:sli_error:ratio_rate5m{{slo="{slo}"}}
    eval_time: 60m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{{route="/a", service="shop", slo="{slo}"}}'
      value: 0.5
    - labels: 'slo:sli_error:ratio_rate5m{{route="/b", service="shop", slo="{slo}"}}'
      value: 0
    - labels: 'slo:sli_error:ratio_rate5m{{route="/c", service="shop", slo="{slo}"}}'
      value: 1
  - expr: slo:sli_error:ratio_rate5m{{slo="{slo}", route="/b"}}
    eval_time: 120m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{{route="/b", service="shop", slo="{slo}"}}'
      value: 0.5
  - expr: slo:period_error_budget_remaining:ratio{{slo="{slo}", route="/b"}}
    eval_time: 60m
    exp_samples:
    - labels: 'slo:period_error_budget_remaining:ratio{{route="/b", service="shop", slo="{slo}"}}'
      value: 1
  # The page fires for the failing routes only, one alert per route.
  - expr: count by (route) (ALERTS{{alertstate="firing", slo="{slo}"}})
    eval_time: 60m
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

/// Sides written in different forms that the checker accepts without a
/// word: each must give every route its ratio.
const MIXED: &str = r#"
service shop {
  sli template_over_selector = ratio {
    bad   = `sum by (route) (rate(http_requests_total{code=~"5.."}[$window]))`
    total = `http_requests_total`
  }

  sli selector_over_template = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `sum by (route) (rate(http_requests_total[$window]))`
  }

  sli renamed = ratio {
    bad   = `sum by (route) (label_replace(rate(legacy_errors_total[$window]), "route", "$1", "handler", "(.*)"))`
    total = `sum by (route) (label_replace(rate(legacy_requests_total[$window]), "route", "$1", "handler", "(.*)"))`
  }

  sli good_or_zero = ratio {
    good  = `sum(rate(http_requests_total{route="/a", code=~"2.."}[$window])) or vector(0)`
    total = `http_requests_total{route="/a"}`
  }

  slo a {
    sli      = template_over_selector
    target   = 99.9%
    by       = [route]
    alerting = none
  }

  slo b {
    sli      = selector_over_template
    target   = 99.9%
    by       = [route]
    alerting = none
  }

  slo c {
    sli      = renamed
    target   = 99.9%
    by       = [route]
    alerting = none
  }

  slo d {
    sli      = good_or_zero
    target   = 99.9%
    alerting = none
  }
}
"#;

#[test]
fn accepted_sides_in_any_form_match() {
    let series = r#"
  - series: 'http_requests_total{route="/a", code="200"}'
    values: '0+300x60'
  - series: 'http_requests_total{route="/a", code="500"}'
    values: '0+300x60'
  - series: 'http_requests_total{route="/b", code="200"}'
    values: '0+60x60'
  - series: 'legacy_requests_total{handler="/a"}'
    values: '0+600x60'
  - series: 'legacy_errors_total{handler="/a"}'
    values: '0+300x60'
  - series: 'legacy_requests_total{handler="/b"}'
    values: '0+60x60'
"#;
    let mut tests = format!("- interval: 1m\n  input_series:{series}  promql_expr_test:\n");
    for slo in ["a", "b", "c"] {
        tests.push_str(&format!(
            r#"  - expr: slo:sli_error:ratio_rate5m{{slo="{slo}"}}
    eval_time: 30m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{{route="/a", service="shop", slo="{slo}"}}'
      value: 0.5
    - labels: 'slo:sli_error:ratio_rate5m{{route="/b", service="shop", slo="{slo}"}}'
      value: 0
"#
        ));
    }
    // Route /a: 300 good of 600 requests a minute.
    tests.push_str(
        r#"  - expr: slo:sli_error:ratio_rate5m{slo="d"}
    eval_time: 30m
    exp_samples:
    - labels: 'slo:sli_error:ratio_rate5m{service="shop", slo="d"}'
      value: 0.5
"#,
    );
    support::run_scenario(MIXED, &tests);
}
