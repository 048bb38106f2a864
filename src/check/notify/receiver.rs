//! Receivers: the integrations Alertmanager notifies, each checked for the
//! keys its kind needs, with secrets only as file references.

use crate::check::common::{missing_key, unknown_kind, KindOf};
use crate::check::fields::{Fields, Key, Kind};
use crate::diag::{Code, Diag, Span};
use crate::syntax::ast;
use std::collections::BTreeSet;

/// A checked receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Receiver {
    /// Its name, also the Alertmanager receiver name.
    pub name: String,
    /// What it sends to.
    pub kind: ReceiverKind,
}

/// The integrations a receiver can use. Secrets are paths of files that
/// Alertmanager reads.
#[derive(Debug, Clone, PartialEq)]
pub enum ReceiverKind {
    /// A Slack incoming webhook.
    Slack {
        /// File holding the webhook URL.
        api_url_file: String,
        /// Channel override.
        channel: Option<String>,
    },
    /// PagerDuty Events API v2.
    Pagerduty {
        /// File holding the integration's routing key.
        routing_key_file: String,
    },
    /// Mail through an SMTP relay.
    Email {
        /// Recipient address.
        to: String,
        /// Sender address.
        from: String,
        /// `host:port` of the relay.
        smarthost: String,
        /// SMTP login, when the relay needs one: user name and password file.
        auth: Option<(String, String)>,
    },
    /// A generic webhook.
    Webhook {
        /// Where to POST.
        url: String,
        /// File holding a bearer token, if the endpoint needs one.
        bearer_token_file: Option<String>,
    },
}

/// Why `url` is not an absolute http(s) URL Grafana or Alertmanager can use.
pub(super) fn url_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Some("does not start with `https://` or `http://`");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Some("has no host");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains blanks");
    }
    None
}

pub(super) fn check_url(url: &str, span: Span, key: &str, diags: &mut Vec<Diag>) -> bool {
    match url_problem(url) {
        None => true,
        Some(problem) => {
            diags.push(
                Diag::new(
                    Code::InvalidUrl,
                    span,
                    format!("`{key}` is not an absolute http(s) URL"),
                )
                .label(format!("this URL {problem}"))
                .help(format!(
                    "write the full address, e.g. `{key} = \"https://{}.example.com\"`",
                    if key == "grafana" { "grafana" } else { "hooks" }
                )),
            );
            false
        }
    }
}

/// A receiver kind: its keys and the inline keys that would hold a secret.
struct KindSpec {
    name: &'static str,
    keys: &'static [Key],
    /// `(inline key, file key)`: the inline key is an error pointing at the file key.
    secrets: &'static [(&'static str, &'static str)],
    /// What the secret is, for messages.
    secret: &'static str,
}

const fn key(name: &'static str, example: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Str,
        example,
    }
}

/// The receiver kinds and the keys each takes.
pub(in crate::check) fn kinds() -> impl Iterator<Item = (&'static str, &'static [Key])> {
    KINDS.iter().map(|k| (k.name, k.keys))
}

const KINDS: &[KindSpec] = &[
    KindSpec {
        name: "email",
        keys: &[
            key("to", "`to = \"sre@example.com\"`"),
            key("from", "`from = \"alertmanager@example.com\"`"),
            key("smarthost", "`smarthost = \"smtp.example.com:587\"`"),
            key("auth_username", "`auth_username = \"alertmanager\"`"),
            key(
                "auth_password_file",
                "`auth_password_file = \"/etc/alertmanager/secrets/smtp\"`",
            ),
        ],
        secrets: &[
            ("auth_password", "auth_password_file"),
            ("auth_secret", "auth_password_file"),
        ],
        secret: "the SMTP password",
    },
    KindSpec {
        name: "pagerduty",
        keys: &[key(
            "routing_key_file",
            "`routing_key_file = \"/etc/alertmanager/secrets/pagerduty\"`",
        )],
        secrets: &[
            ("routing_key", "routing_key_file"),
            ("service_key", "routing_key_file"),
        ],
        secret: "the PagerDuty routing key",
    },
    KindSpec {
        name: "slack",
        keys: &[
            key(
                "api_url_file",
                "`api_url_file = \"/etc/alertmanager/secrets/slack\"`",
            ),
            key("channel", "`channel = \"#payments-alerts\"`"),
        ],
        secrets: &[("api_url", "api_url_file")],
        secret: "the Slack webhook URL",
    },
    KindSpec {
        name: "webhook",
        keys: &[
            key("url", "`url = \"https://hooks.example.com/alerts\"`"),
            key(
                "bearer_token_file",
                "`bearer_token_file = \"/etc/alertmanager/secrets/hook\"`",
            ),
        ],
        secrets: &[("bearer_token", "bearer_token_file")],
        secret: "the bearer token",
    },
];

pub(super) fn receiver(r: &ast::Receiver, diags: &mut Vec<Diag>) -> Option<Receiver> {
    let Some(spec) = KINDS.iter().find(|k| k.name == r.kind.text) else {
        diags.push(unknown_kind(
            KindOf::Receiver,
            &r.kind.text,
            r.kind.span,
            KINDS.iter().map(|k| k.name),
        ));
        return None;
    };
    let errors = diags.len();
    // An inline secret is not an unknown key: it is a known mistake with its own help.
    let mut settings = Vec::new();
    let mut inline: BTreeSet<&str> = BTreeSet::new();
    for s in &r.block.settings {
        match spec.secrets.iter().find(|(k, _)| *k == s.key.text) {
            Some((k, file)) => {
                inline.insert(file);
                diags.push(
                    Diag::new(Code::InlineSecret, s.value.span, format!("{} is written inline", spec.secret))
                        .label(format!("`{k}` puts the secret in the spec"))
                        .help(format!(
                            "specs are committed and shared; put the secret in a file Alertmanager can read and write `{file} = \"/etc/alertmanager/secrets/…\"`"
                        )),
                );
            }
            None => settings.push(s.clone()),
        }
    }
    let f = Fields::new(
        &settings,
        spec.keys,
        &format!("a `{}` receiver", spec.name),
        diags,
    );
    let name = &r.name;
    let secret = |key: &str, required: bool, diags: &mut Vec<Diag>| -> Option<String> {
        match f.string(key, diags) {
            Some(("", span)) => {
                diags.push(missing_secret(
                    name,
                    key,
                    span,
                    "an empty path",
                    spec.secret,
                ));
                None
            }
            Some((path, span)) => {
                diags.extend(super::lints::secret_file(
                    key,
                    path,
                    span,
                    spec.secret,
                    &name.text,
                ));
                Some(path.to_string())
            }
            None if required && !f.has(key) && !inline.contains(key) => {
                diags.push(missing_secret(
                    name,
                    key,
                    name.span,
                    &format!("`{key}` missing"),
                    spec.secret,
                ));
                None
            }
            None => None,
        }
    };
    let plain = |key: &str, diags: &mut Vec<Diag>| -> Option<String> {
        match f.string(key, diags) {
            Some((v, _)) => Some(v.to_string()),
            None => {
                if !f.has(key) {
                    let example = spec.keys.iter().find(|k| k.name == key);
                    diags.push(missing_key(
                        "receiver",
                        &name.text,
                        name.span,
                        key,
                        example.map_or("it", |k| k.example),
                    ));
                }
                None
            }
        }
    };
    let kind = match spec.name {
        "slack" => {
            let api_url_file = secret("api_url_file", true, diags);
            let channel = f.string("channel", diags).map(|(c, _)| c.to_string());
            api_url_file.map(|api_url_file| ReceiverKind::Slack {
                api_url_file,
                channel,
            })
        }
        "pagerduty" => secret("routing_key_file", true, diags)
            .map(|routing_key_file| ReceiverKind::Pagerduty { routing_key_file }),
        "email" => {
            let to = plain("to", diags);
            let from = plain("from", diags);
            let smarthost = plain("smarthost", diags);
            if let (Some(host), Some(setting)) = (&smarthost, f.setting("smarthost")) {
                if !has_port(host) {
                    diags.push(
                        Diag::new(
                            Code::InvalidUrl,
                            setting.value.span,
                            "`smarthost` has no port",
                        )
                        .label("Alertmanager needs `host:port`")
                        .help("add the SMTP port, e.g. `smarthost = \"smtp.example.com:587\"`"),
                    );
                }
            }
            let username = f.string("auth_username", diags).map(|(u, _)| u.to_string());
            let password = secret("auth_password_file", username.is_some(), diags);
            match (to, from, smarthost) {
                (Some(to), Some(from), Some(smarthost)) => Some(ReceiverKind::Email {
                    to,
                    from,
                    smarthost,
                    auth: username.zip(password),
                }),
                _ => None,
            }
        }
        "webhook" => {
            let url = plain("url", diags);
            let url = match (url, f.setting("url")) {
                (Some(url), Some(setting)) => {
                    let span = setting.value.span;
                    if check_url(&url, span, "url", diags) && has_credentials(&url) {
                        diags.push(
                            Diag::new(Code::InlineSecret, span, "the webhook URL carries a password")
                                .label("`user:password@` puts the secret in the spec")
                                .help("specs are committed and shared; remove the credentials from the URL and give the endpoint a token in `bearer_token_file = \"/etc/alertmanager/secrets/…\"`"),
                        );
                    }
                    Some(url)
                }
                _ => None,
            };
            let bearer_token_file = secret("bearer_token_file", false, diags);
            url.map(|url| ReceiverKind::Webhook {
                url,
                bearer_token_file,
            })
        }
        other => unreachable!("receiver kind table: {other}"),
    };
    if diags[errors..]
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        return None;
    }
    kind.map(|kind| Receiver {
        name: name.text.clone(),
        kind,
    })
}

fn missing_secret(name: &ast::Name, key: &str, span: Span, label: &str, secret: &str) -> Diag {
    Diag::new(
        Code::MissingSecretFile,
        span,
        format!("receiver `{}` has no file for {secret}", name.text),
    )
    .label(label.to_string())
    .help(format!(
        "Alertmanager reads {secret} from a file: add `{key} = \"/etc/alertmanager/secrets/{}\"`",
        name.text
    ))
}

/// Whether an SMTP smarthost names its port (`host:port`, `[v6]:port`).
fn has_port(host: &str) -> bool {
    host.rsplit_once(':').is_some_and(|(h, port)| {
        !h.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether a URL has `user:password@` before its host.
fn has_credentials(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url_problem("https://grafana.example.com"), None);
        assert_eq!(url_problem("http://localhost:3000/"), None);
        assert!(url_problem("grafana.example.com").is_some());
        assert!(url_problem("https://").is_some());
        assert!(url_problem("https://a b").is_some());
    }

    #[test]
    fn credentials_in_urls() {
        assert!(has_credentials("https://user:secret@hooks.example.com/x"));
        assert!(!has_credentials("https://hooks.example.com/x?to=a@b.c"));
        assert!(!has_credentials("https://user@hooks.example.com"));
    }

    #[test]
    fn smarthost_ports() {
        assert!(has_port("smtp.example.com:587"));
        assert!(has_port("[::1]:25"));
        assert!(!has_port("smtp.example.com"));
        assert!(!has_port(":25"));
    }
}
