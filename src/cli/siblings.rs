//! The `.slo` files beside a file given on the command line that were not
//! given themselves: when one file of a program is checked alone, its
//! `defaults` and policies are often in one of them, and a help can say so.

use slo::check::Surroundings;
use slo::diag::Sources;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// For each source given as a file (not found under a given directory, whose
/// files are all read), the `.slo` files in its directory that are not
/// sources. Unreadable directories and files are left out: this only
/// improves a help.
pub fn surroundings(paths: &[PathBuf], sources: &Sources) -> Surroundings {
    let given: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| fs::canonicalize(p).ok())
        .collect();
    let mut unread = Vec::new();
    if given.is_empty() {
        // Only directories given (the usual case): nothing to look beside,
        // and no source's path to resolve, which costs a system call for
        // each part of it.
        return Surroundings { unread };
    }
    let read: BTreeSet<PathBuf> = sources
        .iter()
        .filter_map(|(_, s)| fs::canonicalize(&s.name).ok())
        .collect();
    for (id, source) in sources.iter() {
        let path = Path::new(&source.name);
        if !fs::canonicalize(path).is_ok_and(|real| given.contains(&real)) {
            continue;
        }
        let names = beside(path, &read);
        if !names.is_empty() {
            unread.push((id, names));
        }
    }
    Surroundings { unread }
}

/// The `.slo` files in the directory of `path` that are not in `read`, named
/// the way `path` is (relative stays relative), in name order.
fn beside(path: &Path, read: &BTreeSet<PathBuf>) -> Vec<String> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let listing = if dir.as_os_str().is_empty() {
        fs::read_dir(".")
    } else {
        fs::read_dir(dir)
    };
    let Ok(entries) = listing else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| dir.join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|e| e == "slo") && p.is_file())
        .filter(|p| fs::canonicalize(p).is_ok_and(|real| !read.contains(&real)))
        .map(|p| p.display().to_string())
        .collect();
    names.sort();
    names
}
