//! The overview dashboard: every SLO of the program in one table, with a
//! link to the dashboard that shows it.

use super::field::{self, color, fixed_color, step, thresholds, Field, Mapped};
use super::link;
use super::panels::{self, Common, Grid, Organize, Panel, Query};
use crate::lower::dashboard::OverviewModel;
use std::collections::BTreeMap;

/// The panels of the overview.
pub fn panels(model: &OverviewModel) -> Vec<Panel<'_>> {
    let q = &model.queries;
    let count = |thresholds| Field {
        unit: Some("none"),
        decimals: Some(0),
        ..Field::new(color("thresholds"), thresholds)
    };
    // Three counts side by side across the top, each a third of the width.
    let top = |id: u32, title: &'static str, description: &'static str| Common {
        id,
        title: title.into(),
        description: description.into(),
        grid: Grid {
            x: (id - 1) * 8,
            y: 0,
            w: 8,
            h: 4,
        },
    };
    let missed = panels::stat(
        top(
            1,
            "SLOs out of budget",
            "SLOs whose error budget for the current period is spent; a per-label SLO counts once, when any of its values is.",
        ),
        Query::range(&q.out_of_budget, "SLOs"),
        count(thresholds(&[step(None, "green"), step(Some(1.0), "red")])),
    );
    let alerts = panels::stat(
        top(
            2,
            "Firing SLO alerts",
            "Burn-rate alerts firing now, across every SLO; a per-label SLO fires one per value.",
        ),
        Query::range(&q.firing, "alerts"),
        count(thresholds(&[step(None, "green"), step(Some(1.0), "red")])),
    );
    let total = panels::stat(
        top(3, "SLOs", "SLOs defined in the specs."),
        Query::range(&q.slos, "SLOs"),
        Field {
            color: fixed_color("text"),
            ..count(thresholds(&[step(None, "text")]))
        },
    );

    // Each row links to the dashboard page of its SLO. The link is built
    // from the `dashboard` column, whose value (`service/slo`) a value
    // mapping turns into the page's uid.
    let pages = model
        .pages
        .iter()
        .enumerate()
        .map(|(index, (slo, uid))| {
            (
                slo.clone(),
                Mapped::Text {
                    index,
                    text: uid.clone(),
                },
            )
        })
        .collect();
    let queries = vec![
        Query::instant(&q.target),
        Query::instant(&q.budget),
        Query::instant(&q.burn),
        Query::instant(&q.firing_per_slo),
        Query::instant(&q.dashboard),
    ];
    let table = panels::table(
        Common {
            id: 4,
            title: "Every SLO".into(),
            description: "Target and error budget left over each SLO's period, burn rate over its shortest alert window, and alerts firing now. A per-label SLO shows its worst value: the least budget left and the fastest burn. Click a row to open the SLO's dashboard.".into(),
            grid: Grid {
                x: 0,
                y: 4,
                w: 24,
                h: (4 + model.slo_count as u32).clamp(8, 40),
            },
        },
        queries,
        Field {
            custom: Some(field::TABLE_CELLS),
            mappings: Some(field::value_mappings(pages)),
            links: Some(vec![link::value_link(
                "Open the SLO's dashboard",
                "/d/${__data.fields.dashboard}?${__url_time_range}&var-datasource=${datasource}",
            )]),
            ..Field::new(color("thresholds"), thresholds(&[step(None, "text")]))
        },
        vec![
            field::column_override(
                &["budget remaining (%)"],
                Some(&[step(None, "red"), step(Some(10.0), "orange"), step(Some(50.0), "green")]),
            ),
            field::column_override(
                &["burn rate (x)"],
                Some(&[step(None, "green"), step(Some(1.0), "orange"), step(Some(10.0), "red")]),
            ),
            field::column_override(
                &["firing alerts"],
                Some(&[step(None, "green"), step(Some(1.0), "red")]),
            ),
        ],
        vec![
            panels::merge(),
            panels::organize(Organize {
                exclude_by_name: BTreeMap::from([("Time", true), ("Value #E", true)]),
                index_by_name: [
                    "service", "slo", "Value #A", "Value #B", "Value #C", "Value #D", "dashboard",
                ]
                .iter()
                .enumerate()
                .map(|(i, c)| (c.to_string(), i))
                .collect(),
                rename_by_name: BTreeMap::from([
                    ("Value #A", "target (%)"),
                    ("Value #B", "budget remaining (%)"),
                    ("Value #C", "burn rate (x)"),
                    ("Value #D", "firing alerts"),
                ]),
            }),
        ],
        Some("budget remaining (%)"),
    );
    vec![missed, alerts, total, table]
}
