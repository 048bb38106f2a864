//! The block of panels of one SLO on its service dashboard: the SLI against
//! the target, the budget left, burn rates against the alert thresholds,
//! the error ratio, the budget burn-down over the period, firing alerts.

use super::panels::{self, Common, Grid, Query, Step};
use crate::check::{Service, Slo};
use crate::emit::json::{json, object, shared, Json, Object};
use crate::lower::{self, ALERT_NAME};
use crate::num::Ratio;
use std::collections::BTreeMap;

/// Grid rows one SLO takes: a heading and two lines of panels.
pub const HEIGHT: u32 = 1 + 2 * PANEL_HEIGHT;

/// Panels one SLO takes, its row heading included.
pub const PANELS: u32 = 7;

const PANEL_HEIGHT: u32 = 8;

/// The colour of a severity, in threshold lines and alert tables.
pub fn severity_color(severity: &str) -> &'static str {
    match severity {
        "page" => "red",
        "ticket" => "orange",
        _ => "yellow",
    }
}

/// The legend of a series: `base`, followed for a per-label SLO by the
/// values of its `by` labels, `1h: route={{route}}, region={{region}}`, so
/// that the series of different values are told apart. Label names are
/// checked (`[a-zA-Z_][a-zA-Z0-9_]*`), so they are safe in a template.
fn legend(base: impl std::fmt::Display, by: &[String]) -> String {
    if by.is_empty() {
        return base.to_string();
    }
    let values: Vec<String> = by.iter().map(|l| format!("{l}={{{{{l}}}}}")).collect();
    format!("{base}: {}", values.join(", "))
}

/// The panels of one SLO, laid out from grid row `y`, with ids from `id`.
pub fn panels(service: &Service, slo: &Slo, y: u32, id: u32) -> Vec<Object> {
    let sel = lower::selector(service, slo);
    let period = slo.period;
    let target = slo.target;
    let budget = slo.target.budget();
    let current = lower::current_window(slo);
    let at = |n: u32, x: u32, line: u32, w: u32| Common {
        id: id + n,
        title: "".into(),
        description: "".into(),
        grid: Grid {
            x,
            y: y + 1 + line * PANEL_HEIGHT,
            w,
            h: PANEL_HEIGHT,
        },
    };

    let sli_title = format!("SLI over {period}");
    let sli_text = format!(
        "Good events over the last {period} (SLI `{}`), against the target of {target}: green while the SLO is met.",
        slo.sli_name
    );
    // One more decimal than the target has, so 99.95% is not shown as 100%.
    let decimals = target.decimals() + 1;
    let sli = panels::stat(
        Common {
            title: sli_title.into(),
            description: sli_text.into(),
            ..at(1, 0, 0, 5)
        },
        Query::range(
            format!("1 - {}{sel}", lower::ratio_series(period)),
            legend("SLI", &slo.by),
        ),
        object! {
            "unit": "percentunit",
            "decimals": decimals,
            "color": shared!({ "mode": "thresholds" }),
            "thresholds": panels::thresholds(&[Step(None, "red"), Step(Some(target.ratio().to_f64()), "green")]),
        },
    );

    let budget_text = format!(
        "Share of the {period} error budget ({}% of events) not yet spent. Below zero the SLO is missed.",
        target.budget_percent()
    );
    let remaining = panels::gauge(
        Common {
            title: "Error budget remaining".into(),
            description: budget_text.into(),
            ..at(2, 5, 0, 5)
        },
        Query::range(
            format!("slo:period_error_budget_remaining:ratio{sel}"),
            legend("remaining", &slo.by),
        ),
        object! {
            "unit": "percentunit",
            "decimals": 1,
            "min": 0,
            "max": 1,
            "color": shared!({ "mode": "thresholds" }),
            "thresholds": shared!(panels::thresholds(&[Step(None, "red"), Step(Some(0.1), "orange"), Step(Some(0.5), "green")])),
        },
    );

    let (burn_steps, burn_text) = burn_thresholds(slo);
    let burn = panels::timeseries(
        Common {
            title: "Burn rate".into(),
            description: burn_text.into(),
            ..at(3, 10, 0, 14)
        },
        lower::windows(slo)
            .into_iter()
            .map(|w| {
                Query::range(
                    format!("{}{sel} / {budget}", lower::ratio_series(w)),
                    legend(w, &slo.by),
                )
            })
            .collect(),
        object! {
            "unit": "suffix:x",
            "color": shared!({ "mode": "palette-classic" }),
            "thresholds": panels::thresholds(&burn_steps),
        },
    );

    let ratio_text = format!(
        "Share of failed events over {current}. The dashed line is the error budget, {}%: above it the budget burns faster than the {period} period allows.",
        target.budget_percent()
    );
    let ratio = panels::timeseries(
        Common {
            title: "Error ratio".into(),
            description: ratio_text.into(),
            ..at(4, 0, 1, 9)
        },
        vec![Query::range(
            format!("{}{sel}", lower::ratio_series(current)),
            legend(format_args!("errors ({current})"), &slo.by),
        )],
        object! {
            "unit": "percentunit",
            "color": shared!({ "mode": "palette-classic" }),
            "thresholds": panels::thresholds(&[Step(None, "green"), Step(Some(budget.to_f64()), "red")]),
        },
    );

    let burndown_text = format!(
        "Error budget left over the rolling {period} period, shown over the whole period. It falls as errors spend the budget and recovers as old errors leave the window."
    );
    let mut burndown = panels::timeseries(
        Common {
            title: "Error budget burn-down".into(),
            description: burndown_text.into(),
            ..at(5, 9, 1, 9)
        },
        vec![Query::range(
            format!("slo:period_error_budget_remaining:ratio{sel}"),
            legend("budget remaining", &slo.by),
        )],
        object! {
            "unit": "percentunit",
            "color": shared!({ "mode": "thresholds" }),
            "thresholds": shared!(panels::thresholds(&[Step(None, "red"), Step(Some(0.0), "green")])),
        },
    );
    burndown.set("timeFrom", period.to_string());

    let alerts = firing_alerts(service, slo, &sel, at(6, 18, 1, 6));

    let heading = format!("{}: {target} over {period}", slo.name);
    vec![
        panels::row(id, heading, y),
        sli,
        remaining,
        burn,
        ratio,
        burndown,
        alerts,
    ]
}

/// The threshold lines of the burn-rate panel, one per burn factor of the
/// SLO's policy, coloured by severity; and the panel's description.
fn burn_thresholds(slo: &Slo) -> (Vec<Step>, String) {
    let mut steps = vec![Step(None, "green")];
    let mut factors: Vec<(Ratio, &str)> = Vec::new();
    for a in &slo.alerts {
        match factors.iter_mut().find(|(f, _)| *f == a.factor) {
            // Two severities at one factor: the line takes the first one's colour.
            Some(_) => {}
            None => factors.push((a.factor, severity_color(&a.severity))),
        }
    }
    if factors.is_empty() {
        factors.push((Ratio::ONE, "orange"));
    }
    factors.sort_by_key(|f| f.0);
    steps.extend(factors.iter().map(|(f, c)| Step(Some(f.to_f64()), c)));

    let mut text = format!(
        "Error ratio over each window divided by the error budget: at 1x the budget lasts exactly {}.",
        slo.period
    );
    if slo.alerts.is_empty() {
        text.push_str(" This SLO has no alerts; the dashed line is 1x.");
    } else {
        let lines: Vec<String> = slo
            .alerts
            .iter()
            .map(|a| {
                format!(
                    "{} at {}x over {}/{}",
                    a.severity, a.factor, a.long, a.short
                )
            })
            .collect();
        text.push_str(&format!(
            " Dashed lines: the alert thresholds ({}); an alert fires when both of its windows are above its line.",
            lines.join(", ")
        ));
    }
    (steps, text)
}

fn firing_alerts(service: &Service, slo: &Slo, sel: &str, at: Common) -> Object {
    let selector = format!(
        "ALERTS{{alertname=\"{ALERT_NAME}\", alertstate=\"firing\", {}",
        sel.strip_prefix('{').unwrap_or(sel)
    );
    let mut colors = BTreeMap::new();
    for (i, a) in slo.alerts.iter().enumerate() {
        colors
            .entry(a.severity.clone())
            .or_insert_with(|| json!({ "color": severity_color(&a.severity), "index": i }));
    }
    let description = if slo.alerts.is_empty() {
        format!(
            "SLO `{}` of `{}` has no alerts (`alerting = none`).",
            slo.name, service.name
        )
    } else {
        "Burn-rate alerts of this SLO firing now, by severity and windows.".to_string()
    };
    // A per-label SLO fires per value: keep the values, one row each.
    let mut columns = vec!["severity", "long_window", "short_window"];
    columns.extend(slo.by.iter().map(String::as_str));
    let index: BTreeMap<String, Json> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.to_string(), Json::from(i)))
        .collect();
    panels::table(
        Common {
            title: "Firing alerts".into(),
            description: description.into(),
            ..at
        },
        vec![Query::instant(
            format!("sum by ({}) ({selector})", columns.join(", ")),
            "",
        )],
        object! {
            "custom": panels::table_cells(),
            "color": shared!({ "mode": "thresholds" }),
            "thresholds": shared!(panels::thresholds(&[Step(None, "text")])),
            "mappings": [{ "type": "value", "options": colors }],
            "noValue": if slo.alerts.is_empty() { "no alerts defined" } else { "none firing" },
        },
        vec![panels::column_override(&["severity"], None)],
        json!([{
            "id": "organize",
            "options": {
                "excludeByName": shared!({ "Time": true, "Value": true }),
                "indexByName": index,
                "renameByName": shared!({ "long_window": "long window", "short_window": "short window" }),
            },
        }]),
        None,
    )
}
