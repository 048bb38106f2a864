//! Text → syntax tree. `grammar/slo.pest` defines the language; the
//! hand-written parser of [`descent`] follows it rule for rule, builds the
//! tree and explains syntax errors ([`errors`]). pest runs only in tests, as
//! the oracle the parser is held to.

#![deny(clippy::string_slice, clippy::indexing_slicing)]

pub mod ast;
mod descent;
mod errors;
mod failure;
#[cfg(test)]
mod oracle;
mod recover;

use crate::diag::{Code, Diag, FileId, Span};
use crate::num::{Duration, Ratio};
use ast::*;

/// Reserved words: never names (the `keyword` rule of the grammar, which a
/// test holds to this list).
pub const KEYWORDS: [&str; 8] = [
    "policy", "defaults", "service", "labels", "sli", "slo", "over", "for",
];

/// One parsed file.
#[derive(Debug)]
pub struct Parsed {
    /// The items that parsed, or `None` when a literal in them is malformed
    /// (placeholders stand in for it, which checking must not see).
    pub tree: Option<File>,
    /// Its syntax errors, one per item that does not parse, then its
    /// malformed literals.
    pub diags: Vec<Diag>,
    /// Whether part of the file is missing from `tree`: then a name used
    /// elsewhere may be defined in the part that did not parse.
    pub broken: bool,
}

/// Parses one file, going on after an item that does not parse.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let (tree, literals, failures) = descent::parse(file, text);
    let broken = !failures.is_empty() || !literals.is_empty();
    let mut diags: Vec<Diag> = failures
        .iter()
        .map(|f| errors::syntax(file, text, f))
        .collect();
    let tree = literals.is_empty().then_some(tree);
    diags.extend(literals);
    Parsed {
        tree,
        diags,
        broken,
    }
}

/// Parses one file and keeps the tree even when literals are malformed
/// (placeholders stand in for them; their diagnostics come alongside). The
/// formatter uses it: it needs the shape of a file, not its values. Fails on
/// the first syntax error.
pub fn parse_lenient(file: FileId, text: &str) -> Result<(File, Vec<Diag>), Box<Diag>> {
    let (tree, literals, failures) = descent::parse(file, text);
    match failures.first() {
        Some(failure) => Err(Box::new(errors::syntax(file, text, failure))),
        None => Ok((tree, literals)),
    }
}

// Literals, shared by both parsers: each reports a malformed literal in
// `diags` and returns a placeholder so that parsing can go on.

/// A name, reported when it is too long.
fn name(text: &str, span: Span, diags: &mut Vec<Diag>) -> Name {
    diags.extend(crate::limits::long_name(text, span));
    Name {
        text: text.to_string(),
        span,
    }
}

/// The text of a string literal from what is between its quotes; `span`
/// is the literal's.
fn unescape(raw: &str, span: Span, diags: &mut Vec<Diag>) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            other => {
                let shown = other.map_or(String::new(), |c| c.to_string());
                diags.push(
                    Diag::new(
                        Code::InvalidLiteral,
                        span,
                        format!("unknown escape `\\{shown}` in a string"),
                    )
                    .label("in this string")
                    .help(r#"the escapes are `\"`, `\\`, `\n` and `\t`"#),
                );
            }
        }
    }
    out
}

fn number(text: &str, span: Span, diags: &mut Vec<Diag>) -> Ratio {
    Ratio::parse_decimal(text).unwrap_or_else(|| {
        diags.push(
            Diag::new(
                Code::InvalidLiteral,
                span,
                format!("number `{text}` has too many digits"),
            )
            .label("more than 12 significant digits")
            .help("write the number with at most 12 significant digits"),
        );
        Ratio::ONE
    })
}

fn duration(text: &str, span: Span, diags: &mut Vec<Diag>) -> Duration {
    Duration::parse(text).unwrap_or_else(|| {
        diags.push(
            Diag::new(
                Code::InvalidLiteral,
                span,
                format!("invalid duration `{text}`"),
            )
            .label("not a whole number of milliseconds, or longer than ten years")
            .help("write durations like `5m`, `1h30m` or `300ms`, at most `3650d`"),
        );
        Duration(Duration::MINUTE)
    })
}
