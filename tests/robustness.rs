//! Whatever a user types, `slo` answers: arbitrary text and bytes, soups of
//! tokens and mutated examples never panic the library (through the one
//! harness, `support::pipeline`) or the binary, the binary always ends with
//! exit status 0 or 1 (bytes that are not UTF-8 included), and whatever
//! compiles is valid YAML whose expressions parse as PromQL.
//!
//! The fuzz target in `fuzz/` explores the same ground for much longer; these
//! properties keep it in the normal test suite.

mod support;

use proptest::prelude::*;
use std::fs;
use std::process::Command;
use support::pipeline::{self, edit, mutate, seeds, soup};
use support::root;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_library(
        bytes in prop_oneof![
            any::<String>().prop_map(String::into_bytes),
            "\\PC{0,200}|[ -~\\n]{0,400}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..300),
        ],
    ) {
        pipeline::run(&[bytes]);
    }

    #[test]
    fn token_soup_never_panics_the_library(a in soup(), b in soup()) {
        pipeline::run(&[a, b]);
    }

    #[test]
    fn mutated_specs_never_panic_the_library(
        seed in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(edit(), 1..8),
    ) {
        let text = seed.get(seeds());
        pipeline::run(&[mutate(text, &edits)]);
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
        pipeline::run(&[&mutated[..at], &mutated[at..]]);
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
    // Each case starts the binary twice; fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_binary_exits_0_or_1_on_any_text(
        seed in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(edit(), 0..6),
    ) {
        let text = mutate(seed.get(seeds()).as_str(), &edits);
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
        let mut argv = vec![command];
        argv.extend(args.iter().map(String::as_str));
        let (code, stderr) = run_binary_with(seed.get(seeds()).as_bytes(), &argv);
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
        pipeline::run(&[spec]);
    }
}
