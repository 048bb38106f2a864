//! Helpers shared by the tests that run the binary and real tools.
#![allow(dead_code)] // each test crate uses its own share of these

pub mod http;
pub mod pipeline;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether this is a CI run (`CI` set and not empty): there every check is
/// required, and a missing tool or data file is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The words a test prints when it checked nothing because something it needs
/// is missing. `.ci/run` looks for them to prove the fresh-clone path.
pub const SKIPPED: &str = "!!! SKIPPED:";

/// Says loudly that a test checked nothing: straight to the stderr handle,
/// not `eprintln!`, since libtest captures what `eprintln!` prints in a
/// passing test, and this must be seen.
fn skip(what: &str, fix: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "\n{SKIPPED} {what}, so this test checked nothing against it; {fix} !!!\n"
    );
}

/// Says loudly that a test checked nothing because the machine cannot do
/// what it needs (`what`; `fix` says how to run it). In CI that is a failure.
pub fn skip_unless_ci(what: &str, fix: &str) {
    assert!(!in_ci(), "{what}, and CI is set: CI must run this test");
    skip(what, fix);
}

/// Data that CI keeps in `../shared/` beside the repository: where it is
/// fetched from, so a message can say how to get it.
pub struct Shared {
    /// The folder under `shared/`.
    pub dir: &'static str,
    /// What it is and where it comes from upstream.
    pub source: &'static str,
}

/// Grafana's published dashboard JSON schema (draft-07).
pub const GRAFANA_SCHEMA: Shared = Shared {
    dir: "grafana-schema",
    source: "the `jsonschema/` folder of the grafana-foundation-sdk repository \
             (Apache-2.0; schemaVersion 42)",
};

/// The Prometheus Operator's `PrometheusRule` CRD and the VictoriaMetrics
/// operator's `VMRule` CRD, with their `openAPIV3Schema`s.
pub const K8S_SCHEMA: Shared = Shared {
    dir: "k8s-schema",
    source:
        "the CRDs of the Prometheus Operator 0.93 (`monitoring.coreos.com_prometheusrules.yaml`) \
             and of the VictoriaMetrics operator (`operator.victoriametrics.com_vmrules.yaml`), \
             both Apache-2.0",
};

/// Public Sloth, Pyrra and OpenSLO specs, with Sloth's rules for its own.
pub const IMPORT_EXAMPLES: Shared = Shared {
    dir: "import-examples",
    source: "the public Sloth, Pyrra and OpenSLO examples (with Sloth's generated rules under `sloth/_gen/`)",
};

/// The `shared` directory: `SLO_SHARED_DIR`, or `../shared` beside the repository.
pub fn shared_root() -> PathBuf {
    match std::env::var_os("SLO_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("../shared"),
    }
}

/// The folder of `data` under the shared directory. Missing in CI is a
/// failure; otherwise the caller skips what needs it, and this says so loudly.
pub fn shared(data: &Shared) -> Option<PathBuf> {
    let dir = shared_root().join(data.dir);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !in_ci(),
        "{} is missing, and CI is set: CI must run these checks \
         (CI keeps `shared/` beside the repository; SLO_SHARED_DIR points elsewhere)",
        dir.display()
    );
    skip(
        &format!("{} is missing", dir.display()),
        &format!(
            "put {} there (or point SLO_SHARED_DIR at the folder that holds `{}/`) to run it",
            data.source, data.dir
        ),
    );
    None
}

/// Runs `slo compile` on `paths` (relative to `cwd`) and returns the output
/// directory. Panics with the diagnostics when compilation fails.
pub fn compile(cwd: &Path, paths: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_slo"))
        .arg("compile")
        .args(paths)
        .arg("-o")
        .arg(out.path())
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run slo");
    assert!(
        o.status.success(),
        "slo compile failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Writes `files` (name → text) into a new directory and compiles them.
pub fn compile_text(files: &[(&str, &str)]) -> (tempfile::TempDir, tempfile::TempDir) {
    let src = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        fs::write(src.path().join(name), text).expect("write spec");
    }
    let out = compile(src.path(), &["."]);
    (src, out)
}

/// Every file under `dir` whose path (relative, `/`-separated) starts with
/// `prefix`, with its text.
pub fn files(dir: &Path, prefix: &str) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("under base");
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.insert(rel, fs::read_to_string(&p).expect("utf-8"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    // The lock that keeps runs apart is not output: empty, never listed.
    out.retain(|k, _| k.starts_with(prefix) && k != ".slo-lock");
    out
}

/// The path of an external tool (`promtool`, `prometheus`, `amtool`,
/// `prometheus-alertmanager`).
/// Missing in CI (`CI` set) is a failure; locally the test is skipped with a
/// loud warning.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let package = match name {
            "promtool" | "prometheus" => "prometheus",
            "victoria-metrics" | "vmalert" => "victoria-metrics",
            "kubectl" => "kubernetes-client",
            _ => "prometheus-alertmanager",
        };
        assert!(
            !in_ci(),
            "`{name}` is not installed, and CI is set: CI must run these checks \
             (install the Debian package `{package}`; see .ci/run)"
        );
        skip(
            &format!("`{name}` is not on PATH"),
            &format!("install the Debian package `{package}` to run it"),
        );
    }
    found
}

/// Runs the `slo` binary in `cwd`, without colours.
pub fn slo(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run slo")
}

/// Runs the `slo` binary as [`slo`] does, but fails the test when the run
/// has not ended within `seconds` (the run is killed): a test of something
/// that could hang fails instead of hanging.
pub fn slo_within(args: &[&str], cwd: &Path, seconds: u64) -> std::process::Output {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run slo");
    // Read while waiting, so that a full pipe cannot stall the run.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = r.read_to_end(&mut bytes);
            bytes
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`slo {}` did not end within {seconds} s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

/// What a run printed on stdout.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

/// What a run printed on stderr.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The smallest valid program: one service, one ratio SLI, one SLO, no
/// alerts (on purpose, so it checks without a warning).
pub const SERVICE: &str = r#"
service api {
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli      = requests
    target   = 99.5%
    alerting = none
  }
}
"#;

/// A real Alertmanager on a free loopback port, stopped when dropped.
pub struct Alertmanager {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    /// Fires one alert with `labels` (`name=value` arguments) through `amtool`.
    pub fn add(&self, amtool: &Path, labels: &[String]) {
        let o = Command::new(amtool)
            .args(["alert", "add", "--alertmanager.url", &self.url])
            .args(labels)
            .output()
            .expect("amtool alert add");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    /// Every alert the server holds, active, inhibited or not yet processed,
    /// as `(label, severity, state)` sorted, where `label` is the value of
    /// the label named `key`: what a user sees of inhibition.
    pub fn states(&self, amtool: &Path, key: &str) -> Vec<(String, String, String)> {
        let o = Command::new(amtool)
            .args(["alert", "query", "-o", "json"])
            .args(["--active", "--inhibited", "--unprocessed"])
            .args(["--alertmanager.url", &self.url])
            .output()
            .expect("amtool alert query");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let listed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let s = |v: &serde_json::Value| v.as_str().expect("string").to_string();
        let mut states: Vec<(String, String, String)> = listed
            .as_array()
            .expect("alerts")
            .iter()
            .map(|a| {
                (
                    s(&a["labels"][key]),
                    s(&a["labels"]["severity"]),
                    s(&a["status"]["state"]),
                )
            })
            .collect();
        states.sort();
        states
    }
}

/// Starts `binary` (`prometheus-alertmanager`) with `config`, keeping its
/// state in `storage`, and waits until `amtool` can read its configuration.
pub fn start_alertmanager(
    binary: &Path,
    config: &Path,
    storage: &Path,
    amtool: &Path,
) -> Alertmanager {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", storage.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start alertmanager");
    let am = Alertmanager {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let ready = Command::new(amtool)
            .args(["config", "show", "--alertmanager.url", &am.url])
            .output()
            .is_ok_and(|o| o.status.success());
        if ready {
            return am;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("alertmanager did not start on {}", am.url);
}

/// The rule files `spec` compiles to, by path. Panics with the diagnostics
/// when it does not compile.
pub fn rule_files(spec: &str) -> Vec<(String, String)> {
    rule_files_for(spec, &slo::target::Deploy::prometheus())
}

/// [`rule_files`] compiled as `deploy` says (`--compat`, …).
pub fn rule_files_for(spec: &str, deploy: &slo::target::Deploy) -> Vec<(String, String)> {
    let mut sources = slo::diag::Sources::new();
    sources.add("spec.slo", spec);
    let checked = slo::check(&sources);
    let program = checked
        .program
        .unwrap_or_else(|| panic!("spec does not compile: {:?}", checked.diags));
    let files = std::sync::Mutex::new(Vec::new());
    let done: Result<(), std::convert::Infallible> = slo::compile_for(&program, deploy, |f| {
        if f.path.starts_with("prometheus/") {
            files.lock().expect("lock").push((f.path, f.contents));
        }
        Ok(())
    });
    let Ok(()) = done;
    let mut files = files.into_inner().expect("lock");
    files.sort();
    files
}

/// Runs `promtool test rules` on `spec` compiled, with `tests` as the body of
/// the test file (after `tests:`); `promtool check rules` with every lint
/// first. Without `promtool` outside CI it checks nothing, loudly.
///
/// Groups are evaluated in file order, ratios before the alerts that read
/// them, as Prometheus does within one file: without `group_eval_order`
/// promtool picks an order at random, and an alert would see this minute's
/// ratio or the last one's.
pub fn run_scenario(spec: &str, tests: &str) {
    run_scenario_for(spec, &slo::target::Deploy::prometheus(), tests);
}

/// [`run_scenario`] on the rules compiled as `deploy` says.
pub fn run_scenario_for(spec: &str, deploy: &slo::target::Deploy, tests: &str) {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = rule_files_for(spec, deploy);
    for (path, text) in &rules {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, text).expect("write rules");
    }
    let paths: Vec<&str> = rules.iter().map(|(p, _)| p.as_str()).collect();
    let lint = Command::new(&promtool)
        .args(["check", "rules", "--lint=all", "--lint-fatal"])
        .args(&paths)
        .current_dir(dir.path())
        .output()
        .expect("run promtool");
    assert!(
        lint.status.success(),
        "promtool check rules failed:\n{}",
        String::from_utf8_lossy(&lint.stdout)
    );
    let mut groups = Vec::new();
    for (_, text) in &rules {
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).expect("rules are YAML");
        for g in yaml["groups"].as_sequence().expect("groups") {
            groups.push(format!("{:?}", g["name"].as_str().expect("group name")));
        }
    }
    let test = format!(
        "rule_files: [{}]\nevaluation_interval: 1m\ngroup_eval_order: [{}]\ntests:\n{tests}",
        paths.join(", "),
        groups.join(", ")
    );
    fs::write(dir.path().join("test.yml"), &test).expect("write test");
    let out = Command::new(&promtool)
        .args(["test", "rules", "test.yml"])
        .current_dir(dir.path())
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool test rules failed:\n{}{}\n--- test file ---\n{test}\n--- rules ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        rules.iter().map(|(_, t)| t.as_str()).collect::<String>()
    );
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// A server process a test started; killed when dropped, whether the test
/// passed or not.
pub struct Process {
    pub child: std::process::Child,
    /// Where its output goes.
    pub log: PathBuf,
}

impl Process {
    /// What it has written to its log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encoding for a query parameter.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `(code, example)` for every `## SLOnnn` section of
/// `docs/diagnostics.md`.
pub fn diagnostic_examples() -> Vec<(String, String)> {
    let page = include_str!("../../docs/diagnostics.md");
    page.split("\n## ")
        .skip(1)
        .map(|section| {
            let code = section
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            // `slo import`'s codes (`SLO6xx`) have YAML examples.
            let example = section
                .split("```slo\n")
                .nth(1)
                .or_else(|| section.split("```yaml\n").nth(1))
                .and_then(|rest| rest.split("```").next())
                .unwrap_or_else(|| panic!("{code} has no ```slo example"));
            (code, example.to_string())
        })
        .collect()
}

/// The JSON a GET of `url` answers.
pub fn get_json(url: &str) -> serde_json::Value {
    let body = ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .body_mut()
        .read_to_string()
        .expect("a body");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: {e}: {body}"))
}

/// An instant query at `time` (seconds): each result's labels (without
/// the name) and value.
pub fn instant_query(url: &str, expr: &str, time: u64) -> Vec<(BTreeMap<String, String>, f64)> {
    let doc = get_json(&format!(
        "{url}/api/v1/query?query={}&time={time}",
        encode(expr)
    ));
    doc["data"]["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{expr}: {doc}"))
        .iter()
        .map(|r| {
            let labels = r["metric"]
                .as_object()
                .expect("labels")
                .iter()
                .filter(|(k, _)| *k != "__name__")
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            let value = r["value"][1]
                .as_str()
                .and_then(|v| v.parse().ok())
                .expect("a value");
            (labels, value)
        })
        .collect()
}
