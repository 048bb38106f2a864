//! The output directory is the user's too: `slo compile` replaces its own
//! files atomically, deletes only files it wrote (listed in
//! `.slo-manifest`), and a compile that fails half-way leaves the previous
//! output as it was, with no temporary files behind.

mod support;

use support::slo;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn service(name: &str, target: &str) -> String {
    format!(
        "service {name} {{\n  sli requests = ratio {{\n    bad   = `errors_total{{job=\"{name}\"}}`\n    total = `requests_total{{job=\"{name}\"}}`\n  }}\n  slo availability {{\n    sli    = requests\n    target = {target}\n  }}\n}}\n"
    )
}

/// Every file under `dir` with its contents, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .expect("under base")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn compile_ok(dir: &Path) {
    let o = slo(&["compile", "specs", "-o", "out"], dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_manifest_lists_what_was_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    fs::write(d.join("specs/api.slo"), service("api", "99.9%")).expect("write");
    fs::write(d.join("specs/web.slo"), service("web", "99.5%")).expect("write");
    compile_ok(d);
    let mut written: Vec<String> = tree(&d.join("out")).into_keys().collect();
    written.retain(|p| p != ".slo-manifest" && p != ".slo-lock");
    assert!(written.contains(&"prometheus/web.yml".to_string()));
    assert_eq!(listed(d), written);
}

/// The paths the manifest lists (its `#` lines are comments).
fn listed(d: &Path) -> Vec<String> {
    fs::read_to_string(d.join("out/.slo-manifest"))
        .expect("manifest")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_removed_service_loses_its_file_and_nothing_else_is_touched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    fs::write(d.join("specs/api.slo"), service("api", "99.9%")).expect("write");
    fs::write(d.join("specs/web.slo"), service("web", "99.5%")).expect("write");
    compile_ok(d);

    // Files of the user's in the output directory, one beside the rules.
    fs::write(d.join("out/README.md"), "mine").expect("write");
    fs::write(d.join("out/prometheus/handwritten.yml"), "groups: []\n").expect("write");

    fs::remove_file(d.join("specs/web.slo")).expect("rm");
    compile_ok(d);
    let files: Vec<String> = tree(&d.join("out"))
        .into_keys()
        .filter(|p| !p.starts_with("grafana/"))
        .collect();
    assert_eq!(
        files,
        [
            ".slo-lock",
            ".slo-manifest",
            "README.md",
            "prometheus/api.yml",
            "prometheus/handwritten.yml"
        ]
    );
    assert!(!tree(&d.join("out")).contains_key("grafana/web.json"));
    assert!(listed(d).iter().all(|p| !p.contains("web")));
}

#[test]
fn a_generated_file_replaced_by_the_user_with_a_directory_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    fs::write(d.join("specs/api.slo"), service("api", "99.9%")).expect("write");
    fs::write(d.join("specs/web.slo"), service("web", "99.5%")).expect("write");
    compile_ok(d);
    fs::remove_file(d.join("out/prometheus/web.yml")).expect("rm");
    fs::create_dir(d.join("out/prometheus/web.yml")).expect("mkdir");
    fs::write(d.join("out/prometheus/web.yml/keep"), "mine").expect("write");

    fs::remove_file(d.join("specs/web.slo")).expect("rm");
    compile_ok(d);
    assert_eq!(
        fs::read(d.join("out/prometheus/web.yml/keep")).expect("kept"),
        b"mine"
    );
}

#[test]
fn a_manifest_cannot_make_the_compiler_delete_outside_its_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    fs::write(d.join("specs/api.slo"), service("api", "99.9%")).expect("write");
    fs::write(d.join("precious.txt"), "mine").expect("write");
    compile_ok(d);
    let absolute = d.join("precious.txt");
    fs::write(
        d.join("out/.slo-manifest"),
        format!(
            "../precious.txt\n{}\nprometheus/../../precious.txt\n",
            absolute.display()
        ),
    )
    .expect("write");
    compile_ok(d);
    assert_eq!(
        fs::read(d.join("precious.txt")).expect("still there"),
        b"mine"
    );
}

#[test]
fn a_compile_failing_half_way_leaves_the_previous_output_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    fs::write(d.join("specs/api.slo"), service("api", "99.9%")).expect("write");
    fs::write(d.join("specs/web.slo"), service("web", "99.5%")).expect("write");
    compile_ok(d);
    let before = tree(&d.join("out"));

    // Every file changes, and a third one cannot be written: `zz.yml` sorts
    // last, so `api.yml` and `web.yml` are already staged when it fails.
    fs::write(d.join("specs/api.slo"), service("api", "99.95%")).expect("write");
    fs::write(d.join("specs/web.slo"), service("web", "99.95%")).expect("write");
    fs::write(d.join("specs/zz.slo"), service("zz", "99%")).expect("write");
    fs::create_dir(d.join("out/prometheus/zz.yml")).expect("mkdir");

    let o = slo(&["compile", "specs", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("zz.yml") && err.contains("a directory is in the way"),
        "{err}"
    );

    fs::remove_dir(d.join("out/prometheus/zz.yml")).expect("rmdir");
    assert_eq!(
        tree(&d.join("out")),
        before,
        "the previous output changed, or temporary files were left"
    );
}

#[test]
fn unchanged_files_are_not_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    fs::write(d.join("specs/api.slo"), service("api", "99.9%")).expect("write");
    compile_ok(d);
    let rules = d.join("out/prometheus/api.yml");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    fs::File::options()
        .write(true)
        .open(&rules)
        .and_then(|f| f.set_modified(old))
        .expect("set mtime");
    compile_ok(d);
    assert_eq!(
        fs::metadata(&rules)
            .and_then(|m| m.modified())
            .expect("mtime"),
        old
    );
}

#[test]
fn an_edited_file_of_the_same_size_is_written_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("specs")).expect("mkdir");
    // Seven SLOs fill a dashboard page beyond one piece of the comparison.
    let mut spec = String::from("service api {\n  sli requests = ratio {\n    bad   = `errors_total`\n    total = `requests_total`\n  }\n");
    for n in 0..7 {
        spec.push_str(&format!(
            "  slo s{n} {{\n    sli    = requests\n    target = 99.{n}%\n  }}\n"
        ));
    }
    spec.push_str("}\n");
    fs::write(d.join("specs/api.slo"), spec).expect("write");
    compile_ok(d);
    let before = tree(&d.join("out"));
    // One byte changed near the end of each file: past the first pieces
    // the comparison reads, for the dashboard, which is larger than one.
    for rel in ["prometheus/api.yml", "grafana/api.json"] {
        let path = d.join("out").join(rel);
        let mut bytes = fs::read(&path).expect("read");
        let at = bytes.len() - 3;
        bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
        fs::write(&path, &bytes).expect("write");
    }
    assert!(
        before["grafana/api.json"].len() > 64 * 1024,
        "the dashboard is larger than one piece"
    );
    compile_ok(d);
    assert_eq!(tree(&d.join("out")), before);
}
