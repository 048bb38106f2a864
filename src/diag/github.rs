//! Diagnostics as GitHub Actions workflow commands, so that a pull request
//! is annotated at the offending lines: `slo check --format github`.
//!
//! ```text
//! ::error file=specs/a.slo,line=3,col=8,endLine=3,endColumn=13,title=SLO301::this alert can never fire…
//! ```

use super::escape::escape;
use super::{Diag, Severity, Sources};

// The annotations' text is shown in the job log and on the pull request;
// control characters are escaped as in human output (`escape`) before the
// workflow command's own escapes.

/// Escapes the message of a workflow command: `%`, `\r` and `\n` would
/// otherwise end or corrupt it.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=…`, `title=…`): as for data, plus `:` and
/// `,`, which separate the properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error …` or `::warning …` line per diagnostic. With
/// `deny_warnings`, warnings fail the run and are annotated as errors.
pub fn render(diags: &[Diag], sources: &Sources, deny_warnings: bool) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Warning if !deny_warnings => "warning",
            _ => "error",
        };
        let span = d.primary.span;
        let (line, col) = sources.line_col(span.file, span.start);
        let (end_line, end_col) = sources.line_col(span.file, span.end.max(span.start));
        let mut message = d.message.clone();
        if !d.primary.message.is_empty() {
            message.push_str(": ");
            message.push_str(&d.primary.message);
        }
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            escape_property(&escape(&sources.get(span.file).name)),
            escape_property(d.code.as_str()),
            escape_data(&escape(&message)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(escape_data("50% of\r\nit"), "50%25 of%0D%0Ait");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
