//! The live check: what only the server knows. Each selector of each SLI
//! is looked up on a Prometheus-compatible server, and what is wrong there
//! (a metric it has never seen, a label value no series has, a threshold
//! that is not a bucket boundary, a type the SLI does not fit, a window
//! past the retention) becomes a warning at the selector's place in the
//! `.slo` source, with the same codes, spans and formats as the rest.
//!
//! The library opens no connection: the caller hands in a [`Server`].
//! What is asked, in order:
//!
//! 1. every metric name, the metadata and the retention (three requests);
//! 2. the series of each metric name a selector uses, now (one instant
//!    query per name, however many selectors share it); each selector's
//!    matchers are then tried on those series here, which tells a label no
//!    series has from a value no series has, and counts what matches;
//! 3. for a metric that has no series now but had some, when it was last
//!    seen;
//! 4. for each ratio SLO split `by` labels, the label values each side
//!    yields.
//!
//! Requests of one step go out at once, up to [`Options::concurrency`].

mod findings;
mod plan;
mod server;
#[cfg(test)]
mod tests;

pub use server::{Failure, Sample, Server, Value};

use crate::check::{Program, Query};
use crate::diag::{Diag, Sources};
use plan::{Plan, SliKind};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// How the live check talks to the server.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// At most this many requests at once.
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { concurrency: 8 }
    }
}

/// What the live check found.
#[derive(Debug)]
pub struct Found {
    /// The warnings, sorted by position.
    pub diags: Vec<Diag>,
    /// How many series each SLI selects on the server: what its rules
    /// read at every evaluation.
    pub series: Vec<Counted>,
}

/// The number of series an SLI's selectors match on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// The SLI's service.
    pub service: String,
    /// The SLI's name.
    pub sli: String,
    /// Series its selectors match now (a classic histogram's `_bucket`
    /// series for a latency SLI).
    pub series: usize,
}

/// Checks a program against what `server` holds. `sources` are the files
/// the program was checked from (their places are where diagnostics
/// point). Returns what was found, or the first request that failed.
pub fn check(
    sources: &Sources,
    program: &Program,
    server: &dyn Server,
    options: Options,
) -> Result<Found, Failure> {
    let plan = plan::plan(sources, program);
    let known = ask(&plan, server, options)?;
    let mut diags = findings::all(program, &plan, &known);
    crate::diag::sort(&mut diags, sources);
    Ok(Found {
        diags,
        series: findings::series_counts(&plan, &known),
    })
}

/// What the server said.
pub(crate) struct Known {
    /// Every metric name it holds samples of.
    pub names: BTreeSet<String>,
    /// Each metric's type, from its metadata.
    pub types: BTreeMap<String, String>,
    /// How long it keeps samples, when it says.
    pub retention: Option<crate::num::Duration>,
    /// The series of each metric name asked about, now.
    pub series: BTreeMap<String, Vec<Sample>>,
    /// The labels and values of those series, by metric name.
    catalogs: BTreeMap<String, Catalog>,
    /// For a metric with no series now, when its last sample was (seconds
    /// since the epoch), and the time of the check.
    pub last_seen: BTreeMap<String, (Option<f64>, f64)>,
    /// For each SLO split by labels (by its index in the plan), the label
    /// values each side of its ratio yields: events, then total.
    pub sides: BTreeMap<usize, (Values, Values)>,
}

/// For one metric: each label, each of its values, and the series (by
/// index) that have it.
type Catalog = BTreeMap<String, BTreeMap<String, Vec<usize>>>;

impl Known {
    /// The series of `metric` now.
    pub(crate) fn all(&self, metric: &str) -> &[Sample] {
        self.series.get(metric).map_or(&[], Vec::as_slice)
    }

    /// The values `label` takes on the series of `metric`, each with the
    /// series that have it; `None` when no series has the label.
    fn values(&self, metric: &str, label: &str) -> Option<&BTreeMap<String, Vec<usize>>> {
        self.catalogs.get(metric)?.get(label)
    }

    /// The labels on any series of `metric`.
    fn label_names(&self, metric: &str) -> impl Iterator<Item = &str> {
        self.catalogs
            .get(metric)
            .into_iter()
            .flat_map(|c| c.keys().map(String::as_str))
    }

    /// The series of `metric` that `selector` matches (for a histogram's
    /// `_bucket` series, `le` aside). Only the series that have the value
    /// of its most selective `=` matcher are tried, so that a thousand
    /// selectors over one metric do not each read all of its series.
    fn matching(&self, metric: &str, selector: &plan::Selector, bucket: bool) -> Vec<&Sample> {
        let all = self.all(metric);
        let narrowest = selector
            .matchers
            .iter()
            .filter(|(m, _)| {
                m.op == promql_parser::label::MatchOp::Equal
                    && !m.value.is_empty()
                    && !(bucket && m.name == "le")
            })
            .map(|(m, _)| {
                self.values(metric, &m.name)
                    .and_then(|v| v.get(&m.value))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|ids| ids.len());
        let fits = |s: &&Sample| selector.matches(&s.labels, bucket);
        match narrowest {
            Some(ids) => ids
                .iter()
                .filter_map(|i| all.get(*i))
                .filter(fits)
                .collect(),
            None => all.iter().filter(fits).collect(),
        }
    }
}

/// Each label of the series, with its values and the series that have each.
fn catalog(series: &[Sample]) -> Catalog {
    let mut catalog = Catalog::new();
    for (i, s) in series.iter().enumerate() {
        for (label, value) in &s.labels {
            catalog
                .entry(label.clone())
                .or_default()
                .entry(value.clone())
                .or_default()
                .push(i);
        }
    }
    catalog
}

/// Distinct values of an SLO's `by` labels, in the order of `by`.
pub(crate) type Values = BTreeSet<Vec<String>>;

/// How far back the time a vanished metric was last seen is looked for,
/// first finely, then coarsely: `(range, step)` of a subquery.
/// A subquery only sees a series at its steps, so the first look is at
/// every second (a series may have lived for a few scrapes only).
const LAST_SEEN: [(&str, &str); 3] = [("1h", "1s"), ("1d", "15s"), ("30d", "5m")];

/// The range a ratio's sides are evaluated over for their label values.
const SIDES_WINDOW: &str = "5m";

fn ask(plan: &Plan, server: &dyn Server, options: Options) -> Result<Known, Failure> {
    let names: BTreeSet<String> = server.metric_names()?.into_iter().collect();
    let types = server.metadata()?;
    let retention = server.retention()?;

    let mut wanted = BTreeSet::new();
    for sli in &plan.slis {
        for (selector, histogram) in plan::selectors_of(sli) {
            let Some(name) = &selector.name else { continue };
            wanted.insert(name.clone());
            if histogram {
                wanted.insert(format!("{name}_bucket"));
            }
        }
    }
    let wanted: Vec<String> = wanted.into_iter().collect();
    let answers = each(&wanted, options, |name| {
        server.query(&format!("{{__name__={}}}", quoted(name)))
    })?;
    let series: BTreeMap<String, Vec<Sample>> = wanted.into_iter().zip(answers).collect();
    let catalogs = series
        .iter()
        .map(|(n, s)| (n.clone(), catalog(s)))
        .collect();

    let gone: Vec<String> = series
        .iter()
        .filter(|(name, now)| now.is_empty() && names.contains(*name))
        .map(|(name, _)| name.clone())
        .collect();
    let seen = each(&gone, options, |name| last_seen(server, name))?;
    let last_seen = gone.into_iter().zip(seen).collect();

    let split: Vec<(usize, [String; 2])> = plan
        .slos
        .iter()
        .enumerate()
        .filter(|(_, slo)| !slo.by.is_empty())
        .filter_map(|(i, slo)| match &plan.slis.get(slo.sli)?.kind {
            SliKind::Ratio { events, total } => Some((
                i,
                [
                    values_query(&events.query, &slo.by),
                    values_query(&total.query, &slo.by),
                ],
            )),
            _ => None,
        })
        .collect();
    let queries: Vec<String> = split.iter().flat_map(|(_, q)| q.clone()).collect();
    let results = each(&queries, options, |q| server.query(q))?;
    let mut results = results.into_iter();
    let mut sides = BTreeMap::new();
    for (i, _) in &split {
        let by = plan.slos.get(*i).map_or(&[][..], |s| &s.by[..]);
        let values = |samples: Option<Vec<Sample>>| -> Values {
            samples
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    by.iter()
                        .map(|l| s.labels.get(l).cloned().unwrap_or_default())
                        .collect()
                })
                .collect()
        };
        let events = values(results.next());
        let total = values(results.next());
        sides.insert(*i, (events, total));
    }

    Ok(Known {
        names,
        types,
        retention,
        series,
        catalogs,
        last_seen,
        sides,
    })
}

/// When `name` was last seen: the latest sample time, and the time of the
/// check.
fn last_seen(server: &dyn Server, name: &str) -> Result<(Option<f64>, f64), Failure> {
    let mut now = 0.0;
    for (range, step) in LAST_SEEN {
        let q = format!(
            "max(max_over_time(timestamp({{__name__={}}})[{range}:{step}]))",
            quoted(name)
        );
        let samples = server.query(&q)?;
        if let Some(s) = samples.first() {
            now = s.time;
            if let Value::Float(t) = s.value {
                return Ok((Some(t), now));
            }
        }
    }
    // VictoriaMetrics answers those subqueries with nothing, and has a
    // function of its own, which Prometheus rejects: its answer is taken
    // when there is one, and an error means the server is Prometheus.
    let q = format!("max(tlast_over_time({{__name__={}}}[30d]))", quoted(name));
    if let Ok(samples) = server.query(&q) {
        if let Some(Sample {
            value: Value::Float(t),
            time,
            ..
        }) = samples.first()
        {
            return Ok((Some(*t), *time));
        }
    }
    Ok((None, now))
}

/// The query that yields the `by` label values of one side of a ratio.
fn values_query(query: &Query, by: &[String]) -> String {
    let inner = match query {
        Query::Selector(s) => s.clone(),
        Query::Template(t) => t.replace(crate::check::promql::WINDOW, SIDES_WINDOW),
    };
    format!("group by ({}) ({inner})", by.join(", "))
}

/// A metric name as a PromQL string.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `ask` for each item, up to `options.concurrency` at once; the answers in
/// the order of `items`, or the first failure (the rest are not asked).
fn each<T: Sync, R: Send>(
    items: &[T],
    options: Options,
    ask: impl Fn(&T) -> Result<R, Failure> + Sync,
) -> Result<Vec<R>, Failure> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let answers: Mutex<Vec<(usize, Result<R, Failure>)>> = Mutex::new(Vec::new());
    let workers = options.concurrency.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if failed.load(Ordering::Relaxed) {
                    return;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { return };
                let answer = ask(item);
                if answer.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                answers
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((i, answer));
            });
        }
    });
    let mut answers = answers
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    answers.sort_by_key(|(i, _)| *i);
    answers.into_iter().map(|(_, a)| a).collect()
}
