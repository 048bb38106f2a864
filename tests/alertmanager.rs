//! The generated Alertmanager configuration, checked by the real tools:
//! `amtool check-config`, `amtool config routes test` with the labels of
//! the generated alerts, and a real Alertmanager on a loopback port proving
//! the inhibition (per value of a per-label SLO), the grouping and the
//! Slack messages. The fields Alertmanager expands as templates (Slack
//! `channel`, email `to` and `from`) come out exactly as the spec writes them.

mod support;

use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{compile, compile_text, files, root, start_alertmanager, tool, Alertmanager};

fn check_config(amtool: &Path, config: &Path) {
    let o = Command::new(amtool)
        .arg("check-config")
        .arg(config)
        .output()
        .expect("run amtool");
    assert!(
        o.status.success(),
        "amtool check-config failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Labels as amtool arguments: `name="value"`, the value escaped.
fn args(labels: &[(String, String)]) -> Vec<String> {
    labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect()
}

/// The receiver `amtool config routes test` picks for an alert's labels.
fn route(amtool: &Path, config: &Path, labels: &[(String, String)]) -> String {
    let o = Command::new(amtool)
        .args(["config", "routes", "test"])
        .arg(format!("--config.file={}", config.display()))
        .args(args(labels))
        .output()
        .expect("run amtool");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The labels of every alert in the generated rule files.
fn alert_labels(out: &Path) -> Vec<Vec<(String, String)>> {
    let mut all = Vec::new();
    for (_, text) in files(out, "prometheus/") {
        let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("yaml");
        for g in y["groups"].as_sequence().expect("groups") {
            for r in g["rules"].as_sequence().expect("rules") {
                let Some(alert) = r["alert"].as_str() else {
                    continue;
                };
                let mut labels = vec![("alertname".to_string(), alert.to_string())];
                for (k, v) in r["labels"].as_mapping().expect("labels") {
                    labels.push((
                        k.as_str().expect("name").to_string(),
                        v.as_str().expect("value").to_string(),
                    ));
                }
                all.push(labels);
            }
        }
    }
    all
}

fn get<'a>(labels: &'a [(String, String)], name: &str) -> &'a str {
    labels
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[test]
fn the_spec_config_passes_amtool_and_routes_every_alert_where_the_spec_says() {
    let Some(amtool) = tool("amtool") else { return };
    let out = compile(&root(), &["specs"]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    check_config(&amtool, &config);

    let alerts = alert_labels(out.path());
    assert!(alerts.len() >= 8, "expected the alerts of both services");
    for labels in alerts {
        // What specs/notifications.slo declares.
        let expected = match (get(&labels, "service"), get(&labels, "severity")) {
            ("checkout", "page") => "payments-pager",
            ("checkout", "ticket") => "payments-chat",
            ("search", "page") => "search-oncall",
            ("search", "ticket") => "sre-mail",
            other => panic!("an alert the spec does not declare: {other:?}"),
        };
        assert_eq!(route(&amtool, &config, &labels), expected, "{labels:?}");
    }
    // Anything else falls through to the default receiver.
    let stray = [("alertname".to_string(), "NodeDown".to_string())];
    assert_eq!(route(&amtool, &config, &stray), "sre-mail");
}

/// A program without notifications…
const SERVICE: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  ticket 3x    over 1d/2h
}

defaults {
  alerting = standard
}

service api {
  team = "core \"platform\""
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli    = requests
    target = 99.9%
  }
  slo other {
    sli    = requests
    target = 99%
  }
}
"#;

/// … and its notifications, in a file of their own with their own `defaults`.
const NOTIFICATIONS: &str = r#"
defaults {
  receiver        = fallback
  group_wait      = 0s
  repeat_interval = 12h
}

receiver pager = pagerduty {
  routing_key_file = "/run/secrets/pagerduty"
}

receiver chat = slack {
  api_url_file = "/run/secrets/slack"
}

receiver fallback = webhook {
  url = "http://127.0.0.1:9/unused"
}

notify team "core \"platform\"" {
  page = pager
}

notify {
  ticket = chat
}
"#;

fn program() -> [(&'static str, &'static str); 2] {
    [("api.slo", SERVICE), ("notifications.slo", NOTIFICATIONS)]
}

#[test]
fn severity_routes_and_timings_reach_alertmanager() {
    let Some(amtool) = tool("amtool") else { return };
    let (_src, out) = compile_text(&program());
    let config = out.path().join("alertmanager/alertmanager.yml");
    check_config(&amtool, &config);
    let text = fs::read_to_string(&config).expect("config");
    assert!(
        text.contains("repeat_interval: 12h") && text.contains("group_wait: 0s"),
        "{text}"
    );
    for labels in alert_labels(out.path()) {
        let expected = match get(&labels, "severity") {
            "page" => "pager",
            _ => "chat",
        };
        assert_eq!(route(&amtool, &config, &labels), expected, "{labels:?}");
    }
}

#[test]
fn no_receivers_no_alertmanager_config() {
    let (_src, out) = compile_text(&[("api.slo", SERVICE)]);
    assert!(files(out.path(), "alertmanager/").is_empty());
    assert!(!files(out.path(), "grafana/").is_empty());
}

#[test]
fn a_firing_page_inhibits_the_ticket_of_the_same_slo_only() {
    let Some(amtool) = tool("amtool") else { return };
    let Some(binary) = tool("prometheus-alertmanager") else {
        return;
    };
    let (_src, out) = compile_text(&program());
    let config = out.path().join("alertmanager/alertmanager.yml");
    let storage = tempfile::tempdir().expect("tempdir");
    let am = start_alertmanager(&binary, &config, storage.path(), &amtool);

    // The labels the generated rules put on their alerts.
    let alerts = alert_labels(out.path());
    let pick = |slo: &str, severity: &str| {
        alerts
            .iter()
            .find(|l| get(l, "slo") == slo && get(l, "severity") == severity)
            .unwrap_or_else(|| panic!("no {severity} alert for {slo}"))
            .clone()
    };
    for labels in [
        pick("availability", "page"),
        pick("availability", "ticket"),
        pick("other", "ticket"),
    ] {
        am.add(&amtool, &args(&labels));
    }
    let states = am.states(&amtool, "slo");
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        states,
        [
            s("availability", "page", "active"),
            s("availability", "ticket", "suppressed"),
            s("other", "ticket", "active"),
        ]
    );
}

#[test]
fn outputs_do_not_depend_on_the_order_of_files() {
    let (_a, one) = compile_text(&[("a.slo", NOTIFICATIONS), ("b.slo", SERVICE)]);
    let (_b, two) = compile_text(&[("a.slo", SERVICE), ("b.slo", NOTIFICATIONS)]);
    let one = files(one.path(), "");
    assert!(
        one.contains_key("alertmanager/alertmanager.yml") && one.contains_key("grafana/api.json")
    );
    assert_eq!(one, files(two.path(), ""));
}

/// Accepts one HTTP request on `listener` within `timeout` and returns its
/// body, answering `200 OK`.
fn receive_one(listener: &TcpListener, timeout: Duration) -> Option<String> {
    use std::io::{Read, Write};
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + timeout;
    let (mut stream, _) = loop {
        match listener.accept() {
            Ok(conn) => break conn,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(_) => return None,
        }
    };
    stream.set_nonblocking(false).expect("blocking");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                return Some(body.to_string());
            }
        }
    }
    None
}

/// Sends the ticket of SLO `other` to `am`, with the labels and the
/// annotations its generated rule gives it.
fn fire_ticket_of_other(amtool: &Path, am: &Alertmanager, out: &Path) {
    let rules = fs::read_to_string(out.join("prometheus/api.yml")).expect("rules");
    let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(&rules).expect("yaml");
    let rule = y["groups"]
        .as_sequence()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_sequence().expect("rules"))
        .find(|r| r["labels"]["slo"] == "other" && r["labels"]["severity"] == "ticket")
        .expect("the ticket rule of `other`")
        .clone();
    let labels = alert_labels(out)
        .into_iter()
        .find(|l| get(l, "slo") == "other" && get(l, "severity") == "ticket")
        .expect("labels");
    let mut add = Command::new(amtool);
    add.args(["alert", "add", "--alertmanager.url", &am.url])
        .args(args(&labels));
    for (k, v) in rule["annotations"].as_mapping().expect("annotations") {
        let (k, v) = (k.as_str().expect("key"), v.as_str().expect("value"));
        add.arg(format!("--annotation={k}={v}"));
    }
    let o = add.output().expect("amtool alert add");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn slack_messages_carry_the_alert_text_and_its_links() {
    let Some(amtool) = tool("amtool") else { return };
    let Some(binary) = tool("prometheus-alertmanager") else {
        return;
    };
    // Slack is a local listener: its webhook URL sits in the secret file.
    let slack = TcpListener::bind("127.0.0.1:0").expect("listener");
    let secrets = tempfile::tempdir().expect("tempdir");
    let url_file = secrets.path().join("slack");
    let address = slack.local_addr().expect("address");
    fs::write(&url_file, format!("http://{address}/hook")).expect("secret");
    let notifications = NOTIFICATIONS
        .replace("/run/secrets/slack", &url_file.display().to_string())
        .replace(
            "  receiver        = fallback\n",
            "  receiver        = fallback\n  grafana         = \"https://grafana.example.com\"\n",
        );
    let (_src, out) = compile_text(&[("api.slo", SERVICE), ("notifications.slo", &notifications)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    let storage = tempfile::tempdir().expect("tempdir");
    let am = start_alertmanager(&binary, &config, storage.path(), &amtool);

    fire_ticket_of_other(&amtool, &am, out.path());
    let body =
        receive_one(&slack, Duration::from_secs(30)).expect("Alertmanager posted nothing to Slack");
    let message: serde_json::Value = serde_json::from_str(&body).expect("Slack payload is JSON");
    let text = message["attachments"][0]["text"].as_str().expect("text");
    assert!(
        text.starts_with("*ticket* api other: error budget burning 3x too fast"),
        "{text}"
    );
    assert!(
        text.contains("Dashboard: https://grafana.example.com/d/slo-api/api-slos"),
        "{text}"
    );
    drop(am);
}

/// One SLO split by route beside one that is not, so that the program has
/// `by` labels and an SLO whose alerts lack them.
const SPLIT: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  ticket 3x    over 1d/2h
}

defaults {
  alerting = standard
}

service api {
  team = "core \"platform\""
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli    = requests
    target = 99.9%
    by     = [route]
  }
  slo other {
    sli    = requests
    target = 99%
  }
}
"#;

/// `GET path` on a loopback server; the response body. HTTP/1.0, so the
/// answer comes whole rather than chunked.
fn http_get(url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(
        head.lines().next().is_some_and(|l| l.contains(" 200 ")),
        "GET {path}: {head}"
    );
    body.to_string()
}

/// What a user sees of one alert: its SLO, route (empty when it has none),
/// severity, and whether a page inhibits it.
type Seen = (String, String, String, bool);

fn seen(alerts: &serde_json::Value) -> Vec<Seen> {
    let mut seen: Vec<Seen> = alerts
        .as_array()
        .expect("alerts")
        .iter()
        .map(|a| {
            let label = |k: &str| a["labels"][k].as_str().unwrap_or("").to_string();
            let inhibited = a["status"]["inhibitedBy"]
                .as_array()
                .is_some_and(|by| !by.is_empty());
            (label("slo"), label("route"), label("severity"), inhibited)
        })
        .collect();
    seen.sort();
    seen
}

#[test]
fn a_page_for_one_route_inhibits_the_ticket_of_that_route_only() {
    let Some(amtool) = tool("amtool") else { return };
    let Some(binary) = tool("prometheus-alertmanager") else {
        return;
    };
    let (_src, out) = compile_text(&[("api.slo", SPLIT), ("notifications.slo", NOTIFICATIONS)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    check_config(&amtool, &config);
    let storage = tempfile::tempdir().expect("tempdir");
    let am = start_alertmanager(&binary, &config, storage.path(), &amtool);

    // The labels the generated rules put on their alerts; a per-route
    // alert also carries the `route` of the series that fired it.
    let alerts = alert_labels(out.path());
    let fire = |slo: &str, severity: &str, route: Option<&str>| {
        let mut labels = alerts
            .iter()
            .find(|l| get(l, "slo") == slo && get(l, "severity") == severity)
            .unwrap_or_else(|| panic!("no {severity} alert for {slo}"))
            .clone();
        if let Some(route) = route {
            labels.push(("route".to_string(), route.to_string()));
        }
        let o = Command::new(&amtool)
            .args(["alert", "add", "--alertmanager.url", &am.url])
            .args(args(&labels))
            .output()
            .expect("amtool alert add");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    fire("availability", "page", Some("/checkout"));
    fire("availability", "ticket", Some("/checkout"));
    fire("availability", "ticket", Some("/search"));
    fire("other", "page", None);
    fire("other", "ticket", None);

    let s = |slo: &str, route: &str, severity: &str, inhibited: bool| {
        (slo.into(), route.into(), severity.into(), inhibited)
    };
    let expected: Vec<Seen> = vec![
        s("availability", "/checkout", "page", false),
        s("availability", "/checkout", "ticket", true),
        // Paging for /checkout says nothing about /search.
        s("availability", "/search", "ticket", false),
        // Without `by`, the alerts lack `route` on both sides: still equal.
        s("other", "", "page", false),
        s("other", "", "ticket", true),
    ];
    // Inhibition is worked out as alerts arrive; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut listed = Vec::new();
    while Instant::now() < deadline {
        listed =
            seen(&serde_json::from_str(&http_get(&am.url, "/api/v2/alerts")).expect("alerts JSON"));
        if listed == expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(listed, expected);

    // Each route's alerts are their own notification: the two tickets of
    // `availability` go out apart, not merged under one SLO.
    let groups: serde_json::Value =
        serde_json::from_str(&http_get(&am.url, "/api/v2/alerts/groups")).expect("groups JSON");
    let tickets: Vec<(String, usize)> = groups
        .as_array()
        .expect("groups")
        .iter()
        .filter(|g| g["labels"]["slo"] == "availability" && g["receiver"]["name"] == "chat")
        .map(|g| {
            (
                g["labels"]["route"].as_str().unwrap_or("").to_string(),
                g["alerts"].as_array().expect("alerts").len(),
            )
        })
        .collect();
    assert_eq!(
        tickets,
        [("/checkout".to_string(), 1), ("/search".to_string(), 1)]
    );
    drop(am);
}

/// Two SLOs whose policy and override name their alerts differently.
const NAMED: &str = r#"
policy standard {
  alert = "ApiBudgetBurn"
  page   14.4x over 1h/5m
  ticket 3x    over 1d/2h
}

defaults {
  alerting = standard
}

service api {
  team = "core \"platform\""
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli    = requests
    target = 99.9%
  }
  slo other {
    sli      = requests
    target   = 99%
    alerting = standard {
      alert = "OtherBudgetBurn"
      page labels { routing_key = "other" }
    }
  }
}
"#;

#[test]
fn a_page_inhibits_the_ticket_of_its_slo_under_the_names_policies_give() {
    let Some(amtool) = tool("amtool") else { return };
    let Some(binary) = tool("prometheus-alertmanager") else {
        return;
    };
    let (_src, out) = compile_text(&[("api.slo", NAMED), ("notifications.slo", NOTIFICATIONS)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    check_config(&amtool, &config);
    let storage = tempfile::tempdir().expect("tempdir");
    let am = start_alertmanager(&binary, &config, storage.path(), &amtool);

    let alerts = alert_labels(out.path());
    let names: Vec<(&str, &str, &str)> = alerts
        .iter()
        .filter(|l| get(l, "alertname") != "SLIDataMissing")
        .map(|l| (get(l, "slo"), get(l, "severity"), get(l, "alertname")))
        .collect();
    assert_eq!(
        names,
        [
            ("availability", "page", "ApiBudgetBurn"),
            ("availability", "ticket", "ApiBudgetBurn"),
            ("other", "page", "OtherBudgetBurn"),
            ("other", "ticket", "OtherBudgetBurn"),
        ]
    );
    for l in &alerts {
        if get(l, "alertname") == "SLIDataMissing" {
            continue;
        }
        let o = Command::new(&amtool)
            .args(["alert", "add", "--alertmanager.url", &am.url])
            .args(args(l))
            .output()
            .expect("amtool alert add");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let s = |slo: &str, severity: &str, inhibited: bool| {
        (slo.into(), String::new(), severity.into(), inhibited)
    };
    let expected: Vec<Seen> = vec![
        s("availability", "page", false),
        s("availability", "ticket", true),
        s("other", "page", false),
        s("other", "ticket", true),
    ];
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut listed = Vec::new();
    while Instant::now() < deadline {
        listed =
            seen(&serde_json::from_str(&http_get(&am.url, "/api/v2/alerts")).expect("alerts JSON"));
        if listed == expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(listed, expected);
    drop(am);
}

#[test]
fn each_route_of_a_per_label_slo_gets_its_own_slack_message_naming_it() {
    let Some(amtool) = tool("amtool") else { return };
    let Some(binary) = tool("prometheus-alertmanager") else {
        return;
    };
    let slack = TcpListener::bind("127.0.0.1:0").expect("listener");
    let secrets = tempfile::tempdir().expect("tempdir");
    let url_file = secrets.path().join("slack");
    let address = slack.local_addr().expect("address");
    fs::write(&url_file, format!("http://{address}/hook")).expect("secret");
    let notifications =
        NOTIFICATIONS.replace("/run/secrets/slack", &url_file.display().to_string());
    let (_src, out) = compile_text(&[("api.slo", SPLIT), ("notifications.slo", &notifications)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    let storage = tempfile::tempdir().expect("tempdir");
    let am = start_alertmanager(&binary, &config, storage.path(), &amtool);

    // The ticket rule of `availability`, fired for two routes, with its
    // annotations expanded as Prometheus would for each.
    let rules = fs::read_to_string(out.path().join("prometheus/api.yml")).expect("rules");
    let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(&rules).expect("yaml");
    let rule = y["groups"]
        .as_sequence()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_sequence().expect("rules"))
        .find(|r| r["labels"]["slo"] == "availability" && r["labels"]["severity"] == "ticket")
        .expect("the ticket rule of `availability`")
        .clone();
    let labels = alert_labels(out.path())
        .into_iter()
        .find(|l| get(l, "slo") == "availability" && get(l, "severity") == "ticket")
        .expect("labels");
    for route in ["/checkout", "/search"] {
        let mut add = Command::new(&amtool);
        add.args(["alert", "add", "--alertmanager.url", &am.url])
            .args(args(&labels))
            .arg(format!("route=\"{route}\""));
        for k in ["summary", "description"] {
            let v = rule["annotations"][k].as_str().expect("annotation");
            assert!(v.contains("route={{ $labels.route }}"), "{k}: {v}");
            add.arg(format!(
                "--annotation={k}={}",
                v.replace("{{ $labels.route }}", route)
            ));
        }
        let o = add.output().expect("amtool alert add");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    let mut messages = Vec::new();
    for _ in 0..2 {
        let body = receive_one(&slack, Duration::from_secs(30))
            .expect("Alertmanager posted one Slack message per route");
        let message: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let part = |k: &str| message["attachments"][0][k].as_str().expect(k).to_string();
        messages.push((part("title"), part("text")));
    }
    messages.sort();
    for ((title, text), (route, other)) in messages
        .iter()
        .zip([("/checkout", "/search"), ("/search", "/checkout")])
    {
        // Alertmanager's title lists the group's labels: the route is one.
        assert!(title.contains(route) && !title.contains(other), "{title}");
        assert!(
            text.starts_with(&format!(
                "*ticket* api availability (route={route}): error budget burning 3x too fast"
            )) && !text.contains(other),
            "{text}"
        );
    }
    drop(am);
}

/// Text with Go template actions, well formed and not, as a user might
/// write in a channel name or an address.
const TEMPLATED: &str = "{{ .Status }} {{ $x }} {{ unclosed";

/// The `.slo` string literal of `text`: quotes and backslashes escaped.
fn slo_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn alertmanager_sends_the_slack_channel_exactly_as_written() {
    let Some(amtool) = tool("amtool") else { return };
    let Some(binary) = tool("prometheus-alertmanager") else {
        return;
    };
    let slack = TcpListener::bind("127.0.0.1:0").expect("listener");
    let secrets = tempfile::tempdir().expect("tempdir");
    let url_file = secrets.path().join("slack");
    let address = slack.local_addr().expect("address");
    fs::write(&url_file, format!("http://{address}/hook")).expect("secret");
    // Alertmanager expands `channel` as a template: unescaped, the first
    // action would print `firing` and the last would fail the notification.
    let channel = format!("#ops-{TEMPLATED}");
    let notifications = NOTIFICATIONS.replace(
        "  api_url_file = \"/run/secrets/slack\"\n",
        &format!(
            "  api_url_file = \"{}\"\n  channel      = {}\n",
            url_file.display(),
            slo_string(&channel)
        ),
    );
    let (_src, out) = compile_text(&[("api.slo", SERVICE), ("notifications.slo", &notifications)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    check_config(&amtool, &config);
    let storage = tempfile::tempdir().expect("tempdir");
    let am = start_alertmanager(&binary, &config, storage.path(), &amtool);
    fire_ticket_of_other(&amtool, &am, out.path());

    let body =
        receive_one(&slack, Duration::from_secs(30)).expect("Alertmanager posted nothing to Slack");
    let message: serde_json::Value = serde_json::from_str(&body).expect("Slack payload is JSON");
    assert_eq!(message["channel"], channel.as_str(), "{body}");
    drop(am);
}

/// What Alertmanager's template engine makes of `text` (`amtool template
/// render`, the code Alertmanager expands its fields with).
fn render(amtool: &Path, text: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let glob = dir.path().join("none.tmpl");
    fs::write(&glob, "").expect("template file");
    let o = Command::new(amtool)
        .args(["template", "render"])
        .arg(format!("--template.glob={}", glob.display()))
        .arg(format!("--template.text={text}"))
        .output()
        .expect("amtool template render");
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

#[test]
fn email_addresses_render_exactly_as_written() {
    let Some(amtool) = tool("amtool") else { return };
    let to = format!("{TEMPLATED}@example.com");
    let from = "alerts+{{ .Receiver }}@example.com";
    let notifications = NOTIFICATIONS.replace(
        "receiver fallback = webhook {\n  url = \"http://127.0.0.1:9/unused\"\n}",
        &format!(
            "receiver fallback = email {{\n  to        = {}\n  from      = {}\n  smarthost = \"127.0.0.1:25\"\n}}",
            slo_string(&to),
            slo_string(from)
        ),
    );
    let (_src, out) = compile_text(&[("api.slo", SERVICE), ("notifications.slo", &notifications)]);
    let config = out.path().join("alertmanager/alertmanager.yml");
    check_config(&amtool, &config);
    let y: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&fs::read_to_string(&config).expect("config")).expect("yaml");
    let email = y["receivers"]
        .as_sequence()
        .expect("receivers")
        .iter()
        .find(|r| r["name"] == "fallback")
        .expect("the fallback receiver")["email_configs"][0]
        .clone();
    // Alertmanager expands `to` and `from` as templates before sending.
    let field = |k: &str| email[k].as_str().expect("string").to_string();
    assert_eq!(render(&amtool, &field("to")), Ok(to));
    assert_eq!(render(&amtool, &field("from")), Ok(from.to_string()));
}
