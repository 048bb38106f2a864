//! Per-SLO overrides of a policy (`alerting = standard { page 10x over 1h/5m }`)
//! and the rule that keeps alert rules apart: no two lines with the same
//! severity and windows.

use crate::diag::{Code, Diag};
use crate::num::Duration;
use crate::syntax::ast::{Policy, PolicyBody, PolicyLine};
use std::collections::BTreeMap;

/// Reports lines with the same severity and windows: they would become two
/// alerts with the same labels, which Prometheus cannot tell apart.
pub fn check_duplicates(lines: &[PolicyLine], diags: &mut Vec<Diag>) {
    let mut seen: BTreeMap<(&str, Duration, Duration), &PolicyLine> = BTreeMap::new();
    for line in lines {
        let key = (
            line.severity.text.as_str(),
            line.long.value,
            line.short.value,
        );
        if let Some(first) = seen.get(&key) {
            diags.push(
                Diag::new(
                    Code::DuplicateAlertLine,
                    line.span,
                    format!(
                        "two `{}` lines over `{}/{}`",
                        line.severity.text, line.long.value, line.short.value
                    ),
                )
                .label("same severity and windows as an earlier line")
                .secondary(first.span, "first line here")
                .help("the two alerts would carry the same labels; keep one line, or give one other windows or another severity"),
            );
        } else {
            seen.insert(key, line);
        }
    }
}

/// The lines an SLO alerts on: the policy's, where the override's lines over
/// a pair of windows replace every policy line over the same windows (at the
/// place of the first), override lines over other windows are added at
/// the end, and policy lines over the windows of a `drop` are left out.
pub fn merged<'a>(policy: &'a Policy, over: Option<&'a PolicyBody>) -> Vec<&'a PolicyLine> {
    let windows = |l: &PolicyLine| (l.long.value, l.short.value);
    let (overrides, drops) = match over {
        Some(body) => (body.lines.as_slice(), body.drops.as_slice()),
        None => (&[][..], &[][..]),
    };
    let mut out: Vec<&PolicyLine> = Vec::new();
    let mut placed: Vec<(Duration, Duration)> = Vec::new();
    for line in &policy.body.lines {
        let w = windows(line);
        if drops.iter().any(|d| (d.long.value, d.short.value) == w) {
            continue;
        }
        if !overrides.iter().any(|o| windows(o) == w) {
            out.push(line);
        } else if !placed.contains(&w) {
            placed.push(w);
            out.extend(overrides.iter().filter(|o| windows(o) == w));
        }
    }
    out.extend(overrides.iter().filter(|o| !placed.contains(&windows(o))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;
    use crate::syntax::{ast::Item, parse};

    fn policy(text: &str) -> Policy {
        let file = parse(FileId(0), text).tree.expect("parses");
        match file.items.into_iter().next() {
            Some(Item::Policy(p)) => p,
            _ => panic!("not a policy"),
        }
    }

    fn show(lines: &[&PolicyLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                format!(
                    "{} {:?} {}/{}",
                    l.severity.text, l.burn, l.long.value, l.short.value
                )
            })
            .collect()
    }

    #[test]
    fn override_replaces_lines_over_the_same_windows_and_adds_others() {
        let base = policy(
            "policy p { page 14.4x over 1h/5m  ticket 6x over 1h/5m  ticket 1x over 3d/6h }",
        );
        let over = policy("policy o { page 10x over 1h/5m  page 20x over 30m/2m }");
        let merged = show(&merged(&base, Some(&over.body)));
        assert_eq!(merged.len(), 3, "{merged:?}");
        assert!(
            merged[0].starts_with("page Factor") && merged[0].ends_with("1h/5m"),
            "{merged:?}"
        );
        assert!(
            merged[1].starts_with("ticket") && merged[1].ends_with("3d/6h"),
            "{merged:?}"
        );
        assert!(merged[2].ends_with("30m/2m"), "{merged:?}");
    }
}
