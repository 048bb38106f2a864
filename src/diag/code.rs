//! The stable diagnostic codes. A code never changes meaning once released;
//! each is documented in `docs/diagnostics.md` with the smallest `.slo` that
//! triggers it.

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        /// A stable diagnostic code, grouped by stage: `SLO0xx` syntax and
        /// structure, `SLO1xx` names, `SLO2xx` targets and windows, `SLO3xx`
        /// alerting, `SLO4xx` PromQL, `SLO5xx` what the server says
        /// (`slo check --prometheus`), `SLO6xx` importing (`slo import`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $title] $variant,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed, e.g. `SLO101`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity a diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// A one-line description of the code.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

codes! {
    Syntax = "SLO001", Error, "syntax error";
    InvalidLiteral = "SLO002", Error, "invalid number or duration";
    UnknownKey = "SLO003", Error, "unknown key in a block";
    MissingKey = "SLO004", Error, "required key missing";
    DuplicateKey = "SLO005", Error, "key set twice in one block";
    WrongType = "SLO006", Error, "value of the wrong kind for its key";
    ConflictingKeys = "SLO007", Error, "keys that exclude each other";
    NoDefaultReceiver = "SLO010", Error, "receivers without a default receiver";
    InvalidUrl = "SLO011", Error, "invalid URL or address";
    ReservedService = "SLO012", Error, "service name reserved for a generated file";
    InvalidUtf8 = "SLO013", Error, "file that is not valid UTF-8";
    NameTooLong = "SLO020", Error, "name too long";
    PromqlTooComplex = "SLO021", Error, "PromQL expression nested too deeply or too long";
    UnknownName = "SLO101", Error, "reference to an undefined name";
    Duplicate = "SLO102", Error, "name defined twice";
    UnknownKind = "SLO103", Error, "unknown SLI kind";
    UnusedSli = "SLO104", Warning, "SLI not used by any SLO";
    UnusedPolicy = "SLO105", Warning, "policy not used by any SLO";
    InvalidLabel = "SLO106", Error, "invalid or reserved label name";
    UnknownReceiverKind = "SLO110", Error, "unknown receiver kind";
    UnknownReceiver = "SLO111", Error, "reference to an undefined receiver";
    UnknownNotifyScope = "SLO112", Error, "`notify` for a service or team that does not exist";
    DuplicateNotify = "SLO113", Error, "receiver or `notify` scope defined twice";
    UnusedReceiver = "SLO114", Warning, "receiver that no alert can reach";
    RepeatedDimension = "SLO120", Error, "label listed twice in `by`";
    DimensionIsServiceLabel = "SLO121", Error, "`by` label that is also a service label";
    TargetRange = "SLO201", Error, "target outside (0%, 100%)";
    InvalidWindow = "SLO202", Error, "window that Prometheus cannot use";
    InvalidBuckets = "SLO220", Error, "bucket list that is empty or not increasing";
    ThresholdNotBucket = "SLO221", Error, "latency threshold that is not a bucket boundary";
    NeverFires = "SLO301", Error, "burn-rate alert that can never fire";
    LongWindowTooLong = "SLO302", Error, "alert window longer than the SLO period";
    ShortNotShorter = "SLO303", Error, "short window not shorter than its long window";
    InvalidBurn = "SLO304", Error, "burn factor or budget share of zero";
    UnknownSeverity = "SLO310", Error, "severity that no policy produces";
    MissingSecretFile = "SLO311", Error, "receiver without its secret file";
    InlineSecret = "SLO312", Error, "secret written inline";
    InvalidTiming = "SLO313", Error, "notification timing Alertmanager rejects";
    ShortWindowRatio = "SLO320", Warning, "short window far from 1/12 of its long window";
    WindowPastRetention = "SLO321", Warning, "SLO window longer than the Prometheus retention";
    PolicyOrder = "SLO322", Warning, "policy lines not ordered from fast to slow burn";
    DuplicateAlertLine = "SLO330", Error, "two policy lines with the same severity and windows";
    OverrideNone = "SLO331", Error, "overrides on `none`";
    InvalidAlertName = "SLO332", Error, "alert name Prometheus does not take";
    DropNoLine = "SLO333", Error, "`drop` that removes no policy line";
    UnknownNoDataSeverity = "SLO340", Error, "`no_data` severity that no policy or route uses";
    UnroutedSeverity = "SLO350", Warning, "severity that no `notify` block routes";
    SecretFileNotPath = "SLO351", Warning, "`*_file` setting that holds a URL or a secret, not a path";
    NoAlerting = "SLO352", Warning, "SLO without alerts and without `alerting = none`";
    InvalidPromql = "SLO401", Error, "invalid PromQL";
    MissingWindow = "SLO402", Error, "PromQL expression without `$window`";
    SameBadTotal = "SLO403", Error, "`bad` and `total` are the same";
    NotInstantVector = "SLO404", Error, "PromQL expression that is not an instant vector";
    NotSelector = "SLO405", Error, "histogram that is not a plain selector";
    HistogramSeriesName = "SLO406", Error, "histogram named by one of its series, not its base name";
    GaugeSeriesName = "SLO407", Error, "gauge SLI on a counter, histogram or timestamp series";
    RatioSeriesName = "SLO408", Warning, "ratio SLI on a series that does not count events";
    DropsDimension = "SLO410", Error, "expression that drops a label the SLO is split by";
    WindowNotRange = "SLO411", Error, "`$window` not used as a range";
    RatioCannotMatch = "SLO420", Error, "ratio whose sides yield different labels";
    RatioMatchesOnFilter = "SLO421", Error, "ratio whose sides keep a label `bad` filters on";
    RatioMatchUnknown = "SLO422", Warning, "ratio whose sides may not match";
    UnknownMetric = "SLO501", Warning, "metric the server has never seen";
    MetricGone = "SLO502", Warning, "metric whose series are gone from the server";
    UnknownLabel = "SLO503", Warning, "matcher on a label no series of the metric has";
    NoLabelValue = "SLO504", Warning, "label value no series of the metric has";
    NoSeries = "SLO505", Warning, "selector whose matchers together match no series";
    ThresholdNotLiveBucket = "SLO510", Warning, "latency threshold that is not an `le` boundary on the server";
    HistogramKind = "SLO511", Warning, "histogram that is of the other kind on the server";
    MetricType = "SLO520", Warning, "metric whose type does not fit how the SLI uses it";
    RatioSidesApart = "SLO530", Warning, "ratio whose sides yield different labels on the server";
    HighCardinality = "SLO540", Warning, "`by` split into very many series";
    InvalidYaml = "SLO601", Error, "file that is not valid YAML";
    UnknownDocument = "SLO602", Error, "document of an unknown version or kind";
    MissingField = "SLO603", Error, "required field missing";
    InvalidField = "SLO604", Error, "field of the wrong type or with an unusable value";
    InvalidQuery = "SLO605", Error, "query that is not valid PromQL";
    MetricsQl = "SLO606", Error, "query in MetricsQL, not PromQL";
    DuplicateImport = "SLO607", Error, "two SLOs of one service with the same name";
    ReservedLabel = "SLO608", Error, "label that the compiler sets itself";
    RuleFile = "SLO609", Warning, "Prometheus rules, not a spec";
    CalendarWindow = "SLO610", Error, "calendar window";
    Timeslices = "SLO611", Error, "timeslice budgeting";
    ThresholdMetric = "SLO612", Error, "threshold SLI";
    NotPrometheus = "SLO613", Error, "metric source that is not Prometheus";
    CompositeSlo = "SLO614", Error, "composite SLO";
    SlothPlugin = "SLO615", Error, "Sloth SLI plugin";
    UnsupportedCondition = "SLO616", Error, "alert condition that is not a burn rate";
    UnmappedTarget = "SLO620", Warning, "notification target that does not say where to send";
}

impl Code {
    /// Whether only the live check reports this code: it needs what a
    /// server holds, and no spec alone triggers it.
    pub fn live(self) -> bool {
        self.as_str().starts_with("SLO5")
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or(())
    }
}
