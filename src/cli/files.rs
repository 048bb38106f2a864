//! Reading sources and writing outputs.

use slo::diag::Sources;
use slo::limits::{MAX_FILE_BYTES, MAX_PROGRAM_BYTES};
use slo::OutputFile;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// The file in the output directory that lists, one relative path per line
/// and sorted, every file the last compile wrote there. Only those files
/// are ever deleted: a file that is no longer generated (a removed service)
/// is deleted on the next compile; anything else in the directory is left
/// alone.
pub const MANIFEST: &str = ".slo-manifest";

/// Reads every `.slo` file named or found under a named directory, in path
/// order, so that the result does not depend on the order of the arguments.
pub fn load(paths: &[PathBuf]) -> Result<Sources, String> {
    let mut found = Vec::new();
    for path in paths {
        let meta = fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
        if meta.is_dir() {
            let before = found.len();
            walk(path, &mut found)?;
            if found.len() == before {
                return Err(format!("no `.slo` files in `{}`", path.display()));
            }
        } else {
            found.push(path.clone());
        }
    }
    found.sort();
    found.dedup();
    let mut sources = Sources::new();
    let mut total = 0u64;
    for path in found {
        let bytes = read_limited(&path)?;
        total += bytes.len() as u64;
        if total > MAX_PROGRAM_BYTES {
            return Err(format!(
                "the program is larger than {}; `slo` reads at most that much source at once (the limit was reached at `{}`)",
                mib(MAX_PROGRAM_BYTES),
                path.display()
            ));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            format!(
                "`{}` is not valid UTF-8 (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            )
        })?;
        sources.add(path.display().to_string(), text);
    }
    Ok(sources)
}

/// Reads a file of at most [`MAX_FILE_BYTES`]. The size is checked before
/// reading, and the read stops past the limit in case the file grows or is
/// not a regular file, so a huge input costs neither time nor memory.
fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let too_large = |size: String| {
        format!(
            "`{}` is {size}, larger than the limit of {} for one file; split it into several files",
            path.display(),
            mib(MAX_FILE_BYTES)
        )
    };
    let cannot = |e: io::Error| format!("cannot read `{}`: {}", path.display(), io_reason(&e));
    let file = fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    if len > MAX_FILE_BYTES {
        return Err(too_large(mib(len)));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(format!("more than {}", mib(MAX_FILE_BYTES))));
    }
    Ok(bytes)
}

/// A size in MiB, e.g. `8 MiB` or `9.5 MiB`.
fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1024.0 * 1024.0);
    if m.fract() == 0.0 {
        format!("{m} MiB")
    } else {
        format!("{m:.1} MiB")
    }
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir)
        .map_err(|e| format!("cannot read `{}`: {}", dir.display(), io_reason(&e)))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("cannot read `{}`: {}", dir.display(), io_reason(&e)))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
        if kind.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "slo") {
            found.push(path);
        }
    }
    Ok(())
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => e.to_string(),
    }
}

/// Writes every file under `out` and brings the manifest up to date.
///
/// 1. Every new or changed file, and the new manifest, is written to a
///    temporary file next to its destination. An error here removes the
///    temporary files and leaves the directory exactly as it was.
/// 2. Each temporary file is renamed over its destination: a reader sees
///    the old file or the new one, never half a file.
/// 3. Files the previous manifest lists that are no longer generated are
///    deleted, then the new manifest replaces the old one.
///
/// Files whose contents are unchanged are not touched.
pub fn write_all(out: &Path, files: &[OutputFile]) -> Result<(), String> {
    let previous = read_manifest(out);
    let generated: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut manifest = String::new();
    for path in &generated {
        manifest.push_str(path);
        manifest.push('\n');
    }

    let mut staged = Staged::default();
    for f in files {
        if !safe_relative(&f.path) {
            return Err(format!(
                "refusing to write `{}` outside `{}`",
                f.path,
                out.display()
            ));
        }
        staged.stage(&out.join(&f.path), f.contents.as_bytes())?;
    }
    let outputs = staged.files.len();
    staged.stage(&out.join(MANIFEST), manifest.as_bytes())?;
    // The manifest is renamed last, after the stale files are gone.
    let new_manifest = Staged {
        files: staged.files.split_off(outputs),
    };

    staged.commit()?;
    for stale in previous.iter().filter(|p| !generated.contains(p.as_str())) {
        let path = out.join(stale);
        // Only a regular file is ever deleted; a directory or a link the user
        // put in its place is theirs.
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            fs::remove_file(&path)
                .map_err(|e| format!("cannot remove `{}`: {}", path.display(), io_reason(&e)))?;
        }
    }
    new_manifest.commit()
}

/// Temporary files waiting to be renamed over their destinations. Dropped
/// before [`Staged::commit`], it removes them.
#[derive(Default)]
struct Staged {
    /// (temporary file, destination)
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// Writes `contents` next to `dest` unless `dest` already holds exactly
    /// that.
    fn stage(&mut self, dest: &Path, contents: &[u8]) -> Result<(), String> {
        if fs::read(dest).is_ok_and(|old| old == contents) {
            return Ok(());
        }
        if dest.is_dir() {
            return Err(format!(
                "cannot write `{}`: a directory is in the way",
                dest.display()
            ));
        }
        let parent = dest.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create `{}`: {}", parent.display(), io_reason(&e)))?;
        let name = dest
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let tmp = parent.join(format!(".{name}.{}.slo-tmp", std::process::id()));
        // Registered before writing, so a partial temporary file is removed too.
        self.files.push((tmp.clone(), dest.to_path_buf()));
        fs::write(&tmp, contents)
            .map_err(|e| format!("cannot write `{}`: {}", tmp.display(), io_reason(&e)))
    }

    /// Renames every temporary file over its destination.
    fn commit(mut self) -> Result<(), String> {
        let files = std::mem::take(&mut self.files);
        for (i, (tmp, dest)) in files.iter().enumerate() {
            if let Err(e) = fs::rename(tmp, dest) {
                self.files = files[i..].to_vec();
                return Err(format!(
                    "cannot write `{}`: {}",
                    dest.display(),
                    io_reason(&e)
                ));
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// The paths the manifest in `out` lists, if there is one. Lines that are
/// not plain relative paths inside `out` are ignored, so an edited manifest
/// cannot make the compiler delete anything outside the directory.
fn read_manifest(out: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(out.join(MANIFEST)) else {
        return Vec::new();
    };
    text.lines()
        .filter(|line| safe_relative(line) && *line != MANIFEST)
        .map(str::to_string)
        .collect()
}

/// Whether `path` is a relative path made of plain names only (no `..`,
/// no root, no `.`).
fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_safe() {
        assert!(safe_relative("prometheus/api.yml"));
        for bad in ["", "/etc/passwd", "../x", "prometheus/../../x", "./x"] {
            assert!(!safe_relative(bad), "{bad}");
        }
    }

    #[test]
    fn sizes_print_in_mib() {
        assert_eq!(mib(8 * 1024 * 1024), "8 MiB");
        assert_eq!(mib(9 * 1024 * 1024 + 512 * 1024), "9.5 MiB");
    }
}
