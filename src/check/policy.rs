//! Alert policies: windows and burn rates on their own, then against the
//! target and period of each SLO that uses them.

use super::Alert;
use crate::diag::{Code, Diag, Span};
use crate::num::{Duration, Ratio, Target};
use crate::syntax::ast::{Burn, Policy, PolicyLine};

/// Checks what a policy line says on its own: positive burn, usable windows,
/// short window shorter than long.
pub fn check_static(policy: &Policy, diags: &mut Vec<Diag>) {
    check_lines(&policy.body.lines, diags);
}

/// Checks policy lines on their own, those of a policy or of an override.
pub fn check_lines(lines: &[PolicyLine], diags: &mut Vec<Diag>) {
    super::overrides::check_duplicates(lines, diags);
    for line in lines {
        let (value, what) = match line.burn {
            Burn::Factor(f) => (f, "burn factor"),
            Burn::Share(s) => (s, "budget share"),
        };
        if value.is_zero() {
            diags.push(
                Diag::new(
                    Code::InvalidBurn,
                    line.burn_span,
                    format!("a {what} of zero"),
                )
                .label("this alert would fire on any error at all")
                .help("use a positive burn factor such as `14.4x` or a share such as `2%`"),
            );
        }
        let long_ok = check_window(line.long.value, line.long.span, "long window", diags);
        let short_ok = check_window(line.short.value, line.short.span, "short window", diags);
        if long_ok && short_ok && line.short.value >= line.long.value {
            diags.push(
                Diag::new(
                    Code::ShortNotShorter,
                    line.short.span,
                    format!(
                        "short window `{}` is not shorter than long window `{}`",
                        line.short.value, line.long.value
                    ),
                )
                .label("must be shorter than the long window")
                .secondary(line.long.span, "long window")
                .help(format!(
                    "the short window makes the alert stop soon after the burn stops; about 1/12 of the long window is usual (`{}/{}`)",
                    line.long.value,
                    Duration((line.long.value.0 / 12).max(Duration::SECOND) / Duration::SECOND * Duration::SECOND)
                )),
            );
        }
    }
}

/// A window must be a whole, non-zero number of seconds.
fn check_window(window: Duration, span: Span, what: &str, diags: &mut Vec<Diag>) -> bool {
    super::common::whole_seconds(
        window,
        span,
        (
            what,
            "a window of zero",
            "windows are whole seconds or more, e.g. `5m` or `1h`",
        ),
        diags,
    )
}

/// Checks an SLO period.
pub fn check_period(period: Duration, span: Span, diags: &mut Vec<Diag>) -> bool {
    check_window(period, span, "SLO window", diags)
}

/// What a policy is checked against: one SLO.
pub struct Context<'a> {
    /// The SLO's name, for messages.
    pub slo: &'a str,
    /// The target and where it is set.
    pub target: (Target, Span),
    /// The period and where it is set.
    pub period: (Duration, Span),
}

/// Resolves a policy's lines into alerts for one SLO, reporting lines that
/// cannot work for it.
pub fn alerts(lines: &[&PolicyLine], t: &Context, diags: &mut Vec<Diag>) -> Vec<Alert> {
    lines
        .iter()
        .filter_map(|line| alert(line, t, diags))
        .collect()
}

pub use super::overrides::merged;

/// The burn factor of a policy line: as written, or for a budget share
/// (`2%` over `1h`) share × period / long window. `None` for a zero window.
pub fn factor(burn: Burn, period: Duration, long: Duration) -> Option<Ratio> {
    match burn {
        Burn::Factor(f) => Some(f),
        Burn::Share(percent) => percent
            .div(Ratio::int(100))?
            .mul(period.ratio())
            .div(long.ratio()),
    }
}

fn alert(line: &PolicyLine, t: &Context, diags: &mut Vec<Diag>) -> Option<Alert> {
    let (period, period_span) = t.period;
    let long = line.long.value;
    if long.0 == 0 || line.short.value.0 == 0 {
        return None; // reported by check_static
    }
    let factor = factor(line.burn, period, long)?;
    let mut ok = true;
    if long > period {
        ok = false;
        diags.push(
            Diag::new(
                Code::LongWindowTooLong,
                line.long.span,
                format!(
                    "long window `{long}` is longer than the `{period}` period of SLO `{}`",
                    t.slo
                ),
            )
            .label("longer than the SLO period")
            .secondary(period_span, "period set here")
            .help("an alert window cannot look further back than the SLO period; shorten the window or lengthen the period"),
        );
    }
    let threshold = factor.mul(t.target.0.budget());
    if !factor.is_zero() && threshold >= Ratio::ONE {
        ok = false;
        let (target, target_span) = t.target;
        let max = Ratio::ONE.div(t.target.0.budget()).unwrap_or(Ratio::ZERO);
        diags.push(
            Diag::new(
                Code::NeverFires,
                line.burn_span,
                format!(
                    "this alert can never fire for SLO `{}`: it needs an error ratio above {}%",
                    t.slo,
                    threshold.mul(Ratio::int(100))
                ),
            )
            .label(format!(
                "{}x × {}% budget ≥ 100%",
                factor,
                t.target.0.budget_percent()
            ))
            .secondary(target_span, format!("target {target} set here"))
            .help(format!(
                "burn factor × (1 − target) must be below 1: at {target} use a factor below {max}x, or raise the target"
            )),
        );
    }
    ok.then(|| Alert {
        severity: line.severity.text.clone(),
        factor,
        long,
        short: line.short.value,
        for_: line.for_.map(|f| f.value),
        labels: Vec::new(),
        annotations: Vec::new(),
    })
}
