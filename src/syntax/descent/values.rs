//! What blocks hold: settings and their values, lists, and the lines of a
//! policy (in a `policy` item and in an override of one).

use super::Parser;
use crate::syntax::ast::*;
use crate::syntax::failure::{Decisive, Expected};
use crate::syntax::recover::ident_char;

impl Parser<'_> {
    /// `policy_body = { "{" ~ policy_entry* ~ "}" }`, in `policy` and
    /// `policy_override`, with
    /// `policy_entry = _{ severity_block | policy_drop | setting | policy_line }`.
    pub(super) fn policy_body(&mut self) -> Option<PolicyBody> {
        self.braced(|p| {
            let mut body = PolicyBody::default();
            loop {
                if let Some(block) = p.attempt(Parser::severity_block) {
                    body.severities.push(block);
                } else if let Some(drop) = p.attempt(Parser::policy_drop) {
                    body.drops.push(drop);
                } else if p.setting_ahead() {
                    // Only a word followed by `=` is tried as a setting, so
                    // that a broken line is reported as a line.
                    match p.attempt(Parser::setting) {
                        Some(setting) => body.settings.push(setting),
                        None => break,
                    }
                } else if let Some(line) = p.attempt(Parser::policy_line) {
                    body.lines.push(line);
                } else {
                    break;
                }
                p.skip();
            }
            p.close(Expected::PolicyLine)?;
            Some(body)
        })
    }

    /// Whether a word and then `=` come next.
    fn setting_ahead(&mut self) -> bool {
        let at = self.at;
        let ahead = self.word().is_some() && {
            self.skip();
            self.peek() == Some(b'=')
        };
        self.at = at;
        ahead
    }

    /// `severity_block = { name ~ (labels | annotations) }`; the block spans
    /// its keyword and braces.
    pub(super) fn severity_block(&mut self) -> Option<SeverityBlock> {
        let severity = self.name()?;
        self.skip();
        let (annotations, block) = match self.attempt(Parser::labels) {
            Some(block) => (false, block),
            None => (true, self.keyword_block("annotations")?),
        };
        Some(SeverityBlock {
            severity,
            annotations,
            block,
        })
    }

    /// `policy_drop = { kw_drop ~ kw_over ~ duration ~ "/" ~ duration }`
    pub(super) fn policy_drop(&mut self) -> Option<DropLine> {
        let start = self.at;
        self.keyword("drop")?;
        self.skip();
        self.keyword("over")?;
        self.skip();
        let long = self.need_duration()?;
        self.skip();
        self.need_then_skip("/")?;
        let short = self.need_duration()?;
        Some(DropLine {
            long,
            short,
            span: self.span(start),
        })
    }

    /// `policy_line = { name ~ burn ~ kw_over ~ duration ~ "/" ~ duration ~ (kw_for ~ duration)? }`
    pub(super) fn policy_line(&mut self) -> Option<PolicyLine> {
        let start = self.at;
        let severity = self.name()?;
        self.skip();
        let burn_start = self.at;
        let burn = match self.attempt(|p| {
            // factor = ${ number ~ "x" ~ !ident_char }
            let factor = p.number_then("x")?;
            (!p.peek().is_some_and(ident_char)).then_some(factor)
        }) {
            Some(factor) => Burn::Factor(factor),
            // share = ${ number ~ "%" }
            None => {
                let Some(share) = self.attempt(|p| p.number_then("%")) else {
                    self.expect(self.at, Expected::Burn);
                    return None;
                };
                Burn::Share(share)
            }
        };
        let burn_span = self.span(burn_start);
        self.skip();
        if self.keyword("over").is_none() {
            self.expect(self.at, Expected::Keyword("over"));
            return None;
        }
        self.skip();
        let long = self.need_duration()?;
        self.skip();
        self.need_then_skip("/")?;
        let short = self.need_duration()?;
        // The blanks before an absent `for` are part of the line, as in
        // pest, which skips them before trying the optional part.
        self.skip();
        let for_ = self.attempt(|p| {
            if p.keyword("for").is_none() {
                p.expect(p.at, Expected::Keyword("for"));
                return None;
            }
            p.skip();
            p.need_duration()
        });
        Some(PolicyLine {
            severity,
            burn,
            burn_span,
            long,
            short,
            for_,
            span: self.span(start),
        })
    }

    /// `block = { "{" ~ setting* ~ "}" }`
    pub(super) fn block(&mut self) -> Option<Block> {
        let start = self.at;
        let settings = self.braced(|p| {
            let mut settings = Vec::new();
            while let Some(setting) = p.attempt(Parser::setting) {
                settings.push(setting);
                p.skip();
            }
            p.close(Expected::Setting)?;
            Some(settings)
        })?;
        Some(Block {
            settings,
            span: self.span(start),
        })
    }

    /// `setting = { key ~ "=" ~ value }`
    pub(super) fn setting(&mut self) -> Option<Setting> {
        let start = self.at;
        let key = self.key()?;
        self.skip();
        if self.need("=").is_none() {
            self.after_number(start);
            return None;
        }
        self.skip();
        let value = self.value(true)?;
        Some(Setting { key, value })
    }

    /// A word at `word` that is not a key after all (no `=` follows): when it
    /// comes right after a number on the same line, it was meant as part of
    /// that number (`30 days`, `28days`, `1M`).
    pub(super) fn after_number(&mut self, word: usize) {
        let before = self.text.as_bytes().get(..word).unwrap_or_default();
        let blanks = before
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let end = word - blanks;
        let digits = before
            .get(..end)
            .unwrap_or_default()
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .count();
        if digits == 0 {
            return;
        }
        let number = end - digits;
        // A whole number, not the tail of a name such as `p99`.
        let starts_token = number == 0
            || before
                .get(number - 1)
                .is_some_and(|&b| !ident_char(b) && b != b'.');
        if starts_token {
            self.decide(Decisive::AfterNumber { number, word });
        }
    }

    /// `value`, or with `nested` false `list_item` (no lists, no overrides):
    /// `string | promql | duration | percent | number | list | policy_override | name`.
    pub(super) fn value(&mut self, nested: bool) -> Option<Value> {
        let start = self.at;
        let kind = if let Some(s) = self.attempt(Parser::string) {
            ValueKind::Str(s)
        } else if let Some(q) = self.attempt(Parser::promql) {
            ValueKind::Promql(q)
        } else if let Some(d) = self.attempt(Parser::duration) {
            ValueKind::Duration(d.value)
        } else if let Some(p) = self.attempt(|p| p.number_then("%")) {
            ValueKind::Percent(p)
        } else if let Some(n) = self.attempt(Parser::number) {
            ValueKind::Number(n)
        } else if let Some(list) = nested.then(|| self.attempt(Parser::list)).flatten() {
            ValueKind::List(list)
        } else if let Some(o) = nested
            .then(|| self.attempt(Parser::policy_override))
            .flatten()
        {
            ValueKind::Override(o)
        } else if let Some(name) = self.name() {
            ValueKind::Name(name.text)
        } else {
            self.expect(start, Expected::Value);
            return None;
        };
        Some(Value {
            kind,
            span: self.span(start),
        })
    }

    /// `list = { "[" ~ (list_item ~ (list_comma ~ list_item)* ~ list_comma?)? ~ list_close }`
    pub(super) fn list(&mut self) -> Option<Vec<Value>> {
        self.token("[")?;
        self.skip();
        let mut items = Vec::new();
        if let Some(first) = self.attempt(|p| p.value(false)) {
            items.push(first);
            self.skip();
            while let Some(item) = self.attempt(|p| {
                p.need_then_skip(",")?;
                p.value(false)
            }) {
                items.push(item);
                self.skip();
            }
            if self.token(",").is_some() {
                self.skip();
            }
        }
        self.need("]")?;
        Some(items)
    }

    /// `policy_override = { name ~ policy_body }`
    pub(super) fn policy_override(&mut self) -> Option<PolicyOverride> {
        let policy = self.name()?;
        self.skip();
        if self.peek() != Some(b'{') {
            return None;
        }
        let body = self.policy_body()?;
        Some(PolicyOverride { policy, body })
    }
}
