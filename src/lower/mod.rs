//! A checked program → the models the emitters write. Per service
//! ([`service`]): the rules IR (recording rules for error ratios and budget
//! series, burn-rate alerts with their `dashboard_url`, the alert for
//! missing SLI data in `absent.rs`, grouped per SLO) and the dashboard
//! pages (`dashboard.rs`). Per program ([`program`]): the overview
//! dashboard and the Alertmanager configuration (`alertmanager.rs`). And
//! the figures of the budget report (`report.rs`). With `--compat`, the
//! series and labels another tool's dashboards read too (`compat.rs`).
//!
//! Series names follow the convention users' dashboards already query
//! (`slo:sli_error:ratio_rate5m`, …); see the output contract in
//! `docs/architecture.md`.

mod absent;
pub mod alertmanager;
pub mod compat;
pub mod dashboard;
mod expr;
pub mod picture;
pub mod report;
pub mod template;

use crate::check::{Program, Service, Slo};
use crate::num::{self, Duration, Ratio};
use std::collections::BTreeSet;
use std::sync::Arc;

pub use compat::Compat;

/// Labels as an ordered list of name/value pairs (sorted by name).
pub type Labels = Vec<(String, String)>;

/// The rules of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFile {
    /// The service name, also the file name.
    pub service: String,
    /// Rule groups in a fixed order.
    pub groups: Vec<Group>,
}

/// A Prometheus rule group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Unique group name.
    pub name: String,
    /// Evaluation interval when it differs from the global one.
    pub interval: Option<Duration>,
    /// Rules, evaluated in order.
    pub rules: Vec<Rule>,
}

/// A recording or alerting rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// A recording rule.
    Record {
        /// The series name.
        record: String,
        /// The PromQL expression.
        expr: String,
        /// Labels set on the result; every recording rule of an SLO shares
        /// one list.
        labels: Arc<Labels>,
    },
    /// An alerting rule.
    Alert {
        /// The alert name.
        alert: String,
        /// The PromQL condition.
        expr: String,
        /// How long the condition must hold.
        for_: Option<Duration>,
        /// Labels of the alert.
        labels: Labels,
        /// Annotations of the alert.
        annotations: Labels,
    },
}

/// The name of every burn-rate alert; `service`, `slo` and `severity` tell them apart.
pub const ALERT_NAME: &str = crate::check::DEFAULT_ALERT;

pub use absent::{no_data_for, NO_DATA_ALERT};

/// How often the period-long rules are evaluated. A `rate` over the whole
/// period reads every sample of it, so evaluating it less often than the
/// default minute halves its cost; staying below the five-minute lookback
/// keeps the series free of gaps.
pub const PERIOD_INTERVAL: Duration = Duration(2 * Duration::MINUTE);

/// The window of the error and event rates each SLO records
/// ([`ERRORS_SERIES`], [`TOTAL_SERIES`]); every window longer than
/// [`RAW_LIMIT`] adds up these recorded rates instead of reading the SLI's
/// own series.
pub const BASE_WINDOW: Duration = Duration(5 * Duration::MINUTE);

/// The longest window whose error ratio is read from the SLI's own series.
/// Longer windows, and the period, add up [`BASE_WINDOW`] rates, so what
/// they cost depends on the SLO, not on how many series its SLI selects.
pub const RAW_LIMIT: Duration = Duration(Duration::HOUR);

/// The series of an SLO's errors per second over [`BASE_WINDOW`].
pub const ERRORS_SERIES: &str = "slo:sli_errors:rate5m";

/// The series of an SLO's events per second over [`BASE_WINDOW`].
pub const TOTAL_SERIES: &str = "slo:sli_total:rate5m";

/// How often the rules of an SLO's `sli` group are evaluated: the base
/// rates are recorded this often, so a long window holds one sample of them
/// per interval.
pub const SLI_INTERVAL: Duration = Duration(Duration::MINUTE);

/// How many samples' worth of events a sum of base rates over a window
/// lacks at its newest edge, and holds too many of at its oldest. Each
/// event is counted by every sample whose window holds it, `k =
/// BASE_WINDOW / SLI_INTERVAL` of them; an event of the last few minutes
/// only by the samples recorded since, on average `(k + 1) / 2`, while the
/// first `k - 1` samples of the window also count events from before it,
/// as many again. Adding `(k - 1) / 2` times the newest sample and taking
/// away as much of the sample one window back makes up both, as long as
/// traffic is steady within each edge's [`BASE_WINDOW`].
const EDGE: u64 = (BASE_WINDOW.0 / SLI_INTERVAL.0 - 1) / 2;

/// The label that tells the two parts of a long window's sum apart until
/// they are added up; no series of the output carries it.
pub const PART_LABEL: &str = "slo_sum_part";

// `(k - 1) / 2` is whole only for an odd `k`, and `k` only for a base
// window that is a whole number of intervals.
const _: () = assert!(
    BASE_WINDOW.0.is_multiple_of(SLI_INTERVAL.0)
        && !(BASE_WINDOW.0 / SLI_INTERVAL.0).is_multiple_of(2)
);

/// The window `slo:current_burn_rate:ratio` uses when an SLO has no alerts.
pub const DEFAULT_CURRENT_WINDOW: Duration = Duration(5 * Duration::MINUTE);

/// The series name of the error ratio over `window`.
pub fn ratio_series(window: Duration) -> String {
    format!("slo:sli_error:ratio_rate{window}")
}

/// Everything one service generates.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceOutput {
    /// Its rule file.
    pub rules: RuleFile,
    /// Its dashboard pages, none for a service without SLOs.
    pub pages: Vec<dashboard::PageModel>,
}

/// Lowers one service: its rule file and its dashboard pages. With
/// `grafana`, the base URL of Grafana from `defaults`, every alert links to
/// the dashboard page that shows its SLO (`dashboard_url`). Services lower
/// independently, so a caller may lower and emit them one at a time. With
/// `compat`, the rules also write what that tool's dashboards read.
pub fn service(s: &Service, grafana: Option<&str>, compat: Option<Compat>) -> ServiceOutput {
    let pages = dashboard::models(s);
    let dashboard = |index: usize| {
        let base = grafana?;
        let page = pages.iter().find(|p| p.page.slos.contains(&index))?;
        // Annotations are templates: the base URL is user text, and `{{`
        // in it must print, not run.
        Some(template::literal(&format!("{base}{}", page.page.path())).into_owned())
    };
    let rules = RuleFile {
        service: s.name.clone(),
        groups: s
            .slos
            .iter()
            .enumerate()
            .flat_map(|(i, slo)| slo_groups(s, slo, dashboard(i), compat))
            .collect(),
    };
    ServiceOutput { rules, pages }
}

/// What a program generates once, whatever its services: the overview
/// dashboard and, when it declares receivers, the Alertmanager
/// configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramOutput {
    /// The overview dashboard.
    pub overview: dashboard::OverviewModel,
    /// The Alertmanager configuration.
    pub alertmanager: Option<alertmanager::Config>,
}

/// Lowers what a program generates once ([`ProgramOutput`]).
pub fn program(program: &Program) -> ProgramOutput {
    ProgramOutput {
        overview: dashboard::overview(program),
        alertmanager: alertmanager::config(program),
    }
}

/// The labels every series of an SLO carries.
fn base_labels(service: &Service, slo: &Slo) -> Labels {
    let mut labels: Labels = vec![
        ("service".into(), service.name.clone()),
        ("slo".into(), slo.name.clone()),
    ];
    labels.extend(service.labels.iter().cloned());
    labels.extend(slo.labels.iter().cloned());
    labels.sort();
    labels
}

/// The matchers that select the series of an SLO: `{service="…", slo="…"}`.
pub fn selector(service: &Service, slo: &Slo) -> String {
    format!("{{service=\"{}\", slo=\"{}\"}}", service.name, slo.name)
}

/// The window `slo:current_burn_rate:ratio` is computed over: the shortest
/// window any alert uses.
pub fn current_window(slo: &Slo) -> Duration {
    slo.alerts
        .iter()
        .map(|a| a.short)
        .min()
        .unwrap_or(DEFAULT_CURRENT_WINDOW)
}

/// Every window an SLO records an error ratio for, besides its period.
pub fn windows(slo: &Slo) -> Vec<Duration> {
    let mut set: BTreeSet<Duration> = slo.alerts.iter().flat_map(|a| [a.short, a.long]).collect();
    set.insert(current_window(slo));
    set.remove(&slo.period);
    set.into_iter().collect()
}

fn slo_groups(
    service: &Service,
    slo: &Slo,
    dashboard: Option<String>,
    compat: Option<Compat>,
) -> Vec<Group> {
    let sloth = compat == Some(Compat::Sloth);
    let mut labels = base_labels(service, slo);
    if sloth {
        labels.extend(compat::sloth_labels(service, slo));
        labels.sort();
    }
    let labels = Arc::new(labels);
    let budget = slo.target.budget().to_string();
    let own = selector(service, slo);
    let prefix = format!("slo:{}:{}", service.name, slo.name);
    let record = |name: String, expr: String| Rule::Record {
        record: name,
        expr,
        labels: Arc::clone(&labels),
    };

    // An error ratio over a window; Sloth names the window in a label.
    let record_ratio = |window: Duration, expr: String| {
        if !sloth {
            return record(ratio_series(window), expr);
        }
        let mut own = labels.as_ref().clone();
        own.push(("sloth_window".into(), window.to_string()));
        own.sort();
        Rule::Record {
            record: ratio_series(window),
            expr,
            labels: Arc::new(own),
        }
    };

    let ratio = expr::error_ratio(&slo.sli, &slo.by);
    let counts = expr::counts(&slo.sli, &slo.by);
    let ratio_over = |window: Duration| {
        if window == BASE_WINDOW {
            format!("{ERRORS_SERIES}{own}\n/\n{TOTAL_SERIES}{own}")
        } else if window <= RAW_LIMIT {
            expr::over(&ratio, window)
        } else {
            // The sum over the window, with the edges made up ([`EDGE`]).
            // Each edge term exists only while its sample does, so a value
            // whose traffic stopped keeps its sum: `or` keeps the three
            // parts apart by their `PART_LABEL`, and `sum` adds them up.
            let sum = |series: &str| {
                format!(
                    "sum without ({PART_LABEL}) (\n  sum_over_time({series}{own}[{window}])\n  or\n  label_replace({EDGE} * {series}{own}, \"{PART_LABEL}\", \"newest\", \"\", \"\")\n  or\n  label_replace(-{EDGE} * {series}{own} offset {window}, \"{PART_LABEL}\", \"oldest\", \"\", \"\")\n)"
                )
            };
            format!("{}\n/\n{}", sum(ERRORS_SERIES), sum(TOTAL_SERIES))
        }
    };
    let mut sli_rules = vec![
        record(
            ERRORS_SERIES.into(),
            expr::over(&counts.errors, BASE_WINDOW),
        ),
        record(TOTAL_SERIES.into(), expr::over(&counts.total, BASE_WINDOW)),
    ];
    let mut recorded = windows(slo);
    if sloth {
        recorded.extend(compat::SLOTH_WINDOWS.iter().filter(|w| **w != slo.period));
        recorded.sort();
        recorded.dedup();
    }
    sli_rules.extend(recorded.into_iter().map(|w| record_ratio(w, ratio_over(w))));
    sli_rules.push(record(
        "slo:current_burn_rate:ratio".into(),
        format!("{}{own} / {budget}", ratio_series(current_window(slo))),
    ));

    let period_rules = vec![
        record_ratio(slo.period, ratio_over(slo.period)),
        record(
            "slo:period_burn_rate:ratio".into(),
            format!("{}{own} / {budget}", ratio_series(slo.period)),
        ),
        record(
            "slo:period_error_budget_remaining:ratio".into(),
            format!("1 - slo:period_burn_rate:ratio{own}"),
        ),
    ];

    let mut meta_rules = vec![
        record(
            "slo:objective:ratio".into(),
            format!("vector({})", slo.target.ratio()),
        ),
        record("slo:error_budget:ratio".into(), format!("vector({budget})")),
        record(
            "slo:time_period:days".into(),
            format!("vector({})", slo.period.days()),
        ),
    ];

    if sloth {
        let mut info = labels.as_ref().clone();
        info.extend(compat::sloth_info(slo));
        info.sort();
        meta_rules.push(Rule::Record {
            record: compat::SLOTH_INFO.into(),
            expr: "vector(1)".into(),
            labels: Arc::new(info),
        });
    }

    let mut groups = vec![
        Group {
            name: format!("{prefix}:sli"),
            interval: Some(SLI_INTERVAL),
            rules: sli_rules,
        },
        Group {
            name: format!("{prefix}:period"),
            interval: Some(PERIOD_INTERVAL),
            rules: period_rules,
        },
        Group {
            name: format!("{prefix}:meta"),
            interval: None,
            rules: meta_rules,
        },
    ];
    if !slo.alerts.is_empty() || slo.no_data.is_some() {
        let alerting = Alerting::new(service, slo, &own, &labels, dashboard, sloth);
        let mut rules: Vec<Rule> = slo.alerts.iter().map(|a| alerting.alert(a)).collect();
        rules.extend(slo.no_data.as_deref().map(|s| alerting.no_data(s)));
        groups.push(Group {
            name: format!("{prefix}:alerts"),
            interval: None,
            rules,
        });
    }
    groups
}

/// What every alert of an SLO has in common, worked out once per SLO.
struct Alerting<'a> {
    service: &'a Service,
    slo: &'a Slo,
    /// `{service="…", slo="…"}`.
    own: &'a str,
    /// The SLO's labels and the team, ready for a template.
    labels: Labels,
    /// ` (route={{ $labels.route }})` for a per-label SLO, else empty.
    which: String,
    /// The runbook, ready for a template.
    runbook: Option<String>,
    /// The URL of the SLO's dashboard, ready for a template.
    dashboard: Option<String>,
    /// Whether alerts carry Sloth's `sloth_severity` too.
    sloth: bool,
}

impl<'a> Alerting<'a> {
    fn new(
        service: &'a Service,
        slo: &'a Slo,
        own: &'a str,
        labels: &Labels,
        dashboard: Option<String>,
        sloth: bool,
    ) -> Alerting<'a> {
        let mut labels = labels.clone();
        if let Some(team) = &service.team {
            labels.push(("team".into(), team.clone()));
        }
        // Alert labels are expanded as templates; user values must stay as
        // written.
        for (_, value) in &mut labels {
            if let std::borrow::Cow::Owned(escaped) = template::literal(value) {
                *value = escaped;
            }
        }
        // A per-label SLO alerts once per label value; say which value.
        let which = if slo.by.is_empty() {
            String::new()
        } else {
            let values: Vec<String> = slo
                .by
                .iter()
                .map(|l| format!("{l}={{{{ $labels.{l} }}}}"))
                .collect();
            format!(" ({})", values.join(", "))
        };
        Alerting {
            service,
            slo,
            own,
            labels,
            which,
            runbook: service
                .runbook
                .as_deref()
                .map(|r| template::literal(r).into_owned()),
            dashboard,
            sloth,
        }
    }

    /// The links every alert of the SLO carries (its runbook and its
    /// dashboard, when there are), then the SLO's own annotations, which
    /// replace the compiler's of the same name; on the alert for missing
    /// data (`burn` false), all but `summary` and `description`, which say
    /// what that alert means. User text stays as written.
    fn links(&self, annotations: &mut Labels, burn: bool) {
        if let Some(runbook) = &self.runbook {
            annotations.push(("runbook_url".into(), runbook.clone()));
        }
        if let Some(dashboard) = &self.dashboard {
            annotations.push(("dashboard_url".into(), dashboard.clone()));
        }
        let own: Vec<&(String, String)> = self
            .slo
            .annotations
            .iter()
            .filter(|(name, _)| burn || !matches!(name.as_str(), "summary" | "description"))
            .collect();
        annotations.retain(|(name, _)| !own.iter().any(|(n, _)| n == name));
        annotations.extend(
            own.iter()
                .map(|(n, v)| (n.clone(), template::literal(v).into_owned())),
        );
    }

    /// The alerting rule of one policy line.
    fn alert(&self, a: &crate::check::Alert) -> Rule {
        let (service, slo, which) = (self.service, self.slo, &self.which);
        let threshold = a.threshold(slo.target.budget());
        let above = format!("{} > {threshold}", self.own);
        let (long, short) = (ratio_series(a.long), ratio_series(a.short));
        let expr = if self.sloth {
            // Sloth's labels name each ratio's window: the two windows
            // match without it, and the alert does not carry it, as
            // Sloth's own alerts do not.
            format!(
                "max without (sloth_window) (\n  {long}{above}\n  and ignoring (sloth_window)\n  {short}{above}\n)"
            )
        } else {
            format!("{long}{above}\nand\n{short}{above}")
        };
        let mut labels = self.labels.clone();
        labels.push((
            "severity".into(),
            template::literal(&a.severity).into_owned(),
        ));
        if self.sloth {
            let severity = compat::sloth_severity(slo, &a.severity);
            labels.push(("sloth_severity".into(), severity.into()));
        }
        labels.push(("long_window".into(), a.long.to_string()));
        labels.push(("short_window".into(), a.short.to_string()));
        // The checker keeps these apart from the labels above.
        labels.extend(
            a.labels
                .iter()
                .map(|(n, v)| (n.clone(), template::literal(v).into_owned())),
        );
        labels.sort();

        // At factor f the whole budget lasts period / f.
        let exhaustion = slo.period.ratio().div(a.factor).map(|ms| ms.to_f64());
        let mut annotations: Labels = vec![
            (
                "summary".into(),
                format!(
                    "{} {}{which}: error budget burning {}x too fast",
                    service.name, slo.name, a.factor
                ),
            ),
            (
                "description".into(),
                format!(
                    "The error ratio of SLO {slo_name}{which} of service {svc} is above {thr}% over both the last {long} and {short} ({{{{ $value | humanizePercentage }}}} over {long}). The target is {target} over {period}; at {factor}x the whole error budget is spent in {left}.",
                    slo_name = slo.name,
                    svc = service.name,
                    thr = percent(threshold),
                    long = a.long,
                    short = a.short,
                    target = slo.target,
                    period = slo.period,
                    factor = a.factor,
                    left = exhaustion.map_or_else(|| "∞".to_string(), num::human_duration),
                ),
            ),
        ];
        self.links(&mut annotations, true);
        // Those of the alert's severity are the most specific: they win.
        annotations.retain(|(name, _)| !a.annotations.iter().any(|(n, _)| n == name));
        annotations.extend(
            a.annotations
                .iter()
                .map(|(n, v)| (n.clone(), template::literal(v).into_owned())),
        );
        annotations.sort();
        Rule::Alert {
            alert: slo.alert.clone(),
            expr,
            for_: a.for_,
            labels,
            annotations,
        }
    }
}

/// A ratio in percent: 0.999 → 99.9.
fn percent(r: Ratio) -> Ratio {
    r.mul(Ratio::int(100))
}
