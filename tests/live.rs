//! `slo check --prometheus` against real servers: a `prometheus` and a
//! `victoria-metrics` (Debian packages) on loopback, each scraping every
//! second a metrics page this test serves from `tests/live/metrics.prom`
//! (counters grow at every scrape; `legacy_requests_total` is served for
//! the first scrapes only, then disappears, as after a rename).
//!
//! Against each server: every `SLO5xx` example of `docs/diagnostics.md`
//! yields exactly its code, `tests/live/mistakes.slo` yields each warning
//! at its line, and `tests/live/healthy.slo` yields nothing. Against
//! Prometheus, the human rendering of the mistakes is the golden file
//! `golden/live/mistakes.stderr` (`SLO_BLESS=1` rewrites it), with
//! the time a metric was last seen replaced by a placeholder.
//!
//! Without a server: an unreachable URL, a server that never answers, one
//! that answers an HTTP error or garbage, each exit 2 naming the URL; the
//! credentials and headers the flags give reach the server.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use support::http::{http, Listener, Request};
use support::{encode, free_port, root, Process};

/// Scrapes after which `legacy_requests_total` is no longer served.
const LEGACY_SCRAPES: u64 = 3;

/// The longest a server may take to hold the data.
const READY_WITHIN: Duration = Duration::from_secs(90);

/// The metrics page: `tests/live/metrics.prom`, counter and histogram
/// values multiplied by the scrape number, and the legacy metric gone
/// after [`LEGACY_SCRAPES`].
fn feed() -> Listener {
    let page = fs::read_to_string(root().join("tests/live/metrics.prom")).expect("metrics.prom");
    let scrapes = AtomicU64::new(0);
    Listener::start(move |_| {
        let n = scrapes.fetch_add(1, Ordering::Relaxed) + 1;
        let mut counters = BTreeSet::new();
        let mut body = String::new();
        for line in page.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let mut words = rest.split_whitespace();
                if let (Some(name), Some("counter" | "histogram")) = (words.next(), words.next()) {
                    counters.insert(name.to_string());
                }
            }
            if line.starts_with("legacy_requests_total") && n > LEGACY_SCRAPES {
                continue;
            }
            let grows =
                !line.starts_with('#') && counters.iter().any(|c| line.starts_with(c.as_str()));
            match line.rsplit_once(' ') {
                Some((series, value)) if grows => {
                    let v: u64 = value.parse().unwrap_or(1);
                    body.push_str(&format!("{series} {}\n", v * n));
                }
                _ => {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
        Some(http("200 OK", "text/plain; version=0.0.4", &body))
    })
}

/// The scrape configuration both servers read: every second, the page's
/// own `job` labels kept, and no `instance` label (its port changes from
/// run to run, and messages show series).
fn scrape_config(dir: &Path, feed: u16) -> PathBuf {
    let path = dir.join("scrape.yml");
    fs::write(
        &path,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: feed\n    honor_labels: true\n    static_configs:\n      - targets: ['127.0.0.1:{feed}']\n    metric_relabel_configs:\n      - action: labeldrop\n        regex: instance\n"
        ),
    )
    .expect("write scrape config");
    path
}

fn start_prometheus(binary: &Path, dir: &Path, feed: u16) -> (Process, String) {
    let port = free_port();
    let log = dir.join("prometheus.log");
    let child = Command::new(binary)
        .arg(format!(
            "--config.file={}",
            scrape_config(dir, feed).display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg("--storage.tsdb.retention.time=45d")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start prometheus");
    (Process { child, log }, format!("http://127.0.0.1:{port}"))
}

fn start_victoria(binary: &Path, dir: &Path, feed: u16) -> (Process, String) {
    let port = free_port();
    let log = dir.join("victoria-metrics.log");
    let child = Command::new(binary)
        .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
        .arg(format!("-storageDataPath={}", dir.join("vmdata").display()))
        .arg("-retentionPeriod=45d")
        .arg(format!(
            "-promscrape.config={}",
            scrape_config(dir, feed).display()
        ))
        // Samples are searchable at once, not 30 s later.
        .arg("-search.latencyOffset=0s")
        .stdout(Stdio::null())
        .stderr(fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start victoria-metrics");
    (Process { child, log }, format!("http://127.0.0.1:{port}"))
}

/// An instant query through a plain connection: the result's length.
fn count(url: &str, query: &str) -> Option<usize> {
    let port = url.rsplit(':').next()?.parse::<u16>().ok()?;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = format!("query={}", encode(query));
    write!(
        stream,
        "POST /api/v1/query HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (_, json) = response.split_once("\r\n\r\n")?;
    let v: Value = serde_json::from_str(json).ok()?;
    v["data"]["result"].as_array().map(Vec::len)
}

/// Waits until the server holds every series of the page and the legacy
/// metric is gone (having been there).
fn wait_ready(server: &Process, url: &str) {
    let start = Instant::now();
    loop {
        let all = count(url, "http_requests_total") == Some(7)
            && count(url, "sessions_total") == Some(200)
            && count(url, "probe_success") == Some(1);
        let legacy_seen =
            count(url, "count_over_time(legacy_requests_total[10m])").is_some_and(|n| n > 0);
        let legacy_gone = count(url, "legacy_requests_total") == Some(0);
        if all && legacy_seen && legacy_gone {
            return;
        }
        assert!(
            start.elapsed() < READY_WITHIN,
            "{url} did not hold the data within {READY_WITHIN:?}:\n{}",
            server.log()
        );
        thread::sleep(Duration::from_millis(250));
    }
}

/// `slo check --prometheus URL --format json` on files under `tests/live/`
/// or on a text: each warning's code and line.
fn findings(url: &str, file: &Path) -> Vec<(String, usize)> {
    let out = support::slo_within(
        &[
            "check",
            "--format",
            "json",
            "--prometheus",
            url,
            file.to_str().expect("utf-8 path"),
        ],
        &root(),
        60,
    );
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        support::stderr(&out)
    );
    let doc: Value = serde_json::from_str(&support::stdout(&out)).expect("json");
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            assert_eq!(d["severity"], "warning", "{d}");
            (
                d["code"].as_str().expect("code").to_string(),
                d["line"].as_u64().expect("line") as usize,
            )
        })
        .collect()
}

/// The `series` of `slo check --prometheus URL --format json`: each SLI
/// with the number of series it selects.
fn series(url: &str, file: &str) -> Vec<(String, u64)> {
    let out = support::slo_within(
        &["check", "--format", "json", "--prometheus", url, file],
        &root(),
        60,
    );
    let doc: Value = serde_json::from_str(&support::stdout(&out)).expect("json");
    doc["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|s| {
            assert_eq!(s["service"], "api", "{s}");
            (
                s["sli"].as_str().expect("sli").to_string(),
                s["series"].as_u64().expect("count"),
            )
        })
        .collect()
}

/// `(code, example)` of every `SLO5xx` section of `docs/diagnostics.md`.
fn live_examples() -> Vec<(String, String)> {
    support::diagnostic_examples()
        .into_iter()
        .filter(|(code, _)| code.starts_with("SLO5"))
        .collect()
}

/// Which server a case runs against: VictoriaMetrics keeps no metadata, so
/// it cannot tell a metric's type.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Prometheus,
    Victoria,
}

/// What `tests/live/mistakes.slo` yields: code and line.
fn expected_mistakes(kind: Kind) -> Vec<(String, usize)> {
    let mut all = vec![
        ("SLO501", 10),
        ("SLO502", 15),
        ("SLO503", 18),
        ("SLO504", 22),
        ("SLO505", 26),
        ("SLO505", 27),
        ("SLO510", 31),
        ("SLO511", 34),
        ("SLO540", 49),
        ("SLO321", 50),
        ("SLO520", 56),
        ("SLO530", 59),
        ("SLO520", 63),
    ];
    if kind == Kind::Victoria {
        all.retain(|(code, _)| *code != "SLO520");
    }
    all.into_iter().map(|(c, l)| (c.to_string(), l)).collect()
}

fn run_cases(kind: Kind, url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (code, example) in live_examples() {
        let path = dir.path().join(format!("{code}.slo"));
        fs::write(&path, &example).expect("write example");
        let codes: BTreeSet<String> = findings(url, &path).into_iter().map(|(c, _)| c).collect();
        let expected = if kind == Kind::Victoria && code == "SLO520" {
            BTreeSet::new()
        } else {
            BTreeSet::from([code.clone()])
        };
        assert_eq!(
            codes, expected,
            "the example of {code} against {url}:\n{example}"
        );
    }
    assert_eq!(
        findings(url, Path::new("tests/live/mistakes.slo")),
        expected_mistakes(kind),
        "tests/live/mistakes.slo against {url}"
    );
    assert_eq!(
        findings(url, Path::new("tests/live/healthy.slo")),
        vec![],
        "tests/live/healthy.slo against {url}"
    );
    assert_eq!(
        series(url, "tests/live/healthy.slo"),
        vec![
            // Each side counts: four 5xx series of the six `job="api"` ones.
            ("requests".to_string(), 4 + 6),
            // The `_bucket` series, `+Inf` included.
            ("fast".to_string(), 7),
            ("errors".to_string(), 2 + 6),
            ("home".to_string(), 1),
            ("probes".to_string(), 1),
        ],
        "the series each SLI selects on {url}"
    );
    let strict = support::slo_within(
        &[
            "check",
            "--deny",
            "warnings",
            "--prometheus",
            url,
            "tests/live/healthy.slo",
        ],
        &root(),
        60,
    );
    assert_eq!(
        strict.status.code(),
        Some(0),
        "{}",
        support::stderr(&strict)
    );
    let strict = support::slo_within(
        &[
            "check",
            "--deny",
            "warnings",
            "--prometheus",
            url,
            "tests/live/mistakes.slo",
        ],
        &root(),
        60,
    );
    assert_eq!(
        strict.status.code(),
        Some(1),
        "{}",
        support::stderr(&strict)
    );
}

/// The rendering of the mistakes, with what changes from run to run (the
/// time a metric was last seen) replaced.
fn rendering(url: &str) -> String {
    let out = support::slo_within(
        &["check", "--prometheus", url, "tests/live/mistakes.slo"],
        &root(),
        60,
    );
    let text = support::stderr(&out);
    // The legacy metric was last seen seconds ago, which the label says.
    assert!(
        text.contains(" UTC (") && text.contains("s before the check)"),
        "{text}"
    );
    text.lines()
        .map(|l| match l.find("last seen ") {
            Some(at) => {
                let end = l
                    .get(at..)
                    .and_then(|r| r.find(" before the check)"))
                    .map(|e| at + e);
                match end {
                    Some(end) => format!(
                        "{}last seen <TIME> (<AGO>{}",
                        l.get(..at).unwrap_or_default(),
                        l.get(end..).unwrap_or_default()
                    ),
                    None => l.to_string(),
                }
            }
            None => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect()
}

fn assert_golden(actual: &str) {
    let path = root().join("golden/live/mistakes.stderr");
    if std::env::var_os("SLO_BLESS").is_some_and(|v| !v.is_empty() && v != "0") {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, actual).expect("bless");
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual,
        expected,
        "the rendering differs from {} (SLO_BLESS=1 to rewrite)",
        path.display()
    );
}

#[test]
fn against_prometheus() {
    let Some(binary) = support::tool("prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = feed();
    let (server, url) = start_prometheus(&binary, dir.path(), feed.port);
    wait_ready(&server, &url);
    run_cases(Kind::Prometheus, &url);
    assert_golden(&rendering(&url));
    compile_asks_too(&url);
}

/// `slo compile --prometheus` checks against the server before writing:
/// under `--deny warnings`, a warning from the server writes nothing.
fn compile_asks_too(url: &str) {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    let compile = |spec: &str| {
        support::slo_within(
            &[
                "compile",
                "--prometheus",
                url,
                "--deny",
                "warnings",
                spec,
                "-o",
                dir,
            ],
            &root(),
            60,
        )
    };
    let failed = compile("tests/live/mistakes.slo");
    assert_eq!(
        failed.status.code(),
        Some(1),
        "{}",
        support::stderr(&failed)
    );
    assert!(support::stderr(&failed).contains("SLO501"));
    assert!(
        !out.path().join("prometheus").exists(),
        "nothing is written"
    );
    let done = compile("tests/live/healthy.slo");
    assert_eq!(done.status.code(), Some(0), "{}", support::stderr(&done));
    assert!(out.path().join("prometheus/api.yml").is_file());
}

#[test]
fn against_victoria_metrics() {
    let Some(binary) = support::tool("victoria-metrics") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = feed();
    let (server, url) = start_victoria(&binary, dir.path(), feed.port);
    wait_ready(&server, &url);
    run_cases(Kind::Victoria, &url);
    // The rendering says when the legacy metric was last seen here too.
    rendering(&url);
}

/// Runs `slo check --prometheus URL` on `specs/` with `extra` flags.
fn check_against(url: &str, extra: &[&str], within: u64) -> std::process::Output {
    let mut args = vec!["check", "--prometheus", url];
    args.extend_from_slice(extra);
    args.push("specs");
    support::slo_within(&args, &root(), within)
}

fn assert_exit_2_naming(out: &std::process::Output, url: &str, what: &str) {
    let err = support::stderr(out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(
        err.contains(url),
        "{what}: the message names the URL: {err}"
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
}

#[test]
fn an_unreachable_server_exits_2() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = check_against(&url, &[], 30);
    assert_exit_2_naming(&out, &url, "nobody listening");
    assert!(support::stderr(&out).contains("connection refused"));
}

#[test]
fn a_server_that_never_answers_times_out() {
    let silent = Listener::start(|_| None);
    let url = format!("http://127.0.0.1:{}", silent.port);
    let start = Instant::now();
    let out = check_against(&url, &["--prometheus-timeout", "1s"], 20);
    assert_exit_2_naming(&out, &url, "silent server");
    assert!(support::stderr(&out).contains("did not answer"));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let out = check_against(&url, &["--prometheus-deadline", "2s"], 20);
    assert_exit_2_naming(&out, &url, "past the deadline");
    assert!(support::stderr(&out).contains("deadline of 2s"));
}

#[test]
fn http_errors_and_garbage_exit_2() {
    let erring = Listener::start(|_| {
        Some(http(
            "503 Service Unavailable",
            "application/json",
            r#"{"status":"error","errorType":"unavailable","error":"too many queries"}"#,
        ))
    });
    let url = format!("http://127.0.0.1:{}", erring.port);
    let out = check_against(&url, &[], 20);
    assert_exit_2_naming(&out, &url, "HTTP 503");
    assert!(support::stderr(&out).contains("too many queries"));

    let garbage = Listener::start(|_| Some(http("200 OK", "text/html", "<html>login</html>")));
    let url = format!("http://127.0.0.1:{}", garbage.port);
    let out = check_against(&url, &[], 20);
    assert_exit_2_naming(&out, &url, "not JSON");

    let out = support::slo(
        &["check", "--prometheus", "ftp://example.com", "specs"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = support::slo(&["check", "--prometheus-timeout", "1s", "specs"], &root());
    assert_eq!(
        out.status.code(),
        Some(2),
        "a server flag without --prometheus"
    );
}

/// A server that answers every endpoint with no data, keeping what it was
/// sent.
fn empty_server(seen: Arc<Mutex<Vec<Request>>>) -> Listener {
    Listener::start(move |request| {
        seen.lock().expect("lock").push(request.clone());
        let data = if request.line.contains("/api/v1/query") {
            r#"{"resultType":"vector","result":[]}"#
        } else if request.line.contains("/api/v1/label/") {
            "[]"
        } else if request.line.contains("/api/v1/status/runtimeinfo") {
            r#"{"storageRetention":"15d"}"#
        } else {
            "{}"
        };
        Some(http(
            "200 OK",
            "application/json",
            &format!(r#"{{"status":"success","data":{data}}}"#),
        ))
    })
}

#[test]
fn credentials_and_headers_reach_the_server() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = empty_server(seen.clone());
    let url = format!("http://127.0.0.1:{}/prefix/", server.port);
    let dir = tempfile::tempdir().expect("tempdir");
    let token = dir.path().join("token");
    fs::write(&token, "s3cret-token\n").expect("token");
    let out = check_against(
        &url,
        &[
            "--prometheus-bearer-token-file",
            token.to_str().expect("path"),
            "--prometheus-header",
            "X-Scope-OrgID: team-a",
        ],
        30,
    );
    // Every metric is unknown to an empty server: warnings, not a failure.
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    assert!(support::stderr(&out).contains("SLO501"));
    let requests = seen.lock().expect("lock").clone();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(r.line.contains(" /prefix/api/v1/"), "{}", r.line);
        assert!(
            r.headers
                .iter()
                .any(|h| h == "authorization: Bearer s3cret-token"
                    || h == "Authorization: Bearer s3cret-token"),
            "{r:?}"
        );
        assert!(
            r.headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("x-scope-orgid: team-a")),
            "{r:?}"
        );
    }
    assert!(requests.iter().any(|r| r.body.contains("query=")));

    seen.lock().expect("lock").clear();
    let pair = dir.path().join("basic");
    fs::write(&pair, "user:pass\n").expect("basic");
    let out = check_against(
        &url,
        &["--prometheus-basic-auth-file", pair.to_str().expect("path")],
        30,
    );
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    let requests = seen.lock().expect("lock").clone();
    assert!(requests.iter().all(|r| r
        .headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("authorization: Basic dXNlcjpwYXNz"))));

    let missing = dir.path().join("nope");
    let out = check_against(
        &url,
        &[
            "--prometheus-bearer-token-file",
            missing.to_str().expect("path"),
        ],
        30,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        support::stderr(&out).contains("nope"),
        "{}",
        support::stderr(&out)
    );
}
