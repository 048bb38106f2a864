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
