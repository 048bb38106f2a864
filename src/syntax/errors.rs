//! pest's errors in plain English: a raw rule name never reaches a user.

use super::Rule;
use crate::diag::{Code, Diag, FileId, Span};
use pest::error::{ErrorVariant, InputLocation};

/// What a grammar rule is called in messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::file | Rule::item => "`policy`, `defaults`, `service`, `receiver` or `notify`",
        Rule::policy | Rule::kw_policy => "`policy`",
        Rule::defaults | Rule::kw_defaults => "`defaults`",
        Rule::service | Rule::kw_service => "`service`",
        Rule::labels | Rule::kw_labels => "`labels`",
        Rule::sli | Rule::kw_sli => "`sli`",
        Rule::slo | Rule::kw_slo => "`slo`",
        Rule::kw_over => "`over`",
        Rule::kw_for => "`for`",
        Rule::policy_line => "a policy line such as `page 14.4x over 1h/5m`",
        Rule::burn => "a burn factor (`14.4x`) or budget share (`2%`)",
        Rule::factor => "a burn factor such as `14.4x`",
        Rule::share => "a budget share such as `2%`",
        Rule::service_entry => "`sli`, `slo`, `labels` or a setting",
        Rule::block => "`{`",
        Rule::setting => "a setting such as `target = 99.9%`",
        Rule::key => "a key",
        Rule::name | Rule::keyword | Rule::ident_char => "a name",
        Rule::value => "a value",
        Rule::list_comma => "`,`",
        Rule::list_close => "`]`",
        Rule::list => "a list such as `[route, region]`",
        Rule::list_item => "a value",
        Rule::policy_override => {
            "a policy with overrides such as `standard { page 10x over 1h/5m }`"
        }
        Rule::string | Rule::string_inner => "a string",
        Rule::promql | Rule::promql_inner => "a PromQL expression in backticks",
        Rule::duration | Rule::unit => "a duration such as `5m`",
        Rule::percent => "a percentage such as `99.9%`",
        Rule::number => "a number",
        Rule::WHITESPACE | Rule::COMMENT => "a blank",
        Rule::receiver | Rule::kw_receiver => "`receiver`",
        Rule::notify | Rule::kw_notify => "`notify`",
        Rule::notify_scope => "`service NAME` or `team \"NAME\"`",
        Rule::notify_service => "`service NAME`",
        Rule::notify_team | Rule::kw_team => "`team \"NAME\"`",
    }
}

/// Literal tokens named in "expected …" lists.
const PUNCTUATION: &[&str] = &["=", "{", "}", "[", "]", ",", "/", "\"", "%", "x"];

/// Converts pest's error into an `SLO001` diagnostic.
pub fn syntax(file: FileId, text: &str, error: pest::error::Error<Rule>) -> Diag {
    let mut pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // With error detail on, pest tracks what it tried at the farthest
    // position it reached, literals included (`=`, `}`), which says far more
    // than the rule that failed first.
    if let Some(d) = keyword_as_name(file, text, pos, &error) {
        return d;
    }
    let attempts = error.parse_attempts().filter(|a| a.max_position >= pos);
    let mut detailed: Vec<String> = Vec::new();
    let value = "a value".to_string();
    if let Some(a) = &attempts {
        pos = a.max_position;
        for token in a.expected_tokens() {
            // Literal tokens print as themselves; character ranges and
            // built-in rules are covered by the rule names below.
            // Only punctuation is worth naming: name characters (`_`, `-`)
            // and keywords tried by lookahead would only confuse.
            let token = token.to_string();
            if PUNCTUATION.contains(&token.as_str()) {
                detailed.push(format!("`{token}`"));
            } else if token == "`" {
                detailed.push("a backtick".to_string());
            }
        }
        for stack in &a.call_stacks {
            let rule = stack.deepest.get_rule().copied().or(stack.parent);
            // Blanks, and blocks that merely contain the failing spot, say nothing useful.
            let quiet = |r: &Rule| {
                matches!(
                    r,
                    Rule::WHITESPACE
                        | Rule::COMMENT
                        | Rule::service
                        | Rule::policy
                        | Rule::defaults
                        | Rule::labels
                        | Rule::sli
                        | Rule::slo
                        | Rule::block
                        | Rule::list
                )
            };
            if let Some(r) = rule.filter(|r| !quiet(r)) {
                detailed.push(describe(r).to_string());
            }
        }
    }
    let found = found_at(text, pos);
    let end = (pos + found.len()).max(pos + 1).min(text.len().max(pos));
    let span = Span::new(file, pos, end.max(pos));
    let (message, help) = match &error.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            // A string or PromQL opening where a value goes: the value as a whole is wanted.
            if detailed.iter().any(|d| d == "a backtick") {
                let parts_of_a_value = [
                    "`\"`",
                    "a backtick",
                    describe(Rule::string),
                    describe(Rule::promql),
                    describe(Rule::duration),
                    describe(Rule::percent),
                    describe(Rule::number),
                    describe(Rule::name),
                ];
                detailed.retain(|d| !parts_of_a_value.contains(&d.as_str()));
                detailed.push(value);
            }
            let mut wanted: Vec<&str> = if detailed.is_empty() {
                positives.iter().map(|r| describe(*r)).collect()
            } else {
                detailed.iter().map(String::as_str).collect()
            };
            wanted.sort_unstable();
            wanted.dedup();
            let found_text = if found.is_empty() {
                "end of file".to_string()
            } else if found.trim().is_empty() {
                "a blank".to_string()
            } else {
                format!("`{found}`")
            };
            if !wanted.is_empty() {
                (
                    format!("expected {}, found {found_text}", one_of(&wanted)),
                    hint(&wanted, found),
                )
            } else {
                let unwanted: Vec<&str> = negatives.iter().map(|r| describe(*r)).collect();
                (
                    format!("unexpected {}", one_of(&unwanted)),
                    "keywords cannot be used as names; pick another name".to_string(),
                )
            }
        }
        ErrorVariant::CustomError { message } => (message.clone(), String::new()),
    };
    let diag = Diag::new(Code::Syntax, span, message).label("here");
    if help.is_empty() {
        diag
    } else {
        diag.help(help)
    }
}

/// The token-ish text at `pos`, for "found `…`".
fn found_at(text: &str, pos: usize) -> &str {
    let rest = text.get(pos..).unwrap_or("");
    let first = rest.chars().next();
    let len = match first {
        None => 0,
        Some(c) if c.is_alphanumeric() || c == '_' => rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-'))
            .unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
    };
    let found = &rest[..len];
    if found.trim().is_empty() && !found.is_empty() {
        match first {
            Some('\n') | Some('\r') => "",
            _ => found,
        }
    } else {
        found
    }
}

fn one_of(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A help line for the most common mistakes.
fn hint(wanted: &[&str], found: &str) -> String {
    let wants = |s: &str| wanted.iter().any(|w| w.contains(s));
    if found == "," {
        "a list is written `[a, b, c]`, one value between each pair of commas".to_string()
    } else if wants("`]`") {
        "close the list with `]`; elements are separated by `,`".to_string()
    } else if wants("a value") {
        "a value is a string (`\"…\"`), PromQL in backticks, a duration (`5m`), a percentage (`99.9%`), a number or a name".to_string()
    } else if wants("a burn factor") {
        "write the burn rate as a factor (`14.4x`) or as a share of the budget (`2%`)".to_string()
    } else if found == "=" && wants("a name") {
        "a name is missing before `=`".to_string()
    } else if wants("`policy`") && wanted.len() == 1 && wants("service") {
        "a file holds `policy`, `defaults`, `service`, `receiver` and `notify` items".to_string()
    } else if wants("`}`") || found.is_empty() {
        "check that every `{` has its `}`".to_string()
    } else {
        String::new()
    }
}

/// Keywords, as they are written.
const KEYWORDS: &[&str] = &[
    "policy", "defaults", "service", "labels", "sli", "slo", "over", "for",
];

/// A keyword where a name should be: say so plainly.
fn keyword_as_name(
    file: FileId,
    text: &str,
    pos: usize,
    error: &pest::error::Error<Rule>,
) -> Option<Diag> {
    let ErrorVariant::ParsingError { positives, .. } = &error.variant else {
        return None;
    };
    let word = found_at(text, pos);
    if !positives.contains(&Rule::name) || !KEYWORDS.contains(&word) {
        return None;
    }
    Some(
        Diag::new(
            Code::Syntax,
            Span::new(file, pos, pos + word.len()),
            format!("`{word}` is a keyword and cannot be used as a name"),
        )
        .label("keyword")
        .help(format!("pick another name, e.g. `{word}s` or `my-{word}`")),
    )
}
