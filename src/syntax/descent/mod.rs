//! The parser: the grammar of `grammar/slo.pest`, rule for rule, with the
//! same ordered choices and backtracking, building the same tree with the
//! same spans as pest would (the tests hold it to pest's result on generated
//! programs, mutated ones and the fuzzing corpus).
//!
//! When a file does not parse, it says why, as pest does: the farthest
//! position any rule reached, and what each rule that failed there expected
//! ([`Expected`]), with the `{` that was open at that point. Two mistakes are
//! recognised where they are made, before the parser reaches the place where
//! it gives up ([`Decisive`]): junk after a number on the same line, read as
//! the key of a next setting (`window = 30 days`), and an item keyword at the
//! start of a line inside a block, which means the block was not closed.
//!
//! The rules are grouped by what they read: [`items`] the items of a file and
//! the entries of a service, [`values`] settings, values, lists and policy
//! lines, [`lex`] the tokens. This file holds the position and what failed.

mod items;
mod lex;
#[cfg(test)]
mod tests;
mod values;

use super::ast::*;
use super::failure::{Decisive, Expected, Failure};
use super::recover::{entry_end, next_item, starts_word, ENTRY_KEYWORDS};
use crate::diag::{Diag, FileId, Span};

/// The items of `text` that parse, the diagnostics of their malformed
/// literals, and why the others do not parse, in source order.
///
/// After an item that does not parse, parsing goes on at the next line that
/// starts with an item keyword (`service`, `policy`, …), so that one broken
/// item does not take the rest of its file with it.
pub fn parse(file: FileId, text: &str) -> (File, Vec<Diag>, Vec<Failure>) {
    let mut p = Parser {
        text,
        at: 0,
        file,
        diags: Vec::new(),
        opens: Vec::new(),
        failure: Failure::default(),
        recovered: Vec::new(),
    };
    // file = { SOI ~ item* ~ EOI }
    let mut items = Vec::new();
    let mut failures = Vec::new();
    p.skip();
    while p.at < text.len() {
        p.failure = Failure::default();
        let start = p.at;
        if let Some(item) = p.attempt(Parser::item) {
            items.push(item);
            failures.append(&mut p.recovered);
            p.skip();
            continue;
        }
        p.expect(start, Expected::Item);
        failures.push(p.take_failure());
        match next_item(text, start + 1) {
            Some(next) => p.at = next,
            None => break,
        }
    }
    (File { items }, p.diags, failures)
}

struct Parser<'a> {
    text: &'a str,
    /// The byte offset reached.
    at: usize,
    file: FileId,
    /// Malformed literals, in source order.
    diags: Vec<Diag>,
    /// The `{` of every block being parsed, innermost last.
    opens: Vec<usize>,
    /// The farthest failure so far.
    failure: Failure,
    /// The failures of the service entries skipped so far.
    recovered: Vec<Failure>,
}

/// Every method parses one rule from `at` and returns `None` when it does
/// not match; `attempt` puts the position back (and drops what the failed
/// attempt reported) where the grammar tries something else.
impl<'a> Parser<'a> {
    fn attempt<T>(&mut self, rule: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let (at, reported, recovered) = (self.at, self.diags.len(), self.recovered.len());
        let found = rule(self);
        if found.is_none() {
            self.at = at;
            self.diags.truncate(reported);
            self.recovered.truncate(recovered);
        }
        found
    }

    /// The failure so far, sorted, leaving none.
    fn take_failure(&mut self) -> Failure {
        let mut failure = std::mem::take(&mut self.failure);
        failure.expected.sort_unstable();
        failure.expected.dedup();
        failure
    }

    /// After a service entry (`sli`, `slo`, `labels`) at `at` that does not
    /// parse: keeps its failure and goes on after it, so that the service
    /// keeps its name and its other entries. Fails when the end of the entry
    /// is unclear (a brace never closed), which is left to the item.
    fn recover_entry(&mut self) -> Option<()> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        if !starts_word(bytes, start, &ENTRY_KEYWORDS) {
            return None;
        }
        let resume = match self.failure.decisive {
            // The next entry begins inside this one: resume there.
            Some(Decisive::Unclosed { at, .. }) => {
                (at > start && starts_word(bytes, at, &ENTRY_KEYWORDS)).then_some(at)?
            }
            _ => entry_end(bytes, start)?,
        };
        let failure = self.take_failure();
        self.recovered.push(failure);
        self.at = resume;
        self.skip();
        Some(())
    }

    /// Notes that `what` was expected at `at`, as pest does: only the
    /// farthest position counts.
    fn expect(&mut self, at: usize, what: Expected) {
        if at > self.failure.at || self.failure.expected.is_empty() {
            self.failure.at = at;
            self.failure.expected.clear();
            self.failure.open = self.opens.last().copied();
        }
        if at == self.failure.at {
            self.failure.expected.push(what);
        }
    }

    /// Notes a mistake where it is made. The first one counts: every
    /// decisive mistake makes the parse fail.
    fn decide(&mut self, mistake: Decisive) {
        self.failure.decisive.get_or_insert(mistake);
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.at)
    }
}
