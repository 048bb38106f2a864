//! The unified diffs of `slo compile --check`, made one file at a time on
//! whichever thread generated the file, and printed in path order.
//!
//! When every file differs, the diffs are about as large as the output
//! itself (hundreds of megabytes at 10,000 SLOs), so they are not kept in
//! memory: each is appended to an unnamed temporary file as soon as it is
//! made, and memory holds only where each one is. The file is unlinked as
//! soon as it is created, so nothing is left behind, whatever ends the run.

use super::files::io_reason;
use similar::TextDiff;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

/// Diffs collected so far.
pub struct Diffs {
    out: PathBuf,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Where the diff text goes; made on the first difference.
    store: Option<Store>,
    /// Each diff's path and place in the store, in the order they came.
    index: Vec<(String, u64, u64)>,
}

enum Store {
    /// An unlinked temporary file and its length.
    File(fs::File, u64),
    /// Memory, when no temporary file can be made (a read-only `TMPDIR`).
    Memory(Vec<u8>),
}

impl Store {
    fn new() -> Store {
        let dir = std::env::temp_dir();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = dir.join(format!(".slo-diff-{}-{nanos}", std::process::id()));
        let mut options = fs::OpenOptions::new();
        // New and exclusive: a link planted at the name is not followed.
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(file) => {
                // Unlinked at once: the open file stays readable, and no run,
                // killed or not, leaves it behind.
                let _ = fs::remove_file(&path);
                Store::File(file, 0)
            }
            Err(_) => Store::Memory(Vec::new()),
        }
    }

    /// Appends `text`, returning where it starts.
    fn append(&mut self, text: &[u8]) -> io::Result<u64> {
        match self {
            Store::File(file, len) => {
                let start = *len;
                file.write_all(text)?;
                *len += text.len() as u64;
                Ok(start)
            }
            Store::Memory(bytes) => {
                let start = bytes.len() as u64;
                bytes.extend_from_slice(text);
                Ok(start)
            }
        }
    }

    fn read(&mut self, start: u64, len: u64) -> io::Result<Vec<u8>> {
        match self {
            Store::File(file, _) => {
                let mut text = vec![0; len as usize];
                file.seek(SeekFrom::Start(start))?;
                file.read_exact(&mut text)?;
                Ok(text)
            }
            Store::Memory(bytes) => Ok(bytes
                .get(start as usize..(start + len) as usize)
                .unwrap_or_default()
                .to_vec()),
        }
    }
}

impl Diffs {
    /// No diffs yet, for files under `out`.
    pub fn new(out: &Path) -> Diffs {
        Diffs {
            out: out.to_path_buf(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Records that the file at `path` (relative to the output directory)
    /// holds `old` (`None`: missing) where `new` would be generated (`None`:
    /// it would be deleted). The diff is made here, on the caller's thread,
    /// and only its text is kept.
    pub fn add(&self, path: &str, old: Option<&str>, new: Option<&str>) -> Result<(), String> {
        let text = unified(&self.out, path, old, new);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let store = inner.store.get_or_insert_with(Store::new);
        let start = store.append(text.as_bytes()).map_err(|e| {
            format!(
                "cannot keep the diff of `{}` in a temporary file: {}",
                self.out.join(path).display(),
                io_reason(&e)
            )
        })?;
        inner
            .index
            .push((path.to_string(), start, text.len() as u64));
        Ok(())
    }

    /// The number of files that differ.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .index
            .len()
    }

    /// Writes every diff in path order, each through `paint`.
    pub fn print(self, to: &mut impl Write, paint: impl Fn(&str) -> String) -> Result<(), String> {
        let mut inner = self
            .inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        inner.index.sort_by(|a, b| a.0.cmp(&b.0));
        let Inner { store, index } = inner;
        let Some(mut store) = store else {
            return Ok(());
        };
        for (path, start, len) in index {
            let text = store.read(start, len).map_err(|e| {
                format!(
                    "cannot read back the diff of `{}` from a temporary file: {}",
                    self.out.join(&path).display(),
                    io_reason(&e)
                )
            })?;
            // A closed pipe (`| head`) ends the output, not the run's verdict.
            if to
                .write_all(paint(&String::from_utf8_lossy(&text)).as_bytes())
                .is_err()
            {
                break;
            }
        }
        Ok(())
    }
}

/// A unified diff of one file, with paths as the user would name them
/// (`out/prometheus/checkout.yml`) and `/dev/null` for a missing side.
pub fn unified(out: &Path, path: &str, old: Option<&str>, new: Option<&str>) -> String {
    let name = out.join(path).display().to_string();
    let old_name = if old.is_some() {
        name.as_str()
    } else {
        "/dev/null"
    };
    let new_name = if new.is_some() {
        name.as_str()
    } else {
        "/dev/null"
    };
    TextDiff::from_lines(old.unwrap_or(""), new.unwrap_or(""))
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_come_out_in_path_order_whatever_order_they_came_in() {
        let diffs = Diffs::new(Path::new("out"));
        diffs.add("b.yml", Some("1\n"), Some("2\n")).expect("add");
        diffs.add("a.yml", None, Some("new\n")).expect("add");
        diffs.add("c.yml", Some("gone\n"), None).expect("add");
        assert_eq!(diffs.len(), 3);
        let mut printed = Vec::new();
        diffs.print(&mut printed, str::to_string).expect("print");
        let printed = String::from_utf8(printed).expect("utf-8");
        let expected = [
            unified(Path::new("out"), "a.yml", None, Some("new\n")),
            unified(Path::new("out"), "b.yml", Some("1\n"), Some("2\n")),
            unified(Path::new("out"), "c.yml", Some("gone\n"), None),
        ]
        .concat();
        assert_eq!(printed, expected);
        assert!(printed.starts_with("--- /dev/null\n+++ out/a.yml\n"));
    }
}
