//! Reading sources and writing outputs.

use slo::diag::Sources;
use slo::limits::{MAX_FILE_BYTES, MAX_PROGRAM_BYTES};
use slo::OutputFile;
use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Reads every `.slo` file named or found under a named directory, in path
/// order, so that the result does not depend on the order of the arguments.
/// A file is read once however many times it is reached (see [`collect`]).
pub fn load(paths: &[PathBuf]) -> Result<Sources, String> {
    let found = collect(paths)?;
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

/// The `.slo` files named in `paths` or found under a named directory, each
/// once, sorted by path. Two spellings of one file (`specs` and `./specs`, a
/// symbolic link and its target, a directory reached through a link) are one
/// file, told by its real path: read twice, every definition in it would be
/// reported as defined twice, and `slo fmt` would rewrite it twice. The
/// spelling kept is the one reached first, arguments taken in order and each
/// directory's files in path order.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut named = Vec::new();
    for path in paths {
        let meta = fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
        if meta.is_dir() {
            let mut under = Vec::new();
            walk(path, &mut under)?;
            if under.is_empty() {
                return Err(format!("no `.slo` files in `{}`", path.display()));
            }
            under.sort();
            named.extend(under);
        } else {
            named.push(path.clone());
        }
    }
    let mut seen = HashSet::new();
    // A path that cannot be resolved (a broken link) stands for itself; reading
    // it reports why.
    named.retain(|path| seen.insert(fs::canonicalize(path).unwrap_or_else(|_| path.clone())));
    named.sort();
    Ok(named)
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

/// Why an I/O operation failed, in a few words.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => e.to_string(),
    }
}

/// A file written next to its destination, waiting to be renamed over it.
pub struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
}

/// Writes every file whose contents differ from what is on disk next to its
/// destination, so that an I/O error (a full disk, a read-only directory)
/// comes before anything visible changes. On error the staged files are
/// removed again. Files whose contents are unchanged are left out, so they
/// are not touched.
pub fn stage(out: &Path, files: &[OutputFile]) -> Result<Vec<Staged>, String> {
    let mut staged: Vec<Staged> = Vec::new();
    for f in files {
        match stage_one(out, f) {
            Ok(s) => staged.extend(s),
            Err(e) => {
                discard(staged);
                return Err(e);
            }
        }
    }
    Ok(staged)
}

/// Stages one file as [`stage`] does: `None` when the file on disk already
/// has these contents.
pub fn stage_one(out: &Path, f: &OutputFile) -> Result<Option<Staged>, String> {
    let dest = out.join(&f.path);
    if unchanged(&dest, &f.contents) {
        return Ok(None);
    }
    // Found now, not when renaming: by then other files would be replaced
    // already.
    if dest.is_dir() {
        return Err(format!(
            "cannot write `{}`: a directory is in the way",
            dest.display()
        ));
    }
    let parent = dest.parent().unwrap_or(out);
    fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create `{}`: {}", parent.display(), io_reason(&e)))?;
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".slo-tmp");
    let tmp = dest.with_file_name(name);
    if let Err(e) = fs::write(&tmp, &f.contents) {
        // A full disk may leave part of the file behind.
        let _ = fs::remove_file(&tmp);
        return Err(format!(
            "cannot write `{}`: {}",
            tmp.display(),
            io_reason(&e)
        ));
    }
    Ok(Some(Staged { tmp, dest }))
}

/// Whether `path` is a regular file holding exactly `contents`. The size is
/// compared first; then the file is read in pieces into one small buffer
/// and compared as it comes, so no copy of it is ever allocated.
fn unchanged(path: &Path, contents: &str) -> bool {
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let same_size = file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64);
    if !same_size {
        return false;
    }
    let mut buffer = [0u8; 64 * 1024];
    let mut rest = contents.as_bytes();
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return rest.is_empty(),
            Ok(n) => match rest.split_at_checked(n) {
                Some((head, tail)) if head == &buffer[..n] => rest = tail,
                _ => return false,
            },
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Removes staged files without renaming them.
pub fn discard(staged: Vec<Staged>) {
    for s in staged {
        let _ = fs::remove_file(&s.tmp);
    }
}

/// Renames staged files over their destinations, in path order: a reader
/// never sees half a file.
pub fn commit(mut staged: Vec<Staged>) -> Result<(), String> {
    staged.sort_by(|a, b| a.dest.cmp(&b.dest));
    for s in &staged {
        fs::rename(&s.tmp, &s.dest)
            .map_err(|e| format!("cannot write `{}`: {}", s.dest.display(), io_reason(&e)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_in_mib() {
        assert_eq!(mib(8 * 1024 * 1024), "8 MiB");
        assert_eq!(mib(9 * 1024 * 1024 + 512 * 1024), "9.5 MiB");
    }
}
