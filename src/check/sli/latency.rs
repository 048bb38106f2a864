//! Latency SLIs: requests slower than a threshold are errors. The histogram
//! is classic (`histogram`, with `_bucket` series and optionally its declared
//! `buckets`) or native (`native_histogram`).

use super::{missing, query};
use crate::check::fields::{Fields, Key, Kind};
use crate::check::promql::Query;
use crate::check::Sli;
use crate::diag::{Code, Diag, Span};
use crate::num::{Duration, Ratio};
use crate::syntax::ast::{self, ValueKind};
use promql_parser::parser::Expr;

pub(in crate::check) const LATENCY_KEYS: &[Key] = &[
    Key {
        name: "histogram",
        kind: Kind::Promql,
        example: "histogram = `http_request_duration_seconds{job=\"api\"}`",
    },
    Key {
        name: "native_histogram",
        kind: Kind::Promql,
        example: "native_histogram = `http_request_duration_seconds{job=\"api\"}`",
    },
    Key {
        name: "threshold",
        kind: Kind::Duration,
        example: "`threshold = 300ms`",
    },
    Key {
        name: "buckets",
        kind: Kind::List,
        example: "`buckets = [0.1, 0.25, 0.5, 1]`",
    },
];

/// A declared bucket boundary, and how it was written.
struct Bucket {
    at: Duration,
    span: Span,
    written: String,
    as_number: bool,
}

/// Checks a `latency` SLI.
pub fn check(sli: &ast::Sli, diags: &mut Vec<Diag>) -> Option<Sli> {
    let f = Fields::new(&sli.block.settings, LATENCY_KEYS, "a `latency` SLI", diags);
    let (classic, native) = (f.setting("histogram"), f.setting("native_histogram"));
    match (classic, native) {
        (Some(c), Some(n)) => diags.push(
            Diag::new(
                Code::ConflictingKeys,
                n.key.span,
                "a latency SLI has `histogram` or `native_histogram`, not both",
            )
            .label("`native_histogram` given here")
            .secondary(c.key.span, "`histogram` given here")
            .help("`histogram` names a classic histogram (with `_bucket` series), `native_histogram` a native one; keep the kind your service exports"),
        ),
        (None, None) => diags.push(missing(
            sli,
            "histogram",
            "histogram = `http_request_duration_seconds{job=\"api\"}` (or `native_histogram` for a native histogram)",
        )),
        _ => {}
    }
    if let (Some(n), Some(b)) = (native, f.setting("buckets")) {
        diags.push(
            Diag::new(
                Code::ConflictingKeys,
                b.key.span,
                "a native histogram has no declared buckets",
            )
            .label("`buckets` given here")
            .secondary(n.key.span, "native histogram here")
            .help("remove `buckets`: a native histogram's buckets are exponential and `histogram_fraction` interpolates between them"),
        );
    }
    if !f.has("threshold") {
        diags.push(missing(sli, "threshold", "`threshold = 300ms`"));
    }
    let threshold = match f.duration("threshold", diags) {
        Some((t, span)) if t.0 == 0 => {
            diags.push(
                Diag::new(Code::InvalidLiteral, span, "a latency threshold of zero")
                    .label("no request is faster than zero")
                    .help("give the threshold a bucket boundary of the histogram, e.g. `300ms`"),
            );
            None
        }
        t => t,
    };
    let buckets = f
        .list("buckets", diags)
        .and_then(|(items, span)| buckets(items, span, diags));
    if let (Some((t, t_span)), Some((buckets, list_span))) = (threshold, &buckets) {
        if native.is_none() {
            check_threshold(t, t_span, buckets, *list_span, diags);
        }
    }
    let threshold = threshold.map(|(t, _)| t);

    if native.is_some() && classic.is_none() {
        let (query, parsed, span) = query(&f, "native_histogram", diags)?;
        if super::metric_name::histogram(&f, "native_histogram", &parsed.expr, diags) {
            return None;
        }
        let threshold = threshold?;
        let Query::Selector(selector) = query else {
            diags.push(not_selector("native_histogram", span));
            return None;
        };
        return Some(Sli::NativeLatency {
            histogram: selector,
            threshold,
        });
    }

    let (query, parsed, span) = query(&f, "histogram", diags)?;
    // A series name is the root of an `le` matcher too (`x_bucket{le="0.3"}`):
    // reported once, with the fix for both.
    if super::metric_name::histogram(&f, "histogram", &parsed.expr, diags) {
        return None;
    }
    let expr = parsed.expr;
    let threshold = threshold?;
    let selector = match (&query, &expr) {
        (Query::Selector(text), Expr::VectorSelector(vs)) => vs
            .name
            .as_deref()
            .and_then(|name| split_selector(text, name))
            .filter(|_| !has_le(&expr)),
        _ => None,
    };
    let Some((name, matchers)) = selector else {
        diags.push(not_selector("histogram", span));
        return None;
    };
    Some(Sli::Latency {
        name: name.to_string(),
        matchers: crate::check::promql::end_comment(matchers),
        threshold,
    })
}

fn not_selector(key: &str, span: Span) -> Diag {
    Diag::new(
        Code::NotSelector,
        span,
        format!("`{key}` must be a plain selector with a metric name"),
    )
    .label("not a plain selector")
    .help(if key == "histogram" {
        "give the histogram's base name and matchers, e.g. `http_request_duration_seconds{job=\"api\"}`; the compiler adds `_bucket`, `_count` and `le`"
    } else {
        "give the native histogram's name and matchers, e.g. `http_request_duration_seconds{job=\"api\"}`; the compiler adds `rate` and `histogram_fraction`"
    })
}

/// The declared buckets, in seconds or as durations; `None` after reporting
/// a list that cannot be used.
fn buckets(items: &[ast::Value], list: Span, diags: &mut Vec<Diag>) -> Option<(Vec<Bucket>, Span)> {
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        let at = match &item.kind {
            ValueKind::Duration(d) => Some((*d, false)),
            ValueKind::Number(seconds) => {
                let ms = seconds.mul(Ratio::int(Duration::SECOND as i128));
                match Duration::parse(&format!("{ms}ms")) {
                    Some(d) => Some((d, true)),
                    None => {
                        diags.push(
                            Diag::new(Code::InvalidLiteral, item.span, format!("bucket `{seconds}` is not a whole number of milliseconds"))
                                .label("finer than a millisecond, or longer than ten years")
                                .help("bucket boundaries are seconds (`0.25`) or durations (`250ms`) of at least a millisecond"),
                        );
                        None
                    }
                }
            }
            other => {
                diags.push(
                    Diag::new(
                        Code::WrongType,
                        item.span,
                        format!("a bucket is a number of seconds or a duration, found {}", other.describe()),
                    )
                    .label("not a bucket boundary")
                    .help("write buckets as the histogram declares them, e.g. `buckets = [0.1, 0.25, 0.5, 1]` or `[100ms, 250ms]`"),
                );
                None
            }
        };
        match at {
            Some((at, as_number)) => out.push(Bucket {
                at,
                span: item.span,
                written: item_text(item),
                as_number,
            }),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    if out.is_empty() {
        diags.push(
            Diag::new(Code::InvalidBuckets, list, "`buckets` is empty")
                .label("no bucket boundaries")
                .help("list the histogram's bucket boundaries, e.g. `buckets = [0.1, 0.25, 0.5, 1]`, or remove `buckets`"),
        );
        return None;
    }
    for pair in out.windows(2) {
        if pair[1].at <= pair[0].at {
            diags.push(
                Diag::new(
                    Code::InvalidBuckets,
                    pair[1].span,
                    format!("bucket `{}` does not come after `{}`", pair[1].written, pair[0].written),
                )
                .label("not greater than the bucket before it")
                .secondary(pair[0].span, "previous bucket")
                .help("list the bucket boundaries once each, in increasing order, as the histogram declares them"),
            );
            return None;
        }
    }
    Some((out, list))
}

/// How a list element reads in messages.
fn item_text(item: &ast::Value) -> String {
    match &item.kind {
        ValueKind::Number(n) => n.to_string(),
        ValueKind::Duration(d) => d.to_string(),
        other => other.describe().to_string(),
    }
}

/// A classic histogram counts requests up to a bucket boundary; a threshold
/// between boundaries cannot be measured.
fn check_threshold(t: Duration, span: Span, buckets: &[Bucket], list: Span, diags: &mut Vec<Diag>) {
    if buckets.iter().any(|b| b.at == t) {
        return;
    }
    // The nearest boundary; on a tie, the lower one (the stricter objective).
    let Some(nearest) = buckets
        .iter()
        .min_by_key(|b| (b.at.0.abs_diff(t.0), b.at.0))
    else {
        return;
    };
    let help = if nearest.as_number {
        format!(
            "did you mean {} (`threshold = {}`)? a classic histogram can only tell whether a request was faster than one of its bucket boundaries",
            nearest.written, nearest.at
        )
    } else {
        format!(
            "did you mean `threshold = {}`? a classic histogram can only tell whether a request was faster than one of its bucket boundaries",
            nearest.at
        )
    };
    diags.push(
        Diag::new(
            Code::ThresholdNotBucket,
            span,
            format!("threshold `{t}` is not one of the histogram's buckets"),
        )
        .label(format!("no bucket at {}s", t.seconds()))
        .secondary(list, "buckets declared here")
        .help(help),
    );
}

/// Splits `name{a="b"}` into the name and the matcher text `a="b"`; `None`
/// for anything with modifiers after the braces.
fn split_selector<'t>(text: &'t str, name: &'t str) -> Option<(&'t str, &'t str)> {
    let rest = text.strip_prefix(name)?.trim();
    if rest.is_empty() {
        return Some((name, ""));
    }
    let inner = rest.strip_prefix('{')?.strip_suffix('}')?;
    Some((name, inner.trim().trim_end_matches(',').trim()))
}

fn has_le(expr: &Expr) -> bool {
    match expr {
        Expr::VectorSelector(vs) => vs.matchers.matchers.iter().any(|m| m.name == "le"),
        _ => false,
    }
}
