//! Completion: the keys a block takes, each with the checker's example,
//! and the names, kinds and severities that fit where a value goes.

use super::index::Symbol;
use super::scope::{self, Block, Frame, Scan};
use super::Analysis;
use crate::check::{self, BlockKind, Key};
use crate::diag::FileId;
use crate::syntax::ast::Item;
use std::collections::BTreeSet;

/// What a completion is, for the editor's icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// An item or block keyword: `service`, `slo`, `labels`.
    Keyword,
    /// A key of a block: `target`.
    Key,
    /// An SLI's name.
    Sli,
    /// A policy's name, or `none`.
    Policy,
    /// A receiver's name.
    Receiver,
    /// A severity that the policies produce.
    Severity,
    /// An SLI or receiver kind.
    Kind,
}

/// One thing that may be typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// What the list shows.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A line about it: the example of a key, what a name is.
    pub detail: String,
    /// The text inserted in place of the word being typed.
    pub insert: String,
}

impl Completion {
    fn new(kind: CompletionKind, label: &str, detail: impl Into<String>) -> Completion {
        Completion {
            label: label.to_string(),
            kind,
            detail: detail.into(),
            insert: label.to_string(),
        }
    }

    fn key(key: &Key) -> Completion {
        Completion {
            label: key.name.to_string(),
            kind: CompletionKind::Key,
            detail: key.example.trim_matches('`').to_string(),
            insert: format!("{} = ", key.name),
        }
    }
}

/// The item keywords, with what each starts.
const ITEMS: [(&str, &str); 5] = [
    ("service", "service NAME { … }"),
    ("policy", "policy NAME { SEVERITY FACTORx over LONG/SHORT }"),
    ("defaults", "defaults { window = 30d … }"),
    ("receiver", "receiver NAME = slack { … }"),
    ("notify", "notify { SEVERITY = RECEIVER }"),
];

pub fn complete(a: &Analysis, file: FileId, offset: usize) -> Vec<Completion> {
    let text = &a.sources.get(file).text;
    let offset = floor(text, offset.min(text.len()));
    let scan = scope::scan(text, offset);
    if scan.in_literal {
        return Vec::new();
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.rsplit('\n').next().unwrap_or_default();
    // What is typed of the line, after the last brace on it.
    let line = line
        .rsplit(['{', '}'])
        .next()
        .unwrap_or_default()
        .trim_start();
    let around = scan.around(offset);
    let frame = around.last().map(|b| &b.frame);
    let word_chars = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };

    // At the start of a line: a key, a keyword or a severity.
    if word_chars(line) {
        return keys(a, &scan, around.last().copied(), frame, text);
    }
    // After `KEY =`: a value.
    let Some((head, value)) = line.split_once('=') else {
        return Vec::new();
    };
    if !word_chars(value.trim_start()) {
        return Vec::new();
    }
    let head: Vec<&str> = head.split_whitespace().collect();
    match (frame, head.as_slice()) {
        (Some(Frame::Service(_)), ["sli", _]) => check::sli_kinds()
            .map(|k| Completion::new(CompletionKind::Kind, k, "SLI kind"))
            .collect(),
        (None, ["receiver", _]) => check::receiver_kinds()
            .map(|k| Completion::new(CompletionKind::Kind, k, "receiver kind"))
            .collect(),
        (Some(Frame::Slo), ["sli"]) => {
            let service = around.iter().rev().find_map(|b| match &b.frame {
                Frame::Service(name) => Some((b, name)),
                _ => None,
            });
            service.map_or_else(Vec::new, |(block, name)| slis(a, &scan, block, name))
        }
        (Some(Frame::Slo | Frame::Defaults), ["alerting"]) => {
            let mut out = policies(a, &scan);
            out.push(Completion::new(
                CompletionKind::Policy,
                "none",
                "no burn-rate alerts",
            ));
            out
        }
        (Some(Frame::Slo | Frame::Defaults), ["no_data"]) => {
            let mut out = severities(a);
            out.push(Completion::new(
                CompletionKind::Severity,
                "none",
                "no alert for missing SLI data",
            ));
            out
        }
        (Some(Frame::Defaults), ["receiver"]) => receivers(a, &scan),
        (Some(Frame::Notify), [key]) if !is_key(BlockKind::Notify, key) => receivers(a, &scan),
        _ => Vec::new(),
    }
}

/// What may start a line in the block `frame`.
fn keys(
    a: &Analysis,
    scan: &Scan,
    block: Option<&Block>,
    frame: Option<&Frame>,
    text: &str,
) -> Vec<Completion> {
    use CompletionKind::Keyword;
    let keyword = |k: &str, what: &str| Completion::new(Keyword, k, what);
    let mut out: Vec<Completion> = match frame {
        None => return ITEMS.iter().map(|(k, what)| keyword(k, what)).collect(),
        Some(Frame::Service(_)) => table(BlockKind::Service)
            .chain([
                keyword("sli", "sli NAME = ratio { … }"),
                keyword("slo", "slo NAME { sli = … target = … }"),
                keyword("labels", "labels { team_label = \"value\" }"),
            ])
            .collect(),
        Some(Frame::Slo) => table(BlockKind::Slo)
            .chain([
                keyword("labels", "labels { tier = \"1\" }"),
                keyword("annotations", "annotations { summary = \"…\" }"),
            ])
            .collect(),
        Some(Frame::Sli { kind, .. }) => table(BlockKind::Sli(kind)).collect(),
        Some(Frame::Receiver { kind, .. }) => table(BlockKind::Receiver(kind)).collect(),
        Some(Frame::Defaults) => table(BlockKind::Defaults).collect(),
        Some(Frame::Notify) => severities(a)
            .into_iter()
            .map(|mut c| {
                c.insert = format!("{} = ", c.label);
                c
            })
            .chain(table(BlockKind::Notify))
            .collect(),
        Some(Frame::Policy(_)) => severities(a)
            .into_iter()
            .chain(table(BlockKind::Policy))
            .collect(),
        Some(Frame::Override) => severities(a)
            .into_iter()
            .chain(table(BlockKind::Policy))
            .chain([keyword("drop", "drop over LONG/SHORT")])
            .collect(),
        Some(Frame::Pairs | Frame::Other) => Vec::new(),
    };
    // A key already set in the block is not offered again.
    if let Some(block) = block {
        let set = keys_set(scan, block, text);
        out.retain(|c| c.kind != CompletionKind::Key || !set.contains(c.label.as_str()));
    }
    out
}

fn table(block: BlockKind<'_>) -> impl Iterator<Item = Completion> + '_ {
    check::keys(block).iter().map(Completion::key)
}

fn is_key(block: BlockKind<'_>, key: &str) -> bool {
    check::keys(block).iter().any(|k| k.name == key)
}

/// The keys set in `block` itself (not in the blocks inside it).
fn keys_set<'t>(scan: &Scan, block: &Block, text: &'t str) -> BTreeSet<&'t str> {
    let inner: Vec<(usize, usize)> = scan.children(block).map(|b| (b.open, b.close)).collect();
    let mut set = BTreeSet::new();
    let mut at = block.open;
    for line in text
        .get(block.open..block.close)
        .unwrap_or_default()
        .split('\n')
    {
        let start = at;
        at += line.len() + 1;
        if inner
            .iter()
            .any(|(open, close)| *open <= start && start <= *close)
        {
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            let key = key.trim();
            if !key.is_empty() && !key.contains(char::is_whitespace) {
                set.insert(key);
            }
        }
    }
    set
}

/// The SLIs of a service: those of its text, and those of the parsed
/// program.
fn slis(a: &Analysis, scan: &Scan, service: &Block, name: &str) -> Vec<Completion> {
    let mut names: BTreeSet<(String, String)> = scan
        .children(service)
        .filter_map(|b| match &b.frame {
            Frame::Sli { name, kind } => Some((name.clone(), kind.clone())),
            _ => None,
        })
        .collect();
    names.extend(a.index.defined().filter_map(|o| match &o.symbol {
        Symbol::Sli { service, name: sli } if service == name => {
            Some((sli.clone(), sli_kind(a, service, sli)))
        }
        _ => None,
    }));
    dedup(names.into_iter().map(|(sli, kind)| {
        Completion::new(
            CompletionKind::Sli,
            &sli,
            format!("{kind} SLI of service `{name}`"),
        )
    }))
}

fn sli_kind(a: &Analysis, service: &str, sli: &str) -> String {
    a.analysed
        .files
        .iter()
        .flat_map(|(_, f)| &f.items)
        .find_map(|item| match item {
            Item::Service(s) if s.name.text == service => s
                .slis
                .iter()
                .find(|x| x.name.text == sli)
                .map(|x| x.kind.text.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn policies(a: &Analysis, scan: &Scan) -> Vec<Completion> {
    let mut names: BTreeSet<String> = a
        .index
        .defined()
        .filter_map(|o| match &o.symbol {
            Symbol::Policy(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    names.extend(scan.blocks.iter().filter_map(|b| match &b.frame {
        Frame::Policy(p) if !p.is_empty() => Some(p.clone()),
        _ => None,
    }));
    names
        .iter()
        .map(|p| Completion::new(CompletionKind::Policy, p, "policy"))
        .collect()
}

fn receivers(a: &Analysis, scan: &Scan) -> Vec<Completion> {
    let mut names: BTreeSet<(String, String)> = a
        .analysed
        .files
        .iter()
        .flat_map(|(_, f)| &f.items)
        .filter_map(|item| match item {
            Item::Receiver(r) => Some((r.name.text.clone(), r.kind.text.clone())),
            _ => None,
        })
        .collect();
    names.extend(scan.blocks.iter().filter_map(|b| match &b.frame {
        Frame::Receiver { name, kind } if !name.is_empty() => Some((name.clone(), kind.clone())),
        _ => None,
    }));
    dedup(names.into_iter().map(|(name, kind)| {
        Completion::new(CompletionKind::Receiver, &name, format!("{kind} receiver"))
    }))
}

/// The severities of every policy line.
fn severities(a: &Analysis) -> Vec<Completion> {
    let names: BTreeSet<&str> = a
        .analysed
        .files
        .iter()
        .flat_map(|(_, f)| &f.items)
        .filter_map(|item| match item {
            Item::Policy(p) => Some(p.body.lines.iter().map(|l| l.severity.text.as_str())),
            _ => None,
        })
        .flatten()
        .collect();
    names
        .into_iter()
        .map(|s| Completion::new(CompletionKind::Severity, s, "severity of a policy line"))
        .collect()
}

/// One completion per label, the first kept.
fn dedup(all: impl Iterator<Item = Completion>) -> Vec<Completion> {
    let mut seen = BTreeSet::new();
    all.filter(|c| seen.insert(c.label.clone())).collect()
}

fn floor(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
