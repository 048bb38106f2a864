//! Budget lints: warnings about alert policies and windows that work, but
//! not the way their author most likely meant.
//!
//! - `SLO320` a short window far from 1/12 of its long window;
//! - `SLO321` an SLO window longer than the declared Prometheus retention;
//! - `SLO322` policy lines not ordered from fast to slow burn;
//! - `SLO352` an SLO that no policy applies to, so it never alerts.

use crate::diag::{Code, Diag, Span};
use crate::num::{self, Duration, Ratio};
use crate::syntax::ast::{Name, Policy, PolicyLine};

/// How far a short window may stray from 1/12 of its long window before it
/// is reported: by more than this factor either way (1/24 … 1/6).
const SHORT_WINDOW_SLACK: u64 = 2;

/// The usual ratio of long to short window (SRE Workbook, "Alerting on SLOs").
const LONG_TO_SHORT: u64 = 12;

/// Lints one policy: short windows far from 1/12 of their long window, and
/// lines out of fast-to-slow order. `period` is the program's default SLO
/// period, used to compare budget-share lines with burn-factor lines.
pub fn policy(policy: &Policy, period: Duration, diags: &mut Vec<Diag>) {
    for line in &policy.body.lines {
        short_window(line, diags);
    }
    order(policy, period, diags);
}

/// `SLO320`: the short window should be about 1/12 of the long window. Lines
/// whose short window is not shorter at all are `SLO303`'s, and zero windows
/// `SLO202`'s, so they are left alone here.
fn short_window(line: &PolicyLine, diags: &mut Vec<Diag>) {
    let (long, short) = (line.long.value, line.short.value);
    if short.0 == 0 || long.0 == 0 || short >= long {
        return;
    }
    let slack = LONG_TO_SHORT * SHORT_WINDOW_SLACK;
    let too_short = u128::from(short.0) * u128::from(slack) < u128::from(long.0);
    let too_long =
        u128::from(short.0) * u128::from(LONG_TO_SHORT / SHORT_WINDOW_SLACK) > u128::from(long.0);
    if !too_short && !too_long {
        return;
    }
    let usual = usual_short_window(long);
    let (label, why) = if too_short {
        (
            format!("less than 1/{slack} of the long window"),
            "so short a window is noisy: a few failed requests in it are enough to confirm the alert",
        )
    } else {
        (
            format!(
                "more than 1/{} of the long window",
                LONG_TO_SHORT / SHORT_WINDOW_SLACK
            ),
            "so long a window keeps the alert firing long after the burn has stopped",
        )
    };
    diags.push(
        Diag::new(
            Code::ShortWindowRatio,
            line.short.span,
            format!("short window `{short}` is far from 1/12 of long window `{long}`"),
        )
        .label(label)
        .secondary(line.long.span, "long window")
        .help(format!(
            "{why}; about 1/12 of the long window is usual: `{long}/{usual}`"
        )),
    );
}

/// 1/12 of a long window, in whole seconds (at least one).
fn usual_short_window(long: Duration) -> Duration {
    let seconds = (long.0 / LONG_TO_SHORT / Duration::SECOND).max(1);
    Duration(seconds * Duration::SECOND)
}

/// The burn factor of a line for an SLO of `period`; `None` for a zero window.
fn factor(line: &PolicyLine, period: Duration) -> Option<Ratio> {
    super::policy::factor(line.burn, period, line.long.value)
}

/// `SLO322`: each line should burn no faster than the one before it: a lower
/// factor, or the same factor over a longer window. One warning per policy,
/// at the first line out of order.
fn order(policy: &Policy, period: Duration, diags: &mut Vec<Diag>) {
    for pair in policy.body.lines.windows(2) {
        let (before, line) = (&pair[0], &pair[1]);
        let (Some(f0), Some(f1)) = (factor(before, period), factor(line, period)) else {
            continue;
        };
        let faster = f1 > f0 || (f1 == f0 && line.long.value < before.long.value);
        if !faster {
            continue;
        }
        let label = if f1 > f0 {
            format!(
                "burns faster ({}x) than the line before it ({}x)",
                num::approx(f1, 4),
                num::approx(f0, 4)
            )
        } else {
            "the same burn over a shorter window than the line before it".to_string()
        };
        diags.push(
            Diag::new(
                Code::PolicyOrder,
                line.burn_span,
                format!(
                    "lines of policy `{}` are not ordered from fast to slow burn",
                    policy.name.text
                ),
            )
            .label(label)
            .secondary(before.burn_span, "slower burn before it")
            .help(
                "order the lines from the highest burn factor and shortest window (`page 14.4x over 1h/5m`) to the lowest; out of order, a factor is often paired with the wrong windows",
            ),
        );
        return;
    }
}

/// `SLO321`: an SLO window longer than the Prometheus retention. The period
/// rules `rate(x[<window>])` can only read what Prometheus keeps, so the
/// budget would silently be computed over the retention instead.
pub fn retention(
    window: (Duration, Span),
    retention: (Duration, Span),
    inherited: bool,
    diags: &mut Vec<Diag>,
) {
    let ((window, window_span), (retention, retention_span)) = (window, retention);
    if window <= retention || retention.0 == 0 {
        return;
    }
    let what = if inherited {
        "the default SLO window"
    } else {
        "SLO window"
    };
    diags.push(
        Diag::new(
            Code::WindowPastRetention,
            window_span,
            format!("{what} `{window}` is longer than the `{retention}` Prometheus retention"),
        )
        .label(format!("Prometheus keeps only {retention} of samples"))
        .secondary(retention_span, "retention declared here")
        .help(format!(
            "the error budget would be computed over the last {retention} only; shorten the window, or raise Prometheus' retention and `retention` with it"
        )),
    );
}

/// How many unread files a help names before it says "and N more".
const UNREAD_SHOWN: usize = 3;

/// `SLO352`: an SLO without `alerting`, in a program whose `defaults` set
/// none either, gets no alerts: its budget can burn to zero in silence.
/// `alerting = none` says so on purpose and is not reported. `policies` are
/// the program's policy names, to suggest one; `unread` the `.slo` files
/// beside the SLO's file that were not given, where the `defaults` and
/// policies meant for it may well be.
pub fn no_alerting(slo: &Name, policies: &[&str], unread: &[String], diags: &mut Vec<Diag>) {
    let policy = policies.first().copied().unwrap_or("standard");
    let mut help = format!(
        "add `alerting = {policy}` to the SLO (or to `defaults`, for every SLO), or `alerting = none` if it has no alerts on purpose"
    );
    if let Some(files) = unread_files(unread) {
        help = format!(
            "`defaults` and policies may live in a file that was not given: {files}; check the files together, or {help}"
        );
    }
    diags.push(
        Diag::new(
            Code::NoAlerting,
            slo.span,
            format!("SLO `{}` has no alerts", slo.text),
        )
        .label("no `alerting` here nor in `defaults`")
        .help(help),
    );
}

/// "`a.slo`, `b.slo` are in the same directory": the unread files beside a
/// source, for a help; `None` when there are none.
pub fn unread_files(unread: &[String]) -> Option<String> {
    if unread.is_empty() {
        return None;
    }
    let mut names: Vec<String> = unread
        .iter()
        .take(UNREAD_SHOWN)
        .map(|f| format!("`{f}`"))
        .collect();
    if unread.len() > UNREAD_SHOWN {
        names.push(format!("{} more", unread.len() - UNREAD_SHOWN));
    }
    Some(format!(
        "{} {} in the same directory",
        names.join(", "),
        if unread.len() == 1 { "is" } else { "are" },
    ))
}

/// A declared retention must be a usable, non-zero number of seconds.
pub fn check_retention(retention: Duration, span: Span, diags: &mut Vec<Diag>) -> bool {
    super::common::whole_seconds(
        retention,
        span,
        (
            "retention",
            "a retention of zero",
            "give Prometheus' `--storage.tsdb.retention.time`, e.g. `retention = 45d`",
        ),
        diags,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_short_window_is_a_twelfth_in_whole_seconds() {
        let d = |s: &str| Duration::parse(s).expect("duration");
        assert_eq!(usual_short_window(d("1h")), d("5m"));
        assert_eq!(usual_short_window(d("3d")), d("6h"));
        assert_eq!(usual_short_window(d("10s")), d("1s"));
    }
}
