//! The figures of the error-budget report (`slo budget`): what each SLO's
//! budget is worth in time and what each alert of its policy means for it.
//! `emit::report` prints them.
//!
//! The math is exact ([`Ratio`]); only printing rounds. For an SLO with
//! target `T` over period `P` the error budget is `B = 1 − T`, and `P × B` of
//! full outage spends it. For an alert with burn factor `f` over long window
//! `L` (SRE Workbook, "Alerting on SLOs"):
//!
//! | figure | formula |
//! | --- | --- |
//! | budget spent when it fires | `f × L / P` |
//! | detection time for a full outage | `B / 1 × L × f`, plus `for` |
//! | smallest error ratio that fires it | `f × B` |
//! | time to exhaustion at that ratio | `P / f` |

use crate::check::{Alert, Program, Slo};
use crate::num::{Duration, Ratio, Target};

/// The budget figures of every SLO of a program.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Services sorted by name, SLOs in source order.
    pub slos: Vec<SloBudget>,
}

/// The budget of one SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct SloBudget {
    /// The service's name.
    pub service: String,
    /// The SLO's name.
    pub slo: String,
    /// The target.
    pub target: Target,
    /// The SLO period.
    pub period: Duration,
    /// The error budget as a ratio: 1 − target.
    pub budget: Ratio,
    /// The error budget as time, in milliseconds: how long a full outage
    /// may last within one period.
    pub budget_ms: Ratio,
    /// The alert policy, if any.
    pub policy: Option<String>,
    /// One entry per policy line, in policy order.
    pub alerts: Vec<AlertBudget>,
    /// The alert for missing SLI data, when the SLO has one.
    pub no_data: Option<NoDataBudget>,
}

/// When the alert for missing SLI data fires.
#[derive(Debug, Clone, PartialEq)]
pub struct NoDataBudget {
    /// The severity word.
    pub severity: String,
    /// How long the SLI must have no data: 5% of the budget in full outage,
    /// clamped to 5m…1h (see [`super::no_data_for`]).
    pub for_: Duration,
}

/// What one burn-rate alert means for its SLO's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertBudget {
    /// The severity word.
    pub severity: String,
    /// The burn factor.
    pub factor: Ratio,
    /// The long window.
    pub long: Duration,
    /// The short window.
    pub short: Duration,
    /// How long the condition must hold.
    pub for_: Option<Duration>,
    /// The share of the budget spent in the long window when the alert
    /// fires: factor × long / period.
    pub budget_spent: Ratio,
    /// Time from the start of a full outage (every request failing) to the
    /// alert firing, in milliseconds: budget × long × factor, plus `for`.
    pub detection_ms: Ratio,
    /// The smallest error ratio that fires the alert: factor × budget.
    pub min_error_ratio: Ratio,
    /// Time to spend the whole budget at that error ratio, in milliseconds:
    /// period / factor.
    pub exhaustion_ms: Ratio,
}

/// Computes the report of a checked program.
pub fn budget(program: &Program) -> Report {
    Report {
        slos: program
            .services
            .iter()
            .flat_map(|s| s.slos.iter().map(move |slo| slo_budget(&s.name, slo)))
            .collect(),
    }
}

/// The budget figures of one SLO of `service`.
pub fn slo_budget(service: &str, slo: &Slo) -> SloBudget {
    let budget = slo.target.budget();
    SloBudget {
        service: service.to_string(),
        slo: slo.name.clone(),
        target: slo.target,
        period: slo.period,
        budget,
        budget_ms: slo.period.ratio().mul(budget),
        policy: slo.policy.clone(),
        alerts: slo
            .alerts
            .iter()
            .map(|a| alert_budget(a, slo.period, budget))
            .collect(),
        no_data: slo.no_data.as_ref().map(|severity| NoDataBudget {
            severity: severity.clone(),
            for_: super::no_data_for(budget, slo.period),
        }),
    }
}

fn alert_budget(a: &Alert, period: Duration, budget: Ratio) -> AlertBudget {
    let min_error_ratio = a.threshold(budget);
    // With every request failing, the long-window error ratio after t is
    // t / long; it passes the threshold at t = threshold × long. The short
    // window, being shorter, is full of errors by then.
    let outage = min_error_ratio.mul(a.long.ratio());
    let for_ = a.for_.map_or(Ratio::ZERO, Duration::ratio);
    AlertBudget {
        severity: a.severity.clone(),
        factor: a.factor,
        long: a.long,
        short: a.short,
        for_: a.for_,
        // The checker rejects zero periods and zero factors, so these divisions
        // always have a divisor; zero is a safe stand-in all the same.
        budget_spent: a
            .factor
            .mul(a.long.ratio())
            .div(period.ratio())
            .unwrap_or(Ratio::ZERO),
        detection_ms: outage.add(for_),
        min_error_ratio,
        exhaustion_ms: period.ratio().div(a.factor).unwrap_or(Ratio::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;

    fn report(text: &str) -> Report {
        let mut sources = Sources::new();
        sources.add("t.slo", text);
        let checked = crate::check(&sources);
        budget(&checked.program.expect("valid program"))
    }

    const SPEC: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  page   2%    over 6h/30m
  ticket 3x    over 1d/2h  for 15m
}
service checkout {
  sli requests = ratio {
    bad   = `errors_total`
    total = `requests_total`
  }
  slo availability {
    sli      = requests
    target   = 99.9%
    window   = 30d
    alerting = standard
  }
}
"#;

    fn r(s: &str) -> Ratio {
        Ratio::parse_decimal(s).expect("decimal")
    }

    #[test]
    fn budget_in_time_is_exact() {
        let slo = &report(SPEC).slos[0];
        assert_eq!(slo.budget, r("0.001"));
        // 30d × 0.001 = 43m12s.
        assert_eq!(slo.budget_ms, r("2592000"));
    }

    #[test]
    fn fast_burn_figures_match_the_sre_workbook() {
        let page = &report(SPEC).slos[0].alerts[0];
        assert_eq!(page.budget_spent, r("0.02"));
        assert_eq!(page.min_error_ratio, r("0.0144"));
        // 0.001 × 1h × 14.4 = 51.84s.
        assert_eq!(page.detection_ms, r("51840"));
        // 30d / 14.4 = 50h.
        assert_eq!(page.exhaustion_ms, r("180000000"));
    }

    #[test]
    fn budget_share_lines_spend_their_share() {
        let line = &report(SPEC).slos[0].alerts[1];
        assert_eq!(line.budget_spent, r("0.02"));
        // 2% × 30d / 6h = 2.4x.
        assert_eq!(line.factor, r("2.4"));
    }

    #[test]
    fn missing_data_waits_for_five_percent_of_the_budget() {
        let slo = &report(SPEC).slos[0];
        // 5% × 43m12s is 2m10s, under the 5m floor.
        let no_data = slo.no_data.as_ref().expect("an alert for missing data");
        assert_eq!(no_data.severity, "ticket");
        assert_eq!(no_data.for_.to_string(), "5m");
    }

    #[test]
    fn for_is_added_to_detection() {
        let ticket = &report(SPEC).slos[0].alerts[2];
        // 0.001 × 1d × 3 = 259.2s, plus 15m.
        assert_eq!(ticket.detection_ms, r("1159200"));
    }
}
