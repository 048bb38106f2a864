//! `slo import`: reads YAML specs of another tool and writes `.slo` files.

use super::files::{self, io_reason};
use super::{fail, report_as};
use slo::diag::Severity;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(format: slo::import::Format, paths: &[PathBuf], out: &Path) -> ExitCode {
    let sources = match files::load_kind(paths, files::Kind::YAML) {
        Ok(sources) => sources,
        Err(e) => return fail(e),
    };
    let imported = slo::import::import(format, &sources);
    let failed = imported.diags.iter().any(|d| d.severity == Severity::Error);
    report_as(&imported.diags, &sources, failed, "import");
    let Some(files) = imported.files else {
        return ExitCode::from(1);
    };
    match write(out, &files) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
            say!("created {}", names.join(", "));
            say!(
                "next: `slo check {0}` and `slo compile {0} -o out/`",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Writes the files under `dir`, refusing, before writing anything, when
/// one of them exists. Should a write fail, the files written before it
/// are removed: an import is all or nothing.
fn write(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>, String> {
    let paths: Vec<PathBuf> = files.iter().map(|(name, _)| dir.join(name)).collect();
    if let Some(existing) = paths.iter().find(|p| fs::symlink_metadata(p).is_ok()) {
        return Err(format!(
            "`{}` already exists; `slo import` does not overwrite files: import into an empty directory and merge by hand",
            existing.display()
        ));
    }
    fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create `{}`: {}", dir.display(), io_reason(&e)))?;
    let mut written: Vec<PathBuf> = Vec::new();
    for (path, (_, text)) in paths.iter().zip(files) {
        // `create_new`, so that a file appearing since the check is not overwritten.
        let result = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
        if let Err(e) = result {
            let created = e.kind() != std::io::ErrorKind::AlreadyExists;
            for done in written.iter().chain(created.then_some(path)) {
                let _ = fs::remove_file(done);
            }
            return Err(format!(
                "cannot write `{}`: {}",
                path.display(),
                io_reason(&e)
            ));
        }
        written.push(path.clone());
    }
    Ok(written)
}
