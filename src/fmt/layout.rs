//! Lines → text: aligned `=` and policy columns, trailing comments in one
//! column, blank lines where the printer asked for them.

/// What a line holds, before alignment.
#[derive(Debug, Clone)]
pub enum Code {
    /// Printed as is.
    Text(String),
    /// `key = value` (or `labels { … }` with no `=`): keys of one run are padded.
    Setting {
        /// The key.
        key: String,
        /// Whether an `=` follows the key.
        equals: bool,
        /// Everything after the key (and the `=`).
        rest: String,
    },
    /// A policy line: severity, burn and windows are columns; `for` follows.
    Policy {
        /// Severity, burn, `long/short`.
        columns: [String; 3],
        /// `for 15m`, if any.
        tail: Option<String>,
    },
    /// An own-line comment.
    Comment(String),
}

/// A comment after code on the same line.
#[derive(Debug, Clone)]
pub struct Trailing {
    /// The comment, from `#`.
    pub text: String,
    /// Its column in the source.
    pub column: usize,
    /// The source text before it on its line.
    pub code_before: String,
}

/// One output line.
#[derive(Debug, Clone)]
pub struct Line {
    /// Indentation level (two spaces each).
    pub indent: usize,
    /// What it says.
    pub code: Code,
    /// Whether one blank line comes before it.
    pub blank_before: bool,
    /// A comment after the code.
    pub trailing: Option<Trailing>,
    /// The block the line belongs to; lines of one block align together.
    pub block: usize,
}

/// Renders lines. Runs of lines of one block, not broken by a blank line,
/// share their alignment.
pub fn render(lines: &[Line]) -> String {
    let mut texts: Vec<String> = lines.iter().map(|_| String::new()).collect();
    let mut blocks: Vec<usize> = lines.iter().map(|l| l.block).collect();
    blocks.sort_unstable();
    blocks.dedup();
    for block in blocks {
        let mut run: Vec<(usize, &Line)> = Vec::new();
        for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.block == block) {
            if line.blank_before && !run.is_empty() {
                align(&run, &mut texts);
                run.clear();
            }
            run.push((i, line));
        }
        align(&run, &mut texts);
    }
    let mut out = String::new();
    for (line, text) in lines.iter().zip(texts) {
        if line.blank_before && !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// Lays out one run of lines, each with its index, into `texts`.
fn align(run: &[(usize, &Line)], texts: &mut [String]) {
    // A block that opens here (`annotations {`) is not a column of its
    // own: the settings around it keep their width.
    let opens =
        |code: &Code| matches!(code, Code::Setting { equals: false, rest, .. } if rest == "{");
    let key_width = run
        .iter()
        .filter_map(|(_, line)| match &line.code {
            Code::Setting { key, .. } if !opens(&line.code) => Some(key.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut widths = [0usize; 3];
    for (_, line) in run {
        if let Code::Policy { columns, .. } = &line.code {
            for (w, c) in widths.iter_mut().zip(columns) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let [w0, w1, w2] = widths;
    for &(i, line) in run {
        let Some(text) = texts.get_mut(i) else {
            continue;
        };
        let pad = "  ".repeat(line.indent);
        *text = match &line.code {
            Code::Text(t) | Code::Comment(t) => format!("{pad}{t}"),
            Code::Setting { key, rest, .. } if opens(&line.code) => format!("{pad}{key} {rest}"),
            Code::Setting { key, equals, rest } => {
                let eq = if *equals { " =" } else { "" };
                format!("{pad}{key:<key_width$}{eq} {rest}")
            }
            Code::Policy { columns, tail } => {
                let [severity, burn, windows] = columns;
                let text = match tail {
                    Some(tail) => {
                        format!("{severity:<w0$} {burn:<w1$} over {windows:<w2$} {tail}")
                    }
                    None => format!("{severity:<w0$} {burn:<w1$} over {windows}"),
                };
                format!("{pad}{text}")
            }
        };
    }
    // Trailing comments on adjacent lines share one column: two spaces after
    // the longest code, or further right where the source put them if the
    // code before them was already formatted (so a deliberate column stays,
    // and a comment behind code that moves does not keep a stray one).
    for adjacent in run.chunk_by(|a, b| a.0 + 1 == b.0) {
        let column = adjacent
            .iter()
            .filter_map(|&(i, line)| {
                let t = line.trailing.as_ref()?;
                let text = texts.get(i)?;
                let width = text.chars().count() + 2;
                Some(if t.code_before == *text {
                    width.max(t.column)
                } else {
                    width
                })
            })
            .max();
        let Some(column) = column else { continue };
        for &(i, line) in adjacent {
            if let (Some(Trailing { text: comment, .. }), Some(text)) =
                (&line.trailing, texts.get_mut(i))
            {
                let width = text.chars().count();
                let gap = column.saturating_sub(width).max(2);
                text.push_str(&" ".repeat(gap));
                text.push_str(comment);
            }
        }
    }
}
