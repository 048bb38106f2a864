//! Typed access to the `key = value` settings of a block: unknown keys,
//! duplicates and values of the wrong kind become diagnostics here, once.

use super::common::{twice, Repeated};
use crate::diag::{suggest, Code, Diag, Span};
use crate::num::{Duration, Ratio};
use crate::syntax::ast::{PolicyBody, Setting, Value, ValueKind};
use std::collections::BTreeMap;

/// The kind of value a key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `"text"`
    Str,
    /// `` `promql` ``
    Promql,
    /// `5m`
    Duration,
    /// `99.9%`
    Percent,
    /// `standard`
    Name,
    /// `[a, b]`
    List,
    /// `standard` or `standard { page 10x over 1h/5m }`
    Policy,
}

/// A key a block accepts: its name, the kind of its value, and an example.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The key.
    pub name: &'static str,
    /// What it takes.
    pub kind: Kind,
    /// A complete example setting, shown in help.
    pub example: &'static str,
}

/// The settings of one block, by key, after unknown keys and duplicates
/// have been reported.
pub struct Fields<'a> {
    by_key: BTreeMap<&'a str, &'a Setting>,
    keys: &'static [Key],
}

impl<'a> Fields<'a> {
    /// Indexes `settings`, reporting unknown and repeated keys. `what` names the
    /// block in messages ("an `slo` block").
    pub fn new(
        settings: &'a [Setting],
        keys: &'static [Key],
        what: &str,
        diags: &mut Vec<Diag>,
    ) -> Fields<'a> {
        let mut by_key: BTreeMap<&str, &Setting> = BTreeMap::new();
        for s in settings {
            let key = s.key.text.as_str();
            if !keys.iter().any(|k| k.name == key) {
                let names = keys.iter().map(|k| k.name);
                let help = match suggest::closest(key, names) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!(
                        "{what} takes {}",
                        keys.iter()
                            .map(|k| format!("`{}`", k.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                diags.push(
                    Diag::new(
                        Code::UnknownKey,
                        s.key.span,
                        format!("unknown key `{key}` in {what}"),
                    )
                    .label("not a key here")
                    .help(help)
                    .fix(suggest::closest(key, keys.iter().map(|k| k.name))),
                );
                continue;
            }
            if let Some(first) = by_key.get(key) {
                diags.push(twice(
                    Repeated::Key(format!("`{key}`")),
                    s.key.span,
                    first.key.span,
                ));
                continue;
            }
            by_key.insert(key, s);
        }
        Fields { by_key, keys }
    }

    /// The setting for `key`, if present.
    pub fn setting(&self, key: &str) -> Option<&'a Setting> {
        self.by_key.get(key).copied()
    }

    /// Whether `key` is set.
    pub fn has(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    fn wrong_kind(&self, s: &Setting, diags: &mut Vec<Diag>) {
        let key = self
            .keys
            .iter()
            .find(|k| k.name == s.key.text)
            .unwrap_or_else(|| unreachable!("keys were filtered in new"));
        let wanted = match key.kind {
            Kind::Str => "a string",
            Kind::Promql => "a PromQL expression in backticks",
            Kind::Duration => "a duration",
            Kind::Percent => "a percentage",
            Kind::Name => "a name",
            Kind::List => "a list",
            Kind::Policy => "a policy name",
        };
        diags.push(
            Diag::new(
                Code::WrongType,
                s.value.span,
                format!(
                    "`{}` takes {wanted}, found {}",
                    key.name,
                    s.value.kind.describe()
                ),
            )
            .label(format!("expected {wanted}"))
            .help(format!("for example: {}", key.example)),
        );
    }

    /// A string value.
    pub fn string(&self, key: &str, diags: &mut Vec<Diag>) -> Option<(&'a str, Span)> {
        let s = self.setting(key)?;
        match &s.value.kind {
            ValueKind::Str(v) => Some((v.as_str(), s.value.span)),
            _ => {
                self.wrong_kind(s, diags);
                None
            }
        }
    }

    /// A PromQL value: the text between the backticks and the span of that text.
    pub fn promql(&self, key: &str, diags: &mut Vec<Diag>) -> Option<(&'a str, Span)> {
        let s = self.setting(key)?;
        match &s.value.kind {
            ValueKind::Promql(v) => {
                let mut span = s.value.span;
                span.start += 1;
                span.end = span.end.saturating_sub(1).max(span.start);
                Some((v.as_str(), span))
            }
            _ => {
                self.wrong_kind(s, diags);
                None
            }
        }
    }

    /// A duration value.
    pub fn duration(&self, key: &str, diags: &mut Vec<Diag>) -> Option<(Duration, Span)> {
        let s = self.setting(key)?;
        match &s.value.kind {
            ValueKind::Duration(d) => Some((*d, s.value.span)),
            _ => {
                self.wrong_kind(s, diags);
                None
            }
        }
    }

    /// A percentage value, as written (99.9 for `99.9%`).
    pub fn percent(&self, key: &str, diags: &mut Vec<Diag>) -> Option<(Ratio, Span)> {
        let s = self.setting(key)?;
        match &s.value.kind {
            ValueKind::Percent(p) => Some((*p, s.value.span)),
            _ => {
                self.wrong_kind(s, diags);
                None
            }
        }
    }

    /// A bare name value.
    pub fn name(&self, key: &str, diags: &mut Vec<Diag>) -> Option<(&'a str, Span)> {
        let s = self.setting(key)?;
        match &s.value.kind {
            ValueKind::Name(n) => Some((n.as_str(), s.value.span)),
            _ => {
                self.wrong_kind(s, diags);
                None
            }
        }
    }

    /// A list value: its elements and the span of the whole list.
    pub fn list(&self, key: &str, diags: &mut Vec<Diag>) -> Option<(&'a [Value], Span)> {
        let s = self.setting(key)?;
        match &s.value.kind {
            ValueKind::List(items) => Some((items.as_slice(), s.value.span)),
            _ => {
                self.wrong_kind(s, diags);
                None
            }
        }
    }

    /// A policy: its name, where the name is, and the overriding lines if
    /// any (`standard { page 10x over 1h/5m }`).
    pub fn policy(&self, key: &str, diags: &mut Vec<Diag>) -> Option<PolicyRef<'a>> {
        let s = self.setting(key)?;
        match &s.value.kind {
            ValueKind::Name(n) => Some(PolicyRef {
                name: n.as_str(),
                span: s.value.span,
                overrides: None,
            }),
            ValueKind::Override(o) => Some(PolicyRef {
                name: o.policy.text.as_str(),
                span: o.policy.span,
                overrides: Some((&o.body, s.value.span)),
            }),
            _ => {
                self.wrong_kind(s, diags);
                None
            }
        }
    }
}

/// A reference to a policy from an `alerting` setting.
#[derive(Debug, Clone, Copy)]
pub struct PolicyRef<'a> {
    /// The policy's name (or `none`).
    pub name: &'a str,
    /// Where the name is written.
    pub span: Span,
    /// What overrides the policy, with the span of the whole value.
    pub overrides: Option<(&'a PolicyBody, Span)>,
}
