//! `slo fmt` as a user meets it, and its two promises, checked over
//! generated programs with comments sprinkled everywhere a blank may stand:
//! formatting twice changes nothing more, and the formatted program means
//! exactly what the original meant.

mod support;

use support::{root, slo};

use proptest::prelude::*;
use slo::diag::{FileId, Sources};
use std::fs;

const MESSY: &str = "service api {\nteam=\"web\"   # owners\n  sli requests = ratio { bad = `http_requests_total{code=~\"5..\"}`\n total=`http_requests_total` }\n slo availability { sli = requests\n target = 99.5% } }\n";

const TIDY: &str = "service api {\n  team = \"web\"  # owners\n\n  sli requests = ratio {\n    bad   = `http_requests_total{code=~\"5..\"}`\n    total = `http_requests_total`\n  }\n\n  slo availability {\n    sli    = requests\n    target = 99.5%\n  }\n}\n";

#[test]
fn the_example_specs_are_formatted() {
    let o = slo(&["fmt", "--check", "specs"], &root());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
}

#[test]
fn check_shows_a_diff_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("api.slo"), MESSY).expect("write");
    let o = slo(&["fmt", "--check", "api.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&o.stdout);
    assert!(
        diff.starts_with("--- api.slo\n+++ api.slo (formatted)\n@@ "),
        "{diff}"
    );
    assert!(
        diff.contains("\n-team=\"web\"   # owners\n")
            && diff.contains("\n+  team = \"web\"  # owners\n"),
        "{diff}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("api.slo")).expect("read"),
        MESSY
    );
}

#[test]
fn fmt_rewrites_in_place_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("specs")).expect("mkdir");
    fs::write(dir.path().join("specs/api.slo"), MESSY).expect("write");
    let o = slo(&["fmt", "specs"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    assert_eq!(
        fs::read_to_string(dir.path().join("specs/api.slo")).expect("read"),
        TIDY
    );
    let names: Vec<_> = fs::read_dir(dir.path().join("specs"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "no stray temporary files: {names:?}");
    let o = slo(&["fmt", "--check", "specs"], dir.path());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("bad.slo"), "service api {\n  team = \n}\n").expect("write");
    fs::write(dir.path().join("good.slo"), MESSY).expect("write");
    let o = slo(&["fmt", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error[SLO001]") && err.contains("bad.slo:3:1"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("bad.slo")).expect("read"),
        "service api {\n  team = \n}\n"
    );
    // The other file is still formatted.
    assert_eq!(
        fs::read_to_string(dir.path().join("good.slo")).expect("read"),
        TIDY
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let o = slo(&["fmt", "no/such.slo"], &root());
    assert_eq!(o.status.code(), Some(2));
}

/// What a program means: its checked form, its output and its diagnostics
/// (without positions, which formatting moves).
fn meaning(
    text: &str,
) -> (
    Option<slo::check::Program>,
    Vec<slo::OutputFile>,
    Vec<String>,
) {
    let mut sources = Sources::new();
    sources.add("spec.slo", text);
    let checked = slo::check(&sources);
    let output = checked
        .program
        .as_ref()
        .map(slo::compile)
        .unwrap_or_default();
    let diags = checked
        .diags
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    (checked.program, output, diags)
}

fn fmt(text: &str) -> String {
    slo::fmt::format(FileId(0), text)
        .unwrap_or_else(|e| panic!("{}: {}\n{text}", e.code, e.message))
}

/// What may stand between two tokens.
const BLANKS: &[&str] = &[
    " ",
    "  ",
    "\n",
    "\n\n",
    "\n\n\n  ",
    "\t",
    " # a comment with `ticks`, \"quotes\" and {braces}\n",
    "\n# own line\n",
    "\n\n  # after a blank line\n\n",
    "   #tight\n  ",
];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(items)
}

fn tokens(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A policy line's tokens, e.g. `page 14.4x over 1h / 5m for 2m`.
fn policy_line() -> impl Strategy<Value = Vec<String>> {
    (
        pick(&["page", "ticket", "warn"]),
        pick(&["1x", "2x", "6x", "14.4x", "2%", "5%"]),
        pick(&[("1h", "5m"), ("6h", "30m"), ("1d", "2h"), ("3d", "6h")]),
        prop::option::of(pick(&["2m", "15m"])),
    )
        .prop_map(|(sev, burn, (long, short), for_)| {
            let mut t = tokens(&format!("{sev} {burn} over {long} / {short}"));
            if let Some(f) = for_ {
                t.extend(tokens(&format!("for {f}")));
            }
            t
        })
}

fn policy(name: &'static str) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(policy_line(), 1..4).prop_map(move |lines| {
        let mut t = tokens(&format!("policy {name} {{"));
        t.extend(lines.into_iter().flatten());
        t.push("}".into());
        t
    })
}

fn sli() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        pick(&["bad", "good"]).prop_map(|k| tokens(&format!(
            "sli s = ratio {{ {k} = `http_requests_total{{code=~\"5..\"}}` total = `http_requests_total` }}"
        ))),
        pick(&["[0.1, 0.25, 0.5]", "[100ms, 250ms, 1s]"]).prop_map(|b| {
            let b = b.replace(", ", " , ");
            tokens(&format!("sli s = latency {{ histogram = `http_request_duration_seconds` threshold = 250ms buckets = {b} }}"))
        }),
        Just(tokens("sli s = gauge { good = `probe_success{job=\"blackbox\"}` }")),
        Just(tokens("sli s = latency { native_histogram = `rpc_duration_seconds` threshold = 1s }")),
    ]
}

fn slo_block() -> impl Strategy<Value = Vec<String>> {
    (
        pick(&["99.9%", "99%", "95%"]),
        prop::option::of(pick(&["28d", "7d"])),
        prop::option::of(pick(&[
            "standard",
            "none",
            "standard { page 10x over 1h/5m }",
        ])),
        prop::option::of(pick(&["[route]", "[route, region]"])),
        prop::option::of(pick(&[
            "labels { category = \"availability\" }",
            "labels { }",
            "annotations { summary = \"High-error-rate\" playbook = \"https://x\" }",
            "labels { a = \"1\" b = \"2\" } annotations { summary = \"s\" }",
        ])),
        any::<bool>(),
    )
        .prop_map(|(target, window, alerting, by, own, own_first)| {
            let mut t = tokens("slo o {");
            if let (Some(own), true) = (own, own_first) {
                t.extend(tokens(own));
            }
            t.extend(tokens(&format!("sli = s target = {target}")));
            if let Some(w) = window {
                t.extend(tokens(&format!("window = {w}")));
            }
            if let Some(a) = alerting {
                let a = a.replace('/', " / ");
                t.extend(tokens(&format!("alerting = {a}")));
            }
            if let Some(b) = by {
                let b = b.replace('[', "[ ").replace(']', " ]").replace(',', " ,");
                t.extend(tokens(&format!("by = {b}")));
            }
            if let (Some(own), false) = (own, own_first) {
                t.extend(tokens(own));
            }
            t.push("}".into());
            t
        })
}

fn service() -> impl Strategy<Value = Vec<String>> {
    (
        prop::option::of(Just(tokens("team = \"payments\""))),
        prop::option::of(pick(&[
            "labels { tier = \"1\" }",
            "labels { tier = \"1\" env = \"prod\" }",
            "labels { }",
        ])),
        sli(),
        prop::option::of(slo_block()),
        any::<bool>(),
    )
        .prop_map(|(team, labels, sli, slo, team_last)| {
            let mut t = tokens("service api {");
            let team = team.unwrap_or_default();
            if !team_last {
                t.extend(team.clone());
            }
            if let Some(l) = labels {
                t.extend(tokens(l));
            }
            t.extend(sli);
            t.extend(slo.unwrap_or_default());
            if team_last {
                t.extend(team);
            }
            t.push("}".into());
            t
        })
}

/// A program as tokens, then joined with generated blanks and comments.
fn program() -> impl Strategy<Value = String> {
    (
        prop::option::of(policy("standard")),
        prop::option::of(pick(&[
            "defaults { window = 30d alerting = standard }",
            "defaults { }",
        ])),
        prop::option::of(service()),
        any::<bool>(),
    )
        .prop_flat_map(|(policy, defaults, service, policy_last)| {
            let mut t: Vec<String> = Vec::new();
            if !policy_last {
                t.extend(policy.clone().unwrap_or_default());
            }
            t.extend(defaults.map(tokens).unwrap_or_default());
            t.extend(service.unwrap_or_default());
            if policy_last {
                t.extend(policy.unwrap_or_default());
            }
            let n = t.len() + 1;
            (Just(t), prop::collection::vec(pick(BLANKS), n))
        })
        .prop_map(|(tokens, blanks)| {
            let mut text = String::from(blanks[0]);
            for (token, blank) in tokens.iter().zip(&blanks[1..]) {
                text.push_str(token);
                text.push_str(blank);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fmt_is_idempotent(text in program()) {
        let once = fmt(&text);
        let twice = fmt(&once);
        prop_assert_eq!(&twice, &once, "formatting again changed the text; first:\n{}", once);
    }

    #[test]
    fn fmt_keeps_the_meaning(text in program()) {
        let formatted = fmt(&text);
        let before = meaning(&text);
        let after = meaning(&formatted);
        prop_assert_eq!(&after.0, &before.0, "checked program changed:\n{}\n---\n{}", text, formatted);
        prop_assert_eq!(&after.1, &before.1, "output changed:\n{}\n---\n{}", text, formatted);
        prop_assert_eq!(&after.2, &before.2, "diagnostics changed:\n{}\n---\n{}", text, formatted);
    }

    #[test]
    fn fmt_never_panics_on_broken_input(text in program(), cut in 0.0..1.0f64, junk in "[a-z{}=,#`\"\\[\\]\n /%.0-9]{0,40}") {
        // A generated program, cut short and followed by junk: formatting
        // gives text or a syntax error, and formatted text formats to itself
        // (`support::pipeline` checks that, and what else holds whatever the
        // input).
        let mut end = (text.len() as f64 * cut) as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        support::pipeline::run(&[format!("{}{junk}", &text[..end])]);
    }

    #[test]
    fn fmt_keeps_every_comment(text in program()) {
        let formatted = fmt(&text);
        let count = |t: &str| t.lines().filter(|l| l.contains('#')).map(|l| l.matches('#').count()).sum::<usize>();
        prop_assert_eq!(count(&formatted), count(&text), "a comment was lost or duplicated:\n{}\n---\n{}", text, formatted);
    }
}

#[test]
fn the_documentation_examples_are_formatted() {
    for (page, text) in [
        ("docs/language.md", include_str!("../docs/language.md")),
        ("README.md", include_str!("../README.md")),
    ] {
        for example in text
            .split("```slo\n")
            .skip(1)
            .filter_map(|r| r.split("```").next())
        {
            assert_eq!(
                fmt(example),
                example,
                "an example in {page} is not formatted"
            );
        }
    }
}
