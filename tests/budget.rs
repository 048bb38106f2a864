//! `slo budget` through the real binary: the report of `specs/` in each
//! format against `golden/budget/`, and the figures a user checks by hand.
//!
//! `SLO_BLESS=1 cargo test --test budget` rewrites the golden files.

mod support;

use support::{root, slo, stdout};

use std::fs;

use std::process::Output;

fn bless() -> bool {
    std::env::var_os("SLO_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn specs_report_matches_golden_files_in_every_format() {
    for (format, file) in [
        ("human", "specs.txt"),
        ("markdown", "specs.md"),
        ("json", "specs.json"),
    ] {
        let o = slo(&["budget", "--format", format, "specs"], &root());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.stderr.is_empty(), "clean specs print nothing on stderr");
        let actual = stdout(&o);
        let golden = root().join("golden/budget").join(file);
        if bless() {
            fs::create_dir_all(golden.parent().expect("parent")).expect("mkdir");
            fs::write(&golden, &actual).expect("write golden");
            continue;
        }
        let expected = fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!("{} is missing (SLO_BLESS=1 to write it)", golden.display())
        });
        assert_eq!(
            actual,
            expected,
            "{format} report differs from {} (SLO_BLESS=1 to rewrite)",
            golden.display()
        );
    }
}

const SPEC: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  page   5%    over 6h/30m
  ticket 3x    over 1d/2h  for 15m
}

service api {
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli      = requests
    target   = 99.9%
    window   = 30d
    alerting = standard
  }
  slo strict {
    sli    = requests
    target = 99.99%
    window = 28d
  }
}
"#;

fn report(format: &str) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), SPEC).expect("write");
    slo(&["budget", "--format", format, "a.slo"], dir.path())
}

#[test]
fn json_figures_follow_the_sre_workbook() {
    let o = report("json");
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let slo = &v["slos"][0];
    assert_eq!(slo["service"], "api");
    assert_eq!(slo["slo"], "availability");
    assert_eq!(slo["error_budget_ratio"].as_f64(), Some(0.001));
    // 99.9% over 30d: 43m12s of full outage.
    assert_eq!(slo["error_budget_seconds"].as_u64(), Some(2592));
    assert_eq!(slo["error_budget"], "43m12s");

    let page = &slo["alerts"][0];
    assert_eq!(page["burn_factor"].as_f64(), Some(14.4));
    assert_eq!(page["budget_spent_ratio"].as_f64(), Some(0.02));
    assert_eq!(
        page["min_error_ratio"].as_f64(),
        Some(0.0144),
        "printed exactly, not 0.014400000000000001"
    );
    // (1 − 0.999) / 1 × 1h × 14.4 = 51.84s.
    assert_eq!(page["detection_seconds"].as_f64(), Some(51.84));
    assert_eq!(page["exhaustion_seconds"].as_u64(), Some(50 * 3600));
    assert_eq!(page["exhaustion"], "2d2h");

    // A budget share of 5% over 6h is 5% × 30d / 6h = 6x.
    let share = &slo["alerts"][1];
    assert_eq!(share["burn_factor"].as_u64(), Some(6));
    assert_eq!(share["budget_spent_ratio"].as_f64(), Some(0.05));

    // `for` is part of the detection time: 0.001 × 1d × 3 = 259.2s, + 15m.
    let ticket = &slo["alerts"][2];
    assert_eq!(ticket["for"], "15m");
    assert_eq!(ticket["for_seconds"].as_u64(), Some(900));
    assert_eq!(ticket["detection_seconds"].as_f64(), Some(1159.2));

    let strict = &v["slos"][1];
    assert_eq!(strict["policy"], serde_json::Value::Null);
    assert_eq!(strict["alerts"].as_array().map(Vec::len), Some(0));
    // 0.01% of 28d is 241.92s.
    assert_eq!(strict["error_budget_seconds"].as_f64(), Some(241.92));
}

#[test]
fn human_report_is_an_aligned_table() {
    let o = report("human");
    let text = stdout(&o);
    assert!(text.starts_with("api/availability: target 99.9% over 30d; error budget 0.1%, or 43m12s of full outage\n"), "{text}");
    let table: Vec<&str> = text.lines().skip(2).take(4).collect();
    assert!(table[0].trim_start().starts_with("severity"), "{text}");
    // Right-aligned numeric columns end at the same column as their heading.
    let end = |line: &str, word: &str| line.find(word).map(|i| i + word.len());
    assert_eq!(
        end(table[0], "fires above"),
        end(table[1], "1.44%"),
        "{text}"
    );
    assert_eq!(
        end(table[0], "fires above"),
        end(table[3], "0.3%"),
        "{text}"
    );
    assert!(
        text.contains("api/strict: target 99.99% over 28d"),
        "{text}"
    );
    assert!(text.contains("no burn-rate alerts"), "{text}");
}

#[test]
fn markdown_report_has_one_table_row_per_alert() {
    let text = stdout(&report("markdown"));
    assert!(text.starts_with("## Error budgets\n"), "{text}");
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| page") || l.starts_with("| ticket"))
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert_eq!(
        rows[0],
        "| page | 14.4x | 1h/5m | - | 2% | 52s | 1.44% | 2d2h |"
    );
}

#[test]
fn budget_of_invalid_specs_reports_the_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), SPEC.replace("99.99%", "100%")).expect("write");
    let o = slo(&["budget", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "no report for a broken program");
    assert!(String::from_utf8_lossy(&o.stderr).contains("error[SLO201]"));
}

mod properties {
    //! The report's figures hold together for any program the checker
    //! accepts, and no program makes rendering panic.

    use proptest::prelude::*;
    use slo::diag::Sources;
    use slo::emit::report;
    use slo::num::Ratio;

    fn spec(
        target: &str,
        burn: &str,
        long_s: u64,
        short_s: u64,
        period_s: u64,
        for_s: u64,
    ) -> String {
        format!(
            "policy p {{\n  page {burn} over {long_s}s/{short_s}s for {for_s}s\n}}\n\
             service s {{\n  sli r = ratio {{\n    bad = `e`\n    total = `t`\n  }}\n  \
             slo o {{\n    sli = r\n    target = {target}%\n    window = {period_s}s\n    alerting = p\n  }}\n}}\n"
        )
    }

    /// A decimal with an integer part in `ints` and up to 7 decimal places.
    fn decimal(ints: std::ops::Range<u64>) -> impl Strategy<Value = String> {
        (ints, 0u64..10_000_000, 0usize..8).prop_map(|(int, frac, places)| {
            if places == 0 {
                int.to_string()
            } else {
                format!("{int}.{:0>places$}", frac % 10u64.pow(places as u32))
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn figures_are_consistent(
            target in decimal(90..100),
            burn in (decimal(1..40), any::<bool>()).prop_map(|(d, share)| if share { format!("{d}%") } else { format!("{d}x") }),
            long_s in 60u64..400 * 86_400,
            short_div in 1u64..40,
            period_s in 86_400u64..3650 * 86_400,
            for_s in 0u64..3600,
        ) {
            let short_s = (long_s / short_div).max(1);
            let mut sources = Sources::new();
            sources.add("p.slo", spec(&target, &burn, long_s, short_s, period_s, for_s));
            let checked = slo::check(&sources);
            // Rejected programs (a window past the period, an alert that can
            // never fire) have no report.
            prop_assume!(checked.program.is_some());
            let program = checked.program.expect("assumed");
            let r = slo::lower::report::budget(&program);
            let slo = &r.slos[0];
            let a = &slo.alerts[0];
            let ms = |s: u64| Ratio::int(i128::from(s) * 1000);
            // Spending `budget_spent` of the budget at the alert's rate takes
            // exactly the long window.
            prop_assert_eq!(a.exhaustion_ms.mul(a.budget_spent), ms(long_s));
            // A full outage is detected after threshold × long, plus `for`.
            prop_assert_eq!(a.detection_ms.sub(ms(for_s)), a.min_error_ratio.mul(ms(long_s)));
            prop_assert!(a.min_error_ratio < Ratio::ONE, "the checker rejects alerts that cannot fire");
            prop_assert_eq!(slo.budget_ms, ms(period_s).mul(slo.budget));
            // Rendering never panics and JSON always parses.
            let _ = report::human(&r);
            let _ = report::markdown(&r);
            let json: serde_json::Value = serde_json::from_str(&report::json(&r)).expect("JSON");
            prop_assert!(json["slos"][0]["alerts"][0]["burn_factor"].as_f64().is_some());
        }
    }
}
