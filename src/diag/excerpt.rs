//! Source text for the renderer, a few lines at a time.
//!
//! miette's own source types copy the whole file into every report and find
//! lines by scanning from the start of the file, which makes a run with many
//! diagnostics in a large file quadratic (tens of thousands of errors in a
//! 2 MB file took minutes). A [`LineIndex`] is built once per file; an
//! [`Excerpt`] borrows the text and answers each request by binary search,
//! and shows at most a window of a very long line, so a diagnostic on a
//! megabyte-long line prints a few hundred characters, not the line.

use super::escape::Escaped;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// The widest piece of a line a snippet shows, in bytes; longer lines are
/// shown as a window around the label.
const MAX_SHOWN_LINE: usize = 240;

/// Labels whose snippets are at most this many lines apart are drawn as one
/// snippet with the lines between them, as miette draws them from its own
/// sources in short files. Labels further apart get a snippet each instead
/// of every line between them.
const JOIN_GAP: usize = 8;

/// Bytes between checkpoints of the character count.
const CHUNK: usize = 4096;

/// Where each line starts, and how many characters precede every
/// [`CHUNK`]-th byte, so that lines and columns are found without scanning
/// from the start of the file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    chars_before_chunk: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text` in one pass.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut chars_before_chunk = Vec::with_capacity(bytes.len() / CHUNK + 1);
        let mut chars = 0;
        for chunk in bytes.chunks(CHUNK) {
            chars_before_chunk.push(chars);
            chars += chunk.iter().filter(|&&b| !is_continuation(b)).count();
        }
        LineIndex {
            starts,
            chars_before_chunk,
        }
    }

    /// The 0-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The byte offset where a 0-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or_default()
    }

    /// The byte offset just past a line, its line break included.
    fn line_end(&self, line: usize, len: usize) -> usize {
        self.starts.get(line + 1).copied().unwrap_or(len)
    }

    /// The number of lines.
    fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The number of characters before byte `offset`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let chunk = offset / CHUNK;
        let base = self.chars_before_chunk.get(chunk).copied().unwrap_or(0);
        let from = (chunk * CHUNK).min(text.len());
        base + text
            .as_bytes()
            .get(from..offset)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| !is_continuation(b))
            .count()
    }

    /// The 0-based column, in characters, of a byte offset.
    pub fn column(&self, text: &str, offset: usize) -> usize {
        let start = self.line_start(self.line(offset));
        self.chars_before(text, offset) - self.chars_before(text, start)
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// One file's text as a miette source, borrowed, with its index.
pub struct Excerpt<'a> {
    /// The file name shown in the snippet header.
    pub name: &'a str,
    /// The whole text.
    pub text: &'a str,
    /// Its index.
    pub index: &'a LineIndex,
    /// When `text` is a source with its control characters escaped, the
    /// escaping, so that columns are the original's.
    pub escaped: Option<&'a Escaped>,
}

impl Excerpt<'_> {
    /// The part of a label's span a snippet can show: all of it, except on
    /// a line too long to show, where it is cut to fit the window.
    pub fn shown(&self, start: usize, len: usize) -> (usize, usize) {
        let start = self.floor(start);
        let line = self.index.line(start);
        let line_end = self.index.line_end(line, self.text.len());
        if line_end - self.index.line_start(line) <= MAX_SHOWN_LINE {
            return (start, len);
        }
        let end = self.floor((start + len).min(start + MAX_SHOWN_LINE / 2).min(line_end));
        (start, end.saturating_sub(start))
    }

    fn floor(&self, mut at: usize) -> usize {
        at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn ceil(&self, mut at: usize) -> usize {
        at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at += 1;
        }
        at
    }
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let len = self.text.len();
        if span.offset() > len {
            return Err(MietteError::OutOfBounds);
        }
        let start = self.floor(span.offset());
        let end = self.ceil(span.offset() + span.len()).max(start);
        let first = self.index.line(start);
        let last = self.index.line(end.saturating_sub(1).max(start));
        let from = first.saturating_sub(context_lines_before);
        let to = (last + context_lines_after).min(self.index.lines() - 1);
        let long = (from..=to)
            .any(|l| self.index.line_end(l, len) - self.index.line_start(l) > MAX_SHOWN_LINE);
        let (data_start, data_end, line, lines) = if long {
            // A window of the span's first line: from a little before the
            // span (from the span itself when asked for no context, as
            // miette does to find the span's column) to the window's width.
            let line_start = self.index.line_start(first);
            let line_end = self.index.line_end(first, len);
            let ws = if context_lines_before == 0 {
                start
            } else {
                self.floor(start.saturating_sub(MAX_SHOWN_LINE / 4).max(line_start))
            };
            let we = self.floor((ws + MAX_SHOWN_LINE).min(line_end));
            (ws, we.max(ws), first, 1)
        } else if context_lines_before == 0 {
            // As miette's own sources do: the data starts at the span itself,
            // and its column is the span's column.
            (start, self.index.line_end(to, len), first, to - first + 1)
        } else {
            (
                self.index.line_start(from),
                self.index.line_end(to, len),
                from,
                to - from + 1,
            )
        };
        let mut column = self.index.column(self.text, data_start);
        if let Some(e) = self.escaped {
            column = e.original_column(data_start, column);
        }
        // miette joins two snippets when the first one's line plus its line
        // count reaches the second one's line; the slack joins near ones.
        let lines = if long { lines } else { lines + JOIN_GAP };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            self.text
                .as_bytes()
                .get(data_start..data_end)
                .unwrap_or_default(),
            (data_start, data_end - data_start).into(),
            line,
            column,
            lines,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "ab\nçd\n\nxyz";
        let index = LineIndex::new(text);
        assert_eq!(index.line(0), 0);
        assert_eq!(index.line(3), 1);
        assert_eq!(index.line(7), 2);
        assert_eq!(index.line(text.len()), 3);
        // `d` is the second character of line 2, though the third byte.
        assert_eq!(index.column(text, 5), 1);
        assert_eq!(index.column(text, 9), 1);
    }

    #[test]
    fn columns_across_chunks() {
        let text = format!("{}\n{}x", "é".repeat(CHUNK), "ü".repeat(CHUNK));
        let index = LineIndex::new(&text);
        let x = text.len() - 1;
        assert_eq!(index.line(x), 1);
        assert_eq!(index.column(&text, x), CHUNK);
    }

    #[test]
    fn a_long_line_is_shown_as_a_window() {
        let text = format!("{}BAD{}", "a".repeat(100_000), "b".repeat(100_000));
        let index = LineIndex::new(&text);
        let excerpt = Excerpt {
            name: "f.slo",
            text: &text,
            index: &index,
            escaped: None,
        };
        let span: SourceSpan = (100_000, 3).into();
        let contents = excerpt.read_span(&span, 1, 1).expect("in bounds");
        assert!(contents.data().len() <= MAX_SHOWN_LINE);
        let shown = std::str::from_utf8(contents.data()).expect("utf-8");
        assert!(shown.contains("BAD"));
        assert_eq!(contents.column(), 100_000 - MAX_SHOWN_LINE / 4);
    }
}
