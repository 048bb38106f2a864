//! The generated rules on the second real engine: `victoria-metrics` and
//! `vmalert` (Debian package `victoria-metrics`), on loopback.
//!
//! Eight hours of traffic are pushed through VictoriaMetrics' import API,
//! with an outage on one route in the last 41 minutes. `vmalert` replays
//! the rules over those hours (so the base rates have a history, as a
//! backfill would give them), then runs them live. The same data goes
//! through `promtool test rules`, Prometheus' own rule engine. Both must
//! page with the same labels (vmalert adds `alertgroup`, its group's name),
//! and record error ratios, burn rates and
//! remaining budgets within 1% of the true errors / total, so within 2% of
//! each other.
//!
//! Without the tools these tests fail in CI (`CI` set) and are skipped with
//! a loud warning elsewhere.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{fs, thread};
use support::{free_port, Process};

const SPEC: &str = r#"
policy fast {
  page   14.4x over 1h/5m
  ticket 3x    over 6h/30m
}

defaults {
  window   = 1d
  alerting = fast
}

service shop {
  team = "web"
  labels { tier = "1" }

  sli requests = ratio {
    bad   = `http_requests_total{code="500"}`
    total = `http_requests_total`
  }

  sli slow = latency {
    histogram = `http_request_duration_seconds`
    threshold = 300ms
  }

  slo availability { sli = requests  target = 99%  by = [route] }
  slo latency      { sli = slow      target = 99% }
}
"#;

/// Eight hours of samples, one a minute; minute 0 is the first.
const MINUTES: usize = 8 * 60;

/// The outage on `/a`: from this minute to the end, 30% of its requests
/// fail.
const OUTAGE: usize = MINUTES - 40;

/// Every counter of the data, as values per minute from zero.
fn counters() -> Vec<(String, Vec<u64>)> {
    counters_until(MINUTES)
}

/// Every counter, as values per minute from zero to `last`: past
/// [`MINUTES`], the outage goes on.
fn counters_until(last: usize) -> Vec<(String, Vec<u64>)> {
    let per_minute = |f: &dyn Fn(usize) -> u64| -> Vec<u64> {
        let mut total = 0;
        (0..=last)
            .map(|m| {
                if m > 0 {
                    total += f(m);
                }
                total
            })
            .collect()
    };
    let a_bad = |m: usize| if m >= OUTAGE { 180 } else { 6 };
    vec![
        (
            r#"http_requests_total{route="/a", code="200"}"#.into(),
            per_minute(&|m| 600 - a_bad(m)),
        ),
        (
            r#"http_requests_total{route="/a", code="500"}"#.into(),
            per_minute(&a_bad),
        ),
        (
            r#"http_requests_total{route="/b", code="200"}"#.into(),
            per_minute(&|_| 199),
        ),
        (
            r#"http_requests_total{route="/b", code="500"}"#.into(),
            per_minute(&|_| 1),
        ),
        (
            r#"http_request_duration_seconds_bucket{le="0.3"}"#.into(),
            per_minute(&|_| 298),
        ),
        (
            r#"http_request_duration_seconds_bucket{le="+Inf"}"#.into(),
            per_minute(&|_| 300),
        ),
        (
            "http_request_duration_seconds_count".into(),
            per_minute(&|_| 300),
        ),
    ]
}

/// The events of the counters whose names contain all of `parts`, over the
/// last `minutes` of the data.
fn events(parts: &[&str], minutes: usize) -> f64 {
    counters()
        .iter()
        .filter(|(name, _)| parts.iter().all(|p| name.contains(p)))
        .map(|(_, values)| (values[MINUTES] - values[MINUTES - minutes]) as f64)
        .sum()
}

/// What the rules must record at the end of the data: series (with its
/// labels as a selector) and true value.
fn expected() -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (window, minutes) in [("6h", 360), ("1d", MINUTES)] {
        let ratios = [
            (
                r#"route="/a", service="shop", slo="availability", tier="1""#,
                events(&["/a", "500"], minutes) / events(&["requests", "/a"], minutes),
            ),
            (
                r#"route="/b", service="shop", slo="availability", tier="1""#,
                events(&["/b", "500"], minutes) / events(&["requests", "/b"], minutes),
            ),
            (
                r#"service="shop", slo="latency", tier="1""#,
                1.0 - events(&["0.3"], minutes) / events(&["_count"], minutes),
            ),
        ];
        for (labels, ratio) in ratios {
            out.push((
                format!("slo:sli_error:ratio_rate{window}{{{labels}}}"),
                ratio,
            ));
            if window == "1d" {
                out.push((
                    format!("slo:period_burn_rate:ratio{{{labels}}}"),
                    ratio / 0.01,
                ));
            }
        }
    }
    out
}

/// The alerts that fire at the end of the data: the page and the ticket of
/// `/a`, with every label but `alertstate`.
fn firing() -> Vec<BTreeMap<String, String>> {
    [("page", "1h", "5m"), ("ticket", "6h", "30m")]
        .iter()
        .map(|(severity, long, short)| {
            [
                ("alertname", "ErrorBudgetBurn"),
                ("long_window", long),
                ("route", "/a"),
                ("service", "shop"),
                ("severity", severity),
                ("short_window", short),
                ("slo", "availability"),
                ("team", "web"),
                ("tier", "1"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        })
        .collect()
}

/// Prometheus' side: `promtool test rules` over the same data.
#[test]
fn prometheus_records_and_pages_as_expected() {
    let mut tests = String::from("- interval: 1m\n  input_series:\n");
    for (name, values) in counters() {
        let values: Vec<String> = values.iter().map(u64::to_string).collect();
        let _ = writeln!(
            tests,
            "  - series: '{name}'\n    values: '{}'",
            values.join(" ")
        );
    }
    tests.push_str("  promql_expr_test:\n");
    for (series, truth) in expected() {
        let labels = series.split_once('{').map_or("", |(_, l)| l);
        let _ = write!(
            tests,
            "  - expr: 'abs({series} - {truth}) <= bool {}'\n    eval_time: {MINUTES}m\n    exp_samples:\n    - labels: '{{{labels}'\n      value: 1\n",
            0.01 * truth.abs()
        );
    }
    let _ = write!(
        tests,
        "  - expr: 'ALERTS{{alertstate=\"firing\"}}'\n    eval_time: {MINUTES}m\n    exp_samples:\n"
    );
    for alert in firing() {
        let labels: Vec<String> = alert
            .iter()
            .chain([(&"alertstate".to_string(), &"firing".to_string())])
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        let _ = write!(
            tests,
            "    - labels: 'ALERTS{{{}}}'\n      value: 1\n",
            labels.join(", ")
        );
    }
    support::run_scenario(SPEC, &tests);
}

/// Pushes the values of `counters` from minute `from` on, minute 0 at
/// `first` (seconds), through VictoriaMetrics' import API, and makes them
/// searchable at once.
fn import(url: &str, first: u64, counters: &[(String, Vec<u64>)], from: usize) {
    let mut body = String::new();
    for (name, values) in counters {
        let name = name.replace(", ", ",");
        for (m, v) in values.iter().enumerate().skip(from) {
            let _ = writeln!(body, "{name} {v} {}", (first + m as u64 * 60) * 1000);
        }
    }
    ureq::post(&format!("{url}/api/v1/import/prometheus"))
        .send(body.as_str())
        .expect("import");
    ureq::get(&format!("{url}/internal/force_flush"))
        .call()
        .expect("flush");
}

fn start(binary: &Path, args: &[String], log: &Path) -> Process {
    let child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(fs::File::create(log).expect("log"))
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
    Process {
        child,
        log: log.to_path_buf(),
    }
}

fn wait_for(what: &str, within: Duration, process: &Process, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < within,
            "{what} within {within:?}:\n{}",
            process.log()
        );
        thread::sleep(Duration::from_millis(250));
    }
}

/// vmalert names the group of every alert it writes in an `alertgroup`
/// label, the one label Prometheus does not add.
fn without_alertgroup(mut labels: BTreeMap<String, String>) -> BTreeMap<String, String> {
    assert_eq!(
        labels.remove("alertgroup").as_deref(),
        Some("slo:shop:availability:alerts"),
        "{labels:?}"
    );
    labels
}

fn rfc3339(seconds: u64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{seconds}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// VictoriaMetrics' side: the same data imported, the rules replayed over
/// it and then run live by `vmalert`.
#[test]
fn victoria_metrics_records_and_pages_as_prometheus_does() {
    let (Some(victoria), Some(vmalert)) =
        (support::tool("victoria-metrics"), support::tool("vmalert"))
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.yml");
    let files = support::rule_files(SPEC);
    assert_eq!(files.len(), 1, "one service, one rule file");
    fs::write(&rules, &files[0].1).expect("write rules");

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let vm = start(
        &victoria,
        &[
            format!("-httpListenAddr=127.0.0.1:{port}"),
            format!("-storageDataPath={}", dir.path().join("data").display()),
            "-retentionPeriod=10y".into(),
            // Samples are searchable at once, and no query is answered
            // from a cache filled before the replay wrote its samples.
            "-search.latencyOffset=0s".into(),
            "-search.disableCache".into(),
        ],
        &dir.path().join("victoria-metrics.log"),
    );
    wait_for(
        "victoria-metrics is up",
        Duration::from_secs(30),
        &vm,
        || ureq::get(&format!("{url}/health")).call().is_ok(),
    );

    // The data ends at the last whole minute.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        / 60
        * 60;
    let first = now - MINUTES as u64 * 60;
    import(&url, first, &counters(), 0);
    wait_for(
        "the import is searchable",
        Duration::from_secs(30),
        &vm,
        || support::instant_query(&url, "count_over_time(http_requests_total[1d])", now).len() == 4,
    );

    // The replay: each group's range queries a step of its own interval
    // apart (`0`; the default step is five minutes), and time for each
    // rule's samples to be written and searchable before the next rule,
    // which may read them.
    let common = [
        format!("-rule={}", rules.display()),
        format!("-datasource.url={url}"),
        format!("-remoteWrite.url={url}"),
        "-remoteWrite.flushInterval=500ms".to_string(),
        "-datasource.queryStep=0".to_string(),
        // Alerts are read from vmalert's API; nothing listens here.
        format!("-notifier.url=http://127.0.0.1:{}", free_port()),
    ];
    let replay = Command::new(&vmalert)
        .args(&common)
        .args([
            format!("-replay.timeFrom={}", rfc3339(first)),
            format!("-replay.timeTo={}", rfc3339(now)),
            "-replay.rulesDelay=3s".to_string(),
            "-replay.disableProgressBar".to_string(),
        ])
        .output()
        .expect("run vmalert -replay");
    assert!(
        replay.status.success(),
        "vmalert replay failed:\n{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    ureq::get(&format!("{url}/internal/force_flush"))
        .call()
        .expect("flush");

    for (series, truth) in expected() {
        let found = support::instant_query(&url, &series, now);
        let [(_, value)] = found.as_slice() else {
            panic!("{series}: {found:?}\n{}", vm.log());
        };
        assert!(
            (value - truth).abs() <= 0.01 * truth.abs(),
            "{series} is {value} on VictoriaMetrics, the truth {truth}"
        );
    }
    let mut replayed: Vec<BTreeMap<String, String>> =
        support::instant_query(&url, "ALERTS{alertstate=\"firing\"}", now)
            .into_iter()
            .map(|(mut labels, _)| {
                assert_eq!(labels.remove("alertstate").as_deref(), Some("firing"));
                without_alertgroup(labels)
            })
            .collect();
    replayed.sort();
    assert_eq!(replayed, firing(), "alerts firing at the end of the replay");

    // Live: the data goes on, outage and all, to ten minutes from now, so
    // that however late vmalert's groups start, their windows hold it; the
    // first evaluation of the alerts then pages (the page has no `for`).
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .saturating_sub(now);
    let last = MINUTES + since as usize / 60 + 10;
    import(&url, first, &counters_until(last), MINUTES + 1);
    let http = free_port();
    let live = start(
        &vmalert,
        &[
            common.as_slice(),
            &[format!("-httpListenAddr=127.0.0.1:{http}")],
        ]
        .concat(),
        &dir.path().join("vmalert.log"),
    );
    let mut alerts = Vec::new();
    // Each group starts at its own moment within its interval.
    wait_for("vmalert fires", Duration::from_secs(180), &live, || {
        let Ok(mut response) = ureq::get(&format!("http://127.0.0.1:{http}/api/v1/alerts")).call()
        else {
            return false;
        };
        let doc: Value = response
            .body_mut()
            .read_to_string()
            .ok()
            .and_then(|body| serde_json::from_str(&body).ok())
            .unwrap_or(Value::Null);
        alerts = doc["data"]["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["state"] == "firing")
            .map(|a| {
                a["labels"]
                    .as_object()
                    .expect("labels")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect::<BTreeMap<String, String>>()
            })
            .map(without_alertgroup)
            .collect();
        alerts.len() >= 2
    });
    alerts.sort();
    assert_eq!(alerts, firing(), "alerts vmalert fires live");
}
