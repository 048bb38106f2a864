//! The syntax tree of one `.slo` file. Every node carries its [`Span`].

use crate::diag::Span;
use crate::num::{Duration, Ratio};

/// A name as written, with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The text of the name.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `policy NAME { … }`
    Policy(Policy),
    /// `defaults { … }`
    Defaults(Block),
    /// `service NAME { … }`
    Service(Service),
    /// `receiver NAME = KIND { … }`
    Receiver(Receiver),
    /// `notify [SCOPE] { … }`
    Notify(Notify),
}

/// An alert policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The policy's name.
    pub name: Name,
    /// What its braces hold.
    pub body: PolicyBody,
    /// The whole item.
    pub span: Span,
}

/// What the braces of a policy, or of an SLO's override of one, hold. Each
/// kind of entry keeps its source order; the formatter interleaves them again
/// by position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyBody {
    /// Its lines.
    pub lines: Vec<PolicyLine>,
    /// `alert = "Name"`: settings of the policy as a whole.
    pub settings: Vec<Setting>,
    /// `SEVERITY labels { … }` and `SEVERITY annotations { … }`.
    pub severities: Vec<SeverityBlock>,
    /// `drop over LONG/SHORT`, in an override only.
    pub drops: Vec<DropLine>,
}

/// `page labels { … }` or `page annotations { … }`: what the alerts of one
/// severity carry in addition.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityBlock {
    /// The severity word.
    pub severity: Name,
    /// Annotations rather than labels.
    pub annotations: bool,
    /// The pairs; the span runs from `labels` or `annotations` to the
    /// closing brace.
    pub block: Block,
}

/// `drop over 3d/6h`: an override removes the policy's lines over these
/// windows.
#[derive(Debug, Clone, PartialEq)]
pub struct DropLine {
    /// The long window.
    pub long: Spanned<Duration>,
    /// The short window.
    pub short: Spanned<Duration>,
    /// The whole entry.
    pub span: Span,
}

/// One line of a policy: `page 14.4x over 1h/5m for 2m`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyLine {
    /// The severity word, e.g. `page`.
    pub severity: Name,
    /// The burn factor or budget share.
    pub burn: Burn,
    /// Where the burn is written.
    pub burn_span: Span,
    /// The long window.
    pub long: Spanned<Duration>,
    /// The short window.
    pub short: Spanned<Duration>,
    /// How long the condition must hold before the alert fires.
    pub for_: Option<Spanned<Duration>>,
    /// The whole line.
    pub span: Span,
}

/// How fast a policy line says the budget burns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Burn {
    /// `14.4x`: a multiple of the rate that spends the budget exactly in the period.
    Factor(Ratio),
    /// `2%`: the share of the budget spent in the long window, in percent as
    /// written (2); `check::policy::factor` turns it into a factor.
    Share(Ratio),
}

/// A value with its place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is written.
    pub span: Span,
}

/// `{ key = value … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The settings in source order (duplicates are kept for the checker).
    pub settings: Vec<Setting>,
    /// From the keyword (if any) to the closing brace.
    pub span: Span,
}

/// `key = value`
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The key.
    pub key: Name,
    /// The value.
    pub value: Value,
}

/// A setting's value with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What was written.
    pub kind: ValueKind,
    /// Where: for strings and PromQL, including the quotes.
    pub span: Span,
}

/// The kinds of values.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// `"text"`, escapes resolved.
    Str(String),
    /// `` `promql` ``; the span of the text without backticks is `span.start + 1 ..`.
    Promql(String),
    /// `5m`
    Duration(Duration),
    /// `99.9%`, as written (99.9, not 0.999).
    Percent(Ratio),
    /// `14.4`
    Number(Ratio),
    /// A bare name such as `standard` or `none`.
    Name(String),
    /// `[a, b, …]`: a list of single values.
    List(Vec<Value>),
    /// `standard { page 10x over 1h/5m }`: a policy with lines overridden.
    Override(PolicyOverride),
}

/// A policy named with some of its lines replaced, for one SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyOverride {
    /// The policy that is overridden.
    pub policy: Name,
    /// Lines that replace the policy's lines over the same windows, and the
    /// rest of what it changes.
    pub body: PolicyBody,
}

impl ValueKind {
    /// What kind of value this is, for messages: "a string", "a duration", ….
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::Str(_) => "a string",
            ValueKind::Promql(_) => "a PromQL expression",
            ValueKind::Duration(_) => "a duration",
            ValueKind::Percent(_) => "a percentage",
            ValueKind::Number(_) => "a number",
            ValueKind::Name(_) => "a name",
            ValueKind::List(_) => "a list",
            ValueKind::Override(_) => "a policy with overrides",
        }
    }
}

/// `service NAME { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The service's name.
    pub name: Name,
    /// Plain settings (`team`, `runbook`, …).
    pub settings: Vec<Setting>,
    /// `labels { … }` blocks (more than one is reported by the checker).
    pub labels: Vec<Block>,
    /// SLIs in source order.
    pub slis: Vec<Sli>,
    /// SLOs in source order.
    pub slos: Vec<Slo>,
    /// The whole item.
    pub span: Span,
}

/// `sli NAME = KIND { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Sli {
    /// The SLI's name.
    pub name: Name,
    /// `ratio`, `latency`, ….
    pub kind: Name,
    /// Its settings.
    pub block: Block,
}

/// `slo NAME { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// The SLO's name.
    pub name: Name,
    /// Its settings; the span is the braces and all between them.
    pub block: Block,
    /// `labels { … }` blocks (more than one is reported by the checker).
    pub labels: Vec<Block>,
    /// `annotations { … }` blocks (more than one is reported by the checker).
    pub annotations: Vec<Block>,
}

/// `receiver NAME = KIND { … }`: a notification target.
#[derive(Debug, Clone, PartialEq)]
pub struct Receiver {
    /// The receiver's name.
    pub name: Name,
    /// `slack`, `pagerduty`, `email` or `webhook`.
    pub kind: Name,
    /// Its settings.
    pub block: Block,
}

/// `notify [SCOPE] { SEVERITY = RECEIVER … }`: where alerts go.
#[derive(Debug, Clone, PartialEq)]
pub struct Notify {
    /// Which alerts the block covers.
    pub scope: NotifyScope,
    /// Severity → receiver lines and timing settings.
    pub block: Block,
    /// The keyword `notify`.
    pub keyword: Span,
}

/// Which alerts a `notify` block covers.
#[derive(Debug, Clone, PartialEq)]
pub enum NotifyScope {
    /// No scope: every alert.
    All,
    /// `service NAME`
    Service(Name),
    /// `team "NAME"` (the text without quotes; the span includes them).
    Team(Name),
}
