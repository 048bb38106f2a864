//! The blocks around a place in a file, read from the text itself: while
//! a line is being typed the file rarely parses, and completion is needed
//! most then.

/// What a block is, from the words before its `{`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// `service NAME {`
    Service(String),
    /// `sli NAME = KIND {`
    Sli {
        /// The SLI's name.
        name: String,
        /// Its kind as written.
        kind: String,
    },
    /// `slo NAME {`
    Slo,
    /// `policy NAME {`
    Policy(String),
    /// `alerting = NAME {`: an SLO's override of a policy.
    Override,
    /// `defaults {`
    Defaults,
    /// `receiver NAME = KIND {`
    Receiver {
        /// The receiver's name.
        name: String,
        /// Its kind as written.
        kind: String,
    },
    /// `notify … {`
    Notify,
    /// `labels {`, `annotations {`, `page labels {`: pairs of any names.
    Pairs,
    /// Anything else.
    Other,
}

/// A block of the text: what it is and the bytes between its braces.
#[derive(Debug, Clone)]
pub struct Block {
    /// What it is.
    pub frame: Frame,
    /// The offset just after `{`.
    pub open: usize,
    /// The offset of `}`, or the end of the text when it is not closed.
    pub close: usize,
}

/// The blocks of `text` and whether `offset` is in a string, PromQL or a
/// comment (where nothing is completed).
pub struct Scan {
    /// Every block, in the order it opens.
    pub blocks: Vec<Block>,
    /// Whether the offset asked about is inside a literal or a comment.
    pub in_literal: bool,
}

/// Scans `text` for its blocks, noting whether `offset` falls in a
/// literal or a comment.
pub fn scan(text: &str, offset: usize) -> Scan {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut in_literal = false;
    // Where the words before the next `{` start.
    let mut header = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let literal_end = match c {
            '#' => Some(skip_literal(&mut chars, text.len(), true, None)),
            '"' => Some(skip_literal(&mut chars, text.len(), true, Some('"'))),
            '`' => Some(skip_literal(&mut chars, text.len(), false, Some('`'))),
            _ => None,
        };
        if let Some(end) = literal_end {
            if i < offset && offset <= end {
                in_literal = true;
            }
            continue;
        }
        match c {
            '{' => {
                let words = text.get(header..i).unwrap_or_default();
                blocks.push(Block {
                    frame: frame(words),
                    open: i + 1,
                    close: text.len(),
                });
                open.push(blocks.len() - 1);
                header = i + 1;
            }
            '}' => {
                if let Some(b) = open.pop().and_then(|b| blocks.get_mut(b)) {
                    b.close = i;
                }
                header = i + 1;
            }
            '\n' => header = i + 1,
            _ => {}
        }
    }
    Scan { blocks, in_literal }
}

/// Skips the rest of a literal and returns the offset just after it: up
/// to (not over) a line break when `line` says it ends there, past `end`
/// when it has one, else the end of the text. In a string a backslash
/// escapes the next character.
fn skip_literal(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    len: usize,
    line: bool,
    end: Option<char>,
) -> usize {
    while let Some(&(i, c)) = chars.peek() {
        if line && c == '\n' {
            return i;
        }
        chars.next();
        if end == Some('"') && c == '\\' {
            chars.next();
            continue;
        }
        if Some(c) == end {
            return i + c.len_utf8();
        }
    }
    len
}

/// What the words before a `{` open.
fn frame(header: &str) -> Frame {
    let words: Vec<&str> = header
        .split(|c: char| c.is_whitespace() || c == '=')
        .filter(|w| !w.is_empty())
        .collect();
    let word = |i: usize| words.get(i).copied().unwrap_or_default().to_string();
    match words.first().copied() {
        Some("service") => Frame::Service(word(1)),
        Some("sli") => Frame::Sli {
            name: word(1),
            kind: word(2),
        },
        Some("slo") => Frame::Slo,
        Some("policy") => Frame::Policy(word(1)),
        Some("defaults") => Frame::Defaults,
        Some("receiver") => Frame::Receiver {
            name: word(1),
            kind: word(2),
        },
        Some("notify") => Frame::Notify,
        Some("alerting") => Frame::Override,
        Some("labels" | "annotations") => Frame::Pairs,
        Some(_) if matches!(words.get(1).copied(), Some("labels" | "annotations")) => Frame::Pairs,
        _ => Frame::Other,
    }
}

impl Scan {
    /// The blocks that hold `offset`, outermost first.
    pub fn around(&self, offset: usize) -> Vec<&Block> {
        let mut inside: Vec<&Block> = self
            .blocks
            .iter()
            .filter(|b| b.open <= offset && offset <= b.close)
            .collect();
        inside.sort_by_key(|b| b.open);
        inside
    }

    /// The blocks directly inside `outer`.
    pub fn children<'a>(&'a self, outer: &'a Block) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| {
            b.open > outer.open
                && b.open <= outer.close
                && !self
                    .blocks
                    .iter()
                    .any(|m| m.open > outer.open && m.open < b.open && b.open <= m.close)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_blocks_around_a_place() {
        let text = "service checkout {\n  sli requests = ratio {\n    bad = `x{a=\"}\"}`\n  }\n  slo a {\n    sli = \n";
        let at = text.len() - 1;
        let s = scan(text, at);
        let frames: Vec<&Frame> = s.around(at).iter().map(|b| &b.frame).collect();
        assert_eq!(
            frames,
            [&Frame::Service("checkout".to_string()), &Frame::Slo]
        );
        assert!(!s.in_literal);
        let service = s.around(at)[0];
        let inner: Vec<&Frame> = s.children(service).map(|b| &b.frame).collect();
        assert_eq!(
            inner,
            [
                &Frame::Sli {
                    name: "requests".to_string(),
                    kind: "ratio".to_string()
                },
                &Frame::Slo
            ]
        );
        let promql = text.find("x{").expect("promql");
        assert!(scan(text, promql + 2).in_literal);
    }
}
