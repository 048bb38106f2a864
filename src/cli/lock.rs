//! Locks that keep two runs of `slo` apart: one per output directory for
//! `slo compile`, one per file for `slo fmt`.
//!
//! A run that finds the lock taken waits for it, up to a bound, saying once
//! who holds it; past the bound it gives up with exit status 2. Locks are
//! `flock(2)` locks, released by the kernel when the holder exits however it
//! exits, so a killed run never leaves a lock behind.

use super::files::io_reason;
use std::fs::{self, File, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// The lock file's name in the output directory.
pub const LOCK: &str = ".slo-lock";

/// How long a run waits for a lock by default, in seconds. A compile of
/// 10,000 SLOs takes a few seconds (docs/performance.md), so a run that
/// waits this long is waiting for something stuck, not for a compile.
const DEFAULT_WAIT_SECS: u64 = 60;

/// The environment variable that sets the wait, in seconds (`0`: fail at
/// once when the lock is taken).
pub const WAIT_VAR: &str = "SLO_LOCK_WAIT";

/// A held lock, released when dropped.
pub struct Held {
    file: File,
    /// Whether the holder's name was written into the file, to be cleared
    /// when the lock is released.
    named: bool,
}

impl Drop for Held {
    fn drop(&mut self) {
        // Cleared so that the file stays the same from one run to the next;
        // the kernel releases the lock itself when the file is closed.
        if self.named {
            let _ = self.file.set_len(0);
        }
    }
}

/// Takes the output directory's lock for writing, creating the lock file
/// when needed, and writes this run's process id and command line into it so
/// that a run waiting for it can say who holds it.
pub fn exclusive(out: &Path) -> Result<Held, String> {
    let path = out.join(LOCK);
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| format!("cannot create `{}`: {}", path.display(), io_reason(&e)))?;
    wait(&file, true, &path, "another `slo compile` writes to it")?;
    let holder = format!("pid {}: {}\n", std::process::id(), command_line());
    let named = file.set_len(0).is_ok()
        && file.rewind().is_ok()
        && file.write_all(holder.as_bytes()).is_ok();
    Ok(Held { file, named })
}

/// Takes the output directory's lock for reading, so that `compile --check`
/// never sees a compile half done. `None` when there is no lock file: no
/// compile ever wrote there, and `--check` creates nothing.
pub fn shared(out: &Path) -> Result<Option<Held>, String> {
    let path = out.join(LOCK);
    // Not waiting for a writer should someone have put a pipe there.
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read `{}`: {}",
                path.display(),
                io_reason(&e)
            ))
        }
    };
    wait(&file, false, &path, "a `slo compile` writes to it")?;
    Ok(Some(Held { file, named: false }))
}

/// Locks a file that `slo fmt` is about to replace: `file` is the file
/// itself, opened for reading.
pub fn format(file: File, path: &Path) -> Result<Held, String> {
    wait(&file, true, path, "another `slo fmt` formats it")?;
    Ok(Held { file, named: false })
}

/// Waits for a lock up to the bound of [`WAIT_VAR`].
fn wait(file: &File, exclusive: bool, path: &Path, why: &str) -> Result<(), String> {
    let bound = wait_bound();
    let start = Instant::now();
    let mut said = false;
    loop {
        let tried = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match tried {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return Err(format!(
                    "cannot lock `{}`: {}",
                    path.display(),
                    io_reason(&e)
                ))
            }
        }
        let waited = start.elapsed();
        if waited >= bound {
            return Err(format!(
                "`{}` is locked: {why}{}; gave up after waiting {} s (set `{WAIT_VAR}` to wait longer)",
                path.display(),
                holder(file),
                waited.as_secs()
            ));
        }
        if !said && !bound.is_zero() {
            said = true;
            say!(
                "note: waiting for `{}`: {why}{}",
                path.display(),
                holder(file)
            );
        }
        std::thread::sleep(Duration::from_millis(20).min(bound - waited));
    }
}

/// `(pid 1234: slo compile specs -o out)`, from what the holder wrote into
/// the lock file; empty when it wrote nothing.
fn holder(file: &File) -> String {
    let mut text = String::new();
    let mut reader = file;
    let read = reader.rewind().is_ok() && reader.read_to_string(&mut text).is_ok();
    let line = text.lines().next().unwrap_or("").trim();
    if read && !line.is_empty() {
        format!(" (held by {line})")
    } else {
        String::new()
    }
}

fn wait_bound() -> Duration {
    let secs = std::env::var(WAIT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_WAIT_SECS);
    Duration::from_secs(secs)
}

/// This run's command line, for the lock file, with control characters
/// left out: the line is shown to whoever waits for the lock.
fn command_line() -> String {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    args.join(" ").chars().filter(|c| !c.is_control()).collect()
}
