//! What the overview dashboard shows: counts over every SLO of the program,
//! a table of them, and the page of each.

use super::{pages, TAG};
use super::{OVERVIEW_FILE, OVERVIEW_TITLE, OVERVIEW_UID};
use crate::check::Program;
use crate::lower::ALERT_NAME;
use std::collections::BTreeSet;

/// The overview dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewModel {
    /// Its uid.
    pub uid: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Its file, relative to the output directory.
    pub file: &'static str,
    /// Its tags.
    pub tags: Vec<String>,
    /// The tag of every service page, which its link to them selects by.
    pub pages_tag: &'static str,
    /// How many SLOs the program has.
    pub slo_count: usize,
    /// The PromQL of its panels.
    pub queries: OverviewQueries,
    /// The page of each SLO, in the order of the program: the value of the
    /// `dashboard` column of its table row (`service/slo`) and the uid of
    /// the page that shows the SLO.
    pub pages: Vec<(String, String)>,
}

/// The PromQL of the overview. Each table query gives one value per SLO,
/// labelled by `service` and `slo`; a per-label SLO shows its worst value.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewQueries {
    /// How many SLOs have spent their budget (a per-label SLO once).
    pub out_of_budget: String,
    /// How many burn-rate alerts fire.
    pub firing: String,
    /// How many SLOs there are.
    pub slos: String,
    /// Each SLO's target, in percent.
    pub target: String,
    /// Each SLO's error budget left, in percent.
    pub budget: String,
    /// Each SLO's current burn rate.
    pub burn: String,
    /// Each SLO's firing alerts.
    pub firing_per_slo: String,
    /// Each SLO with its `dashboard` label, `service/slo`.
    pub dashboard: String,
}

/// The overview of a program.
pub fn overview(program: &Program) -> OverviewModel {
    let services: Vec<&str> = program
        .services
        .iter()
        .filter(|s| !s.slos.is_empty())
        .map(|s| s.name.as_str())
        .collect();
    // Only this program's SLOs: the same Prometheus may hold others.
    let ours = format!("service=~\"{}\"", services.join("|"));
    // One value per SLO. A per-label SLO has a series per value of its `by`
    // labels; it shows its worst one: the least budget left, the fastest
    // burn. (The objective is one series per SLO; `max` only drops the
    // service's extra labels.)
    let per_slo = |series: &str| format!("max by (service, slo) ({series}{{{ours}}})");
    let least_budget =
        format!("min by (service, slo) (slo:period_error_budget_remaining:ratio{{{ours}}})");
    // The burn-rate alerts of every SLO: policies may name theirs.
    let names: BTreeSet<&str> = program
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .map(|slo| slo.alert.as_str())
        .collect();
    let alertname = match names.len() {
        0 | 1 => format!(
            "alertname=\"{}\"",
            names.first().copied().unwrap_or(ALERT_NAME)
        ),
        _ => format!(
            "alertname=~\"{}\"",
            names.into_iter().collect::<Vec<_>>().join("|")
        ),
    };
    let firing = format!("ALERTS{{{alertname}, alertstate=\"firing\", {ours}}}");
    let objective = per_slo("slo:objective:ratio");
    let queries = OverviewQueries {
        out_of_budget: format!("count({least_budget} < 0) or vector(0)"),
        firing: format!("count({firing}) or vector(0)"),
        slos: format!("count({objective})"),
        target: format!("100 * {objective}"),
        budget: format!("100 * {least_budget}"),
        burn: per_slo("slo:current_burn_rate:ratio"),
        firing_per_slo: format!("count by (service, slo) ({firing}) or 0 * {objective}"),
        dashboard: format!("label_join({objective}, \"dashboard\", \"/\", \"service\", \"slo\")"),
    };
    let mut slo_pages = Vec::new();
    for service in &program.services {
        for page in pages(service) {
            for slo in service.slos.get(page.slos.clone()).unwrap_or_default() {
                slo_pages.push((format!("{}/{}", service.name, slo.name), page.uid.clone()));
            }
        }
    }
    OverviewModel {
        uid: OVERVIEW_UID,
        title: OVERVIEW_TITLE,
        file: OVERVIEW_FILE,
        tags: vec![TAG.to_string()],
        pages_tag: TAG,
        slo_count: program.services.iter().map(|s| s.slos.len()).sum(),
        queries,
        pages: slo_pages,
    }
}
