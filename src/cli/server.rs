//! The live check's server over HTTP: the Prometheus HTTP API, which
//! VictoriaMetrics serves too. Every request has a timeout, and the whole
//! check a deadline; whatever goes wrong becomes a [`Failure`] that names
//! the URL (the run then exits with status 2).

use super::Live;
use serde_json::Value as Json;
use slo::live::{Failure, Sample, Server, Value};
use slo::num::Duration as Span;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The most bytes of one answer that are read: a server that sends more is
/// reported, not followed into memory exhaustion.
const MAX_BODY: u64 = 512 << 20;

/// A Prometheus-compatible server.
pub struct Http {
    /// The base URL as given, without a trailing `/`.
    base: String,
    agent: ureq::Agent,
    /// Headers sent with every request: authorization, then the user's.
    headers: Vec<(String, String)>,
    timeout: Duration,
    deadline: Instant,
    /// The deadline as given, for messages.
    deadline_text: String,
}

impl Http {
    /// The server the flags name, with its credentials read. `Err` is a
    /// usage or I/O problem: a URL that is not HTTP, a file that cannot be
    /// read, a header without a colon.
    pub fn new(url: &str, live: &Live) -> Result<Http, String> {
        let base = url.trim_end_matches('/').to_string();
        let scheme_ok = ["http://", "https://"].iter().any(|s| {
            base.get(..s.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(s))
                && base.len() > s.len()
        });
        if !scheme_ok {
            return Err(format!(
                "`--prometheus {url}` is not an HTTP URL; give the server's base URL, e.g. `http://localhost:9090`"
            ));
        }
        let mut headers = Vec::new();
        if let Some(path) = &live.prometheus_bearer_token_file {
            let token = secret(path, "--prometheus-bearer-token-file")?;
            headers.push(("Authorization".to_string(), format!("Bearer {token}")));
        }
        if let Some(path) = &live.prometheus_basic_auth_file {
            let pair = secret(path, "--prometheus-basic-auth-file")?;
            if !pair.contains(':') {
                return Err(format!(
                    "`{}` holds no `user:password`; `--prometheus-basic-auth-file` reads one line of that form",
                    path.display()
                ));
            }
            headers.push((
                "Authorization".to_string(),
                format!("Basic {}", base64(pair.as_bytes())),
            ));
        }
        for header in &live.prometheus_header {
            let (name, value) = header
                .split_once(':')
                .filter(|(n, _)| !n.trim().is_empty())
                .ok_or_else(|| {
                    format!("`--prometheus-header {header}` is not `Name: value`, e.g. `X-Scope-OrgID: team-a`")
                })?;
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("slo/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Http {
            base,
            agent,
            headers,
            timeout: millis(live.timeout()),
            deadline: Instant::now() + millis(live.deadline()),
            deadline_text: live.deadline().to_string(),
        })
    }

    /// The `data` of the API's answer to `GET path?query`, or `None` when
    /// the server has no such endpoint (404).
    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Option<Json>, Failure> {
        self.call(path, |url, timeout| {
            let mut request = self.prepared(self.agent.get(url), timeout);
            for (k, v) in query {
                request = request.query(*k, *v);
            }
            request.call()
        })
    }

    /// The `data` of the API's answer to a form `POST` (long queries do
    /// not fit in a URL).
    fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<Option<Json>, Failure> {
        self.call(path, |url, timeout| {
            self.prepared(self.agent.post(url), timeout)
                .send_form(form.iter().copied())
        })
    }

    /// A request with its timeout and every header of the flags.
    fn prepared<B>(
        &self,
        request: ureq::RequestBuilder<B>,
        timeout: Duration,
    ) -> ureq::RequestBuilder<B> {
        let mut request = request.config().timeout_global(Some(timeout)).build();
        for (k, v) in &self.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        request
    }

    /// How long the next request may take: its own timeout, or the time
    /// left before the deadline when that is shorter.
    fn next_timeout(&self) -> Duration {
        self.timeout
            .min(self.deadline.saturating_duration_since(Instant::now()))
    }

    fn call(
        &self,
        path: &str,
        send: impl FnOnce(&str, Duration) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Option<Json>, Failure> {
        let url = format!("{}{path}", self.base);
        let timeout = self.next_timeout();
        if timeout.is_zero() {
            return Err(self.past_deadline());
        }
        let mut response = send(&url, timeout).map_err(|e| match e {
            ureq::Error::Timeout(_) if timeout < self.timeout => self.past_deadline(),
            ureq::Error::Timeout(_) => Failure(format!(
                "the server at {} did not answer {path} within {}",
                self.base,
                Span(self.timeout.as_millis() as u64)
            )),
            other => Failure(format!(
                "cannot reach the server at {}: {}",
                self.base,
                reason(&other)
            )),
        })?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::Timeout(_) => self.past_deadline(),
                other => Failure(format!(
                    "reading the answer of {} to {path}: {}",
                    self.base,
                    reason(&other)
                )),
            })?;
        if status == 404 {
            return Ok(None);
        }
        let json: Option<Json> = serde_json::from_slice(&body).ok();
        let field = |name: &str| {
            json.as_ref()
                .and_then(|j| j.get(name))
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        if status != 200 || field("status").as_deref() != Some("success") {
            let said = field("error")
                .or_else(|| {
                    let text = String::from_utf8_lossy(&body);
                    let line = text.lines().next().unwrap_or_default().trim();
                    (!line.is_empty()).then(|| line.chars().take(200).collect())
                })
                .unwrap_or_else(|| "an empty answer".to_string());
            return Err(Failure(if status == 200 {
                format!(
                    "the server at {} answered {path} with something that is not the Prometheus API's JSON: {said}",
                    self.base
                )
            } else {
                format!(
                    "the server at {} answered {path} with HTTP {status}: {said}",
                    self.base
                )
            }));
        }
        Ok(json.and_then(|mut j| j.get_mut("data").map(Json::take)))
    }

    fn past_deadline(&self) -> Failure {
        Failure(format!(
            "the server at {} did not answer everything within the deadline of {} (`--prometheus-deadline`)",
            self.base, self.deadline_text
        ))
    }

    fn malformed(&self, path: &str) -> Failure {
        Failure(format!(
            "the server at {} answered {path} with JSON that is not what the Prometheus API returns",
            self.base
        ))
    }
}

impl Server for Http {
    fn metric_names(&self) -> Result<Vec<String>, Failure> {
        let path = "/api/v1/label/__name__/values";
        let data = self.get(path, &[])?.ok_or_else(|| self.not_found(path))?;
        let names = data.as_array().ok_or_else(|| self.malformed(path))?;
        Ok(names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect())
    }

    fn query(&self, promql: &str) -> Result<Vec<Sample>, Failure> {
        let path = "/api/v1/query";
        let data = self
            .post(path, &[("query", promql)])?
            .ok_or_else(|| self.not_found(path))?;
        samples(&data).ok_or_else(|| self.malformed(path))
    }

    fn metadata(&self) -> Result<BTreeMap<String, String>, Failure> {
        let path = "/api/v1/metadata";
        let Some(data) = self.get(path, &[])? else {
            return Ok(BTreeMap::new());
        };
        let entries = data.as_object().ok_or_else(|| self.malformed(path))?;
        Ok(entries
            .iter()
            .filter_map(|(name, list)| {
                let kind = list.as_array()?.first()?.get("type")?.as_str()?;
                Some((name.clone(), kind.to_string()))
            })
            .collect())
    }

    fn retention(&self) -> Result<Option<Span>, Failure> {
        // Prometheus says "15d", "15d or 512MiB" or "512MiB" (by size
        // only). VictoriaMetrics answers this path with HTTP 400; since the
        // server has answered the names already, a failure here means the
        // endpoint is not there.
        let info = self
            .get("/api/v1/status/runtimeinfo", &[])
            .unwrap_or_default();
        if let Some(info) = info {
            let said = info
                .get("storageRetention")
                .and_then(Json::as_str)
                .unwrap_or_default();
            return Ok(said
                .split(" or ")
                .find_map(|part| prometheus_duration(part.trim())));
        }
        Ok(self.victoria_retention())
    }
}

impl Http {
    fn not_found(&self, path: &str) -> Failure {
        Failure(format!(
            "the server at {} has no {path} (HTTP 404); is it a Prometheus-compatible server, and is the URL its base?",
            self.base
        ))
    }

    /// VictoriaMetrics' `-retentionPeriod`, from its `/flags` page: a bare
    /// number counts months of 31 days; otherwise a duration (`45d`, `1y`).
    /// `None` when the page is not there or does not say.
    fn victoria_retention(&self) -> Option<Span> {
        let url = format!("{}/flags", self.base);
        let request = self.prepared(self.agent.get(&url), self.next_timeout());
        let mut response = request.call().ok()?;
        if response.status().as_u16() != 200 {
            return None;
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .ok()?;
        let value = text.lines().find_map(|l| {
            l.trim()
                .strip_prefix("-retentionPeriod=")
                .map(|v| v.trim_matches('"').to_string())
        })?;
        victoria_period(&value)
    }
}

/// A duration as Prometheus prints it: `15d`, `1w`, `4w2d`, `1y`, `1y2w`
/// (a year is 365 days).
fn prometheus_duration(text: &str) -> Option<Span> {
    let (years, rest) = match text.split_once('y') {
        Some((y, rest)) => (y.parse::<u64>().ok()?, rest),
        None => (0, text),
    };
    let rest = if rest.is_empty() {
        Span(0)
    } else {
        Span::parse(rest)?
    };
    let total = Span(years.checked_mul(365 * Span::DAY)?.checked_add(rest.0)?);
    (total.0 > 0).then_some(total)
}

/// A VictoriaMetrics retention period: months when a bare number, else a
/// duration with a unit (`h`, `d`, `w`, `y`).
fn victoria_period(value: &str) -> Option<Span> {
    const DAY: u64 = Span::DAY;
    if let Ok(months) = value.parse::<f64>() {
        return (months.is_finite() && months > 0.0)
            .then_some(Span((months * 31.0 * DAY as f64) as u64));
    }
    prometheus_duration(value)
}

/// The samples of an instant query's `data`.
fn samples(data: &Json) -> Option<Vec<Sample>> {
    let result = data.get("result")?;
    match data.get("resultType")?.as_str()? {
        "vector" => result
            .as_array()?
            .iter()
            .map(|r| {
                let labels = r
                    .get("metric")?
                    .as_object()?
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect();
                let (time, value) = match (r.get("value"), r.get("histogram")) {
                    (Some(v), _) => (v.get(0)?.as_f64()?, Value::Float(float(v.get(1)?)?)),
                    (None, Some(h)) => (h.get(0)?.as_f64()?, Value::Histogram),
                    (None, None) => return None,
                };
                Some(Sample {
                    labels,
                    value,
                    time,
                })
            })
            .collect(),
        "scalar" => Some(vec![Sample {
            labels: BTreeMap::new(),
            time: result.get(0)?.as_f64()?,
            value: Value::Float(float(result.get(1)?)?),
        }]),
        _ => Some(Vec::new()),
    }
}

/// A sample value as the API writes it: a string such as `"1.5"`, `"NaN"`
/// or `"+Inf"`.
fn float(v: &Json) -> Option<f64> {
    match v.as_str()? {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        text => text.parse().ok(),
    }
}

/// The one-line reason of a transport error.
fn reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is the server running, and is this its port?)".to_string()
        }
        ureq::Error::Io(io) => super::files::io_reason(io),
        ureq::Error::ConnectionFailed => "the connection failed".to_string(),
        ureq::Error::HostNotFound => "the host name does not resolve".to_string(),
        other => other.to_string(),
    }
}

/// A credential read from a file, surrounding whitespace dropped.
fn secret(path: &std::path::Path, flag: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read `{}` (`{flag}`): {}",
            path.display(),
            super::files::io_reason(&e)
        )
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("`{}` (`{flag}`) is empty", path.display()));
    }
    Ok(text.to_string())
}

fn millis(d: Span) -> Duration {
    Duration::from_millis(d.0)
}

/// Standard base64 with padding, for basic auth.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(
                    ALPHABET.get(index as usize).copied().unwrap_or(b'A'),
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_standard_base64() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn prometheus_retentions_are_read_as_printed() {
        assert_eq!(prometheus_duration("15d"), Some(Span(15 * Span::DAY)));
        assert_eq!(prometheus_duration("1w"), Some(Span(7 * Span::DAY)));
        assert_eq!(prometheus_duration("4w2d"), Some(Span(30 * Span::DAY)));
        assert_eq!(prometheus_duration("1y"), Some(Span(365 * Span::DAY)));
        assert_eq!(prometheus_duration("1y2w"), Some(Span(379 * Span::DAY)));
        assert_eq!(prometheus_duration("512MiB"), None);
        assert_eq!(prometheus_duration("0s"), None);
    }

    #[test]
    fn victoria_periods_are_months_or_durations() {
        assert_eq!(victoria_period("1"), Some(Span(31 * Span::DAY)));
        assert_eq!(victoria_period("45d"), Some(Span(45 * Span::DAY)));
        assert_eq!(victoria_period("1y"), Some(Span(365 * Span::DAY)));
        assert_eq!(victoria_period("x"), None);
    }

    #[test]
    fn samples_read_floats_histograms_and_scalars() {
        let data: Json = serde_json::from_str(
            r#"{"resultType":"vector","result":[
                {"metric":{"__name__":"a","job":"x"},"value":[1.5,"+Inf"]},
                {"metric":{},"histogram":[2,{"count":"1"}]}]}"#,
        )
        .unwrap_or_default();
        let s = samples(&data).unwrap_or_default();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].value, Value::Float(f64::INFINITY));
        assert_eq!(s[0].labels.get("job").map(String::as_str), Some("x"));
        assert_eq!(s[1].value, Value::Histogram);
        let scalar: Json = serde_json::from_str(r#"{"resultType":"scalar","result":[3,"NaN"]}"#)
            .unwrap_or_default();
        assert!(
            matches!(samples(&scalar).unwrap_or_default()[0].value, Value::Float(f) if f.is_nan())
        );
    }
}
