//! `slo explain SLOnnn`: the documentation of a code. The text is the code's
//! section of `docs/diagnostics.md`, built into the binary, so the page and
//! the command cannot disagree.

use super::Code;

/// The whole diagnostics page.
pub const PAGE: &str = include_str!("../../docs/diagnostics.md");

/// The section of `docs/diagnostics.md` that documents `code`, from its
/// `## SLOnnn: title` heading to the next heading, without trailing blank
/// lines. `None` if the page has no such section.
pub fn explain(code: Code) -> Option<&'static str> {
    let heading = format!("\n## {}:", code.as_str());
    let start = PAGE.find(&heading)? + 1;
    let rest = PAGE.get(start..)?;
    let end = rest.get(1..)?.find("\n## ").map_or(rest.len(), |i| i + 1);
    Some(rest.get(..end)?.trim_end())
}

/// Reads a code as a user may type it: `SLO101`, `slo101` or `101`.
pub fn parse_code(text: &str) -> Option<Code> {
    let text = text.trim();
    // `get` rather than slicing: what a user typed may have a multi-byte
    // character anywhere, and no code has one.
    let digits = match (text.get(..3), text.get(3..)) {
        (Some(prefix), Some(rest)) if !rest.is_empty() && prefix.eq_ignore_ascii_case("slo") => {
            rest
        }
        _ => text,
    };
    format!("SLO{digits}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_section_with_an_example() {
        for &code in Code::ALL {
            let text = explain(code).unwrap_or_else(|| panic!("{code} is not documented"));
            assert!(text.starts_with(&format!("## {code}: ")), "{text}");
            // `slo import`'s codes show the YAML that yields them.
            let example = if code.as_str().starts_with("SLO6") {
                "```yaml\n"
            } else {
                "```slo\n"
            };
            assert!(text.contains(example), "{code} has no example");
            assert!(
                !text.contains("\n## "),
                "{code}'s section runs into the next"
            );
        }
    }

    #[test]
    fn codes_are_read_loosely() {
        assert_eq!(parse_code("slo101"), Some(Code::UnknownName));
        assert_eq!(parse_code("101"), Some(Code::UnknownName));
        // A multi-byte character where the prefix would end is not a code.
        assert_eq!(parse_code("x€y"), None);
        assert_eq!(parse_code("sl€1"), None);
        assert_eq!(parse_code("€"), None);
        // A code that does not exist (built, so that no stray code appears in the source).
        assert_eq!(parse_code(&format!("SLO{}", 990 + 9)), None);
    }
}
