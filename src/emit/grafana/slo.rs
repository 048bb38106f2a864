//! The block of panels of one SLO on its service dashboard: the SLI against
//! the target, the budget left, burn rates against the alert thresholds,
//! the error ratio, the budget burn-down over the period, firing alerts.

use super::field::{self, color, step, thresholds, Field, Mapped, Step};
use super::panels::{self, Common, Grid, Organize, Panel, Query};
use crate::lower::dashboard::SloView;
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
pub fn panels(slo: &SloView, y: u32, id: u32) -> Vec<Panel<'_>> {
    let q = &slo.queries;
    let period = slo.period;
    let target = slo.target;
    let current = slo.current;
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
    let sli = panels::stat(
        Common {
            title: sli_title.into(),
            description: sli_text.into(),
            ..at(1, 0, 0, 5)
        },
        Query::range(&q.sli, legend("SLI", &slo.by)),
        Field {
            unit: Some("percentunit"),
            // One more decimal than the target has, so 99.95% is not shown as 100%.
            decimals: Some(target.decimals() + 1),
            ..Field::new(
                color("thresholds"),
                thresholds(&[
                    step(None, "red"),
                    step(Some(target.ratio().to_f64()), "green"),
                ]),
            )
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
        Query::range(&q.remaining, legend("remaining", &slo.by)),
        Field {
            unit: Some("percentunit"),
            decimals: Some(1),
            min: Some(0),
            max: Some(1),
            ..Field::new(
                color("thresholds"),
                thresholds(&[
                    step(None, "red"),
                    step(Some(0.1), "orange"),
                    step(Some(0.5), "green"),
                ]),
            )
        },
    );

    let (burn_steps, burn_text) = burn_thresholds(slo);
    let burn = panels::timeseries(
        Common {
            title: "Burn rate".into(),
            description: burn_text.into(),
            ..at(3, 10, 0, 14)
        },
        q.burn
            .iter()
            .map(|(w, expr)| Query::range(expr, legend(w, &slo.by)))
            .collect(),
        Field {
            unit: Some("suffix:x"),
            ..Field::new(color("palette-classic"), thresholds(&burn_steps))
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
            &q.ratio,
            legend(format_args!("errors ({current})"), &slo.by),
        )],
        Field {
            unit: Some("percentunit"),
            ..Field::new(
                color("palette-classic"),
                thresholds(&[
                    step(None, "green"),
                    step(Some(target.budget().to_f64()), "red"),
                ]),
            )
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
            &q.remaining,
            legend("budget remaining", &slo.by),
        )],
        Field {
            unit: Some("percentunit"),
            ..Field::new(
                color("thresholds"),
                thresholds(&[step(None, "red"), step(Some(0.0), "green")]),
            )
        },
    );
    burndown.time_from = Some(period.to_string());

    let alerts = firing_alerts(slo, at(6, 18, 1, 6));

    let heading = format!("{}: {target} over {period}", slo.name);
    vec![
        panels::row(id, heading, y),
        sli,
        remaining,
        burn.into(),
        ratio.into(),
        burndown.into(),
        alerts,
    ]
}

/// The threshold lines of the burn-rate panel, one per burn factor of the
/// SLO's policy, coloured by severity; and the panel's description.
fn burn_thresholds(slo: &SloView) -> (Vec<Step>, String) {
    let mut factors: Vec<(Ratio, &str)> = Vec::new();
    for a in &slo.alerts {
        // Two severities at one factor: the line takes the first one's colour.
        if !factors.iter().any(|(f, _)| *f == a.factor) {
            factors.push((a.factor, severity_color(&a.severity)));
        }
    }
    if factors.is_empty() {
        factors.push((Ratio::ONE, "orange"));
    }
    factors.sort_by_key(|f| f.0);
    let mut steps = vec![step(None, "green")];
    steps.extend(factors.iter().map(|(f, c)| step(Some(f.to_f64()), c)));

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

fn firing_alerts(slo: &SloView, at: Common) -> Panel<'_> {
    let mut colors = BTreeMap::new();
    for (i, a) in slo.alerts.iter().enumerate() {
        colors
            .entry(a.severity.clone())
            .or_insert_with(|| Mapped::Color {
                color: severity_color(&a.severity),
                index: i,
            });
    }
    let description = if slo.alerts.is_empty() {
        format!(
            "SLO `{}` of `{}` has no alerts (`alerting = none`).",
            slo.name, slo.service
        )
    } else {
        "Burn-rate alerts of this SLO firing now, by severity and windows.".to_string()
    };
    let index_by_name = slo
        .alert_labels
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), i))
        .collect();
    panels::table(
        Common {
            title: "Firing alerts".into(),
            description: description.into(),
            ..at
        },
        vec![Query::instant(&slo.queries.firing)],
        Field {
            custom: Some(field::TABLE_CELLS),
            mappings: Some(field::value_mappings(colors)),
            no_value: Some(if slo.alerts.is_empty() {
                "no alerts defined"
            } else {
                "none firing"
            }),
            ..Field::new(color("thresholds"), thresholds(&[step(None, "text")]))
        },
        vec![field::column_override(&["severity"], None)],
        vec![panels::organize(Organize {
            exclude_by_name: BTreeMap::from([("Time", true), ("Value", true)]),
            index_by_name,
            rename_by_name: BTreeMap::from([
                ("long_window", "long window"),
                ("short_window", "short window"),
            ]),
        })],
        None,
    )
}
