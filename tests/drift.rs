//! `slo compile --check`: every difference between the output directory and
//! what the specs generate, as unified diffs in path order, the same bytes on
//! every run; and an output path that cannot be a directory, named as what it
//! is before anything is read or written.

mod support;

use similar::TextDiff;
use support::{slo, stderr, stdout};

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

fn service(name: &str, target: &str) -> String {
    format!(
        "service {name} {{\n  sli requests = ratio {{\n    bad   = `errors_total{{job=\"{name}\"}}`\n    total = `requests_total{{job=\"{name}\"}}`\n  }}\n  slo availability {{\n    sli      = requests\n    target   = {target}\n    alerting = none\n  }}\n}}\n"
    )
}

/// `specs/` holding one file per service, all with one target.
fn specs(dir: &Path, names: &[&str], target: &str) {
    let specs = dir.join("specs");
    let _ = fs::remove_dir_all(&specs);
    fs::create_dir(&specs).expect("mkdir");
    for name in names {
        fs::write(specs.join(format!("{name}.slo")), service(name, target)).expect("write");
    }
}

/// Every file under `dir` with its text, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("under base");
                let text = fs::read_to_string(&p).expect("read");
                out.insert(rel.to_string_lossy().into_owned(), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The slow, obvious version: the diff of every path of either tree whose
/// contents differ, in path order, with `/dev/null` for a missing side; and
/// how many paths differ.
fn expected_diff(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (String, usize) {
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut diff = String::new();
    let mut changed = 0;
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        if a == b {
            continue;
        }
        let name = format!("out/{path}");
        let a_name = if a.is_some() {
            name.as_str()
        } else {
            "/dev/null"
        };
        let b_name = if b.is_some() {
            name.as_str()
        } else {
            "/dev/null"
        };
        let text = TextDiff::from_lines(a.map_or("", |s| s), b.map_or("", |s| s))
            .unified_diff()
            .context_radius(3)
            .header(a_name, b_name)
            .to_string();
        diff.push_str(&text);
        changed += 1;
    }
    (diff, changed)
}

#[test]
fn every_difference_is_a_diff_in_path_order_the_same_on_every_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let before = ["a", "b", "c", "d", "e", "f", "g", "h"];
    specs(d, &before, "99.9%");
    let o = slo(&["compile", "specs", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = slo(&["compile", "specs", "-o", "out", "--check"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");

    // Every target changes, `h` is removed (its files are stale), `i` is
    // new (its files are missing), and a generated file was deleted.
    let after = ["a", "b", "c", "d", "e", "f", "g", "i"];
    specs(d, &after, "99.5%");
    fs::remove_file(d.join("out/prometheus/a.yml")).expect("rm");
    let o = slo(&["compile", "specs", "-o", "fresh"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let old = tree(&d.join("out"));
    let (expected, changed) = expected_diff(&old, &tree(&d.join("fresh")));
    assert!(changed > 8, "{expected}");

    let first = slo(&["compile", "specs", "-o", "out", "--check"], d);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert!(stdout(&first) == expected, "{}", stdout(&first));
    assert!(
        stderr(&first).contains(&format!("error: {changed} files in `out` differ")),
        "{}",
        stderr(&first)
    );
    for _ in 0..3 {
        let again = slo(&["compile", "specs", "-o", "out", "--check"], d);
        assert_eq!(again.stdout, first.stdout);
    }
    // `--check` wrote nothing.
    assert_eq!(tree(&d.join("out")), old);
}

#[test]
fn an_output_path_that_is_a_file_is_named_as_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    specs(dir.path(), &["a"], "99.9%");
    fs::write(dir.path().join("out"), "notes\n").expect("write");
    for check in [false, true] {
        let args = [
            &["compile", "specs", "-o", "out"][..],
            &["--check"][..check as usize],
        ]
        .concat();
        let o = slo(&args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "error: `out` is a file, not a directory; name an output directory with `-o DIR`, or move `out` away\n"
        );
    }
    assert_eq!(
        fs::read_to_string(dir.path().join("out")).expect("read"),
        "notes\n"
    );
}

#[cfg(unix)]
#[test]
fn an_output_path_that_is_a_dangling_link_is_named_as_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    specs(dir.path(), &["a"], "99.9%");
    std::os::unix::fs::symlink("gone/away", dir.path().join("out")).expect("link");
    let o = slo(&["compile", "specs", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: `out` is a symbolic link to `gone/away`, which does not exist; create that directory, or remove the link\n"
    );
    assert!(!dir.path().join("gone").exists());
    // A link to a directory is a directory.
    fs::create_dir_all(dir.path().join("gone/away")).expect("mkdir");
    let o = slo(&["compile", "specs", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("gone/away/prometheus/a.yml").is_file());
}

#[cfg(unix)]
#[test]
fn a_pipe_where_a_generated_file_goes_is_named_not_waited_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    specs(dir.path(), &["a"], "99.9%");
    let o = slo(&["compile", "specs", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rules = dir.path().join("out/prometheus/a.yml");
    fs::remove_file(&rules).expect("rm");
    let made = std::process::Command::new("mkfifo").arg(&rules).status();
    assert!(made.expect("mkfifo").success());
    let o = support::slo_within(
        &["compile", "specs", "-o", "out", "--check"],
        dir.path(),
        10,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "error: cannot read `out/prometheus/a.yml`: it is a named pipe (FIFO), not a regular file"
        ),
        "{}",
        stderr(&o)
    );
    // The file is ours (the manifest lists it): compiling replaces the pipe
    // with the rules, without waiting for a writer.
    let o = support::slo_within(&["compile", "specs", "-o", "out"], dir.path(), 10);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::symlink_metadata(&rules).expect("rules").is_file());
    let o = slo(&["compile", "specs", "-o", "out", "--check"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Runs `slo args` in `dir` and returns its peak resident memory in KiB,
/// read from `/proc` while it runs (`VmHWM` only grows, so the last reading
/// is the peak up to a few milliseconds before the end).
#[cfg(target_os = "linux")]
fn peak_kib(args: &[&str], dir: &Path) -> u64 {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run slo");
    let status = format!("/proc/{}/status", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "slo {args:?} did not end"
        );
        let hwm = fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        });
        peak = peak.max(hwm.unwrap_or(0));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    peak
}

#[cfg(target_os = "linux")]
#[test]
fn check_memory_stays_that_of_compile_when_every_file_differs() {
    // 1,000 SLOs: 100 services of 10. `--check` used to hold the whole
    // output, what was on disk and every diff (77 MiB in a debug build,
    // against 17 for `compile`); now it holds about what `compile` holds
    // (29 MiB: a file being compared on each thread, with its diff).
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let spec = |target: &str| {
        fs::create_dir_all(d.join("specs")).expect("mkdir");
        for s in 0..100 {
            let mut text = format!("service svc{s} {{\n");
            for i in 0..10 {
                text.push_str(&format!(
                    "  sli r{i} = ratio {{\n    bad   = `errors_total{{job=\"svc{s}\", h=\"{i}\"}}`\n    total = `requests_total{{job=\"svc{s}\", h=\"{i}\"}}`\n  }}\n  slo s{i} {{\n    sli      = r{i}\n    target   = {target}\n    alerting = none\n  }}\n"
                ));
            }
            text.push_str("}\n");
            fs::write(d.join(format!("specs/svc{s}.slo")), text).expect("write");
        }
    };
    spec("99.9%");
    let compile = peak_kib(&["compile", "specs", "-o", "out"], d);
    spec("99.5%");
    let check = peak_kib(&["compile", "specs", "-o", "out", "--check"], d);
    let o = slo(&["compile", "specs", "-o", "out", "--check"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // A 3 MB diff.
    assert!(stdout(&o).len() > 1 << 20, "every file differs");
    // A fast `compile` may be read before its peak, so the bound is never
    // taken below 40 MiB.
    let bound = (2 * compile + 8 * 1024).max(40 * 1024);
    assert!(
        check <= bound,
        "compile --check peaked at {check} KiB, compile at {compile} KiB"
    );
}
