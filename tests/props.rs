//! Property tests of the library pipeline (`slo::check`, `slo::compile`).
//!
//! - A valid program with a few random edits never panics the library
//!   (arbitrary text and token soups go through the same harness,
//!   `support::pipeline`, in `tests/robustness.rs`).
//! - Randomly generated valid programs (several files, policies shared by
//!   SLOs, defaults, ratio and latency SLIs, odd spellings, comments) check
//!   without errors and compile deterministically, whatever the order of the
//!   files; every rule file of every case then goes through ONE
//!   `promtool check rules --lint=all --lint-fatal` run. Without promtool on
//!   `PATH` that last step is skipped with a loud warning, unless `CI` is set.

mod support;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use slo::diag::render::{self, Style};
use slo::diag::{Severity, Sources};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::pipeline::{edit, mutate};

// ---------------------------------------------------------------------------
// Generated programs with a few edits never panic (`support::pipeline`
// checks the rest of what holds whatever the input).

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    #[test]
    fn edited_programs_never_panic(
        program in program(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let mut files = program.files;
        for (i, edit) in edits.iter().enumerate() {
            let f = i % files.len();
            files[f] = mutate(&files[f], std::slice::from_ref(edit));
        }
        support::pipeline::run(&files);
    }
}

// ---------------------------------------------------------------------------
// A generator of valid programs.

/// Alert windows, as spelled, with their length in seconds; sorted by length.
/// None is longer than the shortest period, so `long ≤ period` always holds
/// (and `7d` against a `7d` period tests the boundary).
const WINDOWS: &[(&str, u64)] = &[
    ("45s", 45),
    ("1m", 60),
    ("5m", 300),
    ("10m", 600),
    ("30m", 1_800),
    ("1h", 3_600),
    ("90m", 5_400),
    ("1h30m", 5_400),
    ("2h", 7_200),
    ("6h", 21_600),
    ("12h", 43_200),
    ("1d", 86_400),
    ("1.5d", 129_600),
    ("3d", 259_200),
    ("1w", 604_800),
    ("7d", 604_800),
];

/// SLO periods, as spelled, in seconds.
const PERIODS: &[(&str, u64)] = &[
    ("7d", 604_800),
    ("1w", 604_800),
    ("14d", 1_209_600),
    ("28d", 2_419_200),
    ("4w", 2_419_200),
    ("30d", 2_592_000),
    ("720h", 2_592_000),
    ("90d", 7_776_000),
];

/// The period of an SLO that sets none, anywhere.
const DEFAULT_PERIOD: u64 = 2_592_000;

/// `for` durations.
const FORS: &[&str] = &["0s", "500ms", "1m", "2m", "15m", "1h", "1h30m"];

/// Latency thresholds.
const THRESHOLDS: &[&str] = &[
    "100ms", "250ms", "300ms", "0.5s", "1s", "1500ms", "2.5s", "10s",
];

/// Characters of generated strings: escapes, braces, quotes, non-ASCII.
const STRING_CHARS: &[char] = &[
    'a', 'b', 'Z', '0', '9', ' ', '"', '\\', '\n', '\t', '{', '}', '$', '\'', ':', '#', '/', '%',
    'é', '🙂', '-', '.', '`', '|',
];

/// A generated program: the text of each of its files.
#[derive(Debug, Clone)]
struct Program {
    files: Vec<String>,
    /// Service names.
    services: Vec<String>,
}

#[derive(Debug, Clone)]
enum Burn {
    /// A factor in tenths: 144 is `14.4x`.
    Factor(u64),
    /// A budget share in tenths of a percent: 20 is `2%`.
    Share(u64),
}

#[derive(Debug, Clone)]
struct Line {
    severity: String,
    burn: Burn,
    long: usize,
    short: usize,
    for_: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Policy {
    name: String,
    lines: Vec<Line>,
}

/// Which policy an SLO or `defaults` names.
#[derive(Debug, Clone, Copy)]
enum Alerting {
    None,
    Policy(usize),
}

#[derive(Debug, Clone)]
struct Defaults {
    window: Option<usize>,
    alerting: Option<Alerting>,
}

#[derive(Debug, Clone)]
enum Query {
    Selector,
    Rate,
    Increase,
    OrZero,
}

#[derive(Debug, Clone)]
struct Matcher {
    label: &'static str,
    op: &'static str,
    value: &'static str,
}

#[derive(Debug, Clone)]
enum SliKind {
    Ratio {
        good: bool,
        /// The numerator is another metric (else the same one, narrowed).
        other_metric: bool,
        query: Query,
        matchers: Vec<Matcher>,
    },
    Latency {
        threshold: &'static str,
        matchers: Vec<Matcher>,
    },
}

#[derive(Debug, Clone)]
struct Sli {
    name: String,
    metric: String,
    kind: SliKind,
}

#[derive(Debug, Clone)]
struct Slo {
    name: String,
    sli: Index,
    /// The target in basis points: 9990 is `99.9%`.
    target: u64,
    /// Spell the target with trailing zeros (`99.90%`).
    padded: bool,
    window: Option<usize>,
    /// `None`: inherit from `defaults`.
    alerting: Option<Alerting>,
}

#[derive(Debug, Clone)]
struct Service {
    name: String,
    team: Option<String>,
    runbook: Option<String>,
    labels: Vec<(String, String)>,
    slis: Vec<Sli>,
    slos: Vec<Slo>,
    /// A permutation key per entry: settings, labels, SLIs and SLOs mixed.
    order: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Model {
    policies: Vec<Policy>,
    defaults: Option<Defaults>,
    services: Vec<Service>,
    /// How many files, and which file each item goes to.
    files: usize,
    placement: Vec<Index>,
    /// Separators used in turn while rendering.
    blanks: Vec<&'static str>,
    gaps: Vec<&'static str>,
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_-]{0,10}".prop_filter("a keyword", |n| {
        !slo::syntax::KEYWORDS.contains(&n.as_str())
    })
}

/// A string value: team, runbook or label value. Template braces are among
/// its characters on purpose: the compiler must escape them.
fn string() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(STRING_CHARS), 0..12).prop_map(String::from_iter)
}

fn label_name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_filter("reserved", |n| {
        !n.starts_with("__") && !slo::check::RESERVED_LABELS.contains(&n.as_str())
    })
}

fn matchers(latency: bool) -> impl Strategy<Value = Vec<Matcher>> {
    let labels: &'static [&'static str] = if latency {
        &["job", "instance", "route", "env"]
    } else {
        &["job", "instance", "route", "env", "method"]
    };
    prop::collection::vec(
        (
            prop::sample::select(labels),
            prop::sample::select(&["=", "!=", "=~", "!~"][..]),
            prop::sample::select(&["checkout", "api", "", "a.b", "api.*", "2..|3..", "[a-z]+"][..]),
        )
            .prop_map(|(label, op, value)| Matcher { label, op, value }),
        0..3,
    )
}

fn sli() -> impl Strategy<Value = Sli> {
    let ratio = (
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            3 => Just(Query::Selector),
            1 => Just(Query::Rate),
            1 => Just(Query::Increase),
            1 => Just(Query::OrZero),
        ],
        matchers(false),
    )
        .prop_map(|(good, other_metric, query, matchers)| SliKind::Ratio {
            good,
            other_metric,
            query,
            matchers,
        });
    let latency =
        (prop::sample::select(THRESHOLDS), matchers(true)).prop_map(|(threshold, matchers)| {
            SliKind::Latency {
                threshold,
                matchers,
            }
        });
    (
        name(),
        "[a-z_:][a-z0-9_:]{0,8}",
        prop_oneof![2 => ratio, 1 => latency],
    )
        .prop_map(|(name, metric, kind)| Sli { name, metric, kind })
}

fn alerting() -> impl Strategy<Value = Alerting> {
    prop_oneof![1 => Just(Alerting::None), 3 => any::<usize>().prop_map(Alerting::Policy)]
}

fn slo() -> impl Strategy<Value = Slo> {
    (
        name(),
        any::<Index>(),
        9000u64..=9999,
        any::<bool>(),
        prop::option::of(0..PERIODS.len()),
        prop::option::of(alerting()),
    )
        .prop_map(|(name, sli, target, padded, window, alerting)| Slo {
            name,
            sli,
            target,
            padded,
            window,
            alerting,
        })
}

fn service() -> impl Strategy<Value = Service> {
    (
        name(),
        prop::option::of(string()),
        prop::option::of(string()),
        prop::collection::vec((label_name(), string()), 0..3),
        prop::collection::vec(sli(), 1..4),
        prop::collection::vec(slo(), 1..4),
        prop::collection::vec(any::<u8>(), 16),
    )
        .prop_map(|(name, team, runbook, labels, slis, slos, order)| Service {
            name,
            team,
            runbook,
            labels,
            slis,
            slos,
            order,
        })
}

fn line() -> impl Strategy<Value = Line> {
    (
        name(),
        prop_oneof![
            6 => (1u64..=1000).prop_map(Burn::Factor),
            2 => (1u64..=100).prop_map(Burn::Share),
            1 => (1u64..=1000).prop_map(Burn::Share),
        ],
        1..WINDOWS.len(),
        any::<Index>(),
        prop::option::of(prop::sample::select(FORS)),
    )
        .prop_map(|(severity, burn, long, short, for_)| {
            // A strictly shorter short window.
            let shorter = WINDOWS
                .iter()
                .take_while(|(_, s)| *s < WINDOWS[long].1)
                .count();
            Line {
                severity,
                burn,
                long,
                short: short.index(shorter),
                for_,
            }
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (name(), prop::collection::vec(line(), 0..5)).prop_map(|(name, lines)| Policy { name, lines })
}

fn model() -> impl Strategy<Value = Model> {
    (
        prop::collection::vec(policy(), 0..3),
        prop::option::of(
            (
                prop::option::of(0..PERIODS.len()),
                prop::option::of(alerting()),
            )
                .prop_map(|(window, alerting)| Defaults { window, alerting }),
        ),
        prop::collection::vec(service(), 1..4),
        1usize..=3,
        prop::collection::vec(any::<Index>(), 8),
        prop::collection::vec(
            prop::sample::select(
                &[
                    " ",
                    " ",
                    " ",
                    "  ",
                    "\n",
                    "\n\n  ",
                    "\t",
                    " # a comment\n",
                    "\n# {x} = `y`\n",
                ][..],
            ),
            1..12,
        ),
        prop::collection::vec(prop::sample::select(&["", "", " ", "\n", "\t "][..]), 1..12),
    )
        .prop_map(
            |(policies, defaults, services, files, placement, blanks, gaps)| Model {
                policies,
                defaults,
                services,
                files,
                placement,
                blanks,
                gaps,
            },
        )
}

/// Makes names unique where they must be.
fn unique(names: impl Iterator<Item = String>, taken: &mut BTreeSet<String>) -> Vec<String> {
    names
        .enumerate()
        .map(|(i, name)| {
            let mut name = name;
            while !taken.insert(name.clone()) {
                name = format!("{name}_{i}");
            }
            name
        })
        .collect()
}

impl Model {
    /// Makes the model valid: unique names, references that resolve, and
    /// burn rates every SLO using a policy can reach.
    fn repair(mut self) -> Model {
        // `none` means "no policy" in `alerting = …`.
        let mut taken: BTreeSet<String> = ["none".to_string()].into();
        let names = unique(self.policies.iter().map(|p| p.name.clone()), &mut taken);
        for (p, name) in self.policies.iter_mut().zip(names) {
            p.name = name;
        }
        let n_policies = self.policies.len();
        let fix = |a: Alerting| match a {
            Alerting::Policy(i) if n_policies > 0 => Alerting::Policy(i % n_policies),
            _ => Alerting::None,
        };
        if let Some(d) = &mut self.defaults {
            d.alerting = d.alerting.map(fix);
        }
        let default_window = self.defaults.as_ref().and_then(|d| d.window);
        let default_alerting = self.defaults.as_ref().and_then(|d| d.alerting);

        let names = unique(
            self.services.iter().map(|s| s.name.clone()),
            &mut BTreeSet::new(),
        );
        // Per policy: the (budget in basis points, period in seconds) of every user.
        let mut users: BTreeMap<usize, Vec<(u64, u64)>> = BTreeMap::new();
        for (s, name) in self.services.iter_mut().zip(names) {
            s.name = name;
            let names = unique(s.slis.iter().map(|x| x.name.clone()), &mut BTreeSet::new());
            for (sli, name) in s.slis.iter_mut().zip(names) {
                sli.name = name;
            }
            let names = unique(s.slos.iter().map(|x| x.name.clone()), &mut BTreeSet::new());
            let mut label_names = BTreeSet::new();
            s.labels.retain(|(k, _)| label_names.insert(k.clone()));
            for (slo, name) in s.slos.iter_mut().zip(names) {
                slo.name = name;
                slo.alerting = slo.alerting.map(fix);
                let period = slo
                    .window
                    .or(default_window)
                    .map_or(DEFAULT_PERIOD, |w| PERIODS[w].1);
                if let Some(Alerting::Policy(p)) = slo.alerting.or(default_alerting) {
                    users
                        .entry(p)
                        .or_default()
                        .push((10_000 - slo.target, period));
                }
            }
        }
        for (p, users) in users {
            for line in &mut self.policies[p].lines {
                let long = WINDOWS[line.long].1;
                // factor × budget < 1 for every user, in integers.
                let fires = |&(budget, period): &(u64, u64)| match line.burn {
                    Burn::Factor(f) => f * budget < 100_000,
                    Burn::Share(s) => {
                        u128::from(s) * u128::from(period) * u128::from(budget)
                            < 10_000_000 * u128::from(long)
                    }
                };
                if !users.iter().all(fires) {
                    let max_budget = users.iter().map(|u| u.0).max().unwrap_or(1);
                    line.burn = Burn::Factor(99_999 / max_budget);
                }
            }
        }
        self
    }

    fn render(&self) -> Program {
        let mut r = Render {
            blanks: &self.blanks,
            gaps: &self.gaps,
            next_blank: 0,
            next_gap: 0,
        };
        let mut items: Vec<String> = Vec::new();
        for p in &self.policies {
            items.push(r.policy(p));
        }
        if let Some(d) = &self.defaults {
            items.push(r.defaults(d, &self.policies));
        }
        for s in &self.services {
            items.push(r.service(s, &self.policies));
        }
        let mut files = vec![String::new(); self.files];
        for (i, item) in items.into_iter().enumerate() {
            let f = self.placement[i % self.placement.len()].index(self.files);
            files[f].push_str(&item);
            files[f].push_str(r.blank());
        }
        let services = self.services.iter().map(|s| s.name.clone()).collect();
        Program { files, services }
    }
}

/// Renders a model with varied blanks.
struct Render<'a> {
    /// Separators of at least one blank.
    blanks: &'a [&'static str],
    /// Separators that may be empty.
    gaps: &'a [&'static str],
    next_blank: usize,
    next_gap: usize,
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

fn tenths(n: u64) -> String {
    if n.is_multiple_of(10) {
        format!("{}", n / 10)
    } else {
        format!("{}.{}", n / 10, n % 10)
    }
}

fn target(slo: &Slo) -> String {
    let (int, frac) = (slo.target / 100, slo.target % 100);
    match (frac, slo.padded) {
        (0, false) => format!("{int}%"),
        (0, true) => format!("{int}.0%"),
        (f, false) if f % 10 == 0 => format!("{int}.{}%", f / 10),
        (f, _) => format!("{int}.{f:02}%"),
    }
}

fn selector(metric: &str, matchers: &[Matcher], extra: Option<&str>) -> String {
    let mut parts: Vec<String> = matchers
        .iter()
        .map(|m| format!("{}{}\"{}\"", m.label, m.op, m.value))
        .collect();
    parts.extend(extra.map(str::to_string));
    if parts.is_empty() {
        metric.to_string()
    } else {
        format!("{metric}{{{}}}", parts.join(", "))
    }
}

impl Render<'_> {
    fn blank(&mut self) -> &'static str {
        self.next_blank += 1;
        self.blanks[self.next_blank % self.blanks.len()]
    }

    fn gap(&mut self) -> &'static str {
        self.next_gap += 1;
        self.gaps[self.next_gap % self.gaps.len()]
    }

    /// `key = value`, with blanks around.
    fn setting(&mut self, key: &str, value: &str) -> String {
        let (a, b, c) = (self.gap(), self.gap(), self.blank());
        format!("{key}{a}={b}{value}{c}")
    }

    fn policy(&mut self, p: &Policy) -> String {
        let mut out = format!(
            "policy{}{}{}{{{}",
            self.blank(),
            p.name,
            self.gap(),
            self.blank()
        );
        for line in &p.lines {
            let burn = match line.burn {
                Burn::Factor(f) => format!("{}x", tenths(f)),
                Burn::Share(s) => format!("{}%", tenths(s)),
            };
            let _ = write!(
                out,
                "{}{}{}{}over{}{}{}/{}{}",
                line.severity,
                self.blank(),
                burn,
                self.blank(),
                self.blank(),
                WINDOWS[line.long].0,
                self.gap(),
                self.gap(),
                WINDOWS[line.short].0,
            );
            if let Some(f) = line.for_ {
                let _ = write!(out, "{}for{}{f}", self.blank(), self.blank());
            }
            out.push_str(self.blank());
        }
        out.push('}');
        out
    }

    fn alerting(a: Alerting, policies: &[Policy]) -> &str {
        match a {
            Alerting::None => "none",
            Alerting::Policy(i) => &policies[i].name,
        }
    }

    fn defaults(&mut self, d: &Defaults, policies: &[Policy]) -> String {
        let mut out = format!("defaults{}{{{}", self.gap(), self.gap());
        if let Some(w) = d.window {
            out += &self.setting("window", PERIODS[w].0);
        }
        if let Some(a) = d.alerting {
            out += &self.setting("alerting", Self::alerting(a, policies));
        }
        out.push('}');
        out
    }

    fn service(&mut self, s: &Service, policies: &[Policy]) -> String {
        let mut entries: Vec<String> = Vec::new();
        if let Some(team) = &s.team {
            entries.push(self.setting("team", &format!("\"{}\"", escape(team))));
        }
        if let Some(runbook) = &s.runbook {
            entries.push(self.setting("runbook", &format!("\"{}\"", escape(runbook))));
        }
        if !s.labels.is_empty() {
            let mut block = format!("labels{}{{{}", self.gap(), self.gap());
            for (k, v) in &s.labels {
                block += &self.setting(k, &format!("\"{}\"", escape(v)));
            }
            block.push('}');
            entries.push(block);
        }
        for sli in &s.slis {
            entries.push(self.sli(sli));
        }
        for slo in &s.slos {
            let sli = &s.slis[slo.sli.index(s.slis.len())].name;
            entries.push(self.slo(slo, sli, policies));
        }
        let mut keyed: Vec<(u8, usize, String)> = entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| (s.order[i % s.order.len()], i, e))
            .collect();
        keyed.sort();
        let mut out = format!(
            "service{}{}{}{{{}",
            self.blank(),
            s.name,
            self.gap(),
            self.gap()
        );
        for (_, _, e) in keyed {
            out += &e;
            out += self.blank();
        }
        out.push('}');
        out
    }

    fn sli(&mut self, sli: &Sli) -> String {
        let (kind, settings) = match &sli.kind {
            SliKind::Ratio {
                good,
                other_metric,
                query,
                matchers,
            } => {
                let total_metric = format!("{}_requests_total", sli.metric);
                let total = selector(&total_metric, matchers, None);
                let numerator = if *other_metric {
                    let suffix = if *good { "ok" } else { "errors" };
                    selector(&format!("{}_{suffix}_total", sli.metric), matchers, None)
                } else if *good {
                    selector(&total_metric, matchers, Some("code!~\"5..\""))
                } else {
                    selector(&total_metric, matchers, Some("code=~\"5..\""))
                };
                let wrap = |sel: &str| match query {
                    Query::Selector => sel.to_string(),
                    Query::Rate => format!("sum(rate({sel}[$window]))"),
                    Query::Increase => format!("sum by () (increase({sel}[$window]))"),
                    Query::OrZero => format!("(sum(rate({sel}[$window])) or vector(0))"),
                };
                let key = if *good { "good" } else { "bad" };
                let mut settings = vec![
                    self.setting(key, &format!("`{}`", wrap(&numerator))),
                    self.setting("total", &format!("`{}`", wrap(&total))),
                ];
                if *good {
                    settings.reverse();
                }
                ("ratio", settings)
            }
            SliKind::Latency {
                threshold,
                matchers,
            } => {
                let histogram = selector(&format!("{}_seconds", sli.metric), matchers, None);
                let settings = vec![
                    self.setting("histogram", &format!("`{histogram}`")),
                    self.setting("threshold", threshold),
                ];
                ("latency", settings)
            }
        };
        format!(
            "sli{}{}{}={}{kind}{}{{{}{}}}",
            self.blank(),
            sli.name,
            self.gap(),
            self.gap(),
            self.gap(),
            self.gap(),
            settings.concat()
        )
    }

    fn slo(&mut self, slo: &Slo, sli: &str, policies: &[Policy]) -> String {
        let mut out = format!(
            "slo{}{}{}{{{}",
            self.blank(),
            slo.name,
            self.gap(),
            self.gap()
        );
        out += &self.setting("sli", sli);
        out += &self.setting("target", &target(slo));
        if let Some(w) = slo.window {
            out += &self.setting("window", PERIODS[w].0);
        }
        if let Some(a) = slo.alerting {
            out += &self.setting("alerting", Self::alerting(a, policies));
        }
        out.push('}');
        out
    }
}

fn program() -> impl Strategy<Value = Program> {
    model().prop_map(|m| m.repair().render())
}

// ---------------------------------------------------------------------------
// Generated valid programs compile, and promtool accepts every rule file.

fn promtool() -> Option<PathBuf> {
    support::tool("promtool")
}

fn sources_of(files: &[String], order: impl Iterator<Item = usize>) -> Sources {
    let mut sources = Sources::new();
    for i in order {
        sources.add(format!("f{i}.slo"), files[i].as_str());
    }
    sources
}

fn show(files: &[String]) -> String {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| format!("--- f{i}.slo ---\n{f}\n"))
        .collect()
}

/// Checks and compiles one generated program; writes its rule files and
/// sources under `dir`.
fn compile_case(program: &Program, dir: &Path) -> Result<Vec<PathBuf>, TestCaseError> {
    let n = program.files.len();
    let sources = sources_of(&program.files, 0..n);
    let checked = slo::check(&sources);
    let errors: Vec<String> = checked
        .diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| render::human(d, &sources, Style::default()))
        .collect();
    prop_assert!(
        errors.is_empty(),
        "a valid program has errors:\n{}\n{}",
        errors.join("\n"),
        show(&program.files)
    );
    let Some(checked_program) = checked.program else {
        return Err(TestCaseError::fail(format!(
            "no program and no error\n{}",
            show(&program.files)
        )));
    };
    let out = slo::compile(&checked_program);

    // One rule file per service (beside the dashboards).
    let paths: Vec<&str> = out
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.starts_with("prometheus/"))
        .collect();
    let mut expected: Vec<String> = program
        .services
        .iter()
        .map(|s| format!("prometheus/{s}.yml"))
        .collect();
    expected.sort();
    prop_assert_eq!(&paths, &expected, "\n{}", show(&program.files));

    // Deterministic, whatever the order of the files.
    let reversed = slo::check(&sources_of(&program.files, (0..n).rev()));
    let again = reversed.program.as_ref().map(slo::compile);
    prop_assert!(
        again.as_ref() == Some(&out),
        "the output depends on the order of the files\n{}",
        show(&program.files)
    );

    // Every rule carries the `service` and `slo` labels of its file and group.
    let out: Vec<_> = out
        .iter()
        .filter(|f| f.path.starts_with("prometheus/"))
        .collect();
    for file in &out {
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&file.contents)
            .map_err(|e| TestCaseError::fail(format!("{} is not YAML: {e}", file.path)))?;
        let service = file
            .path
            .trim_start_matches("prometheus/")
            .trim_end_matches(".yml");
        for group in yaml["groups"].as_sequence().into_iter().flatten() {
            for rule in group["rules"].as_sequence().into_iter().flatten() {
                prop_assert_eq!(rule["labels"]["service"].as_str(), Some(service));
                prop_assert!(
                    rule["labels"]["slo"].as_str().is_some(),
                    "rule without `slo` label in {}: {:?}",
                    file.path,
                    rule
                );
            }
        }
    }

    std::fs::create_dir_all(dir.join("prometheus"))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    for (i, text) in program.files.iter().enumerate() {
        std::fs::write(dir.join(format!("f{i}.slo")), text)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    let mut written = Vec::new();
    for file in &out {
        let path = dir.join(&file.path);
        std::fs::write(&path, &file.contents).map_err(|e| TestCaseError::fail(e.to_string()))?;
        written.push(path);
    }
    Ok(written)
}

#[test]
fn generated_valid_programs_compile_and_pass_promtool() {
    let root = tempfile::tempdir().expect("temporary directory");
    let cases: RefCell<Vec<(PathBuf, Vec<PathBuf>)>> = RefCell::new(Vec::new());
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&program(), |program| {
        let n = cases.borrow().len();
        let dir = root.path().join(format!("case{n}"));
        let files = compile_case(&program, &dir)?;
        cases.borrow_mut().push((dir, files));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }

    let Some(promtool) = promtool() else { return };
    let cases = cases.into_inner();
    let all: Vec<&PathBuf> = cases.iter().flat_map(|(_, files)| files).collect();
    assert!(!all.is_empty(), "no rule file generated");
    let lint = |files: &[&PathBuf]| {
        Command::new(&promtool)
            .args(["check", "rules", "--lint=all", "--lint-fatal"])
            .args(files)
            .output()
            .expect("run promtool")
    };
    let output = lint(&all);
    if output.status.success() {
        return;
    }
    // Name the programs behind the rejected files.
    let mut report = String::new();
    for (dir, files) in cases.iter().filter(|(_, files)| !files.is_empty()) {
        let files: Vec<&PathBuf> = files.iter().collect();
        let output = lint(&files);
        if output.status.success() {
            continue;
        }
        let _ = writeln!(report, "=== {} ===", dir.display());
        let _ = writeln!(report, "{}", String::from_utf8_lossy(&output.stdout));
        let _ = writeln!(report, "{}", String::from_utf8_lossy(&output.stderr));
        for entry in std::fs::read_dir(dir).expect("case directory").flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "slo") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let _ = writeln!(report, "--- {} ---\n{text}", path.display());
            }
        }
        if report.len() > 20_000 {
            break;
        }
    }
    panic!(
        "promtool check rules rejects rules generated from valid programs\n{}\n{}\n{report}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
