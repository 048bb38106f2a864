//! The generated rules against the real Prometheus tooling.
//!
//! These tests drive the `slo` binary on `specs/` and hand its output to
//! `promtool` (Debian package `prometheus`): `promtool check rules` with every
//! lint, and `promtool test rules` scenarios that replay request counters
//! through the recording and alerting rules of `specs/checkout.slo` and check
//! when the burn-rate alerts fire and what the error-budget series read.
//!
//! The scenarios use the availability SLO of `checkout`: 99.9% over 30d
//! (budget 0.001), ratio SLI `bad = http_requests_total{job="checkout",
//! code=~"5.."}` over `total = http_requests_total{job="checkout"}`, and the
//! `standard` policy:
//!
//! | severity | factor | windows  | threshold | for |
//! | -------- | ------ | -------- | --------- | --- |
//! | page     | 14.4x  | 1h / 5m  | 0.0144    |     |
//! | page     | 6x     | 6h / 30m | 0.006     |     |
//! | ticket   | 3x     | 1d / 2h  | 0.003     | 15m |
//! | ticket   | 1x     | 3d / 6h  | 0.001     |     |
//!
//! Without promtool on `PATH` the tests print a loud warning and pass, unless
//! `CI` is set: CI installs promtool and must never skip these checks.
//!
//! Notes on how `promtool test rules` (2.42) evaluates, which the numbers
//! below depend on:
//! - All groups are evaluated at every `evaluation_interval` step, in an
//!   arbitrary order unless `group_eval_order` says otherwise. An alert that
//!   reads a ratio recorded in another group would then see this step's value
//!   or the previous one at random, so every scenario lists the groups in file
//!   order (ratios before the alerts that read them).
//! - The period group's own `interval: 2m` is not honoured by promtool 2.42;
//!   the period series are still only checked at multiples of 2m so that the
//!   expectations also hold where it is.
//! - Sample values are compared exactly. Values computed from rates are
//!   checked through `round(x * 1e9) / 1e9`, which is exact for decimals with
//!   at most nine places; constants are compared as they are.
//! - A range `[t - w, t]` includes both ends, and every input sample lies on
//!   the evaluation grid, so a window whose counters both start before it is
//!   not extrapolated, and one reaching before the first sample is not
//!   extrapolated either when the counters start at zero.

mod support;

use serde_json::{json, Value as Json};
use serde_yaml_ng::Value as Yaml;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The healthy requests of `checkout`.
const OK: &str = r#"http_requests_total{job="checkout", code="200"}"#;
/// The failed requests of `checkout`.
const ERR: &str = r#"http_requests_total{job="checkout", code="500"}"#;
/// The labels of every series of the availability SLO.
const AVAILABILITY: &str = r#"{service="checkout", slo="availability", tier="1"}"#;
/// The labels of every series of the latency SLO.
const LATENCY: &str = r#"{service="checkout", slo="latency", tier="1"}"#;

fn promtool() -> Option<PathBuf> {
    support::tool("promtool")
}

/// Runs a command and returns its output, panicking when it cannot start.
fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// The stdout and stderr of a finished command, for failure messages.
fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Compiles `specs/` with the real binary into a fresh temporary directory.
fn compile_specs() -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temporary directory");
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let output = run(Command::new(env!("CARGO_BIN_EXE_slo"))
        .arg("compile")
        .arg(&specs)
        .arg("-o")
        .arg(out.path()));
    assert!(
        output.status.success(),
        "`slo compile specs/` failed\n{}",
        describe(&output)
    );
    out
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn generated_rules_pass_promtool_lint() {
    let Some(promtool) = promtool() else { return };
    let out = compile_specs();
    let rule_files = files_under(&out.path().join("prometheus"));
    assert!(
        rule_files.iter().any(|f| f.ends_with("checkout.yml")),
        "no prometheus/checkout.yml among {rule_files:?}"
    );
    let output = run(Command::new(promtool)
        .args(["check", "rules", "--lint=all", "--lint-fatal"])
        .args(&rule_files));
    assert!(
        output.status.success(),
        "promtool rejects the rules generated from specs/\n{}",
        describe(&output)
    );
}

// ---------------------------------------------------------------------------
// `promtool test rules` scenarios.

/// One `promtool test rules` test group over the generated `checkout.yml`.
struct Scenario {
    /// Shown by promtool when the group fails.
    name: &'static str,
    /// `evaluation_interval` of the test file.
    evaluation_interval: &'static str,
    /// The scrape interval of the input series.
    interval: &'static str,
    /// `(series, values)` in promtool's expanding notation.
    series: Vec<(&'static str, &'static str)>,
    /// `promql_expr_test` entries.
    promql: Vec<Json>,
    /// `alert_rule_test` entries.
    alerts: Vec<Json>,
}

/// The generated rule file of `checkout`, parsed.
struct RuleFile {
    yaml: Yaml,
}

impl RuleFile {
    fn read(path: &Path) -> RuleFile {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let yaml = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        RuleFile { yaml }
    }

    fn groups(&self) -> &[Yaml] {
        self.yaml["groups"]
            .as_sequence()
            .map_or(&[], |s| s.as_slice())
    }

    /// Group names in file order.
    fn group_names(&self) -> Vec<String> {
        self.groups()
            .iter()
            .map(|g| g["name"].as_str().expect("group name").to_string())
            .collect()
    }

    /// The annotations of the availability alert over `long`/`short`.
    fn annotations(&self, long: &str, short: &str) -> serde_json::Map<String, Json> {
        let rule = self
            .groups()
            .iter()
            .flat_map(|g| g["rules"].as_sequence().into_iter().flatten())
            .find(|r| {
                r["alert"].as_str().is_some()
                    && r["labels"]["slo"].as_str() == Some("availability")
                    && r["labels"]["long_window"].as_str() == Some(long)
                    && r["labels"]["short_window"].as_str() == Some(short)
            })
            .unwrap_or_else(|| panic!("no availability alert over {long}/{short}"));
        rule["annotations"]
            .as_mapping()
            .expect("annotations")
            .iter()
            .map(|(k, v)| {
                let k = k.as_str().expect("annotation name").to_string();
                (
                    k,
                    Json::String(v.as_str().expect("annotation text").to_string()),
                )
            })
            .collect()
    }
}

/// Runs `scenario` through `promtool test rules`; `build` adds the
/// `alert_rule_test` entries that need the generated file.
fn run_scenario(scenario: Scenario, build: impl FnOnce(&RuleFile) -> Vec<Json>) {
    let Some(promtool) = promtool() else { return };
    let out = compile_specs();
    let rules = RuleFile::read(&out.path().join("prometheus/checkout.yml"));
    let mut alerts = scenario.alerts;
    alerts.extend(build(&rules));
    let test = json!({
        "rule_files": ["prometheus/checkout.yml"],
        "evaluation_interval": scenario.evaluation_interval,
        "group_eval_order": rules.group_names(),
        "tests": [{
            "name": scenario.name,
            "interval": scenario.interval,
            "input_series": scenario.series.iter()
                .map(|(series, values)| json!({"series": series, "values": values}))
                .collect::<Vec<_>>(),
            "promql_expr_test": scenario.promql,
            "alert_rule_test": alerts,
        }],
    });
    let text = serde_yaml_ng::to_string(&test).expect("test file as YAML");
    let path = out.path().join("test.yml");
    std::fs::write(&path, &text).expect("write the test file");
    let output = run(Command::new(promtool)
        .current_dir(out.path())
        .args(["test", "rules", "test.yml"]));
    assert!(
        output.status.success(),
        "promtool test rules: scenario `{}` failed\n{}\n--- test.yml ---\n{text}",
        scenario.name,
        describe(&output)
    );
}

/// A `promql_expr_test` expecting `samples` (labels, value) from `expr` at `at`.
fn expect(expr: &str, at: &str, samples: &[(&str, f64)]) -> Json {
    json!({
        "expr": expr,
        "eval_time": at,
        "exp_samples": samples.iter()
            .map(|(labels, value)| json!({"labels": labels, "value": value}))
            .collect::<Vec<_>>(),
    })
}

/// A `promql_expr_test` expecting no result at all from `expr` at `at`.
fn expect_none(expr: &str, at: &str) -> Json {
    expect(expr, at, &[])
}

/// `expr` rounded to nine decimal places (and stripped of its metric name),
/// so that its value compares exactly with a decimal.
fn rounded(expr: &str) -> String {
    format!("round(({expr}) * 1e9) / 1e9")
}

/// A recorded series of the availability SLO, as a selector.
fn availability(series: &str) -> String {
    format!("{series}{AVAILABILITY}")
}

/// The `ALERTS` series of a burn-rate alert of the availability SLO.
fn alert(state: &str, severity: &str, long: &str, short: &str) -> String {
    format!(
        r#"ALERTS{{alertname="ErrorBudgetBurn", alertstate="{state}", long_window="{long}", service="checkout", severity="{severity}", short_window="{short}", slo="availability", team="payments", tier="1"}}"#
    )
}

/// An `alert_rule_test` expectation for a firing availability alert. The
/// annotations are the generated ones with `$value` rendered as `value`
/// (what `humanizePercentage` prints for the long-window ratio).
fn firing(rules: &RuleFile, severity: &str, long: &str, short: &str, value: &str) -> Json {
    const VALUE: &str = "{{ $value | humanizePercentage }}";
    let annotations: serde_json::Map<String, Json> = rules
        .annotations(long, short)
        .into_iter()
        .map(|(name, text)| {
            let rendered = text.as_str().expect("text").replace(VALUE, value);
            assert!(
                !rendered.contains("{{"),
                "annotation `{name}` uses a template this test cannot render: {text}; \
                 teach `firing` in tests/promtool.rs about it"
            );
            (name, Json::String(rendered))
        })
        .collect();
    json!({
        "exp_labels": {
            "service": "checkout",
            "slo": "availability",
            "severity": severity,
            "long_window": long,
            "short_window": short,
            "team": "payments",
            "tier": "1",
        },
        "exp_annotations": annotations,
    })
}

/// a) A full outage after six healthy hours pages within two minutes.
///
/// 100 requests a minute succeed for 6h; from 6h on every request fails. The
/// error counter does not exist before the first error, as is common: until
/// then the SLI must read 0 (the rules add `or vector(0)`), not nothing.
///
/// - 6h1m: the error counter has a single sample, and `rate` needs two, so
///   the error ratio still reads 0: nothing fires. A counter that appears with
///   its first error costs one scrape of detection time.
/// - 6h2m: the error counter went 100 → 200. `rate` extrapolates the new
///   counter back towards the window start: by one scrape interval, to where
///   it would have been zero, in Prometheus 2.42 (200 errors), by half an
///   interval in other versions (150). Either way, over 1h:
///   150..200 / ~6000 ≥ 0.025 > 0.0144, and over 5m ≥ 0.33: the 14.4x 1h/5m
///   page fires, two minutes in. Over 6h: 150..200 / ~36000 ≤ 0.0056 < 0.006:
///   the 6x page does not yet.
/// - 6h3m: over 6h: 250..300 / ~36000 ≥ 0.0069 > 0.006 (and 30m well above):
///   the 6x 6h/30m page fires too.
#[test]
fn full_outage_pages_within_minutes() {
    let page_1h = alert("firing", "page", "1h", "5m");
    let page_6h = alert("firing", "page", "6h", "30m");
    run_scenario(
        Scenario {
            name: "full outage after 6h of healthy traffic",
            evaluation_interval: "1m",
            interval: "1m",
            series: vec![(OK, "0+100x360 36000x60"), (ERR, "_x361 100+100x59")],
            promql: vec![
                // Healthy: the ratios read 0, and no alert was ever pending or firing.
                expect(
                    &availability("slo:sli_error:ratio_rate5m"),
                    "6h",
                    &[(&availability("slo:sli_error:ratio_rate5m"), 0.0)],
                ),
                expect(
                    &availability("slo:sli_error:ratio_rate1h"),
                    "6h",
                    &[(&availability("slo:sli_error:ratio_rate1h"), 0.0)],
                ),
                expect(
                    &availability("slo:current_burn_rate:ratio"),
                    "6h",
                    &[(&availability("slo:current_burn_rate:ratio"), 0.0)],
                ),
                expect_none(
                    r#"count_over_time(ALERTS{alertname="ErrorBudgetBurn"}[6h])"#,
                    "6h",
                ),
                // Nothing fires; `SLIDataMissing` is pending only at 0m,
                // while the new counters have a single sample.
                expect_none(r#"count_over_time(ALERTS{alertstate="firing"}[6h])"#, "6h"),
                // First failed scrape: the error counter has one sample.
                expect_none("ALERTS", "6h1m"),
                // Second failed scrape: the fast page fires.
                expect(
                    r#"ALERTS{alertstate="firing", severity="page"}"#,
                    "6h2m",
                    &[(&page_1h, 1.0)],
                ),
                // Third: both pages.
                expect(
                    r#"ALERTS{alertstate="firing", severity="page"}"#,
                    "6h3m",
                    &[(&page_1h, 1.0), (&page_6h, 1.0)],
                ),
                expect(
                    r#"ALERTS{alertstate="firing", severity="page"}"#,
                    "6h30m",
                    &[(&page_1h, 1.0), (&page_6h, 1.0)],
                ),
            ],
            alerts: vec![],
        },
        |_| vec![],
    );
}

/// b) A 2% error ratio at 99.9% fires the 14.4x 1h/5m page after 44 minutes,
/// and not a minute before.
///
/// 100 requests a minute succeed for 6h; then 2 of every 100 fail. After t
/// minutes of errors, the 1h window (61 samples, both counters present
/// throughout, so no extrapolation) holds 2t errors among 6000 requests:
/// ratio t / 3000, above 0.0144 when t > 43.2. At t = 43 it reads 0.014333
/// and the page must be silent; at t = 44 it reads 0.014667 and the page
/// fires (the 5m window reads 0.02 throughout). The boundary is exact, so no
/// margin is needed; a margin would hide an off-by-one in the windows.
///
/// The slower page (6x over 6h, 0.006) needs 2t / 36000 > 0.006, t > 108:
/// still silent at t = 44. The 1x 3d/6h ticket (0.001) fires from t = 19 on.
#[test]
fn two_percent_errors_page_after_44_minutes() {
    run_scenario(
        Scenario {
            name: "2% errors after 6h of healthy traffic",
            evaluation_interval: "1m",
            interval: "1m",
            series: vec![(OK, "0+100x360 36098+98x60"), (ERR, "0x360 2+2x60")],
            promql: vec![
                // 43 minutes in: no page has ever been pending or firing.
                expect_none(r#"count_over_time(ALERTS{severity="page"}[1d])"#, "6h43m"),
                expect(
                    &rounded(&availability("slo:sli_error:ratio_rate1h")),
                    "6h43m",
                    &[(AVAILABILITY, 0.014333333)],
                ),
                expect(
                    &rounded(&availability("slo:sli_error:ratio_rate5m")),
                    "6h43m",
                    &[(AVAILABILITY, 0.02)],
                ),
                // 44 minutes in: the fast page fires.
                expect(
                    &rounded(&availability("slo:sli_error:ratio_rate1h")),
                    "6h44m",
                    &[(AVAILABILITY, 0.014666667)],
                ),
                expect(
                    r#"ALERTS{alertstate="firing", severity="page"}"#,
                    "6h44m",
                    &[(&alert("firing", "page", "1h", "5m"), 1.0)],
                ),
            ],
            alerts: vec![],
        },
        |rules| {
            // Every firing `ErrorBudgetBurn` alert at 6h44m, labels and
            // rendered annotations: the page ($value: the 1h ratio, 88 / 6000)
            // and the 1x ticket ($value: the 3d ratio over all data so far,
            // 88 / 40400 = 0.2178%). The 3x ticket (1d: 0.0022 < 0.003) and the
            // 6x page are not firing.
            vec![json!({
                "eval_time": "6h44m",
                "alertname": "ErrorBudgetBurn",
                "exp_alerts": [
                    firing(rules, "page", "1h", "5m", "1.467%"),
                    firing(rules, "ticket", "3d", "6h", "0.2178%"),
                ],
            })]
        },
    );
}

/// c) An error ratio below the smallest threshold never fires anything.
///
/// The lowest threshold is the 1x 3d/6h ticket: 1 × 0.001 = 0.1%. Three days
/// of 0.09% errors (45 of every 50000 requests, a scrape every 5m; rules
/// evaluated every 5m to keep the run short) must leave no burn-rate `ALERTS`
/// sample at all, pending or firing, and fire nothing. So that this cannot
/// pass vacuously, every window the alerts read is checked to hold 0.0009 at
/// the end.
#[test]
fn errors_below_the_smallest_threshold_never_fire() {
    let mut promql = vec![
        expect_none(
            r#"count_over_time(ALERTS{alertname="ErrorBudgetBurn"}[3d])"#,
            "3d",
        ),
        // `SLIDataMissing` is pending at 0m only, while the new counters
        // have a single sample; it never fires.
        expect_none(r#"count_over_time(ALERTS{alertstate="firing"}[3d])"#, "3d"),
    ];
    for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
        promql.push(expect(
            &rounded(&availability(&format!("slo:sli_error:ratio_rate{window}"))),
            "3d",
            &[(AVAILABILITY, 0.0009)],
        ));
    }
    promql.push(expect(
        &rounded(&availability("slo:current_burn_rate:ratio")),
        "3d",
        &[(AVAILABILITY, 0.9)],
    ));
    promql.push(expect(
        &rounded(&availability("slo:period_error_budget_remaining:ratio")),
        "3d",
        &[(AVAILABILITY, 0.1)],
    ));
    run_scenario(
        Scenario {
            name: "0.09% errors for 3 days",
            evaluation_interval: "5m",
            interval: "5m",
            series: vec![(OK, "0+49955x864"), (ERR, "0+45x864")],
            promql,
            alerts: vec![],
        },
        |_| vec![],
    );
}

/// d) The error-budget series under changing traffic.
///
/// - 0–60m: 100 requests a minute, 2 of them failing (2%).
/// - 60m–252m: 2000 requests a minute, 1 of them failing (0.05%).
///
/// The period (30d) ratio must be errors / requests over the whole period,
/// not an average of short-window ratios. At 252m: 120 + 192 = 312 errors
/// among 6000 + 384000 = 390000 requests: 0.0008, a burn rate of 0.8 and 0.2
/// of the budget left. The time-average of the 5m ratios would be about
/// (60 × 0.02 + 192 × 0.0005) / 252 ≈ 0.0051: a burn rate above 5.
///
/// At 96m: 120 + 36 = 156 errors among 6000 + 72000 = 78000: 0.002, burn 2,
/// the budget overspent (-1). At 60m: 0.02, burn 20, remaining -19.
/// `slo:current_burn_rate:ratio` reads the 5m window over the budget.
/// All evaluation times are multiples of the period group's 2m interval.
#[test]
fn error_budget_series_under_changing_traffic() {
    let mut promql = Vec::new();
    for (at, period_ratio, burn, remaining, current) in [
        ("60m", 0.02, 20.0, -19.0, 20.0),
        ("96m", 0.002, 2.0, -1.0, 0.5),
        ("252m", 0.0008, 0.8, 0.2, 0.5),
    ] {
        for (series, value) in [
            ("slo:sli_error:ratio_rate30d", period_ratio),
            ("slo:period_burn_rate:ratio", burn),
            ("slo:period_error_budget_remaining:ratio", remaining),
            ("slo:current_burn_rate:ratio", current),
        ] {
            promql.push(expect(
                &rounded(&availability(series)),
                at,
                &[(AVAILABILITY, value)],
            ));
        }
        // Constants, compared exactly: the generated numbers must be clean.
        for (series, availability, latency) in [
            ("slo:objective:ratio", 0.999, 0.99),
            ("slo:error_budget:ratio", 0.001, 0.01),
            ("slo:time_period:days", 30.0, 28.0),
        ] {
            promql.push(expect(
                series,
                at,
                &[
                    (&format!("{series}{AVAILABILITY}"), availability),
                    (&format!("{series}{LATENCY}"), latency),
                ],
            ));
        }
    }
    run_scenario(
        Scenario {
            name: "budget series under changing traffic",
            evaluation_interval: "1m",
            interval: "1m",
            series: vec![(OK, "0+98x60 7879+1999x191"), (ERR, "0+2x60 121+1x191")],
            promql,
            alerts: vec![],
        },
        |_| vec![],
    );
}

/// Strings from the spec (team, runbook, label values) must not break the
/// generated alerting rules. Prometheus expands alert labels and annotations
/// as Go templates, so `{{` in such a string either has to be escaped by the
/// compiler or rejected by the checker with a diagnostic; compiling it
/// verbatim produces rule files that Prometheus refuses to load.
#[test]
fn user_strings_are_not_templates() {
    let Some(promtool) = promtool() else { return };
    let dir = tempfile::tempdir().expect("temporary directory");
    let spec = dir.path().join("templates.slo");
    std::fs::write(
        &spec,
        r#"
policy fast { page 14.4x over 1h/5m }

service checkout {
  team    = "pay{{ments"
  runbook = "https://runbooks.example.com/{{ checkout"
  labels  { tier = "{{1}}" }
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability { sli = requests  target = 99.9%  alerting = fast }
}
"#,
    )
    .expect("write the spec");
    let out = dir.path().join("out");
    let output = run(Command::new(env!("CARGO_BIN_EXE_slo"))
        .arg("compile")
        .arg(&spec)
        .arg("-o")
        .arg(&out));
    if output.status.code() == Some(1) {
        // Rejected with a diagnostic: acceptable.
        return;
    }
    assert!(output.status.success(), "{}", describe(&output));
    let output = run(Command::new(promtool)
        .args(["check", "rules", "--lint=all", "--lint-fatal"])
        .arg(out.join("prometheus/checkout.yml")));
    assert!(
        output.status.success(),
        "`{{{{` from the spec reached the alert templates unescaped\n{}",
        describe(&output)
    );
}
