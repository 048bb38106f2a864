//! The items of a file and the entries of a service: `policy`, `defaults`,
//! `service` with its `sli`, `slo` and `labels`, `receiver` and `notify`.

use super::Parser;
use crate::diag::Span;
use crate::syntax::ast::*;
use crate::syntax::failure::Expected;

impl Parser<'_> {
    /// `item`.
    pub(super) fn item(&mut self) -> Option<Item> {
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

    /// `policy = { kw_policy ~ name ~ policy_body }`
    pub(super) fn policy(&mut self) -> Option<Policy> {
        let start = self.at;
        self.keyword("policy")?;
        self.skip();
        let name = self.need_name()?;
        self.skip();
        let body = self.policy_body()?;
        Some(Policy {
            name,
            body,
            span: self.span(start),
        })
    }

    /// `defaults = { kw_defaults ~ block }`; the block spans the item.
    pub(super) fn defaults(&mut self) -> Option<Block> {
        self.keyword_block("defaults")
    }

    /// `service = { kw_service ~ name ~ "{" ~ service_entry* ~ "}" }`
    pub(super) fn service(&mut self) -> Option<Service> {
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
    pub(super) fn sli(&mut self) -> Option<Sli> {
        let (name, kind, block) = self.kind_item("sli")?;
        Some(Sli { name, kind, block })
    }

    /// `KEYWORD ~ name ~ "=" ~ name ~ block`: an `sli` or a `receiver`.
    pub(super) fn kind_item(&mut self, keyword: &str) -> Option<(Name, Name, Block)> {
        self.keyword(keyword)?;
        self.skip();
        let name = self.need_name()?;
        self.skip();
        self.need_then_skip("=")?;
        let kind = self.need_name()?;
        self.skip();
        Some((name, kind, self.block()?))
    }

    /// `slo = { kw_slo ~ name ~ slo_body }`, with
    /// `slo_body = { "{" ~ slo_entry* ~ "}" }` and
    /// `slo_entry = _{ labels | annotations | setting }`.
    pub(super) fn slo(&mut self) -> Option<Slo> {
        self.keyword("slo")?;
        self.skip();
        let name = self.need_name()?;
        self.skip();
        let start = self.at;
        let mut labels = Vec::new();
        let mut annotations = Vec::new();
        let settings = self.braced(|p| {
            let mut settings = Vec::new();
            loop {
                if let Some(block) = p.attempt(Parser::labels) {
                    labels.push(block);
                } else if let Some(block) = p.attempt(|p| p.keyword_block("annotations")) {
                    annotations.push(block);
                } else if let Some(setting) = p.attempt(Parser::setting) {
                    settings.push(setting);
                } else {
                    break;
                }
                p.skip();
            }
            p.close(Expected::SloEntry)?;
            Some(settings)
        })?;
        Some(Slo {
            name,
            block: Block {
                settings,
                span: self.span(start),
            },
            labels,
            annotations,
        })
    }

    /// `labels = { kw_labels ~ block }`; the block spans the entry.
    pub(super) fn labels(&mut self) -> Option<Block> {
        self.keyword_block("labels")
    }

    /// `KEYWORD ~ block`, the block spanning both: `defaults`, `labels` or
    /// `annotations`.
    pub(super) fn keyword_block(&mut self, keyword: &str) -> Option<Block> {
        let start = self.at;
        self.keyword(keyword)?;
        self.skip();
        let mut block = self.block()?;
        block.span = self.span(start);
        Some(block)
    }

    /// `receiver = { kw_receiver ~ name ~ "=" ~ name ~ block }`
    pub(super) fn receiver(&mut self) -> Option<Receiver> {
        let (name, kind, block) = self.kind_item("receiver")?;
        Some(Receiver { name, kind, block })
    }

    /// `notify = { kw_notify ~ notify_scope? ~ block }`
    pub(super) fn notify(&mut self) -> Option<Notify> {
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
    pub(super) fn team(&mut self) -> Option<Name> {
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
    pub(super) fn scope_name(&mut self) -> Option<Name> {
        let Some((start, end)) = self.name_text() else {
            self.expect(self.at, Expected::Name);
            return None;
        };
        Some(Name {
            text: self.slice(start, end).to_string(),
            span: self.span(start),
        })
    }
}
