//! The Alertmanager configuration of a program, when it declares receivers:
//! the route tree, the inhibit rule and the receivers, as Alertmanager reads
//! them. The field names are Alertmanager's; `emit::alertmanager` writes the
//! model as YAML.
//!
//! Alerts are grouped by `alertname`, `service`, `slo` and every `by` label
//! of the program; one child route per `notify` line matches its scope and
//! severity, services before teams before every alert, and anything left
//! goes to the default receiver. A firing `page` inhibits the `ticket` of
//! the same service, SLO and `by` values.
//!
//! Alertmanager expands some fields as Go templates: of those the spec
//! sets, the email `to` and `from` and the Slack `channel`. They hold
//! templates that print the spec's text exactly ([`literal`]); the other
//! fields (`smarthost`, `auth_username`, the webhook `url`, file paths) are
//! used as they are.

use super::template::literal;
use crate::check::notify::{self, ReceiverKind, Routing, Scope, Timing};
use crate::check::Program;
use crate::num::Duration;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The labels that name one SLO. Alerts are grouped by `alertname` and
/// these, and a page inhibits only a ticket equal in these, plus the `by`
/// labels of [`split_labels`] in both cases.
const SLO_LABELS: [&str; 2] = ["service", "slo"];

/// Added to every Slack message: what fired and where to look.
const SLACK_TEXT: &str = "{{ range .Alerts }}*{{ .Labels.severity }}* {{ .Annotations.summary }}\n\
{{ .Annotations.description }}\
{{ with .Annotations.runbook_url }}\nRunbook: {{ . }}{{ end }}\
{{ with .Annotations.dashboard_url }}\nDashboard: {{ . }}{{ end }}\n{{ end }}";

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// The root route.
    pub route: Route,
    /// Inhibit rules; none unless the policies produce both `page` and
    /// `ticket`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inhibit_rules: Vec<Inhibit>,
    /// Every receiver, sorted by name.
    pub receivers: Vec<Receiver>,
}

/// A route: the root (with `group_by` and the default receiver) or one
/// `notify` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// The receiver's name.
    pub receiver: String,
    /// The labels alerts are grouped by (the root only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    /// What an alert must match to take this route.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<Matcher>,
    /// Set when the spec (or the root's defaults) sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<Interval>,
    /// Set when the spec (or the root's defaults) sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<Interval>,
    /// Set when the spec (or the root's defaults) sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<Interval>,
    /// Child routes in matching order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
}

/// An equality matcher, `name="value"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// The label.
    pub name: String,
    /// The value as it must be, unquoted.
    pub value: String,
}

/// A notification timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval(pub Duration);

/// A rule that silences target alerts while a source alert fires.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inhibit {
    /// What the firing alert matches.
    pub source_matchers: Vec<Matcher>,
    /// What the silenced alert matches.
    pub target_matchers: Vec<Matcher>,
    /// The labels both must have equal.
    pub equal: Vec<String>,
}

/// A receiver, with one integration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receiver {
    /// Its name.
    pub name: String,
    /// Where it sends, written as the one list of its kind
    /// (`email_configs: [...]`).
    #[serde(flatten)]
    pub integration: Integration,
}

/// What a receiver sends through: the key of its list in Alertmanager's
/// configuration, with the one entry slo writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Integration {
    /// Mail.
    #[serde(rename = "email_configs")]
    Email([Email; 1]),
    /// PagerDuty.
    #[serde(rename = "pagerduty_configs")]
    Pagerduty([Pagerduty; 1]),
    /// Slack.
    #[serde(rename = "slack_configs")]
    Slack([Slack; 1]),
    /// A webhook.
    #[serde(rename = "webhook_configs")]
    Webhook([Webhook; 1]),
}

/// Mail through an SMTP relay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Email {
    /// A template printing the recipient.
    pub to: String,
    /// A template printing the sender.
    pub from: String,
    /// `host:port` of the relay.
    pub smarthost: String,
    /// SMTP login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_username: Option<String>,
    /// The file holding the SMTP password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_password_file: Option<String>,
    /// Always `true`.
    pub send_resolved: bool,
}

/// PagerDuty Events API v2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pagerduty {
    /// The file holding the routing key.
    pub routing_key_file: String,
    /// Always `true`.
    pub send_resolved: bool,
}

/// A Slack incoming webhook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slack {
    /// The file holding the webhook URL.
    pub api_url_file: String,
    /// A template printing the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Always `true`.
    pub send_resolved: bool,
    /// The message template.
    pub text: &'static str,
}

/// A generic webhook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Webhook {
    /// Where to POST.
    pub url: String,
    /// Always `true`.
    pub send_resolved: bool,
    /// The bearer token, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
}

/// A webhook's HTTP settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpConfig {
    /// The `Authorization` header.
    pub authorization: Authorization,
}

/// A credential sent in the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Authorization {
    /// The scheme: `Bearer`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The file holding the credentials.
    pub credentials_file: String,
}

/// The configuration, when the program has routing.
pub fn config(program: &Program) -> Option<Config> {
    let routing = program.routing.as_ref()?;
    Some(Config {
        route: Route {
            group_by: ["alertname"]
                .into_iter()
                .chain(SLO_LABELS)
                .chain(split_labels(program))
                .map(String::from)
                .collect(),
            routes: routing.routes.iter().map(route).collect(),
            ..timed(&routing.default_receiver, Vec::new(), routing.timing)
        },
        inhibit_rules: inhibit_rules(program),
        receivers: receivers(routing),
    })
}

fn timed(receiver: &str, matchers: Vec<Matcher>, t: Timing) -> Route {
    Route {
        receiver: receiver.to_string(),
        group_by: Vec::new(),
        matchers,
        group_wait: t.group_wait.map(Interval),
        group_interval: t.group_interval.map(Interval),
        repeat_interval: t.repeat_interval.map(Interval),
        routes: Vec::new(),
    }
}

fn route(r: &notify::Route) -> Route {
    let mut matchers = match &r.scope {
        Scope::Service(s) => vec![matcher("service", s)],
        Scope::Team(t) => vec![matcher("team", t)],
        Scope::All => Vec::new(),
    };
    matchers.push(matcher("severity", &r.severity));
    timed(&r.receiver, matchers, r.timing)
}

fn matcher(name: &str, value: &str) -> Matcher {
    Matcher {
        name: name.to_string(),
        value: value.to_string(),
    }
}

/// Every label any per-label SLO of the program is split by, sorted: with
/// [`SLO_LABELS`], what tells one SLO value's alerts from another's. One
/// list serves every SLO because Alertmanager reads a label missing from an
/// alert as empty: the alerts of an SLO without `by` all lack `route`, so
/// they still group together and still inhibit each other, while those of
/// an SLO split by `route` differ in it.
fn split_labels(program: &Program) -> BTreeSet<&str> {
    program
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .flat_map(|slo| &slo.by)
        .map(String::as_str)
        .collect()
}

/// A firing `page` makes the `ticket` of the same SLO, and of the same
/// values of its `by` labels, redundant: whoever is paged already knows. A
/// page for one route says nothing about another route's ticket, so every
/// `by` label must be equal. Written for each alert name whose alerts have
/// both severities (policies may name their alerts).
fn inhibit_rules(program: &Program) -> Vec<Inhibit> {
    let mut severities: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for slo in program.services.iter().flat_map(|s| &s.slos) {
        severities
            .entry(slo.alert.as_str())
            .or_default()
            .extend(slo.alerts.iter().map(|a| a.severity.as_str()));
    }
    let equal: Vec<String> = SLO_LABELS
        .into_iter()
        .chain(split_labels(program))
        .map(String::from)
        .collect();
    severities
        .into_iter()
        .filter(|(_, s)| s.contains("page") && s.contains("ticket"))
        .map(|(name, _)| {
            let ours = matcher("alertname", name);
            Inhibit {
                source_matchers: vec![ours.clone(), matcher("severity", "page")],
                target_matchers: vec![ours, matcher("severity", "ticket")],
                equal: equal.clone(),
            }
        })
        .collect()
}

fn receivers(routing: &Routing) -> Vec<Receiver> {
    routing
        .receivers
        .iter()
        .map(|r| {
            let integration = match &r.kind {
                ReceiverKind::Email {
                    to,
                    from,
                    smarthost,
                    auth,
                } => Integration::Email([Email {
                    to: literal(to).into_owned(),
                    from: literal(from).into_owned(),
                    smarthost: smarthost.clone(),
                    auth_username: auth.as_ref().map(|(u, _)| u.clone()),
                    auth_password_file: auth.as_ref().map(|(_, p)| p.clone()),
                    send_resolved: true,
                }]),
                ReceiverKind::Pagerduty { routing_key_file } => {
                    Integration::Pagerduty([Pagerduty {
                        routing_key_file: routing_key_file.clone(),
                        send_resolved: true,
                    }])
                }
                ReceiverKind::Slack {
                    api_url_file,
                    channel,
                } => Integration::Slack([Slack {
                    api_url_file: api_url_file.clone(),
                    channel: channel.as_deref().map(|c| literal(c).into_owned()),
                    send_resolved: true,
                    text: SLACK_TEXT,
                }]),
                ReceiverKind::Webhook {
                    url,
                    bearer_token_file,
                } => Integration::Webhook([Webhook {
                    url: url.clone(),
                    send_resolved: true,
                    http_config: bearer_token_file.as_ref().map(|f| HttpConfig {
                        authorization: Authorization {
                            kind: "Bearer",
                            credentials_file: f.clone(),
                        },
                    }),
                }]),
            };
            Receiver {
                name: r.name.clone(),
                integration,
            }
        })
        .collect()
}
