//! Reading sources and writing outputs.

use slo::diag::Sources;
use slo::OutputFile;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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
    for path in found {
        let bytes = fs::read(&path)
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
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
    let result = (|| {
        for f in files {
            let dest = out.join(&f.path);
            if fs::read(&dest).is_ok_and(|old| old == f.contents.as_bytes()) {
                continue;
            }
            let parent = dest.parent().unwrap_or(out);
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {}", parent.display(), io_reason(&e)))?;
            let mut name = dest.file_name().unwrap_or_default().to_os_string();
            name.push(".slo-tmp");
            let tmp = dest.with_file_name(name);
            fs::write(&tmp, &f.contents)
                .map_err(|e| format!("cannot write `{}`: {}", tmp.display(), io_reason(&e)))?;
            staged.push(Staged { tmp, dest });
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(staged),
        Err(e) => {
            discard(staged);
            Err(e)
        }
    }
}

/// Removes staged files without renaming them.
pub fn discard(staged: Vec<Staged>) {
    for s in staged {
        let _ = fs::remove_file(&s.tmp);
    }
}

/// Renames staged files over their destinations: a reader never sees half
/// a file.
pub fn commit(staged: Vec<Staged>) -> Result<(), String> {
    for s in &staged {
        fs::rename(&s.tmp, &s.dest)
            .map_err(|e| format!("cannot write `{}`: {}", s.dest.display(), io_reason(&e)))?;
    }
    Ok(())
}
