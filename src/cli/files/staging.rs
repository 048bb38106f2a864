//! Staging writes: each output file is written next to its destination under
//! a name of the run's own, on disk before it is renamed over it, and never
//! through a symbolic link inside the output directory.

use super::{each_file, io_reason, open_nonblocking};
use slo::OutputFile;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// A file written next to its destination, waiting to be renamed over it.
pub struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
}

/// How the name of every staging file ends; a file named so in the output
/// directory is a leftover of a run that was stopped, removed by the next
/// compile and reported by `compile --check`.
pub const STAGING_SUFFIX: &str = ".slo-tmp";

/// Writes a file whose contents differ from what is on disk next to its
/// destination, so that an I/O error (a full disk, a read-only directory)
/// comes before anything visible changes; `None` when the file on disk
/// already has these contents, so that it is not touched. The staging file has a name of this run's own, is
/// created new (never through a link someone put there) and is on disk
/// (`fsync`) before it is returned.
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
    if let Some(parent) = Path::new(&f.path).parent() {
        make_dirs(out, parent)?;
    }
    let (tmp, file) = create_staging(&dest)?;
    if let Err(e) = write_durably(file, f.contents.as_bytes()) {
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

/// Writes a file next to `dest` a piece at a time, as `write` hands the
/// pieces over, so that a large file is never held whole; on disk before
/// it is returned, like [`stage_one`]'s.
pub fn stage_streamed(
    dest: &Path,
    write: impl FnOnce(&mut dyn FnMut(&str) -> io::Result<()>) -> io::Result<()>,
) -> Result<Staged, String> {
    if dest.is_dir() {
        return Err(format!(
            "cannot write `{}`: a directory is in the way",
            dest.display()
        ));
    }
    let (tmp, file) = create_staging(dest)?;
    let mut out = io::BufWriter::with_capacity(256 * 1024, file);
    let written = write(&mut |piece: &str| out.write_all(piece.as_bytes()))
        .and_then(|()| out.into_inner().map_err(io::IntoInnerError::into_error))
        .and_then(|file| if durable() { file.sync_data() } else { Ok(()) });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(format!(
            "cannot write `{}`: {}",
            tmp.display(),
            io_reason(&e)
        ));
    }
    Ok(Staged {
        tmp,
        dest: dest.to_path_buf(),
    })
}

/// A new staging file next to `dest`, named after it, this process and a
/// counter (`api.yml.4242-7.slo-tmp`), so that two runs never share one.
/// Created with `O_CREAT | O_EXCL | O_NOFOLLOW`: whatever is already at that
/// name, a symbolic link above all, is never opened.
pub fn create_staging(dest: &Path) -> Result<(PathBuf, fs::File), String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = dest.file_name().unwrap_or_default();
    let mut last = None;
    // A name can be taken only by a leftover of a killed process whose pid
    // was reused, or by someone else's file: then the next number is tried.
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = base.to_os_string();
        name.push(format!(".{}-{n}{STAGING_SUFFIX}", std::process::id()));
        let tmp = dest.with_file_name(name);
        match create_new(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(tmp),
            Err(e) => {
                return Err(format!(
                    "cannot write `{}`: {}",
                    tmp.display(),
                    io_reason(&e)
                ))
            }
        }
    }
    let tmp = last.unwrap_or_else(|| dest.to_path_buf());
    Err(format!(
        "cannot write `{}`: every staging name is taken (the last one tried was `{}`)",
        dest.display(),
        tmp.display()
    ))
}

/// Opens a file that must not exist yet, without following a symbolic link.
pub fn create_new(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Writes a file and waits until its contents are on disk.
pub fn write_durably(mut file: fs::File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    if durable() {
        file.sync_data()?;
    }
    Ok(())
}

/// The environment variable that turns `fsync` off (`SLO_NO_FSYNC=1`), for
/// a throw-away output directory such as a CI job's, where a power loss
/// loses the whole machine anyway. A run stopped or killed still leaves
/// every file whole: only a crash of the machine itself can then lose the
/// last writes.
pub const NO_FSYNC_VAR: &str = "SLO_NO_FSYNC";

/// Whether writes wait until they are on disk (`fsync`): unless
/// [`NO_FSYNC_VAR`] is set to something other than empty or `0`.
fn durable() -> bool {
    static DURABLE: OnceLock<bool> = OnceLock::new();
    *DURABLE.get_or_init(|| std::env::var_os(NO_FSYNC_VAR).is_none_or(|v| v.is_empty() || v == "0"))
}

/// Creates the folders `rel` under `out`, one component at a time, and
/// refuses one that is a symbolic link or not a folder: `slo` writes only
/// inside the output directory, never through a link it finds there.
fn make_dirs(out: &Path, rel: &Path) -> Result<(), String> {
    let mut dir = out.to_path_buf();
    for c in rel.components() {
        dir.push(c);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => continue,
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!(
                    "cannot write under `{}`: it is a symbolic link, and `slo` writes only inside the output directory; remove the link",
                    dir.display()
                ))
            }
            Ok(_) => {
                return Err(format!(
                    "cannot create `{}`: a file is in the way",
                    dir.display()
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(format!(
                    "cannot create `{}`: {}",
                    dir.display(),
                    io_reason(&e)
                ))
            }
        }
        match fs::create_dir(&dir) {
            // Another thread of this run made it meanwhile.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && is_real_dir(&dir) => {}
            Err(e) => {
                return Err(format!(
                    "cannot create `{}`: {}",
                    dir.display(),
                    io_reason(&e)
                ))
            }
            Ok(()) => {}
        }
    }
    Ok(())
}

fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Whether `rel` names a regular file inside `out` reached through real
/// folders only: no component of it is a symbolic link.
pub fn regular_inside(out: &Path, rel: &str) -> bool {
    let mut path = out.to_path_buf();
    let mut parts = Path::new(rel).components().peekable();
    while let Some(c) = parts.next() {
        if !matches!(c, Component::Normal(_)) {
            return false;
        }
        path.push(c);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            return false;
        };
        let fits = if parts.peek().is_some() {
            meta.is_dir()
        } else {
            meta.file_type().is_file()
        };
        if !fits {
            return false;
        }
    }
    true
}

/// Whether the file system entry at `path` exists (a dangling symbolic link
/// counts as existing).
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Waits until the renames and removals in the folder `dir` are on disk.
pub fn sync_dir(dir: &Path) -> Result<(), String> {
    if !durable() {
        return Ok(());
    }
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot write `{}`: {}", dir.display(), io_reason(&e)))
}

/// Staging files under `out` (relative paths, sorted): the leftovers of runs
/// that were stopped before they finished. Symbolic links to folders are not
/// followed.
pub fn staging_leftovers(out: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    each_file(out, true, &mut |path, name| {
        if name.to_string_lossy().ends_with(STAGING_SUFFIX) {
            if let Ok(rel) = path.strip_prefix(out) {
                found.push(rel.to_string_lossy().into_owned());
            }
        }
    })?;
    found.sort();
    Ok(found)
}

/// Whether `path` is a regular file holding exactly `contents`. The size is
/// compared first; then the file is read in pieces into one small buffer
/// and compared as it comes, so no copy of it is ever allocated.
pub fn unchanged(path: &Path, contents: &str) -> bool {
    // Not waiting on a pipe someone put at an output's name: it is not a
    // regular file, so it counts as changed and is replaced.
    let Ok(mut file) = open_nonblocking(path) else {
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
                Some((head, tail)) if Some(head) == buffer.get(..n) => rest = tail,
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

/// Renames staged files over their destinations, in path order, then waits
/// until the renames are on disk: a reader never sees half a file, and
/// after a crash each file is whole, old or new.
pub fn commit(mut staged: Vec<Staged>) -> Result<(), String> {
    staged.sort_by(|a, b| a.dest.cmp(&b.dest));
    let mut dirs = BTreeSet::new();
    let mut pending = staged.into_iter();
    while let Some(s) = pending.next() {
        if let Err(e) = fs::rename(&s.tmp, &s.dest) {
            let message = format!("cannot write `{}`: {}", s.dest.display(), io_reason(&e));
            // The rest would only wait for the next run to remove them.
            discard(std::iter::once(s).chain(pending).collect());
            return Err(message);
        }
        if let Some(dir) = s.dest.parent() {
            dirs.insert(dir.to_path_buf());
        }
    }
    for dir in dirs {
        sync_dir(&dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_at_a_new_file_s_name_is_not_opened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("victim"), "precious").expect("write");
        std::os::unix::fs::symlink(d.join("victim"), d.join("trap")).expect("link");
        std::os::unix::fs::symlink(d.join("gone"), d.join("dangling")).expect("link");
        assert!(create_new(&d.join("trap")).is_err());
        assert!(create_new(&d.join("dangling")).is_err());
        assert!(!exists(&d.join("gone")));
        assert_eq!(fs::read(d.join("victim")).expect("read"), b"precious");
    }

    #[test]
    fn nothing_is_reached_through_a_linked_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (out, elsewhere) = (dir.path().join("out"), dir.path().join("elsewhere"));
        fs::create_dir_all(out.join("real")).expect("mkdir");
        fs::create_dir(&elsewhere).expect("mkdir");
        fs::write(elsewhere.join("x"), "x").expect("write");
        fs::write(out.join("real/x"), "x").expect("write");
        std::os::unix::fs::symlink(&elsewhere, out.join("evil")).expect("link");
        assert!(regular_inside(&out, "real/x"));
        assert!(!regular_inside(&out, "evil/x"));
        assert!(!regular_inside(&out, "real"));
        assert!(make_dirs(&out, Path::new("real/new")).is_ok());
        assert!(make_dirs(&out, Path::new("evil/new")).is_err());
        assert!(!elsewhere.join("new").exists());
    }

    #[test]
    fn staging_names_differ_and_are_found_as_leftovers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("api.yml");
        let (a, _) = create_staging(&dest).expect("stage");
        let (b, _) = create_staging(&dest).expect("stage");
        assert_ne!(a, b);
        let found = staging_leftovers(dir.path()).expect("walk");
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
