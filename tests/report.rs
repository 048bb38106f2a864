//! `slo report`: its simulation of each alert held to Prometheus's own
//! rule evaluation, and the command's behaviour.
//!
//! For each standard profile the generated rules run in `promtool test
//! rules` over the same counters the simulator counts (the healthy warm-up
//! included), and each alert must be firing or not as the simulation says
//! at every minute more than one evaluation away from a simulated change.

mod support;

use slo::lower::picture::{self, Profile};
use std::fmt::Write as _;
use support::{run_scenario, slo, stderr};

const SPEC: &str = "policy standard {
  page   14.4x over 1h/5m
  page   6x    over 6h/30m
  ticket 3x    over 1d/2h  for 15m
  ticket 1x    over 3d/6h
}

service checkout {
  sli requests = ratio {
    bad   = `http_errors_total`
    total = `http_requests_total`
  }
  slo availability {
    sli      = requests
    target   = 99.9%
    window   = 30d
    alerting = standard
  }
}
";

fn program() -> slo::check::Program {
    let mut sources = slo::diag::Sources::new();
    sources.add("spec.slo", SPEC);
    slo::check(&sources).program.expect("the spec checks")
}

/// The values of a counter that grows by `per_minute[m]` in minute `m`,
/// in promtool's expanding notation: one `start+step×count` run per step.
fn counter(per_minute: &[f64]) -> String {
    let mut out = String::from("0");
    let mut value = 0.0;
    let mut m = 0;
    while m < per_minute.len() {
        let step = per_minute[m];
        let run = per_minute[m..].iter().take_while(|&&s| s == step).count();
        let _ = write!(out, " {}+{}x{}", value + step, step, run - 1);
        value += step * run as f64;
        m += run;
    }
    out
}

/// The promtool test of one profile: the counters, and at chosen minutes
/// whether each alert fires.
fn scenario(program: &slo::check::Program, profile: &Profile) -> (String, usize) {
    let slo = &program.services[0].slos[0];
    let warm = picture::warm_up(slo);
    let timeline = picture::simulate(slo, profile);
    let first = profile.traffic[0];
    let requests: Vec<f64> = std::iter::repeat_n(first, warm)
        .chain(profile.traffic.iter().copied())
        .map(|t| t * 60.0)
        .collect();
    let errors: Vec<f64> = std::iter::repeat_n(0.0, warm)
        .chain(profile.errors.iter().copied())
        .zip(&requests)
        .map(|(e, r)| e * r)
        .collect();
    let mut test = format!(
        "- interval: 1m\n  input_series:\n  - series: 'http_requests_total'\n    values: '{}'\n  - series: 'http_errors_total'\n    values: '{}'\n  promql_expr_test:\n",
        counter(&requests),
        counter(&errors)
    );
    let len = profile.traffic.len();
    let mut checks = 0;
    for (alert, track) in slo.alerts.iter().zip(&timeline.alerts) {
        let firing = |m: usize| track.firing.iter().any(|&(s, e)| s <= m && m < e);
        let expr = format!(
            "count(ALERTS{{alertstate=\"firing\", severity=\"{}\", long_window=\"{}\", short_window=\"{}\"}})",
            alert.severity, alert.long, alert.short
        );
        // Every ten minutes, and around every simulated change: wherever
        // the simulation says the same one evaluation before and after.
        let mut minutes: Vec<usize> = (0..=len).step_by(10).collect();
        for &(s, e) in &track.firing {
            minutes.extend([s.saturating_sub(2), s + 1, e.saturating_sub(2), e + 1]);
        }
        minutes.sort_unstable();
        minutes.dedup();
        for m in minutes.into_iter().filter(|&m| m <= len) {
            let state = firing(m);
            if m == 0 || firing(m - 1) != state || firing(m + 1) != state {
                continue;
            }
            let expected = if state {
                "\n    - labels: '{}'\n      value: 1"
            } else {
                " []"
            };
            let _ = write!(
                test,
                "  - expr: '{expr}'\n    eval_time: {}m\n    exp_samples:{expected}\n",
                warm + m
            );
            checks += 1;
        }
    }
    (test, checks)
}

#[test]
fn the_simulation_fires_and_resolves_when_prometheus_does() {
    let program = program();
    let slo = &program.services[0].slos[0];
    let profiles = picture::standard_for(slo);
    assert_eq!(
        profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        [
            "1h full outage",
            "10% errors for 6h",
            "slow burn at 2× the budget"
        ]
    );
    // What the simulation says, in words a reviewer checks by hand: a full
    // outage pages within minutes, 10% errors page on the 1h line too, and
    // twice the budget only wakes the 3-day ticket.
    let fired = |p: &Profile| -> Vec<(String, Vec<(usize, usize)>)> {
        picture::simulate(slo, p)
            .alerts
            .into_iter()
            .map(|a| (a.label, a.firing))
            .collect()
    };
    let outage = fired(&profiles[0]);
    assert_eq!(outage[0].0, "page 14.4x over 1h/5m");
    assert_eq!(outage[0].1.len(), 1, "{outage:?}");
    let (start, _) = outage[0].1[0];
    // 0.001 × 14.4 × 60m = 0.864 minutes into the outage: the next minute.
    assert_eq!(start, 61, "{outage:?}");
    let slow = fired(&profiles[2]);
    assert!(slow[..3].iter().all(|(_, f)| f.is_empty()), "{slow:?}");
    assert_eq!(slow[3].1.len(), 1, "{slow:?}");
    // Half of the 3-day window at twice the budget: 36 hours.
    assert!((2150..2170).contains(&slow[3].1[0].0), "{slow:?}");

    // And Prometheus agrees, minute for minute.
    let mut tests = String::new();
    let mut checks = 0;
    for profile in &profiles {
        let (test, n) = scenario(&program, profile);
        tests.push_str(&test);
        checks += n;
    }
    assert!(checks > 500, "only {checks} checks");
    run_scenario(SPEC, &tests);
}

#[test]
fn counters_in_promtool_notation() {
    assert_eq!(counter(&[6.0, 6.0, 6.0, 12.0]), "0 6+6x2 30+12x0");
}

#[test]
fn a_profile_file_replaces_the_standard_profiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("spec.slo"), SPEC).expect("write");
    std::fs::write(
        dir.path().join("incident.yaml"),
        "name: checkout incident\nlength: 3h\nminutes:\n  0: {traffic: 120, errors: 0.001}\n  60: {errors: 0.3}\n  95: {traffic: 80, errors: 0.02}\n",
    )
    .expect("write");
    let out = slo(
        &[
            "report",
            "spec.slo",
            "-o",
            "page.html",
            "--profile",
            "incident.yaml",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "quiet on success"
    );
    let page = std::fs::read_to_string(dir.path().join("page.html")).expect("page");
    assert!(page.contains("checkout incident"));
    assert!(!page.contains("1h full outage"));

    // A bad profile is a usage error that names the file, and writes nothing.
    std::fs::write(
        dir.path().join("bad.yaml"),
        "name: x\nlength: 1h\nminutes:\n  0: {errors: 5}\n",
    )
    .expect("write");
    let out = slo(
        &[
            "report",
            "spec.slo",
            "-o",
            "other.html",
            "--profile",
            "bad.yaml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "`bad.yaml`: profile 1: minute 0: `errors: 5` is not an error ratio from 0 to 1"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("other.html").exists());
}

#[test]
fn specs_with_errors_write_no_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("spec.slo"),
        SPEC.replace("alerting = standard", "alerting = standrad"),
    )
    .expect("write");
    let out = slo(&["report", "spec.slo", "-o", "page.html"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("SLO101"), "{}", stderr(&out));
    assert!(!dir.path().join("page.html").exists());
}
