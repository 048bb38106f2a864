//! What an editor asks of a program: its diagnostics, what a name means
//! and where it is used, what may be typed at a place, and the quick fixes
//! and edits the checker and formatter know. `slo lsp` (in `cli/`) speaks
//! the Language Server Protocol and asks this module; everything here is
//! pure, as the rest of the library: open buffers and files on disk come
//! in as text.
//!
//! An [`Analysis`] is one snapshot of the whole program, every `.slo` file
//! of the workspace with unsaved buffers in place of their files. It is
//! built again after each change: checking 500 SLOs takes a few
//! milliseconds, and one snapshot answers every request about it.

// This module handles what users type, mid-edit.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

mod complete;
mod hover;
pub mod index;
pub mod lines;
mod scope;

use crate::diag::{Diag, FileId, Sources, Span};
use index::{Index, Symbol};
use lines::{Lines, Position};

pub use complete::{Completion, CompletionKind};

/// One snapshot of a program, analysed.
pub struct Analysis {
    sources: Sources,
    lines: Vec<Lines>,
    analysed: crate::Analysed,
    index: Index,
    /// The budget figures of what checked, made on the first hover.
    report: std::sync::OnceLock<crate::lower::report::Report>,
}

/// A quick fix: text that replaces a span, from a diagnostic's suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    /// What the editor shows, e.g. "Replace with `standard`".
    pub title: String,
    /// What is replaced.
    pub span: Span,
    /// The replacement.
    pub text: String,
    /// The diagnostic it fixes (an index into [`Analysis::diagnostics`]).
    pub diag: usize,
}

/// Why a rename cannot be done.
#[derive(Debug, Clone, PartialEq)]
pub struct RenameError(pub String);

impl Analysis {
    /// Parses and checks every file: `(name, text)`, the name being the
    /// path that diagnostics and edits refer to.
    pub fn new(files: impl IntoIterator<Item = (String, String)>) -> Analysis {
        Analysis::from_bytes(files.into_iter().map(|(n, t)| (n, t.into_bytes())))
    }

    /// [`Analysis::new`] of files as read from disk, as `slo check` reads
    /// them: a byte-order mark dropped, and bytes that are not UTF-8
    /// reported (`SLO013`).
    pub fn from_bytes(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Analysis {
        let mut sources = Sources::new();
        for (name, bytes) in files {
            sources.add_bytes(name, bytes);
        }
        let analysed = crate::analyse(&sources);
        let index = Index::new(&analysed.files);
        let lines = sources.iter().map(|(_, s)| Lines::new(&s.text)).collect();
        Analysis {
            sources,
            lines,
            analysed,
            index,
            report: std::sync::OnceLock::new(),
        }
    }

    /// The sources, for names and texts.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The id of the file named `name`.
    pub fn file(&self, name: &str) -> Option<FileId> {
        self.sources
            .iter()
            .find(|(_, s)| s.name == name)
            .map(|(id, _)| id)
    }

    /// Every diagnostic of the program, sorted by file and position.
    pub fn diagnostics(&self) -> &[Diag] {
        &self.analysed.diags
    }

    /// The line and UTF-16 column of a byte offset.
    pub fn position(&self, file: FileId, offset: usize) -> Position {
        match self.lines.get(file.0 as usize) {
            Some(lines) => lines.position(&self.sources.get(file).text, offset),
            None => Position { line: 0, column: 0 },
        }
    }

    /// The byte offset of a line and UTF-16 column.
    pub fn offset(&self, file: FileId, at: Position) -> usize {
        match self.lines.get(file.0 as usize) {
            Some(lines) => lines.offset(&self.sources.get(file).text, at),
            None => 0,
        }
    }

    /// The symbol whose name is at `offset`.
    fn symbol_at(&self, file: FileId, offset: usize) -> Option<&index::Occurrence> {
        self.index.at(file, offset)
    }

    /// Where the name at `offset` is defined.
    pub fn definition(&self, file: FileId, offset: usize) -> Vec<Span> {
        self.symbol_at(file, offset)
            .map(|o| self.index.definitions(&o.symbol).collect())
            .unwrap_or_default()
    }

    /// Every place the name at `offset` is used, and where it is defined
    /// when `declaration` is set.
    pub fn references(&self, file: FileId, offset: usize, declaration: bool) -> Vec<Span> {
        let Some(o) = self.symbol_at(file, offset) else {
            return Vec::new();
        };
        self.index
            .of(&o.symbol)
            .filter(|r| declaration || !r.definition)
            .map(|r| r.span)
            .collect()
    }

    /// The name a rename at `offset` would change, when there is one.
    pub fn rename_target(&self, file: FileId, offset: usize) -> Option<Span> {
        self.symbol_at(file, offset).map(|o| o.span)
    }

    /// The spans that renaming the symbol at `offset` to `to` replaces:
    /// its definitions and every reference, in every file.
    pub fn rename(&self, file: FileId, offset: usize, to: &str) -> Result<Vec<Span>, RenameError> {
        let Some(o) = self.symbol_at(file, offset) else {
            return Err(RenameError("there is no name to rename here".to_string()));
        };
        if !is_name(to) {
            return Err(RenameError(format!(
                "`{to}` is not a name: a name starts with a letter or `_` and has letters, digits, `_` and `-`, and is not a keyword"
            )));
        }
        let renamed = match &o.symbol {
            Symbol::Policy(_) => Symbol::Policy(to.to_string()),
            Symbol::Receiver(_) => Symbol::Receiver(to.to_string()),
            Symbol::Service(_) => Symbol::Service(to.to_string()),
            Symbol::Sli { service, .. } => Symbol::Sli {
                service: service.clone(),
                name: to.to_string(),
            },
        };
        if to != o.symbol.name() && self.index.definitions(&renamed).next().is_some() {
            return Err(RenameError(format!(
                "a {} named `{to}` already exists",
                o.symbol.what()
            )));
        }
        Ok(self.index.of(&o.symbol).map(|r| r.span).collect())
    }

    /// The quick fixes for the diagnostics whose primary span touches the
    /// byte range `start..end` of `file`.
    pub fn fixes(&self, file: FileId, start: usize, end: usize) -> Vec<Fix> {
        self.analysed
            .diags
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                let s = d.primary.span;
                s.file == file && s.start <= end && start <= s.end
            })
            .filter_map(|(i, d)| {
                let text = d.fix.clone()?;
                Some(Fix {
                    title: format!("Replace with `{text}`"),
                    span: d.primary.span,
                    text,
                    diag: i,
                })
            })
            .collect()
    }

    /// The file as `slo fmt` writes it, or `None` when it does not parse.
    pub fn format(&self, file: FileId) -> Option<String> {
        crate::fmt::format(file, &self.sources.get(file).text).ok()
    }

    /// What to show for the place at `offset`: Markdown, and the span it is
    /// about.
    pub fn hover(&self, file: FileId, offset: usize) -> Option<(Span, String)> {
        hover::hover(self, file, offset)
    }

    /// What may be typed at `offset`.
    pub fn completions(&self, file: FileId, offset: usize) -> Vec<Completion> {
        complete::complete(self, file, offset)
    }
}

/// Whether `text` can be written as a name: a letter or `_`, then letters,
/// digits, `_` and `-`, and not a reserved word.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !crate::syntax::KEYWORDS.contains(&text)
}
