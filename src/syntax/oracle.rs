//! The grammar of `grammar/slo.pest`, run by pest: the definition of the
//! language and the oracle the hand-written parser is tested against. It is
//! compiled for tests only; the binary parses with [`super::descent`].

use super::ast::*;
use super::{duration, name, number, unescape};
use crate::diag::{Diag, FileId, Span};
use crate::num::{Duration, Ratio};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/slo.pest"]
struct Grammar;

/// The tree and literal diagnostics of `text` by the pest grammar, or
/// `None` when the grammar rejects it.
pub fn parse_with_pest(file: FileId, text: &str) -> Option<(File, Vec<Diag>)> {
    let mut pairs = Grammar::parse(Rule::file, text).ok()?;
    let root = pairs
        .next()
        .unwrap_or_else(|| unreachable!("grammar: file"));
    let mut cx = Convert {
        file,
        diags: Vec::new(),
    };
    let items = root
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(|p| cx.item(p))
        .collect();
    Some((File { items }, cx.diags))
}

/// Pairs → AST, one method per grammar rule. Malformed literals are collected
/// in `diags`; a placeholder stands in for them so conversion can go on.
struct Convert {
    file: FileId,
    diags: Vec<Diag>,
}

impl Convert {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn name(&mut self, p: Pair<Rule>) -> Name {
        name(p.as_str(), self.span(&p), &mut self.diags)
    }

    fn item(&mut self, p: Pair<Rule>) -> Item {
        match p.as_rule() {
            Rule::policy => Item::Policy(self.policy(p)),
            Rule::defaults => {
                let span = self.span(&p);
                let block = p
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::block)
                    .unwrap_or_else(|| unreachable!("grammar: defaults block"));
                let mut block = self.block(block);
                block.span = span;
                Item::Defaults(block)
            }
            Rule::service => Item::Service(self.service(p)),
            Rule::receiver => Item::Receiver(self.receiver(p)),
            Rule::notify => Item::Notify(self.notify(p)),
            r => unreachable!("grammar: item {r:?}"),
        }
    }

    fn policy(&mut self, p: Pair<Rule>) -> Policy {
        let span = self.span(&p);
        let mut inner = p.into_inner().filter(|p| p.as_rule() != Rule::kw_policy);
        let name = self.name(
            inner
                .next()
                .unwrap_or_else(|| unreachable!("grammar: policy name")),
        );
        let body = self.policy_body(
            inner
                .next()
                .unwrap_or_else(|| unreachable!("grammar: policy body")),
        );
        Policy { name, body, span }
    }

    fn policy_body(&mut self, p: Pair<Rule>) -> PolicyBody {
        let mut body = PolicyBody::default();
        for entry in p.into_inner() {
            match entry.as_rule() {
                Rule::policy_line => body.lines.push(self.policy_line(entry)),
                Rule::setting => body.settings.push(self.setting(entry)),
                Rule::severity_block => {
                    let mut inner = entry.into_inner();
                    let severity = self.name(
                        inner
                            .next()
                            .unwrap_or_else(|| unreachable!("grammar: severity")),
                    );
                    let kind = inner
                        .next()
                        .unwrap_or_else(|| unreachable!("grammar: severity block"));
                    let annotations = kind.as_rule() == Rule::annotations;
                    let block = self.keyword_block(kind);
                    body.severities.push(SeverityBlock {
                        severity,
                        annotations,
                        block,
                    });
                }
                Rule::policy_drop => {
                    let span = self.span(&entry);
                    let mut inner = entry
                        .into_inner()
                        .filter(|p| !matches!(p.as_rule(), Rule::kw_drop | Rule::kw_over));
                    let mut next = || {
                        inner
                            .next()
                            .unwrap_or_else(|| unreachable!("grammar: drop"))
                    };
                    let long = self.duration(next());
                    let short = self.duration(next());
                    body.drops.push(DropLine { long, short, span });
                }
                r => unreachable!("grammar: policy entry {r:?}"),
            }
        }
        body
    }

    fn policy_line(&mut self, p: Pair<Rule>) -> PolicyLine {
        let span = self.span(&p);
        let mut inner = p
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_over | Rule::kw_for));
        let mut next = || {
            inner
                .next()
                .unwrap_or_else(|| unreachable!("grammar: policy line"))
        };
        let severity = self.name(next());
        let burn_pair = next();
        let burn_span = self.span(&burn_pair);
        let rule = burn_pair.as_rule();
        let number = burn_pair
            .into_inner()
            .next()
            .unwrap_or_else(|| unreachable!("grammar: burn number"));
        let value = self.number(number);
        let burn = match rule {
            Rule::factor => Burn::Factor(value),
            Rule::share => Burn::Share(value),
            r => unreachable!("grammar: burn {r:?}"),
        };
        let long = self.duration(next());
        let short = self.duration(next());
        let for_ = inner.next().map(|p| self.duration(p));
        PolicyLine {
            severity,
            burn,
            burn_span,
            long,
            short,
            for_,
            span,
        }
    }

    fn service(&mut self, p: Pair<Rule>) -> Service {
        let span = self.span(&p);
        let mut inner = p.into_inner().filter(|p| p.as_rule() != Rule::kw_service);
        let name = self.name(
            inner
                .next()
                .unwrap_or_else(|| unreachable!("grammar: service name")),
        );
        let mut service = Service {
            name,
            settings: Vec::new(),
            labels: Vec::new(),
            slis: Vec::new(),
            slos: Vec::new(),
            span,
        };
        for entry in inner {
            match entry.as_rule() {
                Rule::setting => service.settings.push(self.setting(entry)),
                Rule::labels => {
                    let block = self.keyword_block(entry);
                    service.labels.push(block);
                }
                Rule::sli => service.slis.push(self.sli(entry)),
                Rule::slo => service.slos.push(self.slo(entry)),
                r => unreachable!("grammar: service entry {r:?}"),
            }
        }
        service
    }

    fn sli(&mut self, p: Pair<Rule>) -> Sli {
        let mut inner = p.into_inner().filter(|p| p.as_rule() != Rule::kw_sli);
        let mut next = || inner.next().unwrap_or_else(|| unreachable!("grammar: sli"));
        let name = self.name(next());
        let kind = self.name(next());
        let block = self.block(next());
        Sli { name, kind, block }
    }

    fn slo(&mut self, p: Pair<Rule>) -> Slo {
        let mut inner = p.into_inner().filter(|p| p.as_rule() != Rule::kw_slo);
        let mut next = || inner.next().unwrap_or_else(|| unreachable!("grammar: slo"));
        let name = self.name(next());
        let body = next();
        let mut slo = Slo {
            name,
            block: Block {
                settings: Vec::new(),
                span: self.span(&body),
            },
            labels: Vec::new(),
            annotations: Vec::new(),
        };
        for entry in body.into_inner() {
            match entry.as_rule() {
                Rule::setting => slo.block.settings.push(self.setting(entry)),
                Rule::labels => {
                    let block = self.keyword_block(entry);
                    slo.labels.push(block);
                }
                Rule::annotations => {
                    let block = self.keyword_block(entry);
                    slo.annotations.push(block);
                }
                r => unreachable!("grammar: slo entry {r:?}"),
            }
        }
        slo
    }

    /// `KEYWORD ~ block`, the block spanning both.
    fn keyword_block(&mut self, p: Pair<Rule>) -> Block {
        let span = self.span(&p);
        let block = p
            .into_inner()
            .find(|p| p.as_rule() == Rule::block)
            .unwrap_or_else(|| unreachable!("grammar: keyword block"));
        let mut block = self.block(block);
        block.span = span;
        block
    }

    fn receiver(&mut self, p: Pair<Rule>) -> Receiver {
        let mut inner = p.into_inner().filter(|p| p.as_rule() != Rule::kw_receiver);
        let mut next = || {
            inner
                .next()
                .unwrap_or_else(|| unreachable!("grammar: receiver"))
        };
        let name = self.name(next());
        let kind = self.name(next());
        let block = self.block(next());
        Receiver { name, kind, block }
    }

    fn notify(&mut self, p: Pair<Rule>) -> Notify {
        let mut keyword = None;
        let mut scope = NotifyScope::All;
        let mut block = None;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::kw_notify => keyword = Some(self.span(&part)),
                Rule::notify_service => scope = NotifyScope::Service(self.scope_name(part)),
                Rule::notify_team => scope = NotifyScope::Team(self.scope_name(part)),
                Rule::block => block = Some(self.block(part)),
                r => unreachable!("grammar: notify {r:?}"),
            }
        }
        Notify {
            scope,
            block: block.unwrap_or_else(|| unreachable!("grammar: notify block")),
            keyword: keyword.unwrap_or_else(|| unreachable!("grammar: notify keyword")),
        }
    }

    /// The name or string after `service` or `team` in a `notify` scope.
    fn scope_name(&mut self, p: Pair<Rule>) -> Name {
        let target = p
            .into_inner()
            .find(|p| matches!(p.as_rule(), Rule::name | Rule::string))
            .unwrap_or_else(|| unreachable!("grammar: notify scope name"));
        let span = self.span(&target);
        let text = match target.as_rule() {
            Rule::string => self.string(target),
            _ => target.as_str().to_string(),
        };
        Name { text, span }
    }

    fn block(&mut self, p: Pair<Rule>) -> Block {
        let span = self.span(&p);
        let settings = p.into_inner().map(|s| self.setting(s)).collect();
        Block { settings, span }
    }

    fn setting(&mut self, p: Pair<Rule>) -> Setting {
        let mut inner = p.into_inner();
        let mut next = || {
            inner
                .next()
                .unwrap_or_else(|| unreachable!("grammar: setting"))
        };
        let key = self.name(next());
        let value = self.value(next());
        Setting { key, value }
    }

    fn value(&mut self, p: Pair<Rule>) -> Value {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::string => ValueKind::Str(self.string(p)),
            Rule::promql => ValueKind::Promql(
                p.into_inner()
                    .next()
                    .map_or_else(String::new, |i| i.as_str().to_string()),
            ),
            Rule::duration => ValueKind::Duration(self.duration(p).value),
            Rule::percent => ValueKind::Percent(
                self.number(
                    p.into_inner()
                        .next()
                        .unwrap_or_else(|| unreachable!("grammar: percent number")),
                ),
            ),
            Rule::number => ValueKind::Number(self.number(p)),
            Rule::name => ValueKind::Name(name(p.as_str(), span, &mut self.diags).text),
            Rule::list => ValueKind::List(
                p.into_inner()
                    .filter(|i| !matches!(i.as_rule(), Rule::list_comma | Rule::list_close))
                    .map(|i| self.value(i))
                    .collect(),
            ),
            Rule::policy_override => {
                let mut inner = p.into_inner();
                let policy = self.name(
                    inner
                        .next()
                        .unwrap_or_else(|| unreachable!("grammar: overridden policy")),
                );
                let body = self.policy_body(
                    inner
                        .next()
                        .unwrap_or_else(|| unreachable!("grammar: override body")),
                );
                ValueKind::Override(PolicyOverride { policy, body })
            }
            r => unreachable!("grammar: value {r:?}"),
        };
        Value { kind, span }
    }

    fn string(&mut self, p: Pair<Rule>) -> String {
        let span = self.span(&p);
        let raw = p.into_inner().next().map_or("", |i| i.as_str());
        unescape(raw, span, &mut self.diags)
    }

    fn number(&mut self, p: Pair<Rule>) -> Ratio {
        number(p.as_str(), self.span(&p), &mut self.diags)
    }

    fn duration(&mut self, p: Pair<Rule>) -> Spanned<Duration> {
        let span = self.span(&p);
        Spanned {
            value: duration(p.as_str(), span, &mut self.diags),
            span,
        }
    }
}

/// The `keyword` rule of the grammar reserves exactly [`super::KEYWORDS`].
#[test]
fn the_grammar_reserves_exactly_the_keywords() {
    const GRAMMAR: &str = include_str!("../../grammar/slo.pest");
    let rule = |name: &str| {
        GRAMMAR
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim_start().strip_prefix('='))
            .unwrap_or_else(|| panic!("grammar: no rule `{name}`"))
    };
    let mut reserved: Vec<&str> = rule("keyword")
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("kw_"))
        .map(|kw| {
            let body = rule(kw);
            let word = body.split('"').nth(1);
            word.unwrap_or_else(|| panic!("grammar: `{kw}` matches no word"))
        })
        .collect();
    reserved.sort_unstable();
    let mut keywords = super::KEYWORDS.to_vec();
    keywords.sort_unstable();
    assert_eq!(reserved, keywords);
}
