//! What the server's answers say about the plan: one warning per mistake,
//! at the place in the `.slo` source it is about.

use super::plan::{Plan, Selector, Side, SliKind, SloPlan, Usage};
use super::{Known, Sample, Value, Values};
use crate::check::Program;
use crate::diag::{suggest, Code, Diag, Span};
use crate::num::Duration;
use std::collections::BTreeSet;

/// The most values an SLO's `by` labels may take on the server before the
/// split is called out (`SLO540`): each value gets error ratios recorded
/// and alerts of its own.
pub const MAX_VALUES: usize = 100;

/// How many label values a help lists before "and N more".
const SHOWN: usize = 8;

/// Every finding of the plan, in no particular order.
pub fn all(program: &Program, plan: &Plan, known: &Known) -> Vec<Diag> {
    let mut diags = Vec::new();
    for sli in &plan.slis {
        match &sli.kind {
            SliKind::Ratio { events, total } => {
                // The labels `total` selects on: the SLI's scope. A matcher
                // of `bad` or `good` on another label tells the events
                // apart, and its values may not exist before the first such
                // event (the rules count them as zero until then).
                let scope: BTreeSet<&str> = total
                    .selectors
                    .iter()
                    .flat_map(|s| s.matchers.iter().map(|(m, _)| m.name.as_str()))
                    .collect();
                let mut typed = false;
                let sides = events
                    .selectors
                    .iter()
                    .map(|s| (s, Some(&scope)))
                    .chain(total.selectors.iter().map(|s| (s, None)));
                for (selector, scope) in sides {
                    if let Err(d) = present(selector, scope, known) {
                        diags.push(*d);
                    }
                    if let Some(d) = usage_type(selector, known) {
                        diags.push(d);
                        typed = true;
                    }
                }
                if !typed {
                    diags.extend(side_types(events, total, known));
                }
            }
            SliKind::Gauge { events } => {
                for selector in &events.selectors {
                    if let Err(d) = present(selector, None, known) {
                        diags.push(*d);
                    }
                    diags.extend(usage_type(selector, known));
                }
            }
            SliKind::Latency {
                histogram,
                threshold,
            } => diags.extend(classic(histogram, *threshold, known)),
            SliKind::Native { histogram } => diags.extend(native(histogram, known)),
        }
    }
    for (i, slo) in plan.slos.iter().enumerate() {
        diags.extend(retention(slo, known));
        if let (Some(sli), Some((events, total))) = (plan.slis.get(slo.sli), known.sides.get(&i)) {
            if let SliKind::Ratio {
                events: e,
                total: t,
            } = &sli.kind
            {
                diags.extend(sides_apart(slo, e, t, events, total));
            }
        }
        if let Some(sli) = plan.slis.get(slo.sli) {
            diags.extend(cardinality(program, slo, &sli.kind, known));
        }
    }
    diags
}

/// How many series each SLI's selectors match on the server now (for a
/// classic histogram, its `_bucket` series), in plan order.
pub fn series_counts(plan: &Plan, known: &Known) -> Vec<super::Counted> {
    plan.slis
        .iter()
        .map(|sli| {
            let series = super::plan::selectors_of(sli)
                .into_iter()
                .map(|(selector, histogram)| {
                    let Some(name) = &selector.name else { return 0 };
                    let classic = histogram && matches!(sli.kind, SliKind::Latency { .. });
                    let metric = if classic {
                        format!("{name}_bucket")
                    } else {
                        name.clone()
                    };
                    known.matching(&metric, selector, classic).len()
                })
                .sum();
            super::Counted {
                service: sli.service.clone(),
                sli: sli.name.clone(),
                series,
            }
        })
        .collect()
}

/// The series of `metric` that `selector` matches now, or why there are
/// none (`SLO501` to `SLO505`, in that order of precedence). `shown` is the
/// name as the user wrote it (a histogram's base name for its `_bucket`
/// series, whose `le` matcher is not the user's).
///
/// `scope` is given for the `bad` or `good` side of a ratio: the labels its
/// `total` selects on. A matcher on any other label tells the events apart
/// (`code=~"5.."`): its label must exist, but a value no series has yet is
/// not a mistake, since an error counter often appears with the first error.
/// Such matchers are held to the series only through their label.
fn series_of<'k>(
    selector: &Selector,
    metric: &str,
    shown: &str,
    scope: Option<&BTreeSet<&str>>,
    known: &'k Known,
) -> Result<Vec<&'k Sample>, Box<Diag>> {
    let tells_events = |name: &str| scope.is_some_and(|labels| !labels.contains(name));
    let histogram = metric != shown;
    let all: &[Sample] = known.all(metric);
    if all.is_empty() {
        return Err(Box::new(missing(
            selector,
            metric,
            shown,
            scope.is_some(),
            known,
        )));
    }
    // The first matcher that explains the selector is its finding.
    for (m, span) in &selector.matchers {
        if m.is_match("") || (histogram && m.name == "le") {
            continue;
        }
        let Some(values) = known.values(metric, &m.name) else {
            let names: BTreeSet<&str> = known
                .label_names(metric)
                .filter(|l| *l != "__name__" && !(histogram && *l == "le"))
                .collect();
            let help = match suggest::closest(&m.name, names.iter().copied()) {
                Some(c) => format!(
                    "did you mean `{c}`? its series have the labels {}",
                    list(&names)
                ),
                None => format!("its series have the labels {}", list(&names)),
            };
            return Err(Box::new(
                Diag::new(
                    Code::UnknownLabel,
                    *span,
                    format!("no series of `{shown}` has the label `{}`", m.name),
                )
                .label(format!(
                    "`{}` is on none of its {} series",
                    m.name,
                    all.len()
                ))
                .help(help),
            ));
        };
        if tells_events(&m.name) {
            continue;
        }
        if !values.keys().any(|v| m.is_match(v)) {
            let values: BTreeSet<&str> = values.keys().map(String::as_str).collect();
            let closest = match &m.op {
                promql_parser::label::MatchOp::Equal => {
                    suggest::closest(&m.value, values.iter().copied())
                }
                _ => None,
            };
            let help = match closest {
                Some(c) => format!(
                    "did you mean `{}=\"{c}\"`? the values on the server: {}",
                    m.name,
                    list(&values)
                ),
                None => format!("the values on the server: {}", list(&values)),
            };
            return Err(Box::new(
                Diag::new(
                    Code::NoLabelValue,
                    *span,
                    format!("no series of `{shown}` has a `{}` that matches", m.name),
                )
                .label(format!(
                    "matches none of the {} values of `{}`",
                    values.len(),
                    m.name
                ))
                .help(help),
            ));
        }
    }
    let scoped;
    let selector = if scope.is_some() {
        scoped = Selector {
            matchers: selector
                .matchers
                .iter()
                .filter(|(m, _)| !tells_events(&m.name))
                .cloned()
                .collect(),
            ..selector.clone()
        };
        &scoped
    } else {
        selector
    };
    let matched = known.matching(metric, selector, histogram);
    if matched.is_empty() {
        let closest = all
            .iter()
            .max_by_key(|s| {
                selector
                    .matchers
                    .iter()
                    .filter(|(m, _)| m.is_match(s.labels.get(&m.name).map_or("", String::as_str)))
                    .count()
            })
            .map(|s| series_text(shown, s, histogram));
        let mut d = Diag::new(
            Code::NoSeries,
            selector.span,
            format!("no series of `{shown}` has all of these labels"),
        )
        .label(format!(
            "each matcher matches some of its {} series, but no series matches them all",
            all.len()
        ));
        if let Some(c) = closest {
            d = d.help(format!("the series that comes closest: `{c}`"));
        }
        return Err(Box::new(d));
    }
    Ok(matched)
}

/// `SLO501` or `SLO502`: no series of `metric` now. `events` when the
/// selector counts a ratio's bad or good events.
fn missing(selector: &Selector, metric: &str, shown: &str, events: bool, known: &Known) -> Diag {
    if let Some((last, now)) = known.last_seen.get(metric) {
        let when = match last {
            Some(t) => format!("last seen {} ({} before the check)", utc(*t), ago(now - t)),
            None => "it had series once, none in the last 30 days".to_string(),
        };
        return Diag::new(
            Code::MetricGone,
            selector.span,
            format!("`{shown}` has no series on the server now"),
        )
        .label(when)
        .help("the metric was renamed or its exporter stopped serving it; point the SLI at the series that replaced it");
    }
    let histogram = metric != shown;
    let candidates: BTreeSet<&str> = if histogram {
        known
            .names
            .iter()
            .filter_map(|n| n.strip_suffix("_bucket"))
            .collect()
    } else {
        known.names.iter().map(String::as_str).collect()
    };
    let help = match suggest::closest(shown, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None if histogram => "check the name against the exporter's `/metrics` page; a classic histogram has `_bucket` series".to_string(),
        None if events => "check the name against the exporter's `/metrics` page; a counter of errors with labels may only appear with its first error, and this warning with it".to_string(),
        None => "check the name against the exporter's `/metrics` page".to_string(),
    };
    let label = if histogram {
        format!("the server has no `{metric}` series, now or in its retention")
    } else {
        "no series of this name, now or in the server's retention".to_string()
    };
    Diag::new(
        Code::UnknownMetric,
        selector.span,
        format!("the server has never seen `{shown}`"),
    )
    .label(label)
    .help(help)
}

/// Presence of a plain selector's series; `scope`, for the events side of
/// a ratio, as in [`series_of`].
fn present<'k>(
    selector: &Selector,
    scope: Option<&BTreeSet<&str>>,
    known: &'k Known,
) -> Result<Vec<&'k Sample>, Box<Diag>> {
    match &selector.name {
        Some(name) => series_of(selector, name, name, scope, known),
        None => Ok(Vec::new()),
    }
}

/// A metric's type from the metadata, the way rate() sees it: a
/// histogram's or summary's `_bucket`, `_count` and `_sum` series count.
fn type_of<'k>(name: &str, known: &'k Known) -> Option<&'k str> {
    if let Some(t) = known.types.get(name) {
        return Some(t.as_str());
    }
    for suffix in ["_bucket", "_count", "_sum"] {
        if let Some(base) = name.strip_suffix(suffix) {
            if let Some(t) = known.types.get(base) {
                if t == "histogram" || t == "summary" {
                    return Some("counter");
                }
            }
        }
    }
    // OpenMetrics names a counter's family without `_total`.
    let base = name.strip_suffix("_total")?;
    known
        .types
        .get(base)
        .map(String::as_str)
        .filter(|t| *t == "counter")
}

/// `SLO520` for a selector whose use does not fit its type.
fn usage_type(selector: &Selector, known: &Known) -> Option<Diag> {
    let name = selector.name.as_deref()?;
    let kind = type_of(name, known)?;
    match (selector.usage, kind) {
        (Usage::Rate, "gauge") => Some(
            Diag::new(
                Code::MetricType,
                selector.span,
                format!("`{name}` is a gauge, and its rate means nothing"),
            )
            .label("the server's metadata says `gauge`; `rate()` is taken of it")
            .help("a ratio SLI counts events with counters (names ending in `_total`); for a series that is 1 while good, use a `gauge` SLI"),
        ),
        (Usage::Gauge, "counter" | "histogram" | "summary") => Some(
            Diag::new(
                Code::MetricType,
                selector.span,
                format!("`{name}` is a {kind}, not a 0/1 gauge"),
            )
            .label(format!("the server's metadata says `{kind}`; a gauge SLI averages it over the window"))
            .help("a counter only grows, so its average says nothing about good time; count bad and total events with a `ratio` SLI"),
        ),
        _ => None,
    }
}

/// `SLO520` for ratio sides whose metrics are of different types.
fn side_types(events: &Side, total: &Side, known: &Known) -> Option<Diag> {
    fn first<'a>(side: &'a Side, known: &'a Known) -> Option<(&'a Selector, &'a str)> {
        side.selectors
            .iter()
            .find_map(|s| Some((s, type_of(s.name.as_deref()?, known)?)))
    }
    let ((e, e_kind), (t, t_kind)) = (first(events, known)?, first(total, known)?);
    let class = |k: &str| match k {
        "counter" | "histogram" | "summary" => Some("counter"),
        "gauge" => Some("gauge"),
        _ => None,
    };
    if class(e_kind)? == class(t_kind)? {
        return None;
    }
    let (e_name, t_name) = (e.name.as_deref()?, t.name.as_deref()?);
    Some(
        Diag::new(
            Code::MetricType,
            e.span,
            format!("the sides of this ratio are a {e_kind} and a {t_kind}"),
        )
        .label(format!("`{e_name}` is a {e_kind}"))
        .secondary(t.span, format!("`{t_name}` is a {t_kind}"))
        .help("both sides count events: take them from counters of the same events, such as one `_total` counter split by a status label"),
    )
}

/// Classic latency: the `_bucket` series exist, and the threshold is one of
/// their `le` boundaries.
fn classic(histogram: &Selector, threshold: (Duration, Span), known: &Known) -> Option<Diag> {
    let name = histogram.name.as_deref()?;
    let bucket = format!("{name}_bucket");
    let buckets_now = !known.all(&bucket).is_empty();
    let native_now = known
        .series
        .get(name)
        .is_some_and(|s| s.iter().any(|x| x.value == Value::Histogram));
    if !buckets_now && native_now {
        return Some(
            Diag::new(
                Code::HistogramKind,
                histogram.span,
                format!("`{name}` is a native histogram on the server"),
            )
            .label("declared as a classic histogram, which has `_bucket` series")
            .help("write `native_histogram = ` instead of `histogram = `; the server has no `_bucket` series of it"),
        );
    }
    let matched = match series_of(histogram, &bucket, name, None, known) {
        Ok(m) => m,
        Err(d) => return Some(*d),
    };
    let (threshold, at) = threshold;
    let seconds = threshold.0 as f64 / Duration::SECOND as f64;
    let mut les: Vec<f64> = matched
        .iter()
        .filter_map(|s| s.labels.get("le")?.parse::<f64>().ok())
        .filter(|le| le.is_finite())
        .collect();
    les.sort_by(f64::total_cmp);
    les.dedup();
    if les.is_empty()
        || les
            .iter()
            .any(|le| (le - seconds).abs() <= 1e-9 * seconds.max(1.0))
    {
        return None;
    }
    let nearest = les
        .iter()
        .copied()
        .min_by(|a, b| (a - seconds).abs().total_cmp(&(b - seconds).abs()))?;
    let shown: Vec<String> = les.iter().map(|le| crate::num::clean_f64(*le)).collect();
    Some(
        Diag::new(
            Code::ThresholdNotLiveBucket,
            at,
            format!("`{threshold}` is not a bucket boundary of `{name}` on the server"),
        )
        .label(format!("its `le` boundaries (seconds): {}", shown.join(", ")))
        .help(format!(
            "no `_bucket` series has `le=\"{}\"`, so this SLI would have no data; the nearest boundary is `{}`",
            crate::num::clean_f64(seconds),
            seconds_text(nearest)
        )),
    )
}

/// Native latency: the series are native histograms.
fn native(histogram: &Selector, known: &Known) -> Option<Diag> {
    let name = histogram.name.as_deref()?;
    let now = known.all(name);
    let buckets_now = known
        .series
        .get(&format!("{name}_bucket"))
        .is_some_and(|s| !s.is_empty());
    let floats = !now.is_empty() && now.iter().all(|s| s.value != Value::Histogram);
    if buckets_now && (now.is_empty() || floats) {
        return Some(
            Diag::new(
                Code::HistogramKind,
                histogram.span,
                format!("`{name}` is a classic histogram on the server"),
            )
            .label("declared as a native histogram, but the server has its `_bucket` series")
            .help("write `histogram = ` instead of `native_histogram = `, and give the threshold one of its `le` boundaries"),
        );
    }
    if floats {
        return Some(
            Diag::new(
                Code::HistogramKind,
                histogram.span,
                format!("`{name}` has float samples, not native histograms"),
            )
            .label("declared as a native histogram")
            .help("point `native_histogram` at a native histogram (scraped with native histograms enabled), or use a `ratio` or `gauge` SLI for this series"),
        );
    }
    series_of(histogram, name, name, None, known)
        .err()
        .map(|d| *d)
}

/// `SLO321` against the server's own retention.
fn retention(slo: &SloPlan, known: &Known) -> Option<Diag> {
    let kept = known.retention?;
    let (period, at) = slo.period;
    if period <= kept || kept.0 == 0 {
        return None;
    }
    Some(
        Diag::new(
            Code::WindowPastRetention,
            at,
            format!("SLO window `{period}` of `{}` is longer than the server's `{kept}` retention", slo.name),
        )
        .label(format!("the server keeps only {kept} of samples"))
        .help(format!(
            "the error budget would be computed over the last {kept} only; shorten the window, or raise the server's retention"
        )),
    )
}

/// `SLO530`: values of the `by` labels the events side yields and the total
/// side does not.
fn sides_apart(slo: &SloPlan, e: &Side, t: &Side, events: &Values, total: &Values) -> Option<Diag> {
    if events.is_empty() || total.is_empty() {
        return None;
    }
    let apart: BTreeSet<String> = events
        .difference(total)
        .map(|values| by_text(&slo.by, values))
        .collect();
    if apart.is_empty() {
        return None;
    }
    let labels = slo
        .by
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(
        Diag::new(
            Code::RatioSidesApart,
            e.span,
            format!(
                "on the server, `{}` yields {labels} values that `total` does not",
                e.key
            ),
        )
        .label(format!("only here: {}", list(&apart.iter().map(String::as_str).collect())))
        .secondary(
            t.span,
            match total.len() {
                1 => "`total` yields 1 value".to_string(),
                n => format!("`total` yields {n} values"),
            },
        )
        .help(format!(
            "the SLO `{}` has no error ratio for those values, so their errors never count; make both sides select the same series, apart from what tells the events",
            slo.name
        )),
    )
}

/// `SLO540`: a `by` split into more recorded series than is reasonable.
fn cardinality(program: &Program, slo: &SloPlan, kind: &SliKind, known: &Known) -> Option<Diag> {
    if slo.by.is_empty() {
        return None;
    }
    let (selectors, metric): (Vec<&Selector>, Option<String>) = match kind {
        SliKind::Ratio { total, .. } => (total.selectors.iter().collect(), None),
        SliKind::Gauge { events } => (events.selectors.iter().collect(), None),
        SliKind::Latency { histogram, .. } => (
            vec![histogram],
            histogram.name.as_ref().map(|n| format!("{n}_bucket")),
        ),
        SliKind::Native { histogram } => (vec![histogram], None),
    };
    let mut values = BTreeSet::new();
    for selector in selectors {
        let Some(name) = metric.clone().or_else(|| selector.name.clone()) else {
            continue;
        };
        for s in known.matching(&name, selector, metric.is_some()) {
            let tuple: Vec<&str> = slo
                .by
                .iter()
                .map(|l| s.labels.get(l).map_or("", String::as_str))
                .collect();
            values.insert(tuple);
        }
    }
    if values.len() <= MAX_VALUES {
        return None;
    }
    let per_value = super::plan::recorded_per_value(program, slo.at);
    let recorded = values.len() * per_value;
    let by = slo.by.join(", ");
    Some(
        Diag::new(
            Code::HighCardinality,
            slo.by_span,
            format!(
                "`by = [{by}]` splits `{}` into {} values on the server",
                slo.name,
                values.len()
            ),
        )
        .label(format!(
            "the rules would record {recorded} series for this SLO ({} per value)",
            per_value
        ))
        .help(format!(
            "split by a label with few values (a route or an operation, not a pod, a user or a session), or drop `by`; each value also gets alerts of its own (more than {MAX_VALUES} values are called out)"
        )),
    )
}

/// Values of `by` labels as shown: the value alone for one label, else
/// `label="value"` pairs.
fn by_text(by: &[String], values: &[String]) -> String {
    if let [value] = values {
        return format!("\"{value}\"");
    }
    let pairs: Vec<String> = by
        .iter()
        .zip(values)
        .map(|(l, v)| format!("{l}=\"{v}\""))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// A series as `name{label="value", …}`, without `__name__` (and `le` for
/// a histogram's bucket).
fn series_text(shown: &str, sample: &Sample, histogram: bool) -> String {
    let pairs: Vec<String> = sample
        .labels
        .iter()
        .filter(|(l, _)| *l != "__name__" && !(histogram && *l == "le"))
        .map(|(l, v)| format!("{l}=\"{v}\""))
        .collect();
    format!("{shown}{{{}}}", pairs.join(", "))
}

/// Up to [`SHOWN`] names in backticks, then how many more.
fn list(names: &BTreeSet<&str>) -> String {
    let mut shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        shown.push(format!("and {} more", names.len() - SHOWN));
    }
    shown.join(", ")
}

/// Seconds as a duration when they are whole milliseconds (`250ms`), else
/// as a number of seconds.
fn seconds_text(seconds: f64) -> String {
    let ms = seconds * 1000.0;
    if ms >= 1.0 && (ms - ms.round()).abs() < 1e-6 {
        Duration(ms.round() as u64).to_string()
    } else {
        format!("{}s", crate::num::clean_f64(seconds))
    }
}

/// A Unix time as `2026-12-03 04:10:40 UTC`.
fn utc(seconds: f64) -> String {
    let secs = seconds.max(0.0) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// A span of seconds, roughly: `40s`, `3m`, `5h`, `2d`.
fn ago(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match s {
        0..=119 => format!("{s}s"),
        120..=7_199 => format!("{}m", s / 60),
        7_200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_795_225_840.0), "2026-11-21 01:50:40 UTC");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00:00 UTC");
        assert_eq!(ago(40.0), "40s");
        assert_eq!(ago(3_600.0), "60m");
        assert_eq!(ago(200_000.0), "2d");
    }

    #[test]
    fn thresholds_are_shown_as_durations() {
        assert_eq!(seconds_text(0.25), "250ms");
        assert_eq!(seconds_text(1.0), "1s");
        assert_eq!(seconds_text(0.0005), "0.0005s");
    }
}
