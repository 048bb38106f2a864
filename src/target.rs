//! Where the output is deployed: the layout of the output directory and the
//! wrapping of each file (plain rule files, Kubernetes objects, Mimir rule
//! namespaces). The `.slo` source and the rules themselves are the same for
//! every target; see `docs/deploy.md`.

/// A deployment target of `slo compile --target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// Plain Prometheus rule files, Grafana JSON and `alertmanager.yml`.
    #[default]
    Prometheus,
    /// `PrometheusRule` objects, dashboards as `ConfigMap`s, the
    /// Alertmanager configuration as a `Secret`, and a `kustomization.yaml`.
    PrometheusOperator,
    /// `VMRule` objects, with the same dashboards, `Secret` and
    /// `kustomization.yaml` as the Prometheus Operator.
    VictoriaMetrics,
    /// Rule files in mimirtool's format (`namespace:` and `groups:`).
    Mimir,
    /// Prometheus rule files whose groups say `partial_response_strategy`.
    Thanos,
}

impl Target {
    /// Every target, in the order `--help` lists them.
    pub const ALL: [Target; 5] = [
        Target::Prometheus,
        Target::PrometheusOperator,
        Target::VictoriaMetrics,
        Target::Mimir,
        Target::Thanos,
    ];

    /// The name `--target` takes.
    pub fn name(self) -> &'static str {
        match self {
            Target::Prometheus => "prometheus",
            Target::PrometheusOperator => "prometheus-operator",
            Target::VictoriaMetrics => "victoriametrics",
            Target::Mimir => "mimir",
            Target::Thanos => "thanos",
        }
    }

    /// Whether the output is Kubernetes objects (and so takes a namespace
    /// and labels).
    pub fn kubernetes(self) -> bool {
        matches!(self, Target::PrometheusOperator | Target::VictoriaMetrics)
    }
}

/// The label every Kubernetes object carries, naming what made it.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "slo");

/// The label the Grafana sidecar looks for, by default.
pub const SIDECAR_LABEL: (&str, &str) = ("grafana_dashboard", "1");

/// How to deploy: the target and, for Kubernetes targets, where the objects
/// go and how they are labelled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deploy {
    pub target: Target,
    /// `metadata.namespace` of every object; none leaves it to
    /// `kubectl apply -n` or the current context.
    pub namespace: Option<String>,
    /// Labels on every object, after [`MANAGED_BY`]; a later label wins
    /// over an earlier one of the same key.
    pub labels: Vec<(String, String)>,
    /// Labels on the dashboards' `ConfigMap`s only; empty means
    /// [`SIDECAR_LABEL`].
    pub dashboard_labels: Vec<(String, String)>,
    /// What another tool's dashboards read, written as well while users
    /// migrate from it (`--compat`).
    pub compat: Option<crate::lower::Compat>,
}

impl Deploy {
    /// Plain Prometheus files, today's layout.
    pub fn prometheus() -> Deploy {
        Deploy::default()
    }

    /// The labels of an object: [`MANAGED_BY`], then the user's, then
    /// `extra`; sorted by key, the last of each key kept.
    pub fn object_labels(&self, extra: &[(String, String)]) -> Vec<(String, String)> {
        let mut all = std::collections::BTreeMap::new();
        all.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
        for (k, v) in self.labels.iter().chain(extra) {
            all.insert(k.clone(), v.clone());
        }
        all.into_iter().collect()
    }

    /// The labels that make the Grafana sidecar load a `ConfigMap`.
    pub fn sidecar_labels(&self) -> Vec<(String, String)> {
        if self.dashboard_labels.is_empty() {
            vec![(SIDECAR_LABEL.0.to_string(), SIDECAR_LABEL.1.to_string())]
        } else {
            self.dashboard_labels.clone()
        }
    }
}

/// The Mimir rule namespace of a service's groups: `slo-<service>`. The
/// prefix keeps them apart from namespaces managed by hand, and lets
/// `mimirtool rules sync --namespaces` name exactly these.
pub fn mimir_namespace(service: &str) -> String {
    format!("slo-{service}")
}

/// Checks a namespace name: a DNS-1123 label (lowercase letters, digits and
/// `-`, starting and ending with a letter or digit, at most 63 characters).
pub fn namespace(name: &str) -> Result<String, String> {
    if dns_label(name) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "`{name}` is not a Kubernetes namespace name: use at most 63 lowercase letters, \
             digits and `-`, starting and ending with a letter or digit"
        ))
    }
}

/// Parses `KEY=VALUE` into a Kubernetes label, checking both halves.
pub fn label(text: &str) -> Result<(String, String), String> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(format!(
            "`{text}` is not a label: write KEY=VALUE, e.g. `role=alert-rules`"
        ));
    };
    if !label_key(key) {
        return Err(format!(
            "`{key}` is not a Kubernetes label key: an optional DNS prefix and `/`, then at most \
             63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"
        ));
    }
    if !(value.is_empty() || label_name(value)) {
        return Err(format!(
            "`{value}` is not a Kubernetes label value: at most 63 letters, digits, `-`, `_` or \
             `.`, starting and ending with a letter or digit (or empty)"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

/// A DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 bytes.
pub fn dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 bytes.
pub fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

/// The name half of a label key, or a label value: at most 63 of
/// `[A-Za-z0-9_.-]`, starting and ending with a letter or digit.
fn label_name(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

fn label_key(key: &str) -> bool {
    match key.rsplit_once('/') {
        Some((prefix, name)) => dns_subdomain(prefix) && label_name(name),
        None => label_name(key),
    }
}

/// A Kubernetes object name made of `prefix-` and a service name, at most
/// `max` bytes (at most 63), a valid DNS-1123 label. A service name that is
/// already lowercase letters, digits and `-` and fits is kept as it is;
/// any other is lowercased, its other characters turned into `-`, cut to
/// fit, and given a hash of the original name, so that two services never
/// share a name and a name never changes between runs.
pub fn object_name(prefix: &str, service: &str, max: usize) -> String {
    let plain = format!("{prefix}-{service}");
    if plain.len() <= max && dns_label(&plain) {
        return plain;
    }
    let suffix = format!(
        "-{:08x}",
        crate::lower::dashboard::fnv1a(service.as_bytes()) as u32
    );
    let mut name: String = plain
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(max.saturating_sub(suffix.len()));
    let name = name.trim_end_matches('-');
    format!("{name}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_service_names_are_kept() {
        assert_eq!(object_name("slo", "checkout", 63), "slo-checkout");
        assert_eq!(object_name("slo", "web-2", 63), "slo-web-2");
    }

    #[test]
    fn odd_and_long_names_still_give_valid_distinct_names() {
        let names = [
            "Checkout",
            "checkout_api",
            "checkout-api",
            "a_",
            &"x".repeat(200),
            &format!("{}y", "x".repeat(199)),
        ];
        let made: Vec<String> = names
            .iter()
            .map(|n| object_name("slo-dashboards", n, 60))
            .collect();
        for (n, m) in names.iter().zip(&made) {
            assert!(dns_label(m), "{n} → {m}");
            assert!(m.len() <= 60, "{m}");
            assert_eq!(&object_name("slo-dashboards", n, 60), m, "stable");
        }
        let unique: std::collections::BTreeSet<_> = made.iter().collect();
        assert_eq!(unique.len(), made.len(), "{made:?}");
    }

    #[test]
    fn labels_and_namespaces_are_checked() {
        assert_eq!(
            label("role=alert-rules"),
            Ok(("role".into(), "alert-rules".into()))
        );
        assert!(label("example.com/team=").is_ok());
        assert!(label("role").is_err());
        assert!(label("-role=x").is_err());
        assert!(label("role=a b").is_err());
        assert!(label("Bad_Prefix/x=y").is_err());
        assert!(namespace("monitoring").is_ok());
        assert!(namespace("Monitoring").is_err());
        assert!(namespace("").is_err());
    }

    #[test]
    fn the_users_labels_win_and_come_sorted() {
        let d = Deploy {
            labels: vec![
                ("role".into(), "alert-rules".into()),
                (MANAGED_BY.0.into(), "ci".into()),
            ],
            ..Deploy::default()
        };
        assert_eq!(
            d.object_labels(&[]),
            vec![
                (MANAGED_BY.0.to_string(), "ci".to_string()),
                ("role".to_string(), "alert-rules".to_string())
            ]
        );
    }
}
