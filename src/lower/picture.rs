//! What `slo report` draws: for each SLO its budget figures, how long each
//! policy line takes to fire at each constant error ratio (the detection
//! chart), and how its alerts behave over a few error profiles, simulated
//! minute by minute from the same windows, thresholds and `for` as the
//! generated rules (the timelines). `emit::report::html` lays it out.
//!
//! The simulator reads the rules as Prometheus evaluates them once a
//! minute over counters scraped once a minute:
//!
//! - an error ratio over a window up to [`super::RAW_LIMIT`] is the errors
//!   over the total counted across the window, `Δerrors / Δtotal` between
//!   the samples at either end (`rate` extrapolates both sides alike, so
//!   the ratio is the ratio of the increases);
//! - over a longer window it adds up the recorded 5-minute increases at
//!   each minute of the window, as the rules add up
//!   `slo:sli_errors:rate5m` and `slo:sli_total:rate5m`, with the rules'
//!   edge terms (twice the newest sample, less twice the one a window
//!   back);
//! - windows hold the samples at both ends, as Prometheus 2 selects them
//!   (Prometheus 3 leaves out the oldest, a difference of one sample in
//!   hundreds);
//! - an alert's condition is both windows above `factor × budget`; it fires
//!   once the condition has held at every evaluation for its `for`, and
//!   resolves at the first evaluation where it does not hold.
//!
//! `tests/report.rs` holds the simulation to `promtool test rules` on the
//! generated rules: each alert fires and resolves within one evaluation of
//! the simulated minute.

use super::report::{self, SloBudget};
use crate::check::{Alert, Program, Slo};
use crate::num::Duration;

/// One minute, in milliseconds.
const MINUTE: u64 = Duration::MINUTE;

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// Every SLO, services sorted by name, SLOs in source order.
    pub slos: Vec<SloPicture>,
    /// The names of the profiles the timelines simulate, in order.
    pub profiles: Vec<String>,
}

/// One SLO's part of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct SloPicture {
    /// Its budget and the figures of each alert (as `slo budget`).
    pub budget: SloBudget,
    /// How fast each line fires at each constant error ratio; `None` when
    /// the SLO has no burn-rate alerts.
    pub detection: Option<Detection>,
    /// One simulation per profile, in the order of [`Picture::profiles`];
    /// empty when the SLO has no burn-rate alerts.
    pub timelines: Vec<Timeline>,
}

/// The detection chart of one SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The smallest ratio drawn: the error budget (a ratio at the budget
    /// spends it exactly over the period).
    pub from: f64,
    /// One curve per policy line, in policy order.
    pub lines: Vec<DetectionLine>,
    /// Error ratios from the budget up to (not including) this one fire no
    /// alert however long they last: no line's threshold is below it.
    /// `None` when some line fires at the budget itself.
    pub uncaught_below: Option<f64>,
}

/// How fast one policy line fires.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionLine {
    /// `page 14.4x over 1h/5m`.
    pub label: String,
    /// The line's severity.
    pub severity: String,
    /// The error ratio both windows must exceed.
    pub threshold: f64,
    /// `(error ratio, milliseconds until the alert fires)`, for ratios from
    /// just above the threshold to 1, evenly spaced on a log scale: at a
    /// constant ratio `r` starting from no errors, the long window passes
    /// the threshold after `threshold / r × long`, and the alert fires
    /// `for` later.
    pub points: Vec<(f64, f64)>,
}

/// A named error profile: traffic and error ratio, minute by minute.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// What it shows, e.g. `1h full outage`.
    pub name: String,
    /// Requests per second in each minute.
    pub traffic: Vec<f64>,
    /// The share of requests that fail in each minute, 0 to 1.
    pub errors: Vec<f64>,
}

/// One SLO's alerts under one profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The profile's name.
    pub profile: String,
    /// The profile's error ratio: `(minute, ratio)` wherever it changes,
    /// from minute 0.
    pub errors: Vec<(usize, f64)>,
    /// The burn rate at each evaluation, minutes 0 to the profile's length
    /// (one more than its minutes), as `slo:current_burn_rate:ratio`
    /// records it: the error ratio over the shortest alert window, over the
    /// budget; `None` while there is no traffic in the window.
    pub burn: Vec<Option<f64>>,
    /// One track per policy line, in policy order.
    pub alerts: Vec<AlertTrack>,
}

/// When one alert fires.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTrack {
    /// `page 14.4x over 1h/5m`.
    pub label: String,
    /// The line's severity.
    pub severity: String,
    /// The evaluation minutes it fires at (inclusive) and resolves at
    /// (exclusive; one past the profile's length when it still fires at
    /// the end). Minute `m` of a profile is counted by the evaluation at
    /// minute `m + 1`.
    pub firing: Vec<(usize, usize)>,
}

/// Points per detection curve.
const POINTS: usize = 64;

/// The first two standard profiles: an hour of healthy traffic, the
/// incident, then six healthy hours for the alerts to resolve.
fn standard_profiles() -> Vec<Profile> {
    vec![
        step_profile(STANDARD[0], 60, 60, 1.0, 6 * 60),
        step_profile(STANDARD[1], 60, 6 * 60, 0.1, 6 * 60),
    ]
}

/// A profile of 100 requests per second: `before` healthy minutes, then
/// `during` minutes at `ratio`, then `after` healthy minutes.
fn step_profile(name: &str, before: usize, during: usize, ratio: f64, after: usize) -> Profile {
    let minutes = before + during + after;
    Profile {
        name: name.to_string(),
        traffic: vec![100.0; minutes],
        errors: (0..minutes)
            .map(|m| {
                if m >= before && m < before + during {
                    ratio
                } else {
                    0.0
                }
            })
            .collect(),
    }
}

/// A slow burn: errors at twice the budget for `minutes`, then six
/// healthy hours.
fn slow_burn(budget: f64, minutes: usize) -> Profile {
    step_profile(STANDARD[2], 0, minutes, (2.0 * budget).min(1.0), 6 * 60)
}

/// Everything the page of `program` shows, simulating `profiles`, or the
/// standard ones when it is `None`. [`pictures`] gives the same one SLO at
/// a time.
pub fn picture(program: &Program, profiles: Option<&[Profile]>) -> Picture {
    Picture {
        slos: pictures(program, profiles).collect(),
        profiles: profile_names(profiles),
    }
}

/// The names of the profiles simulated: those given, or the standard ones.
pub fn profile_names(profiles: Option<&[Profile]>) -> Vec<String> {
    match profiles {
        Some(p) => p.iter().map(|p| p.name.clone()).collect(),
        None => STANDARD.iter().map(|n| n.to_string()).collect(),
    }
}

/// The names of the standard profiles ([`standard_for`]).
const STANDARD: [&str; 3] = [
    "1h full outage",
    "10% errors for 6h",
    "slow burn at 2× the budget",
];

/// How many distinct alert setups [`pictures`] keeps the charts of: SLOs
/// that share a target, period and policy share their charts, and most
/// programs have a few such setups for many SLOs.
const CACHED: usize = 8;

/// The picture of each SLO of `program` in turn (services sorted by name,
/// SLOs in source order), simulating `profiles` or the standard ones.
/// Charts are made once for SLOs whose target, period and alerts are the
/// same, and only the SLO being drawn is held: a page of thousands of SLOs
/// is written as it is made.
pub fn pictures<'a>(
    program: &'a Program,
    profiles: Option<&'a [Profile]>,
) -> impl Iterator<Item = SloPicture> + 'a {
    type Charts = std::sync::Arc<(Detection, Vec<Timeline>)>;
    let mut cache: Vec<(String, Charts)> = Vec::new();
    program
        .services
        .iter()
        .flat_map(move |service| {
            service
                .slos
                .iter()
                .map(move |slo| (report::slo_budget(&service.name, slo), slo))
        })
        .map(move |(budget, slo)| {
            if slo.alerts.is_empty() {
                return SloPicture {
                    budget,
                    detection: None,
                    timelines: Vec::new(),
                };
            }
            let key = setup(slo);
            let charts = match cache.iter().find(|(k, _)| *k == key) {
                Some((_, charts)) => std::sync::Arc::clone(charts),
                None => {
                    let own = match profiles {
                        Some(p) => p.to_vec(),
                        None => standard_for(slo),
                    };
                    let timelines = own.iter().map(|p| simulate(slo, p)).collect();
                    let charts: Charts = std::sync::Arc::new((detection(slo), timelines));
                    if cache.len() == CACHED {
                        cache.remove(0);
                    }
                    cache.push((key, std::sync::Arc::clone(&charts)));
                    charts
                }
            };
            SloPicture {
                budget,
                detection: Some(charts.0.clone()),
                timelines: charts.1.clone(),
            }
        })
}

/// What an SLO's charts depend on: its target, period and alerts.
fn setup(slo: &Slo) -> String {
    let alerts: Vec<_> = slo
        .alerts
        .iter()
        .map(|a| (&a.severity, a.factor, a.long, a.short, a.for_))
        .collect();
    format!("{:?} {:?} {:?}", slo.target, slo.period, alerts)
}

/// The standard profiles for one SLO: a 1h full outage, 10% errors for 6h,
/// and errors at twice the budget for as long as its longest alert window
/// (at least a day, at most three), then six healthy hours.
pub fn standard_for(slo: &Slo) -> Vec<Profile> {
    let budget = slo.target.budget().to_f64();
    let burn = warm_up(slo).clamp(24 * 60, 3 * 24 * 60);
    let mut profiles = standard_profiles();
    profiles.push(slow_burn(budget, burn));
    profiles
}

fn label(a: &Alert) -> String {
    let for_ = a.for_.map(|f| format!(" for {f}")).unwrap_or_default();
    format!(
        "{} {}x over {}/{}{for_}",
        a.severity,
        crate::num::approx(a.factor, 4),
        a.long,
        a.short
    )
}

/// The detection chart of an SLO with alerts.
pub fn detection(slo: &Slo) -> Detection {
    let budget = slo.target.budget();
    let from = budget.to_f64();
    let lines: Vec<DetectionLine> = slo
        .alerts
        .iter()
        .map(|a| {
            let threshold = a.threshold(budget).to_f64();
            let for_ms = a.for_.map_or(0.0, |f| f.0 as f64);
            let long = a.long.0 as f64;
            let start = threshold.max(from);
            let points = if start >= 1.0 {
                Vec::new()
            } else {
                (0..POINTS)
                    .map(|i| {
                        // Just above the threshold, up to 1.
                        let t = (i as f64 + 1.0) / POINTS as f64;
                        let r = start * (1.0 / start).powf(t);
                        (r, threshold / r * long + for_ms)
                    })
                    .collect()
            };
            DetectionLine {
                label: label(a),
                severity: a.severity.clone(),
                threshold,
                points,
            }
        })
        .collect();
    let lowest = lines
        .iter()
        .map(|l| l.threshold)
        .fold(f64::INFINITY, f64::min);
    Detection {
        from,
        uncaught_below: (lowest > from).then_some(lowest.min(1.0)),
        lines,
    }
}

/// How long the healthy traffic before a profile lasts, in minutes: the
/// SLO's longest alert window, so that every window starts full, as in a
/// service that has been running for a while.
pub fn warm_up(slo: &Slo) -> usize {
    let longest = slo.alerts.iter().map(|a| a.long.0).max().unwrap_or(0);
    (longest / MINUTE) as usize
}

/// Simulates an SLO's rules over a profile, one evaluation a minute. The
/// profile is preceded by [`warm_up`] minutes at its first minute's
/// traffic without errors; the timeline starts where the profile does.
pub fn simulate(slo: &Slo, profile: &Profile) -> Timeline {
    let length = profile.traffic.len().min(profile.errors.len());
    let warm = warm_up(slo);
    let first = profile.traffic.first().copied().unwrap_or(100.0);
    let minutes = warm + length;
    // The counters as scraped at the end of each minute (sample `m` holds
    // what was counted in minutes `0..m`; sample 0 is zero).
    let mut errors = vec![0.0; minutes + 1];
    let mut total = vec![0.0; minutes + 1];
    for m in 0..minutes {
        let (traffic, ratio) = match m.checked_sub(warm) {
            None => (first, 0.0),
            Some(p) => (
                profile.traffic.get(p).copied().unwrap_or(0.0),
                profile.errors.get(p).copied().unwrap_or(0.0),
            ),
        };
        let requests = traffic.max(0.0) * 60.0;
        errors[m + 1] = errors[m] + requests * ratio.clamp(0.0, 1.0);
        total[m + 1] = total[m] + requests;
    }
    let base = (super::BASE_WINDOW.0 / MINUTE) as usize;
    // The recorded 5-minute increase at each sample, and their running
    // sums, so that a window of any length adds up in one subtraction.
    let increases = |c: &[f64]| -> (Vec<f64>, Vec<f64>) {
        let inc: Vec<f64> = (0..c.len())
            .map(|at| c[at] - c[at.saturating_sub(base)])
            .collect();
        let mut sums = Vec::with_capacity(inc.len() + 1);
        sums.push(0.0);
        for i in &inc {
            sums.push(sums.last().copied().unwrap_or(0.0) + i);
        }
        (inc, sums)
    };
    let (errors_inc, errors_sums) = increases(&errors);
    let (total_inc, total_sums) = increases(&total);
    // A window over the recorded increases, as the rules write it: every
    // sample from one window back to now (both ends included, as
    // Prometheus 2 selects them), plus twice the newest, minus twice the
    // one a window back (`lower::expr`'s edge terms).
    let long = |inc: &[f64], sums: &[f64], from: Option<usize>, at: usize| -> f64 {
        let first = from.unwrap_or(0);
        let sum = sums[at + 1] - sums[first];
        sum + 2.0 * inc[at] - from.map_or(0.0, |f| 2.0 * inc[f])
    };
    let ratio = |window: Duration, at: usize| -> Option<f64> {
        let w = (window.0 / MINUTE) as usize;
        let from = at.checked_sub(w);
        let (e, t) = if window <= super::RAW_LIMIT {
            let from = from.unwrap_or(0);
            (errors[at] - errors[from], total[at] - total[from])
        } else {
            (
                long(&errors_inc, &errors_sums, from, at),
                long(&total_inc, &total_sums, from, at),
            )
        };
        (t > 0.0).then(|| e / t)
    };
    let budget = slo.target.budget().to_f64();
    let current = super::current_window(slo);
    let burn = (warm..=minutes)
        .map(|at| ratio(current, at).map(|r| r / budget))
        .collect();
    let alerts = slo
        .alerts
        .iter()
        .map(|a| {
            let threshold = a.threshold(slo.target.budget()).to_f64();
            let for_ = a.for_.map_or(0, |f| (f.0 / MINUTE) as usize);
            let mut firing = Vec::new();
            let mut active: Option<usize> = None;
            let mut fired: Option<usize> = None;
            for at in 0..=minutes {
                let holds = ratio(a.long, at).is_some_and(|r| r > threshold)
                    && ratio(a.short, at).is_some_and(|r| r > threshold);
                // Minutes of the timeline count from the profile's start;
                // nothing fires during the healthy warm-up.
                let minute = at.saturating_sub(warm);
                if holds {
                    let since = *active.get_or_insert(minute);
                    if fired.is_none() && minute - since >= for_ {
                        fired = Some(minute);
                    }
                } else {
                    if let Some(start) = fired.take() {
                        firing.push((start, minute));
                    }
                    active = None;
                }
            }
            if let Some(start) = fired {
                firing.push((start, length + 1));
            }
            AlertTrack {
                label: label(a),
                severity: a.severity.clone(),
                firing,
            }
        })
        .collect();
    let mut steps: Vec<(usize, f64)> = Vec::new();
    for (m, &e) in profile.errors.iter().take(length).enumerate() {
        if steps.last().is_none_or(|&(_, last)| last != e) {
            steps.push((m, e));
        }
    }
    Timeline {
        profile: profile.name.clone(),
        errors: steps,
        burn,
        alerts,
    }
}

/// The longest profile `--profile` accepts: 31 days of minutes.
pub const MAX_PROFILE_MINUTES: usize = 31 * 24 * 60;

/// Reads the profiles of a `--profile` file: YAML, one profile per
/// document, each a `name`, a `length` (a duration such as `6h`) and
/// `minutes`, a map from the minute a step starts to its `traffic`
/// (requests per second) and `errors` (the error ratio, 0 to 1). A step
/// holds until the next one; a value a step leaves out keeps the one
/// before (traffic starts at 100, errors at 0). `docs/report.md` has an
/// example.
pub fn parse_profiles(text: &str) -> Result<Vec<Profile>, String> {
    use serde::Deserialize;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        name: String,
        length: String,
        minutes: std::collections::BTreeMap<u64, Step>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Step {
        traffic: Option<f64>,
        errors: Option<f64>,
    }
    let mut profiles = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let which = || format!("profile {}", i + 1);
        let file = File::deserialize(doc).map_err(|e| format!("{}: {e}", which()))?;
        let length = Duration::parse(&file.length)
            .filter(|d| d.0 >= MINUTE && d.0 % MINUTE == 0)
            .ok_or_else(|| {
                format!(
                    "{}: `length: {}` is not a whole number of minutes such as `90m` or `6h`",
                    which(),
                    file.length
                )
            })?;
        let minutes = (length.0 / MINUTE) as usize;
        if minutes > MAX_PROFILE_MINUTES {
            return Err(format!(
                "{}: `length: {}` is longer than the 31 days a profile may last",
                which(),
                file.length
            ));
        }
        let mut traffic = vec![100.0; minutes];
        let mut errors = vec![0.0; minutes];
        let steps: Vec<(&u64, &Step)> = file.minutes.iter().collect();
        let (mut t, mut e) = (100.0, 0.0);
        for (k, (start, step)) in steps.iter().enumerate() {
            if let Some(v) = step.traffic {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(format!("{}: minute {start}: `traffic: {v}` is not a number of requests per second, 0 or more", which()));
                }
                t = v;
            }
            if let Some(v) = step.errors {
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("{}: minute {start}: `errors: {v}` is not an error ratio from 0 to 1 (write 5% as 0.05)", which()));
                }
                e = v;
            }
            let from = (**start as usize).min(minutes);
            let to = steps
                .get(k + 1)
                .map_or(minutes, |(next, _)| (**next as usize).min(minutes));
            for m in from..to {
                traffic[m] = t;
                errors[m] = e;
            }
        }
        profiles.push(Profile {
            name: file.name,
            traffic,
            errors,
        });
    }
    if profiles.is_empty() {
        return Err("the file holds no profile".to_string());
    }
    Ok(profiles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;

    fn slo(policy: &str, target: &str) -> Slo {
        let text = format!(
            "policy p {{\n{policy}\n}}\nservice s {{\n  sli r = ratio {{\n    bad   = `e`\n    total = `t`\n  }}\n  slo a {{\n    sli      = r\n    target   = {target}\n    alerting = p\n  }}\n}}\n"
        );
        let mut sources = Sources::new();
        sources.add("t.slo", text);
        let program = crate::check(&sources).program.expect("checks");
        program.services[0].slos[0].clone()
    }

    #[test]
    fn detection_follows_the_workbook_formula() {
        let d = detection(&slo("  page 14.4x over 1h/5m for 2m", "99.9%"));
        let line = &d.lines[0];
        assert_eq!(line.label, "page 14.4x over 1h/5m for 2m");
        assert!((line.threshold - 0.0144).abs() < 1e-12);
        // At 100% errors: 1.44% of an hour, 51.84s, plus the 2m `for`.
        let (r, ms) = line.points.last().copied().expect("points");
        assert!((r - 1.0).abs() < 1e-9);
        assert!((ms - (51_840.0 + 120_000.0)).abs() < 1e-6);
        // Ratios between the budget and 1.44% page nobody.
        assert_eq!(d.uncaught_below, Some(line.threshold));
        assert!((d.from - 0.001).abs() < 1e-15);
        // A 1x line catches everything down to the budget.
        let d = detection(&slo("  ticket 1x over 3d/6h", "99.9%"));
        assert_eq!(d.uncaught_below, None);
    }

    #[test]
    fn a_full_outage_pages_the_next_minute_and_resolves_when_the_short_window_clears() {
        let s = slo("  page 14.4x over 1h/5m", "99.9%");
        let t = simulate(&s, &step_profile("outage", 60, 60, 1.0, 120));
        assert_eq!(t.alerts[0].firing, vec![(61, 125)]);
        // The burn rate over 5 minutes of a full outage is 1000× the pace.
        assert_eq!(t.burn[70], Some(1000.0));
        assert_eq!(t.burn.len(), 241);
    }

    #[test]
    fn profiles_read_from_yaml() {
        let p = parse_profiles(
            "name: one\nlength: 10m\nminutes:\n  0: {traffic: 50}\n  4: {errors: 0.5}\n  6: {traffic: 10, errors: 0}\n---\nname: two\nlength: 1h\nminutes: {}\n",
        )
        .expect("profiles");
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].traffic,
            [50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 10.0, 10.0, 10.0, 10.0]
        );
        assert_eq!(
            p[0].errors,
            [0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(p[1].traffic.len(), 60);
        let err = |text: &str| parse_profiles(text).expect_err("refused");
        assert_eq!(
            err("name: x\nlength: 90s\nminutes: {}\n"),
            "profile 1: `length: 90s` is not a whole number of minutes such as `90m` or `6h`"
        );
        assert_eq!(
            err("name: x\nlength: 32d\nminutes: {}\n"),
            "profile 1: `length: 32d` is longer than the 31 days a profile may last"
        );
        assert!(err("name: x\nlength: 1h\nminutes:\n  0: {traffic: -1}\n")
            .contains("`traffic: -1` is not a number of requests per second"));
        assert!(
            err("name: x\nlength: 1h\nspeed: 3\nminutes: {}\n").contains("unknown field `speed`")
        );
        assert_eq!(err(""), "profile 1: missing field `name`");
    }
}
