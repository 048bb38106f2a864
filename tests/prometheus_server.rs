//! A real Prometheus server evaluates the rules generated from every
//! example in `specs/`, on data, and reports every rule healthy.
//!
//! The test starts `prometheus` (Debian package) on 127.0.0.1 with a free
//! port and a temporary data directory. It also serves, on another loopback
//! port, a metrics page with series for every selector the rules use (one
//! series matching all of a selector's matchers, and one failing each regex
//! or negative matcher, so error ratios are neither 0 nor 1), which the
//! server scrapes every second. Rules are evaluated every second, so
//! evaluation errors that only data can cause (duplicate label sets,
//! many-to-many matches) show as `health: "err"` in `/api/v1/rules`.
//!
//! Groups with their own, longer `interval` (the period-long rules, every
//! 2m) are first evaluated at an offset Prometheus derives from the group
//! name, up to one interval after start. Waiting for that would take
//! minutes, so when such a group has not run yet, each of its expressions
//! is evaluated through `/api/v1/query` on the same server and data, and the
//! result must be free of errors and of series the rule's labels would make
//! identical. Only loopback traffic; the server is killed whatever happens.

mod support;

use support::http::{http, Listener};
use support::{encode, free_port, Process};

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use promql_parser::label::MatchOp;
use promql_parser::parser::{self, Expr};
use promql_parser::util::{walk_expr, ExprVisitor};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A metrics page on loopback whose counters grow by one at every scrape.
fn feed(series: Vec<String>) -> Listener {
    let scrapes = AtomicU64::new(0);
    Listener::start(move |_| {
        let n = scrapes.fetch_add(1, Ordering::Relaxed) + 1;
        let body: String = series.iter().map(|s| format!("{s} {n}\n")).collect();
        Some(http("200 OK", "text/plain; version=0.0.4", &body))
    })
}

/// GET over a plain TCP connection to the loopback server; the JSON body.
fn get(port: u16, path_and_query: &str) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP body")?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "{}: {body}",
            head.lines().next().unwrap_or_default()
        ));
    }
    serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))
}

/// Every vector selector in an expression.
struct Selectors(Vec<promql_parser::parser::VectorSelector>);

impl ExprVisitor for Selectors {
    type Error = ();
    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
        match expr {
            Expr::VectorSelector(vs) => self.0.push(vs.clone()),
            Expr::MatrixSelector(ms) => self.0.push(ms.vs.clone()),
            _ => {}
        }
        Ok(true)
    }
}

/// Label values tried for regex and negative matchers.
const CANDIDATES: &[&str] = &[
    "500",
    "503",
    "200",
    "0.3",
    "0.5",
    "1",
    "1.0",
    "OK",
    "Unavailable",
    "x",
];

/// Exposition lines (without values) for every selector over raw metrics
/// (recorded `slo:` series are left to the rules): one series matching all
/// matchers, and for each matcher that can fail, one series failing just it.
fn feed_series(exprs: &[String]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for expr in exprs {
        let parsed = parser::parse(expr).unwrap_or_else(|e| panic!("{e}: {expr}"));
        let mut selectors = Selectors(Vec::new());
        let _ = walk_expr(&mut selectors, &parsed);
        for vs in selectors.0 {
            let Some(name) = vs.name.as_deref().filter(|n| !n.starts_with("slo:")) else {
                continue;
            };
            let matchers = &vs.matchers.matchers;
            let pick = |m: &promql_parser::label::Matcher, want: bool| match &m.op {
                MatchOp::Equal if want => Some(m.value.clone()),
                MatchOp::Equal => None,
                _ => CANDIDATES
                    .iter()
                    .find(|c| m.is_match(c) == want)
                    .map(|c| c.to_string()),
            };
            let line = |labels: &BTreeMap<&str, String>| {
                let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                format!("{name}{{{}}}", inner.join(","))
            };
            let matching: Option<BTreeMap<&str, String>> = matchers
                .iter()
                .filter(|m| m.name != "__name__")
                .map(|m| pick(m, true).map(|v| (m.name.as_str(), v)))
                .collect();
            let Some(matching) = matching else { continue };
            out.insert(line(&matching));
            for m in matchers.iter().filter(|m| m.name != "__name__") {
                if let Some(v) = pick(m, false) {
                    let mut failing = matching.clone();
                    failing.insert(m.name.as_str(), v);
                    out.insert(line(&failing));
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Rule files generated from `specs/`, and every expression in them.
fn generated_rules(dir: &Path) -> (Vec<PathBuf>, Vec<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(["compile", "specs", "-o"])
        .arg(dir)
        .current_dir(root())
        .output()
        .expect("run slo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join("prometheus"))
        .expect("rules")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut exprs = Vec::new();
    for f in &files {
        let yaml: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&fs::read_to_string(f).expect("read")).expect("yaml");
        for group in yaml["groups"].as_sequence().expect("groups") {
            for rule in group["rules"].as_sequence().expect("rules") {
                exprs.push(rule["expr"].as_str().expect("expr").to_string());
            }
        }
    }
    (files, exprs)
}

#[test]
fn prometheus_evaluates_every_generated_rule_without_errors() {
    let Some(prometheus) = support::tool("prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (rule_files, exprs) = generated_rules(&dir.path().join("out"));
    let feed = feed(feed_series(&exprs));

    let port = free_port();
    let config = dir.path().join("prometheus.yml");
    let files: Vec<String> = rule_files
        .iter()
        .map(|f| format!("  - {:?}", f.display().to_string()))
        .collect();
    fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n{}\nscrape_configs:\n  - job_name: feed\n    honor_labels: true\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
            files.join("\n"),
            feed.port
        ),
    )
    .expect("config");
    let log = dir.path().join("prometheus.log");
    let server = Process {
        child: Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start prometheus"),
        log,
    };

    // Ready, and every group with the global interval evaluated twice after
    // the first scrapes, so that its rules have seen data.
    let deadline = Instant::now() + Duration::from_secs(25);
    let mut first_seen: BTreeMap<String, String> = BTreeMap::new();
    let groups = loop {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for rule evaluations\n{}",
            server.log()
        );
        thread::sleep(Duration::from_millis(250));
        let Ok(rules) = get(port, "/api/v1/rules") else {
            continue;
        };
        let groups = rules["data"]["groups"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if groups.is_empty() {
            continue;
        }
        let scraped = has_scraped(port);
        let mut all_twice = true;
        for g in &groups {
            let name = g["name"].as_str().unwrap_or_default().to_string();
            if g["interval"].as_f64().unwrap_or(1.0) > 1.0 {
                continue;
            }
            let last = g["lastEvaluation"].as_str().unwrap_or_default().to_string();
            let evaluated = !last.starts_with("0001-");
            match first_seen.get(&name) {
                None if evaluated && scraped => {
                    first_seen.insert(name, last);
                    all_twice = false;
                }
                Some(first) if *first != last => {}
                _ => all_twice = false,
            }
        }
        if all_twice {
            break groups;
        }
    };

    let mut problems = Vec::new();
    let mut rules_seen = 0;
    for g in &groups {
        let group = g["name"].as_str().unwrap_or_default();
        for rule in g["rules"].as_array().expect("rules") {
            rules_seen += 1;
            let name = rule["name"].as_str().unwrap_or_default();
            match rule["health"].as_str() {
                Some("ok") => {}
                Some("unknown") if g["interval"].as_f64().is_some_and(|i| i > 1.0) => {
                    // Not run yet: evaluate the expression on the same data.
                    let expr = rule["query"].as_str().expect("query");
                    let labels: BTreeMap<String, String> =
                        serde_json::from_value(rule["labels"].clone()).unwrap_or_default();
                    if let Err(e) = query_like_rule(port, expr, &labels) {
                        problems.push(format!("{group} / {name}: {e}"));
                    }
                }
                other => problems.push(format!(
                    "{group} / {name}: health {other:?}, error {:?}",
                    rule["lastError"].as_str()
                )),
            }
        }
    }
    assert_eq!(
        rules_seen,
        exprs.len(),
        "the server loaded every generated rule"
    );
    assert!(
        problems.is_empty(),
        "rules with errors:\n{}\n{}",
        problems.join("\n"),
        server.log()
    );
    drop(server);
}

/// Whether the server has scraped the feed at least twice (so rates exist).
fn has_scraped(port: u16) -> bool {
    get(
        port,
        &format!("/api/v1/query?query={}", encode("count_over_time(up[1m])")),
    )
    .ok()
    .and_then(|v| {
        v["data"]["result"][0]["value"][1]
            .as_str()
            .map(str::to_string)
    })
    .and_then(|n| n.parse::<f64>().ok())
    .is_some_and(|n| n >= 2.0)
}

/// Evaluates `expr` as an instant query and checks what Prometheus checks
/// when it records it: no error, and no two series that the rule's labels
/// would make identical.
fn query_like_rule(port: u16, expr: &str, labels: &BTreeMap<String, String>) -> Result<(), String> {
    let result = get(port, &format!("/api/v1/query?query={}", encode(expr)))?;
    if result["status"] != "success" {
        return Err(format!("query failed: {result}"));
    }
    let mut seen = BTreeSet::new();
    for series in result["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let mut metric: BTreeMap<String, String> =
            serde_json::from_value(series["metric"].clone()).unwrap_or_default();
        metric.remove("__name__");
        metric.extend(labels.clone());
        if !seen.insert(metric.clone()) {
            return Err(format!(
                "two series with the labels {metric:?} after the rule's labels"
            ));
        }
    }
    Ok(())
}
