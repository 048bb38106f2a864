//! What the live check asks a Prometheus-compatible server. The library
//! never opens a connection: the command line implements [`Server`] over
//! HTTP, and tests may implement it over data they hold.

use crate::num::Duration;
use std::collections::BTreeMap;

/// A server that answers the Prometheus HTTP API (Prometheus itself, or
/// VictoriaMetrics, which serves the same API). Every method is one
/// request, and may be called from several threads at once.
pub trait Server: Sync {
    /// Every metric name the server holds any sample of, within its
    /// retention (`/api/v1/label/__name__/values`).
    fn metric_names(&self) -> Result<Vec<String>, Failure>;

    /// An instant query at the server's current time (`/api/v1/query`):
    /// one sample per series of the result.
    fn query(&self, promql: &str) -> Result<Vec<Sample>, Failure>;

    /// Each metric's type as the targets expose it (`counter`, `gauge`,
    /// `histogram`, `summary`, `unknown`, …), from `/api/v1/metadata`.
    /// Empty when the server keeps no metadata.
    fn metadata(&self) -> Result<BTreeMap<String, String>, Failure>;

    /// How long the server keeps samples, when it says (Prometheus'
    /// runtime information, VictoriaMetrics' flags); `None` when it does
    /// not say or keeps them by size only.
    fn retention(&self) -> Result<Option<Duration>, Failure>;
}

/// One series of an instant query's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Its labels, `__name__` included when the result keeps it.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: Value,
    /// The evaluation time, in seconds since the Unix epoch.
    pub time: f64,
}

/// The value of a [`Sample`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A float sample.
    Float(f64),
    /// A native histogram sample.
    Histogram,
}

/// Why the server could not answer: unreachable, an HTTP error, a timeout,
/// or a body that is not the API's JSON. The message names the URL; the
/// command line prints it and exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
