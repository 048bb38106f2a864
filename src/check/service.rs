//! Services: settings, labels, SLIs and SLOs.

use super::common::{twice, unknown_kind, KindOf, Repeated};
use super::fields::{Fields, Key, Kind};
use super::promql::{self, Parsed, Query};
use super::ratio;
use super::{dimensions, policy, Alert, Defaults, Events, Service, Sli, Slo, DEFAULT_PERIOD};
use crate::diag::{suggest, Code, Diag, Span};
use crate::num::Ratio;
use crate::syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// What a service is checked against.
pub struct Context<'a, 'p> {
    pub policies: &'a BTreeMap<&'p str, &'p ast::Policy>,
    pub defaults: &'a Defaults<'p>,
    /// What the caller knows about files that were not given.
    pub surroundings: &'a super::Surroundings,
    /// The severities of policy lines and `notify` routes.
    pub severities: &'a BTreeSet<&'p str>,
}

/// Labels the compiler sets itself; a service may not set them.
pub const RESERVED_LABELS: &[&str] = &[
    "alertname",
    "le",
    "long_window",
    "service",
    "severity",
    "short_window",
    "slo",
    "team",
];

const SERVICE_KEYS: &[Key] = &[
    Key {
        name: "team",
        kind: Kind::Str,
        example: "`team = \"payments\"`",
    },
    Key {
        name: "runbook",
        kind: Kind::Str,
        example: "`runbook = \"https://runbooks.example.com/checkout\"`",
    },
];

const RATIO_KEYS: &[Key] = &[
    Key {
        name: "bad",
        kind: Kind::Promql,
        example: "bad = `http_requests_total{code=~\"5..\"}`",
    },
    Key {
        name: "good",
        kind: Kind::Promql,
        example: "good = `http_requests_total{code!~\"5..\"}`",
    },
    Key {
        name: "total",
        kind: Kind::Promql,
        example: "total = `http_requests_total`",
    },
];

const SLO_KEYS: &[Key] = &[
    Key {
        name: "sli",
        kind: Kind::Name,
        example: "`sli = requests`",
    },
    Key {
        name: "target",
        kind: Kind::Percent,
        example: "`target = 99.9%`",
    },
    Key {
        name: "window",
        kind: Kind::Duration,
        example: "`window = 28d`",
    },
    Key {
        name: "alerting",
        kind: Kind::Policy,
        example: "`alerting = standard`",
    },
    Key {
        name: "by",
        kind: Kind::List,
        example: "`by = [route]`",
    },
    super::NO_DATA_KEY,
];

/// The SLI kinds.
const SLI_KINDS: &[&str] = &["gauge", "latency", "ratio"];

/// Checks one service. `None` when it has errors.
pub fn check<'p>(
    s: &'p ast::Service,
    cx: &Context<'_, 'p>,
    used_policies: &mut BTreeSet<&'p str>,
    diags: &mut Vec<Diag>,
) -> Option<Service> {
    let errors = diags.len();
    let settings = Fields::new(&s.settings, SERVICE_KEYS, "a `service` block", diags);
    let team = settings.string("team", diags).map(|(t, _)| t.to_string());
    let runbook = settings
        .string("runbook", diags)
        .map(|(r, _)| r.to_string());
    let labels = labels(s, diags);

    // SLIs, by name.
    let mut slis: Slis = BTreeMap::new();
    for sli in &s.slis {
        if let Some((first, ..)) = slis.get(sli.name.text.as_str()) {
            diags.push(super::duplicate("SLI", &sli.name, first.name.span));
            continue;
        }
        let (checked, sides) = check_sli(sli, diags);
        slis.insert(&sli.name.text, (sli, checked, sides));
    }

    // The SLIs used, each with the `by` lists of the SLOs that use it.
    let mut used_slis: BTreeMap<&str, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut slo_names: BTreeMap<&str, Span> = BTreeMap::new();
    let mut slos = Vec::new();
    for slo in &s.slos {
        let first = slo_names.get(slo.name.text.as_str()).copied();
        if let Some(first) = first {
            diags.push(super::duplicate("SLO", &slo.name, first));
        }
        slo_names.entry(&slo.name.text).or_insert(slo.name.span);
        // A duplicate is still checked, for its own errors and for the names it uses.
        let checked = check_slo(s, slo, &slis, cx, &mut used_slis, used_policies, diags);
        if let (Some(checked), None) = (checked, first) {
            slos.push(checked);
        }
    }

    for (name, (sli, ..)) in &slis {
        if !used_slis.contains_key(name) {
            diags.push(
                Diag::new(
                    Code::UnusedSli,
                    sli.name.span,
                    format!("SLI `{name}` is never used"),
                )
                .label("no SLO refers to this SLI")
                .help(format!(
                    "add an `slo` with `sli = {name}`, or remove the SLI"
                )),
            );
        }
    }

    let failed = diags[errors..]
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    (!failed).then(|| Service {
        name: s.name.text.clone(),
        team,
        runbook,
        labels,
        slos,
    })
}

fn labels(s: &ast::Service, diags: &mut Vec<Diag>) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, (String, Span)> = BTreeMap::new();
    for (i, block) in s.labels.iter().enumerate() {
        if i > 0 {
            diags.push(
                Diag::new(
                    Code::DuplicateKey,
                    super::keyword_span(block.span, 6),
                    "`labels` is given twice",
                )
                .label("second `labels` block")
                .secondary(super::keyword_span(s.labels[0].span, 6), "first given here")
                .help("put all labels in one `labels` block"),
            );
        }
        for setting in &block.settings {
            let name = setting.key.text.as_str();
            if let Some(problem) = label_name_problem(name) {
                diags.push(
                    Diag::new(
                        Code::InvalidLabel,
                        setting.key.span,
                        format!("`{name}` cannot be used as a label name"),
                    )
                    .label(problem)
                    .help("label names match [a-zA-Z_][a-zA-Z0-9_]*, do not start with `__`, and are not one the compiler sets"),
                );
                continue;
            }
            let value = match &setting.value.kind {
                ast::ValueKind::Str(v) => v.clone(),
                other => {
                    diags.push(
                        Diag::new(
                            Code::WrongType,
                            setting.value.span,
                            format!("label `{name}` takes a string, found {}", other.describe()),
                        )
                        .label("expected a string")
                        .help(format!("label values are strings: `{name} = \"…\"`")),
                    );
                    continue;
                }
            };
            if let Some((_, first)) = out.get(name) {
                diags.push(twice(
                    Repeated::Key(format!("label `{name}`")),
                    setting.key.span,
                    *first,
                ));
                continue;
            }
            out.insert(name.to_string(), (value, setting.key.span));
        }
    }
    out.into_iter().map(|(k, (v, _))| (k, v)).collect()
}

/// Why `name` is not a usable label name, if it is not.
pub(super) fn label_name_problem(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some("not a valid Prometheus label name");
    }
    if name.starts_with("__") {
        return Some("names starting with `__` are reserved by Prometheus");
    }
    if RESERVED_LABELS.contains(&name) {
        return Some("the compiler sets this label itself");
    }
    None
}

/// The SLIs of a service by name: each as written, checked, and for a
/// ratio, its sides for [`ratio::check`].
type Slis<'p> = BTreeMap<&'p str, (&'p ast::Sli, Option<Sli>, Option<ratio::Sides>)>;

fn check_sli(sli: &ast::Sli, diags: &mut Vec<Diag>) -> (Option<Sli>, Option<ratio::Sides>) {
    match sli.kind.text.as_str() {
        "ratio" => match ratio_sli(sli, diags) {
            Some((checked, sides)) => (Some(checked), Some(sides)),
            None => (None, None),
        },
        "latency" => (super::latency::check(sli, diags), None),
        "gauge" => (super::gauge::check(sli, diags), None),
        other => {
            diags.push(unknown_kind(
                KindOf::Sli,
                other,
                sli.kind.span,
                SLI_KINDS.iter().copied(),
            ));
            (None, None)
        }
    }
}

pub(super) fn missing(sli: &ast::Sli, what: &str, example: &str) -> Diag {
    Diag::new(
        Code::MissingKey,
        sli.name.span,
        format!("SLI `{}` has no `{what}`", sli.name.text),
    )
    .label(format!("`{what}` missing"))
    .help(format!("add {example}"))
}

pub(super) fn query(f: &Fields, key: &str, diags: &mut Vec<Diag>) -> Option<(Query, Parsed, Span)> {
    let (text, span) = f.promql(key, diags)?;
    promql::check(text, span, key, diags).map(|(q, p)| (q, p, span))
}

fn ratio_sli(sli: &ast::Sli, diags: &mut Vec<Diag>) -> Option<(Sli, ratio::Sides)> {
    let f = Fields::new(&sli.block.settings, RATIO_KEYS, "a `ratio` SLI", diags);
    let (bad, good) = (f.setting("bad"), f.setting("good"));
    if let (Some(b), Some(g)) = (bad, good) {
        diags.push(
            Diag::new(
                Code::ConflictingKeys,
                g.key.span,
                "a ratio SLI has `bad` or `good`, not both",
            )
            .label("`good` given here")
            .secondary(b.key.span, "`bad` given here")
            .help("keep the one you count directly; the compiler derives the other from `total`"),
        );
    }
    if bad.is_none() && good.is_none() {
        diags.push(missing(
            sli,
            "bad` or `good",
            "`bad = `…`` (failed events) or `good = `…`` (successful events)",
        ));
    }
    if !f.has("total") {
        diags.push(missing(sli, "total", "total = `…` (all events)"));
    }
    let total = query(&f, "total", diags);
    let events = if bad.is_some() {
        query(&f, "bad", diags).map(|(q, e, s)| (Events::Bad(q), e, s, "bad"))
    } else {
        query(&f, "good", diags).map(|(q, e, s)| (Events::Good(q), e, s, "good"))
    };
    let (total, total_expr, total_span) = total?;
    let (events, events_expr, events_span, key) = events?;
    if events_expr.same_as(&total_expr) {
        diags.push(
            Diag::new(Code::SameBadTotal, events_span, format!("`{key}` and `total` are the same"))
                .label(format!("`{key}` here"))
                .secondary(total_span, "`total` here")
                .help(if key == "bad" {
                    "the error ratio would always be 100%; narrow `bad` to the failed events, e.g. with `code=~\"5..\"`"
                } else {
                    "the error ratio would always be 0%; narrow `good` to the successful events"
                }),
        );
        return None;
    }
    super::metric_name::ratio(
        &f,
        &[(key, &events_expr.expr), ("total", &total_expr.expr)],
        diags,
    );
    let (Events::Bad(events_query) | Events::Good(events_query)) = &events;
    let sides = ratio::Sides::new(
        &sli.name.text,
        key,
        (events_query, &events_expr.expr, events_span),
        (&total, &total_expr.expr, total_span),
    );
    Some((Sli::Ratio { events, total }, sides))
}

fn check_slo<'p>(
    service: &'p ast::Service,
    slo: &'p ast::Slo,
    slis: &Slis<'p>,
    cx: &Context<'_, 'p>,
    used_slis: &mut BTreeMap<&'p str, BTreeSet<Vec<String>>>,
    used_policies: &mut BTreeSet<&'p str>,
    diags: &mut Vec<Diag>,
) -> Option<Slo> {
    let f = Fields::new(&slo.block.settings, SLO_KEYS, "an `slo` block", diags);
    let name = slo.name.text.as_str();

    let sli = match f.name("sli", diags) {
        Some((sli_name, span)) => match slis.get(sli_name) {
            Some((_, checked, _)) => {
                used_slis.entry(sli_name).or_default();
                checked.clone().map(|c| (sli_name, c))
            }
            None => {
                // The likely intended SLI counts as used: no "unused" warning on top.
                if let Some(c) = suggest::closest(sli_name, slis.keys().copied()) {
                    if let Some((key, _)) = slis.get_key_value(c) {
                        used_slis.entry(key).or_default();
                    }
                }
                diags.push(
                    Diag::new(Code::UnknownName, span, format!("unknown SLI `{sli_name}`"))
                        .label("no SLI of this service has this name")
                        .help(suggest::did_you_mean(sli_name, slis.keys().copied(), "SLI")),
                );
                None
            }
        },
        None => {
            if !f.has("sli") {
                diags.push(
                    Diag::new(
                        Code::MissingKey,
                        slo.name.span,
                        format!("SLO `{name}` has no `sli`"),
                    )
                    .label("`sli` missing")
                    .help("add `sli = <name of an SLI of this service>`"),
                );
            }
            None
        }
    };

    let target = match f.percent("target", diags) {
        Some((t, span)) if t <= Ratio::ZERO || t >= Ratio::int(100) => {
            diags.push(
                Diag::new(Code::TargetRange, span, format!("target {t}% is outside (0%, 100%)"))
                    .label(if t >= Ratio::int(100) {
                        "leaves no error budget"
                    } else {
                        "allows every request to fail"
                    })
                    .help("a target is strictly between 0% and 100%, e.g. `99.9%`; 100% leaves no budget to alert on"),
            );
            None
        }
        Some(t) => Some(t),
        None => {
            if !f.has("target") {
                diags.push(
                    Diag::new(
                        Code::MissingKey,
                        slo.name.span,
                        format!("SLO `{name}` has no `target`"),
                    )
                    .label("`target` missing")
                    .help("add a target such as `target = 99.9%`"),
                );
            }
            None
        }
    };

    let period = match f.duration("window", diags) {
        Some((w, span)) => {
            let ok = policy::check_period(w, span, diags);
            if let (true, Some(retention)) = (ok, cx.defaults.retention) {
                super::lints::retention((w, span), retention, false, diags);
            }
            ok.then_some((w, span))
        }
        None => Some(
            cx.defaults
                .window
                .unwrap_or((DEFAULT_PERIOD, slo.name.span)),
        ),
    };

    let own = f.policy("alerting", diags);
    let overrides = own.and_then(|r| r.overrides);
    if let Some((lines, span)) = overrides {
        policy::check_lines(lines, diags);
        if own.is_some_and(|r| r.name == "none") {
            diags.push(
                Diag::new(Code::OverrideNone, span, "`none` has no lines to override")
                    .label("overrides on `none`")
                    .help("name the policy whose lines these replace, e.g. `alerting = standard { page 10x over 1h/5m }`, or define a policy with these lines"),
            );
        }
    }
    let alerting = own.map(|r| (r.name, r.span)).or(cx.defaults.alerting);
    let policy = match alerting {
        Some(("none", _)) => None,
        None => {
            // A value of the wrong kind is already an error; an SLO that
            // asks for its missing-data alert itself has that alert.
            let own_no_data = f
                .setting("no_data")
                .is_some_and(|s| !matches!(&s.value.kind, ast::ValueKind::Name(n) if n == "none"));
            if !f.has("alerting") && !own_no_data {
                let policies: Vec<&str> = cx.policies.keys().copied().collect();
                let unread = cx.surroundings.unread(slo.name.span.file);
                super::lints::no_alerting(&slo.name, &policies, unread, diags);
            }
            None
        }
        Some((policy_name, span)) => match cx.policies.get_key_value(policy_name) {
            Some((key, p)) => {
                used_policies.insert(key);
                Some(*p)
            }
            None => {
                if let Some(c) = suggest::closest(policy_name, cx.policies.keys().copied()) {
                    if let Some((key, _)) = cx.policies.get_key_value(c) {
                        used_policies.insert(key);
                    }
                }
                // An unknown policy in `defaults` is reported once, there.
                if f.has("alerting") {
                    diags.push(super::unknown_policy(
                        policy_name,
                        span,
                        cx.policies,
                        cx.surroundings.unread(span.file),
                    ));
                }
                None
            }
        },
    };

    let by = match f.list("by", diags) {
        Some((items, _)) => {
            let sli = sli
                .as_ref()
                .and_then(|(n, c)| slis.get(n).map(|(a, ..)| (*a, c)));
            dimensions::check(items, &service.labels, sli, diags)
        }
        None => Some(Vec::new()),
    };
    // Whether the sides of a ratio match depends on `by`: checked once per
    // SLI and `by`.
    if let (Some((sli_name, _)), Some(by)) = (&sli, &by) {
        let first = used_slis
            .get_mut(sli_name)
            .is_some_and(|seen| seen.insert(by.clone()));
        if let (true, Some((.., Some(sides)))) = (first, slis.get(sli_name)) {
            ratio::check(sides, by, diags);
        }
    }

    let (target, target_span) = target?;
    let (period, period_span) = period?;
    let objective = target.div(Ratio::int(100))?;
    let budget = Ratio::ONE.sub(objective);
    let alerts: Vec<Alert> = match policy {
        Some(p) => {
            let t = policy::Target {
                slo: name,
                target: (target, target_span),
                budget,
                period: (period, period_span),
            };
            let lines = policy::merged(p, overrides.map_or(&[], |(lines, _)| lines));
            let alerts = policy::alerts(&lines, &t, diags);
            if alerts.len() != lines.len() {
                return None;
            }
            alerts
        }
        None => Vec::new(),
    };
    let no_data = f
        .name("no_data", diags)
        .filter(|&(n, span)| super::no_data_known(n, span, cx.severities, diags));
    let no_data = no_data_severity(no_data.map(|(n, _)| n), cx.defaults, &alerts);
    let (sli_name, sli) = sli?;
    let by = by?;
    Some(Slo {
        name: name.to_string(),
        sli_name: sli_name.to_string(),
        sli,
        objective,
        period,
        by,
        policy: policy.map(|p| p.name.text.clone()),
        alerts,
        no_data,
    })
}

/// The severity of an SLO's alert for missing SLI data. Its own `no_data`
/// wins, even without a policy: asking for the alert is reason enough. An
/// SLO without alerts gets none otherwise (`alerting = none` means no
/// alerts). Then `defaults.no_data`, and without it `ticket` when the SLO's
/// lines produce it, else the severity of its slowest-burning line: the
/// least urgent one it has.
fn no_data_severity(own: Option<&str>, defaults: &Defaults, alerts: &[Alert]) -> Option<String> {
    let chosen = match own {
        Some(own) => own,
        None if alerts.is_empty() => return None,
        None => match defaults.no_data {
            Some((severity, _)) => severity,
            None if alerts.iter().any(|a| a.severity == "ticket") => "ticket",
            None => alerts
                .iter()
                .min_by_key(|a| a.factor)
                .map(|a| a.severity.as_str())?,
        },
    };
    (chosen != "none").then(|| chosen.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names() {
        assert!(label_name_problem("tier").is_none());
        assert!(label_name_problem("__tier").is_some());
        assert!(label_name_problem("service").is_some());
        assert!(label_name_problem("my-tier").is_some());
    }
}
