//! Where alerts go and where dashboards live: `receiver` items, `notify`
//! routing, and the `defaults` settings for Alertmanager and Grafana.
//!
//! Secrets never appear in a spec: a receiver names the file Alertmanager
//! reads its secret from, and writing the secret itself is an error.

mod lints;
mod receiver;

pub(super) use receiver::kinds as receiver_kinds;
use receiver::{check_url, receiver};
pub use receiver::{Receiver, ReceiverKind};

use super::common::{twice, Repeated};
use super::fields::{Fields, Key, Kind};
use crate::diag::{suggest, Code, Diag, Span};
use crate::num::Duration;
use crate::syntax::ast::{self, NotifyScope, ValueKind};
use std::collections::{BTreeMap, BTreeSet};

/// The Alertmanager routing of a program: present when it declares receivers.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// Alerts that no route matches go to this receiver.
    pub default_receiver: String,
    /// Timings of the root route; every field is set.
    pub timing: Timing,
    /// Routes in matching order: services, then teams, then every alert.
    pub routes: Vec<Route>,
    /// Every receiver, sorted by name.
    pub receivers: Vec<Receiver>,
}

/// Alertmanager's notification timings; `None` inherits from the parent route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timing {
    /// How long to wait for more alerts of a new group before notifying.
    pub group_wait: Option<Duration>,
    /// How long to wait before notifying about new alerts of a notified group.
    pub group_interval: Option<Duration>,
    /// How long to wait before repeating a notification.
    pub repeat_interval: Option<Duration>,
}

/// The root timings when `defaults` does not set them: Alertmanager's own
/// defaults, written out so the generated file says what it does.
pub const DEFAULT_TIMING: Timing = Timing {
    group_wait: Some(Duration(30 * Duration::SECOND)),
    group_interval: Some(Duration(5 * Duration::MINUTE)),
    repeat_interval: Some(Duration(4 * Duration::HOUR)),
};

/// One route: alerts of a scope and severity go to a receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Which alerts.
    pub scope: Scope,
    /// The `severity` label.
    pub severity: String,
    /// The receiver's name.
    pub receiver: String,
    /// Timings set in the `notify` block.
    pub timing: Timing,
}

/// Which alerts a route covers. The order of the variants is the matching
/// order: the narrowest scope wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// The alerts of one service (`service` label).
    Service(String),
    /// The alerts of every service of a team (`team` label).
    Team(String),
    /// Every alert.
    All,
}

/// The notification and dashboard settings of `defaults`.
#[derive(Debug, Default)]
pub struct Settings<'a> {
    grafana: Option<(&'a str, Span)>,
    receiver: Option<(&'a str, Span)>,
    timing: Timing,
}

/// The `defaults` keys this module reads, for the key table in `check`.
pub const DEFAULTS_KEYS: [Key; 5] = [
    Key {
        name: "grafana",
        kind: Kind::Str,
        example: "`grafana = \"https://grafana.example.com\"`",
    },
    Key {
        name: "receiver",
        kind: Kind::Name,
        example: "`receiver = sre-mail`",
    },
    TIMING_KEYS[0],
    TIMING_KEYS[1],
    TIMING_KEYS[2],
];

pub(super) const TIMING_KEYS: [Key; 3] = [
    Key {
        name: "group_wait",
        kind: Kind::Duration,
        example: "`group_wait = 30s`",
    },
    Key {
        name: "group_interval",
        kind: Kind::Duration,
        example: "`group_interval = 5m`",
    },
    Key {
        name: "repeat_interval",
        kind: Kind::Duration,
        example: "`repeat_interval = 4h`",
    },
];

/// A service that would overwrite the overview dashboard's file.
pub const RESERVED_SERVICE: &str = "slo-overview";

/// Reads the notification settings of `defaults`.
pub fn settings<'a>(f: &Fields<'a>, diags: &mut Vec<Diag>) -> Settings<'a> {
    let mut timing = Timing::default();
    for key in TIMING_KEYS {
        if let Some((d, span)) = f.duration(key.name, diags) {
            set_timing(&mut timing, key.name, d, span, diags);
        }
    }
    Settings {
        grafana: f.string("grafana", diags),
        receiver: f.name("receiver", diags),
        timing,
    }
}

/// What the rest of the compiler needs from this module.
pub struct Outputs {
    /// The Grafana base URL, without a trailing `/`.
    pub grafana: Option<String>,
    /// The routing, when receivers are declared.
    pub routing: Option<Routing>,
}

/// What the notification checks are made against.
pub struct Context<'a, 'p> {
    /// The `defaults` settings.
    pub settings: &'a Settings<'p>,
    /// Every policy, by name.
    pub policies: &'a BTreeMap<&'p str, &'p ast::Policy>,
    /// Every service, by name.
    pub services: &'a BTreeMap<&'p str, &'p ast::Service>,
    /// The policies some SLO uses.
    pub used_policies: &'a BTreeSet<&'p str>,
    /// The severities `no_data` settings name: alerts for missing SLI data
    /// produce them too.
    pub no_data: &'a BTreeSet<&'p str>,
}

/// Checks receivers, `notify` blocks and the Grafana URL.
pub fn check(files: &[ast::File], cx: &Context, diags: &mut Vec<Diag>) -> Outputs {
    for (name, s) in cx.services {
        if *name == RESERVED_SERVICE {
            diags.push(
                Diag::new(
                    Code::ReservedService,
                    s.name.span,
                    format!("service name `{RESERVED_SERVICE}` is reserved"),
                )
                .label("its dashboard would overwrite the SLO overview")
                .help("`grafana/slo-overview.json` holds the overview of every SLO; rename the service"),
            );
        }
    }
    let grafana = cx.settings.grafana.and_then(|(url, span)| {
        check_url(url, span, "grafana", diags).then(|| url.trim_end_matches('/').to_string())
    });

    let mut receivers: BTreeMap<&str, (&ast::Receiver, Option<Receiver>)> = BTreeMap::new();
    let mut notifies: Vec<&ast::Notify> = Vec::new();
    for item in files.iter().flat_map(|f| &f.items) {
        match item {
            ast::Item::Receiver(r) => {
                if let Some((first, _)) = receivers.get(r.name.text.as_str()) {
                    // Still checked, for its own mistakes.
                    let _ = receiver(r, diags);
                    diags.push(twice(
                        Repeated::Routing {
                            message: format!("receiver `{}` is defined twice", r.name.text),
                            help: "receiver names must be unique; rename or remove one",
                        },
                        r.name.span,
                        first.name.span,
                    ));
                } else {
                    receivers.insert(&r.name.text, (r, receiver(r, diags)));
                }
            }
            ast::Item::Notify(n) => notifies.push(n),
            _ => {}
        }
    }

    // An SLO's override may add a line, and with it a severity, that no
    // policy has: it is routed like the others.
    let overrides = override_lines(cx.services);
    let severities: BTreeSet<&str> = cx
        .policies
        .values()
        .flat_map(|p| &p.body.lines)
        .chain(overrides.iter().copied().flatten())
        .map(|l| l.severity.text.as_str())
        .chain(cx.no_data.iter().copied())
        .collect();
    let teams: BTreeSet<&str> = cx.services.values().filter_map(|s| team(s)).collect();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut resolve = |name: &str, span: Span, diags: &mut Vec<Diag>| -> Option<String> {
        if let Some((key, _)) = receivers.get_key_value(name) {
            used.insert(key);
            return Some(name.to_string());
        }
        if let Some(c) = suggest::closest(name, receivers.keys().copied()) {
            if let Some((key, _)) = receivers.get_key_value(c) {
                used.insert(key);
            }
        }
        diags.push(
            Diag::new(
                Code::UnknownReceiver,
                span,
                format!("unknown receiver `{name}`"),
            )
            .label("no receiver has this name")
            .help(suggest::did_you_mean(
                name,
                receivers.keys().copied(),
                "receiver",
            ))
            .fix(suggest::closest(name, receivers.keys().copied())),
        );
        None
    };

    let mut by_scope: BTreeMap<Scope, (Span, Vec<Route>)> = BTreeMap::new();
    for n in &notifies {
        let (scope, span) = match &n.scope {
            NotifyScope::All => (Scope::All, n.keyword),
            NotifyScope::Service(s) => {
                if !cx.services.contains_key(s.text.as_str()) {
                    diags.push(unknown_scope("service", s, cx.services.keys().copied()));
                }
                (Scope::Service(s.text.clone()), s.span)
            }
            NotifyScope::Team(t) => {
                if !teams.contains(t.text.as_str()) {
                    diags.push(unknown_scope("team", t, teams.iter().copied()));
                }
                (Scope::Team(t.text.clone()), t.span)
            }
        };
        let routes = notify_routes(n, &scope, &severities, &mut resolve, diags);
        if let Some((first, _)) = by_scope.get(&scope) {
            let message = match &scope {
                Scope::Service(s) => format!("service `{s}` has two `notify` blocks"),
                Scope::Team(t) => format!("team `{t}` has two `notify` blocks"),
                Scope::All => "two `notify` blocks without a scope".to_string(),
            };
            diags.push(twice(
                Repeated::Routing {
                    message,
                    help: "put all of its routes in one `notify` block",
                },
                span,
                *first,
            ));
            continue;
        }
        by_scope.insert(scope, (span, routes));
    }

    let default_receiver = cx
        .settings
        .receiver
        .and_then(|(name, span)| resolve(name, span, diags));
    if cx.settings.receiver.is_none() {
        let first = files
            .iter()
            .flat_map(|f| &f.items)
            .find_map(|item| match item {
                ast::Item::Receiver(r) => Some(r.name.span),
                ast::Item::Notify(n) => Some(n.keyword),
                _ => None,
            });
        if let Some(span) = first {
            diags.push(
                Diag::new(Code::NoDefaultReceiver, span, "alerts that no `notify` block routes have no receiver")
                    .label("notifications are configured here")
                    .help("add `receiver = NAME` to `defaults`: Alertmanager sends every alert that no `notify` block matches there"),
            );
        }
    }

    if let Some(default_receiver) = &default_receiver {
        let routed: BTreeSet<&str> = notifies
            .iter()
            .flat_map(|n| &n.block.settings)
            .map(|s| s.key.text.as_str())
            .collect();
        let used = cx
            .policies
            .iter()
            .filter(|(name, _)| cx.used_policies.contains(*name))
            .map(|(_, p)| p.body.lines.as_slice());
        lints::unrouted(used, &overrides, &routed, default_receiver, diags);
    }

    for (name, (r, _)) in &receivers {
        if !used.contains(name) {
            diags.push(
                Diag::new(
                    Code::UnusedReceiver,
                    r.name.span,
                    format!("receiver `{name}` is never used"),
                )
                .label("no `notify` block or `defaults.receiver` names it")
                .help(format!(
                    "route a severity to it, e.g. `notify {{ page = {name} }}`, or remove it"
                )),
            );
        }
    }

    let routing = default_receiver.map(|default_receiver| Routing {
        default_receiver,
        timing: Timing {
            group_wait: cx.settings.timing.group_wait.or(DEFAULT_TIMING.group_wait),
            group_interval: cx
                .settings
                .timing
                .group_interval
                .or(DEFAULT_TIMING.group_interval),
            repeat_interval: cx
                .settings
                .timing
                .repeat_interval
                .or(DEFAULT_TIMING.repeat_interval),
        },
        routes: by_scope.into_values().flat_map(|(_, r)| r).collect(),
        receivers: receivers.into_values().filter_map(|(_, r)| r).collect(),
    });
    Outputs { grafana, routing }
}

/// The lines of every policy override in an SLO's `alerting` (overrides
/// on `none` are errors, and left out).
fn override_lines<'p>(services: &BTreeMap<&str, &'p ast::Service>) -> Vec<&'p [ast::PolicyLine]> {
    services
        .values()
        .flat_map(|s| &s.slos)
        .flat_map(|slo| &slo.block.settings)
        .filter_map(|s| match (s.key.text.as_str(), &s.value.kind) {
            ("alerting", ValueKind::Override(o)) if o.policy.text != "none" => {
                Some(o.body.lines.as_slice())
            }
            _ => None,
        })
        .collect()
}

/// Every severity a `notify` block routes, as written.
pub fn routed_severities(files: &[ast::File]) -> impl Iterator<Item = &str> {
    files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|item| match item {
            ast::Item::Notify(n) => Some(&n.block.settings),
            _ => None,
        })
        .flatten()
        .map(|s| s.key.text.as_str())
        .filter(|key| !TIMING_KEYS.iter().any(|k| k.name == *key))
}

/// The team a service declares, read from its settings as written.
fn team(s: &ast::Service) -> Option<&str> {
    s.settings
        .iter()
        .find_map(|s| match (s.key.text.as_str(), &s.value.kind) {
            ("team", ValueKind::Str(t)) => Some(t.as_str()),
            _ => None,
        })
}

fn unknown_scope<'n>(
    what: &str,
    name: &ast::Name,
    known: impl IntoIterator<Item = &'n str>,
) -> Diag {
    let known: Vec<&str> = known.into_iter().collect();
    let closest = suggest::closest(&name.text, known.iter().copied());
    let help = if what == "team" {
        match closest {
            Some(c) => {
                format!("did you mean `{c}`? a team exists when a service sets `team = \"{c}\"`")
            }
            None => format!(
                "a team exists when a service sets `team = \"{}\"`",
                name.text
            ),
        }
    } else {
        suggest::did_you_mean(&name.text, known.iter().copied(), "service")
    };
    // A team is written in quotes, and its span includes them.
    let fix = closest.map(|c| match what {
        "team" => format!("\"{c}\""),
        _ => c.to_string(),
    });
    Diag::new(
        Code::UnknownNotifyScope,
        name.span,
        format!("`notify` for unknown {what} `{}`", name.text),
    )
    .label(format!("no {what} has this name"))
    .help(help)
    .fix(fix)
}

/// The routes of one `notify` block, in the order written.
fn notify_routes(
    n: &ast::Notify,
    scope: &Scope,
    severities: &BTreeSet<&str>,
    resolve: &mut impl FnMut(&str, Span, &mut Vec<Diag>) -> Option<String>,
    diags: &mut Vec<Diag>,
) -> Vec<Route> {
    let mut timing = Timing::default();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut lines = Vec::new();
    for s in &n.block.settings {
        let key = s.key.text.as_str();
        if let Some(first) = seen.insert(key, s.key.span) {
            diags.push(twice(Repeated::Key(format!("`{key}`")), s.key.span, first));
            continue;
        }
        if let Some(k) = TIMING_KEYS.iter().find(|k| k.name == key) {
            match s.value.kind {
                ValueKind::Duration(d) => set_timing(&mut timing, key, d, s.value.span, diags),
                _ => diags.push(wrong_kind(s, "a duration", k.example)),
            }
            continue;
        }
        let receiver = match &s.value.kind {
            ValueKind::Name(r) => resolve(r, s.value.span, diags),
            _ => {
                diags.push(wrong_kind(s, "a receiver name", "`page = payments-pager`"));
                None
            }
        };
        if !severities.contains(key) {
            diags.push(
                Diag::new(
                    Code::UnknownSeverity,
                    s.key.span,
                    format!("no policy produces severity `{key}`"),
                )
                .label("no alert has this severity")
                .help(match suggest::closest(key, severities.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None if severities.is_empty() => {
                        "severities come from `policy` lines such as `page 14.4x over 1h/5m`; no policy is defined".to_string()
                    }
                    None => format!(
                        "the policies produce {}; a key in a `notify` block is a severity or one of `group_wait`, `group_interval`, `repeat_interval`",
                        severities.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                    ),
                })
                .fix(suggest::closest(key, severities.iter().copied())),
            );
            continue;
        }
        if let Some(receiver) = receiver {
            lines.push((key.to_string(), receiver));
        }
    }
    lines
        .into_iter()
        .map(|(severity, receiver)| Route {
            scope: scope.clone(),
            severity,
            receiver,
            timing,
        })
        .collect()
}

fn wrong_kind(s: &ast::Setting, wanted: &str, example: &str) -> Diag {
    Diag::new(
        Code::WrongType,
        s.value.span,
        format!(
            "`{}` takes {wanted}, found {}",
            s.key.text,
            s.value.kind.describe()
        ),
    )
    .label(format!("expected {wanted}"))
    .help(format!("for example: {example}"))
}

/// Sets one timing, rejecting the zero intervals Alertmanager refuses.
fn set_timing(timing: &mut Timing, key: &str, d: Duration, span: Span, diags: &mut Vec<Diag>) {
    if d.0 == 0 && key != "group_wait" {
        diags.push(
            Diag::new(Code::InvalidTiming, span, format!("`{key}` of zero"))
                .label("Alertmanager rejects a zero interval")
                .help(format!(
                    "give a positive duration; Alertmanager's default is `{}`",
                    if key == "group_interval" { "5m" } else { "4h" }
                )),
        );
        return;
    }
    let slot = match key {
        "group_wait" => &mut timing.group_wait,
        "group_interval" => &mut timing.group_interval,
        _ => &mut timing.repeat_interval,
    };
    *slot = Some(d);
}
