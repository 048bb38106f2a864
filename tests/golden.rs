//! Golden tests through the real binary: `specs/` compiles to exactly the
//! files under `golden/specs/`, every bad spec under `tests/errors/`
//! renders exactly the diagnostics under `golden/errors/`, and every
//! diagnostic code is rendered by at least one of them.
//!
//! `SLO_BLESS=1 cargo test --test golden` rewrites the expected files; review
//! the diff like code.

mod support;

use support::root;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bless() -> bool {
    std::env::var_os("SLO_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

fn slo() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_slo"));
    cmd.current_dir(root()).env("NO_COLOR", "1");
    cmd
}

/// Every file under `dir`, by path relative to it.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    support::files(dir, "")
}

/// Compares `actual` with the expected tree at `expected_dir`, or rewrites it
/// when blessing.
fn assert_tree(actual: &BTreeMap<String, String>, expected_dir: &Path) {
    if bless() {
        let _ = fs::remove_dir_all(expected_dir);
        for (rel, text) in actual {
            let p = expected_dir.join(rel);
            fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            fs::write(p, text).expect("write golden");
        }
        return;
    }
    let expected = tree(expected_dir);
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(actual),
        names(&expected),
        "generated files differ from {} (SLO_BLESS=1 to rewrite)",
        expected_dir.display()
    );
    for (rel, text) in actual {
        assert_eq!(
            text,
            &expected[rel],
            "{rel} differs from {} (SLO_BLESS=1 to rewrite)",
            expected_dir.display()
        );
    }
}

#[test]
fn specs_compile_to_golden_files() {
    let out = tempfile::tempdir().expect("tempdir");
    let status = slo()
        .args(["compile", "specs", "-o"])
        .arg(out.path())
        .output()
        .expect("run slo");
    assert!(
        status.status.success(),
        "slo compile specs failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        status.stdout.is_empty() && status.stderr.is_empty(),
        "compile is quiet on success"
    );
    assert_tree(&tree(out.path()), &root().join("golden/specs"));
}

/// `specs/` compiled for each `--target` other than the default, to the
/// files under `golden/deploy/<target>/`. Files that only repeat others
/// (Mimir's and Thanos' dashboards and Alertmanager configuration, the plain
/// target's; VictoriaMetrics' `ConfigMap`s and `Secret`, the Operator's) are
/// compared by `tests/deploy.rs`, not kept twice here.
#[test]
fn specs_compile_to_golden_files_for_every_target() {
    let targets: [(&str, &[&str], &[&str]); 4] = [
        (
            "prometheus-operator",
            &["--namespace", "monitoring", "--label", "role=alert-rules"],
            &[],
        ),
        (
            "victoriametrics",
            &["--namespace", "monitoring"],
            &["dashboards/", "alertmanager/"],
        ),
        ("mimir", &[], &["grafana/", "alertmanager/"]),
        ("thanos", &[], &["grafana/", "alertmanager/"]),
    ];
    for (target, flags, plain) in targets {
        let out = tempfile::tempdir().expect("tempdir");
        let status = slo()
            .args(["compile", "specs", "--target", target, "-o"])
            .arg(out.path())
            .args(flags)
            .output()
            .expect("run slo");
        assert!(
            status.status.success(),
            "slo compile --target {target} failed:\n{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let mut files = tree(out.path());
        files.retain(|path, _| !plain.iter().any(|p| path.starts_with(p)));
        assert_tree(&files, &root().join("golden/deploy").join(target));
    }
}

#[test]
fn error_fixtures_render_golden_diagnostics() {
    let dir = root().join("tests/errors");
    let mut actual = BTreeMap::new();
    let mut fixtures: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/errors")
        .flatten()
        .map(|e| e.path())
        // A `.slo` file is a program; so is a directory of them.
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "slo"))
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty(), "no error fixtures found");
    for path in fixtures {
        let rel = path.strip_prefix(root()).expect("under root");
        let output = slo().arg("check").arg(rel).output().expect("run slo");
        let code = output.status.code().expect("exit code");
        let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
        // A fixture of a warning shows only warnings, and `check` succeeds.
        let errors = stderr.lines().any(|l| l.starts_with("error"));
        assert!(stderr.contains("[SLO"), "{} reports nothing", rel.display());
        assert_eq!(
            code,
            i32::from(errors),
            "{} exit status\n{stderr}",
            rel.display()
        );
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .to_string();
        actual.insert(format!("{name}.stderr"), stderr);
    }
    assert_tree(&actual, &root().join("golden/errors"));
}

/// What `slo import` says about each `SLO6xx` example of
/// `docs/diagnostics.md` (YAML whose first line names the format), rendered
/// exactly as under `golden/import/`.
#[test]
fn import_diagnostics_render_as_golden() {
    let mut actual = BTreeMap::new();
    for (code, example) in support::diagnostic_examples() {
        if !code.starts_with("SLO6") {
            continue;
        }
        let format = example
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# slo import "))
            .unwrap_or_else(|| panic!("the example of {code} names no format"));
        let dir = tempfile::tempdir().expect("tempdir");
        let file = format!("{code}.yaml");
        fs::write(dir.path().join(&file), &example).expect("write example");
        let o = slo()
            .current_dir(dir.path())
            .args(["import", format, &file, "-o", "specs"])
            .output()
            .expect("run slo");
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(!stderr.contains("panicked"), "{code}: {stderr}");
        actual.insert(format!("{code}.stderr"), stderr);
    }
    assert_tree(&actual, &root().join("golden/import"));
}

/// Every code of `diag/code.rs` (which `tests/docs.rs` holds to
/// `docs/diagnostics.md`) is shown rendered by some fixture under
/// `tests/errors/`, or for the codes only a server yields by
/// `tests/live/mistakes.slo`, so that a change to its message or span is
/// seen in review.
#[test]
fn every_code_has_a_golden_rendering() {
    // `golden/live/` holds what only a server finds (`tests/live.rs`).
    let rendered: String = tree(&root().join("golden/errors"))
        .into_values()
        .chain(tree(&root().join("golden/live")).into_values())
        .chain(tree(&root().join("golden/import")).into_values())
        .collect();
    let missing: Vec<&str> = slo::diag::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !rendered.contains(&format!("[{c}]")))
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture under tests/errors/ renders {missing:?}: add one and bless it"
    );
}
