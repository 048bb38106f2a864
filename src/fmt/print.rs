//! Syntax tree + comments → lines. Values are printed as written (from the
//! source text), except lists and overrides, which are laid out anew.

use super::comments::Comment;
use super::layout::{Code, Line, Trailing};
use crate::diag::Span;
use crate::syntax::ast::{self, Item, PolicyLine, Setting, Value, ValueKind};

/// Walks a file in source order and emits its lines.
pub struct Printer<'a> {
    src: &'a str,
    comments: Vec<Comment>,
    /// The next comment not yet placed.
    next: usize,
    lines: Vec<Line>,
    /// No blank line before the next line: it opens the file or a block.
    at_block_start: bool,
    blocks: usize,
    block: usize,
}

/// An entry of a service, in source order.
enum Entry<'t> {
    Setting(&'t Setting),
    Labels(&'t ast::Block),
    Sli(&'t ast::Sli),
    Slo(&'t ast::Slo),
}

/// An entry of an `slo`, in source order.
enum SloEntry<'t> {
    Setting(&'t Setting),
    Labels(&'t ast::Block),
    Annotations(&'t ast::Block),
}

/// An entry of a policy or of an override, in source order.
enum BodyEntry<'t> {
    Line(&'t PolicyLine),
    Setting(&'t Setting),
    Severity(&'t ast::SeverityBlock),
    Drop(&'t ast::DropLine),
}

/// Whether a policy's braces hold nothing.
fn body_is_empty(b: &ast::PolicyBody) -> bool {
    b.lines.is_empty() && b.settings.is_empty() && b.severities.is_empty() && b.drops.is_empty()
}

impl<'a> Printer<'a> {
    /// A printer over `src` with its comments.
    pub fn new(src: &'a str, comments: Vec<Comment>) -> Self {
        Printer {
            src,
            comments,
            next: 0,
            lines: Vec::new(),
            at_block_start: true,
            blocks: 0,
            block: 0,
        }
    }

    /// Prints every item, then the comments after the last one.
    pub fn file(mut self, file: &ast::File) -> Vec<Line> {
        for item in &file.items {
            match item {
                Item::Policy(p) => self.policy(p),
                Item::Defaults(d) => self.defaults(d),
                Item::Service(s) => self.service(s),
                Item::Receiver(r) => {
                    let header = format!("receiver {} = {}", r.name.text, r.kind.text);
                    self.settings_block("receiver", r.name.span.start, &r.block, header, 0);
                }
                Item::Notify(n) => self.notify(n),
            }
        }
        self.comments_before(self.src.len() + 1, 0, false, usize::MAX);
        self.lines
    }

    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.start..span.end).unwrap_or_default()
    }

    /// Whether the source has a blank line just before `pos`.
    fn blank_in_source(&self, pos: usize) -> bool {
        let before = self.src.get(..pos).unwrap_or(self.src);
        let gap = before.len() - before.trim_end().len();
        let blanks = before.get(before.len() - gap..).unwrap_or_default();
        blanks.matches('\n').count() >= 2
    }

    /// The offset just past the first `c` at or after `from`, skipping blanks
    /// and comments. The file parsed, so it is there.
    fn after_char(&self, from: usize, c: char) -> usize {
        let mut i = from;
        while let Some(rest) = self.src.get(i..) {
            let Some(d) = rest.chars().next() else {
                break;
            };
            if d == c {
                return i + 1;
            }
            if d == '#' {
                i += rest.find('\n').unwrap_or(rest.len());
            } else {
                i += d.len_utf8();
            }
        }
        self.src.len()
    }

    fn push(&mut self, indent: usize, code: Code, blank_before: bool) {
        let blank_before = blank_before && !self.at_block_start;
        self.at_block_start = false;
        self.lines.push(Line {
            indent,
            code,
            blank_before,
            trailing: None,
            block: self.block,
        });
    }

    /// Places the pending comments that start before `end` as lines of their
    /// own. Returns whether any was placed and where the last one started.
    fn comments_before(
        &mut self,
        end: usize,
        indent: usize,
        forced: bool,
        entry: usize,
    ) -> Option<usize> {
        let mut last = None;
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= end {
                break;
            }
            let first = last.is_none();
            let blank = self.blank_in_source(c.start)
                || (first && forced)
                || (first && c.start > entry && self.blank_in_source(entry));
            let (text, start) = (c.text.clone(), c.start);
            self.next += 1;
            self.push(indent, Code::Comment(text), blank);
            last = Some(start);
        }
        last
    }

    /// Emits one line of code covering source `start..end`: comments inside
    /// or before it first, then the line, then a comment after it on the same
    /// source line.
    fn line(&mut self, start: usize, end: usize, indent: usize, code: Code, forced: bool) {
        let blank = match self.comments_before(end, indent, forced, start) {
            Some(last) => last < start && self.blank_in_source(start),
            None => forced || self.blank_in_source(start),
        };
        self.push(indent, code, blank);
        self.trailing(end);
    }

    fn trailing(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next) {
            if !c.own_line && c.after == end {
                let found = Trailing {
                    text: c.text.clone(),
                    column: c.column,
                    code_before: c.code_before.clone(),
                };
                self.next += 1;
                if let Some(line) = self.lines.last_mut() {
                    line.trailing = Some(found);
                }
            }
        }
    }

    fn open(&mut self) -> usize {
        let outer = self.block;
        self.blocks += 1;
        self.block = self.blocks;
        self.at_block_start = true;
        outer
    }

    /// Closes a block: its last comments, then `}` at the outer indentation.
    fn close(&mut self, outer: usize, brace: usize, indent: usize) {
        self.comments_before(brace, indent + 1, false, brace);
        self.block = outer;
        self.at_block_start = false;
        self.push(indent, Code::Text("}".into()), false);
        self.trailing(brace + 1);
    }

    /// Whether a block has comments between its braces.
    fn has_comments(&self, open: usize, close: usize) -> bool {
        self.comments
            .get(self.next..)
            .unwrap_or_default()
            .iter()
            .any(|c| c.start > open && c.start < close)
    }

    /// `HEADER {`, the body, `}`; `HEADER {}` when empty and without
    /// comments. A blank line always comes before a block.
    fn block(
        &mut self,
        start: usize,
        span: Span,
        header: String,
        indent: usize,
        empty: bool,
        body: impl FnOnce(&mut Self),
    ) {
        let open = self.after_char(start, '{');
        let brace = span.end - 1;
        if empty && !self.has_comments(open, brace) {
            self.line(
                start,
                span.end,
                indent,
                Code::Text(format!("{header} {{}}")),
                true,
            );
            return;
        }
        self.line(
            start,
            open,
            indent,
            Code::Text(format!("{header} {{")),
            true,
        );
        let outer = self.open();
        body(self);
        self.close(outer, brace, indent);
    }

    fn policy(&mut self, p: &ast::Policy) {
        let header = format!("policy {}", p.name.text);
        let empty = body_is_empty(&p.body);
        self.block(p.span.start, p.span, header, 0, empty, |me| {
            me.policy_body(&p.body, 1);
        });
    }

    /// The entries of a policy or of an override, in the order written.
    fn policy_body(&mut self, b: &ast::PolicyBody, indent: usize) {
        let mut entries: Vec<(usize, BodyEntry)> = Vec::new();
        entries.extend(b.lines.iter().map(|x| (x.span.start, BodyEntry::Line(x))));
        entries.extend(
            b.settings
                .iter()
                .map(|x| (x.key.span.start, BodyEntry::Setting(x))),
        );
        entries.extend(
            b.severities
                .iter()
                .map(|x| (x.severity.span.start, BodyEntry::Severity(x))),
        );
        entries.extend(b.drops.iter().map(|x| (x.span.start, BodyEntry::Drop(x))));
        entries.sort_by_key(|(start, _)| *start);
        for (_, entry) in entries {
            match entry {
                BodyEntry::Line(l) => self.policy_line(l, indent),
                BodyEntry::Setting(s) => self.setting(s, indent, false),
                BodyEntry::Severity(x) => {
                    // Not aligned with the settings around it.
                    let keyword = if x.annotations {
                        "annotations"
                    } else {
                        "labels"
                    };
                    let head = format!("{} {keyword}", x.severity.text);
                    self.pairs_block(x.severity.span.start, &x.block, indent, |rest| {
                        Code::Text(format!("{head} {rest}"))
                    });
                }
                BodyEntry::Drop(d) => {
                    let code = Code::Text(format!(
                        "drop over {}/{}",
                        self.text(d.long.span),
                        self.text(d.short.span)
                    ));
                    self.line(d.span.start, d.span.end, indent, code, false);
                }
            }
        }
    }

    fn policy_line(&mut self, l: &PolicyLine, indent: usize) {
        let windows = format!("{}/{}", self.text(l.long.span), self.text(l.short.span));
        let code = Code::Policy {
            columns: [
                l.severity.text.clone(),
                self.text(l.burn_span).to_string(),
                windows,
            ],
            tail: l.for_.map(|f| format!("for {}", self.text(f.span))),
        };
        // pest's span of a line can run on over blanks and comments after
        // it; the line ends with its last duration.
        let end = l.for_.map_or(l.short.span.end, |f| f.span.end);
        self.line(l.span.start, end, indent, code, false);
    }

    fn notify(&mut self, n: &ast::Notify) {
        let header = match &n.scope {
            ast::NotifyScope::All => "notify".to_string(),
            ast::NotifyScope::Service(name) => format!("notify service {}", name.text),
            ast::NotifyScope::Team(name) => format!("notify team {}", self.text(name.span)),
        };
        let b = &n.block;
        self.block(
            n.keyword.start,
            b.span,
            header,
            0,
            b.settings.is_empty(),
            |me| {
                for s in &b.settings {
                    me.setting(s, 1, false);
                }
            },
        );
    }

    fn defaults(&mut self, d: &ast::Block) {
        self.block(
            d.span.start,
            d.span,
            "defaults".into(),
            0,
            d.settings.is_empty(),
            |me| {
                for s in &d.settings {
                    me.setting(s, 1, false);
                }
            },
        );
    }

    fn service(&mut self, s: &ast::Service) {
        let mut entries: Vec<(usize, Entry)> = Vec::new();
        entries.extend(
            s.settings
                .iter()
                .map(|x| (x.key.span.start, Entry::Setting(x))),
        );
        entries.extend(s.labels.iter().map(|x| (x.span.start, Entry::Labels(x))));
        entries.extend(s.slis.iter().map(|x| (x.name.span.start, Entry::Sli(x))));
        entries.extend(s.slos.iter().map(|x| (x.name.span.start, Entry::Slo(x))));
        entries.sort_by_key(|(start, _)| *start);
        let header = format!("service {}", s.name.text);
        let start = s.span.start;
        self.block(start, s.span, header, 0, entries.is_empty(), |me| {
            for (_, entry) in &entries {
                match entry {
                    Entry::Setting(x) => me.setting(x, 1, false),
                    Entry::Labels(x) => me.keyword_block("labels", x, 1),
                    Entry::Sli(x) => {
                        let header = format!("sli {} = {}", x.name.text, x.kind.text);
                        me.settings_block("sli", x.name.span.start, &x.block, header, 1);
                    }
                    Entry::Slo(x) => me.slo(x, 1),
                }
            }
        });
    }

    /// An `sli`, `slo` or `receiver`: always a blank line before, settings
    /// inside. `name` is where its name starts; `keyword` is the keyword
    /// before it.
    fn settings_block(
        &mut self,
        keyword: &str,
        name: usize,
        b: &ast::Block,
        header: String,
        indent: usize,
    ) {
        // The tree keeps no span for the keyword; it is the last one before the name.
        let start = self
            .src
            .get(..name)
            .and_then(|before| before.rfind(keyword))
            .unwrap_or(name);
        let empty = b.settings.is_empty();
        self.block(start, b.span, header, indent, empty, |me| {
            for s in &b.settings {
                me.setting(s, indent + 1, false);
            }
        });
    }

    /// An `slo`: its settings, `labels` and `annotations` in the order
    /// written.
    fn slo(&mut self, x: &ast::Slo, indent: usize) {
        let mut entries: Vec<(usize, SloEntry)> = Vec::new();
        entries.extend(
            x.block
                .settings
                .iter()
                .map(|s| (s.key.span.start, SloEntry::Setting(s))),
        );
        entries.extend(x.labels.iter().map(|b| (b.span.start, SloEntry::Labels(b))));
        entries.extend(
            x.annotations
                .iter()
                .map(|b| (b.span.start, SloEntry::Annotations(b))),
        );
        entries.sort_by_key(|(start, _)| *start);
        let name = x.name.span.start;
        // The tree keeps no span for the keyword; it is the last one before the name.
        let start = self
            .src
            .get(..name)
            .and_then(|before| before.rfind("slo"))
            .unwrap_or(name);
        let header = format!("slo {}", x.name.text);
        self.block(
            start,
            x.block.span,
            header,
            indent,
            entries.is_empty(),
            |me| {
                for (_, entry) in &entries {
                    match entry {
                        SloEntry::Setting(s) => me.setting(s, indent + 1, false),
                        SloEntry::Labels(b) => me.keyword_block("labels", b, indent + 1),
                        SloEntry::Annotations(b) => me.keyword_block("annotations", b, indent + 1),
                    }
                }
            },
        );
    }

    /// `labels { … }` or `annotations { … }`: on one line when it holds at
    /// most one pair and no comment.
    fn keyword_block(&mut self, keyword: &str, b: &ast::Block, indent: usize) {
        self.pairs_block(b.span.start, b, indent, |rest| Code::Setting {
            key: keyword.into(),
            equals: false,
            rest,
        });
    }

    /// A block of `NAME = "VALUE"` pairs starting at `start`, its first line
    /// made by `head` from what follows the keyword: `{ … }` with the pair
    /// when it holds at most one and no comment, else `{`.
    fn pairs_block(
        &mut self,
        start: usize,
        b: &ast::Block,
        indent: usize,
        head: impl Fn(String) -> Code,
    ) {
        let open = self.after_char(b.span.start, '{');
        let brace = b.span.end - 1;
        let inline = b.settings.len() <= 1 && !self.has_comments(open, brace);
        if inline {
            let inner = b
                .settings
                .first()
                .map(|s| format!("{{ {} = {} }}", s.key.text, self.value(&s.value)))
                .unwrap_or_else(|| "{}".into());
            self.line(start, b.span.end, indent, head(inner), false);
            return;
        }
        self.line(start, open, indent, head("{".into()), false);
        let outer = self.open();
        for s in &b.settings {
            self.setting(s, indent + 1, false);
        }
        self.close(outer, brace, indent);
    }

    fn setting(&mut self, s: &Setting, indent: usize, forced: bool) {
        let start = s.key.span.start;
        if let ValueKind::Override(o) = &s.value.kind {
            let open = self.after_char(o.policy.span.end, '{');
            let brace = s.value.span.end - 1;
            if body_is_empty(&o.body) && !self.has_comments(open, brace) {
                let code = Code::Setting {
                    key: s.key.text.clone(),
                    equals: true,
                    rest: format!("{} {{}}", o.policy.text),
                };
                self.line(start, s.value.span.end, indent, code, forced);
                return;
            }
            let code = Code::Setting {
                key: s.key.text.clone(),
                equals: true,
                rest: format!("{} {{", o.policy.text),
            };
            self.line(start, open, indent, code, forced);
            let outer = self.open();
            self.policy_body(&o.body, indent + 1);
            self.close(outer, brace, indent);
            return;
        }
        let code = Code::Setting {
            key: s.key.text.clone(),
            equals: true,
            rest: self.value(&s.value),
        };
        self.line(start, s.value.span.end, indent, code, forced);
    }

    /// A value as written; a list with `, ` between its elements.
    fn value(&self, v: &Value) -> String {
        match &v.kind {
            ValueKind::List(items) => {
                let items: Vec<String> = items.iter().map(|i| self.value(i)).collect();
                format!("[{}]", items.join(", "))
            }
            _ => self.text(v.span).to_string(),
        }
    }
}
