//! The parser against pest, the oracle: on every spec, fixture and fuzzing
//! input, on token soups and spliced specs, accepted and rejected alike; and
//! recovery: a broken item takes no other item with it.

use super::parse;
use crate::diag::FileId;
use crate::syntax::ast::*;
use crate::syntax::oracle::parse_with_pest;
use crate::syntax::recover::starts_item;
use crate::syntax::KEYWORDS;
use proptest::prelude::*;
use std::path::Path;

/// The property: where pest accepts a text, this parser gives the same
/// tree and diagnostics; where pest rejects it, this parser does too.
fn agrees_with_pest(text: &str) -> Result<(), String> {
    let file = FileId(0);
    let ours = match parse(file, text) {
        (tree, diags, failures) if failures.is_empty() => Some((tree, diags)),
        _ => None,
    };
    match (ours, parse_with_pest(file, text)) {
        (Some(ours), Some(theirs)) if ours == theirs => Ok(()),
        (None, None) => Ok(()),
        (ours, theirs) => Err(format!(
            "parsers disagree on {text:?}:\nthis one: {ours:#?}\npest: {theirs:#?}"
        )),
    }
}

fn slo_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            slo_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "slo") {
            found.push(path);
        }
    }
}

/// Every spec and test fixture, and every input the fuzzer kept: they
/// cover the grammar (the fuzzer keeps what reaches new code in this
/// parser).
#[test]
fn agrees_with_pest_on_specs_fixtures_and_the_fuzzing_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in ["specs", "tests", "docs"] {
        slo_files(&root.join(dir), &mut paths);
    }
    let corpus = std::fs::read_dir(root.join("fuzz/corpus/parse_check"))
        .expect("the fuzzing corpus is in the repository");
    paths.extend(corpus.flatten().map(|e| e.path()));
    assert!(paths.len() > 1000, "only {} inputs found", paths.len());
    let (mut accepted, mut rejected) = (0, 0);
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not UTF-8: never reaches a parser
        };
        if let Err(e) = agrees_with_pest(&text) {
            panic!("{}: {e}", path.display());
        }
        if parse(FileId(0), &text).2.is_empty() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    // Both outcomes are exercised.
    assert!(
        accepted > 100 && rejected > 100,
        "{accepted} accepted, {rejected} rejected"
    );
}

/// Pieces of the language besides the reserved words, blanks and
/// comments included, and near misses.
const PIECES: &[&str] = &[
    "receiver",
    "notify",
    "team",
    "page",
    "x",
    "a-b_1",
    "_",
    "policyx",
    "for2",
    "{",
    "}",
    "[",
    "]",
    "=",
    "/",
    ",",
    "\"s\"",
    "\"a\\\"b\"",
    "\"\\q\"",
    "\"\\",
    "`rate(x[$window])`",
    "`",
    "14.4x",
    "annotations",
    "drop",
    "alert",
    "2%",
    "99.9%",
    "1.",
    ".5",
    "0.5",
    "12",
    "1234567890123.5",
    "5m",
    "1h30m",
    "300ms",
    "5mx",
    "5ms5m",
    "99999w",
    "5",
    "m",
    "%",
    " ",
    "\t",
    "\n",
    "\r\n",
    "# note\n",
    "#",
    "é",
];

fn piece() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(KEYWORDS.iter().chain(PIECES).copied().collect::<Vec<_>>())
}

fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..40).prop_map(|p| {
        p.iter()
            .flat_map(|piece| [*piece, " "])
            .take(2 * p.len())
            .collect()
    })
}

/// A valid program with pieces spliced into it: mostly almost valid.
fn spliced() -> impl Strategy<Value = String> {
    const BASE: &str = include_str!("../../../specs/checkout.slo");
    let edit = (0..BASE.len(), 0..8usize, piece());
    proptest::collection::vec(edit, 1..4).prop_map(|edits| {
        let mut text = BASE.to_string();
        for (at, cut, piece) in edits {
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(at..end, piece);
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn agrees_with_pest_on_token_soup(text in soup()) {
        agrees_with_pest(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn agrees_with_pest_on_spliced_specs(text in spliced()) {
        agrees_with_pest(&text).map_err(TestCaseError::fail)?;
    }
}

/// Items that do not parse, each a whole item.
const BROKEN_ITEMS: &[&str] = &[
    "service broken {\n  slo x {\n    target = 99.9%\n\n",
    "service broken {\n  team = \"t\"\n",
    "policy broken {\n  page 14.4x 1h/5m\n}\n",
    "policy broken {\n  page 14.4x over 1h/5m\n",
    "defaults {\n  window = 30 days\n}\n",
    "receiver broken = {\n}\n",
    "notify bogus {\n}\n",
    "servce broken {\n}\n",
    "service broken {\n  sli r = ratio {\n    bad = `x\n  }\n}\n",
];

/// A name for each item, as a summary of a tree.
fn names(file: &File) -> Vec<String> {
    file.items
        .iter()
        .map(|item| match item {
            Item::Policy(p) => format!("policy {}", p.name.text),
            Item::Defaults(_) => "defaults".to_string(),
            Item::Service(s) => format!("service {} {}", s.name.text, s.slos.len()),
            Item::Receiver(r) => format!("receiver {}", r.name.text),
            Item::Notify(n) => match &n.scope {
                NotifyScope::All => "notify".to_string(),
                NotifyScope::Service(s) => format!("notify service {}", s.text),
                NotifyScope::Team(t) => format!("notify team {}", t.text),
            },
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A broken item put before any item of a valid program is one
    /// syntax error, and every item of the program is still there.
    #[test]
    fn a_broken_item_takes_no_other_item_with_it(
        spec in proptest::sample::select(vec![
            include_str!("../../../specs/checkout.slo"),
            include_str!("../../../specs/notifications.slo"),
            include_str!("../../../specs/search.slo"),
        ]),
        broken in proptest::sample::select(BROKEN_ITEMS.to_vec()),
        at in 0..64usize,
    ) {
        let (whole, _, failures) = parse(FileId(0), spec);
        prop_assert!(failures.is_empty());
        let starts: Vec<usize> = (0..spec.len())
            .filter(|&i| {
                (i == 0 || spec.as_bytes().get(i - 1) == Some(&b'\n'))
                    && starts_item(spec.as_bytes(), i)
            })
            .collect();
        let start = starts.get(at % starts.len()).copied().unwrap_or(0);
        let mut text = spec.to_string();
        text.insert_str(start, broken);
        let (tree, _, failures) = parse(FileId(0), &text);
        prop_assert_eq!(failures.len(), 1, "{}", text);
        prop_assert_eq!(names(&tree), names(&whole), "{}", text);
    }
}

/// The entries of a policy body besides lines, and their near misses.
#[test]
fn agrees_with_pest_on_policy_bodies() {
    let bodies = [
        "alert = \"A\"  page 1x over 1h/5m  page labels { a = \"b\" }",
        "page annotations { summary = \"s\" } drop over 1h/5m",
        "drop 2x over 1h/5m",
        "drop over 1h/5m for 5m",
        "drop over",
        "drop overx 1h/5m",
        "page labels",
        "page labels {}",
        "labels { a = \"b\" }",
        "page labels { a = \"b\" } page labels { c = \"d\" }",
        "alert = standard { page 1x over 1h/5m }",
        "alert =",
        "page = 1x",
    ];
    for (i, body) in bodies.iter().enumerate() {
        for text in [
            format!("policy p {{ {body} }}"),
            format!("service s {{ slo o {{ alerting = p {{ {body} }} }} }}"),
        ] {
            agrees_with_pest(&text).unwrap_or_else(|e| panic!("{e}"));
            // The first three are the language; the checker judges them.
            if i < 3 {
                assert!(parse_with_pest(FileId(0), &text).is_some(), "{text}");
            }
        }
    }
}
