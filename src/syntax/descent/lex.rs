//! The tokens of the grammar: blanks and comments, punctuation, braces,
//! keywords, words and names, numbers, durations, strings and PromQL.

use super::Parser;
use crate::diag::Span;
use crate::num::{Duration, Ratio};
use crate::syntax::ast::*;
use crate::syntax::failure::{Decisive, Expected};
use crate::syntax::recover::{ident_char, starts_item, starts_word, ENTRY_KEYWORDS};
use crate::syntax::{duration, name, number, unescape, KEYWORDS};

impl<'a> Parser<'a> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// The bytes from `from` on.
    pub(super) fn rest(&self, from: usize) -> &'a [u8] {
        let text: &'a str = self.text;
        text.as_bytes().get(from..).unwrap_or_default()
    }

    /// The text from `start` to `end`.
    pub(super) fn slice(&self, start: usize, end: usize) -> &'a str {
        let text: &'a str = self.text;
        text.get(start..end).unwrap_or_default()
    }

    /// Blanks and comments, which the grammar allows between any two
    /// tokens of a rule that is not atomic.
    pub(super) fn skip(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.at += 1,
                // To the end of the line, which is not part of the comment.
                b'#' => {
                    let rest = self.rest(self.at);
                    self.at += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                }
                _ => return,
            }
        }
    }

    /// A literal token.
    pub(super) fn token(&mut self, token: &str) -> Option<()> {
        self.rest(self.at).starts_with(token.as_bytes()).then(|| {
            self.at += token.len();
        })
    }

    /// A literal token that must be there: noted as expected when it is not.
    pub(super) fn need(&mut self, token: &'static str) -> Option<()> {
        let found = self.token(token);
        if found.is_none() {
            self.expect(self.at, Expected::Token(token));
        }
        found
    }

    /// Like [`Parser::need`], then blanks.
    pub(super) fn need_then_skip(&mut self, token: &'static str) -> Option<()> {
        self.need(token)?;
        self.skip();
        Some(())
    }

    /// `"{"`, then blanks, then `inside` with the brace noted as open.
    pub(super) fn braced<T>(&mut self, inside: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let open = self.at;
        self.need_then_skip("{")?;
        self.opens.push(open);
        let found = inside(self);
        self.opens.pop();
        found
    }

    /// The closing `}` of a block, where the entries of a block end. An item
    /// keyword at the start of a line means the block was never closed.
    pub(super) fn close(&mut self, entry: Expected) -> Option<()> {
        if self.token("}").is_some() {
            return Some(());
        }
        self.expect(self.at, entry);
        self.expect(self.at, Expected::Token("}"));
        let bytes = self.text.as_bytes();
        let line_start = self.at == 0 || self.rest(self.at - 1).first() == Some(&b'\n');
        // A service entry cannot be inside a block of settings either.
        // (`sli r = ratio {`, `slo b {`, `labels {`: a `{` on its line;
        // without one, `sli requests` is a setting that lacks its `=`.)
        let line = self.rest(self.at);
        let line = line
            .get(
                ..line
                    .iter()
                    .position(|&b| b == b'\n' || b == b'#')
                    .unwrap_or(line.len()),
            )
            .unwrap_or_default();
        // An `slo` block may hold `labels { … }`, but not another entry.
        let entry = match entry {
            Expected::Setting => starts_word(bytes, self.at, &ENTRY_KEYWORDS),
            Expected::SloEntry => starts_word(bytes, self.at, &["sli", "slo"]),
            _ => false,
        } && line.contains(&b'{');
        if (line_start && starts_item(bytes, self.at)) || entry {
            if let Some(&open) = self.opens.last() {
                self.decide(Decisive::Unclosed { open, at: self.at });
            }
        }
        None
    }

    /// The run of `ident_char`s from `start`.
    pub(super) fn ident_end(&self, start: usize) -> usize {
        let rest = self.rest(start);
        start
            + rest
                .iter()
                .position(|&b| !ident_char(b))
                .unwrap_or(rest.len())
    }

    /// A keyword (`kw_*`): the word, not followed by a character that would
    /// continue it. Its span.
    pub(super) fn keyword(&mut self, word: &str) -> Option<Span> {
        let start = self.at;
        self.token(word)?;
        if self.peek().is_some_and(ident_char) {
            self.at = start;
            return None;
        }
        Some(self.span(start))
    }

    /// `key`: any word. Its extent.
    pub(super) fn word(&mut self) -> Option<(usize, usize)> {
        let start = self.at;
        let first = self.peek()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        self.at = self.ident_end(start + 1);
        Some((start, self.at))
    }

    /// `key`, as a [`Name`].
    pub(super) fn key(&mut self) -> Option<Name> {
        let (start, end) = self.word()?;
        Some(name(
            self.slice(start, end),
            self.span(start),
            &mut self.diags,
        ))
    }

    /// `name`: a word that is not a keyword. Its extent.
    pub(super) fn name_text(&mut self) -> Option<(usize, usize)> {
        let (start, end) = self.word()?;
        if KEYWORDS.contains(&self.slice(start, end)) {
            self.at = start;
            return None;
        }
        Some((start, end))
    }

    /// `name`, as a [`Name`].
    pub(super) fn name(&mut self) -> Option<Name> {
        let (start, end) = self.name_text()?;
        Some(name(
            self.slice(start, end),
            self.span(start),
            &mut self.diags,
        ))
    }

    /// A `name` that must be there.
    pub(super) fn need_name(&mut self) -> Option<Name> {
        let found = self.name();
        if found.is_none() {
            self.expect(self.at, Expected::Name);
        }
        found
    }

    /// `number`: digits, maybe a fraction. Its text.
    pub(super) fn number_text(&mut self) -> Option<&'a str> {
        let start = self.at;
        let digits = |p: &Self, from: usize| {
            p.rest(from)
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let whole = digits(self, start);
        if whole == 0 {
            return None;
        }
        self.at = start + whole;
        if self.peek() == Some(b'.') {
            let fraction = digits(self, self.at + 1);
            if fraction > 0 {
                self.at += 1 + fraction;
            }
        }
        Some(self.slice(start, self.at))
    }

    /// `number`, as a value.
    pub(super) fn number(&mut self) -> Option<Ratio> {
        let start = self.at;
        let text = self.number_text()?;
        Some(number(text, self.span(start), &mut self.diags))
    }

    /// `duration`: number-unit pairs not followed by an `ident_char`.
    pub(super) fn duration(&mut self) -> Option<Spanned<Duration>> {
        let start = self.at;
        let mut pairs = 0;
        loop {
            let before = self.at;
            if self.number_text().is_none() {
                break;
            }
            if ["ms", "s", "m", "h", "d", "w"]
                .iter()
                .any(|unit| self.token(unit).is_some())
            {
                pairs += 1;
            } else {
                self.at = before;
                break;
            }
        }
        if pairs == 0 || self.peek().is_some_and(ident_char) {
            self.at = start;
            return None;
        }
        let span = self.span(start);
        let value = duration(self.slice(start, self.at), span, &mut self.diags);
        Some(Spanned { value, span })
    }

    /// A duration that must be there.
    pub(super) fn need_duration(&mut self) -> Option<Spanned<Duration>> {
        let found = self.duration();
        if found.is_none() {
            self.expect(self.at, Expected::Duration);
        }
        found
    }

    /// A number followed by `suffix` (`percent`, `share`): the number.
    pub(super) fn number_then(&mut self, suffix: &str) -> Option<Ratio> {
        let value = self.number()?;
        self.token(suffix)?;
        Some(value)
    }

    /// `string`: its text, escapes replaced.
    pub(super) fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.token("\"")?;
        let inner = self.at;
        loop {
            match self.peek() {
                // `\` and any character.
                Some(b'\\') => {
                    let c = self.text.get(self.at + 1..)?.chars().next()?;
                    self.at += 1 + c.len_utf8();
                }
                Some(b'"') => break,
                Some(b'\n') | None => {
                    self.expect(self.at, Expected::Token("\""));
                    return None;
                }
                Some(_) => self.at += 1,
            }
        }
        let raw = self.slice(inner, self.at);
        self.at += 1;
        Some(unescape(raw, self.span(start), &mut self.diags))
    }

    /// `promql`: the text between the backticks.
    pub(super) fn promql(&mut self) -> Option<String> {
        self.token("`")?;
        let rest = self.text.get(self.at..).unwrap_or_default();
        let Some(len) = rest.find('`') else {
            self.expect(self.text.len(), Expected::Token("`"));
            return None;
        };
        let inner = self.slice(self.at, self.at + len).to_string();
        self.at += len + 1;
        Some(inner)
    }
}
