//! The one harness for "no input panics the library": [`run`] takes a
//! program through everything the library does with one (parse and check,
//! every rendering of the diagnostics, compile, fmt) and asserts what holds
//! whatever the input. The inputs come from here too: the example programs,
//! tokens of the language and of PromQL, soups of them, and edits.
//!
//! `tests/robustness.rs` feeds it arbitrary text, token soups and mutated
//! examples; `tests/props.rs` generated programs with edits; `tests/fmt.rs`
//! programs full of comments, cut short. The fuzz target in `fuzz/` explores
//! the same ground for much longer.

use proptest::prelude::*;
use slo::diag::{github, json, render, Sources};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;

/// Runs `files` as one program, read from disk as the command line reads
/// them (bytes that are not UTF-8 included). Panics when the library does,
/// when a rendered diagnostic lacks its code or shows a character a terminal
/// would act on, when generated PromQL does not parse, or when a formatted
/// file does not format to itself.
pub fn run<T: AsRef<[u8]>>(files: &[T]) {
    let mut sources = Sources::new();
    for (i, bytes) in files.iter().enumerate() {
        sources.add_bytes(format!("f{i}.slo"), bytes.as_ref().to_vec());
    }
    let checked = slo::check(&sources);
    for d in &checked.diags {
        let shown = render::human(d, &sources, render::Style::default());
        assert!(shown.contains(d.code.as_str()), "{shown}");
        // Nothing a terminal would act on is echoed raw (see `diag::escape`).
        assert!(
            !shown
                .chars()
                .any(|c| c != '\n' && slo::diag::escape::escaped(c)),
            "{shown:?}"
        );
    }
    let _ = render::summary(&checked.diags);
    let _ = json::render(&checked.diags, &sources);
    let _ = github::render(&checked.diags, &sources, true);
    if let Some(program) = &checked.program {
        for file in slo::compile(program) {
            assert_rules_parse(&file.path, &file.contents);
        }
    }
    for (id, source) in sources.iter() {
        if source.invalid.is_some() {
            continue; // `slo fmt` refuses a file that is not UTF-8
        }
        if let Ok(once) = slo::fmt::format(id, &source.text) {
            let twice = slo::fmt::format(id, &once);
            assert_eq!(twice.as_ref().ok(), Some(&once), "fmt is not stable");
        }
    }
}

/// A generated rule file reads as YAML and each `expr` parses as PromQL.
fn assert_rules_parse(path: &str, contents: &str) {
    #[derive(serde::Deserialize)]
    struct RuleFile {
        groups: Vec<Group>,
    }
    #[derive(serde::Deserialize)]
    struct Group {
        rules: Vec<BTreeMap<String, serde_yaml_ng::Value>>,
    }
    // Only rule files: `alertmanager/alertmanager.yml` is YAML too.
    if !path.starts_with("prometheus/") {
        return;
    }
    let file: RuleFile = serde_yaml_ng::from_str(contents)
        .unwrap_or_else(|e| panic!("{path} is not a rule file: {e}\n{contents}"));
    for rule in file.groups.iter().flat_map(|g| &g.rules) {
        let expr = rule["expr"].as_str().expect("expr is a string");
        if let Err(e) = promql_parser::parser::parse(expr) {
            panic!("{path}: generated PromQL does not parse: {e}\n{expr}");
        }
    }
}

/// The example programs, read once: `specs/` and the bad specs under
/// `tests/errors/`.
pub fn seeds() -> &'static [String] {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .expect("seed directory")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "slo") {
                // A seed that is not UTF-8 (a fixture of that mistake) is
                // mutated as text, its bad bytes as `U+FFFD`.
                let bytes = fs::read(&p).expect("seed");
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = Vec::new();
        walk(&super::root().join("specs"), &mut out);
        walk(&super::root().join("tests/errors"), &mut out);
        assert!(!out.is_empty());
        out
    })
}

/// Pieces of `.slo` text, valid and not, besides the reserved words
/// (`slo::syntax::KEYWORDS`): for token soups and edits that reach deeper
/// than random characters do.
const PIECES: &[&str] = &[
    // Keys, kinds and common names.
    "receiver",
    "notify",
    "ratio",
    "latency",
    "gauge",
    "bad",
    "good",
    "total",
    "histogram",
    "threshold",
    "target",
    "window",
    "alerting",
    "team",
    "runbook",
    "none",
    "page",
    "ticket",
    "standard",
    "checkout",
    "requests",
    "tier",
    "_",
    "a-b",
    "tagret",
    "Service",
    // Punctuation.
    "{",
    "}",
    "=",
    "/",
    "%",
    "x",
    "\"",
    "`",
    "#",
    ".",
    "-",
    ":",
    "(",
    ")",
    "[",
    "]",
    ",",
    "$",
    "$window",
    "\\",
    // Durations.
    "5m",
    "1h",
    "30d",
    "28d",
    "0s",
    "300ms",
    "1h30m",
    "1.5h",
    "0.5ms",
    "1w",
    "99999w",
    "3650d",
    "3651d",
    "1e3s",
    "10y",
    "1m1m",
    "0.0001s",
    // Percentages, factors and numbers.
    "99.9%",
    "90%",
    "100%",
    "0%",
    "0.0000000000001%",
    "0.000000000001%",
    "99.9999999999999%",
    "1234567890123%",
    "14.4x",
    "0x",
    "1x",
    "1000000000000x",
    "999999999999x",
    "6x",
    "0",
    "1",
    "0.",
    ".5",
    "123456789012345",
    "99999999999999999999999999999999999999999",
    // Strings.
    "\"payments\"",
    "\"\\q\"",
    "\"{{ $value }}\"",
    "\"unterminated",
    "\"é🙂\"",
    "\"\\\"\"",
    "\"\"",
    // PromQL, in backticks and in pieces.
    "`http_requests_total{job=\"checkout\", code=~\"5..\"}`",
    "`http_requests_total{job=\"checkout\"}`",
    "`sum(rate(errors_total[$window]))`",
    "`rate(x[5m])`",
    "`foo{`",
    "``",
    "` `",
    "`x[$window]`",
    "`sum(rate(foo[$window])) / 0`",
    "`1`",
    "`\"str\"`",
    "`foo{le=\"0.3\"}`",
    "`sum(rate(foo[$window])`",
    "`@`",
    "`é🙂`",
    "`foo offset 5m`",
    "`foo[$window:1m]`",
    "`{job=\"a\"}`",
    "`foo{a=~\"(\"}`",
    "`$window`",
    "sum(rate(",
    "[$window]))",
    "{job=\"a\"}",
    "=~\"5..\"",
    "{{ $value }}",
    // Comments, blanks and odd characters.
    "# comment\n",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "é",
    "🙂",
    "\u{0}",
    "\u{feff}",
    "\u{202e}",
    "\u{2028}",
    "\u{1b}[31m",
];

/// Every token: the reserved words, then the other pieces.
pub fn tokens() -> &'static [&'static str] {
    static TOKENS: OnceLock<Vec<&'static str>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        slo::syntax::KEYWORDS
            .iter()
            .chain(PIECES)
            .copied()
            .collect()
    })
}

/// A token, a word or a few arbitrary characters.
pub fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(tokens()).prop_map(str::to_string),
        1 => "[a-z_][a-z0-9_-]{0,6}",
        1 => "\\PC{1,3}",
    ]
}

/// Tokens joined by random blanks (or none).
pub fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (token(), prop::sample::select(&[" ", " ", "", "\n"][..])),
        0..80,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .map(|(t, sep)| format!("{t}{sep}"))
            .collect()
    })
}

/// One edit of a text: delete, duplicate or replace a range, or insert a
/// token; positions are taken modulo the text's length.
#[derive(Debug, Clone)]
pub enum Edit {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, usize),
    Replace(usize, usize, usize),
}

pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..40usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), 0..80usize).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, t)| Edit::Insert(a, t)),
        (any::<usize>(), 0..10usize, any::<usize>()).prop_map(|(a, n, t)| Edit::Replace(a, n, t)),
    ]
}

/// Applies edits at character boundaries, so the result stays UTF-8.
pub fn mutate(text: &str, edits: &[Edit]) -> String {
    let tokens = tokens();
    let mut s = text.to_string();
    let at = |s: &str, i: usize| {
        let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        bounds[i % bounds.len()]
    };
    let span = |s: &str, a: usize, n: usize| {
        let start = at(s, a);
        let mut end = (start + n).min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        (start, end)
    };
    for e in edits {
        match *e {
            Edit::Delete(a, n) => {
                let (start, end) = span(&s, a, n);
                s.replace_range(start..end, "");
            }
            Edit::Duplicate(a, n) => {
                let (start, end) = span(&s, a, n);
                let copy = s[start..end].to_string();
                s.insert_str(end, &copy);
            }
            Edit::Insert(a, t) => {
                let start = at(&s, a);
                s.insert_str(start, tokens[t % tokens.len()]);
            }
            Edit::Replace(a, n, t) => {
                let (start, end) = span(&s, a, n);
                s.replace_range(start..end, tokens[t % tokens.len()]);
            }
        }
    }
    s
}
