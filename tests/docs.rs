//! `docs/diagnostics.md` documents every code, and each documented example
//! yields exactly its code.

mod support;

use slo::diag::{Code, Sources};
use std::collections::BTreeSet;

fn sections() -> Vec<(String, String)> {
    support::diagnostic_examples()
}

#[test]
fn every_code_is_documented_once() {
    let documented: Vec<String> = sections().into_iter().map(|(c, _)| c).collect();
    let unique: BTreeSet<&String> = documented.iter().collect();
    assert_eq!(unique.len(), documented.len(), "a code is documented twice");
    let known: BTreeSet<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    let documented: BTreeSet<String> = documented.into_iter().collect();
    assert_eq!(
        known, documented,
        "codes in the compiler and in docs/diagnostics.md differ"
    );
}

#[test]
fn every_example_yields_exactly_its_code() {
    for (code, example) in sections() {
        if code.starts_with("SLO6") {
            let codes = imported_codes(&code, &example);
            assert_eq!(
                codes,
                BTreeSet::from([code.clone()]),
                "the example of {code} yields other codes:\n{example}"
            );
            continue;
        }
        let mut sources = Sources::new();
        sources.add_bytes(format!("{code}.slo"), bytes(&example));
        let checked = slo::check(&sources);
        let codes: BTreeSet<&str> = checked.diags.iter().map(|d| d.code.as_str()).collect();
        // What only a server knows is found against one (`tests/live.rs`
        // runs these examples there); offline they must be clean.
        let live = code.parse::<Code>().is_ok_and(Code::live);
        let expected = if live {
            BTreeSet::new()
        } else {
            BTreeSet::from([code.as_str()])
        };
        assert_eq!(
            codes, expected,
            "the example of {code} yields other codes:\n{example}"
        );
    }
}

/// The codes `slo import` yields for an example whose first line is
/// `# slo import FORMAT`.
fn imported_codes(code: &str, example: &str) -> BTreeSet<String> {
    let format = match example.lines().next() {
        Some("# slo import sloth") => slo::import::Format::Sloth,
        Some("# slo import pyrra") => slo::import::Format::Pyrra,
        Some("# slo import openslo") => slo::import::Format::OpenSlo,
        other => {
            panic!("the example of {code} does not start with `# slo import FORMAT`: {other:?}")
        }
    };
    let mut sources = Sources::new();
    sources.add(format!("{code}.yaml"), example);
    let imported = slo::import::import(format, &sources);
    imported
        .diags
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect()
}

/// The bytes of an example, where `\xNN` stands for the byte `0xNN` (a
/// page cannot hold bytes that are not UTF-8).
fn bytes(example: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = example;
    while let Some((before, after)) = rest.split_once("\\x") {
        out.extend_from_slice(before.as_bytes());
        let byte = after.get(..2).and_then(|h| u8::from_str_radix(h, 16).ok());
        match byte {
            Some(b) => {
                out.push(b);
                rest = after.get(2..).unwrap_or_default();
            }
            None => {
                out.extend_from_slice(b"\\x");
                rest = after;
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// The ```slo blocks of a Markdown page.
fn examples(page: &str) -> Vec<String> {
    page.split("```slo\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .map(str::to_string)
        .collect()
}

/// A policy the examples may name without defining it.
const PRELUDE: &str = "policy standard {\n  page 14.4x over 1h/5m\n}\n";

fn assert_examples_compile(page_name: &str, page: &str) {
    let examples = examples(page);
    assert!(!examples.is_empty(), "{page_name} has no examples");
    for example in examples {
        let mut sources = Sources::new();
        sources.add("example.slo", example.clone());
        if !example.contains("policy standard") {
            sources.add("prelude.slo", PRELUDE);
        }
        let checked = slo::check(&sources);
        let errors: Vec<_> = checked
            .diags
            .iter()
            .filter(|d| d.severity == slo::diag::Severity::Error)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(
            errors.is_empty(),
            "an example in {page_name} does not compile: {errors:?}\n{example}"
        );
        let program = checked.program.expect("program");
        assert!(
            !slo::compile(&program).is_empty() || !example.contains("service"),
            "an example with a service generates nothing:\n{example}"
        );
    }
}

#[test]
fn language_reference_examples_compile() {
    assert_examples_compile("docs/language.md", include_str!("../docs/language.md"));
}

#[test]
fn readme_example_compiles() {
    assert_examples_compile("README.md", include_str!("../README.md"));
}

/// The text of `policies.slo` that `slo import` writes for one YAML file.
fn imported_policies(format: slo::import::Format, yaml: &str) -> String {
    let mut sources = Sources::new();
    sources.add("spec.yaml".to_string(), yaml);
    let imported = slo::import::import(format, &sources);
    let files = imported.files.expect("the spec imports");
    files
        .into_iter()
        .find(|(name, _)| name == "policies.slo")
        .map(|(_, text)| text)
        .expect("policies.slo")
}

/// Words apart from the layout's alignment.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The policy docs/migrate.md shows for Sloth's alerts is the one the
/// importer writes.
#[test]
fn migrate_guide_shows_sloths_policy_as_imported() {
    let page = include_str!("../docs/migrate.md");
    let shown = examples(page);
    let shown = shown.first().expect("a ```slo block in docs/migrate.md");
    let yaml = "version: prometheus/v1\nservice: api\nslos:\n  - name: up\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(e[{{.window}}]))\n        total_query: sum(rate(t[{{.window}}]))\n";
    let written = imported_policies(slo::import::Format::Sloth, yaml);
    assert!(
        words(&written).contains(&words(shown)),
        "docs/migrate.md shows\n{shown}\nbut the import writes\n{written}"
    );
}

/// Every cell of docs/migrate.md's table of Pyrra's tiers at 28, 30 and 7
/// days is a line the importer writes for that window.
#[test]
fn migrate_guide_pyrra_tiers_are_the_imported_ones() {
    let page = include_str!("../docs/migrate.md");
    let rows: Vec<Vec<&str>> = page
        .lines()
        .filter(|l| {
            l.starts_with("| fast |")
                || l.starts_with("| medium |")
                || l.starts_with("| slow |")
                || l.starts_with("| long term |")
        })
        .map(|l| {
            l.split('|')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 4, "the tier table of docs/migrate.md");
    for (column, window) in [(6, "28d"), (7, "30d"), (8, "7d")] {
        let yaml = format!("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: up\nspec:\n  target: \"99\"\n  window: {window}\n  indicator:\n    ratio:\n      errors:\n        metric: e_total\n      total:\n        metric: t_total\n");
        let written = words(&imported_policies(slo::import::Format::Pyrra, &yaml));
        for row in &rows {
            let (factor, severity, cell) = (row[1], row[2], row[column]);
            let line = format!("{severity} {factor} over {cell}");
            assert!(
                written.contains(&line),
                "docs/migrate.md says `{line}` at {window}; the import writes\n{written}"
            );
        }
    }
}
