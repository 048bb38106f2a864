//! Specs that Alertmanager and Prometheus accept but that lose alerts or
//! leak secrets without a word: each is a warning (`SLO350`–`SLO352`), and
//! `--deny warnings` fails on it. Where the warning says where alerts go,
//! `amtool config routes test` shows they really go there.

mod support;

use slo::diag::{Severity, Sources};
use std::fs;
use std::path::Path;
use std::process::Command;
use support::{compile_text, root, slo, stderr, tool};

/// The codes of every diagnostic of a one-file program.
fn codes(text: &str) -> Vec<String> {
    let mut sources = Sources::new();
    sources.add("a.slo", text);
    let checked = slo::check(&sources);
    assert!(
        checked
            .diags
            .iter()
            .all(|d| d.severity == Severity::Warning),
        "only warnings expected: {:?}",
        checked.diags
    );
    checked.diags.iter().map(|d| d.code.to_string()).collect()
}

const API: &str = r#"
service api {
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli    = requests
    target = 99.9%
  }
}
"#;

const POLICY: &str = "policy standard {\n  page   14.4x over 1h/5m\n  ticket 3x    over 1d/2h\n}\n";

// ---- SLO352: an SLO that no policy applies to ----

#[test]
fn an_slo_without_alerting_warns_unless_it_says_none() {
    assert_eq!(codes(API), ["SLO352"]);
    // Policies exist, but none is applied: the help names one.
    let mut sources = Sources::new();
    sources.add("a.slo", format!("{API}{POLICY}"));
    let checked = slo::check(&sources);
    let help: Vec<&str> = checked
        .diags
        .iter()
        .filter(|d| d.code.as_str() == "SLO352")
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert_eq!(help.len(), 1, "{:?}", checked.diags);
    assert!(help[0].contains("`alerting = standard`"), "{}", help[0]);

    // Said on purpose, or given by the SLO or by `defaults`: no warning.
    let none = API.replace("target = 99.9%", "target = 99.9%\n    alerting = none");
    assert!(codes(&none).is_empty());
    let own = API.replace("target = 99.9%", "target = 99.9%\n    alerting = standard");
    assert!(codes(&format!("{own}{POLICY}")).is_empty());
    let defaults = format!("{API}{POLICY}defaults {{\n  alerting = standard\n}}\n");
    assert!(codes(&defaults).is_empty());
    let defaults_none = format!("{API}defaults {{\n  alerting = none\n}}\n");
    assert!(codes(&defaults_none).is_empty());
    // An SLO that asks for its missing-data alert has that alert;
    // `no_data = none` asks for nothing.
    let no_data = API.replace("target = 99.9%", "target = 99.9%\n    no_data = ticket");
    // (The policy is there for `ticket` to be a known severity; no SLO
    // uses it.)
    assert_eq!(codes(&format!("{no_data}{POLICY}")), ["SLO105"]);
    let no_data_none = API.replace("target = 99.9%", "target = 99.9%\n    no_data = none");
    assert_eq!(codes(&no_data_none), ["SLO352"]);
}

#[test]
fn deny_warnings_fails_on_an_slo_without_alerts() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.slo"), API).expect("write");
    let o = slo(&["check", "a.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning[SLO352]: SLO `availability` has no alerts"));
    let o = slo(
        &["compile", "--deny", "warnings", "a.slo", "-o", "out"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
}

/// The help of the first diagnostic with `code` that `slo check --format
/// json` prints for `args`, run in `cwd`.
fn help_of(code: &str, args: &[&str], cwd: &Path) -> String {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let o = slo(&all, cwd);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let d = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {v}"));
    d["help"].as_str().expect("help").to_string()
}

#[test]
fn a_file_checked_alone_names_the_files_beside_it_that_were_not_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let specs = dir.path().join("specs");
    fs::create_dir(&specs).expect("mkdir");
    fs::write(specs.join("api.slo"), API).expect("write");
    fs::write(
        specs.join("policies.slo"),
        format!("{POLICY}\ndefaults {{\n  alerting = standard\n}}\n"),
    )
    .expect("write");

    let o = slo(&["check", "specs/api.slo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let help = help_of("SLO352", &["specs/api.slo"], dir.path());
    assert!(
        help.contains(
            "may live in a file that was not given: `specs/policies.slo` is in the same directory"
        ),
        "{help}"
    );

    // Given together, or as their directory, the SLO has its alerts.
    for args in [
        &["check", "--deny", "warnings", "specs"][..],
        &[
            "check",
            "--deny",
            "warnings",
            "specs/api.slo",
            "specs/policies.slo",
        ][..],
    ] {
        let o = slo(args, dir.path());
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "{args:?}: {}", stderr(&o));
    }

    // Alone in its directory, there is nothing else to point at.
    let alone = tempfile::tempdir().expect("tempdir");
    fs::write(alone.path().join("api.slo"), API).expect("write");
    let help = help_of("SLO352", &["api.slo"], alone.path());
    assert!(!help.contains("not given"), "{help}");
}

#[test]
fn checking_one_file_of_the_example_specs_says_where_its_policies_are() {
    // `specs/search.slo` relies on `defaults` and policies in the other files.
    let o = slo(&["check", "specs/search.slo"], &root());
    assert_eq!(o.status.code(), Some(1), "unknown policies are errors");
    let help = help_of("SLO352", &["specs/search.slo"], &root());
    assert!(help.contains("`specs/policies.slo`"), "{help}");
    // The unknown policy says where it may be, too.
    let help = help_of("SLO101", &["specs/search.slo"], &root());
    assert!(
        help.contains("may be defined in a file that was not given: `specs/checkout.slo`"),
        "{help}"
    );
    let o = slo(&["check", "--deny", "warnings", "specs"], &root());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ---- SLO350: a severity that no `notify` block routes ----

const ROUTED: &str = r#"
policy standard {
  critical 14.4x over 1h/5m
  page     6x    over 6h/30m
  ticket   1x    over 3d/6h
}

defaults {
  alerting = standard
  receiver = mail
}

receiver mail = email {
  to        = "sre@example.com"
  from      = "alertmanager@example.com"
  smarthost = "smtp.example.com:587"
}

receiver pager = pagerduty {
  routing_key_file = "/etc/alertmanager/secrets/pagerduty"
}

notify {
  page   = pager
  ticket = mail
}
"#;

/// The receiver `amtool config routes test` picks for an alert.
fn route(amtool: &Path, config: &Path, severity: &str) -> String {
    let o = Command::new(amtool)
        .args(["config", "routes", "test"])
        .arg(format!("--config.file={}", config.display()))
        .args([
            "alertname=ErrorBudgetBurn",
            "service=api",
            "slo=availability",
            &format!("severity={severity}"),
        ])
        .output()
        .expect("run amtool");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn an_unrouted_severity_warns_and_really_falls_to_the_default_receiver() {
    let text = format!("{API}{ROUTED}");
    assert_eq!(codes(&text), ["SLO350"]);
    let mut sources = Sources::new();
    let id = sources.add("a.slo", text.clone());
    let checked = slo::check(&sources);
    let d = &checked.diags[0];
    assert_eq!(
        &sources.get(id).text[d.primary.span.start..d.primary.span.end],
        "critical",
        "points at the severity word"
    );
    assert!(d.message.contains("`critical`"), "{}", d.message);
    let help = d.help.as_deref().expect("help");
    assert!(help.contains("inhibition"), "{help}");

    // What the warning says, Alertmanager does.
    if let Some(amtool) = tool("amtool") {
        let (_src, out) = compile_text(&[("a.slo", &text)]);
        let config = out.path().join("alertmanager/alertmanager.yml");
        assert_eq!(route(&amtool, &config, "page"), "pager");
        assert_eq!(route(&amtool, &config, "critical"), "mail");
    }

    // Routed anywhere, even to the default receiver by name: no warning.
    let routed = text.replace(
        "  ticket = mail\n",
        "  ticket   = mail\n  critical = mail\n",
    );
    assert!(codes(&routed).is_empty());
    // A severity of an unused policy is `SLO105`'s alone.
    let unused = format!(
        "{}policy spare {{\n  urgent 14.4x over 1h/5m\n}}\n",
        text.replace("  critical 14.4x over 1h/5m\n", "")
    );
    assert_eq!(codes(&unused), ["SLO105"]);
    // Without receivers there is no routing to miss.
    let no_receivers = format!("{API}{POLICY}defaults {{\n  alerting = standard\n}}\n");
    assert!(codes(&no_receivers).is_empty());
}

#[test]
fn an_unrouted_page_warns_without_mentioning_the_inhibition() {
    let text = format!("{API}{ROUTED}")
        .replace("  page   = pager\n", "")
        .replace("  critical 14.4x over 1h/5m\n", "");
    let mut sources = Sources::new();
    sources.add("a.slo", text.replace("receiver pager", "receiver spare"));
    let checked = slo::check(&sources);
    let unrouted: Vec<_> = checked
        .diags
        .iter()
        .filter(|d| d.code.as_str() == "SLO350")
        .collect();
    assert_eq!(unrouted.len(), 1, "{:?}", checked.diags);
    assert!(unrouted[0].message.contains("`page`"));
    assert!(!unrouted[0]
        .help
        .as_deref()
        .expect("help")
        .contains("inhibition"));
}

// ---- SLO351: a `*_file` setting that holds the secret ----

fn receiver_with(kind_and_settings: &str) -> String {
    format!(
        "{API}{POLICY}defaults {{\n  alerting = standard\n  receiver = r\n}}\n\nreceiver r = {kind_and_settings}\n\nnotify {{\n  page   = r\n  ticket = r\n}}\n"
    )
}

#[test]
fn file_settings_that_hold_a_url_or_a_token_warn() {
    for (receiver, label) in [
        (
            "slack {\n  api_url_file = \"https://hooks.slack.com/services/T000/B000/XXXX\"\n}",
            "a URL",
        ),
        (
            "pagerduty {\n  routing_key_file = \"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6\"\n}",
            "looks like a token",
        ),
        (
            "webhook {\n  url = \"https://hooks.example.com/x\"\n  bearer_token_file = \"xoxb-1234-5678-abcdefgh\"\n}",
            "a Slack token",
        ),
        (
            "email {\n  to = \"a@example.com\"\n  from = \"b@example.com\"\n  smarthost = \"smtp.example.com:587\"\n  auth_username = \"am\"\n  auth_password_file = \"eyJhbGciOiJIUzI1NiJ9.e30.c2ln\"\n}",
            "a JSON Web Token",
        ),
    ] {
        let text = receiver_with(receiver);
        let mut sources = Sources::new();
        sources.add("a.slo", text.clone());
        let checked = slo::check(&sources);
        let codes: Vec<&str> = checked.diags.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["SLO351"], "{text}");
        let shown = &checked.diags[0].primary.message;
        assert!(shown.contains(label), "{receiver}: {shown}");
        assert!(checked.program.is_some(), "a warning, not an error");
    }
    for path in [
        "/etc/alertmanager/secrets/slack",
        "./a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        "slack-webhook",
    ] {
        let text = receiver_with(&format!("slack {{\n  api_url_file = \"{path}\"\n}}"));
        assert!(codes(&text).is_empty(), "{path}");
    }
}

/// An SLO whose override adds a `critical` line that no policy has.
const OVERRIDDEN: &str = r#"
service api {
  sli requests = ratio {
    bad   = `http_requests_total{code=~"5.."}`
    total = `http_requests_total`
  }
  slo availability {
    sli      = requests
    target   = 99.9%
    alerting = standard {
      critical 30x over 30m/5m
    }
  }
}
"#;

#[test]
fn a_severity_only_an_override_produces_is_routed_like_the_others() {
    let routed = ROUTED.replace("  critical 14.4x over 1h/5m\n", "").replace(
        "  ticket = mail\n",
        "  ticket   = mail\n  critical = pager\n",
    );
    let text = format!("{OVERRIDDEN}{routed}");
    // Once an error (`SLO310`: no policy produces it), so it could not be routed.
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
    if let Some(amtool) = tool("amtool") {
        let (_src, out) = compile_text(&[("a.slo", &text)]);
        let config = out.path().join("alertmanager/alertmanager.yml");
        assert_eq!(route(&amtool, &config, "critical"), "pager");
    }
    // Not routed, it is reported at the override's line, once.
    let unrouted = text.replace("  critical = pager\n", "");
    let mut sources = Sources::new();
    let id = sources.add("a.slo", unrouted);
    let checked = slo::check(&sources);
    let codes: Vec<&str> = checked.diags.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["SLO350"]);
    let span = checked.diags[0].primary.span;
    let text = &sources.get(id).text;
    assert_eq!(&text[span.start..span.end], "critical");
    assert!(text[..span.start].ends_with("alerting = standard {\n      "));
}
