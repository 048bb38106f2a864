//! The corpus of syntax mistakes under `tests/errors/mistake-*`: every
//! diagnostic is on a line marked `# mistake` (the line the user must fix),
//! so the first one points at the mistake, nothing is reported in a file
//! without a mistake, and each broken item is reported once. A line marked
//! `# mistake: opened` holds a `{` that is never closed: a diagnostic must
//! point at it with a secondary label.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::{root, slo};

/// The `.slo` files of a fixture: the file, or those in the directory.
fn sources(fixture: &Path) -> Vec<PathBuf> {
    if fixture.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixture)
            .expect("fixture directory")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "slo"))
            .collect();
        files.sort();
        files
    } else {
        vec![fixture.to_path_buf()]
    }
}

/// The lines (path as `slo` prints it, 1-based line) marked with `marker`.
fn marked(fixture: &Path, marker: &str) -> BTreeSet<(String, u64)> {
    let mut lines = BTreeSet::new();
    for path in sources(fixture) {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let shown = path
            .strip_prefix(root())
            .expect("under root")
            .display()
            .to_string();
        for (n, line) in text.lines().enumerate() {
            if line.trim_end().ends_with(marker) {
                lines.insert((shown.clone(), n as u64 + 1));
            }
        }
    }
    lines
}

fn place(v: &Value) -> (String, u64) {
    (
        v["file"].as_str().expect("file").to_string(),
        v["line"].as_u64().expect("line"),
    )
}

#[test]
fn every_mistake_is_reported_on_its_line_and_nowhere_else() {
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root().join("tests/errors"))
        .expect("tests/errors")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("mistake-"))
        })
        .collect();
    fixtures.sort();
    assert!(
        fixtures.len() >= 8,
        "only {} mistakes found",
        fixtures.len()
    );
    for fixture in fixtures {
        let rel = fixture.strip_prefix(root()).expect("under root");
        let shown = rel.display().to_string();
        let output = slo(&["check", "--format", "json", &shown], &root());
        assert_eq!(output.status.code(), Some(1), "{shown} should fail");
        let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
        let diags = report["diagnostics"].as_array().expect("diagnostics");
        let mistakes = marked(&fixture, "# mistake");
        let opened = marked(&fixture, "# mistake: opened");
        assert!(!diags.is_empty(), "{shown}: nothing reported");
        // The mistake a diagnostic points at: its primary line, or for a
        // brace never closed, the line of the brace.
        let on_mistake = |d: &Value| {
            let primary = place(d);
            if mistakes.contains(&primary) {
                return Some(primary);
            }
            d["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|l| l["primary"] == false)
                .map(place)
                .find(|l| opened.contains(l))
        };
        let all: BTreeSet<_> = mistakes.union(&opened).cloned().collect();
        // One diagnostic per mistake, each on its line.
        let reported: BTreeSet<_> = diags.iter().filter_map(on_mistake).collect();
        assert_eq!(reported, all, "{shown}: {diags:#?}");
        assert_eq!(diags.len(), all.len(), "{shown}: {diags:#?}");
        // The first is on the first mistake.
        assert_eq!(
            on_mistake(&diags[0]).as_ref(),
            all.first(),
            "{shown}: the first diagnostic is not on the first mistake"
        );
    }
}
