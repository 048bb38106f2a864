//! Characters that must not reach a terminal as they are.
//!
//! A `.slo` file, or a path, may hold characters that a terminal acts on
//! instead of showing: NUL, ESC (which starts colour and cursor sequences),
//! other C0 and C1 controls, and the bidirectional overrides and isolates
//! (U+202E turns the rest of a line around, hiding what it says). Echoed as
//! they are in a diagnostic they would garble it or make it lie, so human
//! output shows each one escaped as Rust writes it, e.g. `\u{202e}`. Line
//! breaks and tabs are kept; JSON output escapes by JSON's own rules.

use super::excerpt::LineIndex;
use std::borrow::Cow;

/// Whether `c` is shown escaped: a control character other than a tab or a
/// line break, or a character that changes the direction or the layout of
/// the text around it.
pub fn escaped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// `text` with every character [`escaped`] written as `\u{…}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        push(&mut out, c);
    }
    Cow::Owned(out)
}

fn push(out: &mut String, c: char) {
    if escaped(c) {
        out.push_str(&format!("\\u{{{:x}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// A source text with its characters [`escaped`], for the snippets of a
/// diagnostic, and the way back to the original's offsets and columns. A
/// carriage return before a line break is kept: miette reads `\r\n` as one
/// line break.
#[derive(Debug, Clone)]
pub struct Escaped {
    /// The escaped text.
    pub text: String,
    /// Its line index; lines are those of the original text.
    pub index: LineIndex,
    /// One mark per escaped character, in order.
    marks: Vec<Mark>,
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    /// Where the character is in the original text.
    at: usize,
    /// Where its escape ends in the escaped text.
    end: usize,
    /// Bytes added by escaping it and every one before it.
    bytes: usize,
    /// Characters added likewise.
    chars: usize,
}

impl Escaped {
    /// `None` when nothing in `text` is escaped, the usual case.
    pub fn new(text: &str) -> Option<Escaped> {
        let needs = |i: usize, c: char| {
            escaped(c) && !(c == '\r' && text.as_bytes().get(i + 1) == Some(&b'\n'))
        };
        if !text.char_indices().any(|(i, c)| needs(i, c)) {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 64);
        let mut marks: Vec<Mark> = Vec::new();
        let (mut bytes, mut chars) = (0, 0);
        for (i, c) in text.char_indices() {
            if needs(i, c) {
                let before = out.len();
                push(&mut out, c);
                let written = out.len() - before;
                bytes += written - c.len_utf8();
                chars += written - 1;
                marks.push(Mark {
                    at: i,
                    end: out.len(),
                    bytes,
                    chars,
                });
            } else {
                out.push(c);
            }
        }
        let index = LineIndex::new(&out);
        Some(Escaped {
            text: out,
            index,
            marks,
        })
    }

    /// The escaped text's offset for an offset of the original.
    pub fn offset(&self, original: usize) -> usize {
        let before = self.marks.partition_point(|m| m.at < original);
        let mark = before.checked_sub(1).and_then(|i| self.marks.get(i));
        original + mark.map_or(0, |m| m.bytes)
    }

    /// Characters added by escaping before `offset` of the escaped text.
    fn chars_added(&self, offset: usize) -> usize {
        let before = self.marks.partition_point(|m| m.end <= offset);
        let mark = before.checked_sub(1).and_then(|i| self.marks.get(i));
        mark.map_or(0, |m| m.chars)
    }

    /// The original's column for an offset of the escaped text, whose
    /// column in the escaped text is `column`: a snippet header names the
    /// place as every other output does.
    pub fn original_column(&self, offset: usize, column: usize) -> usize {
        let line_start = self.index.line_start(self.index.line(offset));
        column.saturating_sub(self.chars_added(offset) - self.chars_added(line_start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_direction_changes_are_escaped_and_the_rest_kept() {
        assert_eq!(
            escape("a\u{202e}b\0c\x1b[31m\td\n"),
            "a\\u{202e}b\\u{0}c\\u{1b}[31m\td\n"
        );
        assert_eq!(escape("\u{85}\u{7f}é"), "\\u{85}\\u{7f}é");
        assert!(matches!(escape("plain `text`\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn offsets_and_columns_map_back_to_the_original() {
        let text = "ab\u{202e}cd\r\nx\0y";
        let e = Escaped::new(text).expect("escaped");
        assert_eq!(e.text, "ab\\u{202e}cd\r\nx\\u{0}y");
        let c = text.find('c').expect("c");
        assert_eq!(e.text.get(e.offset(c)..e.offset(c) + 1), Some("c"));
        let y = text.find('y').expect("y");
        assert_eq!(e.text.get(e.offset(y)..e.offset(y) + 1), Some("y"));
        // `c` is the fourth character of its line in the original.
        let at = e.offset(c);
        assert_eq!(e.original_column(at, e.index.column(&e.text, at)), 3);
        assert!(Escaped::new("a\r\nb").is_none());
    }
}
