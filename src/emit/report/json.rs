//! The report as JSON (`slo budget --format json`). Field names are stable
//! and documented in `docs/budget.md`: fields may be added, never renamed or
//! removed. Durations come twice, in seconds (a number) and as text.

use super::spell;
use crate::lower::report::{AlertBudget, Report, SloBudget};
use crate::num::Ratio;
use serde::Serialize;
use serde_json::Number;

#[derive(Serialize)]
struct Document {
    slos: Vec<JsonSlo>,
}

#[derive(Serialize)]
struct JsonSlo {
    service: String,
    slo: String,
    target_percent: Number,
    objective: Number,
    window: String,
    window_seconds: Number,
    error_budget_ratio: Number,
    error_budget_seconds: Number,
    error_budget: String,
    policy: Option<String>,
    alerts: Vec<JsonAlert>,
    no_data: Option<JsonNoData>,
}

#[derive(Serialize)]
struct JsonNoData {
    severity: String,
    #[serde(rename = "for")]
    for_: String,
    for_seconds: Number,
}

#[derive(Serialize)]
struct JsonAlert {
    severity: String,
    burn_factor: Number,
    long_window: String,
    long_window_seconds: Number,
    short_window: String,
    short_window_seconds: Number,
    #[serde(rename = "for")]
    for_: Option<String>,
    for_seconds: Option<Number>,
    budget_spent_ratio: Number,
    detection_seconds: Number,
    detection: String,
    min_error_ratio: Number,
    exhaustion_seconds: Number,
    exhaustion: String,
}

/// A JSON number for an exact ratio: an integer when it is one, else the
/// float nearest to it, which prints as the shortest decimal that reads back
/// as that float (`0.0144`, not `0.014400000000000001`).
fn number(r: Ratio) -> Number {
    let x = r.to_f64();
    // Below 2^53 every integer is exact in a float.
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        return Number::from(x as i64);
    }
    Number::from_f64(x).unwrap_or_else(|| Number::from(0))
}

fn seconds(ms: Ratio) -> Number {
    number(ms.div(Ratio::int(1000)).unwrap_or(Ratio::ZERO))
}

fn alert(a: &AlertBudget) -> JsonAlert {
    JsonAlert {
        severity: a.severity.clone(),
        burn_factor: number(a.factor),
        long_window: a.long.to_string(),
        long_window_seconds: seconds(a.long.ratio()),
        short_window: a.short.to_string(),
        short_window_seconds: seconds(a.short.ratio()),
        for_: a.for_.map(|f| f.to_string()),
        for_seconds: a.for_.map(|f| seconds(f.ratio())),
        budget_spent_ratio: number(a.budget_spent),
        detection_seconds: seconds(a.detection_ms),
        detection: spell(a.detection_ms),
        min_error_ratio: number(a.min_error_ratio),
        exhaustion_seconds: seconds(a.exhaustion_ms),
        exhaustion: spell(a.exhaustion_ms),
    }
}

fn slo(s: &SloBudget) -> JsonSlo {
    JsonSlo {
        service: s.service.clone(),
        slo: s.slo.clone(),
        target_percent: number(s.target.percent()),
        objective: number(s.target.ratio()),
        window: s.period.to_string(),
        window_seconds: seconds(s.period.ratio()),
        error_budget_ratio: number(s.budget),
        error_budget_seconds: seconds(s.budget_ms),
        error_budget: spell(s.budget_ms),
        policy: s.policy.clone(),
        alerts: s.alerts.iter().map(alert).collect(),
        no_data: s.no_data.as_ref().map(|n| JsonNoData {
            severity: n.severity.clone(),
            for_: n.for_.to_string(),
            for_seconds: seconds(n.for_.ratio()),
        }),
    }
}

/// The report as one pretty-printed JSON document, ending in a newline.
pub fn json(report: &Report) -> String {
    let doc = Document {
        slos: report.slos.iter().map(slo).collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| unreachable!("the report is plain strings and numbers: {e}"));
    text.push('\n');
    text
}
