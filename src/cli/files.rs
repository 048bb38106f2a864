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

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Writes every file under `out`. Each file is first written next to its
/// destination and then renamed over it, so a reader never sees half a file;
/// all new contents are staged before the first rename, so an I/O error while
/// staging leaves every existing file as it was. Files whose contents are
/// unchanged are not touched.
pub fn write_all(out: &Path, files: &[OutputFile]) -> Result<(), String> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for f in files {
            let dest = out.join(&f.path);
            if fs::read(&dest).is_ok_and(|old| old == f.contents.as_bytes()) {
                continue;
            }
            let parent = dest.parent().unwrap_or(out);
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {}", parent.display(), io_reason(&e)))?;
            let tmp = dest.with_extension("yml.slo-tmp");
            fs::write(&tmp, &f.contents)
                .map_err(|e| format!("cannot write `{}`: {}", tmp.display(), io_reason(&e)))?;
            staged.push((tmp, dest));
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, dest) in &staged {
        fs::rename(tmp, dest)
            .map_err(|e| format!("cannot write `{}`: {}", dest.display(), io_reason(&e)))?;
    }
    Ok(())
}
