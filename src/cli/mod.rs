//! Argument parsing and the commands.

// This module handles what users type: slicing a string inside a character,
// or indexing past its end, would panic on it.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

/// `eprintln!` that never panics: a closed stderr (`2>&1 | head`) loses the
/// message, not the run's exit status.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// `print!` that never panics: a closed stdout (`| head`) ends the output,
/// not the run.
macro_rules! show {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod commands;
mod diffs;
mod files;
mod fmt;
mod import;
mod init;
mod lock;
mod lsp;
mod output;
mod server;
mod siblings;

use clap::{Parser, Subcommand, ValueEnum};
use slo::diag::escape::escape;
use slo::diag::{render, Severity, Sources};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Compile service level objectives into Prometheus rules, Alertmanager
/// routes and Grafana dashboards.
///
/// `slo` reads `.slo` files (a directory means every `.slo` file under it),
/// checks them like a type checker and writes recording rules, error-budget
/// series, multi-window multi-burn-rate alerts, Grafana dashboards and, when
/// receivers are declared, an Alertmanager configuration.
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
    after_help = "Examples:\n  slo init                          write a starter specs/\n  slo check specs/                  check, quietly on success\n  slo compile specs/ -o out/        write the Prometheus rules\n  slo compile specs/ -o out/ --check\n                                    fail when out/ is not up to date (CI)\n  slo budget specs/                 what each SLO's budget and alerts mean\n  slo report specs/ -o report.html  the same as charts, with simulated incidents\n  slo fmt specs/                    rewrite specs in the canonical layout\n  slo explain SLO301                the documentation of a diagnostic\n\nSet NO_COLOR to turn colours off."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check specs and write the generated files under the output directory.
    ///
    /// Writes `prometheus/<service>.yml` and `grafana/<service>.json` for
    /// every service, `grafana/slo-overview.json`, and
    /// `alertmanager/alertmanager.yml` when receivers are declared; other
    /// `--target`s wrap the same rules for Kubernetes, Mimir or Thanos
    /// (docs/deploy.md). Nothing is written when there is any error; each
    /// file is replaced atomically and left untouched when its contents do
    /// not change.
    #[command(
        after_help = "Examples:\n  slo compile specs/ -o out/\n  slo compile specs/ -o out/ --check    exit 1 and show a diff when out/ is stale\n  slo compile specs/ -o out/ --target prometheus-operator --namespace monitoring \\\n      --label role=alert-rules && kubectl apply -k out/\n\nFiles the compiler wrote are listed in DIR/.slo-manifest; a listed file that is no\nlonger generated (a removed service) is deleted. Other files in DIR are never touched."
    )]
    Compile {
        /// `.slo` files or directories to compile, forming one program.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Output directory.
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
        /// Write nothing; exit 1 with a unified diff of every file that
        /// differs from what would be generated (stale files included).
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        lints: Lints,
        #[command(flatten)]
        deploy: DeployArgs,
        #[command(flatten)]
        live: Live,
    },
    /// Parse and check specs without writing anything.
    ///
    /// Quiet when the specs are clean. Diagnostics go to stderr in the human
    /// format, to stdout in the machine formats.
    #[command(
        after_help = "Examples:\n  slo check specs/\n  slo check --deny warnings specs/              fail on warnings too (CI)\n  slo check --format github specs/             annotate a GitHub pull request\n  slo check --format json specs/ | jq .        for other tools\n  slo check --prometheus http://localhost:9090 specs/\n                                               also ask the server about every selector\n  slo explain SLO301                           what a code means"
    )]
    Check {
        /// `.slo` files or directories to check, forming one program.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        #[command(flatten)]
        lints: Lints,
        #[command(flatten)]
        live: Live,
    },
    /// Rewrite `.slo` files in the canonical layout.
    ///
    /// Two-space indentation, aligned `=` and policy columns, one blank line
    /// between items, comments kept where they are. Files are replaced
    /// atomically; with `--check` nothing is written, and each file that is
    /// not formatted is shown as a diff (exit status 1).
    Fmt {
        /// `.slo` files or directories to format.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Show the changes as a diff and fail instead of writing them.
        #[arg(long)]
        check: bool,
    },
    /// Show what each SLO's error budget and alerts mean in time.
    ///
    /// Per SLO: the budget as time of full outage; per alert of its policy:
    /// the burn factor, the share of the budget spent when it fires, how
    /// soon it fires on a full outage, the smallest error ratio that fires
    /// it, and how soon that ratio would spend the whole budget.
    #[command(
        after_help = "Examples:\n  slo budget specs/\n  slo budget --format markdown specs/ >> \"$GITHUB_STEP_SUMMARY\"\n  slo budget --format json specs/ | jq '.slos[] | {slo, error_budget}'"
    )]
    Budget {
        /// `.slo` files or directories, forming one program.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = BudgetFormat::Human)]
        format: BudgetFormat,
    },
    /// Write an HTML page that shows each SLO's budget and alerts as charts.
    ///
    /// One self-contained file (inline SVG and CSS, nothing fetched), for a
    /// design review or a pull request: an overview of every SLO; per
    /// alerting SLO its budget figures, how long each policy line takes to
    /// fire at each error ratio (and which ratios no line catches), and a
    /// timeline of its alerts simulated over a 1h full outage, 10% errors
    /// for 6h and a slow burn at twice the budget, from the same windows,
    /// thresholds and `for` as the generated rules. See docs/report.md.
    #[command(
        after_help = "Examples:\n  slo report specs/ -o report.html\n  slo report specs/ -o report.html --profile incidents/2026-11-03.yaml\n\nA profile file is YAML: a name, a length and the minutes at which traffic and the\nerror ratio change (docs/report.md). With --profile, its profiles replace the standard ones."
    )]
    Report {
        /// `.slo` files or directories, forming one program.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The page to write.
        #[arg(short, long, value_name = "FILE", default_value = "report.html")]
        out: PathBuf,
        /// Simulate the profiles of this YAML file instead of the standard
        /// ones (repeatable).
        #[arg(long, value_name = "FILE")]
        profile: Vec<PathBuf>,
    },
    /// Run the language server, for editors (Language Server Protocol over stdio).
    ///
    /// Editors start it; it is not run by hand. It checks every `.slo` file
    /// under the workspace folder, with unsaved buffers in place of their
    /// files, and gives diagnostics as `slo check` does, hover (a target's
    /// budget in time, a policy line's budget figures), go to definition,
    /// references, rename, completion, quick fixes and formatting. Setup
    /// for VS Code, Neovim and Helix: docs/editors.md.
    #[command(
        after_help = "The client may pass `initializationOptions: { \"paths\": [\"specs\"] }` to check only\nthose folders of the workspace. The server exits on `exit`, when stdin closes, or when\nthe editor's process ends."
    )]
    Lsp,
    /// Print the documentation of a diagnostic code.
    #[command(
        after_help = "Examples:\n  slo explain SLO301\n  slo explain 301\n  slo explain              list every code"
    )]
    Explain {
        /// A code such as `SLO301`; without one, every code is listed.
        #[arg(value_name = "CODE")]
        code: Option<String>,
    },
    /// Convert Sloth, Pyrra or OpenSLO specs into `.slo` files.
    ///
    /// Reads YAML files, or directories of them, including files of several
    /// documents, and writes one formatted `.slo` file per service, with
    /// the policies the SLOs share in `policies.slo`. What cannot be
    /// imported (calendar windows, timeslice budgets, sources other than
    /// Prometheus, ...) is an error at its line and column, and then
    /// nothing is written. Never overwrites a file. The mapping of every
    /// field is in docs/migrate.md.
    #[command(
        after_help = "Examples:\n  slo import sloth slos/ -o specs/\n  slo import pyrra manifests/slos.yaml -o specs/\n  slo import openslo openslo/ -o specs/ && slo check specs/"
    )]
    Import {
        /// The format of the specs.
        #[arg(value_enum, value_name = "FORMAT")]
        format: ImportFormat,
        /// YAML files or directories of them.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The directory to write the `.slo` files in; created if missing.
        #[arg(short, long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write a starter `specs/` that compiles and passes `slo check`.
    ///
    /// Never overwrites a file: when one of the starter files exists, nothing
    /// is written.
    #[command(after_help = "Examples:\n  slo init\n  slo init my-service/")]
    Init {
        /// The directory to create `specs/` in.
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
}

/// How `slo check` prints diagnostics.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Source snippets with labels and help, on stderr.
    Human,
    /// One JSON document on stdout (fields in docs/ci.md).
    Json,
    /// GitHub Actions workflow commands on stdout: annotations on the pull request.
    Github,
}

/// What `slo import` reads.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImportFormat {
    /// Sloth `prometheus/v1` specs and `PrometheusServiceLevel` objects.
    Sloth,
    /// Pyrra `ServiceLevelObjective` objects.
    Pyrra,
    /// OpenSLO `v1` objects and `v1alpha` SLOs.
    Openslo,
}

/// How `slo budget` prints its report.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BudgetFormat {
    /// Aligned tables.
    Human,
    /// Markdown, for a pull-request comment or a job summary.
    Markdown,
    /// One JSON document (fields in docs/budget.md).
    Json,
}

/// Where the output is deployed (docs/deploy.md).
#[derive(clap::Args)]
#[command(next_help_heading = "Deploying")]
struct DeployArgs {
    /// The layout and wrapping of the output; the rules are the same.
    #[arg(long, value_enum, value_name = "NAME", default_value_t = TargetArg::Prometheus)]
    target: TargetArg,
    /// `metadata.namespace` of every Kubernetes object [default: none, as
    /// `kubectl apply -n` or the context says].
    #[arg(long, value_name = "NS", value_parser = slo::target::namespace)]
    namespace: Option<String>,
    /// A label on every Kubernetes object (repeatable), e.g. the one your
    /// Prometheus' `ruleSelector` matches: `--label role=alert-rules`.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = slo::target::label)]
    labels: Vec<(String, String)>,
    /// The label that makes the Grafana sidecar load a dashboard
    /// `ConfigMap` (repeatable) [default: grafana_dashboard=1].
    #[arg(long = "dashboard-label", value_name = "KEY=VALUE", value_parser = slo::target::label)]
    dashboard_labels: Vec<(String, String)>,
    /// Also write what another tool's dashboards and queries read, while
    /// you migrate from it: `sloth` adds Sloth's labels (`sloth_id`,
    /// `sloth_service`, `sloth_slo`, `sloth_window`, `sloth_severity`), its
    /// `sloth_slo_info` series and the error ratio over each of its windows
    /// (docs/migrate.md).
    #[arg(long, value_enum, value_name = "TOOL")]
    compat: Option<CompatArg>,
}

/// `--compat`: a tool whose series the output also writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompatArg {
    /// Sloth's labels, info series and windows.
    Sloth,
}

/// `--target`: where the output is deployed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TargetArg {
    /// Prometheus rule files, Grafana JSON and alertmanager.yml.
    Prometheus,
    /// PrometheusRule objects, dashboard ConfigMaps, an Alertmanager Secret, kustomization.yaml.
    PrometheusOperator,
    /// VMRule objects, dashboard ConfigMaps, an Alertmanager Secret, kustomization.yaml.
    #[value(name = "victoriametrics")]
    VictoriaMetrics,
    /// Rule files for `mimirtool rules sync`, one namespace per service.
    Mimir,
    /// Prometheus rule files for the Thanos ruler (`partial_response_strategy: abort`).
    Thanos,
}

impl DeployArgs {
    /// The settings, once the flags are known to fit the target: the
    /// Kubernetes flags mean nothing for the other targets, and giving
    /// them there is a usage error (exit status 2).
    fn settings(self) -> slo::target::Deploy {
        let target = match self.target {
            TargetArg::Prometheus => slo::target::Target::Prometheus,
            TargetArg::PrometheusOperator => slo::target::Target::PrometheusOperator,
            TargetArg::VictoriaMetrics => slo::target::Target::VictoriaMetrics,
            TargetArg::Mimir => slo::target::Target::Mimir,
            TargetArg::Thanos => slo::target::Target::Thanos,
        };
        let given = [
            ("--namespace", self.namespace.is_some()),
            ("--label", !self.labels.is_empty()),
            ("--dashboard-label", !self.dashboard_labels.is_empty()),
        ];
        if !target.kubernetes() {
            if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
                use clap::CommandFactory;
                let mut cli = Cli::command();
                let compile = cli.find_subcommand_mut("compile");
                compile
                    .map_or_else(Cli::command, |c| c.clone().bin_name("slo compile"))
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!(
                            "`{flag}` applies to Kubernetes objects: use it with \
                             `--target prometheus-operator` or `--target victoriametrics`, \
                             not `--target {}`",
                            target.name()
                        ),
                    )
                    .exit();
            }
        }
        slo::target::Deploy {
            target,
            namespace: self.namespace,
            labels: self.labels,
            dashboard_labels: self.dashboard_labels,
            compat: self.compat.map(|c| match c {
                CompatArg::Sloth => slo::lower::Compat::Sloth,
            }),
        }
    }
}

#[derive(clap::Args)]
struct Lints {
    /// Treat warnings as errors (`--deny warnings`), e.g. in CI.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    deny: Vec<Deny>,
}

/// The live check (docs/live.md): without `--prometheus`, no connection
/// is ever opened.
#[derive(clap::Args)]
#[command(next_help_heading = "Checking against a server")]
struct Live {
    /// Also ask this Prometheus or VictoriaMetrics server about every
    /// selector: metrics and label values it has never seen, thresholds
    /// that are not bucket boundaries, gauges taken as counters, windows
    /// past its retention (warnings, `SLO5xx`).
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// Send `Authorization: Bearer <token>`, the token read from FILE.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    prometheus_bearer_token_file: Option<PathBuf>,
    /// Send HTTP basic auth; FILE holds `user:password` on one line.
    #[arg(
        long,
        value_name = "FILE",
        requires = "prometheus",
        conflicts_with = "prometheus_bearer_token_file"
    )]
    prometheus_basic_auth_file: Option<PathBuf>,
    /// An extra request header, `'Name: value'` (repeatable), e.g. a tenant.
    #[arg(long, value_name = "HEADER", requires = "prometheus")]
    prometheus_header: Vec<String>,
    /// The longest one request may take [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = duration, requires = "prometheus")]
    prometheus_timeout: Option<slo::num::Duration>,
    /// The longest the whole check against the server may take [default: 60s].
    #[arg(long, value_name = "DURATION", value_parser = duration, requires = "prometheus")]
    prometheus_deadline: Option<slo::num::Duration>,
    /// Requests in flight at once [default: 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256), requires = "prometheus")]
    prometheus_concurrency: Option<u16>,
}

impl Live {
    /// No server: what commands without the flags check with.
    fn offline() -> Live {
        Live {
            prometheus: None,
            prometheus_bearer_token_file: None,
            prometheus_basic_auth_file: None,
            prometheus_header: Vec::new(),
            prometheus_timeout: None,
            prometheus_deadline: None,
            prometheus_concurrency: None,
        }
    }

    /// The longest one request may take.
    fn timeout(&self) -> slo::num::Duration {
        self.prometheus_timeout
            .unwrap_or(slo::num::Duration(10 * slo::num::Duration::SECOND))
    }

    /// The longest the whole check may take.
    fn deadline(&self) -> slo::num::Duration {
        self.prometheus_deadline
            .unwrap_or(slo::num::Duration(60 * slo::num::Duration::SECOND))
    }

    /// Requests in flight at once.
    fn concurrency(&self) -> usize {
        usize::from(self.prometheus_concurrency.unwrap_or(8))
    }
}

/// A duration flag, in the language's units (`10s`, `2m`).
fn duration(text: &str) -> Result<slo::num::Duration, String> {
    slo::num::Duration::parse(text)
        .filter(|d| d.0 > 0)
        .ok_or_else(|| format!("`{text}` is not a duration such as `10s` or `2m`"))
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
        Command::Compile {
            paths,
            out,
            check,
            deploy,
            lints,
            live,
        } => commands::compile(&paths, &out, check, &deploy.settings(), &lints, &live),
        Command::Check {
            paths,
            format,
            lints,
            live,
        } => commands::check(&paths, format, &lints, &live),
        Command::Budget { paths, format } => commands::budget(&paths, format),
        Command::Report {
            paths,
            out,
            profile,
        } => commands::report_page(&paths, &out, &profile),
        Command::Explain { code } => commands::explain(code.as_deref()),
        Command::Init { dir } => commands::init(&dir),
        Command::Import { format, paths, out } => {
            let format = match format {
                ImportFormat::Sloth => slo::import::Format::Sloth,
                ImportFormat::Pyrra => slo::import::Format::Pyrra,
                ImportFormat::Openslo => slo::import::Format::OpenSlo,
            };
            import::run(format, &paths, &out)
        }
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Lsp => lsp::run(),
    }
}

/// An error that is not about the specs: exit status 2. The message may
/// echo paths, whose control characters are shown escaped.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    let message = message.to_string();
    say!("{}: {}", paint("error", "1;31"), escape(&message));
    ExitCode::from(2)
}

/// Whether stderr gets colours: a terminal, and `NO_COLOR` unset or empty.
fn color() -> bool {
    no_color_unset() && std::io::stderr().is_terminal()
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn paint(text: &str, ansi: &str) -> String {
    if color() {
        format!("\x1b[{ansi}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Prints diagnostics for people on stderr, with a closing summary.
fn report(diags: &[slo::diag::Diag], sources: &Sources, failed: bool) {
    report_as(diags, sources, failed, "compile");
}

/// [`report`], the summary of a failure naming what could not be done.
fn report_as(diags: &[slo::diag::Diag], sources: &Sources, failed: bool, verb: &str) {
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
            "{}: could not {verb}: {summary}",
            paint("error", "1;31")
        )
    } else {
        writeln!(err, "{}: {summary}", paint("warning", "1;33"))
    };
}

/// Whether a run fails: any error, or any warning under `--deny warnings`.
fn failed(checked: &slo::Checked, lints: &Lints) -> bool {
    checked.program.is_none()
        || (lints.deny.contains(&Deny::Warnings)
            && checked
                .diags
                .iter()
                .any(|d| d.severity == Severity::Warning))
}
