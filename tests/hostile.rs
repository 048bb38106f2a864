//! Hostile text in what users write — label values, team names, runbook
//! URLs with quotes, backslashes, line breaks, braces, Go template actions,
//! control characters, unicode — comes out exactly as written: the rule
//! files pass `promtool check rules`, and `promtool test rules` shows the
//! recorded series and the firing alert carrying each value unchanged
//! (Prometheus expands alert labels and annotations as templates, so
//! `{{ $value }}` in user text must not be expanded).

mod support;

use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A `.slo` string literal for `value`.
fn slo_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A PromQL string literal for `value`, for promtool's expected series.
fn promql_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn spec(value: &str) -> String {
    let v = slo_string(value);
    format!(
        r#"policy fast {{
  page 14.4x over 1h/5m
}}

service api {{
  team    = {v}
  runbook = {v}
  labels  {{ note = {v} }}

  sli requests = ratio {{
    bad   = `errors_total`
    total = `requests_total`
  }}

  slo availability {{
    sli      = requests
    target   = 99.9%
    alerting = fast
  }}
}}
"#
    )
}

fn compile(dir: &Path, source: &str) -> PathBuf {
    fs::write(dir.join("api.slo"), source).expect("write spec");
    let out = Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(["compile", "api.slo", "-o", "out"])
        .current_dir(dir)
        .output()
        .expect("run slo");
    assert!(
        out.status.success(),
        "slo compile failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("out/prometheus/api.yml")
}

fn promtool_run(promtool: &Path, args: &[&str], file: &Path) {
    let out = Command::new(promtool)
        .args(args)
        .arg(file)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool {args:?} failed:\n{}{}\n--- {}:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        file.display(),
        fs::read_to_string(file).unwrap_or_default()
    );
}

/// The description annotation as Prometheus expands it at a 100% error
/// ratio: the compiler's own template printed, nothing else touched.
fn expanded_description(rules: &str) -> String {
    let file: serde_yaml_ng::Value = serde_yaml_ng::from_str(rules).expect("rule file");
    let alert = file["groups"]
        .as_sequence()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_sequence().expect("rules"))
        .find(|r| r.get("alert").is_some())
        .expect("an alert");
    alert["annotations"]["description"]
        .as_str()
        .expect("description")
        .replace("{{ $value | humanizePercentage }}", "100%")
}

/// Compiles a service whose team, runbook and label all hold `value`, and
/// proves with promtool that each comes out as `value`.
fn assert_round_trip(promtool: &Path, value: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = compile(dir.path(), &spec(value));
    promtool_run(
        promtool,
        &["check", "rules", "--lint=all", "--lint-fatal"],
        &rules,
    );

    let text = fs::read_to_string(&rules).expect("rules");
    let test = json!({
        "rule_files": [rules.to_str().expect("utf-8 path")],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            // A full outage: every request fails.
            "input_series": [
                { "series": "errors_total", "values": "0+60x30" },
                { "series": "requests_total", "values": "0+60x30" },
            ],
            "alert_rule_test": [{
                "eval_time": "10m",
                "alertname": "ErrorBudgetBurn",
                "exp_alerts": [{
                    "exp_labels": {
                        "service": "api",
                        "slo": "availability",
                        "severity": "page",
                        "long_window": "1h",
                        "short_window": "5m",
                        "team": value,
                        "note": value,
                    },
                    "exp_annotations": {
                        "summary": "api availability: error budget burning 14.4x too fast",
                        "description": expanded_description(&text),
                        "runbook_url": value,
                    },
                }],
            }],
            "promql_expr_test": [{
                "expr": "slo:objective:ratio",
                "eval_time": "10m",
                "exp_samples": [{
                    "labels": format!(
                        "slo:objective:ratio{{note={}, service=\"api\", slo=\"availability\"}}",
                        promql_string(value)
                    ),
                    "value": 0.999,
                }],
            }],
        }],
    });
    let test_file = dir.path().join("test.yml");
    fs::write(&test_file, serde_yaml_ng::to_string(&test).expect("yaml")).expect("write test");
    promtool_run(promtool, &["test", "rules"], &test_file);
}

#[test]
fn hostile_text_comes_out_exactly_as_written() {
    let Some(promtool) = support::tool("promtool") else {
        return;
    };
    for value in [
        r#"pay"ments"#,
        r"back\slash\\",
        "line\nbreak",
        "trailing line break\n",
        "a } b { c",
        "{{ $value }}",
        "{{ .Labels.service }} {{ $labels.slo }}",
        "{{ unclosed",
        "}} {{{ {{{{",
        r#"{{ "{{" }}"#,
        "it's 'quoted'",
        "key: value # not a comment",
        "- dash",
        "tab\there",
        "  leading and trailing  ",
        "paiements é ∞ 😀 日本語",
        "line\u{2028}separator\u{2029}",
        "bell\u{7} escape\u{1b} delete\u{7f} next-line\u{85} bom\u{feff}",
        "https://runbooks.example.com/api?q=\"x\"&b=\\{{ .Labels }}#frag",
    ] {
        assert_round_trip(&promtool, value);
    }
}

#[test]
fn a_promql_comment_does_not_swallow_what_the_compiler_adds() {
    let Some(promtool) = support::tool("promtool") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let source = spec("x")
        .replace("`errors_total`", "`errors_total # 5xx only`")
        .replace(
            "slo availability {",
            "sli fast = latency {\n    histogram = `latency_seconds{job=\"api\" # api only\n}`\n    threshold = 300ms\n  }\n\n  slo latency {\n    sli    = fast\n    target = 99%\n  }\n\n  slo availability {",
        );
    let rules = compile(dir.path(), &source);
    promtool_run(&promtool, &["check", "rules"], &rules);
}

/// Compiles a service whose Grafana base URL is `base` and proves with
/// promtool that the rule file loads and the firing alert's `dashboard_url`
/// is the base URL as written, followed by the dashboard's path.
fn assert_dashboard_url(promtool: &Path, base: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = format!(
        "{}\ndefaults {{\n  grafana = {}\n}}\n",
        spec("x"),
        slo_string(base)
    );
    let rules = compile(dir.path(), &source);
    promtool_run(
        promtool,
        &["check", "rules", "--lint=all", "--lint-fatal"],
        &rules,
    );
    let text = fs::read_to_string(&rules).expect("rules");
    let test = json!({
        "rule_files": [rules.to_str().expect("utf-8 path")],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                { "series": "errors_total", "values": "0+60x30" },
                { "series": "requests_total", "values": "0+60x30" },
            ],
            "alert_rule_test": [{
                "eval_time": "10m",
                "alertname": "ErrorBudgetBurn",
                "exp_alerts": [{
                    "exp_labels": {
                        "service": "api",
                        "slo": "availability",
                        "severity": "page",
                        "long_window": "1h",
                        "short_window": "5m",
                        "team": "x",
                        "note": "x",
                    },
                    "exp_annotations": {
                        "summary": "api availability: error budget burning 14.4x too fast",
                        "description": expanded_description(&text),
                        "runbook_url": "x",
                        "dashboard_url": format!("{base}/d/slo-api/api-slos"),
                    },
                }],
            }],
        }],
    });
    let test_file = dir.path().join("test.yml");
    fs::write(&test_file, serde_yaml_ng::to_string(&test).expect("yaml")).expect("write test");
    promtool_run(promtool, &["test", "rules"], &test_file);
}

#[test]
fn template_actions_in_the_grafana_url_are_shown_not_run() {
    let Some(promtool) = support::tool("promtool") else {
        return;
    };
    for base in [
        "https://grafana.example.com",
        // Run, `{{$value}}` would print the alert's value.
        "https://grafana.example.com/{{$value}}",
        "https://grafana.example.com/{{.Labels.service}}",
        // A lone `{{` would make Prometheus refuse the whole rule file.
        "https://grafana.example.com/{{",
        "https://grafana.example.com/a{b}}c{{{",
    ] {
        assert_dashboard_url(&promtool, base);
    }
}
