//! A file reached by several paths is read once: naming a directory twice,
//! a directory and a file in it, or a symbolic link and its target gives
//! exactly the output of naming it once.

mod support;

use support::{slo, stderr, stdout, SERVICE};

use std::fs;
use std::path::Path;

/// A directory `specs/` with a valid program that draws one warning (an
/// unused policy), so that `check` prints something naming the file.
fn program() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("specs")).expect("mkdir");
    fs::write(dir.path().join("specs/checkout.slo"), SERVICE).expect("write");
    fs::write(
        dir.path().join("specs/policies.slo"),
        "policy standard {\n  page 14.4x over 1h/5m\n}\n",
    )
    .expect("write");
    dir
}

/// Runs `args` and the same command with `once` for the paths, and asserts
/// both exit 0 with the same output, the one warning reported once.
fn same_as_once(dir: &Path, args: &[&str], once: &[&str]) {
    let twice = slo(&[&["check"], args].concat(), dir);
    let single = slo(&[&["check"], once].concat(), dir);
    assert_eq!(twice.status.code(), Some(0), "{}", stderr(&twice));
    assert_eq!(
        stderr(&twice).matches("warning[SLO105]").count(),
        1,
        "{}",
        stderr(&twice)
    );
    assert!(!stderr(&twice).contains("SLO102"), "{}", stderr(&twice));
    assert_eq!(stderr(&twice), stderr(&single), "check {args:?}");
    assert_eq!(stdout(&twice), stdout(&single), "check {args:?}");

    let json =
        |paths: &[&str]| stdout(&slo(&[&["check", "--format", "json"], paths].concat(), dir));
    assert_eq!(json(args), json(once), "check --format json {args:?}");

    let out = |name: &str, paths: &[&str]| {
        let o = slo(&[&["compile", "-o", name], paths].concat(), dir);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        support::files(&dir.join(name), "")
    };
    assert_eq!(out("twice", args), out("once", once), "compile {args:?}");
}

#[test]
fn a_directory_named_twice_is_read_once() {
    let dir = program();
    same_as_once(dir.path(), &["specs", "specs"], &["specs"]);
    same_as_once(dir.path(), &["specs", "./specs"], &["specs"]);
    same_as_once(dir.path(), &["./specs", "specs"], &["./specs"]);
}

#[test]
fn a_file_inside_a_named_directory_is_read_once() {
    let dir = program();
    same_as_once(dir.path(), &["./specs", "specs/checkout.slo"], &["./specs"]);
    same_as_once(dir.path(), &["specs/policies.slo", "specs"], &["specs"]);
}

#[cfg(unix)]
#[test]
fn a_file_and_a_link_to_it_are_read_once() {
    let dir = program();
    std::os::unix::fs::symlink("specs/checkout.slo", dir.path().join("link.slo")).expect("link");
    same_as_once(dir.path(), &["specs", "link.slo"], &["specs"]);
    // The link inside the directory too: found by the walk, it is one file.
    std::os::unix::fs::symlink("checkout.slo", dir.path().join("specs/alias.slo")).expect("link");
    let o = slo(&["check", "specs"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("SLO102"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn a_directory_and_a_link_to_it_are_read_once() {
    let dir = program();
    std::os::unix::fs::symlink("specs", dir.path().join("linked")).expect("link");
    same_as_once(dir.path(), &["specs", "linked"], &["specs"]);
    same_as_once(dir.path(), &["linked", "specs/checkout.slo"], &["linked"]);
}

#[test]
fn fmt_formats_a_file_named_twice_once() {
    let dir = program();
    let messy = SERVICE.replace("bad   =", "bad =");
    fs::write(dir.path().join("specs/checkout.slo"), &messy).expect("write");

    let check = |paths: &[&str]| slo(&[&["fmt", "--check"], paths].concat(), dir.path());
    let (twice, once) = (check(&["specs", "./specs/checkout.slo"]), check(&["specs"]));
    assert_eq!(twice.status.code(), Some(1), "{}", stderr(&twice));
    assert_eq!(
        stdout(&twice).matches("+++ ").count(),
        1,
        "{}",
        stdout(&twice)
    );
    assert_eq!(stdout(&twice), stdout(&once));

    let o = slo(&["fmt", "specs", "./specs"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let single = program();
    fs::write(single.path().join("specs/checkout.slo"), &messy).expect("write");
    assert!(slo(&["fmt", "specs"], single.path()).status.success());
    let read = |d: &Path| fs::read_to_string(d.join("specs/checkout.slo")).expect("read");
    assert_eq!(read(dir.path()), read(single.path()));
    assert_eq!(check(&["specs"]).status.code(), Some(0));
}

// Only regular files are read. A named pipe, a socket or a device found in
// a directory is skipped with a warning; one named on the command line is
// refused (exit status 2). Nothing waits on a pipe or reads a device: each
// run is given a few seconds, and a hang fails the test.

#[cfg(unix)]
mod not_regular {
    use super::program;
    use crate::support::{slo_within, stderr};
    use std::path::Path;
    use std::process::Command;

    fn mkfifo(path: &Path) {
        let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
        assert!(made.success(), "mkfifo {}", path.display());
    }

    /// `check` and `compile` of `specs/` succeed, warn once that `name` was
    /// skipped as `kind`, and compile only the regular files.
    fn skipped(dir: &Path, name: &str, kind: &str) {
        let warning = format!("warning: skipped `specs/{name}`: it is {kind}, not a regular file");
        let o = slo_within(&["check", "specs"], dir, 10);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stderr(&o).matches(&warning).count(), 1, "{}", stderr(&o));
        let o = slo_within(&["compile", "specs", "-o", "out"], dir, 10);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains(&warning), "{}", stderr(&o));
        assert!(dir.join("out/prometheus/api.yml").is_file());
    }

    /// `check` of `name` alone exits 2, saying it is `kind`.
    fn refused(dir: &Path, name: &str, kind: &str) {
        let o = slo_within(&["check", name], dir, 10);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let message = format!("error: cannot read `{name}`: it is {kind}, not a regular file");
        assert!(stderr(&o).contains(&message), "{}", stderr(&o));
    }

    #[test]
    fn a_named_pipe_among_the_specs_is_skipped_not_waited_on() {
        let dir = program();
        mkfifo(&dir.path().join("specs/pipe.slo"));
        skipped(dir.path(), "pipe.slo", "a named pipe (FIFO)");
    }

    #[test]
    fn a_named_pipe_on_the_command_line_is_refused_not_waited_on() {
        let dir = program();
        mkfifo(&dir.path().join("pipe.slo"));
        refused(dir.path(), "pipe.slo", "a named pipe (FIFO)");
    }

    #[test]
    fn a_link_to_a_device_is_never_read() {
        // `/dev/zero` never ends: reading it would run to the size limit at
        // best, forever at worst.
        let dir = program();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("specs/zero.slo")).expect("link");
        skipped(dir.path(), "zero.slo", "a device");
        refused(dir.path(), "specs/zero.slo", "a device");
        refused(dir.path(), "/dev/zero", "a device");
    }

    #[test]
    fn a_socket_among_the_specs_is_skipped() {
        let dir = program();
        let path = dir.path().join("specs/listening.slo");
        let _socket = std::os::unix::net::UnixListener::bind(&path).expect("bind");
        skipped(dir.path(), "listening.slo", "a socket");
        refused(dir.path(), "specs/listening.slo", "a socket");
    }
}
