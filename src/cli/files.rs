//! Reading sources: the `.slo` files named or found under a named
//! directory, each once, within the size limits; staging writes is
//! [`staging`].

mod staging;

pub use staging::{
    commit, create_staging, discard, exists, regular_inside, stage_one, stage_streamed,
    staging_leftovers, sync_dir, unchanged, write_durably,
};

use slo::diag::escape::escape;
use slo::diag::Sources;
use slo::limits::{MAX_FILE_BYTES, MAX_PROGRAM_BYTES};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Reads every `.slo` file named or found under a named directory, in path
/// order, so that the result does not depend on the order of the arguments.
/// A file is read once however many times it is reached (see [`collect`]).
pub fn load(paths: &[PathBuf]) -> Result<Sources, String> {
    load_kind(paths, Kind::SLO)
}

/// The files a command reads: `.slo` specs, or the YAML `slo import` reads.
#[derive(Clone, Copy)]
pub struct Kind {
    /// File name extensions, without the dot.
    pub extensions: &'static [&'static str],
    /// How a message names the files, e.g. "`.slo` files".
    pub what: &'static str,
}

impl Kind {
    pub const SLO: Kind = Kind {
        extensions: &["slo"],
        what: "`.slo` files",
    };
    pub const YAML: Kind = Kind {
        extensions: &["yaml", "yml"],
        what: "YAML files (`.yaml`, `.yml`)",
    };
}

/// Reads every file of `kind` named or found under a named directory, as
/// [`load`] does for `.slo` files.
pub fn load_kind(paths: &[PathBuf], kind: Kind) -> Result<Sources, String> {
    let found = collect(paths, kind)?;
    let mut sources = Sources::new();
    let mut total = 0u64;
    for path in found {
        let bytes = read_limited(&path)?;
        total += bytes.len() as u64;
        if total > MAX_PROGRAM_BYTES {
            return Err(format!(
                "the program is over {}; `slo` reads at most that much source at once (the limit was reached at `{}`)",
                limit(MAX_PROGRAM_BYTES),
                path.display()
            ));
        }
        // A file that is not UTF-8 is a mistake in the specs, reported
        // with the others when they are checked, not a reason to stop.
        sources.add_bytes(path.display().to_string(), bytes);
    }
    Ok(sources)
}

/// Reads a file of at most [`MAX_FILE_BYTES`]. The size is checked before
/// reading, and the read stops past the limit in case the file grows, so a
/// huge input costs neither time nor memory. Only a regular file is read:
/// the file is opened without blocking (opening a named pipe would wait for
/// a writer) and what was opened is checked again, so a pipe or a device
/// swapped in after [`collect`] looked is refused too, never waited on.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: io::Error| format!("cannot read `{}`: {}", path.display(), io_reason(&e));
    let file = open_nonblocking(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    let len = meta.len();
    if len > MAX_FILE_BYTES {
        return Err(too_large(path, &format!("is {}", bytes(len))));
    }
    let mut read = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut read)
        .map_err(cannot)?;
    if read.len() as u64 > MAX_FILE_BYTES {
        // The file grew while it was read.
        return Err(too_large(
            path,
            &format!("grew past {} while it was read", bytes(MAX_FILE_BYTES)),
        ));
    }
    Ok(read)
}

/// The contents of a file in the output directory, `None` when there is
/// none. As for sources, only a regular file is read, and opening never
/// waits: a pipe left where a generated file goes is an error, not a hang.
pub fn read_existing(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let cannot = |e: io::Error| format!("cannot read `{}`: {}", path.display(), io_reason(&e));
    let mut file = match open_nonblocking(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes).map_err(cannot)?;
    Ok(Some(bytes))
}

/// The error for a file over [`MAX_FILE_BYTES`]; `what` is how big it is,
/// e.g. `is 8,388,609 bytes`.
fn too_large(path: &Path, what: &str) -> String {
    format!(
        "`{}` {what}, over the limit of {} for one file; split it into several files",
        path.display(),
        limit(MAX_FILE_BYTES)
    )
}

/// Opens a file for reading without waiting: `O_NONBLOCK` makes opening a
/// named pipe return at once instead of waiting for a writer. It has no
/// effect on a regular file, the only kind that is then read.
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// What a file that is not a regular file or a directory is, in a few words.
pub fn kind(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// The error for a named path that is not a regular file: reading a pipe
/// could wait forever, and reading a device could never end.
fn not_regular(path: &Path, meta: &fs::Metadata) -> String {
    format!(
        "cannot read `{}`: it is {}, not a regular file; `slo` reads only regular `.slo` files and directories of them",
        path.display(),
        kind(meta)
    )
}

/// A number of bytes, exactly, e.g. `8,388,609 bytes`.
fn bytes(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    format!("{out} byte{}", if n == 1 { "" } else { "s" })
}

/// A limit, exactly and in MiB, e.g. `8,388,608 bytes (8 MiB)`.
fn limit(n: u64) -> String {
    let m = n as f64 / (1024.0 * 1024.0);
    if m.fract() == 0.0 {
        format!("{} ({m} MiB)", bytes(n))
    } else {
        bytes(n)
    }
}

/// The `.slo` files named in `paths` or found under a named directory, each
/// once, sorted by path. Two spellings of one file (`specs` and `./specs`, a
/// symbolic link and its target, a directory reached through a link) are one
/// file, told by its real path: read twice, every definition in it would be
/// reported as defined twice, and `slo fmt` would rewrite it twice. The
/// spelling kept is the one reached first, arguments taken in order and each
/// directory's files in path order.
///
/// A named path that is neither a directory nor a regular file (a pipe, a
/// socket, a device) is an error: it was asked for and cannot be read. One
/// found in a directory is skipped with a warning, as a build tool skips
/// what is not a source: it may be a pipe an editor or a tool left there.
fn collect(paths: &[PathBuf], files: Kind) -> Result<Vec<PathBuf>, String> {
    let mut named = Vec::new();
    for path in paths {
        let meta = fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
        if meta.is_dir() {
            let mut under = Vec::new();
            let mut skipped = Vec::new();
            walk(path, files, &mut under, &mut skipped)?;
            skipped.sort_by(|a, b| a.0.cmp(&b.0));
            for (path, meta) in skipped {
                say!(
                    "{}: skipped `{}`: it is {}, not a regular file",
                    super::paint("warning", "1;33"),
                    escape(&path.display().to_string()),
                    kind(&meta)
                );
            }
            if under.is_empty() {
                return Err(format!("no {} in `{}`", files.what, path.display()));
            }
            under.sort();
            named.extend(under);
        } else if meta.is_file() {
            named.push(path.clone());
        } else {
            return Err(not_regular(path, &meta));
        }
    }
    let mut seen = HashSet::new();
    let mut dirs = HashMap::new();
    // A path that cannot be resolved (a broken link) stands for itself; reading
    // it reports why.
    named.retain(|path| seen.insert(resolved(path, &mut dirs).unwrap_or_else(|| path.clone())));
    named.sort();
    Ok(named)
}

/// What `fs::canonicalize` gives for the file `path`, with the directory it
/// is in resolved once for all its files (`dirs`): a file that is not a
/// link resolves to its name in its resolved directory. Resolving a path
/// costs a system call for each part of it, and the files of a program are
/// mostly in a few directories. `None` when it cannot be resolved.
fn resolved(path: &Path, dirs: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    let name = path.file_name()?;
    if fs::symlink_metadata(path).ok()?.file_type().is_symlink() {
        return fs::canonicalize(path).ok();
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let real = dirs
        .entry(dir.to_path_buf())
        .or_insert_with(|| fs::canonicalize(dir).ok());
    real.as_ref().map(|real| real.join(name))
}

/// The `.slo` files under `dir` into `found`, and those that are neither
/// regular files nor directories into `skipped`.
fn walk(
    dir: &Path,
    kind: Kind,
    found: &mut Vec<PathBuf>,
    skipped: &mut Vec<(PathBuf, fs::Metadata)>,
) -> Result<(), String> {
    each_file(dir, false, &mut |path, _| {
        if path
            .extension()
            .is_some_and(|e| kind.extensions.iter().any(|k| e == *k))
        {
            // A link is judged by what it points to; a broken one is kept,
            // and reading it says why it cannot be read.
            match fs::metadata(&path) {
                Ok(meta) if !meta.is_file() && !meta.is_dir() => skipped.push((path, meta)),
                _ => found.push(path),
            }
        }
    })
}

/// Hands `visit` every entry under `dir` that is not a folder, with its
/// name, going down into folders but not through links to them. With
/// `missing_is_empty`, a folder that does not exist (or no longer does)
/// has nothing in it; otherwise it cannot be read, like any other error.
pub fn each_file(
    dir: &Path,
    missing_is_empty: bool,
    visit: &mut dyn FnMut(PathBuf, &std::ffi::OsStr),
) -> Result<(), String> {
    let cannot =
        |path: &Path, e: &io::Error| format!("cannot read `{}`: {}", path.display(), io_reason(e));
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if missing_is_empty && e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(cannot(dir, &e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| cannot(dir, &e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| cannot(&path, &e))?;
        if kind.is_dir() {
            each_file(&path, missing_is_empty, visit)?;
        } else {
            visit(path, &entry.file_name());
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
        io::ErrorKind::NotADirectory => "a part of the path is not a directory".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files resolve as `fs::canonicalize` resolves them, however they are
    /// named: through `..`, links to files and links to directories.
    #[cfg(unix)]
    #[test]
    fn files_resolve_as_canonicalize_resolves_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir(root.join("a")).expect("mkdir");
        fs::write(root.join("a/x.slo"), "").expect("write");
        std::os::unix::fs::symlink(root.join("a/x.slo"), root.join("link.slo")).expect("link");
        std::os::unix::fs::symlink(root.join("a"), root.join("b")).expect("link");
        std::os::unix::fs::symlink(root.join("gone"), root.join("broken.slo")).expect("link");
        let mut dirs = HashMap::new();
        for name in [
            "a/x.slo",
            "a/../a/x.slo",
            "./a/./x.slo",
            "link.slo",
            "b/x.slo",
            "b/../a/x.slo",
            "broken.slo",
            "missing.slo",
        ] {
            let path = root.join(name);
            let expected = fs::canonicalize(&path).ok();
            assert_eq!(resolved(&path, &mut dirs), expected, "{name}");
        }
    }

    /// A pipe that appears after [`collect`] looked (a race) is refused
    /// when opened, not waited on: reading is given two seconds.
    #[cfg(unix)]
    #[test]
    fn a_pipe_is_refused_when_opened_not_waited_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pipe = dir.path().join("x.slo");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        assert!(made.expect("mkfifo").success());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_limited(&pipe));
        });
        let read = rx
            .recv_timeout(std::time::Duration::from_secs(2))
            .expect("reading a pipe must not wait for a writer");
        let e = read.expect_err("a pipe is not read");
        assert!(
            e.contains("it is a named pipe (FIFO), not a regular file"),
            "{e}"
        );
    }

    #[test]
    fn sizes_print_exactly() {
        assert_eq!(bytes(1), "1 byte");
        assert_eq!(bytes(999), "999 bytes");
        assert_eq!(bytes(8 * 1024 * 1024 + 1), "8,388,609 bytes");
        assert_eq!(limit(8 * 1024 * 1024), "8,388,608 bytes (8 MiB)");
        assert_eq!(limit(256 * 1024 * 1024), "268,435,456 bytes (256 MiB)");
    }
}
