//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! Every stage pushes [`Diag`]s into one list; nothing stops at the first
//! error. Spans are byte ranges into a source file; only [`render`] turns
//! them into lines and columns.

mod code;
pub mod escape;
mod excerpt;
pub mod explain;
pub mod github;
pub mod json;
pub mod render;
pub mod suggest;

pub use code::Code;

/// Identifies one source file of a program (an index into [`Sources`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }
}

/// A source file of a program.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user named it, used in messages.
    pub name: String,
    /// The whole text.
    pub text: String,
    /// Line starts, built the first time a position is turned into a line.
    index: std::sync::OnceLock<excerpt::LineIndex>,
    /// The text as snippets show it, built the first time one is shown.
    escaped: std::sync::OnceLock<Option<escape::Escaped>>,
}

impl Source {
    /// The line index of the text, built once.
    fn index(&self) -> &excerpt::LineIndex {
        self.index
            .get_or_init(|| excerpt::LineIndex::new(&self.text))
    }

    /// The text with its control characters escaped, when it has any.
    fn escaped(&self) -> Option<&escape::Escaped> {
        self.escaped
            .get_or_init(|| escape::Escaped::new(&self.text))
            .as_ref()
    }
}

/// All source files of a program, in a fixed order.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<Source>,
}

impl Sources {
    /// An empty set of sources.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(Source {
            name: name.into(),
            text: text.into(),
            index: std::sync::OnceLock::new(),
            escaped: std::sync::OnceLock::new(),
        });
        FileId((self.files.len() - 1) as u32)
    }

    /// The source with the given id.
    pub fn get(&self, id: FileId) -> &Source {
        &self.files[id.0 as usize]
    }

    /// Every source with its id, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Source)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, s)| (FileId(i as u32), s))
    }

    /// The 1-based line and column of a byte offset (columns count characters).
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let source = self.get(file);
        let text = &source.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let index = source.index();
        (index.line(offset) + 1, index.column(text, offset) + 1)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The program is wrong; nothing is generated.
    Error,
    /// Probably a mistake; fails only with `--deny warnings`.
    Warning,
}

/// A span with a short message saying what is wrong there.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What, in a few words (may be empty).
    pub message: String,
}

/// One diagnostic: a code, a message, a primary span, optional secondary
/// spans ("first defined here") and help.
#[derive(Debug, Clone, PartialEq)]
pub struct Diag {
    /// Stable code, e.g. `SLO101`.
    pub code: Code,
    /// Error or warning; defaults to the code's severity.
    pub severity: Severity,
    /// Lowercase, no final period, names in backticks.
    pub message: String,
    /// Where the problem is.
    pub primary: Label,
    /// Related places.
    pub secondary: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diag {
    /// A diagnostic of `code` at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diag {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Sets the label of the primary span.
    pub fn label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary span.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Sorts diagnostics by file name, then position, then code, so that a run's
/// output does not depend on the order in which stages found them.
pub fn sort(diags: &mut [Diag], sources: &Sources) {
    diags.sort_by(|a, b| {
        let key = |d: &Diag| {
            (
                sources.get(d.primary.span.file).name.clone(),
                d.primary.span.start,
                d.primary.span.end,
                d.code,
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
}
