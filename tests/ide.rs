//! What the language server answers, asked of the library directly
//! (`slo::ide`): completion in each kind of block, hover, navigation and
//! rename across files, quick fixes; and, over random edit sequences of
//! every example program, that no question about any place of any buffer
//! panics or answers with a span outside its file.

mod support;

use proptest::prelude::*;
use proptest::test_runner::Config;
use slo::diag::FileId;
use slo::ide::lines::Position;
use slo::ide::{Analysis, CompletionKind};
use support::pipeline::{edit, mutate, seeds};

const POLICIES: &str = "policy standard {
  page   14.4x over 1h/5m
  ticket 1x    over 3d/6h
}

receiver oncall = pagerduty {
  routing_key_file = \"/etc/alertmanager/pd\"
}

notify {
  page = oncall
}
";

const CHECKOUT: &str = "defaults {
  alerting = standard
}

service checkout {
  team = \"payments\"

  sli requests = ratio {
    bad   = `errors_total`
    total = `requests_total`
  }

  slo availability {
    sli    = requests
    target = 99.9%
    window = 28d
  }
}
";

fn analysis(files: &[(&str, &str)]) -> Analysis {
    Analysis::new(files.iter().map(|(n, t)| (n.to_string(), t.to_string())))
}

fn two() -> Analysis {
    analysis(&[("/w/policies.slo", POLICIES), ("/w/checkout.slo", CHECKOUT)])
}

/// The offset of the `n`th (from 0) occurrence of `needle` in `file`, plus
/// `plus`.
fn at(a: &Analysis, file: FileId, needle: &str, n: usize, plus: usize) -> usize {
    let text = &a.sources().get(file).text;
    text.match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("`{needle}` #{n} in the file"))
        .0
        + plus
}

fn labels(a: &Analysis, file: FileId, offset: usize) -> Vec<String> {
    a.completions(file, offset)
        .into_iter()
        .map(|c| c.label)
        .collect()
}

fn with_typed(text: &str, after: &str, typed: &str) -> (Analysis, usize) {
    let at = text.find(after).expect("anchor") + after.len();
    let mut edited = text.to_string();
    edited.insert_str(at, typed);
    let a = analysis(&[("/w/policies.slo", POLICIES), ("/w/checkout.slo", &edited)]);
    (a, at + typed.len())
}

#[test]
fn completion_offers_what_fits_where_the_cursor_is() {
    let checkout = FileId(1);
    // At the top level: the items.
    let (a, offset) = with_typed(CHECKOUT, "}\n\n", "");
    assert_eq!(
        labels(&a, checkout, offset),
        ["service", "policy", "defaults", "receiver", "notify"]
    );
    // In a service: its keys not yet set, then its blocks.
    let (a, offset) = with_typed(CHECKOUT, "team = \"payments\"\n", "  ");
    assert_eq!(
        labels(&a, checkout, offset),
        ["runbook", "sli", "slo", "labels"]
    );
    // After `sli NAME =` in a service: the SLI kinds.
    let (a, offset) = with_typed(CHECKOUT, "team = \"payments\"\n", "  sli x = ");
    assert_eq!(labels(&a, checkout, offset), ["ratio", "latency", "gauge"]);
    // In a ratio SLI, with `bad` and `total` set: what is left.
    let (a, offset) = with_typed(CHECKOUT, "`requests_total`\n", "    ");
    assert_eq!(labels(&a, checkout, offset), ["good"]);
    // `alerting =` in `defaults`: the policies, and `none`.
    let (a, offset) = with_typed(CHECKOUT, "alerting = standard\n", "  no_data = ");
    assert_eq!(labels(&a, checkout, offset), ["page", "ticket", "none"]);
    let (a, offset) = with_typed(CHECKOUT, "defaults {\n", "  alerting = st");
    let c = a.completions(checkout, offset);
    assert_eq!(
        c.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
        ["standard", "none"]
    );
    assert_eq!(c[0].kind, CompletionKind::Policy);
    // Nothing inside a string or PromQL.
    let (a, offset) = with_typed(CHECKOUT, "bad   = `err", "");
    assert!(a.completions(checkout, offset).is_empty());
}

#[test]
fn completion_in_policies_and_notify_blocks() {
    let policies = FileId(0);
    let a = two();
    // A new line of a policy: the severities, and `alert`.
    let offset = at(&a, policies, "  ticket", 0, 0);
    let c = a.completions(policies, offset);
    assert_eq!(
        c.iter()
            .map(|c| (c.label.as_str(), c.detail.as_str()))
            .collect::<Vec<_>>(),
        [
            ("page", "severity of a policy line"),
            ("ticket", "severity of a policy line"),
            ("alert", "alert = \"CheckoutErrorBudgetBurn\""),
        ]
    );
    // A value in `notify`: the receivers.
    let offset = at(&a, policies, "= oncall", 0, 2);
    let c = a.completions(policies, offset);
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].label.as_str(), c[0].detail.as_str()),
        ("oncall", "pagerduty receiver")
    );
    // The receiver's own keys, each with the checker's example.
    let offset = at(&a, policies, "  routing_key_file", 0, 0);
    let keys = a.completions(policies, offset);
    assert!(
        keys.iter().all(|k| k.kind == CompletionKind::Key),
        "{keys:?}"
    );
}

#[test]
fn navigation_and_rename_cross_files() {
    let a = two();
    let (policies, checkout) = (FileId(0), FileId(1));
    let standard_use = at(&a, checkout, "standard", 0, 3);
    let definition = a.definition(checkout, standard_use);
    assert_eq!(definition.len(), 1);
    assert_eq!(definition[0].file, policies);
    assert_eq!(
        a.sources()
            .get(policies)
            .text
            .get(definition[0].start..definition[0].end),
        Some("standard")
    );
    // The receiver, from its use in `notify` to its definition.
    let oncall = a.definition(policies, at(&a, policies, "= oncall", 0, 3));
    assert_eq!(oncall[0].start, at(&a, policies, "oncall", 0, 0));
    // References without the definition.
    let refs = a.references(policies, at(&a, policies, "standard", 0, 0), false);
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].file, checkout);
    // Renaming the policy edits both files.
    let spans = a
        .rename(policies, at(&a, policies, "standard", 0, 1), "default-burn")
        .expect("renamed");
    let files: Vec<FileId> = spans.iter().map(|s| s.file).collect();
    assert_eq!(files, [policies, checkout]);
    // A name taken by another policy, or a keyword, is refused.
    let taken = analysis(&[(
        "/w/a.slo",
        "policy a {\n  page 1x over 1h/5m\n}\npolicy b {\n  page 2x over 1h/5m\n}\n",
    )]);
    let err = taken.rename(FileId(0), 8, "b").expect_err("taken");
    assert_eq!(err.0, "a policy named `b` already exists");
    assert!(taken.rename(FileId(0), 8, "service").is_err());
    assert!(taken.rename(FileId(0), 8, "9lives").is_err());
    // No symbol here: nothing to rename.
    assert!(a.rename_target(checkout, 0).is_none());
}

#[test]
fn hover_explains_names_and_budgets() {
    let a = two();
    let (policies, checkout) = (FileId(0), FileId(1));
    let (_, text) = a
        .hover(checkout, at(&a, checkout, "99.9%", 0, 1))
        .expect("hover on a target");
    assert_eq!(
        text,
        "**target 99.9%** over 28d\n\nerror budget: 0.1% of 28d = 40m19s of full outage"
    );
    let (span, text) = a
        .hover(policies, at(&a, policies, "14.4x", 0, 0))
        .expect("hover on a line");
    assert_eq!(
        a.sources().get(policies).text.get(span.start..span.end),
        Some("page   14.4x over 1h/5m")
    );
    assert!(
        text.contains("| `checkout/availability` (99.9% over 28d) | 14.4x | 2.143% | 52s | 1.44% | 1d22h40m |"),
        "{text}"
    );
    let (_, text) = a
        .hover(checkout, at(&a, checkout, "checkout", 0, 0))
        .expect("hover on a service");
    assert_eq!(
        text,
        "service `checkout` of team `payments`\n\n- `availability`: 99.9% over 28d, error budget 40m19s of full outage"
    );
    let (_, text) = a
        .hover(policies, at(&a, policies, "oncall", 0, 0))
        .expect("hover on a receiver");
    assert!(
        text.starts_with("receiver `oncall`\n\n```slo\nreceiver oncall = pagerduty {"),
        "{text}"
    );
}

#[test]
fn quick_fixes_come_from_did_you_mean() {
    let text = CHECKOUT.replace("target =", "traget =");
    let a = analysis(&[("/w/policies.slo", POLICIES), ("/w/checkout.slo", &text)]);
    let checkout = FileId(1);
    let offset = at(&a, checkout, "traget", 0, 2);
    let fixes = a.fixes(checkout, offset, offset);
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0].text, "target");
    assert_eq!(
        text.get(fixes[0].span.start..fixes[0].span.end),
        Some("traget")
    );
    assert_eq!(a.diagnostics()[fixes[0].diag].code.as_str(), "SLO003");
}

/// Every span an answer holds lies inside its file, on character
/// boundaries.
fn inside(a: &Analysis, span: slo::diag::Span) {
    let text = &a.sources().get(span.file).text;
    assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
}

fn ask_everything(a: &Analysis, file: FileId, offset: usize) {
    let text = &a.sources().get(file).text;
    let offset = offset % (text.len() + 1);
    if let Some((span, _)) = a.hover(file, offset) {
        inside(a, span);
    }
    a.definition(file, offset)
        .into_iter()
        .for_each(|s| inside(a, s));
    a.references(file, offset, true)
        .into_iter()
        .for_each(|s| inside(a, s));
    a.completions(file, offset);
    a.fixes(file, offset, offset)
        .into_iter()
        .for_each(|f| inside(a, f.span));
    if let Ok(spans) = a.rename(file, offset, "renamed") {
        spans.into_iter().for_each(|s| inside(a, s));
    }
    let _ = a.format(file);
    // Positions and offsets agree wherever a character starts (but
    // between `\r` and `\n`, where no cursor stands).
    let start = (0..=offset)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    if !text.get(..start).is_some_and(|t| t.ends_with('\r')) {
        let p: Position = a.position(file, start);
        assert_eq!(a.offset(file, p), start, "position {p:?} of offset {start}");
    }
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    /// A buffer edited step by step, as typing does: after each step the
    /// whole program is analysed again and asked about random places.
    #[test]
    fn random_edit_sequences_never_panic(
        first in 0usize..1000,
        second in 0usize..1000,
        edits in prop::collection::vec(edit(), 1..12),
        places in prop::collection::vec(any::<usize>(), 4),
    ) {
        let seeds = seeds();
        let mut buffer = seeds[first % seeds.len()].clone();
        let other = seeds[second % seeds.len()].clone();
        for e in &edits {
            buffer = mutate(&buffer, std::slice::from_ref(e));
            let a = analysis(&[("/w/a.slo", &buffer), ("/w/b.slo", &other)]);
            for &place in &places {
                ask_everything(&a, FileId(0), place);
            }
        }
    }
}

#[test]
fn files_from_disk_are_read_as_slo_check_reads_them() {
    // A byte-order mark is not part of the text; a byte that is not UTF-8
    // is reported, at its place.
    let a = Analysis::from_bytes([
        (
            "/w/a.slo".to_string(),
            b"\xef\xbb\xbfpolicy p {\n  page 1x over 1h/5m\n}\n".to_vec(),
        ),
        ("/w/b.slo".to_string(), b"# caf\xe9\n".to_vec()),
    ]);
    assert_eq!(a.sources().get(FileId(0)).text.get(..6), Some("policy"));
    let d = a
        .diagnostics()
        .iter()
        .find(|d| d.code.as_str() == "SLO013")
        .expect("the bad byte is reported");
    assert_eq!(
        a.position(d.primary.span.file, d.primary.span.start),
        Position { line: 0, column: 5 }
    );
}
