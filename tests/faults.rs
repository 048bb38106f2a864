//! Fault injection on the output directory: concurrent runs, runs killed at
//! any moment, symbolic links set as traps, a read-only directory and a full
//! disk. Each test is bounded in time (a few seconds) and states the promise
//! of docs/limits.md ("Output directory") that it proves.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{stderr, stdout};

/// One service whose rules depend on `target`, without alerts (so it
/// checks without a warning).
fn service(name: &str, target: &str) -> String {
    format!(
        "service {name} {{\n  sli requests = ratio {{\n    bad   = `errors_total{{job=\"{name}\"}}`\n    total = `requests_total{{job=\"{name}\"}}`\n  }}\n\n  slo availability {{\n    sli      = requests\n    target   = {target}\n    alerting = none\n  }}\n}}\n"
    )
}

/// Writes a program of services `from..to`, one file each, into a new
/// folder `dir`.
fn program(dir: &Path, from: usize, to: usize, target: &str) {
    fs::create_dir_all(dir).expect("mkdir");
    for i in from..to {
        fs::write(
            dir.join(format!("s{i}.slo")),
            service(&format!("s{i}"), target),
        )
        .expect("write spec");
    }
}

/// Every entry under `dir` (links not followed) with its contents, by
/// relative path; a link shows as `-> target`, a folder as empty.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(base)
                .expect("under base")
                .to_string_lossy()
                .into_owned();
            let kind = e.file_type().expect("file type");
            if kind.is_symlink() {
                let to = fs::read_link(&p).expect("read link");
                out.insert(rel, format!("-> {}", to.display()).into_bytes());
            } else if kind.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(rel, fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn slo_in(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_slo"));
    c.args(args).current_dir(dir).env("NO_COLOR", "1");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    slo_in(dir, args).output().expect("run slo")
}

fn compile_ok(dir: &Path, specs: &str, out: &str) {
    let o = run(dir, &["compile", specs, "-o", out]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The output of a clean compile of `specs` into a new folder.
fn clean(dir: &Path, specs: &str) -> BTreeMap<String, Vec<u8>> {
    let out = format!("clean-{}", specs.replace('/', "-"));
    compile_ok(dir, specs, &out);
    tree(&dir.join(out))
}

/// `compile --check` finds nothing to report.
fn assert_checks(dir: &Path, specs: &str, out: &str) {
    let o = run(dir, &["compile", specs, "-o", out, "--check"]);
    assert!(
        o.status.success(),
        "compile --check reports drift:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// Two programs sharing some services (same paths, other contents), each
/// with services of its own (files the other deletes as stale).
fn two_programs(d: &Path, services: usize) {
    program(&d.join("a"), 0, services, "99.9%");
    program(&d.join("b"), services / 2, services + services / 2, "99.5%");
}

#[test]
fn concurrent_compiles_leave_one_whole_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    two_programs(d, 20);
    let outputs = [clean(d, "a"), clean(d, "b")];
    let start = Instant::now();
    for round in 0..20 {
        let children: Vec<_> = ["a", "b"]
            .iter()
            .map(|specs| {
                slo_in(d, &["compile", specs, "-o", "out"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().expect("wait");
            assert!(
                o.status.success(),
                "round {round}: a compile failed while another held the lock: {}",
                stderr(&o)
            );
        }
        let got = tree(&d.join("out"));
        assert!(
            outputs.contains(&got),
            "round {round}: the output is neither program's whole output: {:?}",
            got.keys()
                .filter(|k| k.contains("slo-"))
                .collect::<Vec<_>>()
        );
    }
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_run_waits_for_the_lock_and_names_its_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("a"), 0, 3, "99.9%");
    program(&d.join("b"), 0, 3, "99.5%");
    compile_ok(d, "a", "out");
    let before = tree(&d.join("out"));

    // This test holds the lock, as a running compile would.
    let lock = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(d.join("out/.slo-lock"))
        .expect("open lock");
    lock.lock().expect("lock");
    fs::write(
        d.join("out/.slo-lock"),
        "pid 4242: slo compile specs -o out\n",
    )
    .expect("name");

    let o = slo_in(d, &["compile", "b", "-o", "out"])
        .env("SLO_LOCK_WAIT", "0")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("is locked") && err.contains("pid 4242: slo compile specs -o out"),
        "{err}"
    );
    fs::write(d.join("out/.slo-lock"), "").expect("clear");
    assert!(tree(&d.join("out")) == before, "a run that gave up wrote");

    // Released while the next run waits: that run goes on.
    let waiting = slo_in(d, &["compile", "b", "-o", "out"])
        .env("SLO_LOCK_WAIT", "20")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(300));
    drop(lock);
    let o = waiting.wait_with_output().expect("wait");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("waiting for"), "{}", stderr(&o));
    assert!(
        tree(&d.join("out")) == clean(d, "b"),
        "not a clean compile's output"
    );
}

#[test]
fn after_a_kill_at_any_moment_the_next_compile_leaves_exactly_its_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    two_programs(d, 80);
    let outputs = [("a", clean(d, "a")), ("b", clean(d, "b"))];

    // How long a whole compile from one program to the other takes.
    compile_ok(d, "a", "out");
    let start = Instant::now();
    compile_ok(d, "b", "out");
    let whole = start.elapsed();

    // Seeded from the clock, and printed, so that a failure can be replayed.
    let seed = std::env::var("SLO_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |t| t.subsec_nanos() as u64 | 1)
        });
    eprintln!("SLO_FAULT_SEED={seed}");
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // What `out` holds: program `b`, compiled last.
    let mut current = 1;
    for round in 0..10 {
        // Killed on the way from one program to the other, at a moment
        // spread over the whole run; then either program is compiled.
        let to = 1 - current;
        let delay = whole.mul_f64((round as f64 + (next() % 1000) as f64 / 1000.0) / 10.0);
        let mut child = slo_in(d, &["compile", outputs[to].0, "-o", "out"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        current = (next() % 2) as usize;
        let (specs, expected) = &outputs[current];
        compile_ok(d, specs, "out");
        assert!(
            tree(&d.join("out")) == *expected,
            "round {round} (killed after {delay:?}, then compiled `{specs}`): the output is not that of a clean compile"
        );
        assert_checks(d, specs, "out");
    }
}

#[test]
fn compile_check_reports_what_a_stopped_run_left() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("a"), 0, 2, "99.9%");
    compile_ok(d, "a", "out");
    // What a run killed between its renames leaves: a staging file, and an
    // intent record listing a file it had put in place.
    fs::write(d.join("out/prometheus/s0.yml.999-3.slo-tmp"), "half").expect("write");
    fs::write(d.join("out/prometheus/s7.yml"), "groups: []\n").expect("write");
    fs::write(
        d.join("out/.slo-manifest.next"),
        "prometheus/s0.yml\nprometheus/s7.yml\n",
    )
    .expect("write");
    let o = run(d, &["compile", "a", "-o", "out", "--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    for left in [
        "s0.yml.999-3.slo-tmp",
        ".slo-manifest.next",
        "prometheus/s7.yml",
    ] {
        assert!(out.contains(left), "`{left}` not reported:\n{out}");
    }
    compile_ok(d, "a", "out");
    assert!(
        tree(&d.join("out")) == clean(d, "a"),
        "not a clean compile's output"
    );
    assert_checks(d, "a", "out");
}

#[test]
fn a_link_at_a_staging_name_is_never_written_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("a"), 0, 2, "99.9%");
    program(&d.join("b"), 0, 2, "99.5%");
    compile_ok(d, "a", "out");
    fs::write(d.join("victim.txt"), "precious").expect("write");
    fs::set_permissions(d.join("victim.txt"), fs::Permissions::from_mode(0o600)).expect("chmod");
    // The staging name of earlier versions, and one this run may pick.
    let pid_guess = format!("s0.yml.{}-0.slo-tmp", std::process::id() + 1);
    for name in ["s0.yml.slo-tmp", pid_guess.as_str()] {
        symlink(d.join("victim.txt"), d.join("out/prometheus").join(name)).expect("link");
    }
    compile_ok(d, "b", "out");
    assert_eq!(fs::read(d.join("victim.txt")).expect("read"), b"precious");
    let mode = fs::metadata(d.join("victim.txt"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        tree(&d.join("out")) == clean(d, "b"),
        "not a clean compile's output"
    );
}

#[test]
fn a_manifest_entry_under_a_linked_folder_deletes_nothing_outside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("a"), 0, 1, "99.9%");
    compile_ok(d, "a", "out");
    fs::create_dir(d.join("elsewhere")).expect("mkdir");
    fs::write(d.join("elsewhere/x"), "precious").expect("write");
    symlink(d.join("elsewhere"), d.join("out/evil")).expect("link");
    let manifest = d.join("out/.slo-manifest");
    let mut text = fs::read_to_string(&manifest).expect("read");
    text.push_str("evil/x\n");
    fs::write(&manifest, text).expect("write");
    compile_ok(d, "a", "out");
    assert_eq!(
        fs::read(d.join("elsewhere/x")).expect("still there"),
        b"precious"
    );
}

#[test]
fn a_linked_folder_in_the_output_directory_is_not_written_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("a"), 0, 1, "99.9%");
    fs::create_dir_all(d.join("out")).expect("mkdir");
    fs::create_dir(d.join("elsewhere")).expect("mkdir");
    symlink(d.join("elsewhere"), d.join("out/prometheus")).expect("link");
    let o = run(d, &["compile", "a", "-o", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a symbolic link"), "{}", stderr(&o));
    assert!(tree(&d.join("elsewhere")).is_empty());
}

#[test]
fn fmt_never_writes_through_a_link_and_keeps_the_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    let spec = d.join("specs/a.slo");
    fs::write(&spec, service("a", "99.9%").replace("  ", "    ")).expect("write");
    fs::set_permissions(&spec, fs::Permissions::from_mode(0o640)).expect("chmod");
    fs::write(d.join("victim.txt"), "precious").expect("write");
    fs::set_permissions(d.join("victim.txt"), fs::Permissions::from_mode(0o600)).expect("chmod");
    // The temporary name of earlier versions, and one this run may pick.
    let pid_guess = format!("a.slo.{}-0.slo-tmp", std::process::id() + 1);
    for name in ["a.slo.fmt-tmp", pid_guess.as_str()] {
        symlink(d.join("victim.txt"), d.join("specs").join(name)).expect("link");
    }
    let o = run(d, &["fmt", "specs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read(d.join("victim.txt")).expect("read"), b"precious");
    let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&d.join("victim.txt")), 0o600);
    assert_eq!(mode(&spec), 0o640);
    assert_eq!(
        fs::read_to_string(&spec).expect("read"),
        service("a", "99.9%")
    );
}

#[test]
fn concurrent_fmt_runs_leave_whole_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("specs"), 0, 20, "99.9%");
    let formatted = tree(&d.join("specs"));
    let messy: Vec<(PathBuf, String)> = formatted
        .iter()
        .map(|(p, t)| {
            let text = String::from_utf8_lossy(t).replace("  ", "      ");
            (d.join("specs").join(p), text)
        })
        .collect();
    for round in 0..10 {
        for (p, text) in &messy {
            fs::write(p, text).expect("write");
        }
        let children: Vec<_> = (0..2)
            .map(|_| {
                slo_in(d, &["fmt", "specs"])
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().expect("wait");
            assert!(o.status.success(), "round {round}: {}", stderr(&o));
        }
        assert!(
            tree(&d.join("specs")) == formatted,
            "round {round}: a file is not whole and formatted"
        );
    }
}

/// Whether the tests run as root.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Whether this test can do what needs root; outside CI, a test that cannot
/// says so loudly and checks nothing.
fn root_or_skip(what: &str) -> bool {
    let root = is_root();
    if !root {
        support::skip_unless_ci(
            &format!("{what} needs root"),
            "run the tests as root (CI does) to run it",
        );
    }
    root
}

#[test]
fn a_read_only_output_directory_is_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("a"), 0, 2, "99.9%");
    program(&d.join("b"), 1, 3, "99.5%");
    compile_ok(d, "a", "out");
    let before = tree(&d.join("out"));
    let dirs = ["out", "out/prometheus", "out/grafana"].map(|p| d.join(p));
    // Root ignores permission bits: the folders are made immutable instead.
    let as_root = is_root();
    let frozen = if as_root {
        Command::new("chattr")
            .arg("+i")
            .args(&dirs)
            .status()
            .is_ok_and(|s| s.success())
    } else {
        dirs.iter()
            .all(|p| fs::set_permissions(p, fs::Permissions::from_mode(0o555)).is_ok())
    };
    if !frozen {
        support::skip_unless_ci(
            "the output directory could not be made read-only (`chattr +i` failed)",
            "run on a file system that supports `chattr +i`",
        );
        return;
    }
    let o = run(d, &["compile", "b", "-o", "out"]);
    if as_root {
        let _ = Command::new("chattr").arg("-i").args(&dirs).status();
    } else {
        for p in &dirs {
            let _ = fs::set_permissions(p, fs::Permissions::from_mode(0o755));
        }
    }
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot"), "{}", stderr(&o));
    assert!(tree(&d.join("out")) == before, "the output changed");
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_disk_that_fills_up_mid_write_leaves_the_previous_output() {
    if !root_or_skip("mounting a small tmpfs") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    program(&d.join("small"), 0, 5, "99.9%");
    program(&d.join("large"), 0, 200, "99.5%");
    fs::create_dir(d.join("out")).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"])
        .arg(d.join("out"))
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        support::skip_unless_ci(
            "a tmpfs could not be mounted (no CAP_SYS_ADMIN?)",
            "run the tests where root may mount",
        );
        return;
    }
    let _tmpfs = Tmpfs(d.join("out"));
    compile_ok(d, "small", "out");
    let before = tree(&d.join("out"));
    let o = run(d, &["compile", "large", "-o", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("No space left"), "{}", stderr(&o));
    assert!(
        tree(&d.join("out")) == before,
        "the previous output changed, or staging files were left"
    );
    assert_checks(d, "small", "out");
}
