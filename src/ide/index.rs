//! Where each name of a program is defined and where it is used: what go
//! to definition, find references, rename and hover read.

use crate::diag::{FileId, Span};
use crate::syntax::ast::{self, Item, Setting, ValueKind};

/// A named thing a program defines. SLIs are named within their service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Symbol {
    /// `policy NAME`
    Policy(String),
    /// `receiver NAME`
    Receiver(String),
    /// `service NAME`
    Service(String),
    /// `sli NAME` in `service SERVICE`
    Sli {
        /// The service the SLI belongs to.
        service: String,
        /// The SLI's name.
        name: String,
    },
}

impl Symbol {
    /// The name as written.
    pub fn name(&self) -> &str {
        match self {
            Symbol::Policy(n) | Symbol::Receiver(n) | Symbol::Service(n) => n,
            Symbol::Sli { name, .. } => name,
        }
    }

    /// What kind of thing it is, for messages: "policy", "SLI", ….
    pub fn what(&self) -> &'static str {
        match self {
            Symbol::Policy(_) => "policy",
            Symbol::Receiver(_) => "receiver",
            Symbol::Service(_) => "service",
            Symbol::Sli { .. } => "SLI",
        }
    }
}

/// One place a symbol's name is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// What it names.
    pub symbol: Symbol,
    /// The name's span.
    pub span: Span,
    /// Whether this is where it is defined.
    pub definition: bool,
}

/// Every occurrence of every symbol, by file and position.
#[derive(Debug, Clone, Default)]
pub struct Index {
    occurrences: Vec<Occurrence>,
}

impl Index {
    /// Indexes the trees of a program.
    pub fn new(files: &[(FileId, ast::File)]) -> Index {
        let mut index = Index::default();
        for (_, file) in files {
            for item in &file.items {
                index.item(item);
            }
        }
        index
            .occurrences
            .sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
        index
    }

    /// The occurrence whose name holds byte `offset` of `file` (the end of
    /// a name counts, as a cursor right after it is on it).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
    }

    /// Every occurrence of `symbol`, definitions included, in order.
    pub fn of<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }

    /// The places `symbol` is defined (more than one is an error the
    /// checker reports; each is still a definition).
    pub fn definitions<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = Span> + 'a {
        self.of(symbol).filter(|o| o.definition).map(|o| o.span)
    }

    /// Every symbol defined, each once, in order.
    pub fn defined(&self) -> impl Iterator<Item = &Occurrence> {
        self.occurrences.iter().filter(|o| o.definition)
    }

    fn push(&mut self, symbol: Symbol, span: Span, definition: bool) {
        self.occurrences.push(Occurrence {
            symbol,
            span,
            definition,
        });
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Policy(p) => self.push(Symbol::Policy(p.name.text.clone()), p.name.span, true),
            Item::Defaults(block) => {
                for s in &block.settings {
                    self.alerting(s);
                    if s.key.text == "receiver" {
                        self.receivers(&s.value);
                    }
                }
            }
            Item::Service(s) => {
                let service = &s.name.text;
                self.push(Symbol::Service(service.clone()), s.name.span, true);
                for sli in &s.slis {
                    let symbol = Symbol::Sli {
                        service: service.clone(),
                        name: sli.name.text.clone(),
                    };
                    self.push(symbol, sli.name.span, true);
                }
                for slo in &s.slos {
                    for setting in &slo.block.settings {
                        self.alerting(setting);
                        if let ("sli", ValueKind::Name(name)) =
                            (setting.key.text.as_str(), &setting.value.kind)
                        {
                            let symbol = Symbol::Sli {
                                service: service.clone(),
                                name: name.clone(),
                            };
                            self.push(symbol, setting.value.span, false);
                        }
                    }
                }
            }
            Item::Receiver(r) => {
                self.push(Symbol::Receiver(r.name.text.clone()), r.name.span, true);
            }
            Item::Notify(n) => {
                if let ast::NotifyScope::Service(name) = &n.scope {
                    self.push(Symbol::Service(name.text.clone()), name.span, false);
                }
                // Every name in a `notify` block is a receiver; its timing
                // settings are durations.
                for s in &n.block.settings {
                    self.receivers(&s.value);
                }
            }
        }
    }

    /// `alerting = NAME` or `alerting = NAME { … }`.
    fn alerting(&mut self, s: &Setting) {
        if s.key.text != "alerting" {
            return;
        }
        match &s.value.kind {
            ValueKind::Name(name) if name != "none" => {
                self.push(Symbol::Policy(name.clone()), s.value.span, false);
            }
            ValueKind::Override(o) => {
                self.push(Symbol::Policy(o.policy.text.clone()), o.policy.span, false);
            }
            _ => {}
        }
    }

    /// A receiver name, or a list of them.
    fn receivers(&mut self, value: &ast::Value) {
        match &value.kind {
            ValueKind::Name(name) if name != "none" => {
                self.push(Symbol::Receiver(name.clone()), value.span, false);
            }
            ValueKind::List(items) => items.iter().for_each(|v| self.receivers(v)),
            _ => {}
        }
    }
}
