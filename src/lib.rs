//! `slo` compiles service level objectives written in the `.slo` language into
//! Prometheus recording and alerting rules, Alertmanager routing and Grafana
//! dashboards.
//!
//! The library is pure: it takes source text and returns diagnostics and
//! generated files. Reading and writing files is the command line's job.
//!
//! The pipeline, one module per stage:
//! [`syntax`] (text → AST) → [`check`] (AST → checked [`check::Program`]) →
//! [`lower`] (program → what the output says: rules IR and dashboard pages
//! per service, the overview, the Alertmanager configuration, budget
//! figures) → [`emit`] (model → file contents),
//! with [`diag`] for diagnostics on the side.
#![deny(clippy::unwrap_used)]
// Slicing a string inside a character panics on user text; `get` and
// `split_at_checked` say what to do instead.
#![deny(clippy::string_slice)]

pub mod check;
pub mod diag;
pub mod emit;
pub mod fmt;
pub mod ide;
pub mod import;
pub mod limits;
pub mod live;
pub mod lower;
pub mod num;
mod par;
pub mod syntax;
pub mod target;

use diag::{Diag, Sources};

pub use emit::OutputFile;

/// The result of checking a program: the checked program (when there were no
/// errors) and every diagnostic found, sorted by position.
pub struct Checked {
    /// `None` when any diagnostic is an error.
    pub program: Option<check::Program>,
    /// All diagnostics of the run, errors and warnings.
    pub diags: Vec<Diag>,
}

/// Starts the worker threads that [`check`] and [`compile_each`] spread
/// their work over, which they otherwise start on first use. A program that
/// is about to read sources calls it first, so that the threads are
/// running by the time there is work for them.
pub fn start_workers() {
    par::start();
}

/// Parses and checks every source of a program.
pub fn check(sources: &Sources) -> Checked {
    check_among(sources, &check::Surroundings::default())
}

/// Parses and checks every source of a program, with what the caller knows
/// about the files around it (files beside a source that were not given),
/// so that a help can point at them.
pub fn check_among(sources: &Sources, surroundings: &check::Surroundings) -> Checked {
    let run = check_keeping(sources, surroundings);
    // Freeing every syntax tree takes a while; a worker does it, and what
    // follows (compiling) need not wait.
    par::drop_later(run.files);
    Checked {
        program: (!run.failed).then_some(run.program),
        diags: run.diags,
    }
}

/// What an editor needs to know of a program: every diagnostic, as
/// [`check`] reports them, what checked of the program even when something
/// did not ([`check::check_partly`]), and the syntax tree of each file that
/// parsed.
pub struct Analysed {
    /// All diagnostics of the run, errors and warnings, sorted.
    pub diags: Vec<Diag>,
    /// The services that checked, with their SLOs' targets, periods and
    /// alerts.
    pub program: check::Program,
    /// The tree of each file that parsed, with its id. A file with a
    /// syntax error has the items that parsed.
    pub files: Vec<(diag::FileId, syntax::ast::File)>,
}

/// Parses and checks every source of a program and keeps the syntax trees
/// and the partly checked program, for an editor.
pub fn analyse(sources: &Sources) -> Analysed {
    let run = check_keeping(sources, &check::Surroundings::default());
    Analysed {
        diags: run.diags,
        program: run.program,
        files: run.ids.into_iter().zip(run.files).collect(),
    }
}

/// One run of the checker, with everything it made.
struct Run {
    diags: Vec<Diag>,
    program: check::Program,
    failed: bool,
    files: Vec<syntax::ast::File>,
    ids: Vec<diag::FileId>,
}

fn check_keeping(sources: &Sources, surroundings: &check::Surroundings) -> Run {
    let mut diags = Vec::new();
    let mut files = Vec::new();
    let mut ids = Vec::new();
    // Files parse independently; the results are taken in source order.
    let all: Vec<_> = sources.iter().collect();
    let mut syntax = Vec::new();
    let mut broken = false;
    for (parsed, (id, _)) in par::map(&all, |(id, source)| syntax::parse(*id, &source.text))
        .into_iter()
        .zip(&all)
    {
        broken |= parsed.broken;
        if let Some(tree) = parsed.tree {
            files.push(tree);
            ids.push(*id);
        }
        syntax.extend(parsed.diags);
    }
    // A file that is not UTF-8 is still checked, with its bad bytes as
    // `U+FFFD`, so that its items exist for the other files; a syntax error
    // on such a character only repeats the encoding error.
    for (id, source) in &all {
        if let Some(d) = source.not_utf8(*id) {
            syntax.retain(|other: &diag::Diag| {
                other.code != diag::Code::Syntax
                    || other.primary.span.file != *id
                    || !source
                        .text
                        .get(other.primary.span.start..)
                        .is_some_and(|rest| rest.starts_with(char::REPLACEMENT_CHARACTER))
            });
            syntax.push(d);
        }
    }
    let program = check::check_partly(&files, surroundings, &mut diags);
    // What does not parse comes first: the rest may follow from it.
    diag::sort(&mut syntax, sources);
    if broken {
        check::explained_by_broken_items(&mut diags, &mut syntax);
    }
    diag::sort(&mut diags, sources);
    syntax.append(&mut diags);
    let diags = syntax;
    let failed = diags.iter().any(|d| d.severity == diag::Severity::Error);
    Run {
        diags,
        program,
        failed,
        files,
        ids,
    }
}

/// Compiles a checked program into its output files, sorted by path.
pub fn compile(program: &check::Program) -> Vec<OutputFile> {
    let files = std::sync::Mutex::new(Vec::new());
    let done: Result<(), std::convert::Infallible> = compile_each(program, |f| {
        files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(f);
        Ok(())
    });
    let Ok(()) = done;
    let mut files = files
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Compiles a checked program, handing each output file to `sink` as soon
/// as it is generated, on the thread that generated it, in no particular
/// order. Memory holds the files being generated, not the whole output.
/// Stops at the first error `sink` returns from each service (others may
/// still be under way) and returns the first in service order.
pub fn compile_each<E: Send>(
    program: &check::Program,
    sink: impl Fn(OutputFile) -> Result<(), E> + Sync,
) -> Result<(), E> {
    compile_for(program, &target::Deploy::prometheus(), sink)
}

/// [`compile_each`] for a deployment target: the same rules, dashboards and
/// Alertmanager configuration, laid out and wrapped as `deploy` says.
pub fn compile_for<E: Send>(
    program: &check::Program,
    deploy: &target::Deploy,
    sink: impl Fn(OutputFile) -> Result<(), E> + Sync,
) -> Result<(), E> {
    use target::Target;
    let kubernetes = deploy.target.kubernetes();
    // The Kubernetes objects written, for the kustomization.
    let resources = std::sync::Mutex::new(Vec::new());
    let object = |f: OutputFile| {
        resources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(f.path.clone());
        sink(f)
    };
    // The overview and the Alertmanager file are made while services are.
    let (services, whole) = par::join(
        || {
            par::map(&program.services, |s| {
                // A service's model is dropped as soon as its files are made.
                let output = lower::service(s, program.grafana.as_deref(), deploy.compat);
                let mut pages = output.pages.iter().map(emit::grafana::page);
                let rules = match deploy.target {
                    Target::Prometheus => emit::prometheus::file(&output.rules),
                    Target::Thanos => emit::prometheus::thanos_file(&output.rules),
                    Target::Mimir => {
                        let namespace = target::mimir_namespace(&output.rules.service);
                        emit::prometheus::mimir_file(&output.rules, &namespace)
                    }
                    Target::PrometheusOperator | Target::VictoriaMetrics => {
                        object(emit::kubernetes::rules(&output.rules, deploy))?;
                        let pages: Vec<OutputFile> = pages.collect();
                        if pages.is_empty() {
                            return Ok(());
                        }
                        let service = &output.rules.service;
                        return object(emit::kubernetes::service_dashboards(
                            service, &pages, deploy,
                        ));
                    }
                };
                sink(rules)?;
                pages.try_for_each(&sink)
            })
        },
        || {
            let output = lower::program(program);
            let overview = emit::grafana::overview(&output.overview);
            let config = output.alertmanager.map(|c| emit::alertmanager::file(&c));
            if !kubernetes {
                sink(overview)?;
                return config.map_or(Ok(()), &sink);
            }
            object(emit::kubernetes::overview_dashboard(&overview, deploy))?;
            config.map_or(Ok(()), |c| {
                object(emit::kubernetes::alertmanager_secret(&c, deploy))
            })
        },
    );
    services.into_iter().collect::<Result<(), E>>()?;
    whole?;
    if kubernetes {
        let resources = resources
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        sink(emit::kubernetes::kustomization(&resources))?;
    }
    Ok(())
}
