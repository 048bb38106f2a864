//! `slo fmt`: rewrite `.slo` files in the canonical layout, or with
//! `--check` show how they differ from it.

use super::{files, lock};
use slo::diag::Sources;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Formats every `.slo` file under `paths`. Exit status: 0 all formatted (or
/// rewritten), 1 a file does not parse or, with `check`, is not formatted, 2
/// I/O error.
pub fn run(paths: &[PathBuf], check: bool) -> ExitCode {
    let sources = match files::load(paths) {
        Ok(s) => s,
        Err(e) => return super::fail(e),
    };
    let mut diags = Vec::new();
    let mut unformatted = false;
    let mut out = std::io::stdout().lock();
    for (id, source) in sources.iter() {
        // A file that is not UTF-8 cannot be rewritten without losing bytes.
        let (None, Some(original)) = (source.not_utf8(id), source.original()) else {
            diags.extend(source.not_utf8(id));
            continue;
        };
        let formatted = match slo::fmt::format(id, &source.text) {
            // The byte-order mark, like the line endings, stays as it was.
            Ok(f) if source.bom => format!("\u{feff}{f}"),
            Ok(f) => f,
            Err(d) => {
                diags.push(*d);
                continue;
            }
        };
        if formatted == original {
            continue;
        }
        if check {
            unformatted = true;
            let _ = write!(out, "{}", diff(&source.name, &original, &formatted));
        } else if let Err(e) = replace(Path::new(&source.name), &original, &formatted) {
            return super::fail(e);
        }
    }
    report(&diags, &sources);
    if diags.is_empty() && !unformatted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The unified diff of a file and its formatted text. When only the line
/// endings differ, every line would look the same; a note says so instead.
fn diff(name: &str, original: &str, formatted: &str) -> String {
    let unix = |t: &str| t.replace("\r\n", "\n");
    let endings = match slo::fmt::LineEnding::of(formatted) {
        slo::fmt::LineEnding::Crlf => "CRLF",
        slo::fmt::LineEnding::Lf => "LF",
    };
    let mixed = format!(
        "the file mixes CRLF and LF; formatted, every line ends in {endings}, as its first line does"
    );
    if unix(original) == unix(formatted) {
        return format!("--- {name}\n+++ {name} (formatted)\nonly line endings differ: {mixed}\n");
    }
    let diff = similar::TextDiff::from_lines(original, formatted);
    let mut shown = diff
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string();
    // Lines that differ only in their ending look the same in the diff.
    let crlf = original.matches("\r\n").count();
    if crlf > 0 && crlf < original.matches('\n').count() {
        shown.push_str(&format!("line endings differ too: {mixed}\n"));
    }
    shown
}

fn report(diags: &[slo::diag::Diag], sources: &Sources) {
    if !diags.is_empty() {
        super::report(diags, sources, true);
    }
}

/// Replaces a file's contents atomically: the new text is written next to
/// it and renamed over it, keeping its permissions.
///
/// A symbolic link named as a spec stays a link: the file it points to is
/// replaced. The temporary file has a name of this run's own and is created
/// new, never through a link someone put there. The file is locked while it
/// is replaced, and replaced only if it still holds the text that was
/// formatted: two `slo fmt` runs take turns, and an edit made meanwhile is
/// never lost.
fn replace(path: &Path, original: &str, text: &str) -> Result<(), String> {
    let cannot = |e: std::io::Error| {
        format!(
            "cannot write `{}`: {}",
            path.display(),
            files::io_reason(&e)
        )
    };
    let real = fs::canonicalize(path).map_err(cannot)?;
    let target = fs::File::open(&real).map_err(cannot)?;
    let permissions = target.metadata().map_err(cannot)?.permissions();
    let _lock = lock::format(target, path)?;
    let now = fs::read(&real).map_err(cannot)?;
    if now == text.as_bytes() {
        // Another `slo fmt` formatted it meanwhile.
        return Ok(());
    }
    if now != original.as_bytes() {
        return Err(format!(
            "`{}` changed while it was being formatted; run `slo fmt` again",
            path.display()
        ));
    }
    let (tmp, file) = files::create_staging(&real)?;
    let written = file
        .set_permissions(permissions)
        .and_then(|()| files::write_durably(file, text.as_bytes()))
        .and_then(|()| fs::rename(&tmp, &real));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(cannot(e));
    }
    files::sync_dir(real.parent().unwrap_or(Path::new(".")))
}
