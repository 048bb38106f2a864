//! Characters a terminal would act on instead of showing (NUL, ESC and the
//! other controls, bidirectional overrides such as U+202E) are shown
//! escaped, `\u{202e}`, wherever human output echoes user text: snippets,
//! messages, file names. Labels stay under what they point at, and columns
//! are those of the file. JSON keeps the text exact, by JSON's own escapes.

mod support;

use support::{slo, stderr, stdout};

use std::fs;

/// Whether `text` holds a character a terminal would act on.
fn has_raw_controls(text: &str) -> bool {
    text.chars()
        .any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c))
}

const SPEC: &str = "service api { labels { x = \"\u{202e}\u{1b}[31m\u{0}\" } tema = \"p\" }\n";

#[test]
fn a_snippet_shows_controls_escaped_and_its_label_where_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), SPEC).expect("write");
    let o = slo(&["check", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(!has_raw_controls(&err), "{err:?}");
    let line = "service api { labels { x = \"\\u{202e}\\u{1b}[31m\\u{0}\" } tema = \"p\" }";
    assert!(err.contains(line), "{err}");
    // The header names the file's column, which JSON gives too.
    let col = SPEC.chars().position(|c| c == 't').expect("tema") + 1;
    assert!(err.contains(&format!("[a.slo:1:{col}]")), "{err}");
    // The underline is under `tema` as shown.
    let shown = line.find("tema").expect("tema");
    let under = err.lines().find(|l| l.contains("──┬─")).expect("underline");
    let snippet = err.lines().find(|l| l.contains(line)).expect("snippet");
    let offset = snippet.find(line).expect("line");
    let chars = |s: &str| s.chars().count();
    assert_eq!(
        chars(&under[..under.find('─').expect("─")]),
        chars(&snippet[..offset]) + shown
    );
}

#[test]
fn messages_echo_controls_escaped_and_json_keeps_them_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), "service a\u{202e}b {\n}\n").expect("write");
    let o = slo(&["check", "a.slo"], dir.path());
    let err = stderr(&o);
    assert!(err.contains("found `\\u{202e}`"), "{err}");
    assert!(!has_raw_controls(&err), "{err:?}");

    let o = slo(&["check", "--format", "github", "a.slo"], dir.path());
    assert!(stdout(&o).contains("found `\\u{202e}`"), "{}", stdout(&o));
    assert!(!has_raw_controls(&stdout(&o)), "{:?}", stdout(&o));

    let o = slo(&["check", "--format", "json", "a.slo"], dir.path());
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let message = doc["diagnostics"][0]["message"].as_str().expect("message");
    assert!(message.contains("found `\u{202e}`"), "{message}");
}

#[test]
fn a_path_with_controls_is_echoed_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = slo(&["check", "evil\u{1b}]0;owned\u{7}.slo"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: cannot read `evil\\u{1b}]0;owned\\u{7}.slo`: no such file or directory\n"
    );
}
