//! The report as an aligned table for a terminal, and as Markdown for a
//! pull-request comment. Both round for reading: four significant digits
//! for ratios and factors, durations to the second (`43m12s`).

use super::spell;
use crate::lower::report::{AlertBudget, Report, SloBudget};
use crate::num::{approx, Ratio};

/// A column of the alert table: its heading, whether it holds numbers (and
/// so is right-aligned), and how a cell is written.
pub(super) struct Column {
    pub(super) heading: &'static str,
    pub(super) numeric: bool,
    pub(super) cell: fn(&AlertBudget) -> String,
}

/// The columns of the alert table, which the HTML page shows too.
pub(super) const COLUMNS: &[Column] = &[
    Column {
        heading: "severity",
        numeric: false,
        cell: |a| a.severity.clone(),
    },
    Column {
        heading: "factor",
        numeric: true,
        cell: |a| format!("{}x", approx(a.factor, 4)),
    },
    Column {
        heading: "windows",
        numeric: false,
        cell: |a| format!("{}/{}", a.long, a.short),
    },
    Column {
        heading: "for",
        numeric: false,
        cell: |a| a.for_.map_or_else(|| "-".to_string(), |f| f.to_string()),
    },
    Column {
        heading: "budget spent",
        numeric: true,
        cell: |a| percent(a.budget_spent),
    },
    Column {
        heading: "outage detected in",
        numeric: true,
        cell: |a| duration(a.detection_ms),
    },
    Column {
        heading: "fires above",
        numeric: true,
        cell: |a| percent(a.min_error_ratio),
    },
    Column {
        heading: "budget gone in",
        numeric: true,
        cell: |a| duration(a.exhaustion_ms),
    },
];

/// What the columns mean, printed once under the tables (and in the
/// HTML page's reading guide).
pub(super) const LEGEND: &[(&str, &str)] = &[
    (
        "factor",
        "how many times faster than sustainable the budget burns when the alert fires",
    ),
    (
        "budget spent",
        "share of the error budget spent in the long window when it fires",
    ),
    (
        "outage detected in",
        "time from the start of a full outage to the alert, including `for`",
    ),
    (
        "fires above",
        "the smallest error ratio that fires it (factor × budget)",
    ),
    (
        "budget gone in",
        "time to spend the whole budget at that error ratio (period / factor)",
    ),
];

/// A ratio as a percentage, to four significant digits: `1.44%`.
pub fn percent(r: Ratio) -> String {
    format!("{}%", approx(r.mul(Ratio::int(100)), 4))
}

fn duration(ms: Ratio) -> String {
    spell(ms)
}

/// What an SLO promises: target, period and budget, e.g. `target 99.9% over
/// 30d; error budget 0.1%, or 43m12s of full outage`.
fn summary(s: &SloBudget) -> String {
    format!(
        "target {} over {}; error budget {}%, or {} of full outage",
        s.target,
        s.period,
        approx(s.target.budget_percent(), 4),
        duration(s.budget_ms),
    )
}

/// Why an SLO has no alert table.
fn no_alerts(s: &SloBudget) -> String {
    match &s.policy {
        None => "no burn-rate alerts (`alerting = none`)".to_string(),
        Some(p) => format!("no burn-rate alerts: policy `{p}` has no lines"),
    }
}

/// When the alert for missing SLI data fires, e.g. `no SLI data for 5m:
/// ticket`.
fn no_data(s: &SloBudget) -> Option<String> {
    s.no_data
        .as_ref()
        .map(|n| format!("no SLI data for {}: {}", n.for_, n.severity))
}

/// The report as aligned text, one block per SLO.
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for s in &report.slos {
        out.push_str(&format!("{}/{}: {}\n", s.service, s.slo, summary(s)));
        if s.alerts.is_empty() {
            out.push_str(&format!("  {}\n", no_alerts(s)));
            if let Some(line) = no_data(s) {
                out.push_str(&format!("  {line}\n"));
            }
            out.push('\n');
            continue;
        }
        if let Some(p) = &s.policy {
            out.push_str(&format!("  policy {p}\n"));
        }
        let rows: Vec<Vec<String>> = s
            .alerts
            .iter()
            .map(|a| COLUMNS.iter().map(|c| (c.cell)(a)).collect())
            .collect();
        let widths: Vec<usize> = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([c.heading.len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(COLUMNS)
                .zip(&widths)
                .map(|((text, c), &w)| {
                    if c.numeric {
                        format!("{text:>w$}")
                    } else {
                        format!("{text:<w$}")
                    }
                })
                .collect();
            format!("  {}\n", padded.join("  ").trim_end())
        };
        out.push_str(&line(COLUMNS.iter().map(|c| c.heading).collect()));
        for row in &rows {
            out.push_str(&line(row.iter().map(String::as_str).collect()));
        }
        if let Some(line) = no_data(s) {
            out.push_str(&format!("  {line}\n"));
        }
        out.push('\n');
    }
    if report.slos.iter().any(|s| !s.alerts.is_empty()) {
        let width = LEGEND.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, meaning) in LEGEND {
            out.push_str(&format!("{key:>width$}: {meaning}\n"));
        }
    } else if out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The report as Markdown, for a pull-request comment or a job summary.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("## Error budgets\n");
    for s in &report.slos {
        out.push_str(&format!(
            "\n### `{}` / `{}`\n\n{}",
            s.service,
            s.slo,
            capitalise(&summary(s))
        ));
        if s.alerts.is_empty() {
            out.push_str(&format!("; {}", no_alerts(s)));
            match no_data(s) {
                Some(line) => out.push_str(&format!("; {line}.\n")),
                None => out.push_str(".\n"),
            }
            continue;
        }
        if let Some(p) = &s.policy {
            out.push_str(&format!("; policy `{p}`"));
        }
        out.push_str(".\n\n");
        let headings: Vec<&str> = COLUMNS.iter().map(|c| c.heading).collect();
        out.push_str(&format!("| {} |\n", headings.join(" | ")));
        let rule: Vec<&str> = COLUMNS
            .iter()
            .map(|c| if c.numeric { "---:" } else { "---" })
            .collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for a in &s.alerts {
            let cells: Vec<String> = COLUMNS.iter().map(|c| cell(&(c.cell)(a))).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        if let Some(line) = no_data(s) {
            out.push_str(&format!("\n{}.\n", capitalise(&line)));
        }
    }
    if report.slos.iter().any(|s| !s.alerts.is_empty()) {
        out.push('\n');
        for (key, meaning) in LEGEND {
            out.push_str(&format!("- **{key}**: {meaning}\n"));
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
