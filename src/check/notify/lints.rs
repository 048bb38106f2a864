//! Notification lints: settings that Alertmanager accepts but that lose or
//! leak alerts without a word.
//!
//! - `SLO350` a severity that no `notify` block routes;
//! - `SLO351` a `*_file` setting whose value is a URL or a secret, not a path.

use crate::diag::{Code, Diag, Span};
use crate::syntax::ast;
use std::collections::BTreeSet;

/// Slack token prefixes (bot, user, app-level, workspace, refresh tokens).
const SLACK_TOKEN_PREFIXES: &[&str] = &[
    "xoxb-", "xoxp-", "xoxa-", "xoxe-", "xoxr-", "xoxs-", "xapp-",
];

/// A value without `/` at least this long, with letters and digits, is taken
/// for a token rather than a file name.
const TOKEN_MIN_LEN: usize = 20;

/// Why the value of a `*_file` setting is not a path, if it looks like the
/// secret itself: a URL, a Slack token, a JSON Web Token, or a long run of
/// letters and digits without `/` (file names are short, and a path has a
/// directory). A value with a `/` other than a URL's is always a path.
pub fn not_a_path(value: &str) -> Option<&'static str> {
    if value.contains("://") {
        return Some("a URL, not the path of a file");
    }
    if SLACK_TOKEN_PREFIXES.iter().any(|p| value.starts_with(p)) {
        return Some("a Slack token, not the path of a file");
    }
    if value.contains(['/', '\\']) {
        return None;
    }
    if value.starts_with("eyJ") && value.contains('.') {
        return Some("a JSON Web Token, not the path of a file");
    }
    let token_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_+=.~".contains(c));
    let digits = value.chars().any(|c| c.is_ascii_digit());
    let letters = value.chars().any(|c| c.is_ascii_alphabetic());
    (value.len() >= TOKEN_MIN_LEN && token_chars && digits && letters)
        .then_some("looks like a token, not the path of a file")
}

/// `SLO351`: a `*_file` setting whose value is a URL or a secret. Alertmanager
/// copies it into its configuration as a path and fails when it notifies.
pub fn secret_file(
    key: &str,
    value: &str,
    span: Span,
    secret: &str,
    receiver: &str,
) -> Option<Diag> {
    let why = not_a_path(value)?;
    let message = if why.starts_with("a URL") {
        format!("`{key}` holds a URL, not a path")
    } else {
        format!("`{key}` looks like a secret, not a path")
    };
    Some(
        Diag::new(Code::SecretFileNotPath, span, message)
        .label(why)
        .help(format!(
            "`{key}` names the file Alertmanager reads {secret} from, and is copied into `alertmanager.yml` as written; put {secret} in a file and give its path, e.g. `{key} = \"/etc/alertmanager/secrets/{receiver}\"`"
        )),
    )
}

/// `SLO350`: a severity that no `notify` block routes, while receivers
/// exist. Its alerts go to the default receiver, and a severity other than
/// `page` and `ticket` takes no part in the inhibition of a ticket by a page.
/// `policies` are the lines of each used policy (an unused one is
/// `SLO105`'s), `overrides` those of each SLO's override. One warning per
/// policy and severity, at its first line; an override's severity only when
/// no policy has it, once.
pub fn unrouted<'p>(
    policies: impl Iterator<Item = &'p [ast::PolicyLine]>,
    overrides: &[&'p [ast::PolicyLine]],
    routed: &BTreeSet<&str>,
    default_receiver: &str,
    diags: &mut Vec<Diag>,
) {
    let mut reported: BTreeSet<&str> = BTreeSet::new();
    for lines in policies {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for line in lines {
            let severity = line.severity.text.as_str();
            if !routed.contains(severity) && seen.insert(severity) {
                reported.insert(severity);
                diags.push(unrouted_line(line, default_receiver));
            }
        }
    }
    for line in overrides.iter().copied().flatten() {
        let severity = line.severity.text.as_str();
        if !routed.contains(severity) && reported.insert(severity) {
            diags.push(unrouted_line(line, default_receiver));
        }
    }
}

fn unrouted_line(line: &ast::PolicyLine, default_receiver: &str) -> Diag {
    let severity = line.severity.text.as_str();
    let inhibition = if severity == "page" || severity == "ticket" {
        ""
    } else {
        " and take no part in the inhibition of a `ticket` by a `page` of the same SLO"
    };
    Diag::new(
        Code::UnroutedSeverity,
        line.severity.span,
        format!("no `notify` block routes severity `{severity}`"),
    )
    .label(format!(
        "`{severity}` alerts fall to the default receiver `{default_receiver}`"
    ))
    .help(format!(
        "they go where every unmatched alert goes{inhibition}; add `{severity} = <receiver>` to a `notify` block (`{severity} = {default_receiver}` to keep them there on purpose), or use a severity that is routed"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_not_secrets() {
        for path in [
            "/etc/alertmanager/secrets/slack",
            "secrets/pagerduty-routing-key-2024",
            "./a1b2c3d4e5f6a7b8c9d0e1f2",
            "slack",
            "pagerduty.key",
            "payments-pagerduty-routing-key",
            "C:\\secrets\\slack",
        ] {
            assert_eq!(not_a_path(path), None, "{path}");
        }
    }

    #[test]
    fn urls_and_tokens_are_secrets() {
        for secret in [
            "https://hooks.slack.com/services/T000/B000/XXXX",
            "http://127.0.0.1:9/hook",
            "xoxb-123-456-abc",
            "eyJhbGciOiJIUzI1NiJ9.e30.sig",
            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
            "R2VuZXJhdGVkVG9rZW4xMjM0NTY3OA==",
        ] {
            assert!(not_a_path(secret).is_some(), "{secret}");
        }
    }
}
