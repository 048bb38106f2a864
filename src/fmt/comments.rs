//! Finding comments. The grammar drops `#` comments as blanks, which suits
//! the compiler; the formatter needs them back, with where they stand. The
//! file has already parsed, so a small scanner that knows only strings,
//! backticks and comments finds every one.

/// A `#` comment of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the `#`.
    pub start: usize,
    /// The comment's text, from `#` to the end of the line, trailing blanks trimmed.
    pub text: String,
    /// Whether it stands alone on its line.
    pub own_line: bool,
    /// The end of the last code token before it (0 at the start of the file).
    pub after: usize,
    /// Its column on its line, in characters from 0.
    pub column: usize,
    /// The text before it on its line, trailing blanks trimmed.
    pub code_before: String,
}

/// Every comment of `text`, in order.
pub fn scan(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut last_code_end = 0;
    let mut line_start = 0;
    let mut code_on_line = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => {
                line_start = i + 1;
                code_on_line = false;
            }
            ' ' | '\t' | '\r' => {}
            '#' => {
                let rest = text.get(i..).unwrap_or_default();
                let end = rest.find('\n').map_or(text.len(), |n| i + n);
                let line = text.get(line_start..i).unwrap_or_default();
                out.push(Comment {
                    start: i,
                    text: text.get(i..end).unwrap_or_default().trim_end().to_string(),
                    own_line: !code_on_line,
                    after: last_code_end,
                    column: line.chars().count(),
                    code_before: line.trim_end().to_string(),
                });
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
            }
            '"' | '`' => {
                // A string (with `\` escapes) or PromQL runs to its closing quote.
                let mut end = text.len();
                while let Some((j, d)) = chars.next() {
                    if c == '"' && d == '\\' {
                        chars.next();
                    } else if d == c {
                        end = j + 1;
                        break;
                    } else if d == '\n' {
                        line_start = j + 1;
                    }
                }
                last_code_end = end;
                code_on_line = true;
            }
            _ => {
                last_code_end = i + c.len_utf8();
                code_on_line = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_outside_strings_and_promql() {
        let text = "# head\nteam = \"a#b\" # tail\nbad = `x{a=\"#\"}`\n  # own\n";
        let found = scan(text);
        let texts: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["# head", "# tail", "# own"]);
        assert!(found[0].own_line && !found[1].own_line && found[2].own_line);
        assert_eq!(text.get(..found[1].after), Some("# head\nteam = \"a#b\""));
        assert_eq!(found[1].column, 13);
        assert_eq!(found[2].column, 2);
    }
}
