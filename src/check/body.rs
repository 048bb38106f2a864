//! What the braces of a policy, or of an SLO's override of one, say besides
//! its lines: the name of the alerts (`alert = "…"`), labels and annotations
//! for the alerts of one severity (`page labels { … }`) and, in an override,
//! the policy's lines it drops (`drop over 3d/6h`).

use super::fields::{Fields, Key, Kind};
use super::labels::{self, NamedPairs};
use crate::diag::{suggest, Code, Diag, Span};
use crate::syntax::ast::{self, PolicyBody, PolicyLine};
use std::collections::BTreeMap;

pub(super) const BODY_KEYS: &[Key] = &[Key {
    name: "alert",
    kind: Kind::Str,
    example: "`alert = \"CheckoutErrorBudgetBurn\"`",
}];

/// What a body adds to the alerts of the SLOs it applies to.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// `alert = "…"`: the name of the burn-rate alerts.
    pub alert: Option<String>,
    /// Labels of the alerts of each severity, by severity.
    pub labels: BTreeMap<String, NamedPairs>,
    /// Annotations of the alerts of each severity, by severity.
    pub annotations: BTreeMap<String, NamedPairs>,
}

impl Extras {
    /// `over` laid over `self`, as an override is over its policy: its name
    /// if it gives one, and its value of each pair both set.
    pub fn then(mut self, over: Extras) -> Extras {
        if over.alert.is_some() {
            self.alert = over.alert;
        }
        for (mine, theirs) in [
            (&mut self.labels, over.labels),
            (&mut self.annotations, over.annotations),
        ] {
            for (severity, pairs) in theirs {
                mine.entry(severity).or_default().extend(pairs);
            }
        }
        self
    }
}

/// Reads what a body says besides lines. `lines` are the lines its alerts
/// come from: the policy's own, or for an override the lines the SLO ends
/// up with; `what` names the body in messages ("policy `standard`").
pub fn extras(
    body: &PolicyBody,
    lines: &[&PolicyLine],
    what: &str,
    diags: &mut Vec<Diag>,
) -> Extras {
    let f = Fields::new(&body.settings, BODY_KEYS, what, diags);
    let alert = f
        .string("alert", diags)
        .filter(|&(name, span)| alert_name(name, span, diags))
        .map(|(name, _)| name.to_string());

    // The blocks of each severity and kind, in the order written.
    let mut groups: BTreeMap<(&str, bool), Vec<ast::Block>> = BTreeMap::new();
    let mut unknown: Vec<&ast::SeverityBlock> = Vec::new();
    for block in &body.severities {
        let severity = block.severity.text.as_str();
        if lines.iter().any(|l| l.severity.text == severity) {
            groups
                .entry((severity, block.annotations))
                .or_default()
                .push(block.block.clone());
        } else {
            unknown.push(block);
        }
    }
    for block in unknown {
        let severity = &block.severity.text;
        let mut known: Vec<&str> = lines.iter().map(|l| l.severity.text.as_str()).collect();
        known.sort_unstable();
        known.dedup();
        let help = match suggest::closest(severity, known.iter().copied()) {
            Some(c) => format!("did you mean `{c}`?"),
            None if known.is_empty() => "no line is left to alert with".to_string(),
            None => format!(
                "the lines here alert with {}",
                known
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        diags.push(
            Diag::new(
                Code::UnknownSeverity,
                block.severity.span,
                format!("no line of {what} has severity `{severity}`"),
            )
            .label("these would be added to alerts that do not exist")
            .help(help)
            .fix(suggest::closest(severity, known.iter().copied())),
        );
    }

    let mut extras = Extras {
        alert,
        ..Extras::default()
    };
    for ((severity, annotations), blocks) in groups {
        let pairs = labels::alert_pairs(&blocks, annotations, diags);
        let into = if annotations {
            &mut extras.annotations
        } else {
            &mut extras.labels
        };
        into.insert(severity.to_string(), pairs);
    }
    extras
}

/// Whether `name` is an alert name Prometheus takes, reporting it if not.
fn alert_name(name: &str, span: Span, diags: &mut Vec<Diag>) -> bool {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if !ok {
        diags.push(
            Diag::new(
                Code::InvalidAlertName,
                span,
                format!("`{name}` cannot be the name of an alert"),
            )
            .label("not a valid alert name")
            .help("alert names are written like metric names: letters, digits, `_` and `:`, not starting with a digit, e.g. `CheckoutErrorBudgetBurn`"),
        );
    }
    ok
}

/// `drop` in a policy: there is nothing to drop from.
pub fn drops_in_policy(policy: &ast::Policy, diags: &mut Vec<Diag>) {
    for drop in &policy.body.drops {
        diags.push(
            Diag::new(
                Code::DropNoLine,
                drop.span,
                "`drop` in a policy",
            )
            .label("a policy has no lines to drop from")
            .help(format!(
                "leave the line out of policy `{}`, or drop it for one SLO: `alerting = {} {{ drop over {}/{} }}`",
                policy.name.text, policy.name.text, drop.long.value, drop.short.value
            )),
        );
    }
}

/// Checks the `drop`s of an override of `policy`: each removes lines of the
/// policy, and the override does not also give lines over its windows.
/// Whether they are all usable.
pub fn check_drops(policy: &ast::Policy, body: &PolicyBody, diags: &mut Vec<Diag>) -> bool {
    let mut ok = true;
    let mut seen: Vec<&ast::DropLine> = Vec::new();
    for drop in &body.drops {
        let windows = (drop.long.value, drop.short.value);
        let same = |l: &&PolicyLine| (l.long.value, l.short.value) == windows;
        let shown = format!("{}/{}", drop.long.value, drop.short.value);
        let problem = if let Some(first) = seen
            .iter()
            .find(|d| (d.long.value, d.short.value) == windows)
        {
            Some(
                Diag::new(
                    Code::DropNoLine,
                    drop.span,
                    format!("`drop over {shown}` is given twice"),
                )
                .label("drops nothing more")
                .secondary(first.span, "first given here")
                .help("remove one of them"),
            )
        } else if let Some(line) = body.lines.iter().find(|l| same(l)) {
            Some(
                Diag::new(
                    Code::DropNoLine,
                    drop.span,
                    format!("`drop over {shown}` and a line over the same windows"),
                )
                .label("drops the policy's lines over these windows")
                .secondary(line.span, "this line replaces them already")
                .help("a line in an override replaces the policy's lines over its windows; keep the line or the `drop`, not both"),
            )
        } else if !policy.body.lines.iter().any(|l| same(&l)) {
            let windows: Vec<String> = policy
                .body
                .lines
                .iter()
                .map(|l| format!("`{}/{}`", l.long.value, l.short.value))
                .collect();
            Some(
                Diag::new(
                    Code::DropNoLine,
                    drop.span,
                    format!("policy `{}` has no line over `{shown}`", policy.name.text),
                )
                .label("drops nothing")
                .secondary(policy.name.span, "the policy")
                .help(if windows.is_empty() {
                    "the policy has no lines".to_string()
                } else {
                    format!("its lines are over {}", windows.join(", "))
                }),
            )
        } else {
            None
        };
        if let Some(d) = problem {
            diags.push(d);
            ok = false;
        }
        seen.push(drop);
    }
    ok
}
