//! `slo fmt`: rewrite `.slo` files in the canonical layout, or with
//! `--check` show how they differ from it.

use super::files;
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
        let formatted = match slo::fmt::format(id, &source.text) {
            Ok(f) => f,
            Err(d) => {
                diags.push(*d);
                continue;
            }
        };
        if formatted == source.text {
            continue;
        }
        if check {
            unformatted = true;
            let diff = similar::TextDiff::from_lines(&source.text, &formatted);
            let _ = write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&source.name, &format!("{} (formatted)", source.name))
            );
        } else if let Err(e) = replace(Path::new(&source.name), &formatted) {
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

fn report(diags: &[slo::diag::Diag], sources: &Sources) {
    if !diags.is_empty() {
        super::report(diags, sources, true);
    }
}

/// Replaces a file's contents atomically: the new text is written next to it
/// and renamed over it, keeping its permissions.
fn replace(path: &Path, text: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".fmt-tmp");
    let tmp = PathBuf::from(tmp);
    let result = fs::write(&tmp, text)
        .and_then(|()| fs::metadata(path))
        .and_then(|meta| fs::set_permissions(&tmp, meta.permissions()))
        .and_then(|()| fs::rename(&tmp, path));
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("cannot write `{}`: {e}", path.display())
    })
}
