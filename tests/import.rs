//! `slo import` as a user runs it: what it writes, what it refuses, and
//! mappings the public examples do not show.

mod support;

use std::fs;
use std::path::Path;
use support::{slo, stderr};

/// A Sloth spec whose alerts repeat the SLO's labels, as Sloth's
/// Kubernetes API server example does; `ALERT_CATEGORY` is the alerts' value.
const SLOTH_LABELLED: &str = r#"version: "prometheus/v1"
service: "k8s-apiserver"
labels:
  cluster: "valhalla"
slos:
  - name: "requests-availability"
    objective: 99.9
    labels:
      category: availability
    sli:
      events:
        error_query: sum(rate(apiserver_request_total{code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(apiserver_request_total[{{.window}}]))
    alerting:
      name: K8sApiserverAvailabilityAlert
      labels:
        category: "ALERT_CATEGORY"
      page_alert:
        labels:
          severity: critical
          team_channel: apiserver
      ticket_alert:
        labels:
          severity: warning
"#;

/// An OpenSLO SLO whose window is a calendar month.
const OPENSLO_CALENDAR: &str = r#"apiVersion: openslo/v1
kind: SLO
metadata:
  name: api
spec:
  service: api
  indicator:
    metadata:
      name: api
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: requests_ok
        total:
          metricSource:
            type: Prometheus
            spec:
              query: requests
  timeWindow:
    - duration: 1M
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
"#;

fn write(dir: &Path, name: &str, text: &str) {
    if let Some(parent) = dir.join(name).parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(dir.join(name), text).expect("write");
}

/// The alerting rules of a compiled output, by alert name and severity.
fn alert_labels(out: &Path, alert: &str, severity: &str) -> serde_yaml_ng::Mapping {
    for entry in fs::read_dir(out.join("prometheus"))
        .expect("rules")
        .flatten()
    {
        let text = fs::read_to_string(entry.path()).expect("read");
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("YAML");
        for group in doc["groups"].as_sequence().into_iter().flatten() {
            for rule in group["rules"].as_sequence().into_iter().flatten() {
                if rule["alert"] == alert && rule["labels"]["severity"] == severity {
                    return rule["labels"].as_mapping().expect("labels").clone();
                }
            }
        }
    }
    panic!(
        "no `{alert}` alert of severity `{severity}` in {}",
        out.display()
    );
}

#[test]
fn alerts_keep_the_labels_sloth_gives_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "sloth.yml",
        &SLOTH_LABELLED.replace("ALERT_CATEGORY", "availability"),
    );
    let o = slo(&["import", "sloth", "sloth.yml", "-o", "specs"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let check = slo(&["check", "--deny", "warnings", "specs"], dir.path());
    assert!(check.status.success(), "{}", stderr(&check));
    let compile = slo(&["compile", "specs", "-o", "out"], dir.path());
    assert!(compile.status.success(), "{}", stderr(&compile));

    let page = alert_labels(
        &dir.path().join("out"),
        "K8sApiserverAvailabilityAlert",
        "critical",
    );
    assert_eq!(page["category"], "availability");
    assert_eq!(page["cluster"], "valhalla");
    assert_eq!(page["team_channel"], "apiserver");
    let ticket = alert_labels(
        &dir.path().join("out"),
        "K8sApiserverAvailabilityAlert",
        "warning",
    );
    assert_eq!(ticket["category"], "availability");
    assert!(ticket.get("team_channel").is_none(), "{ticket:?}");
}

#[test]
fn an_alert_label_that_contradicts_the_slos_is_refused_where_it_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "sloth.yml",
        &SLOTH_LABELLED.replace("ALERT_CATEGORY", "errors"),
    );
    let o = slo(&["import", "sloth", "sloth.yml", "-o", "specs"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[SLO604]"), "{err}");
    assert!(err.contains("sloth.yml:15:"), "{err}");
    assert!(
        err.contains("set `category` to `errors`, the SLO to `availability`"),
        "{err}"
    );
    assert!(
        !dir.path().join("specs").exists(),
        "a failed import wrote files"
    );
}

#[test]
fn a_document_that_cannot_map_stops_the_whole_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "slos/a-good.yaml",
        &OPENSLO_CALENDAR.replace("1M", "28d"),
    );
    write(
        dir.path(),
        "slos/b-calendar.yaml",
        &OPENSLO_CALENDAR.replace(
            "name: api\nspec:\n  service: api",
            "name: web\nspec:\n  service: web",
        ),
    );
    let o = slo(&["import", "openslo", "slos", "-o", "specs"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("error[SLO610]"), "{err}");
    assert!(err.contains("b-calendar.yaml:24:17"), "{err}");
    assert!(
        !dir.path().join("specs").exists(),
        "a failed import wrote files"
    );
}

#[test]
fn an_import_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "sloth.yml",
        &SLOTH_LABELLED.replace("ALERT_CATEGORY", "availability"),
    );
    write(dir.path(), "specs/k8s-apiserver.slo", "# mine\n");
    let o = slo(&["import", "sloth", "sloth.yml", "-o", "specs"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("k8s-apiserver.slo"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(dir.path().join("specs/k8s-apiserver.slo")).expect("read"),
        "# mine\n"
    );
    assert!(
        !dir.path().join("specs/policies.slo").exists(),
        "the import wrote some files before refusing"
    );
}

/// OpenSLO objects refer to each other by name across files: the same
/// program imports the same from one file of many documents or from a
/// directory of one document per file.
#[test]
fn openslo_references_reach_across_files() {
    let docs: Vec<&str> = [
        "apiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: api-errors\nspec:\n  ratioMetric:\n    counter: true\n    bad:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: requests_failed\n    total:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: requests\n",
        "apiVersion: openslo/v1\nkind: AlertCondition\nmetadata:\n  name: fast\nspec:\n  severity: page\n  condition:\n    kind: burnrate\n    op: gte\n    threshold: 14.4\n    lookbackWindow: 1h\n    alertAfter: 2m\n",
        "apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: api-alerts\nspec:\n  alertWhenNoData: true\n  conditions:\n    - conditionRef: fast\n  notificationTargets:\n    - targetRef: oncall\n",
        "apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: oncall\nspec:\n  target: slack\n",
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: api\nspec:\n  service: api\n  indicatorRef: api-errors\n  timeWindow:\n    - duration: 28d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - targetPercent: 99.5\n  alertPolicies:\n    - api-alerts\n",
    ]
    .to_vec();
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "one.yaml", &docs.join("---\n"));
    // The SLO first, so that a reference never depends on the order.
    for (i, doc) in docs.iter().rev().enumerate() {
        write(dir.path(), &format!("many/{i}.yml"), doc);
    }
    let one = slo(&["import", "openslo", "one.yaml", "-o", "a"], dir.path());
    assert!(one.status.success(), "{}", stderr(&one));
    let many = slo(&["import", "openslo", "many", "-o", "b"], dir.path());
    assert!(many.status.success(), "{}", stderr(&many));
    for file in ["api.slo", "policies.slo"] {
        let a = fs::read_to_string(dir.path().join("a").join(file)).expect("read");
        let b = fs::read_to_string(dir.path().join("b").join(file)).expect("read");
        assert_eq!(a, b, "{file}");
    }
    let policies = fs::read_to_string(dir.path().join("a/policies.slo")).expect("read");
    assert!(
        policies.contains("page 14.4x over 1h/5m for 2m"),
        "{policies}"
    );
    assert!(policies.contains("receiver oncall = slack"), "{policies}");
    assert!(policies.contains("page = oncall"), "{policies}");
    let api = fs::read_to_string(dir.path().join("a/api.slo")).expect("read");
    assert!(api.contains("target   = 99.5%"), "{api}");
    assert!(api.contains("no_data  = page"), "{api}");
    let check = slo(&["check", "--deny", "warnings", "a"], dir.path());
    assert!(check.status.success(), "{}", stderr(&check));
}

/// Rules generated from the specs, as Sloth writes them beside its specs,
/// are skipped with a warning; the specs import.
#[test]
fn generated_rules_beside_the_specs_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SLOTH_LABELLED.replace("ALERT_CATEGORY", "availability");
    write(dir.path(), "sloth/api.yml", &spec);
    write(
        dir.path(),
        "sloth/_gen/api.yml",
        "groups:\n  - name: sloth-slo-sli-recordings-api\n    rules: []\n",
    );
    write(
        dir.path(),
        "sloth/_gen/k8s.yml",
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: api\nspec:\n  groups: []\n",
    );
    let o = slo(&["import", "sloth", "sloth", "-o", "specs"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.matches("warning[SLO609]").count(), 2, "{err}");
    assert!(dir.path().join("specs/k8s-apiserver.slo").is_file());

    // Rules alone are no spec at all.
    let o = slo(&["import", "sloth", "sloth/_gen", "-o", "none"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no sloth SLO in the files given"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("none").exists());
}
