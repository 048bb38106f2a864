//! `--compat`: series and labels another tool's dashboards and queries
//! read, written besides this compiler's own while users migrate.

use super::Labels;
use crate::check::{Service, Slo};
use crate::num::Duration;

/// A tool whose output the rules also imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compat {
    /// Sloth: its `sloth_*` labels, its info series, and an error ratio
    /// over every window of its default alerts.
    Sloth,
}

/// The windows Sloth records an error ratio over for every SLO, alerting
/// or not: those of its four default alerts.
pub const SLOTH_WINDOWS: [Duration; 7] = [
    Duration(5 * Duration::MINUTE),
    Duration(30 * Duration::MINUTE),
    Duration(Duration::HOUR),
    Duration(2 * Duration::HOUR),
    Duration(6 * Duration::HOUR),
    Duration(Duration::DAY),
    Duration(3 * Duration::DAY),
];

/// The info series Sloth writes once per SLO.
pub const SLOTH_INFO: &str = "sloth_slo_info";

/// The labels Sloth puts on every series and alert of an SLO.
pub fn sloth_labels(service: &Service, slo: &Slo) -> Labels {
    vec![
        ("sloth_id".into(), format!("{}-{}", service.name, slo.name)),
        ("sloth_service".into(), service.name.clone()),
        ("sloth_slo".into(), slo.name.clone()),
    ]
}

/// The labels of `sloth_slo_info` besides an SLO's own: what Sloth says
/// of how the rules were made, with this compiler as their maker.
pub fn sloth_info(slo: &Slo) -> Labels {
    vec![
        ("sloth_mode".into(), "cli-gen-prom".into()),
        ("sloth_objective".into(), slo.target.percent().to_string()),
        ("sloth_spec".into(), "prometheus/v1".into()),
        (
            "sloth_version".into(),
            concat!("slo-", env!("CARGO_PKG_VERSION")).into(),
        ),
    ]
}

/// `sloth_severity` of an alert: Sloth's two alerts are `page`, the one
/// that catches a fast burn, and `ticket`. The severity of the SLO's line
/// with the highest factor is `page`, every other one `ticket`.
pub fn sloth_severity(slo: &Slo, severity: &str) -> &'static str {
    let fastest = slo
        .alerts
        .iter()
        .max_by_key(|a| a.factor)
        .map(|a| a.severity.as_str());
    if fastest == Some(severity) {
        "page"
    } else {
        "ticket"
    }
}
