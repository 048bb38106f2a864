//! `slo init`: a starter `specs/` that compiles and passes `slo check`.

use super::files::io_reason;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The starter files, relative to the directory `init` is given.
const FILES: &[(&str, &str)] = &[
    ("specs/policies.slo", include_str!("init/policies.slo")),
    ("specs/example.slo", include_str!("init/example.slo")),
];

/// Writes the starter files under `dir` and returns their paths. Refuses,
/// writing nothing, when any of them exists already.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, String> {
    // `slo init` in the current directory names `specs/…`, not `./specs/…`.
    let paths: Vec<PathBuf> = FILES
        .iter()
        .map(|(rel, _)| {
            if dir == Path::new(".") {
                PathBuf::from(rel)
            } else {
                dir.join(rel)
            }
        })
        .collect();
    if let Some(existing) = paths.iter().find(|p| fs::symlink_metadata(p).is_ok()) {
        return Err(format!(
            "`{}` already exists; `slo init` does not overwrite files",
            existing.display()
        ));
    }
    for (path, (_, text)) in paths.iter().zip(FILES) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {}", parent.display(), io_reason(&e)))?;
        }
        // `create_new` so that a file appearing since the check is not overwritten.
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| format!("cannot write `{}`: {}", path.display(), io_reason(&e)))?;
    }
    Ok(paths)
}
