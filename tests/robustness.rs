//! Whatever a user types, `slo` answers: arbitrary bytes and mutated valid
//! specs never panic the library or the binary, the binary always ends with
//! exit status 0 or 1 (bytes that are not UTF-8 included), and whatever
//! compiles is valid YAML whose expressions parse as PromQL.
//!
//! The fuzz target in `fuzz/` explores the same ground for much longer; these
//! properties keep it in the normal test suite.

use proptest::prelude::*;
use slo::diag::{render, Sources};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example programs: `specs/` and the bad specs under `tests/errors/`.
fn seeds() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
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
    let mut out = Vec::new();
    walk(&root().join("specs"), &mut out);
    walk(&root().join("tests/errors"), &mut out);
    assert!(!out.is_empty());
    out
}

/// Tokens of the language and of PromQL, for insertions that reach deeper
/// than random bytes do.
const TOKENS: &[&str] = &[
    "policy",
    "defaults",
    "service",
    "labels",
    "sli",
    "slo",
    "over",
    "for",
    "ratio",
    "latency",
    "team",
    "runbook",
    "window",
    "alerting",
    "target",
    "bad",
    "good",
    "total",
    "histogram",
    "threshold",
    "none",
    "{",
    "}",
    "=",
    "/",
    "#",
    "\"",
    "`",
    "\\",
    "\n",
    "$window",
    "14.4x",
    "0x",
    "99.9%",
    "100%",
    "0%",
    "30d",
    "0s",
    "5m",
    "1h",
    "300ms",
    "3650d",
    "99999w",
    "999999999999x",
    "0.000000000001%",
    "sum(rate(",
    "[$window]))",
    "{job=\"a\"}",
    "=~\"5..\"",
    "{{ $value }}",
    "é",
    "\u{2028}",
    "\0",
    "\u{202e}",
    "\u{1b}[31m",
    "\r",
];

/// One edit of a text: delete, duplicate or replace a range, or insert a token.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, usize),
    Replace(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..40usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), 0..80usize).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, t)| Edit::Insert(a, t)),
        (any::<usize>(), 0..10usize, any::<usize>()).prop_map(|(a, n, t)| Edit::Replace(a, n, t)),
    ]
}

/// Applies edits at character boundaries, so the result stays UTF-8.
fn mutate(text: &str, edits: &[Edit]) -> String {
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
                s.insert_str(start, TOKENS[t % TOKENS.len()]);
            }
            Edit::Replace(a, n, t) => {
                let (start, end) = span(&s, a, n);
                s.replace_range(start..end, TOKENS[t % TOKENS.len()]);
            }
        }
    }
    s
}

/// Everything the library does with a program, as the command line does it:
/// check, render every diagnostic, compile when clean. Whatever compiles
/// must be YAML whose `expr` values parse as PromQL.
fn run_library(files: &[String]) {
    let mut sources = Sources::new();
    for (i, text) in files.iter().enumerate() {
        sources.add(format!("f{i}.slo"), text.clone());
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
    if let Some(program) = &checked.program {
        for file in slo::compile(program) {
            assert_rules_parse(&file.path, &file.contents);
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
    if !path.ends_with(".yml") {
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

/// Runs the binary on `bytes` as a file, with `check` and with `compile`,
/// and returns both exit statuses.
fn run_binary(bytes: &[u8]) -> (i32, i32) {
    let (check, _) = run_binary_with(bytes, &["check", "a.slo"]);
    let (compile, _) = run_binary_with(bytes, &["compile", "a.slo", "-o", "out"]);
    (check, compile)
}

/// Runs the binary with `args` in a directory holding `bytes` as `a.slo`,
/// and returns its exit status and stderr. Fails on a panic or a signal.
fn run_binary_with(bytes: &[u8], args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), bytes).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run slo");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "slo {args:?} panicked:\n{stderr}"
    );
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("slo {args:?} was killed:\n{stderr}"));
    (code, stderr)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_library(text in "\\PC{0,200}|[ -~\\n]{0,400}") {
        run_library(&[text]);
    }

    #[test]
    fn mutated_specs_never_panic_the_library(
        seed in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(edit(), 1..8),
    ) {
        let seeds = seeds();
        let text = seed.get(&seeds);
        run_library(&[mutate(text, &edits)]);
    }

    #[test]
    fn mutated_programs_over_several_files_never_panic_the_library(
        edits in proptest::collection::vec(edit(), 1..6),
        split in any::<usize>(),
    ) {
        // The tour split in two files at a random place, then mutated.
        let tour = fs::read_to_string(root().join("specs/checkout.slo")).expect("tour");
        let mutated = mutate(&tour, &edits);
        let mut at = split % (mutated.len() + 1);
        while !mutated.is_char_boundary(at) {
            at -= 1;
        }
        run_library(&[mutated[..at].to_string(), mutated[at..].to_string()]);
    }
}

proptest! {
    // Each case starts the binary twice; fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_binary_exits_0_or_1_on_any_text(
        seed in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(edit(), 0..6),
    ) {
        let seeds = seeds();
        let text = mutate(seed.get(&seeds).as_str(), &edits);
        let (check, compile) = run_binary(text.as_bytes());
        prop_assert!(matches!(check, 0 | 1), "check exited {check}");
        prop_assert_eq!(check, compile, "check and compile disagree");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_a_spec_error(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let (check, stderr) = run_binary_with(&bytes, &["check", "a.slo"]);
        let (compile, _) = run_binary_with(&bytes, &["compile", "a.slo", "-o", "out"]);
        prop_assert!(matches!(check, 0 | 1), "check exited {check}");
        prop_assert_eq!(check, compile, "check and compile disagree");
        let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
        if std::str::from_utf8(text).is_err() {
            prop_assert!(stderr.contains("error[SLO013]"), "{}", stderr);
        }
    }
}

/// One argument of a command line: a word `slo` knows, a path of the
/// directory the run is in, or any text without `/` (which keeps every path
/// inside that directory) and without NUL (which no argument can hold).
fn argument() -> impl Strategy<Value = String> {
    const WORDS: &[&str] = &[
        "check",
        "compile",
        "fmt",
        "budget",
        "explain",
        "init",
        "--format",
        "json",
        "github",
        "human",
        "markdown",
        "-o",
        "--out",
        "--check",
        "--deny",
        "warnings",
        "--help",
        "-h",
        "--version",
        "--",
        "-",
        "",
        ".",
        "a.slo",
        "missing.slo",
        "out",
        "specs",
        "SLO101",
        "slo013",
        "x€y",
        "\u{feff}",
    ];
    prop_oneof![
        proptest::sample::select(WORDS).prop_map(str::to_string),
        "[^/\0]{0,12}",
        "\\PC{0,8}".prop_filter("stays in the directory", |s| !s.contains(['/', '\0'])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every subcommand, with any arguments, in a directory holding a spec:
    /// a usage error is exit status 2 and a message, never a panic.
    #[test]
    fn any_arguments_to_any_subcommand_never_panic(
        command in proptest::sample::select(&["check", "compile", "fmt", "budget", "explain", "init"][..]),
        args in proptest::collection::vec(argument(), 0..5),
        seed in any::<proptest::sample::Index>(),
    ) {
        let seeds = seeds();
        let mut argv = vec![command];
        argv.extend(args.iter().map(String::as_str));
        let (code, stderr) = run_binary_with(seed.get(&seeds).as_bytes(), &argv);
        prop_assert!(matches!(code, 0..=2), "slo {:?} exited {}:\n{}", argv, code, stderr);
    }
}

/// A decimal with up to 12 significant digits, small or large.
fn decimal() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u64..=999_999_999_999).prop_map(|n| n.to_string()),
        (1u64..=999_999_999_999, 1usize..=12).prop_map(|(n, places)| {
            let digits = format!("{n:0>width$}", width = places + 1);
            let (int, frac) = digits.split_at(digits.len() - places);
            format!("{int}.{frac}")
        }),
    ]
}

/// A window in whole seconds up to ten years, often a prime number of them.
fn window() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(7919u64),
        Just(86_399),
        Just(315_359_999),
        1u64..=315_360_000,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The budget math is exact on fractions; extreme literals must neither
    /// overflow it (tests run with overflow checks) nor produce output that
    /// does not parse.
    #[test]
    fn extreme_numbers_never_overflow_the_budget_math(
        factor in decimal(),
        share in decimal(),
        target in decimal(),
        period in window(),
        long in window(),
        short in window(),
        for_ in window(),
    ) {
        let spec = format!(
            "policy p {{\n  page {factor}x over {long}s/{short}s for {for_}s\n  ticket {share}% over {long}s/{short}s\n}}\n\
             service api {{\n  sli r = ratio {{\n    bad = `e_total`\n    total = `r_total`\n  }}\n\
             slo a {{\n    sli = r\n    target = {target}%\n    window = {period}s\n    alerting = p\n  }}\n}}\n"
        );
        run_library(&[spec]);
    }
}
