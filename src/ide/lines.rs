//! Positions as editors count them: a line and a column in UTF-16 code
//! units (the Language Server Protocol's default), against the byte
//! offsets that spans use.

/// Where the lines of one text start.
#[derive(Debug, Clone)]
pub struct Lines {
    starts: Vec<usize>,
}

/// A zero-based line and UTF-16 column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The line, from 0.
    pub line: u32,
    /// UTF-16 code units from the start of the line.
    pub column: u32,
}

impl Lines {
    /// Indexes `text`. A line ends at `\n`; a `\r` before it belongs to the
    /// line, as editors count.
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { starts }
    }

    /// The position of byte `offset` of `text` (clamped to the text, and to
    /// the start of the character it falls in).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        Position {
            line: line as u32,
            column: column as u32,
        }
    }

    /// The byte offset of a position. A column past the end of its line is
    /// the end of the line (before its line break), a line past the end of
    /// the text is the end of the text, and a column inside a character
    /// that takes two UTF-16 units is the start of that character.
    pub fn offset(&self, text: &str, at: Position) -> usize {
        let Some(&start) = self.starts.get(at.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(at.line as usize + 1)
            .map_or(text.len(), |&next| next - 1);
        let line = text.get(start..end).unwrap_or_default();
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0;
        for (i, c) in line.char_indices() {
            units += c.len_utf16();
            if units > at.column as usize {
                return start + i;
            }
        }
        start + line.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a😀b\ncd\r\ne";
        let lines = Lines::new(text);
        let b = text.find('b').expect("b");
        assert_eq!(lines.position(text, b), Position { line: 0, column: 3 });
        assert_eq!(lines.offset(text, Position { line: 0, column: 3 }), b);
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(lines.offset(text, Position { line: 0, column: 2 }), 1);
        // Past the end of a line: before its line break, `\r` included.
        let d = text.find('d').expect("d");
        assert_eq!(lines.offset(text, Position { line: 1, column: 9 }), d + 1);
        assert_eq!(
            lines.offset(text, Position { line: 7, column: 0 }),
            text.len()
        );
        assert_eq!(
            lines.position(text, text.len()),
            Position { line: 2, column: 1 }
        );
    }
}
