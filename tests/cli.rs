//! The command line as a user meets it: exit codes, messages for bad paths,
//! quiet success, deterministic and atomic output.

mod support;

use support::{root, slo, stderr, stdout, SERVICE as VALID};

use std::fs;

#[test]
fn check_is_quiet_and_exits_zero_on_valid_specs() {
    let o = slo(&["check", "specs"], &root());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
}

#[test]
fn missing_path_is_a_usage_error() {
    let o = slo(&["check", "no/such/dir"], &root());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read `no/such/dir`: no such file or directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn non_utf8_file_is_a_spec_error_and_other_files_are_still_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("bad.slo"), b"# caf\xe9\nservice api {\n}\n").expect("write");
    // A mistake in another file is still found, and `api` still exists for it.
    fs::write(
        dir.path().join("other.slo"),
        "defaults {\n  receiver = chat\n}\n\nreceiver chat = slack {\n  api_url_file = \"/s\"\n}\n\nnotify service api {\n}\n\nnotify service apj {\n}\n",
    )
    .expect("write");
    let o = slo(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error[SLO013]: this file is not valid UTF-8"),
        "{err}"
    );
    assert!(err.contains("./bad.slo:1:6"), "{err}");
    assert!(err.contains("byte `0xe9` is not UTF-8"), "{err}");
    assert!(err.contains("in Latin-1, byte `0xe9` is `é`"), "{err}");
    assert!(err.contains("unknown service `apj`"), "{err}");
    assert!(!err.contains("unknown service `api`"), "{err}");

    let o = slo(&["check", "--format", "json", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let first = &json["diagnostics"][0];
    assert_eq!(first["code"], "SLO013");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(1), Some(6))
    );
    assert_eq!(json["errors"], 2);

    let o = slo(&["check", "--format", "github", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("file=./bad.slo,line=1,col=6"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn directory_without_specs_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = slo(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no `.slo` files in `.`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let o = slo(&["check", "--frobnicate", "specs"], &root());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = format!("{VALID}\npolicy unused {{\n  page 14.4x over 1h/5m\n}}\n");
    fs::write(dir.path().join("a.slo"), spec).expect("write");
    let o = slo(&["check", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("warning[SLO105]"), "{}", stderr(&o));
    let o = slo(&["check", "--deny", "warnings", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("could not compile: 1 warning"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn output_does_not_depend_on_argument_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), VALID).expect("write");
    fs::write(
        dir.path().join("b.slo"),
        VALID.replace("service api", "service web"),
    )
    .expect("write");
    let one = slo(&["compile", "a.slo", "b.slo", "-o", "one"], dir.path());
    let two = slo(&["compile", "b.slo", "a.slo", "-o", "two"], dir.path());
    assert!(one.status.success() && two.status.success());
    for f in ["prometheus/api.yml", "prometheus/web.yml"] {
        let a = fs::read(dir.path().join("one").join(f)).expect("one");
        let b = fs::read(dir.path().join("two").join(f)).expect("two");
        assert_eq!(a, b, "{f} differs with argument order");
    }
}

#[test]
fn failed_compile_changes_nothing_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), VALID).expect("write");
    assert!(slo(&["compile", "a.slo", "-o", "out"], dir.path())
        .status
        .success());
    let rules = dir.path().join("out/prometheus/api.yml");
    let before = fs::read(&rules).expect("rules");

    // Break the spec in a way that would change the output if written.
    fs::write(dir.path().join("a.slo"), VALID.replace("99.5%", "100%")).expect("write");
    let o = slo(&["compile", "a.slo", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(fs::read(&rules).expect("rules"), before);
    let names: Vec<_> = fs::read_dir(dir.path().join("out/prometheus"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "no stray files: {names:?}");
}

#[test]
fn all_errors_of_a_run_are_reported_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), VALID.replace("99.5%", "100%")).expect("write");
    fs::write(
        dir.path().join("b.slo"),
        "service web {\n  tema = \"x\"\n}\n",
    )
    .expect("write");
    let o = slo(&["check", "."], dir.path());
    let err = stderr(&o);
    assert!(
        err.contains("error[SLO201]") && err.contains("error[SLO003]"),
        "{err}"
    );
    assert!(err.contains("could not compile: 2 errors"), "{err}");
}
