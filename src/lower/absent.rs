//! The alert for missing SLI data: an SLO whose metrics no longer exist
//! (renamed, scrape broken, service not deployed) would otherwise go quiet
//! for good, its burn-rate alerts blind.
//!
//! The condition reads only what the SLI counts all events by
//! ([`super::expr::total`]), never the error counter, which many clients
//! create with the first error. For the whole SLO it is
//! `absent(<total over the current-burn window>)`. For a per-label SLO the
//! same `absent` fires when no value has data, and a value that has an error
//! ratio over the period but no total now fires on its own, with its labels.

use super::{current_window, expr, template, Alerting, Labels, Rule};
use crate::check::Slo;
use crate::num::{Duration, Ratio};

/// The name of the alert for missing SLI data.
pub const NO_DATA_ALERT: &str = "SLIDataMissing";

/// The shortest `for`: a scrape that fails for a few minutes (a deploy, a
/// restarted Prometheus) is not worth an alert.
pub const MIN_FOR: Duration = Duration(5 * Duration::MINUTE);

/// The longest `for`: an SLO blind for more than an hour is worth a look,
/// however loose its target.
pub const MAX_FOR: Duration = Duration(Duration::HOUR);

/// How long SLI data must be missing before the alert fires: as long as a
/// full outage would take to spend 5% of the error budget, `5% × (1 −
/// target) × period`, rounded up to a whole minute and clamped to
/// [`MIN_FOR`]…[`MAX_FOR`]. A stricter SLO has less time to lose while
/// nobody can see it.
pub fn no_data_for(budget: Ratio, period: Duration) -> Duration {
    // The share of the budget a full outage spends while nobody can see it.
    let share = Ratio::new(5, 100);
    let outage = share.mul(budget).mul(period.ratio());
    let minutes = |n: u64| Duration(n * Duration::MINUTE);
    (MIN_FOR.0 / Duration::MINUTE..MAX_FOR.0 / Duration::MINUTE)
        .map(minutes)
        .find(|m| m.ratio() >= outage)
        .unwrap_or(MAX_FOR)
}

/// The condition of an SLO's missing-data alert, with the `by` labels kept
/// where a value's data went missing.
pub fn condition(slo: &Slo, own: &str) -> String {
    let window = super::current_window(slo);
    let total = expr::over(&expr::total(&slo.sli, &slo.by), window);
    let none = format!("absent(\n  {}\n)", total.replace('\n', "\n  "));
    if slo.by.is_empty() {
        return none;
    }
    // A value that was measured over the period (its period ratio exists)
    // but has no total now. The period ratio only exists while the value's
    // total had data in the period, so a value that had none is never
    // reported; `on (…)` because a full expression may keep more labels.
    let by = slo.by.join(", ");
    format!(
        "(\n  group by ({by}) ({period}{own})\n  unless on ({by})\n  {total}\n)\nor\n{none}",
        period = super::ratio_series(slo.period),
        total = total.replace('\n', "\n  "),
    )
}

impl Alerting<'_> {
    /// The alert for missing SLI data, with `severity`.
    pub(super) fn no_data(&self, severity: &str) -> Rule {
        let (service, slo) = (self.service, self.slo);
        let for_ = no_data_for(slo.target.budget(), slo.period);
        let mut labels = self.labels.clone();
        labels.push(("severity".into(), template::literal(severity).into_owned()));
        labels.sort();
        // The whole-SLO case has no `by` labels: name the value only when
        // the alert has one.
        let which = match slo.by.first() {
            Some(first) => format!("{{{{ if $labels.{first} }}}}{}{{{{ end }}}}", self.which),
            None => String::new(),
        };
        let window = current_window(slo);
        let total = expr::over(&expr::total(&slo.sli, &slo.by), window).replace('\n', " ");
        let mut annotations: Labels = vec![
            (
                "summary".into(),
                format!("{} {}{which}: no SLI data", service.name, slo.name),
            ),
            (
                "description".into(),
                format!(
                    "SLO {slo_name}{which} of service {svc} has had no SLI data for {for_}: `{total}` returns nothing, so its error ratio cannot be measured and its burn-rate alerts cannot fire. Check whether the metric was renamed, its scrape is failing, or the service is not running.",
                    slo_name = slo.name,
                    svc = service.name,
                    total = template::literal(&total),
                ),
            ),
        ];
        self.links(&mut annotations, false);
        annotations.sort();
        Rule::Alert {
            alert: NO_DATA_ALERT.into(),
            expr: condition(slo, self.own),
            for_: Some(for_),
            labels,
            annotations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(target: &str) -> Ratio {
        Ratio::ONE.sub(
            Ratio::parse_decimal(target)
                .expect("decimal")
                .mul(Ratio::new(1, 100)),
        )
    }

    fn days(n: u64) -> Duration {
        Duration(n * Duration::DAY)
    }

    #[test]
    fn five_percent_of_the_budget_in_full_outage() {
        // 5% × 1% × 30d = 21.6m, rounded up.
        assert_eq!(no_data_for(pct("99"), days(30)).to_string(), "22m");
        // 5% × 0.5% × 30d = 10.8m.
        assert_eq!(no_data_for(pct("99.5"), days(30)).to_string(), "11m");
        // 5% × 1% × 28d = 20.16m.
        assert_eq!(no_data_for(pct("99"), days(28)).to_string(), "21m");
    }

    #[test]
    fn whole_minutes_stay_exact() {
        // 5% × 1% × 25d = exactly 18m, not rounded up to 19m.
        assert_eq!(no_data_for(pct("99"), days(25)).to_string(), "18m");
        // 5% × 2% × 10d = 14.4m.
        assert_eq!(no_data_for(pct("98"), days(10)).to_string(), "15m");
    }

    #[test]
    fn clamped_between_five_minutes_and_an_hour() {
        // 5% × 0.1% × 30d = 2.16m.
        assert_eq!(no_data_for(pct("99.9"), days(30)), MIN_FOR);
        assert_eq!(no_data_for(pct("99.99"), days(30)), MIN_FOR);
        // 5% × 5% × 30d = 108m.
        assert_eq!(no_data_for(pct("95"), days(30)), MAX_FOR);
        // 5% × 2.78% × 30d = 60.048m: just over the hour.
        assert_eq!(no_data_for(pct("97.22"), days(30)), MAX_FOR);
        // 5% × 5% × 16d = exactly 57.6m.
        assert_eq!(no_data_for(pct("95"), days(16)).to_string(), "58m");
    }

    #[test]
    fn tighter_targets_never_wait_longer() {
        let targets = [
            "90", "95", "97", "98", "99", "99.5", "99.9", "99.95", "99.99",
        ];
        let fors: Vec<Duration> = targets
            .iter()
            .map(|t| no_data_for(pct(t), days(30)))
            .collect();
        assert!(fors.windows(2).all(|w| w[0] >= w[1]), "{fors:?}");
    }
}
