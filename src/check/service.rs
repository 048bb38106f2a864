//! Services: settings, labels, SLIs and SLOs.

use super::common::missing_key;
use super::fields::{Fields, Key, Kind};
use super::sli::{self, Sides};
use super::{body, labels, policy, Alert, Defaults, Service, Sli, Slo, DEFAULT_PERIOD};
use crate::diag::{suggest, Code, Diag, Span};
use crate::num::{Ratio, Target};
use crate::syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// What a service is checked against.
pub struct Context<'a, 'p> {
    pub policies: &'a BTreeMap<&'p str, &'p ast::Policy>,
    /// What each policy adds to its alerts.
    pub extras: &'a BTreeMap<&'p str, body::Extras>,
    pub defaults: &'a Defaults<'p>,
    /// What the caller knows about files that were not given.
    pub surroundings: &'a super::Surroundings,
    /// The severities of policy lines and `notify` routes.
    pub severities: &'a BTreeSet<&'p str>,
}

pub(super) const SERVICE_KEYS: &[Key] = &[
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

pub(super) const SLO_KEYS: &[Key] = &[
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
    let labels = labels::service(s, diags);

    // SLIs, by name.
    let mut slis: Slis = BTreeMap::new();
    for sli in &s.slis {
        if let Some((first, ..)) = slis.get(sli.name.text.as_str()) {
            diags.push(super::duplicate("SLI", &sli.name, first.name.span));
            continue;
        }
        let (checked, sides) = sli::check(sli, diags);
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

/// The SLIs of a service by name: each as written, checked, and for a
/// ratio, its sides for [`sli::check_sides`].
type Slis<'p> = BTreeMap<&'p str, (&'p ast::Sli, Option<Sli>, Option<Sides>)>;

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
    let own_labels = labels::slo(slo, service, diags);
    let annotations = labels::annotations(slo, diags);

    // A key every SLO has: reported here when it is absent; a value that
    // cannot be used is reported where it is read.
    let required = |key: &str, example: &str, diags: &mut Vec<Diag>| {
        if !f.has(key) {
            diags.push(missing_key("SLO", name, slo.name.span, key, example));
        }
    };
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
                        .help(suggest::did_you_mean(sli_name, slis.keys().copied(), "SLI"))
                        .fix(suggest::closest(sli_name, slis.keys().copied())),
                );
                None
            }
        },
        None => {
            required("sli", "`sli = <name of an SLI of this service>`", diags);
            None
        }
    };

    let target = match f.percent("target", diags) {
        Some((t, span)) => match Target::from_percent(t) {
            Some(target) => Some((target, span)),
            None => {
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
        },
        None => {
            required("target", "a target such as `target = 99.9%`", diags);
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
    if let Some((over, span)) = overrides {
        policy::check_lines(&over.lines, diags);
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
            labels::by(items, &service.labels, &slo.labels, sli, diags)
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
            sli::check_sides(sides, by, diags);
        }
    }

    let (target, target_span) = target?;
    let (period, period_span) = period?;
    let (alert, alerts): (String, Vec<Alert>) = match policy {
        Some(p) => {
            let t = policy::Context {
                slo: name,
                target: (target, target_span),
                period: (period, period_span),
            };
            let over = overrides.map(|(over, _)| over);
            let drops_ok = over.is_none_or(|over| body::check_drops(p, over, diags));
            let lines = policy::merged(p, over);
            let mut extras = cx
                .extras
                .get(p.name.text.as_str())
                .cloned()
                .unwrap_or_default();
            if let Some(over) = over {
                let what = format!("the alerting of SLO `{name}`");
                extras = extras.then(body::extras(over, &lines, &what, diags));
            }
            let fixed = fixed_labels(service, slo, &by);
            let extras_ok = clashes(&extras, &fixed, diags);
            let mut alerts = policy::alerts(&lines, &t, diags);
            if alerts.len() != lines.len() || !drops_ok || !extras_ok {
                return None;
            }
            for a in &mut alerts {
                let pairs = |by_severity: &BTreeMap<String, labels::NamedPairs>| {
                    by_severity
                        .get(&a.severity)
                        .map(|p| p.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect())
                        .unwrap_or_default()
                };
                a.labels = pairs(&extras.labels);
                a.annotations = pairs(&extras.annotations);
            }
            let alert = extras
                .alert
                .unwrap_or_else(|| super::DEFAULT_ALERT.to_string());
            (alert, alerts)
        }
        None => (super::DEFAULT_ALERT.to_string(), Vec::new()),
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
        target,
        period,
        by,
        policy: policy.map(|p| p.name.text.clone()),
        alert,
        alerts,
        no_data,
        labels: own_labels,
        annotations,
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

/// The labels an SLO's series already carry, with where each is set: the
/// service's `labels`, the SLO's own and its `by` labels.
fn fixed_labels<'a>(
    service: &'a ast::Service,
    slo: &'a ast::Slo,
    by: &Option<Vec<String>>,
) -> Vec<(String, Span, &'static str)> {
    let set = |blocks: &'a [ast::Block], whose: &'static str| {
        blocks
            .iter()
            .flat_map(|b| &b.settings)
            .map(move |s| (s.key.text.clone(), s.key.span, whose))
    };
    let mut fixed: Vec<(String, Span, &'static str)> =
        set(&service.labels, "the service sets it here")
            .chain(set(&slo.labels, "the SLO sets it here"))
            .collect();
    if let Some(by) = by {
        fixed.extend(
            by.iter()
                .map(|l| (l.clone(), slo.name.span, "the SLO is split by it")),
        );
    }
    fixed
}

/// A label added to the alerts of a severity that the SLO's series carry
/// already: which value would win is not written anywhere. Whether there
/// is none.
fn clashes(
    extras: &body::Extras,
    fixed: &[(String, Span, &'static str)],
    diags: &mut Vec<Diag>,
) -> bool {
    let mut ok = true;
    for (severity, pairs) in &extras.labels {
        for (name, (_, span)) in pairs {
            if let Some((_, at, why)) = fixed.iter().find(|(n, ..)| n == name) {
                ok = false;
                diags.push(
                    Diag::new(
                        Code::DuplicateKey,
                        *span,
                        format!("label `{name}` of the `{severity}` alerts is also a label of the SLO"),
                    )
                    .label("set again for these alerts")
                    .secondary(*at, *why)
                    .help("set each label once: on the SLO for all its series and alerts, or on one severity's alerts"),
                );
            }
        }
    }
    ok
}
