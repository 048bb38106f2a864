//! `slo compile --target`: the same specs deployed to the Prometheus
//! Operator, VictoriaMetrics, Mimir and Thanos. Every object validates
//! against its CRD's `openAPIV3Schema`, every rule group passes `promtool
//! check rules` (and `vmalert -dryRun` for VictoriaMetrics), the wrapped
//! rules, dashboards and Alertmanager configuration are exactly the plain
//! target's, `kubectl kustomize` builds the Kubernetes output, and names stay
//! valid and stable for any service name.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use support::{files, root, shared, slo, stderr, tool, K8S_SCHEMA};

/// `slo compile specs/ -o OUT --target TARGET EXTRA…` from the repository.
fn compile_specs(target: &str, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    compile_into(&root(), &["specs"], out.path(), target, extra);
    out
}

fn compile_into(cwd: &Path, specs: &[&str], out: &Path, target: &str, extra: &[&str]) {
    let out = out.to_str().expect("utf-8 path");
    let mut args = vec!["compile"];
    args.extend(specs);
    args.extend(["-o", out, "--target", target]);
    args.extend(extra);
    let o = slo(&args, cwd);
    assert!(o.status.success(), "slo {args:?} failed:\n{}", stderr(&o));
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "quiet on success"
    );
}

/// Every YAML document of a file, as JSON values.
fn documents(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).expect("valid YAML"))
        .collect()
}

fn yaml(text: &str) -> Value {
    serde_yaml_ng::from_str(text).expect("valid YAML")
}

/// The validator of a CRD's (only) version, or `None` (said loudly) when
/// `shared/` is absent outside CI.
fn crd(file: &str) -> Option<jsonschema::Validator> {
    let dir = shared(&K8S_SCHEMA)?;
    let crd = yaml(&fs::read_to_string(dir.join(file)).expect("read CRD"));
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    Some(jsonschema::validator_for(schema).expect("a valid schema"))
}

fn assert_valid(v: &jsonschema::Validator, object: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(object)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} breaks its CRD:\n{}",
        errors.join("\n")
    );
}

/// Runs `promtool check rules` on `groups` written as a rule file.
fn promtool_check(groups: &Value, what: &str) {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rules.yml");
    let text = serde_yaml_ng::to_string(&serde_json::json!({ "groups": groups })).expect("yaml");
    fs::write(&file, text).expect("write rules");
    let o = std::process::Command::new(promtool)
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .expect("run promtool");
    assert!(
        o.status.success(),
        "promtool check rules fails on {what}:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
}

/// The rule groups of the plain target, by service.
fn plain_groups() -> BTreeMap<String, Value> {
    let out = compile_specs("prometheus", &[]);
    files(out.path(), "prometheus/")
        .into_iter()
        .map(|(path, text)| {
            let service = path
                .trim_start_matches("prometheus/")
                .trim_end_matches(".yml")
                .to_string();
            (service, yaml(&text)["groups"].clone())
        })
        .collect()
}

/// The plain target's dashboards and Alertmanager configuration, by file
/// name.
fn plain_files() -> BTreeMap<String, String> {
    let out = compile_specs("prometheus", &[]);
    files(out.path(), "")
        .into_iter()
        .filter(|(p, _)| !p.starts_with("prometheus/") && !p.starts_with('.'))
        .map(|(p, text)| (p.rsplit('/').next().expect("name").to_string(), text))
        .collect()
}

/// A DNS-1123 label, as Kubernetes checks `metadata.name` of most objects.
fn dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A DNS-1123 subdomain, as Kubernetes checks a `ConfigMap`'s name.
fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

/// The objects of a Kubernetes output directory, by file, after checking
/// that `kustomization.yaml` lists exactly the object files and that every
/// object has a valid name, the namespace and the labels asked for.
fn objects(
    out: &Path,
    namespace: Option<&str>,
    labels: &[(&str, &str)],
) -> BTreeMap<String, Vec<Value>> {
    let all = files(out, "");
    let kustomization = yaml(&all["kustomization.yaml"]);
    assert_eq!(kustomization["kind"], "Kustomization");
    let listed: Vec<String> = kustomization["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r.as_str().expect("path").to_string())
        .collect();
    let present: Vec<String> = all
        .keys()
        .filter(|p| !p.starts_with('.') && *p != "kustomization.yaml")
        .cloned()
        .collect();
    assert_eq!(
        listed, present,
        "kustomization.yaml lists every object file"
    );
    let mut objects = BTreeMap::new();
    for path in present {
        let docs = documents(&all[&path]);
        for o in &docs {
            let name = o["metadata"]["name"].as_str().expect("a name");
            let kind = o["kind"].as_str().expect("a kind");
            // Object names are DNS-1123 subdomains; the first part of a
            // split object, and every object that is not split, a label.
            let valid = dns_subdomain(name) && (name.contains('.') || dns_label(name));
            assert!(valid, "{path}: `{name}` is not a valid {kind} name");
            assert_eq!(
                o["metadata"]["namespace"].as_str(),
                namespace,
                "{path}: namespace"
            );
            assert_eq!(
                o["metadata"]["labels"]["app.kubernetes.io/managed-by"], "slo",
                "{path}"
            );
            for (k, v) in labels {
                assert_eq!(o["metadata"]["labels"][*k], *v, "{path}: label {k}");
            }
        }
        objects.insert(path, docs);
    }
    objects
}

/// The dashboards and the Alertmanager `Secret` of a Kubernetes output
/// hold exactly the plain target's files, each `ConfigMap` carries the
/// sidecar's label, and no object is too large for `kubectl apply`.
fn assert_wrapped_files(objects: &BTreeMap<String, Vec<Value>>, sidecar: (&str, &str)) {
    let plain = plain_files();
    let mut seen = BTreeMap::new();
    for (path, docs) in objects {
        for o in docs {
            // `kubectl apply` keeps the whole object in an annotation of at
            // most 256 KiB; the API server takes at most 1 MiB.
            let size = serde_json::to_string(o).expect("json").len();
            assert!(
                size < 256 * 1024,
                "{path}: {size} bytes is too large to apply"
            );
            match o["kind"].as_str() {
                Some("ConfigMap") => {
                    assert_eq!(o["metadata"]["labels"][sidecar.0], sidecar.1, "{path}");
                    for (key, json) in o["data"].as_object().expect("data") {
                        seen.insert(key.clone(), json.as_str().expect("text").to_string());
                    }
                }
                Some("Secret") => {
                    let config = o["stringData"]["alertmanager.yaml"]
                        .as_str()
                        .expect("config");
                    seen.insert("alertmanager.yml".into(), config.to_string());
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        plain.keys().collect::<Vec<_>>()
    );
    for (name, text) in &plain {
        assert!(
            &seen[name] == text,
            "{name} differs from the plain target's"
        );
    }
}

#[test]
fn prometheus_operator_objects_validate_and_hold_the_plain_rules() {
    let out = compile_specs(
        "prometheus-operator",
        &["--namespace", "monitoring", "--label", "role=alert-rules"],
    );
    let objects = objects(out.path(), Some("monitoring"), &[("role", "alert-rules")]);
    let validator = crd("monitoring.coreos.com_prometheusrules.yaml");
    let plain = plain_groups();
    let mut rules = 0;
    for (path, docs) in &objects {
        let Some(service) = path.strip_prefix("prometheusrules/") else {
            continue;
        };
        let service = service.trim_end_matches(".yaml");
        let [rule] = docs.as_slice() else {
            panic!("{path}: one PrometheusRule per file");
        };
        assert_eq!(rule["apiVersion"], "monitoring.coreos.com/v1");
        assert_eq!(rule["kind"], "PrometheusRule");
        assert_eq!(rule["metadata"]["name"], format!("slo-{service}"));
        if let Some(v) = &validator {
            assert_valid(v, rule, path);
        }
        assert_eq!(
            rule["spec"]["groups"], plain[service],
            "{path}: the plain rules"
        );
        promtool_check(&rule["spec"]["groups"], path);
        rules += 1;
    }
    assert_eq!(rules, plain.len(), "one PrometheusRule per service");
    assert_wrapped_files(&objects, ("grafana_dashboard", "1"));
}

#[test]
fn victoriametrics_objects_validate_and_pass_vmalert() {
    let out = compile_specs("victoriametrics", &["--dashboard-label", "dashboards=slo"]);
    let objects = objects(out.path(), None, &[]);
    let validator = crd("operator.victoriametrics.com_vmrules.yaml");
    let vmalert = tool("vmalert");
    let plain = plain_groups();
    let mut rules = 0;
    for (path, docs) in &objects {
        let Some(service) = path.strip_prefix("vmrules/") else {
            continue;
        };
        let service = service.trim_end_matches(".yaml");
        let [rule] = docs.as_slice() else {
            panic!("{path}: one VMRule per file");
        };
        assert_eq!(rule["apiVersion"], "operator.victoriametrics.com/v1beta1");
        assert_eq!(rule["kind"], "VMRule");
        if let Some(v) = &validator {
            assert_valid(v, rule, path);
        }
        let groups = &rule["spec"]["groups"];
        assert_eq!(groups, &plain[service], "{path}: the plain rules");
        promtool_check(groups, path);
        if let Some(vmalert) = &vmalert {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("rules.yml");
            let text = serde_yaml_ng::to_string(&serde_json::json!({ "groups": groups }));
            fs::write(&file, text.expect("yaml")).expect("write");
            let o = std::process::Command::new(vmalert)
                .arg("-dryRun")
                .arg(format!("-rule={}", file.display()))
                .output()
                .expect("run vmalert");
            assert!(
                o.status.success(),
                "vmalert -dryRun fails on {path}:\n{}",
                stderr(&o)
            );
        }
        rules += 1;
    }
    assert_eq!(rules, plain.len(), "one VMRule per service");
    assert_wrapped_files(&objects, ("dashboards", "slo"));
}

#[test]
fn mimir_files_hold_one_namespace_per_service() {
    let out = compile_specs("mimir", &[]);
    let all = files(out.path(), "");
    let plain = plain_groups();
    let mimir: Vec<&String> = all.keys().filter(|p| p.starts_with("mimir/")).collect();
    assert_eq!(mimir.len(), plain.len(), "one file per service: {mimir:?}");
    for path in mimir {
        let service = path.trim_start_matches("mimir/").trim_end_matches(".yaml");
        let file = yaml(&all[path]);
        let keys: Vec<&String> = file.as_object().expect("a map").keys().collect();
        assert_eq!(keys, ["groups", "namespace"], "{path}: mimirtool's keys");
        assert_eq!(file["namespace"], format!("slo-{service}"));
        assert_eq!(file["groups"], plain[service], "{path}: the plain rules");
        promtool_check(&file["groups"], path);
    }
    assert_same_extras(&all);
}

#[test]
fn thanos_groups_abort_on_partial_responses() {
    let out = compile_specs("thanos", &[]);
    let all = files(out.path(), "");
    let plain = plain_groups();
    let thanos: Vec<&String> = all.keys().filter(|p| p.starts_with("thanos/")).collect();
    assert_eq!(
        thanos.len(),
        plain.len(),
        "one file per service: {thanos:?}"
    );
    for path in thanos {
        let service = path.trim_start_matches("thanos/").trim_end_matches(".yml");
        let mut groups = yaml(&all[path])["groups"].clone();
        for g in groups.as_array_mut().expect("groups") {
            let strategy = g
                .as_object_mut()
                .expect("a group")
                .remove("partial_response_strategy");
            assert_eq!(strategy, Some(Value::from("abort")), "{path}");
        }
        // What is left is a Prometheus rule file, the plain one.
        assert_eq!(groups, plain[service], "{path}: the plain rules");
        promtool_check(&groups, path);
    }
    assert_same_extras(&all);
}

/// Mimir and Thanos take the plain target's dashboards and Alertmanager
/// configuration as they are.
fn assert_same_extras(all: &BTreeMap<String, String>) {
    let plain = support::compile(&root(), &["specs"]);
    let plain = files(plain.path(), "");
    for (path, text) in &plain {
        if path.starts_with("grafana/") || path.starts_with("alertmanager/") {
            assert!(
                all.get(path) == Some(text),
                "{path} differs from the plain target's"
            );
        }
    }
}

#[test]
fn kubectl_kustomize_builds_every_object() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    for target in ["prometheus-operator", "victoriametrics"] {
        let out = compile_specs(target, &["--namespace", "monitoring"]);
        let o = std::process::Command::new(&kubectl)
            .arg("kustomize")
            .arg(out.path())
            .output()
            .expect("run kubectl");
        assert!(
            o.status.success(),
            "kubectl kustomize fails for {target}:\n{}",
            stderr(&o)
        );
        let built = documents(&String::from_utf8(o.stdout).expect("utf-8"));
        let expected: usize = objects(out.path(), Some("monitoring"), &[])
            .values()
            .map(Vec::len)
            .sum();
        assert_eq!(built.len(), expected, "{target}: every object is applied");
    }
}

/// A service with `n` SLOs, each with alerts so it has a full dashboard row.
fn service_with_slos(name: &str, n: usize) -> String {
    let mut s = format!(
        "service {name} {{\n  sli requests = ratio {{\n    bad   = `http_requests_total{{code=~\"5..\"}}`\n    total = `http_requests_total`\n  }}\n"
    );
    for i in 0..n {
        s.push_str(&format!(
            "  slo availability-{i} {{\n    sli      = requests\n    target   = 99.5%\n    alerting = none\n  }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

#[test]
fn odd_service_names_give_valid_distinct_stable_names() {
    let src = tempfile::tempdir().expect("tempdir");
    let long = format!("x{}", "_long".repeat(25));
    let names = ["Checkout_API", "checkout-api", "a_b", "a-b", long.as_str()];
    let spec: String = names.iter().map(|n| service_with_slos(n, 1)).collect();
    fs::write(src.path().join("odd.slo"), spec).expect("write");
    for target in ["prometheus-operator", "victoriametrics"] {
        let first = tempfile::tempdir().expect("tempdir");
        let second = tempfile::tempdir().expect("tempdir");
        compile_into(src.path(), &["."], first.path(), target, &[]);
        compile_into(src.path(), &["."], second.path(), target, &[]);
        assert_eq!(
            files(first.path(), ""),
            files(second.path(), ""),
            "{target}: the same names and bytes on every run"
        );
        let objects = objects(first.path(), None, &[]);
        let mut names = BTreeMap::new();
        for o in objects.values().flatten() {
            let key = (
                o["kind"].clone().to_string(),
                o["metadata"]["name"].to_string(),
            );
            *names.entry(key).or_insert(0) += 1;
        }
        let repeated: Vec<_> = names.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            repeated.is_empty(),
            "{target}: names used twice: {repeated:?}"
        );
    }
}

#[test]
fn a_large_service_splits_its_rules_and_dashboards_over_objects() {
    let src = tempfile::tempdir().expect("tempdir");
    fs::write(src.path().join("big.slo"), service_with_slos("big", 150)).expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    compile_into(src.path(), &["."], out.path(), "prometheus-operator", &[]);
    let plain = support::compile(src.path(), &["."]);
    let plain = files(plain.path(), "grafana/big");
    let objects = objects(out.path(), None, &[]);
    let maps = &objects["dashboards/big.yaml"];
    assert!(
        maps.len() > 1,
        "150 SLOs' dashboards need several ConfigMaps"
    );
    let mut seen = BTreeMap::new();
    for (i, m) in maps.iter().enumerate() {
        let name = if i == 0 {
            "slo-dashboards-big".to_string()
        } else {
            format!("slo-dashboards-big.{}", i + 1)
        };
        assert_eq!(m["metadata"]["name"], name);
        let size = serde_json::to_string(m).expect("json").len();
        assert!(size < 256 * 1024, "{name}: {size} bytes");
        for (key, json) in m["data"].as_object().expect("data") {
            seen.insert(
                format!("grafana/{key}"),
                json.as_str().expect("text").to_string(),
            );
        }
    }
    assert_eq!(
        seen, plain,
        "every page, once, as the plain target writes it"
    );

    // The rules: `slo-big`, `slo-big.2`, …, their groups in order those of
    // the plain rule file.
    let plain = support::compile(src.path(), &["."]);
    let plain = fs::read_to_string(plain.path().join("prometheus/big.yml")).expect("read");
    let plain = yaml(&plain)["groups"].clone();
    let rules = &objects["prometheusrules/big.yaml"];
    assert!(
        rules.len() > 1,
        "150 SLOs' rules need several PrometheusRules"
    );
    let validator = crd("monitoring.coreos.com_prometheusrules.yaml");
    let mut groups = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let name = if i == 0 {
            "slo-big".to_string()
        } else {
            format!("slo-big.{}", i + 1)
        };
        assert_eq!(rule["metadata"]["name"], name);
        let size = serde_json::to_string(rule).expect("json").len();
        assert!(size < 256 * 1024, "{name}: {size} bytes");
        if let Some(v) = &validator {
            assert_valid(v, rule, &name);
        }
        groups.extend(rule["spec"]["groups"].as_array().expect("groups").clone());
    }
    assert_eq!(Value::from(groups), plain, "every group, once, in order");
}

#[test]
fn check_finds_drift_in_kubernetes_output() {
    let src = tempfile::tempdir().expect("tempdir");
    let spec = src.path().join("api.slo");
    fs::write(&spec, support::SERVICE).expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8");
    let flags = [
        "--target",
        "prometheus-operator",
        "--namespace",
        "monitoring",
    ];
    compile_into(
        src.path(),
        &["."],
        out.path(),
        "prometheus-operator",
        &flags[2..],
    );
    let check = |extra: &[&str]| {
        let mut args = vec!["compile", ".", "-o", o, "--check"];
        args.extend(extra);
        slo(&args, src.path())
    };
    assert_eq!(check(&flags).status.code(), Some(0), "up to date");
    // Another namespace is drift too: every object would move.
    let moved = check(&["--target", "prometheus-operator", "--namespace", "slo"]);
    assert_eq!(moved.status.code(), Some(1));
    assert!(support::stdout(&moved).contains("+  namespace: slo"));
    fs::write(&spec, support::SERVICE.replace("99.5%", "99.9%")).expect("edit");
    let edited = check(&flags);
    assert_eq!(edited.status.code(), Some(1), "{}", stderr(&edited));
    let diff = support::stdout(&edited);
    assert!(diff.contains("prometheusrules/api.yaml"), "{diff}");
    assert!(diff.contains("+      expr: vector(0.999)"), "{diff}");
}

#[test]
fn switching_targets_removes_only_the_previous_targets_files() {
    let src = tempfile::tempdir().expect("tempdir");
    fs::write(src.path().join("api.slo"), support::SERVICE).expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    compile_into(src.path(), &["."], out.path(), "prometheus", &[]);
    fs::write(out.path().join("prometheus/mine.yml"), "groups: []\n").expect("write");
    fs::write(out.path().join("notes.txt"), "mine\n").expect("write");
    let theirs = |all: &BTreeMap<String, String>| {
        assert_eq!(all["prometheus/mine.yml"], "groups: []\n");
        assert_eq!(all["notes.txt"], "mine\n");
    };
    let paths = |dir: &Path| -> Vec<String> {
        files(dir, "")
            .into_keys()
            .filter(|p| !p.starts_with('.'))
            .collect()
    };

    compile_into(src.path(), &["."], out.path(), "prometheus-operator", &[]);
    theirs(&files(out.path(), ""));
    assert_eq!(
        paths(out.path()),
        [
            "dashboards/api.yaml",
            "dashboards/slo-overview.yaml",
            "kustomization.yaml",
            "notes.txt",
            "prometheus/mine.yml",
            "prometheusrules/api.yaml",
        ]
    );
    assert!(
        !out.path().join("grafana").exists(),
        "an emptied directory goes"
    );

    compile_into(src.path(), &["."], out.path(), "mimir", &[]);
    theirs(&files(out.path(), ""));
    assert_eq!(
        paths(out.path()),
        [
            "grafana/api.json",
            "grafana/slo-overview.json",
            "mimir/api.yaml",
            "notes.txt",
            "prometheus/mine.yml",
        ]
    );
    for gone in ["dashboards", "prometheusrules"] {
        assert!(!out.path().join(gone).exists(), "{gone}/ goes");
    }
}

#[test]
fn target_mistakes_are_usage_errors_that_write_nothing() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().join("out");
    let o = o.to_str().expect("utf-8");
    let run = |extra: &[&str]| {
        let mut args = vec!["compile", "specs", "-o", o];
        args.extend(extra);
        slo(&args, &root())
    };
    let unknown = run(&["--target", "kubernetes"]);
    assert_eq!(unknown.status.code(), Some(2));
    let text = stderr(&unknown);
    for name in [
        "prometheus",
        "prometheus-operator",
        "victoriametrics",
        "mimir",
        "thanos",
    ] {
        assert!(text.contains(name), "the valid targets are listed:\n{text}");
    }
    let misplaced = run(&["--target", "mimir", "--namespace", "monitoring"]);
    assert_eq!(misplaced.status.code(), Some(2));
    assert!(stderr(&misplaced).contains("`--namespace` applies to Kubernetes objects"));
    let bad_label = run(&["--target", "prometheus-operator", "--label", "role"]);
    assert_eq!(bad_label.status.code(), Some(2));
    assert!(stderr(&bad_label).contains("KEY=VALUE"));
    let bad_namespace = run(&[
        "--target",
        "prometheus-operator",
        "--namespace",
        "Monitoring",
    ]);
    assert_eq!(bad_namespace.status.code(), Some(2));
    assert!(!out.path().join("out").exists(), "nothing is written");
}

#[test]
fn the_crd_schemas_reject_a_broken_rule_object() {
    // The validators above must be able to fail: a duration Prometheus
    // cannot read, or a rule without `expr`, breaks both CRDs.
    let out = compile_specs("prometheus-operator", &[]);
    let text = fs::read_to_string(out.path().join("prometheusrules/checkout.yaml")).expect("read");
    for (file, api) in [
        (
            "monitoring.coreos.com_prometheusrules.yaml",
            "monitoring.coreos.com/v1",
        ),
        (
            "operator.victoriametrics.com_vmrules.yaml",
            "operator.victoriametrics.com/v1beta1",
        ),
    ] {
        let Some(v) = crd(file) else {
            return;
        };
        let mut rule = yaml(&text);
        rule["apiVersion"] = Value::from(api);
        assert!(v.is_valid(&rule), "{file}: the generated object is valid");
        let mut bad = rule.clone();
        bad["spec"]["groups"][0]["rules"] = serde_json::json!([{ "record": "x" }]);
        bad["spec"]["groups"][1]["name"] = serde_json::json!(7);
        assert!(!v.is_valid(&bad), "{file} takes a numeric group name");
    }
}

#[test]
fn an_overview_too_large_for_one_config_map_is_written_compact() {
    // 2,000 SLOs: the indented overview is about 350 kB, past what
    // `kubectl apply` takes; without the indentation it fits.
    let src = tempfile::tempdir().expect("tempdir");
    let spec: String = (0..200)
        .map(|i| service_with_slos(&format!("s{i}"), 10))
        .collect();
    fs::write(src.path().join("many.slo"), spec).expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    compile_into(src.path(), &["."], out.path(), "prometheus-operator", &[]);
    let plain = support::compile(src.path(), &["."]);
    let plain = fs::read_to_string(plain.path().join("grafana/slo-overview.json")).expect("read");
    assert!(plain.len() > 256 * 1024, "the test needs a large overview");
    let objects = objects(out.path(), None, &[]);
    let [overview] = objects["dashboards/slo-overview.yaml"].as_slice() else {
        panic!("one overview ConfigMap");
    };
    let size = serde_json::to_string(overview).expect("json").len();
    assert!(size < 256 * 1024, "{size} bytes is too large to apply");
    let json = overview["data"]["slo-overview.json"]
        .as_str()
        .expect("text");
    assert_eq!(
        serde_json::from_str::<Value>(json).expect("JSON"),
        serde_json::from_str::<Value>(&plain).expect("JSON"),
        "the same dashboard"
    );
}
