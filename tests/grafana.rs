//! The generated dashboards, checked as Grafana would load them: against
//! Grafana's published JSON schema (`../shared/grafana-schema/`), with every
//! query parsed as PromQL and every series a query reads recorded by the
//! generated rules. Without the schema (a clone with no `shared/` beside it,
//! `CI` unset) the schema checks are skipped, loudly, and the rest still runs.

mod support;

use promql_parser::parser::{self, Expr};
use promql_parser::util::{walk_expr, ExprVisitor};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;
use support::{compile, compile_text, files, root, shared, tool, GRAFANA_SCHEMA};

fn schema(dir: &Path, name: &str) -> Value {
    let path = dir.join(name);
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the Grafana schema {} ({e})", path.display()));
    serde_json::from_str(&text).expect("schema is JSON")
}

/// A validator for one definition of a schema file.
fn validator(dir: &Path, file: &str, definition: Option<&str>) -> jsonschema::Validator {
    let mut s = schema(dir, file);
    if let Some(d) = definition {
        s["$ref"] = Value::String(format!("#/definitions/{d}"));
    }
    jsonschema::draft7::new(&s).expect("valid draft-07 schema")
}

/// Grafana's schemas for what the dashboards contain.
struct Schemas {
    dashboard: jsonschema::Validator,
    query: jsonschema::Validator,
    /// A panel type's `options`.
    plugin: BTreeMap<String, jsonschema::Validator>,
    /// A panel type's `fieldConfig.defaults.custom`, where it has one.
    custom: BTreeMap<String, jsonschema::Validator>,
    /// The schema version Grafana writes today.
    current: Value,
}

/// The schemas, or `None` (said loudly) when `shared/` is absent outside CI:
/// then only the checks that need no schema run.
fn schemas() -> Option<Schemas> {
    let dir = shared(&GRAFANA_SCHEMA)?;
    let mut plugin = BTreeMap::new();
    let mut custom = BTreeMap::new();
    for kind in ["stat", "gauge", "timeseries", "table"] {
        let file = format!("{kind}.jsonschema.json");
        plugin.insert(kind.into(), validator(&dir, &file, Some("Options")));
        if schema(&dir, &file)["definitions"]
            .get("FieldConfig")
            .is_some()
        {
            custom.insert(kind.into(), validator(&dir, &file, Some("FieldConfig")));
        }
    }
    Some(Schemas {
        dashboard: validator(&dir, "dashboard.jsonschema.json", None),
        query: validator(&dir, "prometheus.jsonschema.json", None),
        plugin,
        custom,
        current: schema(&dir, "dashboard.jsonschema.json")["definitions"]["Dashboard"]
            ["properties"]["schemaVersion"]["default"]
            .clone(),
    })
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn dashboards(dir: &std::path::Path) -> BTreeMap<String, Value> {
    files(dir, "grafana/")
        .into_iter()
        .map(|(name, text)| {
            assert!(text.ends_with("}\n"), "{name} ends with a newline");
            (
                name,
                serde_json::from_str(&text).expect("dashboard is JSON"),
            )
        })
        .collect()
}

fn panels(d: &Value) -> &Vec<Value> {
    d["panels"].as_array().expect("panels")
}

/// Grafana's variables replaced by values of the same kind, so that the
/// query text Prometheus would receive can be parsed.
fn substitute(expr: &str) -> String {
    let mut out = expr.to_string();
    for (var, value) in [
        ("${__rate_interval}", "4m"),
        ("$__rate_interval", "4m"),
        ("${__interval}", "1m"),
        ("$__interval", "1m"),
        ("${__range}", "1d"),
        ("$__range_s", "86400"),
        ("$__range", "1d"),
        ("${datasource}", "prometheus"),
    ] {
        out = out.replace(var, value);
    }
    assert!(!out.contains('$'), "unknown Grafana variable in `{expr}`");
    out
}

struct Selectors(Vec<(String, BTreeMap<String, String>)>);

impl ExprVisitor for Selectors {
    type Error = ();
    fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
        if let Expr::VectorSelector(vs) = e {
            let name = vs.name.clone().unwrap_or_default();
            let eq = vs
                .matchers
                .matchers
                .iter()
                .filter(|m| m.op.to_string() == "=")
                .map(|m| (m.name.clone(), m.value.clone()))
                .collect();
            self.0.push((name, eq));
        }
        Ok(true)
    }
}

/// The series names and the `(service, slo)` pairs the rule files record.
fn recorded(dir: &std::path::Path) -> (BTreeSet<String>, BTreeSet<(String, String)>) {
    let mut names = BTreeSet::new();
    let mut slos = BTreeSet::new();
    for (_, text) in files(dir, "prometheus/") {
        let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("rules are YAML");
        for g in y["groups"].as_sequence().expect("groups") {
            for r in g["rules"].as_sequence().expect("rules") {
                if let Some(name) = r["record"].as_str() {
                    names.insert(name.to_string());
                    let l = &r["labels"];
                    slos.insert((
                        l["service"].as_str().expect("service").to_string(),
                        l["slo"].as_str().expect("slo").to_string(),
                    ));
                }
            }
        }
    }
    (names, slos)
}

/// Everything the dashboards of an output directory must satisfy; the
/// schema checks only where the schemas are at hand (see `schemas`).
fn check_dashboards(dir: &std::path::Path) -> BTreeMap<String, Value> {
    let schemas = schemas();
    let (series, slos) = recorded(dir);

    let all = dashboards(dir);
    assert!(all.contains_key("grafana/slo-overview.json"), "no overview");
    let mut uids = BTreeSet::new();
    for (name, d) in &all {
        if let Some(s) = &schemas {
            let e = errors(&s.dashboard, d);
            assert!(
                e.is_empty(),
                "{name} does not match the dashboard schema:\n{}",
                e.join("\n")
            );
            assert_eq!(
                d["schemaVersion"], s.current,
                "{name}: not the current schema version"
            );
        }
        let uid = d["uid"].as_str().expect("uid");
        assert!(!uid.is_empty() && uid.len() <= 40, "{name}: uid `{uid}`");
        assert!(uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(uids.insert(uid.to_string()), "uid `{uid}` used twice");

        let vars = d["templating"]["list"].as_array().expect("templating");
        assert!(
            vars.iter().any(|v| v["type"] == "datasource"
                && v["name"] == "datasource"
                && v["query"] == "prometheus"),
            "{name}: no `datasource` variable"
        );
        let ps = panels(d);
        assert!(ps.len() <= 50, "{name} has {} panels", ps.len());
        let mut ids = BTreeSet::new();
        let mut cells = BTreeSet::new();
        for p in ps {
            let id = p["id"].as_u64().expect("panel id");
            assert!(ids.insert(id), "{name}: panel id {id} twice");
            let g = &p["gridPos"];
            let (x, y, w, h) = (
                g["x"].as_u64().expect("x"),
                g["y"].as_u64().expect("y"),
                g["w"].as_u64().expect("w"),
                g["h"].as_u64().expect("h"),
            );
            assert!(x + w <= 24, "{name}: panel {id} is wider than the grid");
            for cx in x..x + w {
                for cy in y..y + h {
                    assert!(
                        cells.insert((cx, cy)),
                        "{name}: panel {id} overlaps another"
                    );
                }
            }
            let kind = p["type"].as_str().expect("type");
            if kind == "row" {
                continue;
            }
            assert_eq!(
                p["datasource"]["uid"], "${datasource}",
                "{name}: panel {id}"
            );
            assert!(
                ["stat", "gauge", "timeseries", "table"].contains(&kind),
                "{name}: unexpected panel type {kind}"
            );
            if let Some(s) = &schemas {
                let e = errors(&s.plugin[kind], &p["options"]);
                assert!(
                    e.is_empty(),
                    "{name}: options of panel {id} ({kind}):\n{}",
                    e.join("\n")
                );
                if let (Some(v), Some(c)) = (
                    s.custom.get(kind),
                    p["fieldConfig"]["defaults"].get("custom"),
                ) {
                    let e = errors(v, c);
                    assert!(
                        e.is_empty(),
                        "{name}: custom field config of panel {id}:\n{}",
                        e.join("\n")
                    );
                }
            }
            let targets = p["targets"].as_array().expect("targets");
            assert!(!targets.is_empty(), "{name}: panel {id} has no query");
            for t in targets {
                if let Some(s) = &schemas {
                    let e = errors(&s.query, t);
                    assert!(
                        e.is_empty(),
                        "{name}: query of panel {id}:\n{}",
                        e.join("\n")
                    );
                }
                assert_eq!(
                    t["datasource"]["uid"], "${datasource}",
                    "{name}: panel {id}"
                );
                let text = t["expr"].as_str().expect("expr");
                let expr = parser::parse(&substitute(text))
                    .unwrap_or_else(|e| panic!("{name}: panel {id}: `{text}` is not PromQL: {e}"));
                let mut sel = Selectors(Vec::new());
                walk_expr(&mut sel, &expr).expect("walk");
                for (metric, eq) in sel.0 {
                    if metric == "ALERTS" {
                        assert_eq!(
                            eq.get("alertname").map(String::as_str),
                            Some("ErrorBudgetBurn")
                        );
                        continue;
                    }
                    assert!(
                        series.contains(&metric),
                        "{name}: `{metric}` is not recorded"
                    );
                    if let (Some(service), Some(slo)) = (eq.get("service"), eq.get("slo")) {
                        assert!(
                            slos.contains(&(service.clone(), slo.clone())),
                            "{name}: no rules for {service}/{slo}"
                        );
                    }
                }
            }
        }
    }
    all
}

#[test]
fn spec_dashboards_validate_and_query_what_the_rules_record() {
    let out = compile(&root(), &["specs"]);
    let all = check_dashboards(out.path());
    let names: Vec<&str> = all.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "grafana/checkout.json",
            "grafana/search.json",
            "grafana/slo-overview.json"
        ]
    );
}

fn panel<'a>(d: &'a Value, title: &str) -> Vec<&'a Value> {
    panels(d).iter().filter(|p| p["title"] == title).collect()
}

#[test]
fn each_slo_has_its_row_with_the_right_units_and_thresholds() {
    let out = compile(&root(), &["specs"]);
    let all = dashboards(out.path());
    let d = &all["grafana/checkout.json"];
    assert_eq!(d["uid"], "slo-checkout");
    let rows: Vec<&str> = panels(d)
        .iter()
        .filter(|p| p["type"] == "row")
        .map(|p| p["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        rows,
        ["availability: 99.9% over 30d", "latency: 99% over 28d"]
    );

    let sli = panel(d, "SLI over 30d");
    assert_eq!(sli.len(), 1);
    assert_eq!(sli[0]["fieldConfig"]["defaults"]["unit"], "percentunit");
    // Green from the target up.
    assert_eq!(
        sli[0]["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"],
        0.999
    );

    for p in panel(d, "Error budget remaining") {
        assert_eq!(p["type"], "gauge");
        assert_eq!(p["fieldConfig"]["defaults"]["unit"], "percentunit");
    }
    let burn = panel(d, "Burn rate");
    assert_eq!(burn.len(), 2);
    let steps: Vec<(f64, &str)> = burn[0]["fieldConfig"]["defaults"]["thresholds"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .skip(1)
        .map(|s| {
            (
                s["value"].as_f64().expect("value"),
                s["color"].as_str().expect("color"),
            )
        })
        .collect();
    // The four lines of `policy standard`, pages red, tickets orange.
    assert_eq!(
        steps,
        [
            (1.0, "orange"),
            (3.0, "orange"),
            (6.0, "red"),
            (14.4, "red")
        ]
    );
    let windows: Vec<&str> = burn[0]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["legendFormat"].as_str().expect("legend"))
        .collect();
    assert_eq!(windows, ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);

    let burndown = panel(d, "Error budget burn-down");
    assert_eq!(burndown[0]["timeFrom"], "30d");
    assert_eq!(
        burndown[1]["timeFrom"], "28d",
        "the latency SLO's own period"
    );

    let alerts = panel(d, "Firing alerts");
    let expr = alerts[0]["targets"][0]["expr"].as_str().expect("expr");
    assert!(expr.contains(r#"ALERTS{alertname="ErrorBudgetBurn", alertstate="firing", service="checkout", slo="availability"}"#), "{expr}");
    assert_eq!(
        alerts[1]["fieldConfig"]["defaults"]["noValue"],
        "no alerts defined"
    );
}

#[test]
fn the_overview_lists_every_slo_and_links_to_its_dashboard() {
    let out = compile(&root(), &["specs"]);
    let all = dashboards(out.path());
    let overview = &all["grafana/slo-overview.json"];
    let table = panel(overview, "Every SLO");
    assert_eq!(table.len(), 1);
    let options = &table[0]["fieldConfig"]["defaults"]["mappings"][0]["options"];
    let mut linked: Vec<(&str, &str)> = options
        .as_object()
        .expect("mapping")
        .iter()
        .map(|(k, v)| (k.as_str(), v["text"].as_str().expect("uid")))
        .collect();
    linked.sort();
    // Every SLO of the program, each linked to its service's dashboard.
    let mut sources = slo::diag::Sources::new();
    for entry in fs::read_dir(root().join("specs")).expect("specs").flatten() {
        let path = entry.path();
        sources.add(
            path.display().to_string(),
            fs::read_to_string(&path).expect("spec"),
        );
    }
    let program = slo::check(&sources).program.expect("specs check");
    let expected: Vec<(String, String)> = program
        .services
        .iter()
        .flat_map(|s| {
            s.slos
                .iter()
                .map(|o| (format!("{}/{}", s.name, o.name), format!("slo-{}", s.name)))
        })
        .collect();
    let linked_owned: Vec<(String, String)> = linked
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert!(expected.len() >= 3, "the specs declare several SLOs");
    assert_eq!(linked_owned, expected);
    let uids: BTreeSet<&str> = all
        .values()
        .map(|d| d["uid"].as_str().expect("uid"))
        .collect();
    for (_, uid) in linked {
        assert!(
            uids.contains(uid),
            "the overview links to `{uid}`, which no file defines"
        );
    }
    let link = table[0]["fieldConfig"]["defaults"]["links"][0]["url"]
        .as_str()
        .expect("url");
    assert!(link.starts_with("/d/${__data.fields.dashboard}"), "{link}");
}

const POLICY: &str = "policy standard {\n  page 14.4x over 1h/5m\n}\n\ndefaults {\n  alerting = standard\n  grafana = \"https://grafana.example.com/\"\n}\n";

fn service_with_slos(name: &str, count: usize) -> String {
    let mut s = format!(
        "service {name} {{\n  sli requests = ratio {{\n    bad   = `http_requests_total{{code=~\"5..\"}}`\n    total = `http_requests_total`\n  }}\n"
    );
    for i in 1..=count {
        s.push_str(&format!(
            "  slo s{i} {{\n    sli    = requests\n    target = 99.9%\n  }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

#[test]
fn a_service_with_many_slos_gets_pages_and_alerts_link_to_the_right_one() {
    let spec = format!("{POLICY}{}", service_with_slos("api", 8));
    let (_src, out) = compile_text(&[("api.slo", &spec)]);
    let all = check_dashboards(out.path());
    let names: Vec<&str> = all.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "grafana/api.2.json",
            "grafana/api.json",
            "grafana/slo-overview.json"
        ]
    );
    let first = &all["grafana/api.json"];
    let second = &all["grafana/api.2.json"];
    assert_eq!(panels(first).len(), 49);
    assert_eq!(panels(second).len(), 7);
    assert_eq!(first["title"], "api SLOs (1/2)");

    // The alert of the eighth SLO points at the second page.
    let rules = fs::read_to_string(out.path().join("prometheus/api.yml")).expect("rules");
    let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(&rules).expect("yaml");
    let mut urls = BTreeMap::new();
    for g in y["groups"].as_sequence().expect("groups") {
        for r in g["rules"].as_sequence().expect("rules") {
            if r["alert"].is_string() {
                urls.insert(
                    r["labels"]["slo"].as_str().expect("slo").to_string(),
                    r["annotations"]["dashboard_url"]
                        .as_str()
                        .expect("dashboard_url")
                        .to_string(),
                );
            }
        }
    }
    let page = |d: &Value| {
        format!(
            "https://grafana.example.com/d/{}/{}",
            d["uid"].as_str().expect("uid"),
            "api-slos-"
        )
    };
    assert!(urls["s1"].starts_with(&page(first)), "{}", urls["s1"]);
    assert!(urls["s7"].starts_with(&page(first)), "{}", urls["s7"]);
    assert!(urls["s8"].starts_with(&page(second)), "{}", urls["s8"]);
}

#[test]
fn long_service_names_keep_uids_within_forty_characters() {
    let name = "payments-authorisation-gateway-europe-west";
    let spec = format!("{POLICY}{}", service_with_slos(name, 1));
    let (_src, out) = compile_text(&[("a.slo", &spec)]);
    let all = check_dashboards(out.path());
    let d = &all[&format!("grafana/{name}.json")];
    let uid = d["uid"].as_str().expect("uid");
    assert!(
        uid.len() <= 40 && uid.starts_with("slo-payments-authorisation"),
        "{uid}"
    );
}

#[test]
fn without_a_grafana_url_alerts_have_no_dashboard_link() {
    let spec = format!(
        "policy standard {{\n  page 14.4x over 1h/5m\n}}\ndefaults {{\n  alerting = standard\n}}\n{}",
        service_with_slos("api", 1)
    );
    let (_src, out) = compile_text(&[("a.slo", &spec)]);
    check_dashboards(out.path());
    let rules = fs::read_to_string(out.path().join("prometheus/api.yml")).expect("rules");
    assert!(rules.contains("ErrorBudgetBurn") && !rules.contains("dashboard_url"));
}

#[test]
fn the_schema_check_is_live() {
    // A control: the validator these tests rely on rejects what Grafana's
    // schema forbids, so a passing check means something.
    let Some(s) = schemas() else { return };
    let out = compile(&root(), &["specs"]);
    let mut d = dashboards(out.path())
        .remove("grafana/search.json")
        .expect("search");
    assert!(errors(&s.dashboard, &d).is_empty());
    d["panels"][1]["fieldConfig"]["defaults"]["unitt"] = Value::from("percentunit");
    assert!(
        !errors(&s.dashboard, &d).is_empty(),
        "an unknown key passed the schema"
    );
}

/// A service with an SLO split by route beside one over all routes.
const PER_ROUTE: &str = r#"
policy fast {
  page 14.4x over 1h/5m
}

defaults {
  alerting = fast
}

service shop {
  sli errors = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }

  slo availability {
    sli    = errors
    target = 99.9%
    by     = [route]
  }

  slo overall {
    sli    = errors
    target = 99.9%
  }
}
"#;

/// The targets of the panels titled `title`, across the dashboard.
fn targets<'a>(d: &'a Value, title: &str) -> Vec<&'a Value> {
    panel(d, title)
        .into_iter()
        .flat_map(|p| p["targets"].as_array().expect("targets"))
        .collect()
}

#[test]
fn legends_of_a_per_label_slo_name_its_values() {
    let (_src, out) = compile_text(&[("shop.slo", PER_ROUTE)]);
    let all = check_dashboards(out.path());
    let d = &all["grafana/shop.json"];
    // The panels of each SLO follow its row, up to the next row.
    let mut slo = "";
    let mut checked = 0;
    for p in panels(d) {
        if p["type"] == "row" {
            slo = p["title"].as_str().expect("title");
            continue;
        }
        for t in p["targets"].as_array().expect("targets") {
            let legend = t["legendFormat"].as_str().expect("legend");
            if p["type"] == "table" {
                continue;
            }
            checked += 1;
            if slo.starts_with("availability") {
                assert!(
                    legend.ends_with(": route={{route}}"),
                    "{}: `{legend}` does not tell the routes apart",
                    p["title"]
                );
            } else {
                assert!(!legend.contains("{{"), "{}: `{legend}`", p["title"]);
            }
        }
    }
    assert!(checked >= 10, "every stat, gauge and time series was seen");
    // The firing alerts of the split SLO, one row per route.
    let alerts = targets(d, "Firing alerts");
    let expr = alerts[0]["expr"].as_str().expect("expr");
    assert!(
        expr.starts_with("sum by (severity, long_window, short_window, route) (ALERTS{"),
        "{expr}"
    );
    assert!(
        alerts[1]["expr"]
            .as_str()
            .expect("expr")
            .starts_with("sum by (severity, long_window, short_window) ("),
        "the other SLO has no route"
    );
}

#[test]
fn the_overview_counts_slos_and_shows_the_worst_value_of_a_per_label_one() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let (_src, out) = compile_text(&[("shop.slo", PER_ROUTE)]);
    let all = check_dashboards(out.path());
    let overview = &all["grafana/slo-overview.json"];
    // The query text Prometheus receives from a panel.
    let query = |title: &str, ref_id: &str| {
        let t = targets(overview, title)
            .into_iter()
            .find(|t| t["refId"] == ref_id)
            .unwrap_or_else(|| panic!("no query {ref_id} in `{title}`"));
        substitute(t["expr"].as_str().expect("expr"))
    };
    let rule_files: Vec<String> = files(out.path(), "prometheus/").into_keys().collect();
    // Route /a fails half its requests, /b none (no error series), /c all:
    // at 99.9%, /a has 1 - 0.5 / 0.001 = -499 of its budget left, /b all
    // of it, /c -999. Over all routes, 360 of 720 requests a minute fail:
    // `overall` has -499 left.
    let series = |labels: &str, per_minute: u32| {
        serde_json::json!({
            "series": format!("http_requests_total{{{labels}}}"),
            "values": format!("0+{per_minute}x120"),
        })
    };
    // Rounded: Prometheus sums series in no fixed order, so the last digits
    // of a sum vary from run to run.
    let expect = |expr: String, samples: &[(&str, f64)]| {
        serde_json::json!({
            "expr": format!("round({expr}, 0.001)"),
            "eval_time": "70m",
            "exp_samples": samples
                .iter()
                .map(|(labels, value)| serde_json::json!({ "labels": labels, "value": value }))
                .collect::<Vec<_>>(),
        })
    };
    let test = serde_json::json!({
        "rule_files": rule_files,
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                series(r#"route="/a", code="200""#, 300),
                series(r#"route="/a", code="500""#, 300),
                series(r#"route="/b", code="200""#, 60),
                series(r#"route="/c", code="503""#, 60),
            ],
            "promql_expr_test": [
                // Two SLOs, however many routes.
                expect(query("SLOs", "A"), &[("{}", 2.0)]),
                // Both are out of budget; /a and /c count once, as one SLO.
                expect(query("SLOs out of budget", "A"), &[("{}", 2.0)]),
                // The table: each SLO's least budget left, its route /c.
                expect(
                    query("Every SLO", "B"),
                    &[
                        (r#"{service="shop", slo="availability"}"#, -99900.0),
                        (r#"{service="shop", slo="overall"}"#, -49900.0),
                    ],
                ),
                // And its fastest burn, /c again: a ratio of 1 over 0.001.
                expect(
                    query("Every SLO", "C"),
                    &[
                        (r#"{service="shop", slo="availability"}"#, 1000.0),
                        (r#"{service="shop", slo="overall"}"#, 500.0),
                    ],
                ),
            ],
        }],
    });
    let text = serde_yaml_ng::to_string(&test).expect("test file as YAML");
    fs::write(out.path().join("test.yml"), &text).expect("write the test file");
    let o = Command::new(promtool)
        .args(["test", "rules", "test.yml"])
        .current_dir(out.path())
        .output()
        .expect("run promtool");
    assert!(
        o.status.success(),
        "promtool test rules failed:\n{}{}\n--- test.yml ---\n{text}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
