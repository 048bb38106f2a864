//! `slo fmt`: the canonical layout of a `.slo` file, in the style of the
//! language tour. Two spaces per level; `=` aligned within a run of
//! settings; policy lines in columns; one blank line between items and
//! before every `sli` and `slo`; other blank lines kept (at most one) where
//! the source had them; comments kept where they were.
//!
//! The file is parsed with the compiler's own grammar, so formatting never
//! changes what a file means. The grammar drops comments, so they are found
//! by a separate scan ([`comments`]) and put back by position: a comment on
//! a line of its own stays before the code that followed it, a comment after
//! code stays after that code.
//!
//! Line endings follow the file: a file whose first line ends in `\r\n`
//! is written with `\r\n` after every line, any other with `\n`.

// This module handles what users type: slicing a string inside a character,
// or indexing past its end, would panic on it.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

mod comments;
mod layout;
mod print;

use crate::diag::{Diag, FileId};
use crate::syntax;

/// Formats one file. Fails only when the file does not parse; malformed
/// literals (a duration too long, say) are kept as written.
pub fn format(file: FileId, text: &str) -> Result<String, Box<Diag>> {
    let (tree, _) = syntax::parse_lenient(file, text)?;
    let comments = comments::scan(text);
    let lines = print::Printer::new(text, comments).file(&tree);
    let formatted = layout::render(&lines);
    Ok(match LineEnding::of(text) {
        LineEnding::Lf => formatted,
        // A multi-line string may already hold `\r\n`.
        LineEnding::Crlf => formatted.replace("\r\n", "\n").replace('\n', "\r\n"),
    })
}

/// How a file ends its lines, judged by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n`, the canonical form.
    Lf,
    /// `\r\n`, as Windows editors write.
    Crlf,
}

impl LineEnding {
    /// The line ending of `text`'s first line; `\n` for a single line.
    pub fn of(text: &str) -> Self {
        match text.split_once('\n') {
            Some((first, _)) if first.ends_with('\r') => LineEnding::Crlf,
            _ => LineEnding::Lf,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        format(FileId(0), text).expect("parses")
    }

    #[test]
    fn the_tour_is_formatted() {
        let tour = include_str!("../../specs/checkout.slo");
        assert_eq!(fmt(tour), tour);
    }

    #[test]
    fn aligns_and_spaces_a_squashed_file() {
        let text = "policy p { page 14.4x over 1h/5m ticket 1x over 3d/6h for 1h }\ndefaults{window=30d alerting=p}\nservice s { team=\"t\" labels{a=\"1\"} sli r = ratio { bad=`x` total=`y` } slo a { sli=r target=99% } }";
        let expected = "\
policy p {
  page   14.4x over 1h/5m
  ticket 1x    over 3d/6h for 1h
}

defaults {
  window   = 30d
  alerting = p
}

service s {
  team   = \"t\"
  labels { a = \"1\" }

  sli r = ratio {
    bad   = `x`
    total = `y`
  }

  slo a {
    sli    = r
    target = 99%
  }
}
";
        assert_eq!(fmt(text), expected);
        assert_eq!(fmt(expected), expected);
    }

    #[test]
    fn keeps_comments_where_they_were() {
        let text = "# head\n\n# about p\npolicy p { # opens\n  # inside\n  page 2% over 1h/5m # fast\n  # last\n} # after\n# tail\n";
        let expected = "# head\n\n# about p\npolicy p {  # opens\n  # inside\n  page 2% over 1h/5m  # fast\n  # last\n}  # after\n# tail\n";
        assert_eq!(fmt(text), expected);
        assert_eq!(fmt(expected), expected);
    }

    #[test]
    fn lists_and_overrides() {
        let text =
            "service s { slo a { by=[ route ,region, ] alerting = std { page 10x over 1h/5m  } } }";
        let expected = "\
service s {
  slo a {
    by       = [route, region]
    alerting = std {
      page 10x over 1h/5m
    }
  }
}
";
        assert_eq!(fmt(text), expected);
    }

    #[test]
    fn keeps_the_files_line_endings() {
        let text = "# head\r\npolicy p { page 2% over 1h/5m } # after\r\n";
        let expected = "# head\r\npolicy p {\r\n  page 2% over 1h/5m\r\n}  # after\r\n";
        assert_eq!(fmt(text), expected);
        assert_eq!(fmt(expected), expected);
        // A file that is mostly CRLF but begins with LF becomes all LF.
        let mixed = "# head\npolicy p {\r\n  page 2% over 1h/5m\r\n}\r\n";
        assert_eq!(fmt(mixed), "# head\npolicy p {\n  page 2% over 1h/5m\n}\n");
    }

    #[test]
    fn a_syntax_error_is_reported_not_formatted() {
        assert!(format(FileId(0), "service {").is_err());
    }
}
