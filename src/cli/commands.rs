//! The commands: load, check, then do one thing with the program.

use super::{fail, failed, files, init, no_color_unset, output, paint, report, server, siblings};
use super::{BudgetFormat, Format, Lints, Live};
use slo::diag::escape::escape;
use slo::diag::Sources;
use slo::diag::{explain, github, json, suggest, Code};
use slo::emit::report as budget_report;
use slo::target::Deploy;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Reads and checks a program, and with `--prometheus` checks it against
/// the server too. `Err` is exit status 2: a source that cannot be read,
/// or a server that does not answer.
fn checked(
    paths: &[PathBuf],
    live: &Live,
) -> Result<(Sources, slo::Checked, Option<Vec<slo::live::Counted>>), ExitCode> {
    // The worker threads start while the sources are read.
    slo::start_workers();
    let sources = files::load(paths).map_err(fail)?;
    let mut checked = slo::check_among(&sources, &siblings::surroundings(paths, &sources));
    if let (Some(url), Some(program)) = (&live.prometheus, &checked.program) {
        let server = server::Http::new(url, live).map_err(fail)?;
        let options = slo::live::Options {
            concurrency: live.concurrency(),
        };
        let found = slo::live::check(&sources, program, &server, options).map_err(fail)?;
        checked.diags.extend(found.diags);
        slo::diag::sort(&mut checked.diags, &sources);
        return Ok((sources, checked, Some(found.series)));
    }
    Ok((sources, checked, None))
}

/// Loads and checks a program, printing its diagnostics for people.
/// `Err` carries the exit status when there is nothing more to do.
fn load(paths: &[PathBuf], lints: &Lints, live: &Live) -> Result<slo::check::Program, ExitCode> {
    let (sources, checked, _) = checked(paths, live)?;
    let failed = failed(&checked, lints);
    report(&checked.diags, &sources, failed);
    match checked.program {
        Some(program) if !failed => Ok(program),
        _ => Err(ExitCode::from(1)),
    }
}

/// `slo compile`: write the output directory, or with `--check` compare it.
pub fn compile(
    paths: &[PathBuf],
    out: &Path,
    check: bool,
    deploy: &Deploy,
    lints: &Lints,
    live: &Live,
) -> ExitCode {
    if let Err(e) = output_dir(out) {
        return fail(e);
    }
    let program = match load(paths, lints, live) {
        Ok(program) => program,
        Err(code) => return code,
    };
    if !check {
        let synced = output::sync(out, &program, deploy);
        // The process is about to exit, which frees the program at once;
        // dropping it piece by piece would only make the user wait.
        std::mem::forget(program);
        return match synced {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        };
    }
    let _lock = match output::read_lock(out) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let drifts = output::drift(out, &program, deploy);
    std::mem::forget(program);
    let drifts = match drifts {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let leftovers = match output::leftovers(out) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let n = drifts.len() + leftovers.len();
    if n == 0 {
        return ExitCode::SUCCESS;
    }
    let terminal = std::io::stdout().is_terminal();
    let color = terminal && no_color_unset();
    let show = |d: &str| paint_diff(d, terminal, color);
    if let Err(e) = drifts.print(&mut std::io::stdout().lock(), show) {
        return fail(e);
    }
    let mut stdout = std::io::stdout().lock();
    for rel in &leftovers {
        let _ = writeln!(
            stdout,
            "left over by a stopped `slo compile`: {}",
            escape(&out.join(rel).display().to_string())
        );
    }
    say!(
        "{}: {n} file{} in `{}` differ{} from what the specs generate",
        paint("error", "1;31"),
        if n == 1 { "" } else { "s" },
        escape(&out.display().to_string()),
        if n == 1 { "s" } else { "" },
    );
    say!("  help: run `slo compile` without `--check` to update them, and commit the result");
    ExitCode::from(1)
}

/// Whether `out` can be the output directory: a directory, a link to one,
/// or nothing yet (it is created). Anything else is named as what it is,
/// before the specs are read and long before anything is written.
fn output_dir(out: &Path) -> Result<(), String> {
    let shown = out.display();
    let link = std::fs::symlink_metadata(out)
        .ok()
        .filter(|m| m.is_symlink());
    match std::fs::metadata(out) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(meta) => Err(format!(
            "`{shown}` is {}, not a directory; name an output directory with `-o DIR`, or move `{shown}` away",
            if meta.is_file() { "a file" } else { files::kind(&meta) },
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && link.is_some() => {
            let target = std::fs::read_link(out).unwrap_or_default();
            Err(format!(
                "`{shown}` is a symbolic link to `{}`, which does not exist; create that directory, or remove the link",
                target.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "cannot use `{shown}` as the output directory: {}",
            files::io_reason(&e)
        )),
    }
}

/// A unified diff as shown: on a terminal, with control characters shown
/// escaped (a generated or edited file may hold them) and coloured the way
/// `git diff` does unless colours are off; elsewhere exact, for `patch` or
/// a file.
fn paint_diff(diff: &str, terminal: bool, color: bool) -> String {
    if !terminal {
        return diff.to_string();
    }
    let diff = escape(diff);
    if !color {
        return diff.into_owned();
    }
    diff.lines()
        .map(|l| {
            let ansi = if l.starts_with("+++") || l.starts_with("---") {
                "1"
            } else if l.starts_with('+') {
                "32"
            } else if l.starts_with('-') {
                "31"
            } else if l.starts_with("@@") {
                "36"
            } else {
                return format!("{l}\n");
            };
            format!("\x1b[{ansi}m{l}\x1b[0m\n")
        })
        .collect()
}

/// `slo check`: diagnostics in the chosen format, nothing written.
pub fn check(paths: &[PathBuf], format: Format, lints: &Lints, live: &Live) -> ExitCode {
    if format == Format::Human {
        return match load(paths, lints, live) {
            Ok(_) => ExitCode::SUCCESS,
            Err(code) => code,
        };
    }
    let (sources, checked, series) = match checked(paths, live) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let failed = failed(&checked, lints);
    let deny_warnings = lints.deny.contains(&super::Deny::Warnings);
    let text = match format {
        Format::Json => {
            let series = series.as_ref().map(|all| {
                all.iter()
                    .map(|c| json::SliSeries {
                        service: &c.service,
                        sli: &c.sli,
                        series: c.series,
                    })
                    .collect()
            });
            json::render_with(&checked.diags, &sources, series)
        }
        Format::Github => github::render(&checked.diags, &sources, deny_warnings),
        Format::Human => unreachable!("handled above"),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `slo budget`: the error-budget report on stdout.
pub fn budget(paths: &[PathBuf], format: BudgetFormat) -> ExitCode {
    let lints = Lints { deny: Vec::new() };
    let program = match load(paths, &lints, &Live::offline()) {
        Ok(program) => program,
        Err(code) => return code,
    };
    let report = slo::lower::report::budget(&program);
    let text = match format {
        BudgetFormat::Human => budget_report::human(&report),
        BudgetFormat::Markdown => budget_report::markdown(&report),
        BudgetFormat::Json => budget_report::json(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// `slo report`: the page of charts, written atomically. A profile file
/// that cannot be read is a usage error (exit 2), checked before the specs.
pub fn report_page(paths: &[PathBuf], out: &Path, profiles: &[PathBuf]) -> ExitCode {
    let mut own = Vec::new();
    for path in profiles {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                return fail(format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    files::io_reason(&e)
                ))
            }
        };
        match slo::lower::picture::parse_profiles(&text) {
            Ok(p) => own.extend(p),
            Err(e) => return fail(format!("`{}`: {e}", path.display())),
        }
    }
    let Some(name) = out.file_name().and_then(|n| n.to_str()) else {
        return fail(format!("`{}` is not a file name", out.display()));
    };
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return fail(format!(
            "no directory `{}` to write the page in",
            dir.display()
        ));
    }
    let lints = Lints { deny: Vec::new() };
    let program = match load(paths, &lints, &Live::offline()) {
        Ok(program) => program,
        Err(code) => return code,
    };
    // The page is written as it is made, one SLO at a time.
    use slo::lower::picture;
    let own = (!own.is_empty()).then_some(&own[..]);
    let budgets = slo::lower::report::budget(&program).slos;
    let written = files::stage_streamed(&dir.join(name), |sink| {
        slo::emit::report::write_html(
            sink,
            &budgets,
            &picture::profile_names(own),
            picture::pictures(&program, own),
        )
    })
    .and_then(|staged| files::commit(vec![staged]));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `slo explain`: a code's section of `docs/diagnostics.md`, or every code.
pub fn explain(code: Option<&str>) -> ExitCode {
    let Some(text) = code else {
        let mut out = String::from("Codes (`slo explain CODE` for one of them):\n");
        for c in Code::ALL {
            out.push_str(&format!("  {c}  {}\n", c.title()));
        }
        show!("{out}");
        return ExitCode::SUCCESS;
    };
    match explain::parse_code(text).and_then(|c| explain::explain(c).map(|t| (c, t))) {
        Some((_, section)) => {
            let section = section.strip_prefix("## ").unwrap_or(section);
            show!("{section}\n");
            ExitCode::SUCCESS
        }
        None => {
            let wanted = text.trim().to_ascii_uppercase();
            let names = Code::ALL.iter().map(|c| c.as_str());
            let help = match suggest::closest(&wanted, names) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "run `slo explain` to list every code".to_string(),
            };
            say!(
                "{}: no diagnostic has the code `{}`",
                paint("error", "1;31"),
                escape(text)
            );
            say!("  help: {help}");
            ExitCode::from(2)
        }
    }
}

/// `slo init`: a starter `specs/`.
pub fn init(dir: &Path) -> ExitCode {
    match init::init(dir) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
            let specs = paths.first().and_then(|p| p.parent()).unwrap_or(dir);
            say!("created {}", names.join(" and "));
            say!(
                "next: `slo check {0}` and `slo compile {0} -o out/`",
                specs.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_is_exact_off_a_terminal_and_escaped_on_one() {
        let diff = "--- a\n+++ b\n-x\u{1b}[2J\n+y\u{202e}\n";
        assert_eq!(paint_diff(diff, false, false), diff);
        assert_eq!(
            paint_diff(diff, true, false),
            "--- a\n+++ b\n-x\\u{1b}[2J\n+y\\u{202e}\n"
        );
        let painted = paint_diff(diff, true, true);
        assert!(
            painted.contains("\x1b[31m-x\\u{1b}[2J\x1b[0m\n"),
            "{painted:?}"
        );
    }
}
