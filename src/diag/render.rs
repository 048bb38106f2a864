//! Rendering diagnostics for people: a source snippet with labels and help
//! (miette), secondary spans in other files as notes, and the closing summary
//! line. Tools get JSON from [`super::json`], GitHub Actions annotations from
//! [`super::github`].

use super::escape::escape;
use super::excerpt::Excerpt;
use super::{Diag, Severity, Sources};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, SourceCode,
};
use std::fmt;

/// How human output looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colours on or off (`NO_COLOR`, not a terminal: off).
    pub color: bool,
    /// Wrap width in columns.
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

/// Renders one diagnostic with its source snippet.
pub fn human(diag: &Diag, sources: &Sources, style: Style) -> String {
    let file = diag.primary.span.file;
    let source = sources.get(file);
    // User text reaches the terminal escaped (see `escape`): the snippet,
    // the file name, and whatever of it the message, labels and help echo.
    let name = escape(&source.name);
    let escaped = source.escaped();
    let excerpt = match escaped {
        Some(e) => Excerpt {
            name: &name,
            text: &e.text,
            index: &e.index,
            escaped,
        },
        None => Excerpt {
            name: &name,
            text: &source.text,
            index: source.index(),
            escaped: None,
        },
    };
    let place = |offset: usize| escaped.map_or(offset, |e| e.offset(offset));
    let label_of = |l: &super::Label, primary: bool| {
        let text = (!l.message.is_empty()).then(|| escape(&l.message).into_owned());
        let (start, end) = (place(l.span.start), place(l.span.end.max(l.span.start)));
        let span = excerpt.shown(start, end - start);
        if primary {
            LabeledSpan::new_primary_with_span(text, span)
        } else {
            LabeledSpan::new_with_span(text, span)
        }
    };
    let mut labels = vec![label_of(&diag.primary, true)];
    let mut notes = Vec::new();
    for l in &diag.secondary {
        if l.span.file == file {
            labels.push(label_of(l, false));
        } else {
            // miette shows one file per report; a place in another file becomes a note.
            let (line, col) = sources.line_col(l.span.file, l.span.start);
            let name = escape(&sources.get(l.span.file).name);
            notes.push(format!("{}: {name}:{line}:{col}", escape(&l.message)));
        }
    }
    let mut help = escape(diag.help.as_deref().unwrap_or_default()).into_owned();
    for note in notes {
        if !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&note);
    }
    let message = escape(&diag.message);
    let mut md = MietteDiagnostic::new(message.clone())
        .with_severity(match diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
        .with_labels(labels);
    if !help.is_empty() {
        md = md.with_help(help);
    }
    let report = WithSource {
        diagnostic: &md,
        source: excerpt,
    };
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width);
    let mut body = String::new();
    // Rendering into a String cannot fail; an empty body still leaves the header.
    let _ = handler.render_report(&mut body, &report);
    let (word, ansi) = match diag.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    let header = format!("{word}[{}]", diag.code);
    let header = if style.color {
        format!("\x1b[{ansi}m{header}\x1b[0m\x1b[1m: {message}\x1b[0m")
    } else {
        format!("{header}: {message}")
    };
    // miette opens with the message after a `×`/`⚠` mark; rustc's
    // `error[CODE]: message` header reads better, so the message lines are
    // replaced by it and the snippets and help are kept as miette drew them.
    let mut out = header;
    out.push('\n');
    let mut in_message = true;
    for line in body.lines() {
        if in_message && (line.contains("╭─[") || line.trim_start().starts_with("help:")) {
            in_message = false;
        }
        if !in_message {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

/// A diagnostic with its source borrowed, not copied: rendering costs the
/// lines shown, not the size of the file.
struct WithSource<'a> {
    diagnostic: &'a MietteDiagnostic,
    source: Excerpt<'a>,
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl Diagnostic for WithSource<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.help()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
}

/// The closing summary line, e.g. `2 errors, 1 warning`.
pub fn summary(diags: &[Diag]) -> String {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}
