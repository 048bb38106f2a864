//! Adopting with history, as `docs/architecture.md` says to: two days of
//! raw samples on a real `prometheus`, the two base-rate rules backfilled
//! with `promtool tsdb create-blocks-from rules`, the blocks moved into the
//! server's data directory. After a restart the long windows and the
//! period, which add up the base rates, read the same as the raw series
//! over the same windows.
//!
//! Without the tools this test fails in CI (`CI` set) and is skipped with
//! a loud warning elsewhere.

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{fs, thread};
use support::{free_port, Process};

const SPEC: &str = r#"
policy slow {
  ticket 1x over 1d/2h
}

service shop {
  sli requests = ratio {
    bad   = `http_requests_total{code="500"}`
    total = `http_requests_total`
  }

  slo availability { sli = requests  target = 99%  window = 30d  alerting = slow }
}
"#;

/// Two days of samples, one a minute.
const MINUTES: u64 = 2 * 24 * 60;

fn start_prometheus(binary: &Path, dir: &Path) -> (Process, String) {
    let port = free_port();
    let log = dir.join("prometheus.log");
    let config = dir.join("prometheus.yml");
    fs::write(&config, "global:\n  evaluation_interval: 1m\n").expect("config");
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg("--storage.tsdb.retention.time=400d")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("log"),
        )
        .spawn()
        .expect("start prometheus");
    let server = Process { child, log };
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while ureq::get(&format!("{url}/-/ready")).call().is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "prometheus did not start:\n{}",
            server.log()
        );
        thread::sleep(Duration::from_millis(200));
    }
    (server, url)
}

/// The value of an instant query at `time` that yields one series.
fn value(url: &str, expr: &str, time: u64) -> f64 {
    match support::instant_query(url, expr, time).as_slice() {
        [(_, value)] => *value,
        other => panic!("{expr}: {other:?}"),
    }
}

#[test]
fn backfilled_base_rates_read_as_the_raw_series() {
    let (Some(prometheus), Some(promtool)) =
        (support::tool("prometheus"), support::tool("promtool"))
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();

    // Two days that ended three hours ago (older than the server's head),
    // with half an hour of 20% errors on the second day.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let end = (now - 3 * 3600) / 3600 * 3600;
    let start = end - MINUTES * 60;
    let mut om = String::new();
    for (code, per_minute, burst) in [("200", 990, 0), ("500", 10, 200)] {
        let mut total = 0;
        for m in 0..=MINUTES {
            if m > 0 {
                total += per_minute + if (2000..2030).contains(&m) { burst } else { 0 };
            }
            let _ = writeln!(
                om,
                "http_requests_total{{code=\"{code}\"}} {total} {}",
                start + m * 60
            );
        }
    }
    om.push_str("# EOF\n");
    fs::write(dir.join("raw.om"), om).expect("write samples");
    let run = |args: &[&str]| {
        let out = Command::new(&promtool)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run promtool");
        assert!(
            out.status.success(),
            "promtool {args:?}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "raw.om",
        "data",
    ]);

    // The rule file with the base rates alone.
    let files = support::rule_files(SPEC);
    let mut rules: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&files[0].1).expect("rules are YAML");
    let all = rules.clone();
    let groups = rules["groups"].as_sequence_mut().expect("groups");
    groups.retain(|g| g["name"].as_str().is_some_and(|n| n.ends_with(":sli")));
    for group in groups.iter_mut() {
        group["rules"]
            .as_sequence_mut()
            .expect("rules")
            .retain(|r| {
                matches!(
                    r["record"].as_str(),
                    Some("slo:sli_errors:rate5m" | "slo:sli_total:rate5m")
                )
            });
    }
    fs::write(
        dir.join("base.yml"),
        serde_yaml_ng::to_string(&rules).expect("yaml"),
    )
    .expect("write base rules");

    let (server, url) = start_prometheus(&prometheus, dir);
    run(&[
        "tsdb",
        "create-blocks-from",
        "rules",
        "--start",
        &start.to_string(),
        "--end",
        &end.to_string(),
        "--url",
        &url,
        "--output-dir",
        "backfill",
        "base.yml",
    ]);
    drop(server);
    for block in fs::read_dir(dir.join("backfill")).expect("blocks") {
        let block = block.expect("block").path();
        let name = block.file_name().expect("name").to_owned();
        fs::rename(&block, dir.join("data").join(name)).expect("move block");
    }
    let (server, url) = start_prometheus(&prometheus, dir);

    let expr = |record: &str| -> String {
        all["groups"]
            .as_sequence()
            .expect("groups")
            .iter()
            .flat_map(|g| g["rules"].as_sequence().expect("rules"))
            .find(|r| r["record"].as_str() == Some(record))
            .and_then(|r| r["expr"].as_str())
            .unwrap_or_else(|| panic!("no rule records {record}"))
            .to_string()
    };
    for (record, window) in [
        ("slo:sli_error:ratio_rate1d", "1d"),
        ("slo:sli_error:ratio_rate30d", "30d"),
    ] {
        let summed = value(&url, &expr(record), end);
        let raw = value(
            &url,
            &format!(
                "sum(increase(http_requests_total{{code=\"500\"}}[{window}])) / sum(increase(http_requests_total[{window}]))"
            ),
            end,
        );
        assert!(
            (summed - raw).abs() <= 0.001 * raw,
            "{record}: {summed} from the backfilled base rates, {raw} from the raw series\n{}",
            server.log()
        );
    }
}
