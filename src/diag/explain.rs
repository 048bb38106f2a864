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
    let rest = &PAGE[start..];
    let end = rest[1..].find("\n## ").map_or(rest.len(), |i| i + 1);
    Some(rest[..end].trim_end())
}

/// Reads a code as a user may type it: `SLO101`, `slo101` or `101`.
pub fn parse_code(text: &str) -> Option<Code> {
    let text = text.trim();
    let digits = if text.len() > 3 && text[..3].eq_ignore_ascii_case("slo") {
        &text[3..]
    } else {
        text
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
            assert!(text.contains("```slo\n"), "{code} has no example");
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
        // A code that does not exist (built, so that no stray code appears in the source).
        assert_eq!(parse_code(&format!("SLO{}", 990 + 9)), None);
    }
}
