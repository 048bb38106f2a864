//! Syntax trees → a checked [`Program`]: names resolved, units and budget
//! math checked, PromQL validated. Every problem becomes a [`Diag`]; checking
//! goes on after an error so that one run reports them all.
//!
//! This file holds the checked types and the pass over the whole program.
//! Every module may use its ancestors' items and its own submodules.
//! Between siblings, uses go one way only: down this list, never up it.
//!
//! - `service`: a service's settings, SLIs and SLOs
//! - `notify`: receivers and `notify` routing
//! - `body`: what a policy or an override says besides lines: the alert
//!   name, labels and annotations per severity, `drop`s
//! - `sli`: the SLI kinds, one file each (`ratio`, `latency`, `gauge`), the
//!   names their series may have (`metric_name`), the dispatch on the kind
//!   and what the kinds share (`sli/mod.rs`)
//! - `labels`: the service's `labels` and the `by` labels of an SLO
//! - `lints`: warnings about settings that work but are likely mistakes
//!   (the policy lints read a line's burn factor as `policy` works it out)
//! - `policy`, then `overrides`: alert policies and an SLO's overrides
//! - `fields`: a block's settings, read by a table of keys
//! - `promql`: PromQL parsing, hints and the labels an expression yields
//! - `common`: diagnostics several modules report alike
//! - `broken`: what a part of the program that did not parse may explain
//!
//! So `sli/latency.rs` uses `sli/mod.rs` (`missing`, `query`),
//! `sli/metric_name.rs`, `fields` and `promql`, and `sli` never uses
//! `service`, which dispatches to it. A test (`layout.rs`) reads this list
//! and holds every `use` to it. Output PromQL is written in
//! [`crate::lower`]; the checker parses and analyses the user's PromQL and
//! keeps what lowering needs (a histogram's name, matchers and threshold).

mod body;
mod broken;
mod common;
mod fields;
mod labels;
#[cfg(test)]
mod layout;
mod lints;
pub mod notify;
mod overrides;
mod policy;
pub mod promql;
mod service;
mod sli;

use crate::diag::{Code, Diag, Span};
use crate::num::{Duration, Ratio, Target};
use crate::syntax::ast;
use fields::Fields;
use std::collections::{BTreeMap, BTreeSet};

pub use broken::explained_by_broken_items;
pub use fields::{Key, Kind};
pub use labels::RESERVED_LABELS;
pub use policy::factor;
pub use promql::Query;

/// A checked program: every name resolved, every number in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Services, sorted by name.
    pub services: Vec<Service>,
    /// The Grafana base URL (`defaults.grafana`), without a trailing `/`.
    pub grafana: Option<String>,
    /// Alertmanager routing, when the program declares receivers.
    pub routing: Option<notify::Routing>,
}

/// A checked service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Its name (the `service` label).
    pub name: String,
    /// The owning team, if declared.
    pub team: Option<String>,
    /// Runbook URL, if declared.
    pub runbook: Option<String>,
    /// Extra labels for every series and alert, sorted by name.
    pub labels: Vec<(String, String)>,
    /// SLOs in source order.
    pub slos: Vec<Slo>,
}

/// A checked SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// Its name (the `slo` label).
    pub name: String,
    /// The name of its SLI.
    pub sli_name: String,
    /// How its error ratio is measured.
    pub sli: Sli,
    /// The target, e.g. 99.9%.
    pub target: Target,
    /// The SLO period.
    pub period: Duration,
    /// Labels the SLO is split by (`by = [route]`), in the order written;
    /// empty for one SLO over all series.
    pub by: Vec<String>,
    /// The name of the alert policy, if any.
    pub policy: Option<String>,
    /// The name of its burn-rate alerts: `alert = "…"` of its override or
    /// policy, else `ErrorBudgetBurn`.
    pub alert: String,
    /// One burn-rate alert per policy line, in policy order.
    pub alerts: Vec<Alert>,
    /// The severity of the alert for missing SLI data (`no_data`); `None`
    /// when the SLO has no such alert.
    pub no_data: Option<String>,
    /// Its own `labels`, on every series and alert of the SLO after the
    /// service's, sorted by name.
    pub labels: Vec<(String, String)>,
    /// Its `annotations`, on each of its alerts, sorted by name; one named
    /// as an annotation the compiler writes replaces it.
    pub annotations: Vec<(String, String)>,
}

/// How an SLI's error ratio is measured.
#[derive(Debug, Clone, PartialEq)]
pub enum Sli {
    /// Counters: bad (or good) events over all events.
    Ratio {
        /// What is counted against the total.
        events: Events,
        /// All events.
        total: Query,
    },
    /// A classic histogram: requests slower than the threshold are errors.
    /// Lowering selects its `_bucket` series at the threshold and its
    /// `_count` series.
    Latency {
        /// The histogram's base name, e.g. `http_request_duration_seconds`.
        name: String,
        /// Its matchers as written, without the braces (`job="api"`), or
        /// empty; text that may end in a comment ends with a line break.
        matchers: String,
        /// The threshold, a bucket boundary of the histogram.
        threshold: Duration,
    },
    /// A native histogram: requests slower than the threshold are errors.
    NativeLatency {
        /// The histogram's selector.
        histogram: String,
        /// The threshold.
        threshold: Duration,
    },
    /// A 0/1 series averaged over the window, such as `probe_success`.
    Gauge {
        /// The series that is 1 while good (or while bad).
        events: Events,
    },
}

/// The numerator of a ratio SLI.
#[derive(Debug, Clone, PartialEq)]
pub enum Events {
    /// Failed events.
    Bad(Query),
    /// Successful events.
    Good(Query),
}

/// One multi-window burn-rate alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The severity word (`page`, `ticket`, …).
    pub severity: String,
    /// The burn factor (derived from a budget share when written as `2%`).
    pub factor: Ratio,
    /// The long window.
    pub long: Duration,
    /// The short window.
    pub short: Duration,
    /// How long the condition must hold.
    pub for_: Option<Duration>,
    /// Labels the policy or override adds to the alerts of this severity,
    /// sorted by name.
    pub labels: Vec<(String, String)>,
    /// Annotations the policy or override adds to the alerts of this
    /// severity, sorted by name.
    pub annotations: Vec<(String, String)>,
}

impl Alert {
    /// The error ratio both windows must exceed: factor × budget.
    pub fn threshold(&self, budget: Ratio) -> Ratio {
        self.factor.mul(budget)
    }
}

/// What the caller knows about the program's files that the library, which
/// reads none, cannot see: the command line fills it in.
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    /// For a source, the `.slo` files in its directory that were not given,
    /// named as the user would name them.
    pub unread: Vec<(crate::diag::FileId, Vec<String>)>,
}

impl Surroundings {
    /// The `.slo` files beside `file` that were not given.
    pub fn unread(&self, file: crate::diag::FileId) -> &[String] {
        self.unread
            .iter()
            .find(|(f, _)| *f == file)
            .map_or(&[], |(_, names)| names)
    }
}

/// The name of burn-rate alerts whose policy names them nothing else.
pub const DEFAULT_ALERT: &str = "ErrorBudgetBurn";

/// A block of the language, for editors that complete its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind<'a> {
    /// `defaults { … }`
    Defaults,
    /// `service NAME { … }`
    Service,
    /// `slo NAME { … }`
    Slo,
    /// `sli NAME = KIND { … }`, with its kind as written.
    Sli(&'a str),
    /// `receiver NAME = KIND { … }`, with its kind as written.
    Receiver(&'a str),
    /// `notify { … }`: its timing keys (the rest are severities).
    Notify,
    /// `policy NAME { … }` or an override: its settings (the rest are lines).
    Policy,
}

/// The kinds of SLI, in the order the documentation gives them.
pub fn sli_kinds() -> impl Iterator<Item = &'static str> {
    sli::KINDS.iter().map(|(name, _)| *name)
}

/// The kinds of receiver.
pub fn receiver_kinds() -> impl Iterator<Item = &'static str> {
    notify::receiver_kinds().map(|(name, _)| name)
}

/// The keys a block takes, each with its example, as the checker reads
/// them: what an editor offers to complete. Empty for a kind that does not
/// exist.
pub fn keys(block: BlockKind<'_>) -> &'static [Key] {
    match block {
        BlockKind::Defaults => DEFAULTS_KEYS,
        BlockKind::Service => service::SERVICE_KEYS,
        BlockKind::Slo => service::SLO_KEYS,
        BlockKind::Sli(kind) => sli::KINDS
            .iter()
            .find(|(name, _)| *name == kind)
            .map_or(&[], |(_, keys)| *keys),
        BlockKind::Receiver(kind) => notify::receiver_kinds()
            .find(|(name, _)| *name == kind)
            .map_or(&[], |(_, keys)| keys),
        BlockKind::Notify => &notify::TIMING_KEYS,
        BlockKind::Policy => body::BODY_KEYS,
    }
}

/// The SLO period when neither the SLO nor `defaults` gives one.
pub const DEFAULT_PERIOD: Duration = Duration(30 * Duration::DAY);

const DEFAULTS_KEYS: &[Key] = &[
    Key {
        name: "window",
        kind: Kind::Duration,
        example: "`window = 30d`",
    },
    Key {
        name: "alerting",
        kind: Kind::Name,
        example: "`alerting = standard`",
    },
    notify::DEFAULTS_KEYS[0],
    notify::DEFAULTS_KEYS[1],
    notify::DEFAULTS_KEYS[2],
    notify::DEFAULTS_KEYS[3],
    notify::DEFAULTS_KEYS[4],
    Key {
        name: "retention",
        kind: Kind::Duration,
        example: "`retention = 45d`",
    },
    NO_DATA_KEY,
];

/// The severity of the alert for missing SLI data, or `none`; in `defaults`
/// and in an `slo`.
const NO_DATA_KEY: Key = Key {
    name: "no_data",
    kind: Kind::Name,
    example: "`no_data = ticket`",
};

/// Program-wide settings from `defaults`.
struct Defaults<'a> {
    window: Option<(Duration, Span)>,
    alerting: Option<(&'a str, Span)>,
    notify: notify::Settings<'a>,
    /// How long Prometheus keeps samples, when declared.
    retention: Option<(Duration, Span)>,
    /// The severity of the alert for missing SLI data, or `none`.
    no_data: Option<(&'a str, Span)>,
}

/// Checks a whole program. Returns `None` when any error was reported.
pub fn check(
    files: &[ast::File],
    surroundings: &Surroundings,
    diags: &mut Vec<Diag>,
) -> Option<Program> {
    let errors_before = count_errors(diags);
    let program = check_partly(files, surroundings, diags);
    (count_errors(diags) == errors_before).then_some(program)
}

/// Checks a program like [`check`], and returns what checked even when
/// something did not: the services without errors of their own, with the
/// routing when it checked. An editor shows figures from it while the user
/// is still fixing another part; nothing generates output from it.
pub fn check_partly(
    files: &[ast::File],
    surroundings: &Surroundings,
    diags: &mut Vec<Diag>,
) -> Program {
    let mut policies: BTreeMap<&str, &ast::Policy> = BTreeMap::new();
    let mut defaults: Vec<&ast::Block> = Vec::new();
    let mut services: BTreeMap<&str, &ast::Service> = BTreeMap::new();

    for item in files.iter().flat_map(|f| &f.items) {
        match item {
            ast::Item::Policy(p) => {
                if let Some(first) = policies.get(p.name.text.as_str()) {
                    diags.push(duplicate("policy", &p.name, first.name.span));
                } else {
                    policies.insert(&p.name.text, p);
                }
            }
            // `defaults` may be split over several blocks, e.g. one per file;
            // a key set in two of them is reported like a key set twice in one.
            ast::Item::Defaults(d) => defaults.push(d),
            ast::Item::Service(s) => {
                if let Some(first) = services.get(s.name.text.as_str()) {
                    diags.push(duplicate("service", &s.name, first.name.span));
                } else {
                    services.insert(&s.name.text, s);
                }
            }
            ast::Item::Receiver(_) | ast::Item::Notify(_) => {} // see `notify::check`
        }
    }

    // What each policy adds to its alerts, read once for all the SLOs
    // that use it.
    let mut extras: BTreeMap<&str, body::Extras> = BTreeMap::new();
    for p in policies.values() {
        policy::check_static(p, diags);
        body::drops_in_policy(p, diags);
        let lines: Vec<&ast::PolicyLine> = p.body.lines.iter().collect();
        let what = format!("policy `{}`", p.name.text);
        extras.insert(&p.name.text, body::extras(&p.body, &lines, &what, diags));
    }

    let default_settings: Vec<ast::Setting> = defaults
        .iter()
        .flat_map(|b| b.settings.iter().cloned())
        .collect();
    // Severities an alert may take: those of policy lines and those a
    // `notify` block routes.
    let severities: BTreeSet<&str> = policies
        .values()
        .flat_map(|p| p.body.lines.iter().map(|l| l.severity.text.as_str()))
        .chain(notify::routed_severities(files))
        .collect();
    let defaults = {
        let f = Fields::new(&default_settings, DEFAULTS_KEYS, "`defaults`", diags);
        Defaults {
            window: f.duration("window", diags),
            alerting: f.name("alerting", diags),
            notify: notify::settings(&f, diags),
            retention: f
                .duration("retention", diags)
                .filter(|&(r, span)| lints::check_retention(r, span, diags)),
            no_data: f
                .name("no_data", diags)
                .filter(|&(n, span)| no_data_known(n, span, &severities, diags)),
        }
    };
    let mut default_period = Some(DEFAULT_PERIOD);
    if let Some((w, span)) = defaults.window {
        default_period = policy::check_period(w, span, diags).then_some(w);
    }
    if let (Some(period), Some(retention)) = (default_period, defaults.retention) {
        // Without a `window` in `defaults`, SLOs inherit the implied 30d; the
        // warning then points at the retention.
        let span = defaults.window.map_or(retention.1, |(_, span)| span);
        lints::retention((period, span), retention, true, diags);
    }
    for p in policies.values() {
        lints::policy(p, default_period.unwrap_or(DEFAULT_PERIOD), diags);
    }

    let mut used_policies: BTreeSet<&str> = BTreeSet::new();
    if let Some((name, span)) = defaults.alerting {
        if name != "none" {
            if policies.contains_key(name) {
                used_policies.insert(name);
            } else {
                if let Some(c) = crate::diag::suggest::closest(name, policies.keys().copied()) {
                    used_policies.insert(c);
                }
                diags.push(unknown_policy(
                    name,
                    span,
                    &policies,
                    surroundings.unread(span.file),
                ));
            }
        }
    }

    // Services check independently (most of the time goes to parsing their
    // PromQL), so they are spread over the cores; what each one found is
    // merged in name order.
    let cx = service::Context {
        policies: &policies,
        extras: &extras,
        defaults: &defaults,
        surroundings,
        severities: &severities,
    };
    let service_list: Vec<&ast::Service> = services.values().copied().collect();
    let results = crate::par::map(&service_list, |s| {
        let mut used = BTreeSet::new();
        let mut found = Vec::new();
        let service = service::check(s, &cx, &mut used, &mut found);
        (service, used, found)
    });
    let mut checked = Vec::new();
    for (service, used, found) in results {
        used_policies.extend(used);
        diags.extend(found);
        checked.extend(service);
    }

    for (name, p) in &policies {
        if !used_policies.contains(name) {
            diags.push(
                Diag::new(
                    Code::UnusedPolicy,
                    p.name.span,
                    format!("policy `{name}` is never used"),
                )
                .label("no SLO uses this policy")
                .help(format!(
                    "use it with `alerting = {name}` in an `slo` or in `defaults`, or remove it"
                )),
            );
        }
    }

    let outputs = notify::check(
        files,
        &notify::Context {
            settings: &defaults.notify,
            policies: &policies,
            services: &services,
            used_policies: &used_policies,
            no_data: &no_data_severities(files),
        },
        diags,
    );

    Program {
        services: checked,
        grafana: outputs.grafana,
        routing: outputs.routing,
    }
}

/// Whether `no_data = name` names a severity some alert or route uses (or
/// `none`); reports it when not. A misspelt severity would otherwise be a new
/// one that no `notify` block routes.
fn no_data_known(
    name: &str,
    span: Span,
    severities: &BTreeSet<&str>,
    diags: &mut Vec<Diag>,
) -> bool {
    if name == "none" || severities.contains(name) {
        return true;
    }
    let help = match crate::diag::suggest::closest(name, severities.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None if severities.is_empty() => {
            "severities come from `policy` lines such as `ticket 1x over 3d/6h`; write `no_data = none` to turn the alert off".to_string()
        }
        None => format!(
            "use a severity the policies produce ({}) or route `{name}` in a `notify` block; `none` turns the alert off",
            severities
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    diags.push(
        Diag::new(
            Code::UnknownNoDataSeverity,
            span,
            format!("no policy or `notify` block uses severity `{name}`"),
        )
        .label("no policy line or `notify` route has this severity")
        .help(help)
        .fix(crate::diag::suggest::closest(
            name,
            severities.iter().copied(),
        )),
    );
    false
}

/// Every severity a `no_data` setting names, as written, for the `notify`
/// check: a block may route a severity only missing-data alerts have.
fn no_data_severities(files: &[ast::File]) -> BTreeSet<&str> {
    let slo_settings = files
        .iter()
        .flat_map(|f| &f.items)
        .flat_map(|item| match item {
            ast::Item::Defaults(d) => d.settings.iter().collect::<Vec<_>>(),
            ast::Item::Service(s) => s.slos.iter().flat_map(|slo| &slo.block.settings).collect(),
            _ => Vec::new(),
        });
    slo_settings
        .filter(|s| s.key.text == NO_DATA_KEY.name)
        .filter_map(|s| match &s.value.kind {
            ast::ValueKind::Name(n) if n != "none" => Some(n.as_str()),
            _ => None,
        })
        .collect()
}

fn count_errors(diags: &[Diag]) -> usize {
    diags
        .iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .count()
}

/// A second item named like an earlier one of its kind.
fn duplicate(what: &str, name: &ast::Name, first: Span) -> Diag {
    common::twice(
        common::Repeated::Name {
            what,
            name: &name.text,
        },
        name.span,
        first,
    )
}

/// `unread` are the `.slo` files beside the reference that were not given,
/// where the policy may well be defined.
fn unknown_policy(
    name: &str,
    span: Span,
    policies: &BTreeMap<&str, &ast::Policy>,
    unread: &[String],
) -> Diag {
    let mut candidates: Vec<&str> = policies.keys().copied().collect();
    candidates.push("none");
    let closest = crate::diag::suggest::closest(name, candidates.iter().copied());
    let typo = closest.is_some();
    let mut help = crate::diag::suggest::did_you_mean(name, candidates, "policy");
    // A close name is the likelier mistake; otherwise the policy may be in a
    // file that was not given.
    if let Some(files) = lints::unread_files(unread).filter(|_| !typo) {
        help = format!(
            "`{name}` may be defined in a file that was not given: {files}; check the files together ({help})"
        );
    }
    Diag::new(Code::UnknownName, span, format!("unknown policy `{name}`"))
        .label("no policy has this name")
        .help(help)
        .fix(closest)
}
