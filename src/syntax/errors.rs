//! Why a file does not parse, in plain English: what the parser expected,
//! what it found, and for the mistakes people make most, what to write.

use super::failure::{Decisive, Expected, Failure};
use super::recover::{ident_char, ITEM_KEYWORDS};
use super::KEYWORDS;
use crate::diag::{Code, Diag, FileId, Span};

/// What a rule expected, in messages.
fn describe(expected: Expected) -> &'static str {
    match expected {
        Expected::Token("=") => "`=`",
        Expected::Token("{") => "`{`",
        Expected::Token("}") => "`}`",
        Expected::Token("]") => "`]`",
        Expected::Token(",") => "`,`",
        Expected::Token("/") => "`/`",
        Expected::Token("\"") => "`\"`",
        Expected::Token("`") => "a backtick",
        Expected::Token(_) => "punctuation",
        Expected::Keyword("over") => "`over`",
        Expected::Keyword("for") => "`for`",
        Expected::Keyword(_) => "a keyword",
        Expected::Item => "`policy`, `defaults`, `service`, `receiver` or `notify`",
        Expected::ServiceEntry => "an entry (`sli`, `slo`, `labels` or a setting)",
        Expected::SloEntry => {
            "a setting such as `target = 99.9%`, `labels { … }` or `annotations { … }`"
        }
        Expected::Setting => "a setting such as `target = 99.9%`",
        Expected::PolicyLine => "a policy line such as `page 14.4x over 1h/5m`",
        Expected::NotifyScope => "a scope (`service NAME` or `team \"NAME\"`)",
        Expected::Name => "a name",
        Expected::Value => "a value",
        Expected::Burn => "a burn factor (`14.4x`) or budget share (`2%`)",
        Expected::Duration => "a duration such as `5m`",
    }
}

/// Converts why a file does not parse into an `SLO001` diagnostic.
pub fn syntax(file: FileId, text: &str, failure: &Failure) -> Diag {
    let at = |start: usize, end: usize| Span::new(file, start, end.max(start));
    match failure.decisive {
        Some(Decisive::AfterNumber { number, word }) => {
            return after_number(text, number, word, at);
        }
        Some(Decisive::Unclosed { open, at: keyword }) => {
            let word = found_at(text, keyword);
            return unclosed(text, open, at(keyword, keyword + word.len()), at)
                .label(if ITEM_KEYWORDS.contains(&word) {
                    format!("`{word}` starts a new item here")
                } else {
                    format!("`{word}` starts a new entry of the service here")
                })
                .help(format!("add `}}` before `{word}` to close the block"));
        }
        None => {}
    }
    let pos = failure.at;
    let found = found_at(text, pos);
    let span = at(pos, (pos + found.len().max(1)).min(text.len()));
    let wants = |e: Expected| failure.expected.contains(&e);
    if let Some(open) = failure.open.filter(|_| found.is_empty()) {
        if wants(Expected::Token("}")) {
            return unclosed(text, open, span, at)
                .label("the file ends here")
                .help("add `}` where the block ends");
        }
    }
    let before = text.as_bytes().get(..pos).unwrap_or_default();
    let blank_before = before.last().is_some_and(|b| matches!(b, b' ' | b'\t'));
    let after_digit = before
        .iter()
        .rev()
        .find(|b| !matches!(b, b' ' | b'\t'))
        .is_some_and(u8::is_ascii_digit);
    if found == "%" && blank_before && after_digit {
        let number = last_number(before);
        return Diag::new(Code::Syntax, span, "a blank separates `%` from its number")
            .label("no blank goes before `%`")
            .help(format!("a percentage is written `{number}%`"));
    }
    let digit_after = text.as_bytes().get(pos + 1).is_some_and(u8::is_ascii_digit);
    if found == "." && digit_after && wants(Expected::Value) {
        let fraction = found_at(text, pos + 1);
        return Diag::new(
            Code::Syntax,
            span,
            format!("number `.{fraction}` has no digit before its point"),
        )
        .label("a number starts with a digit")
        .help(format!("numbers start with a digit: `0.{fraction}`"));
    }
    if (wants(Expected::Name) || wants(Expected::Value)) && KEYWORDS.contains(&found) {
        return Diag::new(
            Code::Syntax,
            span,
            format!("`{found}` is a keyword and cannot be used as a name"),
        )
        .label("keyword")
        .help(format!(
            "pick another name, e.g. `{found}s` or `my-{found}`"
        ));
    }
    if wants(Expected::Token("\"")) {
        return Diag::new(Code::Syntax, at(pos, pos), "this string is never closed")
            .label("the line ends before the closing `\"`")
            .help("close the string with `\"` on the same line");
    }
    if wants(Expected::Token("`")) {
        return Diag::new(Code::Syntax, span, "this PromQL expression is never closed")
            .label("the file ends before the closing backtick")
            .help("close the expression with a backtick");
    }
    let mut wanted: Vec<&str> = failure.expected.iter().map(|e| describe(*e)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found_text = if found.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{found}`")
    };
    let diag = Diag::new(
        Code::Syntax,
        span,
        format!("expected {}, found {found_text}", one_of(&wanted)),
    )
    .label("here");
    match hint(&wanted, found) {
        Some(help) => diag.help(help),
        None => diag,
    }
}

/// "this `{` opened on line N is never closed", with the brace labelled.
fn unclosed(text: &str, open: usize, span: Span, at: impl Fn(usize, usize) -> Span) -> Diag {
    let line = 1 + text
        .as_bytes()
        .get(..open)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    Diag::new(
        Code::Syntax,
        span,
        format!("this `{{` opened on line {line} is never closed"),
    )
    .secondary(at(open, open + 1), "opened here")
}

/// A word right after a number: a unit the language lacks, or junk.
fn after_number(text: &str, number: usize, word: usize, at: impl Fn(usize, usize) -> Span) -> Diag {
    let digits = found_at(text, number);
    let digits = digits
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap_or_default();
    let unit = found_at(text, word);
    let span = at(word, word + unit.len());
    let known = match unit.to_ascii_lowercase().as_str() {
        "msec" | "msecs" | "millisecond" | "milliseconds" => Some("ms"),
        "sec" | "secs" | "second" | "seconds" => Some("s"),
        "min" | "mins" | "minute" | "minutes" => Some("m"),
        "hr" | "hrs" | "hour" | "hours" => Some("h"),
        "day" | "days" => Some("d"),
        "wk" | "wks" | "week" | "weeks" => Some("w"),
        "ms" | "s" | "h" | "d" | "w" => Some(unit),
        "m" if unit == "m" => Some("m"),
        _ => None,
    };
    let calendar = matches!(
        unit.to_ascii_lowercase().as_str(),
        "m" | "mo" | "mon" | "month" | "months" | "y" | "yr" | "yrs" | "year" | "years"
    );
    if let Some(short) = known {
        Diag::new(
            Code::Syntax,
            span,
            format!("unknown duration unit `{unit}`: write `{digits}{short}`"),
        )
        .label("not a unit of a duration")
        .help(format!(
            "a duration is a number and a unit with no blank between them, e.g. `{digits}{short}`; the units are `ms`, `s`, `m`, `h`, `d` and `w`"
        ))
    } else if calendar {
        Diag::new(
            Code::Syntax,
            span,
            format!("unknown duration unit `{unit}`: months and years are not units"),
        )
        .label("months and years vary in length")
        .help("write a number of days, e.g. `30d` or `365d`; `m` is minutes")
    } else {
        Diag::new(
            Code::Syntax,
            span,
            format!("unexpected `{unit}` after the number `{digits}`"),
        )
        .label("a value ends before this")
        .help("a setting holds one value, and the next setting is written `key = value`")
    }
}

/// The number that ends `before`, blanks after it ignored.
fn last_number(before: &[u8]) -> String {
    let trimmed = before
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    let digits = before
        .get(..trimmed)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    let start = trimmed - digits;
    String::from_utf8_lossy(before.get(start..trimmed).unwrap_or_default()).into_owned()
}

/// The token-ish text at `pos`, for "found `…`": a word or number, or one
/// character; empty at the end of the file.
fn found_at(text: &str, pos: usize) -> &str {
    let rest = text.get(pos..).unwrap_or_default();
    let len = match rest.chars().next() {
        None => 0,
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => rest
            .bytes()
            .position(|b| !(ident_char(b) || b == b'.'))
            .unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
    };
    rest.get(..len).unwrap_or_default()
}

fn one_of(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A help line for the most common mistakes.
fn hint(wanted: &[&str], found: &str) -> Option<&'static str> {
    let wants = |s: &str| wanted.iter().any(|w| w.contains(s));
    Some(if found == "," {
        "a list is written `[a, b, c]`, one value between each pair of commas"
    } else if wants("`]`") {
        "close the list with `]`; elements are separated by `,`"
    } else if wants("a value") {
        "a value is a string (`\"…\"`), PromQL in backticks, a duration (`5m`), a percentage (`99.9%`), a number or a name"
    } else if wants("a burn factor") {
        "write the burn rate as a factor (`14.4x`) or as a share of the budget (`2%`)"
    } else if found == "=" && wants("a name") {
        "a name is missing before `=`"
    } else if wants("`=`") && wanted.len() == 1 {
        "a setting is written `key = value`"
    } else if wants("`policy`") && wanted.len() == 1 {
        "a file holds `policy`, `defaults`, `service`, `receiver` and `notify` items"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use crate::diag::FileId;

    /// The first diagnostic of `text`: message, line of its primary span,
    /// help, and the lines of its secondary spans.
    fn first(text: &str) -> (String, usize, String, Vec<usize>) {
        let parsed = parse(FileId(0), text);
        let d = parsed.diags.first().expect("a syntax error").clone();
        let line = |at: usize| 1 + text.get(..at).unwrap_or(text).matches('\n').count();
        (
            d.message,
            line(d.primary.span.start),
            d.help.unwrap_or_default(),
            d.secondary.iter().map(|l| line(l.span.start)).collect(),
        )
    }

    fn slo(setting: &str) -> String {
        format!("service a {{\n  slo b {{\n    {setting}\n    sli = r\n  }}\n}}\n")
    }

    #[test]
    fn a_unit_apart_from_its_number_is_named_on_its_line() {
        for (written, message) in [
            (
                "window = 30 days",
                "unknown duration unit `days`: write `30d`",
            ),
            (
                "window = 28days",
                "unknown duration unit `days`: write `28d`",
            ),
            (
                "window = 2 hours",
                "unknown duration unit `hours`: write `2h`",
            ),
            (
                "window = 1M",
                "unknown duration unit `M`: months and years are not units",
            ),
        ] {
            let (m, line, _, _) = first(&slo(written));
            assert_eq!((m.as_str(), line), (message, 3), "{written}");
        }
    }

    #[test]
    fn a_blank_before_percent_and_a_leading_point_show_the_fix() {
        let (_, line, help, _) = first(&slo("target = 99.5 %"));
        assert_eq!(
            (line, help.as_str()),
            (3, "a percentage is written `99.5%`")
        );
        let (_, line, help, _) = first(&slo("buckets = [.05, 0.1]"));
        assert_eq!(
            (line, help.as_str()),
            (3, "numbers start with a digit: `0.05`")
        );
    }

    #[test]
    fn a_brace_never_closed_is_shown_where_it_opened() {
        let text = "service a {\n  slo b {\n    sli = r\n\nservice c {\n}\n";
        let (m, line, _, opened) = first(text);
        assert_eq!(m, "this `{` opened on line 2 is never closed");
        assert_eq!((line, opened), (5, vec![2]));
        let (m, _, _, opened) = first("service a {\n  team = \"t\"\n");
        assert_eq!(m, "this `{` opened on line 1 is never closed");
        assert_eq!(opened, vec![1]);
    }

    #[test]
    fn the_items_after_a_broken_one_are_kept() {
        let text = "policy p {\n  page 2x 1h/5m\n}\n\nservice a {\n}\n\nservice b {\n}\n";
        let parsed = parse(FileId(0), text);
        assert_eq!(parsed.diags.len(), 1);
        assert!(parsed.broken);
        let tree = parsed.tree.expect("the items that parsed");
        assert_eq!(tree.items.len(), 2);
    }
}
