//! Metric names an SLI key cannot use are reported at the name, and the fix
//! the help shows compiles to an SLI that has data: executed by the real
//! `promtool` on series shaped like a service's histogram.
//!
//! Without `promtool` the executed part fails in CI (`CI` set) and is
//! skipped with a loud warning elsewhere.

mod support;

use slo::diag::{Code, Diag, Severity, Sources};

/// A latency SLO written as a new user might: the histogram named by the
/// `_bucket` series its data comes from, with the bucket's `le`.
const BROKEN: &str = r#"
service checkout {
  sli fast = latency {
    histogram = `http_request_duration_seconds_bucket{job="checkout", le="0.3"}`
    threshold = 300ms
  }

  slo latency {
    sli      = fast
    target   = 99%
    alerting = none
  }
}
"#;

const BROKEN_SELECTOR: &str = r#"http_request_duration_seconds_bucket{job="checkout", le="0.3"}"#;

fn check(spec: &str) -> slo::Checked {
    let mut sources = Sources::new();
    sources.add("spec.slo", spec);
    slo::check(&sources)
}

/// The text a diagnostic's span covers.
fn under<'s>(spec: &'s str, d: &Diag) -> &'s str {
    &spec[d.primary.span.start..d.primary.span.end]
}

/// A one-SLO service with an SLI of `kind` whose settings are `settings`.
fn service(kind: &str, settings: &str) -> String {
    format!(
        "service checkout {{\n  sli s = {kind} {{\n{settings}\n  }}\n\n  slo s {{\n    sli      = s\n    target   = 99%\n    alerting = none\n  }}\n}}\n"
    )
}

#[test]
fn a_histogram_named_by_its_bucket_series_is_an_error_at_the_name() {
    let checked = check(BROKEN);
    assert!(checked.program.is_none(), "the spec must not compile");
    let [d] = checked.diags.as_slice() else {
        panic!("one diagnostic expected: {:?}", checked.diags);
    };
    assert_eq!(d.code, Code::HistogramSeriesName);
    assert_eq!(under(BROKEN, d), "http_request_duration_seconds_bucket");
    let help = d.help.as_deref().expect("help");
    assert!(
        help.starts_with(r#"write the base name: `http_request_duration_seconds{job="checkout"}`"#),
        "{help}"
    );
}

/// Every judged name, with the code it draws (`None`: accepted quietly).
/// The diagnostic must sit exactly on the name.
#[test]
fn each_key_judges_the_names_it_cannot_use() {
    let cases: &[(&str, &str, Option<Code>, &str)] = &[
        // Histograms: any series suffix, or a counter's.
        (
            "latency",
            "histogram = `x_seconds_bucket{job=\"a\"}`\n    threshold = 300ms",
            Some(Code::HistogramSeriesName),
            "x_seconds_bucket",
        ),
        (
            "latency",
            "histogram = `  x_seconds_count`\n    threshold = 300ms",
            Some(Code::HistogramSeriesName),
            "x_seconds_count",
        ),
        (
            "latency",
            "histogram = `x_seconds_sum`\n    threshold = 300ms",
            Some(Code::HistogramSeriesName),
            "x_seconds_sum",
        ),
        (
            "latency",
            "histogram = `x_requests_total`\n    threshold = 300ms",
            Some(Code::HistogramSeriesName),
            "x_requests_total",
        ),
        (
            "latency",
            "histogram = `x_seconds_created`\n    threshold = 300ms",
            Some(Code::HistogramSeriesName),
            "x_seconds_created",
        ),
        (
            "latency",
            "native_histogram = `x_seconds_bucket`\n    threshold = 300ms",
            Some(Code::HistogramSeriesName),
            "x_seconds_bucket",
        ),
        (
            "latency",
            "native_histogram = `x_seconds_total{job=\"a\"}`\n    threshold = 300ms",
            Some(Code::HistogramSeriesName),
            "x_seconds_total",
        ),
        (
            "latency",
            "histogram = `x_seconds{job=\"a\"}`\n    threshold = 300ms",
            None,
            "",
        ),
        (
            "latency",
            "native_histogram = `x_seconds`\n    threshold = 300ms",
            None,
            "",
        ),
        // A name that merely contains a suffix is a base name.
        (
            "latency",
            "histogram = `x_bucket_seconds`\n    threshold = 300ms",
            None,
            "",
        ),
        // Gauges: counters, histogram series, timestamps.
        (
            "gauge",
            "good = `x_requests_total`",
            Some(Code::GaugeSeriesName),
            "x_requests_total",
        ),
        (
            "gauge",
            "bad = `x_seconds_bucket{le=\"1\"}`",
            Some(Code::GaugeSeriesName),
            "x_seconds_bucket",
        ),
        (
            "gauge",
            "good = `x_seconds_count`",
            Some(Code::GaugeSeriesName),
            "x_seconds_count",
        ),
        (
            "gauge",
            "good = `x_seconds_sum`",
            Some(Code::GaugeSeriesName),
            "x_seconds_sum",
        ),
        (
            "gauge",
            "good = `x_requests_created`",
            Some(Code::GaugeSeriesName),
            "x_requests_created",
        ),
        (
            "gauge",
            "good = `probe_success{job=\"blackbox\"}`",
            None,
            "",
        ),
        // A full expression is used as written.
        (
            "gauge",
            "good = `max(avg_over_time(x_total[$window]))`",
            None,
            "",
        ),
        // Ratios: warnings for what cannot count events.
        (
            "ratio",
            "bad   = `x_seconds_bucket{code=\"500\"}`\n    total = `x_seconds_count`",
            Some(Code::RatioSeriesName),
            "x_seconds_bucket",
        ),
        (
            "ratio",
            "bad   = `x_errors_total`\n    total = `x_seconds_sum`",
            Some(Code::RatioSeriesName),
            "x_seconds_sum",
        ),
        (
            "ratio",
            "bad   = `x_errors_total`\n    total = `x_requests_created`",
            Some(Code::RatioSeriesName),
            "x_requests_created",
        ),
        (
            "ratio",
            "good  = `x_seconds_bucket{le=\"0.3\"}`\n    total = `x_seconds_count`",
            None,
            "",
        ),
        (
            "ratio",
            "bad   = `x_seconds_sum{code=\"500\"}`\n    total = `x_seconds_sum`",
            None,
            "",
        ),
        (
            "ratio",
            "bad   = `sum(rate(x_seconds_bucket[$window]))`\n    total = `x_seconds_count`",
            None,
            "",
        ),
    ];
    for (kind, settings, code, name) in cases {
        let spec = service(kind, &format!("    {settings}"));
        let checked = check(&spec);
        let judged: Vec<&Diag> = checked
            .diags
            .iter()
            .filter(|d| {
                matches!(
                    d.code,
                    Code::HistogramSeriesName | Code::GaugeSeriesName | Code::RatioSeriesName
                )
            })
            .collect();
        match code {
            None => assert!(checked.diags.is_empty(), "{spec}\n{:?}", checked.diags),
            Some(code) => {
                let [d] = judged.as_slice() else {
                    panic!("one diagnostic expected for\n{spec}\n{:?}", checked.diags);
                };
                assert_eq!(d.code, *code, "{spec}");
                assert_eq!(under(&spec, d), *name, "{spec}");
                // Only the ratio's suspicions are warnings: they compile.
                let warning = *code == Code::RatioSeriesName;
                assert_eq!(d.severity == Severity::Warning, warning, "{spec}");
                assert_eq!(checked.program.is_some(), warning, "{spec}");
            }
        }
    }
}

/// The help's base name, put in place of the broken selector, compiles to
/// an SLI with the right value on a real histogram.
///
/// Each minute `checkout` serves 100 requests: 90 within 100ms, 97 within
/// 300ms, 99 within 1s. With a 300ms threshold its error ratio is 3%, a
/// burn rate of 3 against 99%. `search`, the same histogram under another
/// job, is slow (10 of 100 within 300ms) and must not be counted.
#[test]
fn the_base_name_the_help_shows_yields_the_sli_on_real_series() {
    let checked = check(BROKEN);
    let help = checked.diags[0].help.as_deref().expect("help");
    let fixed = help
        .strip_prefix("write the base name: `")
        .and_then(|h| h.split('`').next())
        .expect("a selector in the help");
    let spec = BROKEN.replace(BROKEN_SELECTOR, fixed);
    let mut sources = Sources::new();
    sources.add("spec.slo", spec.as_str());
    let checked = slo::check(&sources);
    assert!(checked.diags.is_empty(), "{:?}", checked.diags);
    assert!(checked.program.is_some(), "the fixed spec compiles");

    let mut series = String::new();
    for (job, per_minute) in [
        (
            "checkout",
            [("0.1", 90), ("0.3", 97), ("1", 99), ("+Inf", 100)],
        ),
        (
            "search",
            [("0.1", 5), ("0.3", 10), ("1", 60), ("+Inf", 100)],
        ),
    ] {
        for (le, n) in per_minute {
            series.push_str(&format!(
                "      - series: 'http_request_duration_seconds_bucket{{job=\"{job}\", le=\"{le}\"}}'\n        values: '0+{n}x30'\n"
            ));
        }
        series.push_str(&format!(
            "      - series: 'http_request_duration_seconds_count{{job=\"{job}\"}}'\n        values: '0+100x30'\n      - series: 'http_request_duration_seconds_sum{{job=\"{job}\"}}'\n        values: '0+14x30'\n"
        ));
    }
    let tests = format!(
        r#"  - interval: 1m
    input_series:
{series}    promql_expr_test:
      - expr: round(slo:sli_error:ratio_rate5m{{slo="latency"}} * 1e9) / 1e9
        eval_time: 20m
        exp_samples:
          - labels: '{{service="checkout", slo="latency"}}'
            value: 0.03
      - expr: round(slo:current_burn_rate:ratio{{slo="latency"}} * 1e9) / 1e9
        eval_time: 20m
        exp_samples:
          - labels: '{{service="checkout", slo="latency"}}'
            value: 3
"#
    );
    support::run_scenario(&spec, &tests);
}
