//! Hover: a target's budget in time, a policy line's budget figures for
//! the SLOs that use it (the `slo budget` numbers), and a summary of what
//! a name defines.

use super::index::Symbol;
use super::Analysis;
use crate::diag::{FileId, Span};
use crate::emit::report::{percent, spell};
use crate::lower::report::{self, AlertBudget, SloBudget};
use crate::num::{approx, Duration, Target};
use crate::syntax::ast::{self, Item, PolicyLine, ValueKind};
use std::fmt::Write as _;

/// The longest definition a hover shows, in lines.
const MAX_LINES: usize = 24;

pub fn hover(a: &Analysis, file: FileId, offset: usize) -> Option<(Span, String)> {
    if let Some(o) = a.symbol_at(file, offset) {
        return Some((o.span, name(a, &o.symbol)));
    }
    let tree = a
        .analysed
        .files
        .iter()
        .find(|(id, _)| *id == file)
        .map(|(_, tree)| tree)?;
    let within = |span: Span| span.start <= offset && offset <= span.end;
    for item in &tree.items {
        match item {
            Item::Policy(p) if within(p.span) => {
                let line = p.body.lines.iter().find(|l| within(l.span))?;
                let users: Vec<(&SloBudget, &AlertBudget)> = budgets(a)
                    .iter()
                    .filter(|s| s.policy.as_deref() == Some(p.name.text.as_str()))
                    .filter_map(|s| Some((s, alert_of(s, line)?)))
                    .collect();
                let span = trimmed(a, line.span);
                return Some((span, policy_line(line, &users, Some(&p.name.text))));
            }
            Item::Service(s) if within(s.span) => return in_service(a, s, offset),
            _ => {}
        }
    }
    None
}

/// Hover inside a service: a target, or a line of an SLO's override.
fn in_service(a: &Analysis, s: &ast::Service, offset: usize) -> Option<(Span, String)> {
    let within = |span: Span| span.start <= offset && offset <= span.end;
    let slo = s.slos.iter().find(|slo| within(slo.block.span))?;
    for setting in &slo.block.settings {
        let span = Span::new(
            setting.key.span.file,
            setting.key.span.start,
            setting.value.span.end,
        );
        if !within(span) {
            continue;
        }
        match (setting.key.text.as_str(), &setting.value.kind) {
            ("target", ValueKind::Percent(p)) => {
                let target = Target::from_percent(*p)?;
                let period = period(a, slo);
                return Some((span, budget_text(target, period)));
            }
            (_, ValueKind::Override(o)) => {
                let line = o.body.lines.iter().find(|l| within(l.span))?;
                let users: Vec<(&SloBudget, &AlertBudget)> = budgets(a)
                    .iter()
                    .filter(|b| b.service == s.name.text && b.slo == slo.name.text)
                    .filter_map(|b| Some((b, alert_of(b, line)?)))
                    .collect();
                return Some((trimmed(a, line.span), policy_line(line, &users, None)));
            }
            _ => return None,
        }
    }
    None
}

/// A span without the blanks and comments that end it (a policy line's
/// span runs to the next token).
fn trimmed(a: &Analysis, span: Span) -> Span {
    let text = a
        .sources
        .get(span.file)
        .text
        .get(span.start..span.end)
        .unwrap_or_default();
    let line = text
        .split(['\n', '#'])
        .next()
        .unwrap_or_default()
        .trim_end();
    Span::new(span.file, span.start, span.start + line.len())
}

/// The budget figures of every SLO that checked.
fn budgets(a: &Analysis) -> &[SloBudget] {
    a.report
        .get_or_init(|| report::budget(&a.analysed.program))
        .slos
        .as_slice()
}

/// The alert of an SLO that a policy line makes: same severity, windows
/// and factor.
fn alert_of<'s>(slo: &'s SloBudget, line: &PolicyLine) -> Option<&'s AlertBudget> {
    let factor = crate::check::factor(line.burn, slo.period, line.long.value)?;
    slo.alerts.iter().find(|al| {
        al.severity == line.severity.text
            && al.long == line.long.value
            && al.short == line.short.value
            && al.factor == factor
    })
}

/// "error budget: 0.1% of 30d = 43m12s of full outage".
fn budget_text(target: Target, period: Duration) -> String {
    let budget_ms = period.ratio().mul(target.budget());
    format!(
        "**target {target}** over {period}\n\nerror budget: {}% of {period} = {} of full outage",
        approx(target.budget_percent(), 4),
        spell(budget_ms),
    )
}

/// The SLO's period: its `window`, else that of `defaults`, else 30d.
fn period(a: &Analysis, slo: &ast::Slo) -> Duration {
    let window = |settings: &[ast::Setting]| {
        settings
            .iter()
            .find_map(|s| match (s.key.text.as_str(), &s.value.kind) {
                ("window", ValueKind::Duration(d)) => Some(*d),
                _ => None,
            })
    };
    window(&slo.block.settings)
        .or_else(|| {
            a.analysed
                .files
                .iter()
                .flat_map(|(_, f)| &f.items)
                .find_map(|item| match item {
                    Item::Defaults(b) => window(&b.settings),
                    _ => None,
                })
        })
        .unwrap_or(crate::check::DEFAULT_PERIOD)
}

/// A policy line's figures for each SLO that alerts with it.
fn policy_line(
    line: &PolicyLine,
    users: &[(&SloBudget, &AlertBudget)],
    policy: Option<&str>,
) -> String {
    let mut text = format!(
        "**{} over {}/{}**",
        line.severity.text, line.long.value, line.short.value
    );
    if let Some((_, alert)) = users.first() {
        let factors: std::collections::BTreeSet<String> =
            users.iter().map(|(_, a)| approx(a.factor, 4)).collect();
        if factors.len() == 1 {
            let _ = write!(text, ": burn factor {}x", approx(alert.factor, 4));
        }
    }
    if users.is_empty() {
        let who = match policy {
            Some(p) => format!("no SLO that checks alerts with this line of `{p}`"),
            None => "this line's SLO does not check yet".to_string(),
        };
        let _ = write!(text, "\n\n{who}; its figures appear when one does.");
        return text;
    }
    text.push_str(
        "\n\n| SLO | factor | budget spent when it fires | full outage detected in | smallest error ratio that fires it | budget gone in, at that ratio |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (slo, alert) in users {
        let _ = writeln!(
            text,
            "| `{}/{}` ({} over {}) | {}x | {} | {} | {} | {} |",
            slo.service,
            slo.slo,
            slo.target,
            slo.period,
            approx(alert.factor, 4),
            percent(alert.budget_spent),
            spell(alert.detection_ms),
            percent(alert.min_error_ratio),
            spell(alert.exhaustion_ms),
        );
    }
    text
}

/// A summary of what a name defines.
fn name(a: &Analysis, symbol: &Symbol) -> String {
    let mut text = format!("{} `{}`", symbol.what(), symbol.name());
    let definitions: Vec<Span> = a.index.definitions(symbol).collect();
    let Some(&at) = definitions.first() else {
        let _ = write!(text, "\n\nnot defined anywhere in the workspace");
        return text;
    };
    match symbol {
        Symbol::Policy(p) => {
            let users: Vec<String> = budgets(a)
                .iter()
                .filter(|s| s.policy.as_deref() == Some(p.as_str()))
                .map(|s| format!("`{}/{}`", s.service, s.slo))
                .collect();
            let _ = write!(text, "\n\n```slo\n{}\n```", source(a, at));
            if !users.is_empty() {
                let _ = write!(text, "\n\nused by {}", users.join(", "));
            }
        }
        Symbol::Sli { service, .. } => {
            let _ = write!(
                text,
                " of service `{service}`\n\n```slo\n{}\n```",
                source(a, at)
            );
            let n = a.index.of(symbol).filter(|o| !o.definition).count();
            let _ = write!(text, "\n\nused by {n} SLO{}", if n == 1 { "" } else { "s" });
        }
        Symbol::Receiver(_) => {
            let _ = write!(text, "\n\n```slo\n{}\n```", source(a, at));
        }
        Symbol::Service(service) => {
            let checked = a
                .analysed
                .program
                .services
                .iter()
                .find(|s| &s.name == service);
            if let Some(team) = checked.and_then(|s| s.team.as_deref()) {
                let _ = write!(text, " of team `{team}`");
            }
            let slos: Vec<&SloBudget> = budgets(a)
                .iter()
                .filter(|s| &s.service == service)
                .collect();
            if !slos.is_empty() {
                text.push('\n');
            }
            for s in slos {
                let _ = write!(
                    text,
                    "\n- `{}`: {} over {}, error budget {} of full outage",
                    s.slo,
                    s.target,
                    s.period,
                    spell(s.budget_ms)
                );
            }
        }
    }
    text
}

/// The text of the definition at `name`: from the start of its line to the
/// end of its item, cut after [`MAX_LINES`] lines.
fn source(a: &Analysis, name: Span) -> String {
    let text = &a.sources.get(name.file).text;
    let start = text
        .get(..name.start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = item_end(a, name).unwrap_or(name.end);
    let body = text.get(start..end).unwrap_or_default();
    let lines: Vec<&str> = body.lines().collect();
    let mut shown = lines
        .iter()
        .take(MAX_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if lines.len() > MAX_LINES {
        shown.push_str("\n  …");
    }
    shown
}

/// Where the item or block whose name is at `name` ends.
fn item_end(a: &Analysis, name: Span) -> Option<usize> {
    let tree = a
        .analysed
        .files
        .iter()
        .find(|(id, _)| *id == name.file)
        .map(|(_, t)| t)?;
    tree.items.iter().find_map(|item| match item {
        Item::Policy(p) if p.name.span == name => Some(p.span.end),
        Item::Receiver(r) if r.name.span == name => Some(r.block.span.end),
        Item::Service(s) => s
            .slis
            .iter()
            .find(|sli| sli.name.span == name)
            .map(|sli| sli.block.span.end)
            .or_else(|| (s.name.span == name).then_some(s.span.end)),
        _ => None,
    })
}
