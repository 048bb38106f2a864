//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! Every stage pushes [`Diag`]s into one list; nothing stops at the first
//! error. Spans are byte ranges into a source file; [`Sources::line_col`]
//! turns them into lines and columns for the three renderings ([`render`],
//! [`json`], [`github`]).

// This module handles what users type: slicing a string inside a character,
// or indexing past its end, would panic on it.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

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
    /// The whole text, without a byte-order mark; bytes that are not UTF-8
    /// are each replaced by `U+FFFD` (see [`Sources::add_bytes`]).
    pub text: String,
    /// Whether the file began with a UTF-8 byte-order mark, which is not
    /// part of [`Source::text`].
    pub bom: bool,
    /// The first byte that is not UTF-8: its offset in [`Source::text`]
    /// (where its `U+FFFD` is) and its value. `None` for a UTF-8 file.
    pub invalid: Option<(usize, u8)>,
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

    /// The file's contents as read: the text with its byte-order mark, if
    /// it had one. `None` when the file is not UTF-8, as its text is then
    /// not what the file holds.
    pub fn original(&self) -> Option<String> {
        match (self.invalid, self.bom) {
            (Some(_), _) => None,
            (None, true) => Some(format!("{BOM}{}", self.text)),
            (None, false) => Some(self.text.clone()),
        }
    }

    /// The error for a file that is not UTF-8, at its first bad byte.
    pub fn not_utf8(&self, file: FileId) -> Option<Diag> {
        let (at, byte) = self.invalid?;
        let span = Span::new(file, at, at + char::REPLACEMENT_CHARACTER.len_utf8());
        // Bytes from 0xA0 up are letters or signs in Latin-1, the usual
        // other encoding; below, they are control codes there.
        let latin1 = if byte >= 0xA0 {
            format!(
                " (in Latin-1, byte `0x{byte:02x}` is `{}`)",
                char::from(byte)
            )
        } else {
            String::new()
        };
        Some(
            Diag::new(Code::InvalidUtf8, span, "this file is not valid UTF-8")
                .label(format!("byte `0x{byte:02x}` is not UTF-8"))
                .help(format!(
                    "save the file as UTF-8{latin1}; `.slo` files are read only as UTF-8"
                )),
        )
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
        self.push(name.into(), text.into(), false, None)
    }

    /// Adds a source file as read from disk and returns its id. A leading
    /// byte-order mark is dropped (and remembered): it is not part of the
    /// text, so line 1's columns are those an editor shows. A file that is
    /// not UTF-8 is kept with each bad byte replaced by `U+FFFD`, which
    /// keeps the line and column of every character; checking it reports
    /// the first bad byte ([`Source::not_utf8`]).
    pub fn add_bytes(&mut self, name: impl Into<String>, bytes: Vec<u8>) -> FileId {
        let (bom, bytes) = match bytes.strip_prefix(BOM.as_bytes()) {
            Some(rest) => (true, rest.to_vec()),
            None => (false, bytes),
        };
        let (text, invalid) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let byte = bytes.get(at).copied().unwrap_or_default();
                (lossy(&bytes), Some((at, byte)))
            }
        };
        self.push(name.into(), text, bom, invalid)
    }

    fn push(
        &mut self,
        name: String,
        text: String,
        bom: bool,
        invalid: Option<(usize, u8)>,
    ) -> FileId {
        self.files.push(Source {
            name,
            text,
            bom,
            invalid,
            index: std::sync::OnceLock::new(),
            escaped: std::sync::OnceLock::new(),
        });
        FileId((self.files.len() - 1) as u32)
    }

    /// The source with the given id. An id from another set of sources (a
    /// bug) reads as an empty, nameless file rather than ending the run.
    pub fn get(&self, id: FileId) -> &Source {
        static NONE: Source = Source {
            name: String::new(),
            text: String::new(),
            bom: false,
            invalid: None,
            index: std::sync::OnceLock::new(),
            escaped: std::sync::OnceLock::new(),
        };
        self.files.get(id.0 as usize).unwrap_or(&NONE)
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

/// The UTF-8 byte-order mark.
const BOM: &str = "\u{feff}";

/// The text of bytes that are not all UTF-8, with one `U+FFFD` for each bad
/// byte (not one per bad sequence, as `String::from_utf8_lossy` does), so
/// that every later character keeps its column.
fn lossy(mut bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + 8);
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                text.push_str(valid);
                break;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                text.push(char::REPLACEMENT_CHARACTER);
                bytes = rest.get(1..).unwrap_or_default();
            }
        }
    }
    text
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
    /// The text that would replace the primary span to fix it, when the
    /// help names one (a "did you mean" suggestion). Editors offer it as a
    /// quick fix.
    pub fix: Option<String>,
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
            fix: None,
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

    /// Sets the text that replaces the primary span to fix the mistake.
    pub fn fix(mut self, replacement: Option<impl Into<String>>) -> Self {
        self.fix = replacement.map(Into::into);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_text() {
        let mut sources = Sources::new();
        let id = sources.add_bytes("a.slo", b"\xef\xbb\xbfab\ncd".to_vec());
        let source = sources.get(id);
        assert_eq!((source.text.as_str(), source.bom), ("ab\ncd", true));
        assert_eq!(source.original().as_deref(), Some("\u{feff}ab\ncd"));
        assert_eq!(sources.line_col(id, 1), (1, 2));
        assert!(source.not_utf8(id).is_none());
    }

    #[test]
    fn each_bad_byte_is_one_character() {
        let mut sources = Sources::new();
        // A lone continuation byte, then a three-byte sequence cut short.
        let id = sources.add_bytes("a.slo", b"a\x80b\n\xe2\x82c d".to_vec());
        let source = sources.get(id);
        assert_eq!(source.text, "a\u{fffd}b\n\u{fffd}\u{fffd}c d");
        assert_eq!(source.invalid, Some((1, 0x80)));
        assert!(source.original().is_none());
        let d = source.not_utf8(id).expect("an error");
        assert_eq!(sources.line_col(id, d.primary.span.start), (1, 2));
        // Later characters keep the columns they have in the file.
        let at = source.text.find('d').expect("d");
        assert_eq!(sources.line_col(id, at), (2, 5));
    }
}
