//! The CI gate through the real binary: machine-readable diagnostics,
//! `--deny warnings`, the budget lints, `compile --check` and the output
//! manifest, `explain` and `init`.

mod support;

use support::{root, slo, stderr, stdout, SERVICE};

use std::fs;
use std::path::Path;
use std::process::Output;

/// A spec with one warning (an unused policy) and nothing else.
fn with_warning() -> String {
    format!("{SERVICE}\npolicy unused {{\n  page 14.4x over 1h/5m\n}}\n")
}

/// A spec whose error message holds a `%` and whose help is long.
const NEVER_FIRES: &str = r#"policy standard {
  page 14.4x over 1h/5m
}

service api {
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli      = requests
    target   = 90%
    alerting = standard
  }
}
"#;

fn tempdir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }
    dir
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON document")
}

#[test]
fn json_lists_every_diagnostic_with_positions_and_help() {
    let dir = tempdir_with(&[
        ("a.slo", NEVER_FIRES),
        ("b.slo", "policy spare {\n  page 6x over 6h/30m\n}\n"),
    ]);
    let o = slo(&["check", "--format", "json", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        o.stderr.is_empty(),
        "machine formats keep stderr clean: {}",
        stderr(&o)
    );
    let v = json(&o);
    let diags = v["diagnostics"].as_array().expect("array");
    let codes: Vec<&str> = diags
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["SLO301", "SLO105"], "sorted by file and position");
    let d = &diags[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "./a.slo");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(2), Some(13))
    );
    assert!(d["message"].as_str().expect("message").contains("144%"));
    assert!(d["help"].as_str().expect("help").contains("below 10x"));
    let labels = d["labels"].as_array().expect("labels");
    assert_eq!(labels[0]["primary"], true);
    assert_eq!(labels[1]["primary"], false);
    assert_eq!(
        labels[1]["line"].as_u64(),
        Some(12),
        "the secondary label is at the target"
    );
    assert_eq!(diags[1]["severity"], "warning");
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn json_of_clean_specs_is_an_empty_document() {
    let o = slo(&["check", "--format", "json", "specs"], &root());
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["errors"].as_u64(), Some(0));
}

#[test]
fn github_format_annotates_each_diagnostic_with_escapes() {
    // A comma in a file name must not end the `file=` property.
    let dir = tempdir_with(&[("a,b.slo", NEVER_FIRES)]);
    let o = slo(&["check", "--format", "github", "a,b.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one line per diagnostic: {out}");
    let line = lines[0];
    assert!(
        line.starts_with(
            "::error file=a%2Cb.slo,line=2,col=8,endLine=2,endColumn=13,title=SLO301::this alert can never fire"
        ),
        "{line}"
    );
    assert!(line.contains("above 144%25"), "`%` is escaped: {line}");
    assert!(
        line.contains("%0Ahelp: burn factor"),
        "the help follows an escaped newline: {line}"
    );
    assert!(!line.contains('\r'));
}

#[test]
fn github_format_marks_warnings_and_denied_warnings() {
    let dir = tempdir_with(&[("a.slo", &with_warning())]);
    let o = slo(&["check", "--format", "github", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("::warning file=a.slo,line=14,col=8,"),
        "{}",
        stdout(&o)
    );
    let o = slo(
        &["check", "--format", "github", "--deny", "warnings", "a.slo"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("::error file=a.slo,"),
        "a denied warning fails the job: {}",
        stdout(&o)
    );
}

#[test]
fn deny_warnings_fails_in_every_format() {
    let dir = tempdir_with(&[("a.slo", &with_warning())]);
    for format in ["human", "json", "github"] {
        let o = slo(&["check", "--format", format, "a.slo"], dir.path());
        assert_eq!(o.status.code(), Some(0), "{format}: warnings alone pass");
        let o = slo(
            &["check", "--format", format, "--deny", "warnings", "a.slo"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(1), "{format}: --deny warnings fails");
    }
    let o = slo(
        &["compile", "--deny", "warnings", "a.slo", "-o", "out"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        !dir.path().join("out").exists(),
        "a denied compile writes nothing"
    );
}

#[test]
fn budget_lints_are_warnings_that_deny_turns_into_failures() {
    let spec = format!(
        "{}\npolicy standard {{\n  page 6x    over 6h/30m\n  page 14.4x over 1h/1m\n}}\n\
         defaults {{\n  alerting  = standard\n  retention = 7d\n}}\n",
        SERVICE.replace("    alerting = none\n", "")
    );
    let dir = tempdir_with(&[("a.slo", &spec)]);
    let o = slo(&["check", "--format", "json", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    let mut codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, ["SLO320", "SLO321", "SLO322"]);
    assert!(v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .all(|d| d["severity"] == "warning"));
    let o = slo(&["check", "--deny", "warnings", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("usual: `1h/5m`"),
        "help suggests 1/12 of the long window: {err}"
    );
}

#[test]
fn retention_is_checked_against_each_slo_window() {
    let spec = format!(
        "{}\ndefaults {{\n  retention = 40d\n}}\n",
        SERVICE.replace("target   = 99.5%", "target   = 99.5%\n    window   = 90d")
    );
    let dir = tempdir_with(&[("a.slo", &spec)]);
    let o = slo(&["check", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains(
            "warning[SLO321]: SLO window `90d` is longer than the `40d` Prometheus retention"
        ),
        "{err}"
    );
    assert!(
        err.contains("1 warning"),
        "the default 30d fits in 40d: {err}"
    );
}

// ---- compile --check and the manifest ----

fn compile(dir: &Path) -> Output {
    slo(&["compile", "specs", "-o", "out"], dir)
}

fn check(dir: &Path) -> Output {
    slo(&["compile", "specs", "-o", "out", "--check"], dir)
}

#[test]
fn check_passes_quietly_when_the_output_is_up_to_date() {
    let dir = tempdir_with(&[("specs/a.slo", SERVICE)]);
    assert!(compile(dir.path()).status.success());
    let o = check(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
}

#[test]
fn check_fails_with_a_unified_diff_and_writes_nothing() {
    let dir = tempdir_with(&[("specs/a.slo", SERVICE)]);
    assert!(compile(dir.path()).status.success());
    let rules = dir.path().join("out/prometheus/api.yml");
    let before = fs::read_to_string(&rules).expect("rules");

    fs::write(
        dir.path().join("specs/a.slo"),
        SERVICE.replace("99.5%", "99.9%"),
    )
    .expect("write");
    let o = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let diff = stdout(&o);
    assert!(
        diff.starts_with("--- out/")
            && diff.contains("--- out/prometheus/api.yml\n+++ out/prometheus/api.yml\n@@ "),
        "{diff}"
    );
    assert!(
        diff.contains("\n-    expr: vector(0.995)\n+    expr: vector(0.999)\n"),
        "{diff}"
    );
    assert!(!diff.contains('\x1b'), "no colour when piped");
    assert!(
        stderr(&o).contains("2 files in `out` differ"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read_to_string(&rules).expect("rules"),
        before,
        "--check writes nothing"
    );
}

#[test]
fn check_reports_missing_files() {
    let dir = tempdir_with(&[("specs/a.slo", SERVICE)]);
    let o = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let diff = stdout(&o);
    assert!(
        diff.contains("--- /dev/null\n+++ out/prometheus/api.yml\n"),
        "{diff}"
    );
    assert!(
        diff.contains("--- /dev/null\n+++ out/.slo-manifest\n"),
        "{diff}"
    );
    assert!(!dir.path().join("out").exists(), "--check creates nothing");
}

#[test]
fn removed_service_is_drift_and_compile_deletes_only_owned_files() {
    let dir = tempdir_with(&[
        ("specs/a.slo", SERVICE),
        (
            "specs/b.slo",
            &SERVICE.replace("service api", "service web"),
        ),
    ]);
    assert!(compile(dir.path()).status.success());
    let out = dir.path().join("out");
    let manifest = fs::read_to_string(out.join(".slo-manifest")).expect("manifest");
    assert!(
        manifest.ends_with("\nprometheus/api.yml\nprometheus/web.yml\n"),
        "{manifest}"
    );
    // Files the compiler did not write, including one a hand-edited manifest
    // names outside the output directory.
    fs::write(out.join("prometheus/handwritten.yml"), "groups: []\n").expect("write");
    fs::write(dir.path().join("victim.txt"), "keep me\n").expect("write");
    let edited = format!("{manifest}../victim.txt\n/etc/hostname\n");
    fs::write(out.join(".slo-manifest"), edited).expect("write");

    fs::remove_file(dir.path().join("specs/b.slo")).expect("remove");
    let o = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let diff = stdout(&o);
    assert!(
        diff.contains("--- out/prometheus/web.yml\n+++ /dev/null\n"),
        "stale file is drift: {diff}"
    );
    let headers: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with("--- ") || l.starts_with("+++ "))
        .collect();
    assert!(
        headers.iter().all(|h| !h.contains("handwritten")
            && !h.contains("victim")
            && !h.contains("hostname")),
        "only owned files are drift: {headers:?}"
    );
    assert!(
        out.join("prometheus/web.yml").exists(),
        "--check deletes nothing"
    );

    let o = compile(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !out.join("prometheus/web.yml").exists(),
        "the owned stale file is deleted"
    );
    assert!(out.join("prometheus/api.yml").exists());
    assert_eq!(
        fs::read_to_string(out.join("prometheus/handwritten.yml")).expect("kept"),
        "groups: []\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("victim.txt")).expect("kept"),
        "keep me\n"
    );
    let manifest = fs::read_to_string(out.join(".slo-manifest")).expect("manifest");
    assert!(manifest.ends_with("\nprometheus/api.yml\n"), "{manifest}");
    assert_eq!(check(dir.path()).status.code(), Some(0));
}

#[test]
fn failed_compile_deletes_nothing() {
    let dir = tempdir_with(&[
        ("specs/a.slo", SERVICE),
        (
            "specs/b.slo",
            &SERVICE.replace("service api", "service web"),
        ),
    ]);
    assert!(compile(dir.path()).status.success());
    fs::remove_file(dir.path().join("specs/b.slo")).expect("remove");
    fs::write(
        dir.path().join("specs/a.slo"),
        SERVICE.replace("99.5%", "100%"),
    )
    .expect("write");
    assert_eq!(compile(dir.path()).status.code(), Some(1));
    assert!(dir.path().join("out/prometheus/web.yml").exists());
    let manifest = fs::read_to_string(dir.path().join("out/.slo-manifest")).expect("manifest");
    assert!(manifest.contains("prometheus/web.yml"));
}

// ---- explain ----

#[test]
fn explain_prints_the_documented_section() {
    let o = slo(&["explain", "SLO301"], &root());
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.starts_with("SLO301: burn-rate alert that can never fire\n"),
        "{text}"
    );
    assert!(
        text.contains("```slo\npolicy standard {\n  page 14.4x over 1h/5m"),
        "{text}"
    );
    assert!(!text.contains("SLO302"), "only this code's section: {text}");
    let page = fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs");
    let body = text.trim_end().strip_prefix("SLO301: ").expect("heading");
    assert!(page.contains(body), "explain prints the page's own text");
    assert_eq!(stdout(&slo(&["explain", "301"], &root())), text);
}

#[test]
fn explain_of_an_unknown_code_suggests_the_nearest() {
    let o = slo(&["explain", "SLO31"], &root());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("no diagnostic has the code `SLO31`"), "{err}");
    assert!(err.contains("did you mean `SLO301`?"), "{err}");
}

#[test]
fn explain_without_a_code_lists_every_code() {
    let o = slo(&["explain"], &root());
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for code in ["SLO001", "SLO101", "SLO320", "SLO321", "SLO322", "SLO405"] {
        assert!(text.contains(code), "{code} missing from:\n{text}");
    }
}

// ---- init ----

#[test]
fn init_writes_specs_that_check_clean_and_compile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = slo(&["init", "project"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let project = dir.path().join("project");
    assert!(project.join("specs/policies.slo").is_file());
    let o = slo(&["check", "--deny", "warnings", "specs"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "no warnings either: {}", stderr(&o));
    let o = slo(&["compile", "specs", "-o", "out"], &project);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(project.join("out/prometheus/example.yml").is_file());
    let o = slo(&["budget", "specs"], &project);
    assert!(
        stdout(&o).contains("example/availability: target 99.9% over 30d"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn init_refuses_to_overwrite_and_then_writes_nothing() {
    let dir = tempdir_with(&[("specs/example.slo", "# mine\n")]);
    let o = slo(&["init"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`specs/example.slo` already exists"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("specs/example.slo")).expect("kept"),
        "# mine\n"
    );
    assert!(
        !dir.path().join("specs/policies.slo").exists(),
        "nothing written"
    );
}

// ---- help ----

#[test]
fn help_teaches_with_examples() {
    let o = slo(&["--help"], &root());
    let text = stdout(&o);
    for cmd in ["check", "compile", "budget", "explain", "init"] {
        assert!(
            text.contains(&format!("slo {cmd}")),
            "no `slo {cmd}` example:\n{text}"
        );
    }
    let o = slo(&["check", "--help"], &root());
    let text = stdout(&o);
    assert!(
        text.contains("--format") && text.contains("github") && text.contains("Examples:"),
        "{text}"
    );
    let o = slo(&["compile", "--help"], &root());
    assert!(stdout(&o).contains("--check"), "{}", stdout(&o));
}
