//! How a file is saved is not a mistake in what it says: a byte-order mark
//! and CRLF line endings are read as any other file, and `slo fmt` keeps
//! them. A file that is not UTF-8 is one mistake among the others, at its
//! first bad byte. And each mistake of the fixtures under `tests/errors/`
//! for these cases is reported first on its own line, with nothing in a
//! file that has none.

mod support;

use support::{root, slo, stderr, stdout, SERVICE as VALID};

use std::fs;
use std::process::{Command, Stdio};

/// `(fixture, file of the mistake, line of the mistake)`.
const MISTAKES: &[(&str, &str, usize)] = &[
    ("bom.slo", "bom.slo", 19),
    ("bom-across-files", "b.slo", 8),
    ("crlf.slo", "crlf.slo", 20),
    ("not-utf8", "a.slo", 14),
    ("promql-template.slo", "promql-template.slo", 13),
    ("promql-function.slo", "promql-function.slo", 13),
];

#[test]
fn the_first_diagnostic_is_on_the_mistakes_line() {
    for &(fixture, file, line) in MISTAKES {
        let path = format!("tests/errors/{fixture}");
        let o = slo(&["check", "--format", "json", &path], &root());
        assert_eq!(o.status.code(), Some(1), "{fixture}: {}", stderr(&o));
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let diags = json["diagnostics"].as_array().expect("diagnostics");
        let first = diags.first().expect("a diagnostic");
        assert!(
            first["file"].as_str().is_some_and(|f| f.ends_with(file)),
            "{fixture}: {first}"
        );
        assert_eq!(
            first["line"].as_u64(),
            Some(line as u64),
            "{fixture}: {first}"
        );
        // No diagnostic in a file without a mistake.
        for d in diags {
            assert!(
                d["file"].as_str().is_some_and(|f| f.ends_with(file)),
                "{fixture}: {d}"
            );
        }
    }
}

/// `bytes` as `name` in a new directory.
fn dir_with(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join(name), bytes).expect("write");
    dir
}

#[test]
fn a_byte_order_mark_is_read_as_nothing() {
    let dir = dir_with("api.slo", format!("\u{feff}{VALID}").as_bytes());
    let o = slo(&["check", "api.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    // Columns of the first line are counted from the first visible
    // character, as an editor shows them.
    let dir = dir_with("api.slo", "\u{feff}servce api {\n}\n".as_bytes());
    let o = slo(&["check", "api.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("api.slo:1:1]"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("feff"), "{}", stderr(&o));
}

#[test]
fn crlf_specs_compile_to_what_lf_specs_do() {
    let lf = tempfile::tempdir().expect("tempdir");
    let crlf = tempfile::tempdir().expect("tempdir");
    for entry in fs::read_dir(root().join("specs")).expect("specs").flatten() {
        let text = fs::read_to_string(entry.path()).expect("spec");
        fs::write(lf.path().join(entry.file_name()), &text).expect("write");
        let text = text.replace('\n', "\r\n");
        fs::write(crlf.path().join(entry.file_name()), text).expect("write");
    }
    let out = tempfile::tempdir().expect("tempdir");
    for (specs, into) in [(&lf, "lf"), (&crlf, "crlf")] {
        let o = slo(
            &[
                "compile",
                ".",
                "-o",
                &out.path().join(into).to_string_lossy(),
            ],
            specs.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let lf = support::files(&out.path().join("lf"), "");
    let crlf = support::files(&out.path().join("crlf"), "");
    assert!(!lf.is_empty());
    assert_eq!(lf, crlf);
}

#[test]
fn fmt_keeps_crlf_and_the_byte_order_mark() {
    let tidy = fs::read_to_string(root().join("specs/search.slo")).expect("spec");
    let crlf = tidy.replace('\n', "\r\n");
    let dir = dir_with("search.slo", crlf.as_bytes());
    let o = slo(&["fmt", "--check", "search.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // An untidy CRLF file is rewritten with CRLF, a BOM kept in front.
    let messy = format!("\u{feff}{}", crlf.replacen("team    =", "team=", 1));
    fs::write(dir.path().join("search.slo"), &messy).expect("write");
    let o = slo(&["fmt", "search.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = fs::read_to_string(dir.path().join("search.slo")).expect("read");
    assert_eq!(written, format!("\u{feff}{crlf}"));
}

#[test]
fn fmt_check_says_when_only_line_endings_differ() {
    let tidy = fs::read_to_string(root().join("specs/search.slo")).expect("spec");
    // The first line sets the convention; one line further down breaks it.
    let mixed = tidy.replace('\n', "\r\n").replacen("\r\n\r\n", "\r\n\n", 1);
    let dir = dir_with("search.slo", mixed.as_bytes());
    let o = slo(&["fmt", "--check", "search.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "--- search.slo\n+++ search.slo (formatted)\nonly line endings differ: the file mixes CRLF and LF; formatted, every line ends in CRLF, as its first line does\n"
    );
    // With other changes too, the diff ends with the same note.
    let messy = mixed.replacen("team    =", "team=", 1);
    fs::write(dir.path().join("search.slo"), messy).expect("write");
    let o = slo(&["fmt", "--check", "search.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("+  team    = \"discovery\""),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).ends_with("\nline endings differ too: the file mixes CRLF and LF; formatted, every line ends in CRLF, as its first line does\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn fmt_leaves_a_file_that_is_not_utf8_alone() {
    let bytes = b"# caf\xe9\nservice api {\n}\n";
    let dir = dir_with("api.slo", bytes);
    let o = slo(&["fmt", "api.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[SLO013]"), "{}", stderr(&o));
    assert_eq!(fs::read(dir.path().join("api.slo")).expect("read"), bytes);
}

#[test]
fn explain_takes_any_text() {
    for text in ["x€y", "€", "sl€", "SLO€01", "\u{feff}"] {
        let o = slo(&["explain", text], &root());
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("no diagnostic has the code"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_closed_stdout_ends_the_output_not_the_run() {
    let runs: [(&[&str], i32); 6] = [
        (&["explain"], 0),
        (&["explain", "SLO101"], 0),
        (&["budget", "specs"], 0),
        (&["check", "--format", "json", "tests/errors/promql.slo"], 1),
        (
            &["check", "--format", "github", "tests/errors/promql.slo"],
            1,
        ),
        (&["fmt", "--check", "tests/errors/promql.slo"], 1),
    ];
    for (args, code) in runs {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slo"))
            .args(args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run slo");
        // The reader goes away before anything is written, as `| head -0` does.
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    }
}
