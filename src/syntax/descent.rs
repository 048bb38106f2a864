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

use super::ast::*;
use super::failure::{Decisive, Expected, Failure};
use super::recover::{entry_end, ident_char, next_item, starts_item, starts_word, ENTRY_KEYWORDS};
use super::{duration, name, number, unescape, KEYWORDS};
use crate::diag::{Diag, FileId, Span};
use crate::num::{Duration, Ratio};

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

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// The bytes from `from` on.
    fn rest(&self, from: usize) -> &'a [u8] {
        let text: &'a str = self.text;
        text.as_bytes().get(from..).unwrap_or_default()
    }

    /// The text from `start` to `end`.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        let text: &'a str = self.text;
        text.get(start..end).unwrap_or_default()
    }

    /// Blanks and comments, which the grammar allows between any two
    /// tokens of a rule that is not atomic.
    fn skip(&mut self) {
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
    fn token(&mut self, token: &str) -> Option<()> {
        self.rest(self.at).starts_with(token.as_bytes()).then(|| {
            self.at += token.len();
        })
    }

    /// A literal token that must be there: noted as expected when it is not.
    fn need(&mut self, token: &'static str) -> Option<()> {
        let found = self.token(token);
        if found.is_none() {
            self.expect(self.at, Expected::Token(token));
        }
        found
    }

    /// Like [`Parser::need`], then blanks.
    fn need_then_skip(&mut self, token: &'static str) -> Option<()> {
        self.need(token)?;
        self.skip();
        Some(())
    }

    /// `"{"`, then blanks, then `inside` with the brace noted as open.
    fn braced<T>(&mut self, inside: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let open = self.at;
        self.need_then_skip("{")?;
        self.opens.push(open);
        let found = inside(self);
        self.opens.pop();
        found
    }

    /// The closing `}` of a block, where the entries of a block end. An item
    /// keyword at the start of a line means the block was never closed.
    fn close(&mut self, entry: Expected) -> Option<()> {
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
        let entry = entry == Expected::Setting
            && starts_word(bytes, self.at, &ENTRY_KEYWORDS)
            && line.contains(&b'{');
        if (line_start && starts_item(bytes, self.at)) || entry {
            if let Some(&open) = self.opens.last() {
                self.decide(Decisive::Unclosed { open, at: self.at });
            }
        }
        None
    }

    /// The run of `ident_char`s from `start`.
    fn ident_end(&self, start: usize) -> usize {
        let rest = self.rest(start);
        start
            + rest
                .iter()
                .position(|&b| !ident_char(b))
                .unwrap_or(rest.len())
    }

    /// A keyword (`kw_*`): the word, not followed by a character that would
    /// continue it. Its span.
    fn keyword(&mut self, word: &str) -> Option<Span> {
        let start = self.at;
        self.token(word)?;
        if self.peek().is_some_and(ident_char) {
            self.at = start;
            return None;
        }
        Some(self.span(start))
    }

    /// `key`: any word. Its extent.
    fn word(&mut self) -> Option<(usize, usize)> {
        let start = self.at;
        let first = self.peek()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        self.at = self.ident_end(start + 1);
        Some((start, self.at))
    }

    /// `key`, as a [`Name`].
    fn key(&mut self) -> Option<Name> {
        let (start, end) = self.word()?;
        Some(name(
            self.slice(start, end),
            self.span(start),
            &mut self.diags,
        ))
    }

    /// `name`: a word that is not a keyword. Its extent.
    fn name_text(&mut self) -> Option<(usize, usize)> {
        let (start, end) = self.word()?;
        if KEYWORDS.contains(&self.slice(start, end)) {
            self.at = start;
            return None;
        }
        Some((start, end))
    }

    /// `name`, as a [`Name`].
    fn name(&mut self) -> Option<Name> {
        let (start, end) = self.name_text()?;
        Some(name(
            self.slice(start, end),
            self.span(start),
            &mut self.diags,
        ))
    }

    /// A `name` that must be there.
    fn need_name(&mut self) -> Option<Name> {
        let found = self.name();
        if found.is_none() {
            self.expect(self.at, Expected::Name);
        }
        found
    }

    /// `number`: digits, maybe a fraction. Its text.
    fn number_text(&mut self) -> Option<&'a str> {
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
    fn number(&mut self) -> Option<Ratio> {
        let start = self.at;
        let text = self.number_text()?;
        Some(number(text, self.span(start), &mut self.diags))
    }

    /// `duration`: number-unit pairs not followed by an `ident_char`.
    fn duration(&mut self) -> Option<Spanned<Duration>> {
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
    fn need_duration(&mut self) -> Option<Spanned<Duration>> {
        let found = self.duration();
        if found.is_none() {
            self.expect(self.at, Expected::Duration);
        }
        found
    }

    /// A number followed by `suffix` (`percent`, `share`): the number.
    fn number_then(&mut self, suffix: &str) -> Option<Ratio> {
        let value = self.number()?;
        self.token(suffix)?;
        Some(value)
    }

    /// `string`: its text, escapes replaced.
    fn string(&mut self) -> Option<String> {
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
    fn promql(&mut self) -> Option<String> {
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

    /// `item`.
    fn item(&mut self) -> Option<Item> {
        if let Some(policy) = self.attempt(Parser::policy) {
            return Some(Item::Policy(policy));
        }
        if let Some(defaults) = self.attempt(Parser::defaults) {
            return Some(Item::Defaults(defaults));
        }
        if let Some(service) = self.attempt(Parser::service) {
            return Some(Item::Service(service));
        }
        if let Some(receiver) = self.attempt(Parser::receiver) {
            return Some(Item::Receiver(receiver));
        }
        self.attempt(Parser::notify).map(Item::Notify)
    }

    /// `policy = { kw_policy ~ name ~ "{" ~ policy_line* ~ "}" }`
    fn policy(&mut self) -> Option<Policy> {
        let start = self.at;
        self.keyword("policy")?;
        self.skip();
        let name = self.need_name()?;
        self.skip();
        let lines = self.policy_lines()?;
        Some(Policy {
            name,
            lines,
            span: self.span(start),
        })
    }

    /// `"{" ~ policy_line* ~ "}"`, in `policy` and `policy_override`.
    fn policy_lines(&mut self) -> Option<Vec<PolicyLine>> {
        self.braced(|p| {
            let mut lines = Vec::new();
            while let Some(line) = p.attempt(Parser::policy_line) {
                lines.push(line);
                p.skip();
            }
            p.close(Expected::PolicyLine)?;
            Some(lines)
        })
    }

    /// `policy_line = { name ~ burn ~ kw_over ~ duration ~ "/" ~ duration ~ (kw_for ~ duration)? }`
    fn policy_line(&mut self) -> Option<PolicyLine> {
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
                Burn::Share(share.div(Ratio::int(100)).unwrap_or(Ratio::ZERO))
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

    /// `defaults = { kw_defaults ~ block }`; the block spans the item.
    fn defaults(&mut self) -> Option<Block> {
        self.keyword_block("defaults")
    }

    /// `service = { kw_service ~ name ~ "{" ~ service_entry* ~ "}" }`
    fn service(&mut self) -> Option<Service> {
        let start = self.at;
        self.keyword("service")?;
        self.skip();
        let name = self.need_name()?;
        self.skip();
        let mut service = Service {
            name,
            settings: Vec::new(),
            labels: Vec::new(),
            slis: Vec::new(),
            slos: Vec::new(),
            span: Span::new(self.file, start, start),
        };
        self.braced(|p| {
            // service_entry = _{ sli | slo | labels | setting }
            loop {
                if let Some(sli) = p.attempt(Parser::sli) {
                    service.slis.push(sli);
                } else if let Some(slo) = p.attempt(Parser::slo) {
                    service.slos.push(slo);
                } else if let Some(labels) = p.attempt(Parser::labels) {
                    service.labels.push(labels);
                } else if let Some(setting) = p.attempt(Parser::setting) {
                    service.settings.push(setting);
                } else if p.recover_entry().is_none() {
                    break;
                }
                p.skip();
            }
            p.close(Expected::ServiceEntry)
        })?;
        service.span = self.span(start);
        Some(service)
    }

    /// `sli = { kw_sli ~ name ~ "=" ~ name ~ block }`
    fn sli(&mut self) -> Option<Sli> {
        let (name, kind, block) = self.kind_item("sli")?;
        Some(Sli { name, kind, block })
    }

    /// `KEYWORD ~ name ~ "=" ~ name ~ block`: an `sli` or a `receiver`.
    fn kind_item(&mut self, keyword: &str) -> Option<(Name, Name, Block)> {
        self.keyword(keyword)?;
        self.skip();
        let name = self.need_name()?;
        self.skip();
        self.need_then_skip("=")?;
        let kind = self.need_name()?;
        self.skip();
        Some((name, kind, self.block()?))
    }

    /// `slo = { kw_slo ~ name ~ block }`
    fn slo(&mut self) -> Option<Slo> {
        self.keyword("slo")?;
        self.skip();
        let name = self.need_name()?;
        self.skip();
        let block = self.block()?;
        Some(Slo { name, block })
    }

    /// `labels = { kw_labels ~ block }`; the block spans the entry.
    fn labels(&mut self) -> Option<Block> {
        self.keyword_block("labels")
    }

    /// `KEYWORD ~ block`, the block spanning both: `defaults` or `labels`.
    fn keyword_block(&mut self, keyword: &str) -> Option<Block> {
        let start = self.at;
        self.keyword(keyword)?;
        self.skip();
        let mut block = self.block()?;
        block.span = self.span(start);
        Some(block)
    }

    /// `receiver = { kw_receiver ~ name ~ "=" ~ name ~ block }`
    fn receiver(&mut self) -> Option<Receiver> {
        let (name, kind, block) = self.kind_item("receiver")?;
        Some(Receiver { name, kind, block })
    }

    /// `notify = { kw_notify ~ notify_scope? ~ block }`
    fn notify(&mut self) -> Option<Notify> {
        let keyword = self.keyword("notify")?;
        self.skip();
        let scope = if let Some(name) = self.attempt(|p| {
            p.keyword("service")?;
            p.skip();
            p.scope_name()
        }) {
            NotifyScope::Service(name)
        } else if let Some(name) = self.attempt(Parser::team) {
            NotifyScope::Team(name)
        } else {
            if self.peek() != Some(b'{') {
                self.expect(self.at, Expected::NotifyScope);
            }
            NotifyScope::All
        };
        self.skip();
        let block = self.block()?;
        Some(Notify {
            scope,
            block,
            keyword,
        })
    }

    /// `notify_team = { kw_team ~ (string | name) }`
    fn team(&mut self) -> Option<Name> {
        self.keyword("team")?;
        self.skip();
        if let Some(name) = self.attempt(|p| {
            let start = p.at;
            let text = p.string()?;
            Some(Name {
                text,
                span: p.span(start),
            })
        }) {
            return Some(name);
        }
        self.scope_name()
    }

    /// The name of a service or team in a `notify` scope. It is not checked
    /// for length: it only has to match a declared one.
    fn scope_name(&mut self) -> Option<Name> {
        let Some((start, end)) = self.name_text() else {
            self.expect(self.at, Expected::Name);
            return None;
        };
        Some(Name {
            text: self.slice(start, end).to_string(),
            span: self.span(start),
        })
    }

    /// `block = { "{" ~ setting* ~ "}" }`
    fn block(&mut self) -> Option<Block> {
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
    fn setting(&mut self) -> Option<Setting> {
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
    fn after_number(&mut self, word: usize) {
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
    fn value(&mut self, nested: bool) -> Option<Value> {
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
    fn list(&mut self) -> Option<Vec<Value>> {
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

    /// `policy_override = { name ~ "{" ~ policy_line* ~ "}" }`
    fn policy_override(&mut self) -> Option<PolicyOverride> {
        let policy = self.name()?;
        self.skip();
        if self.peek() != Some(b'{') {
            return None;
        }
        let lines = self.policy_lines()?;
        Some(PolicyOverride { policy, lines })
    }
}

#[cfg(test)]
mod tests {
    use super::super::oracle::parse_with_pest;
    use super::*;
    use proptest::prelude::*;
    use std::path::Path;

    /// The property: where pest accepts a text, this parser gives the same
    /// tree and diagnostics; where pest rejects it, this parser does too.
    fn agrees_with_pest(text: &str) -> Result<(), String> {
        let file = FileId(0);
        let ours = match parse(file, text) {
            (tree, diags, failures) if failures.is_empty() => Some((tree, diags)),
            _ => None,
        };
        match (ours, parse_with_pest(file, text)) {
            (Some(ours), Some(theirs)) if ours == theirs => Ok(()),
            (None, None) => Ok(()),
            (ours, theirs) => Err(format!(
                "parsers disagree on {text:?}:\nthis one: {ours:#?}\npest: {theirs:#?}"
            )),
        }
    }

    fn slo_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                slo_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "slo") {
                found.push(path);
            }
        }
    }

    /// Every spec and test fixture, and every input the fuzzer kept: they
    /// cover the grammar (the fuzzer keeps what reaches new code in this
    /// parser).
    #[test]
    fn agrees_with_pest_on_specs_fixtures_and_the_fuzzing_corpus() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        for dir in ["specs", "tests", "docs"] {
            slo_files(&root.join(dir), &mut paths);
        }
        let corpus = std::fs::read_dir(root.join("fuzz/corpus/parse_check"))
            .expect("the fuzzing corpus is in the repository");
        paths.extend(corpus.flatten().map(|e| e.path()));
        assert!(paths.len() > 1000, "only {} inputs found", paths.len());
        let (mut accepted, mut rejected) = (0, 0);
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // not UTF-8: never reaches a parser
            };
            if let Err(e) = agrees_with_pest(&text) {
                panic!("{}: {e}", path.display());
            }
            if parse(FileId(0), &text).2.is_empty() {
                accepted += 1;
            } else {
                rejected += 1;
            }
        }
        // Both outcomes are exercised.
        assert!(
            accepted > 100 && rejected > 100,
            "{accepted} accepted, {rejected} rejected"
        );
    }

    /// Pieces of the language besides the reserved words, blanks and
    /// comments included, and near misses.
    const PIECES: &[&str] = &[
        "receiver",
        "notify",
        "team",
        "page",
        "x",
        "a-b_1",
        "_",
        "policyx",
        "for2",
        "{",
        "}",
        "[",
        "]",
        "=",
        "/",
        ",",
        "\"s\"",
        "\"a\\\"b\"",
        "\"\\q\"",
        "\"\\",
        "`rate(x[$window])`",
        "`",
        "14.4x",
        "2%",
        "99.9%",
        "1.",
        ".5",
        "0.5",
        "12",
        "1234567890123.5",
        "5m",
        "1h30m",
        "300ms",
        "5mx",
        "5ms5m",
        "99999w",
        "5",
        "m",
        "%",
        " ",
        "\t",
        "\n",
        "\r\n",
        "# note\n",
        "#",
        "é",
    ];

    fn piece() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(KEYWORDS.iter().chain(PIECES).copied().collect::<Vec<_>>())
    }

    fn soup() -> impl Strategy<Value = String> {
        proptest::collection::vec(piece(), 0..40).prop_map(|p| {
            p.iter()
                .flat_map(|piece| [*piece, " "])
                .take(2 * p.len())
                .collect()
        })
    }

    /// A valid program with pieces spliced into it: mostly almost valid.
    fn spliced() -> impl Strategy<Value = String> {
        const BASE: &str = include_str!("../../specs/checkout.slo");
        let edit = (0..BASE.len(), 0..8usize, piece());
        proptest::collection::vec(edit, 1..4).prop_map(|edits| {
            let mut text = BASE.to_string();
            for (at, cut, piece) in edits {
                let mut at = at.min(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + cut).min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.replace_range(at..end, piece);
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn agrees_with_pest_on_token_soup(text in soup()) {
            agrees_with_pest(&text).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn agrees_with_pest_on_spliced_specs(text in spliced()) {
            agrees_with_pest(&text).map_err(TestCaseError::fail)?;
        }
    }

    /// Items that do not parse, each a whole item.
    const BROKEN_ITEMS: &[&str] = &[
        "service broken {\n  slo x {\n    target = 99.9%\n\n",
        "service broken {\n  team = \"t\"\n",
        "policy broken {\n  page 14.4x 1h/5m\n}\n",
        "policy broken {\n  page 14.4x over 1h/5m\n",
        "defaults {\n  window = 30 days\n}\n",
        "receiver broken = {\n}\n",
        "notify bogus {\n}\n",
        "servce broken {\n}\n",
        "service broken {\n  sli r = ratio {\n    bad = `x\n  }\n}\n",
    ];

    /// A name for each item, as a summary of a tree.
    fn names(file: &File) -> Vec<String> {
        file.items
            .iter()
            .map(|item| match item {
                Item::Policy(p) => format!("policy {}", p.name.text),
                Item::Defaults(_) => "defaults".to_string(),
                Item::Service(s) => format!("service {} {}", s.name.text, s.slos.len()),
                Item::Receiver(r) => format!("receiver {}", r.name.text),
                Item::Notify(n) => match &n.scope {
                    NotifyScope::All => "notify".to_string(),
                    NotifyScope::Service(s) => format!("notify service {}", s.text),
                    NotifyScope::Team(t) => format!("notify team {}", t.text),
                },
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// A broken item put before any item of a valid program is one
        /// syntax error, and every item of the program is still there.
        #[test]
        fn a_broken_item_takes_no_other_item_with_it(
            spec in proptest::sample::select(vec![
                include_str!("../../specs/checkout.slo"),
                include_str!("../../specs/notifications.slo"),
                include_str!("../../specs/search.slo"),
            ]),
            broken in proptest::sample::select(BROKEN_ITEMS.to_vec()),
            at in 0..64usize,
        ) {
            let (whole, _, failures) = parse(FileId(0), spec);
            prop_assert!(failures.is_empty());
            let starts: Vec<usize> = (0..spec.len())
                .filter(|&i| {
                    (i == 0 || spec.as_bytes().get(i - 1) == Some(&b'\n'))
                        && super::starts_item(spec.as_bytes(), i)
                })
                .collect();
            let start = starts.get(at % starts.len()).copied().unwrap_or(0);
            let mut text = spec.to_string();
            text.insert_str(start, broken);
            let (tree, _, failures) = parse(FileId(0), &text);
            prop_assert_eq!(failures.len(), 1, "{}", text);
            prop_assert_eq!(names(&tree), names(&whole), "{}", text);
        }
    }
}
