//! `slo import` keeps what each source states. Every Pyrra, OpenSLO and
//! Sloth example in `../shared/import-examples/` is imported and, when it
//! maps, compiled; Prometheus' own rule evaluation (`promtool test rules`)
//! then shows an objective and a period per SLO equal to the target and
//! window the source states. An example that does not map is refused with
//! coded diagnostics, never a crash. The files are read as formats, not
//! known by name: another example of the same format is tested alike.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{shared, slo, stderr, tool, IMPORT_EXAMPLES};

/// The examples of `source`, each file on its own; Sloth's generated rules
/// and Pyrra's CRD definition are not specs.
fn examples(source: &str) -> Option<Vec<PathBuf>> {
    let dir = shared(&IMPORT_EXAMPLES)?.join(source);
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .filter(|p| {
            let text = fs::read_to_string(p).unwrap_or_default();
            !text.contains("kind: CustomResourceDefinition")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {}", dir.display());
    Some(files)
}

/// The YAML documents of a file.
fn documents(path: &Path) -> Vec<serde_yaml_ng::Value> {
    let text = fs::read_to_string(path).expect("read example");
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).expect("example is YAML"))
        .filter(|v: &serde_yaml_ng::Value| !v.is_null())
        .collect()
}

/// A duration as the sources write it (`28d`, `2w`, `4w`, `7d`, `1h`), in days.
fn days(text: &str) -> f64 {
    let (number, unit) = text.split_at(text.len() - 1);
    let n: f64 = number.parse().unwrap_or_else(|_| panic!("duration {text}"));
    match unit {
        "w" => n * 7.0,
        "d" => n,
        "h" => n / 24.0,
        "m" => n / 1440.0,
        _ => panic!("duration {text}"),
    }
}

/// A number the source may write as a string (`target: "99.5"`).
fn number(v: &serde_yaml_ng::Value) -> f64 {
    match v {
        serde_yaml_ng::Value::Number(n) => n.as_f64().expect("a number"),
        serde_yaml_ng::Value::String(s) => s.trim().parse().expect("a number"),
        other => panic!("not a number: {other:?}"),
    }
}

/// What a source states for each SLO: its objective as a ratio and its
/// period in days.
type Stated = Vec<(f64, f64)>;

fn stated_pyrra(docs: &[serde_yaml_ng::Value]) -> Stated {
    docs.iter()
        .map(|d| {
            let spec = &d["spec"];
            (
                number(&spec["target"]) / 100.0,
                days(spec["window"].as_str().expect("window")),
            )
        })
        .collect()
}

fn stated_openslo(docs: &[serde_yaml_ng::Value]) -> Stated {
    let mut stated = Vec::new();
    for d in docs.iter().filter(|d| d["kind"] == "SLO") {
        let spec = &d["spec"];
        // Sloth's OpenSLO v1alpha writes `timeWindows` with count and unit.
        let period = match spec["timeWindow"].as_sequence() {
            Some(w) => days(w[0]["duration"].as_str().expect("duration")),
            None => {
                let w = &spec["timeWindows"][0];
                assert_eq!(w["unit"], "Day", "{w:?}");
                number(&w["count"])
            }
        };
        for o in spec["objectives"].as_sequence().expect("objectives") {
            let target = if o["targetPercent"].is_null() {
                number(&o["target"])
            } else {
                number(&o["targetPercent"]) / 100.0
            };
            stated.push((target, period));
        }
    }
    stated
}

fn stated_sloth(docs: &[serde_yaml_ng::Value]) -> Stated {
    if docs.iter().any(|d| d["apiVersion"] == "openslo/v1alpha") {
        return stated_openslo(docs);
    }
    docs.iter()
        .flat_map(|d| {
            let spec = if d["spec"].is_null() { d } else { &d["spec"] };
            spec["slos"]
                .as_sequence()
                .expect("slos")
                .iter()
                .map(|s| (number(&s["objective"]) / 100.0, 30.0))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `slo import SOURCE FILE` into a new directory, then `slo compile`: the
/// output directory, or `None` with the diagnostics when the file does not
/// map (which must then be coded diagnostics, exit 1).
fn import_and_compile(source: &str, file: &Path) -> Result<tempfile::TempDir, String> {
    let work = tempfile::tempdir().expect("tempdir");
    let specs = work.path().join("specs");
    let o = slo(
        &[
            "import",
            source,
            file.to_str().expect("UTF-8 path"),
            "-o",
            specs.to_str().expect("UTF-8 path"),
        ],
        work.path(),
    );
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{}: {err}", file.display());
    if !o.status.success() {
        assert_eq!(o.status.code(), Some(1), "{}: {err}", file.display());
        assert!(
            err.contains("error[SLO6"),
            "{} is refused without a coded diagnostic:\n{err}",
            file.display()
        );
        return Err(err);
    }
    let check = slo(&["check", "--deny", "warnings", "specs"], work.path());
    assert!(
        check.status.success(),
        "{}: the import does not check clean:\n{}",
        file.display(),
        stderr(&check)
    );
    let fmt = slo(&["fmt", "--check", "specs"], work.path());
    assert!(
        fmt.status.success(),
        "{}: the import is not formatted:\n{}",
        file.display(),
        support::stdout(&fmt)
    );
    let out = work.path().join("out");
    let compile = slo(
        &["compile", "specs", "-o", out.to_str().expect("UTF-8 path")],
        work.path(),
    );
    assert!(
        compile.status.success(),
        "{}: {}",
        file.display(),
        stderr(&compile)
    );
    Ok(work)
}

/// Runs `promtool test rules` over every rule file under `out/prometheus`,
/// with `tests` as the body after `tests:`.
fn promtool_test(promtool: &Path, work: &Path, tests: &str) {
    promtool_test_with(promtool, work, &[], tests);
}

/// [`promtool_test`] with `more` rule files beside ours.
fn promtool_test_with(promtool: &Path, work: &Path, more: &[PathBuf], tests: &str) {
    let rules: Vec<String> = fs::read_dir(work.join("out/prometheus"))
        .expect("rule files")
        .flatten()
        .map(|e| e.path())
        .chain(more.iter().cloned())
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    // Prometheus evaluates each group on its own; promtool, in one order.
    // Recording groups go first, so that alerts of either side read ratios
    // of the same minute.
    let mut groups: Vec<String> = Vec::new();
    for file in &rules {
        let text = fs::read_to_string(file.trim_matches('"')).expect("read rules");
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("rules");
        for g in doc["groups"].as_sequence().into_iter().flatten() {
            groups.push(g["name"].as_str().expect("group name").to_string());
        }
    }
    groups.sort_by_key(|g| g.contains("alert"));
    let order: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
    let test = format!(
        "rule_files: [{}]\nevaluation_interval: 1m\ngroup_eval_order: [{}]\ntests:\n{tests}",
        rules.join(", "),
        order.join(", ")
    );
    let path = work.join("test.yml");
    fs::write(&path, test).expect("write test");
    let o = Command::new(promtool)
        .args(["test", "rules"])
        .arg(&path)
        .output()
        .expect("run promtool");
    assert!(
        o.status.success(),
        "promtool test rules failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The objectives and periods the compiled rules record are those stated:
/// one SLO per stated pair, counted by value.
fn objectives_and_periods_as_stated(promtool: &Path, work: &Path, stated: &Stated) {
    let mut counts: BTreeMap<(u64, u64), (f64, f64, usize)> = BTreeMap::new();
    for &(target, period) in stated {
        let key = ((target * 1e9).round() as u64, (period * 1e6).round() as u64);
        counts.entry(key).or_insert((target, period, 0)).2 += 1;
    }
    let mut tests = String::from("- interval: 1m\n  input_series: []\n  promql_expr_test:\n");
    tests.push_str(&format!(
        "  - expr: count(slo:objective:ratio)\n    eval_time: 1m\n    exp_samples:\n    - labels: '{{}}'\n      value: {}\n",
        stated.len()
    ));
    for (target, period, n) in counts.values() {
        tests.push_str(&format!(
            "  - expr: count(abs(slo:objective:ratio - {target}) < 1e-9 and on (service, slo) abs(slo:time_period:days - {period}) < 1e-9)\n    eval_time: 1m\n    exp_samples:\n    - labels: '{{}}'\n      value: {n}\n"
        ));
    }
    promtool_test(promtool, work, &tests);
}

fn source_keeps_its_objectives(source: &str, stated: fn(&[serde_yaml_ng::Value]) -> Stated) {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let Some(files) = examples(source) else {
        return;
    };
    let mut mapped = 0;
    for file in &files {
        let Ok(work) = import_and_compile(source, file) else {
            continue;
        };
        mapped += 1;
        objectives_and_periods_as_stated(&promtool, work.path(), &stated(&documents(file)));
    }
    assert!(mapped > 0, "no {source} example mapped");
}

#[test]
fn pyrra_objectives_and_windows_are_kept() {
    source_keeps_its_objectives("pyrra", stated_pyrra);
}

#[test]
fn openslo_objectives_and_windows_are_kept() {
    source_keeps_its_objectives("openslo", stated_openslo);
}

#[test]
fn sloth_objectives_and_windows_are_kept() {
    source_keeps_its_objectives("sloth", stated_sloth);
}

/// Sloth's own rules for an example, as a rule file: `_gen/` holds them as
/// Sloth wrote them, a `PrometheusRule` for a Kubernetes spec.
fn sloth_rules(example: &Path, work: &Path) -> Option<PathBuf> {
    let generated = example.parent()?.join("_gen").join(example.file_name()?);
    if !generated.is_file() {
        return None;
    }
    let mut groups = Vec::new();
    for doc in documents(&generated) {
        let found = if doc["spec"]["groups"].is_sequence() {
            &doc["spec"]["groups"]
        } else {
            &doc["groups"]
        };
        groups.extend(found.as_sequence().into_iter().flatten().cloned());
    }
    let mut file = serde_yaml_ng::Mapping::new();
    file.insert("groups".into(), serde_yaml_ng::Value::Sequence(groups));
    let path = work.join("sloth-rules.yml");
    // Ours carry Sloth's labels too (`--compat sloth`), so Sloth's
    // selectors would match them as well: they run here beside ours only
    // by also asking for series without our `service` label.
    let text = serde_yaml_ng::to_string(&file)
        .expect("YAML")
        .replace("{sloth_id=\"", "{service=\"\", sloth_id=\"");
    fs::write(&path, text).expect("write");
    Some(path)
}

/// Every SLO of a Sloth spec: `(service, slo, whether it alerts)`.
fn sloth_slos(docs: &[serde_yaml_ng::Value]) -> Vec<(String, String, bool)> {
    let mut slos = Vec::new();
    for d in docs {
        let spec = if d["spec"].is_null() { d } else { &d["spec"] };
        if let Some(list) = spec["slos"].as_sequence() {
            let service = spec["service"].as_str().expect("service").to_string();
            for s in list {
                let alerting = &s["alerting"];
                let disabled = |key: &str| alerting[key]["disable"].as_bool() == Some(true);
                let alerts = !(disabled("page_alert") && disabled("ticket_alert"));
                slos.push((
                    service.clone(),
                    s["name"].as_str().expect("name").to_string(),
                    alerts,
                ));
            }
        }
    }
    slos
}

/// Minutes of the outage scenario: healthy for longer than the longest
/// window Sloth alerts on (3 days), so that no window reaches back before
/// the first sample, where `rate()` extrapolates; then a partial outage
/// (31 requests in 600 fail, the satisfaction gauge falls to 0.2).
const HEALTHY: u32 = 4400;
const OUTAGE: u32 = 180;

/// Input series for the metrics the Sloth examples query. A metric that
/// is not here fails the test, naming it, rather than passing on no data.
fn series_for(metric: &str) -> Vec<(String, String)> {
    let end = HEALTHY * 600;
    match metric {
        "http_request_duration_seconds_count" => ["myservice", "myapp"]
            .iter()
            .flat_map(|job| {
                [
                    (
                        format!("{metric}{{job=\"{job}\", code=\"200\"}}"),
                        format!("0+600x{HEALTHY} {end}+569x{OUTAGE}"),
                    ),
                    (
                        format!("{metric}{{job=\"{job}\", code=\"500\"}}"),
                        format!("0+0x{HEALTHY} 0+31x{OUTAGE}"),
                    ),
                ]
            })
            .collect(),
        "unifipoller_client_satisfaction_ratio" => vec![(
            format!("{metric}{{client=\"laptop\"}}"),
            format!("0.99x{HEALTHY} 0.2x{OUTAGE}"),
        )],
        other => panic!("no input series for `{other}`: add them to series_for"),
    }
}

/// The metric names the SLI queries of a Sloth spec select.
fn metrics(docs: &[serde_yaml_ng::Value]) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    let text = serde_yaml_ng::to_string(docs).expect("YAML");
    for d in docs {
        let spec = if d["spec"].is_null() { d } else { &d["spec"] };
        let queries: Vec<String> = spec["slos"]
            .as_sequence()
            .into_iter()
            .flatten()
            .flat_map(|s| {
                let sli = &s["sli"];
                [
                    &sli["events"]["error_query"],
                    &sli["events"]["errorQuery"],
                    &sli["events"]["total_query"],
                    &sli["events"]["totalQuery"],
                    &sli["raw"]["error_ratio_query"],
                    &sli["raw"]["errorRatioQuery"],
                ]
                .into_iter()
                .filter_map(|q| q.as_str().map(str::to_string))
                .collect::<Vec<_>>()
            })
            .collect();
        for q in queries {
            let q = q
                .replace("{{.window}}", "5m")
                .replace("{{ .window }}", "5m");
            let expr = promql_parser::parser::parse(&q).expect("PromQL");
            collect_names(&expr, &mut names);
        }
    }
    assert!(!text.is_empty());
    names.into_iter().collect()
}

fn collect_names(
    expr: &promql_parser::parser::Expr,
    names: &mut std::collections::BTreeSet<String>,
) {
    use promql_parser::parser::Expr;
    match expr {
        Expr::VectorSelector(v) => {
            names.extend(v.name.clone());
        }
        Expr::MatrixSelector(m) => {
            names.extend(m.vs.name.clone());
        }
        Expr::Aggregate(a) => collect_names(&a.expr, names),
        Expr::Unary(u) => collect_names(&u.expr, names),
        Expr::Binary(b) => {
            collect_names(&b.lhs, names);
            collect_names(&b.rhs, names);
        }
        Expr::Paren(p) => collect_names(&p.expr, names),
        Expr::Subquery(s) => collect_names(&s.expr, names),
        Expr::Call(c) => c.args.args.iter().for_each(|a| collect_names(a, names)),
        _ => {}
    }
}

/// On identical data, Sloth's rules for an example and ours for its import
/// give the same 5-minute and 1-hour error ratios every minute, fire the
/// same alerts (name and severity) in the same minutes of an outage, and
/// record the same objective and period.
#[test]
fn sloth_imports_behave_as_sloths_own_rules() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let Some(files) = examples("sloth") else {
        return;
    };
    // Each example is a long promtool run of its own; run them side by side.
    let compared = std::thread::scope(|scope| {
        let runs: Vec<_> = files
            .iter()
            .map(|file| scope.spawn(|| compare_with_sloth(&promtool, file)))
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .filter(|&compared| compared)
            .count()
    });
    assert!(
        compared > 0,
        "no Sloth example was compared with Sloth's rules"
    );
}

/// Compares Sloth's own rules for one example with ours for its import;
/// false when the example has no rules of Sloth's to compare with.
fn compare_with_sloth(promtool: &Path, file: &Path) -> bool {
    let docs = documents(file);
    let Ok(work) = import_and_compile("sloth", file) else {
        panic!("{} does not import", file.display());
    };
    let Some(theirs) = sloth_rules(file, work.path()) else {
        return false;
    };
    // With Sloth's labels and windows too, as during a migration: the
    // comparison covers every window Sloth records and its own labels.
    let compat = slo(
        &["compile", "specs", "-o", "out", "--compat", "sloth"],
        work.path(),
    );
    assert!(compat.status.success(), "{}", stderr(&compat));
    let slos = if docs.iter().any(|d| d["apiVersion"] == "openslo/v1alpha") {
        // Sloth names an OpenSLO SLO's series after its objective.
        return false;
    } else {
        sloth_slos(&docs)
    };
    let mut input = String::new();
    for metric in metrics(&docs) {
        for (series, values) in series_for(&metric) {
            input.push_str(&format!("  - series: '{series}'\n    values: '{values}'\n"));
        }
    }
    let mut tests = format!("- interval: 1m\n  input_series:\n{input}  promql_expr_test:\n");
    let empty = |expr: &str, minute: u32| {
        format!("  - expr: '{expr}'\n    eval_time: {minute}m\n    exp_samples: []\n")
    };
    let one = |expr: &str, minute: u32| {
        format!(
            "  - expr: '{expr}'\n    eval_time: {minute}m\n    exp_samples:\n    - labels: '{{}}'\n      value: 1\n"
        )
    };
    for (service, name, alerts) in &slos {
        let ours = format!("service=\"{service}\", slo=\"{name}\"");
        // Ours carry Sloth's labels too; only Sloth's lack `service`.
        let sloth = format!("sloth_service=\"{service}\", sloth_slo=\"{name}\", service=\"\"");
        let ours_alerts = format!(
            "count by (alertname, severity, sloth_severity) (ALERTS{{alertstate=\"firing\", alertname!=\"SLIDataMissing\", {ours}}})"
        );
        let sloth_alerts = format!(
            "count by (alertname, severity, sloth_severity) (ALERTS{{alertstate=\"firing\", severity!=\"\", {sloth}}} or label_replace(ALERTS{{alertstate=\"firing\", severity=\"\", {sloth}}}, \"severity\", \"$1\", \"sloth_severity\", \"(.+)\"))"
        );
        // Every minute from a little before the outage to its end.
        for minute in HEALTHY - 10..HEALTHY + OUTAGE {
            // Every window Sloth records: the 5-minute and 1-hour ratios
            // every minute, the others every ten. Up to an hour they are
            // the same rates; longer, ours add up recorded 5-minute rates
            // where Sloth's extrapolate one rate over the window, and
            // agree within 5% at the outage's edge.
            let windows: &[&str] = if minute % 10 == 0 {
                &["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
            } else {
                &["5m", "1h"]
            };
            for window in windows {
                let o = format!("slo:sli_error:ratio_rate{window}{{{ours}}}");
                let t = format!("slo:sli_error:ratio_rate{window}{{{sloth}}}");
                let apart = if ["5m", "30m", "1h"].contains(window) {
                    format!("abs({o} - on () {t}) > 1e-9")
                } else {
                    format!("abs({o} / on () {t} - 1) > 0.05")
                };
                tests.push_str(&empty(
                    &format!("({apart}) or ({o} unless on () {t}) or ({t} unless on () {o})"),
                    minute,
                ));
            }
            tests.push_str(&empty(
                &format!("({ours_alerts} unless on (alertname, severity, sloth_severity) {sloth_alerts}) or ({sloth_alerts} unless on (alertname, severity, sloth_severity) {ours_alerts})"),
                minute,
            ));
        }
        let end = HEALTHY + OUTAGE - 1;
        // Not vacuous: there are ratios, and when Sloth alerts at all, alerts fire.
        tests.push_str(&one(
            &format!("count(slo:sli_error:ratio_rate5m{{{ours}}}) > bool 0"),
            end,
        ));
        if *alerts {
            tests.push_str(&one(&format!("count({ours_alerts}) > bool 0"), end));
        }
        // Sloth's info series, with the same objective.
        tests.push_str(&one(
            &format!("count(sloth_slo_info{{{ours}}}) > bool 0"),
            end,
        ));
        tests.push_str(&empty(
            &format!("sloth_slo_info{{{sloth}}} unless on (sloth_id, sloth_service, sloth_slo, sloth_objective) sloth_slo_info{{{ours}}}"),
            end,
        ));
        for series in ["slo:objective:ratio", "slo:time_period:days"] {
            tests.push_str(&empty(
                &format!("(abs({series}{{{ours}}} - on () {series}{{{sloth}}}) > 1e-9) or ({series}{{{sloth}}} unless on () {series}{{{ours}}})"),
                end,
            ));
        }
    }
    promtool_test_with(promtool, work.path(), &[theirs], &tests);
    true
}

/// OpenSLO's `counter` says how to read a ratio's series: counters by their
/// rate, gauges (`counter: false`) by their average over the window, and
/// a fixed range over the window. The same 1% of failures comes out.
#[test]
fn openslo_counter_says_how_series_are_read() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    const SLO: &str = r#"apiVersion: openslo/v1
kind: SLO
metadata:
  name: api
spec:
  service: api
  indicator:
    metadata:
      name: api
    spec:
      ratioMetric:
        counter: COUNTER
        good:
          metricSource:
            type: Prometheus
            spec:
              query: GOOD
        total:
          metricSource:
            type: Prometheus
            spec:
              query: TOTAL
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
"#;
    // A query with a fixed range, as OpenSLO tools that sample a rate take
    // it, is read over the window.
    let ranged = "sum(rate(METRIC{job=\"api\"}[1m]))";
    for (counter, query, good, total) in [
        ("true", "METRIC{job=\"api\"}", "0+99x120", "0+100x120"),
        ("true", ranged, "0+99x120", "0+100x120"),
        ("false", "METRIC{job=\"api\"}", "99x120", "100x120"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("slo.yaml");
        let spec = SLO
            .replace("COUNTER", counter)
            .replace("GOOD", &query.replace("METRIC", "requests_ok"))
            .replace("TOTAL", &query.replace("METRIC", "requests"));
        fs::write(&file, spec).expect("write");
        let work = import_and_compile("openslo", &file)
            .unwrap_or_else(|e| panic!("counter: {counter} does not import: {e}"));
        let ratio = r#"slo:sli_error:ratio_rate5m{slo="api"}"#;
        promtool_test(
            &promtool,
            work.path(),
            &format!(
                "- interval: 1m
  input_series:
  - series: 'requests_ok{{job=\"api\"}}'
    values: '{good}'
  - series: 'requests{{job=\"api\"}}'
    values: '{total}'
  promql_expr_test:
  - expr: 'abs({ratio} - 0.01) < bool 1e-9'
    eval_time: 60m
    exp_samples:
    - labels: '{{service=\"api\", slo=\"api\"}}'
      value: 1
"
            ),
        );
    }
}
