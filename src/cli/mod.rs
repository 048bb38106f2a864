//! Argument parsing and the commands.

mod files;

use clap::{Parser, Subcommand, ValueEnum};
use slo::diag::{render, Severity, Sources};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Compile service level objectives into Prometheus rules.
///
/// `slo` reads `.slo` files (a directory means every `.slo` file under it),
/// checks them like a type checker and writes recording rules, error-budget
/// series and multi-window multi-burn-rate alerts.
///
/// Exit status: 0 success, 1 the specs have errors (or warnings with
/// `--deny warnings`), 2 usage or I/O error.
#[derive(Parser)]
#[command(
    name = "slo",
    version,
    about,
    long_about,
    arg_required_else_help = true
)]
#[command(
    after_help = "Examples:\n  slo check specs/\n  slo compile specs/ -o out/\n\nSet NO_COLOR to turn colours off."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check specs and write the generated files under the output directory.
    ///
    /// Writes `prometheus/<service>.yml` for every service. Nothing is
    /// written when there is any error; each file is replaced atomically and
    /// left untouched when its contents do not change.
    Compile {
        /// `.slo` files or directories to compile, forming one program.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Output directory.
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        lints: Lints,
    },
    /// Parse and check specs without writing anything.
    Check {
        /// `.slo` files or directories to check, forming one program.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        lints: Lints,
    },
}

#[derive(clap::Args)]
struct Lints {
    /// Treat warnings as errors (`--deny warnings`), e.g. in CI.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    deny: Vec<Deny>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Deny {
    /// Every warning.
    Warnings,
}

/// Runs the command line and returns the exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Compile { paths, out, lints } => compile(&paths, Some(&out), &lints),
        Command::Check { paths, lints } => compile(&paths, None, &lints),
    }
}

/// An error that is not about the specs: exit status 2.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("{}: {message}", paint("error", "1;31"));
    ExitCode::from(2)
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

fn paint(text: &str, ansi: &str) -> String {
    if color() {
        format!("\x1b[{ansi}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn compile(paths: &[PathBuf], out: Option<&PathBuf>, lints: &Lints) -> ExitCode {
    let sources = match files::load(paths) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let checked = slo::check(&sources);
    let deny_warnings = lints.deny.contains(&Deny::Warnings);
    let failed = checked.program.is_none()
        || (deny_warnings
            && checked
                .diags
                .iter()
                .any(|d| d.severity == Severity::Warning));
    report(&checked.diags, &sources, failed);
    if failed {
        return ExitCode::from(1);
    }
    if let (Some(out), Some(program)) = (out, &checked.program) {
        let files = slo::compile(program);
        if let Err(e) = files::write_all(out, &files) {
            return fail(e);
        }
    }
    ExitCode::SUCCESS
}

fn report(diags: &[slo::diag::Diag], sources: &Sources, failed: bool) {
    if diags.is_empty() {
        return;
    }
    let style = render::Style {
        color: color(),
        width: 100,
    };
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = write!(err, "{}", render::human(d, sources, style));
    }
    let summary = render::summary(diags);
    let _ = if failed {
        writeln!(
            err,
            "{}: could not compile: {summary}",
            paint("error", "1;31")
        )
    } else {
        writeln!(err, "{}: {summary}", paint("warning", "1;33"))
    };
}
