//! Diagnostics as JSON, for tools: `slo check --format json`.
//!
//! The field names are part of the command line's interface and documented
//! in `docs/ci.md`; add fields, never rename or remove one.

use super::{Diag, Label, Severity, Sources, Span};
use serde::Serialize;

/// The whole document: every diagnostic of a run, and how many of each kind.
#[derive(Serialize)]
struct Document<'a> {
    diagnostics: Vec<JsonDiag>,
    errors: usize,
    warnings: usize,
    /// With `--prometheus`: the series each SLI selects on the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<Vec<SliSeries<'a>>>,
}

/// The number of series one SLI selects on the server.
#[derive(Serialize)]
pub struct SliSeries<'a> {
    /// The SLI's service.
    pub service: &'a str,
    /// The SLI's name.
    pub sli: &'a str,
    /// The series its selectors match.
    pub series: usize,
}

#[derive(Serialize)]
struct JsonDiag {
    code: &'static str,
    severity: &'static str,
    message: String,
    #[serde(flatten)]
    at: Position,
    help: Option<String>,
    labels: Vec<JsonLabel>,
}

#[derive(Serialize)]
struct JsonLabel {
    message: String,
    primary: bool,
    #[serde(flatten)]
    at: Position,
}

/// Where a span is: 1-based lines and columns (columns count characters);
/// the end is one past the last character.
#[derive(Serialize)]
struct Position {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

fn position(span: Span, sources: &Sources) -> Position {
    let (line, column) = sources.line_col(span.file, span.start);
    let (end_line, end_column) = sources.line_col(span.file, span.end.max(span.start));
    Position {
        file: sources.get(span.file).name.clone(),
        line,
        column,
        end_line,
        end_column,
    }
}

fn label(l: &Label, primary: bool, sources: &Sources) -> JsonLabel {
    JsonLabel {
        message: l.message.clone(),
        primary,
        at: position(l.span, sources),
    }
}

/// The name of a severity in machine output.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Renders every diagnostic as one pretty-printed JSON document, ending in
/// a newline. An empty list still gives a document, so that a consumer can
/// always parse the output.
pub fn render(diags: &[Diag], sources: &Sources) -> String {
    render_with(diags, sources, None)
}

/// [`render`], with the series each SLI selects on the server when the
/// live check ran.
pub fn render_with(diags: &[Diag], sources: &Sources, series: Option<Vec<SliSeries>>) -> String {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let doc = Document {
        diagnostics: diags
            .iter()
            .map(|d| JsonDiag {
                code: d.code.as_str(),
                severity: severity_name(d.severity),
                message: d.message.clone(),
                at: position(d.primary.span, sources),
                help: d.help.clone(),
                labels: std::iter::once(label(&d.primary, true, sources))
                    .chain(d.secondary.iter().map(|l| label(l, false, sources)))
                    .collect(),
            })
            .collect(),
        errors,
        warnings: diags.len() - errors,
        series,
    };
    let mut text = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| unreachable!("diagnostics are plain strings and numbers: {e}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    #[test]
    fn positions_are_one_based_and_end_exclusive() {
        let mut sources = Sources::new();
        let file = sources.add("a.slo", "policy p {\n  page 0x over 1h/5m\n}\n");
        let d = Diag::new(
            Code::InvalidBurn,
            Span::new(file, 18, 20),
            "a burn factor of zero",
        )
        .label("here")
        .help("use a positive factor");
        let v: serde_json::Value =
            serde_json::from_str(&render(&[d], &sources)).expect("valid JSON");
        let d = &v["diagnostics"][0];
        assert_eq!(d["code"], "SLO304");
        assert_eq!(d["severity"], "error");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(2), Some(8))
        );
        assert_eq!(
            (d["end_line"].as_u64(), d["end_column"].as_u64()),
            (Some(2), Some(10))
        );
        assert_eq!(d["labels"][0]["primary"], true);
        assert_eq!(v["errors"], 1);
    }
}
