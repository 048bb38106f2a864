//! The overview dashboard: every SLO of the program in one table, with a
//! link to the dashboard that shows it.

use super::panels::{self, Common, Grid, Query, Step};
use crate::check::Program;
use crate::emit::json::{json, object, Object};
use crate::lower::{dashboard, ALERT_NAME};
use std::collections::BTreeMap;

/// The panels of the overview.
pub fn panels(program: &Program) -> Vec<Object> {
    let services: Vec<&str> = program
        .services
        .iter()
        .filter(|s| !s.slos.is_empty())
        .map(|s| s.name.as_str())
        .collect();
    let slo_count: usize = program.services.iter().map(|s| s.slos.len()).sum();
    // Only this program's SLOs: the same Prometheus may hold others.
    let ours = format!("service=~\"{}\"", services.join("|"));
    // One value per SLO. A per-label SLO has a series per value of its `by`
    // labels; it shows its worst one: the least budget left, the fastest
    // burn. (The objective is one series per SLO; `max` only drops the
    // service's extra labels.)
    let per_slo = |series: &str| format!("max by (service, slo) ({series}{{{ours}}})");
    let least_budget =
        format!("min by (service, slo) (slo:period_error_budget_remaining:ratio{{{ours}}})");
    let firing = format!("ALERTS{{alertname=\"{ALERT_NAME}\", alertstate=\"firing\", {ours}}}");

    let missed = panels::stat(
        Common {
            id: 1,
            title: "SLOs out of budget".into(),
            description: "SLOs whose error budget for the current period is spent; a per-label SLO counts once, when any of its values is.".into(),
            grid: Grid {
                x: 0,
                y: 0,
                w: 8,
                h: 4,
            },
        },
        Query::range(
            format!("count({least_budget} < 0) or vector(0)"),
            "SLOs",
        ),
        object! {
            "unit": "none",
            "decimals": 0,
            "color": { "mode": "thresholds" },
            "thresholds": panels::thresholds(&[Step(None, "green"), Step(Some(1.0), "red")]),
        },
    );
    let alerts = panels::stat(
        Common {
            id: 2,
            title: "Firing SLO alerts".into(),
            description: "Burn-rate alerts firing now, across every SLO; a per-label SLO fires one per value.".into(),
            grid: Grid {
                x: 8,
                y: 0,
                w: 8,
                h: 4,
            },
        },
        Query::range(format!("count({firing}) or vector(0)"), "alerts"),
        object! {
            "unit": "none",
            "decimals": 0,
            "color": { "mode": "thresholds" },
            "thresholds": panels::thresholds(&[Step(None, "green"), Step(Some(1.0), "red")]),
        },
    );
    let total = panels::stat(
        Common {
            id: 3,
            title: "SLOs".into(),
            description: "SLOs defined in the specs.".into(),
            grid: Grid {
                x: 16,
                y: 0,
                w: 8,
                h: 4,
            },
        },
        Query::range(format!("count({})", per_slo("slo:objective:ratio")), "SLOs"),
        object! {
            "unit": "none",
            "decimals": 0,
            "color": { "mode": "fixed", "fixedColor": "text" },
            "thresholds": panels::thresholds(&[Step(None, "text")]),
        },
    );

    // Each row links to the dashboard page of its SLO. The link is built
    // from the `dashboard` column, whose value (`service/slo`) a value
    // mapping turns into the page's uid.
    let mut pages = BTreeMap::new();
    for service in &program.services {
        for page in dashboard::pages(service) {
            for slo in &service.slos[page.slos.clone()] {
                pages.insert(
                    format!("{}/{}", service.name, slo.name),
                    json!({ "text": page.uid.clone(), "index": pages.len() }),
                );
            }
        }
    }
    let queries = vec![
        Query::instant(format!("100 * {}", per_slo("slo:objective:ratio")), ""),
        Query::instant(format!("100 * {least_budget}"), ""),
        Query::instant(per_slo("slo:current_burn_rate:ratio"), ""),
        Query::instant(
            format!(
                "count by (service, slo) ({firing}) or 0 * {}",
                per_slo("slo:objective:ratio")
            ),
            "",
        ),
        Query::instant(
            format!(
                "label_join({}, \"dashboard\", \"/\", \"service\", \"slo\")",
                per_slo("slo:objective:ratio")
            ),
            "",
        ),
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
                h: (4 + slo_count as u32).clamp(8, 40),
            },
        },
        queries,
        object! {
            "custom": panels::table_cells(),
            "color": { "mode": "thresholds" },
            "thresholds": panels::thresholds(&[Step(None, "text")]),
            "mappings": [{ "type": "value", "options": pages }],
            "links": [{
                "title": "Open the SLO's dashboard",
                "type": "link",
                "url": "/d/${__data.fields.dashboard}?${__url_time_range}&var-datasource=${datasource}",
                "icon": "dashboard",
                "tooltip": "",
                "tags": [],
                "asDropdown": false,
                "targetBlank": false,
                "includeVars": false,
                "keepTime": false,
            }],
        },
        vec![
            panels::column_override(
                &["budget remaining (%)"],
                Some(&[Step(None, "red"), Step(Some(10.0), "orange"), Step(Some(50.0), "green")]),
            ),
            panels::column_override(
                &["burn rate (x)"],
                Some(&[Step(None, "green"), Step(Some(1.0), "orange"), Step(Some(10.0), "red")]),
            ),
            panels::column_override(
                &["firing alerts"],
                Some(&[Step(None, "green"), Step(Some(1.0), "red")]),
            ),
        ],
        json!([
            { "id": "merge", "options": {} },
            {
                "id": "organize",
                "options": {
                    "excludeByName": { "Time": true, "Value #E": true },
                    "indexByName": {
                        "service": 0, "slo": 1, "Value #A": 2, "Value #B": 3,
                        "Value #C": 4, "Value #D": 5, "dashboard": 6,
                    },
                    "renameByName": {
                        "Value #A": "target (%)",
                        "Value #B": "budget remaining (%)",
                        "Value #C": "burn rate (x)",
                        "Value #D": "firing alerts",
                    },
                },
            },
        ]),
        Some("budget remaining (%)"),
    );
    vec![missed, alerts, total, table]
}
