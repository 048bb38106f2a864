//! Inputs at and past the limits: a huge file, very long lines, deep
//! nesting, bytes that are not UTF-8, an empty file, thousands of files,
//! tens of thousands of errors. Each ends with a clear message (or works)
//! instead of a crash, a stack overflow or a hang. How fast is measured by
//! `bench/run.sh`, not here.

mod support;

use support::{slo, stderr};

use std::fs;

fn service(name: &str, bad: &str) -> String {
    format!(
        "service {name} {{\n  sli requests = ratio {{\n    bad   = `{bad}`\n    total = `requests_total`\n  }}\n  slo availability {{\n    sli    = requests\n    target = 99.9%\n  }}\n}}\n"
    )
}

#[test]
fn a_file_over_8_mib_is_refused_without_being_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = fs::File::create(dir.path().join("huge.slo")).expect("create");
    // Sparse: the size is what counts, and it is checked before reading.
    file.set_len(8 * 1024 * 1024 + 1).expect("set_len");
    let o = slo(&["check", "huge.slo"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "error: `huge.slo` is 8,388,609 bytes, over the limit of 8,388,608 bytes (8 MiB) for one file; split it into several files"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_file_of_exactly_8_mib_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = service("api", "errors_total");
    let line = "# a comment line to make the file large enough\n";
    while text.len() + line.len() <= 8 * 1024 * 1024 {
        text.push_str(line);
    }
    text.push_str(&"#".repeat(8 * 1024 * 1024 - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len(), 8 * 1024 * 1024);
    fs::write(dir.path().join("big.slo"), text).expect("write");
    let o = slo(&["check", "big.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_very_long_line_is_read_and_shown_as_a_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = "x".repeat(1024 * 1024);
    let spec = format!("service api {{ labels {{ tier = \"{long}\" }} tema = \"payments\" }}\n");
    fs::write(dir.path().join("long.slo"), &spec).expect("write");
    let o = slo(&["check", "long.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let col = spec.find("tema").expect("tema") + 1;
    assert!(err.contains(&format!("long.slo:1:{col}]")), "{err}");
    assert!(err.contains("unknown key `tema`"), "{err}");
    // A window of the line, not a megabyte of it.
    assert!(err.len() < 4096, "{} bytes of diagnostics", err.len());
}

#[test]
fn deep_nesting_in_slo_syntax_is_a_syntax_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The grammar has no recursive rules: this fails at the second `{`
    // however deep it goes.
    fs::write(
        dir.path().join("deep.slo"),
        format!("service a {}", "{".repeat(100_000)),
    )
    .expect("write");
    let o = slo(&["check", "deep.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[SLO001]"), "{}", stderr(&o));
}

#[test]
fn deeply_nested_promql_is_refused_before_it_can_overflow_the_stack() {
    let dir = tempfile::tempdir().expect("tempdir");
    let depth = 20_000;
    let parens = format!("{}errors_total{}", "(".repeat(depth), ")".repeat(depth));
    let sums = format!("{}errors_total{}", "sum(".repeat(depth), ")".repeat(depth));
    let negations = format!("{}errors_total", "-".repeat(depth));
    let chain = format!("errors_total{}", " + errors_total".repeat(depth));
    // Enough services for checking to run on several threads, whose stacks
    // are smaller than the main thread's.
    let mut spec = String::new();
    for (i, bad) in [parens, sums, negations, chain].iter().enumerate() {
        for j in 0..8 {
            spec.push_str(&service(&format!("s{i}_{j}"), bad));
        }
    }
    fs::write(dir.path().join("deep.slo"), spec).expect("write");
    let o = slo(&["check", "deep.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.matches("error[SLO021]").count(),
        32,
        "{}",
        &err[..err.len().min(4000)]
    );
    assert!(err.contains("`bad` is nested more than 64 levels deep"));
    assert!(err.contains("`bad` has more than 256 operators and parentheses"));
}

#[test]
fn non_utf8_bytes_are_a_spec_error_at_their_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("bad.slo"),
        b"service api {\n  team = \"\xc3\x28\"\n}\n",
    )
    .expect("write");
    let o = slo(&["check", "bad.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    // `\xc3` starts a two-byte character that `(` does not continue.
    assert!(
        stderr(&o).contains("error[SLO013]: this file is not valid UTF-8\n   ╭─[bad.slo:2:11]"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("byte `0xc3` is not UTF-8"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_empty_file_is_an_empty_program() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("empty.slo"), "").expect("write");
    let o = slo(&["check", "empty.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty());
    let o = slo(&["compile", "empty.slo", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let manifest = fs::read_to_string(dir.path().join("out/.slo-manifest")).expect("manifest");
    assert!(
        !manifest.lines().any(|l| l.starts_with("prometheus/")),
        "no rule files for no services:\n{manifest}"
    );
}

#[test]
fn a_directory_of_three_thousand_files_compiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let specs = dir.path().join("specs");
    for i in 0..3000 {
        let sub = specs.join(format!("team-{}", i % 30));
        fs::create_dir_all(&sub).expect("mkdir");
        fs::write(
            sub.join(format!("svc-{i:04}.slo")),
            service(&format!("svc-{i:04}"), "errors_total"),
        )
        .expect("write");
    }
    let o = slo(&["compile", "specs", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = fs::read_dir(dir.path().join("out/prometheus"))
        .expect("out")
        .count();
    assert_eq!(written, 3000);
    let manifest = fs::read_to_string(dir.path().join("out/.slo-manifest")).expect("manifest");
    let rule_files = manifest
        .lines()
        .filter(|l| l.starts_with("prometheus/"))
        .count();
    assert_eq!(rule_files, 3000);
}

#[test]
fn tens_of_thousands_of_errors_are_all_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 20_000;
    let spec: String = (0..n)
        .map(|i| format!("service s{i} {{\n  tema = \"x\"\n}}\n"))
        .collect();
    fs::write(dir.path().join("errors.slo"), spec).expect("write");
    let o = slo(&["check", "errors.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.matches("error[SLO003]").count(), n);
    assert!(
        err.contains(&format!("errors.slo:{}:3]", 3 * n - 1)),
        "the last one points at its line"
    );
    assert!(err.ends_with(&format!("could not compile: {n} errors\n")));
}

#[test]
fn a_name_too_long_for_a_file_name_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = "a".repeat(300);
    fs::write(dir.path().join("long.slo"), service(&name, "errors_total")).expect("write");
    let o = slo(&["compile", "long.slo", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[SLO020]: name of 300 characters, more than the limit of 128"),
        "{}",
        stderr(&o)
    );
}
