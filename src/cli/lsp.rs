//! `slo lsp`: a Language Server Protocol server over stdio.
//!
//! Built on rust-analyzer's `lsp-server` (the transport: framing, the
//! initialize handshake, shutdown) and `lsp-types` (the protocol's types).
//! Both are kept by the rust-analyzer project and used by it every day; they
//! are synchronous, which suits a server whose every answer comes from one
//! in-memory snapshot built in milliseconds, where `tower-lsp` would bring an
//! async runtime for nothing.
//!
//! The main thread reads messages and answers requests. Analysis (parsing
//! and checking the whole workspace: every `.slo` file under the root, with
//! open buffers in place of their files) runs on a worker thread: each
//! change starts a new generation, the worker takes only the newest one
//! waiting, and a result that a newer change overtook is dropped, so stale
//! work never delays fresh work. A request that needs the program waits,
//! without blocking the loop, for the analysis of the current generation.
//! The server exits when the client sends `exit`, closes stdin, or its
//! process (`processId`) ends.

use crossbeam_channel::{select, unbounded, Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use slo::diag::{Diag, Severity, Span};
use slo::ide::lines::Position;
use slo::ide::{Analysis, CompletionKind};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the server on stdin and stdout until the client leaves.
pub fn run() -> ExitCode {
    let (connection, io) = Connection::stdio();
    let code = match serve(&connection) {
        Ok(code) => code,
        Err(e) => {
            say!("slo lsp: {e}");
            ExitCode::from(1)
        }
    };
    drop(connection);
    let _ = io.join();
    code
}

/// What the client may pass in `initializationOptions`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    /// Folders or files under the root that make up the program, instead
    /// of the whole root.
    #[serde(default)]
    paths: Vec<PathBuf>,
}

fn serve(connection: &Connection) -> Result<ExitCode, String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|e| format!("no initialize request: {e}"))?;
    let params: lsp::InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("bad initialize request: {e}"))?;
    let result = lsp::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(lsp::ServerInfo {
            name: "slo".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| format!("initialize: {e}"))?;
    if let Some(pid) = params.process_id {
        watch_parent(pid);
    }
    let options: Options = params
        .initialization_options
        .clone()
        .and_then(|o| serde_json::from_value(o).ok())
        .unwrap_or_default();
    let mut server = Server::new(connection.sender.clone(), roots(&params, &options));
    if watches_dynamically(&params.capabilities) {
        server.register_watcher();
    }
    server.load_disk();
    server.changed();
    loop {
        select! {
            recv(connection.receiver) -> message => {
                // The client closed stdin: it is gone.
                let Ok(message) = message else { return Ok(ExitCode::from(1)) };
                if let Some(code) = server.handle(message) {
                    return Ok(code);
                }
            }
            recv(server.done) -> result => {
                if let Ok((generation, analysis)) = result {
                    server.analysed(generation, analysis);
                }
            }
        }
    }
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec!["=".to_string(), " ".to_string()]),
            ..Default::default()
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        ..Default::default()
    }
}

/// The folders whose `.slo` files form the program.
fn roots(params: &lsp::InitializeParams, options: &Options) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path().ok())
        .collect();
    #[allow(deprecated)] // older clients send only `rootUri`
    if roots.is_empty() {
        roots.extend(params.root_uri.as_ref().and_then(|u| u.to_file_path().ok()));
    }
    if options.paths.is_empty() {
        return roots;
    }
    roots
        .iter()
        .flat_map(|root| options.paths.iter().map(move |p| root.join(p)))
        .collect()
}

fn watches_dynamically(c: &lsp::ClientCapabilities) -> bool {
    c.workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files)
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false)
}

/// Ends the server when the editor's process is gone without a word (a
/// crash, `kill -9`): nothing else would tell it.
fn watch_parent(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("parent".to_string())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(3));
            // SAFETY: signal 0 only asks whether the process exists.
            let gone = unsafe { libc::kill(pid, 0) } != 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
            if gone {
                std::process::exit(1);
            }
        });
}

/// A generation to analyse: its number, and every file by name.
type Job = (u64, Vec<(String, Vec<u8>)>);

/// An open buffer.
struct Open {
    version: i32,
    text: String,
}

/// A request that waits for the analysis of the current generation.
struct Waiting {
    id: RequestId,
    method: String,
    params: serde_json::Value,
}

struct Server {
    sender: Sender<Message>,
    roots: Vec<PathBuf>,
    /// The `.slo` files under the roots, as on disk.
    disk: BTreeMap<PathBuf, Vec<u8>>,
    /// Open buffers, which take the place of their files.
    open: BTreeMap<PathBuf, Open>,
    /// Counts changes; the newest analysis requested.
    generation: u64,
    /// The analysis of the newest generation analysed.
    current: Option<(u64, Arc<Analysis>)>,
    jobs: Sender<Job>,
    done: Receiver<(u64, Arc<Analysis>)>,
    waiting: Vec<Waiting>,
    /// Files diagnostics were last published for.
    published: BTreeSet<PathBuf>,
    shutdown: bool,
    next_request: i32,
}

impl Server {
    fn new(sender: Sender<Message>, roots: Vec<PathBuf>) -> Server {
        let (jobs, queue) = unbounded::<Job>();
        let (results, done) = unbounded();
        std::thread::Builder::new()
            .name("analysis".to_string())
            .spawn(move || {
                while let Ok(mut job) = queue.recv() {
                    // Only the newest change matters: older ones waiting
                    // are dropped unanalysed.
                    while let Ok(newer) = queue.try_recv() {
                        job = newer;
                    }
                    let (generation, files) = job;
                    let analysis =
                        std::panic::catch_unwind(AssertUnwindSafe(|| Analysis::from_bytes(files)))
                            .unwrap_or_else(|_| {
                                say!("slo lsp: internal error while checking; showing nothing until the next change");
                                Analysis::new(Vec::new())
                            });
                    if results.send((generation, Arc::new(analysis))).is_err() {
                        break;
                    }
                }
            })
            .expect("start the analysis thread");
        Server {
            sender,
            roots,
            disk: BTreeMap::new(),
            open: BTreeMap::new(),
            generation: 0,
            current: None,
            jobs,
            done,
            waiting: Vec::new(),
            published: BTreeSet::new(),
            shutdown: false,
            next_request: 0,
        }
    }

    fn send(&self, message: impl Into<Message>) {
        let _ = self.sender.send(message.into());
    }

    fn notify<N: lsp::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn register_watcher(&mut self) {
        self.next_request += 1;
        let options = lsp::DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String("**/*.slo".to_string()),
                kind: None,
            }],
        };
        let params = lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "slo-files".to_string(),
                method: lsp::notification::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.send(Request::new(
            RequestId::from(format!("slo-{}", self.next_request)),
            lsp::request::RegisterCapability::METHOD.to_string(),
            params,
        ));
    }

    /// Reads every `.slo` file under the roots.
    fn load_disk(&mut self) {
        let mut found = Vec::new();
        for root in &self.roots {
            if root.is_file() {
                found.push(root.clone());
                continue;
            }
            let _ = super::files::each_file(root, true, &mut |path, _| {
                if path.extension().is_some_and(|e| e == "slo") && !skipped(root, &path) {
                    found.push(path);
                }
            });
        }
        for path in found {
            if let Some(text) = read(&path) {
                self.disk.insert(path, text);
            }
        }
    }

    /// Starts the analysis of a new generation.
    fn changed(&mut self) {
        self.generation += 1;
        let mut files: BTreeMap<&Path, &[u8]> = self
            .disk
            .iter()
            .map(|(p, bytes)| (p.as_path(), bytes.as_slice()))
            .collect();
        for (path, open) in &self.open {
            files.insert(path, open.text.as_bytes());
        }
        let files = files
            .into_iter()
            .map(|(p, bytes)| (p.display().to_string(), bytes.to_vec()))
            .collect();
        let _ = self.jobs.send((self.generation, files));
    }

    /// An analysis is ready: kept and published when it is of the newest
    /// generation, dropped when a change overtook it.
    fn analysed(&mut self, generation: u64, analysis: Arc<Analysis>) {
        if generation != self.generation {
            return;
        }
        self.publish(&analysis);
        self.current = Some((generation, analysis));
        for w in std::mem::take(&mut self.waiting) {
            self.answer(w.id, &w.method, w.params);
        }
    }

    /// Handles one message; `Some` when the server is to exit.
    fn handle(&mut self, message: Message) -> Option<ExitCode> {
        match message {
            Message::Request(r) => {
                if self.shutdown {
                    self.send(Response::new_err(
                        r.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".to_string(),
                    ));
                } else if r.method == lsp::request::Shutdown::METHOD {
                    self.shutdown = true;
                    self.send(Response::new_ok(r.id, ()));
                } else if self
                    .current
                    .as_ref()
                    .is_some_and(|(g, _)| *g == self.generation)
                {
                    self.answer(r.id, &r.method, r.params);
                } else {
                    self.waiting.push(Waiting {
                        id: r.id,
                        method: r.method,
                        params: r.params,
                    });
                }
            }
            Message::Notification(n) => {
                if n.method == lsp::notification::Exit::METHOD {
                    return Some(if self.shutdown {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    });
                }
                self.notification(n);
            }
            // Answers to the server's own requests (the watcher's
            // registration) need nothing done.
            Message::Response(_) => {}
        }
        None
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification as note;
        let method = n.method.as_str();
        let changed = match method {
            note::DidOpenTextDocument::METHOD => parse::<lsp::DidOpenTextDocumentParams>(n.params)
                .and_then(|p| {
                    let path = p.text_document.uri.to_file_path().ok()?;
                    let open = Open {
                        version: p.text_document.version,
                        text: p.text_document.text,
                    };
                    self.open.insert(path, open);
                    Some(())
                }),
            note::DidChangeTextDocument::METHOD => {
                parse::<lsp::DidChangeTextDocumentParams>(n.params).and_then(|p| {
                    let path = p.text_document.uri.to_file_path().ok()?;
                    let open = self.open.get_mut(&path)?;
                    for change in p.content_changes {
                        apply(&mut open.text, change);
                    }
                    open.version = p.text_document.version;
                    Some(())
                })
            }
            note::DidCloseTextDocument::METHOD => {
                parse::<lsp::DidCloseTextDocumentParams>(n.params).and_then(|p| {
                    let path = p.text_document.uri.to_file_path().ok()?;
                    self.open.remove(&path)?;
                    self.reread(&path);
                    Some(())
                })
            }
            note::DidSaveTextDocument::METHOD => parse::<lsp::DidSaveTextDocumentParams>(n.params)
                .and_then(|p| {
                    let path = p.text_document.uri.to_file_path().ok()?;
                    self.reread(&path);
                    Some(())
                }),
            note::DidChangeWatchedFiles::METHOD => {
                parse::<lsp::DidChangeWatchedFilesParams>(n.params).map(|p| {
                    for change in p.changes {
                        if let Ok(path) = change.uri.to_file_path() {
                            self.reread(&path);
                        }
                    }
                })
            }
            note::Cancel::METHOD => {
                if let Some(p) = parse::<lsp::CancelParams>(n.params) {
                    let id = match p.id {
                        lsp::NumberOrString::Number(n) => RequestId::from(n),
                        lsp::NumberOrString::String(s) => RequestId::from(s),
                    };
                    if let Some(at) = self.waiting.iter().position(|w| w.id == id) {
                        let w = self.waiting.remove(at);
                        self.send(Response::new_err(
                            w.id,
                            ErrorCode::RequestCanceled as i32,
                            "canceled".to_string(),
                        ));
                    }
                }
                None
            }
            _ => None,
        };
        if changed.is_some() {
            self.changed();
        }
    }

    /// Reads a file again from disk: it changed, was saved, or its buffer
    /// was closed. A file that is gone, or not under a root, is dropped.
    fn reread(&mut self, path: &Path) {
        let inside = self
            .roots
            .iter()
            .any(|r| path.starts_with(r) && !skipped(r, path));
        match read(path).filter(|_| inside && path.extension().is_some_and(|e| e == "slo")) {
            Some(text) => self.disk.insert(path.to_path_buf(), text),
            None => self.disk.remove(path),
        };
    }

    /// Publishes the diagnostics of every file, and clears those of files
    /// that no longer have any.
    fn publish(&mut self, analysis: &Analysis) {
        let mut by_file: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for (_, source) in analysis.sources().iter() {
            by_file.entry(PathBuf::from(&source.name)).or_default();
        }
        for d in analysis.diagnostics() {
            let name = &analysis.sources().get(d.primary.span.file).name;
            by_file
                .entry(PathBuf::from(name))
                .or_default()
                .push(diagnostic(analysis, d));
        }
        let mut now = BTreeSet::new();
        for (path, diagnostics) in by_file {
            // An open buffer always hears how it stands; a file on disk
            // only when it has diagnostics or had some.
            if diagnostics.is_empty()
                && !self.published.contains(&path)
                && !self.open.contains_key(&path)
            {
                continue;
            }
            let Ok(uri) = lsp::Url::from_file_path(&path) else {
                continue;
            };
            if !diagnostics.is_empty() {
                now.insert(path.clone());
            }
            let version = self.open.get(&path).map(|o| o.version);
            self.notify::<lsp::notification::PublishDiagnostics>(lsp::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            });
        }
        // Files that left the program (deleted, or closed and outside the
        // roots) keep no diagnostics.
        for gone in self.published.difference(&now) {
            if analysis.file(&gone.display().to_string()).is_none() {
                if let Ok(uri) = lsp::Url::from_file_path(gone) {
                    self.notify::<lsp::notification::PublishDiagnostics>(
                        lsp::PublishDiagnosticsParams {
                            uri,
                            diagnostics: Vec::new(),
                            version: None,
                        },
                    );
                }
            }
        }
        self.published = now;
    }

    /// Answers a request from the current analysis.
    fn answer(&self, id: RequestId, method: &str, params: serde_json::Value) {
        let Some((_, analysis)) = &self.current else {
            return;
        };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            requests::answer(analysis, method, params)
        }));
        let response = match result {
            Ok(Ok(value)) => Response {
                id,
                response_result: Ok(value),
            },
            Ok(Err((code, message))) => Response::new_err(id, code, message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("internal error answering `{method}`"),
            ),
        };
        self.send(response);
    }
}

/// Folders under a root that are never part of the program: hidden ones
/// (`.git`), and build and package output (`target`, `node_modules`).
fn skipped(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        let mut parts: Vec<_> = rel.components().collect();
        parts.pop();
        parts.iter().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            name.starts_with('.') || name == "target" || name == "node_modules"
        })
    })
}

/// A file's bytes, read as `slo check` reads them: a regular file within
/// the size limit. `None` when it cannot be read.
fn read(path: &Path) -> Option<Vec<u8>> {
    super::files::read_limited(path).ok()
}

fn parse<T: serde::de::DeserializeOwned>(params: serde_json::Value) -> Option<T> {
    serde_json::from_value(params).ok()
}

/// Applies one change to a buffer: a range replaced, or the whole text.
fn apply(text: &mut String, change: lsp::TextDocumentContentChangeEvent) {
    let Some(range) = change.range else {
        *text = change.text;
        return;
    };
    let lines = slo::ide::lines::Lines::new(text);
    let start = lines.offset(text, position(range.start));
    let end = lines.offset(text, position(range.end)).max(start);
    text.replace_range(start..end, &change.text);
}

fn position(p: lsp::Position) -> Position {
    Position {
        line: p.line,
        column: p.character,
    }
}

fn lsp_position(p: Position) -> lsp::Position {
    lsp::Position {
        line: p.line,
        character: p.column,
    }
}

fn range(a: &Analysis, span: Span) -> lsp::Range {
    lsp::Range {
        start: lsp_position(a.position(span.file, span.start)),
        end: lsp_position(a.position(span.file, span.end)),
    }
}

fn uri(a: &Analysis, span: Span) -> Option<lsp::Url> {
    lsp::Url::from_file_path(&a.sources().get(span.file).name).ok()
}

fn location(a: &Analysis, span: Span) -> Option<lsp::Location> {
    Some(lsp::Location {
        uri: uri(a, span)?,
        range: range(a, span),
    })
}

/// A diagnostic as `slo check` shows it: the message with its help, the
/// code linking to its `slo explain` page, the secondary labels as related
/// information.
fn diagnostic(a: &Analysis, d: &Diag) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    // A syntax error's label only says "here", which the range shows.
    if !d.primary.message.is_empty() && d.primary.message != "here" {
        message = format!("{message}: {}", d.primary.message);
    }
    if let Some(help) = &d.help {
        message = format!("{message}\nhelp: {help}");
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(lsp::DiagnosticRelatedInformation {
                location: location(a, l.span)?,
                message: if l.message.is_empty() {
                    "related".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(a, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
        code_description: explain::page(d.code).map(|href| lsp::CodeDescription { href }),
        source: Some("slo".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

mod explain {
    //! The page a diagnostic's code links to: the code's `slo explain`
    //! text, written once per version of `slo` as Markdown in the user's
    //! cache folder, where an editor opens it like any file.

    use slo::diag::Code;
    use std::path::PathBuf;

    fn folder() -> Option<PathBuf> {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(
            cache
                .join("slo")
                .join("explain")
                .join(env!("CARGO_PKG_VERSION")),
        )
    }

    /// The `file:` URL of the page of `code`, written when it is not there
    /// yet; `None` when it cannot be written.
    pub fn page(code: Code) -> Option<lsp_types::Url> {
        let text = slo::diag::explain::explain(code)?;
        let dir = folder()?;
        let path = dir.join(format!("{}.md", code.as_str()));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::create_dir_all(&dir).ok()?;
            // Another server may be writing the same page: write aside,
            // then rename over.
            let aside = dir.join(format!(".{}.{}.md", code.as_str(), std::process::id()));
            std::fs::write(&aside, text).ok()?;
            std::fs::rename(&aside, &path).ok()?;
        }
        lsp_types::Url::from_file_path(&path).ok()
    }
}

mod requests {
    //! Each request the server answers, from one analysis.

    use super::*;

    type Answer = Result<serde_json::Value, (i32, String)>;

    pub fn answer(a: &Analysis, method: &str, params: serde_json::Value) -> Answer {
        use lsp::request as req;
        match method {
            req::HoverRequest::METHOD => with(params, |p: lsp::HoverParams| {
                let (file, offset) = at(a, &p.text_document_position_params)?;
                let (span, text) = a.hover(file, offset)?;
                Some(lsp::Hover {
                    contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: text,
                    }),
                    range: Some(range(a, span)),
                })
            }),
            req::GotoDefinition::METHOD => with(params, |p: lsp::GotoDefinitionParams| {
                let (file, offset) = at(a, &p.text_document_position_params)?;
                let found: Vec<lsp::Location> = a
                    .definition(file, offset)
                    .into_iter()
                    .filter_map(|s| location(a, s))
                    .collect();
                (!found.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(found))
            }),
            req::References::METHOD => with(params, |p: lsp::ReferenceParams| {
                let (file, offset) = at(a, &p.text_document_position)?;
                let found: Vec<lsp::Location> = a
                    .references(file, offset, p.context.include_declaration)
                    .into_iter()
                    .filter_map(|s| location(a, s))
                    .collect();
                Some(found)
            }),
            req::Completion::METHOD => with(params, |p: lsp::CompletionParams| {
                let (file, offset) = at(a, &p.text_document_position)?;
                let items: Vec<lsp::CompletionItem> = a
                    .completions(file, offset)
                    .into_iter()
                    .map(|c| lsp::CompletionItem {
                        kind: Some(match c.kind {
                            CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                            CompletionKind::Key => lsp::CompletionItemKind::PROPERTY,
                            CompletionKind::Sli => lsp::CompletionItemKind::VARIABLE,
                            CompletionKind::Policy => lsp::CompletionItemKind::REFERENCE,
                            CompletionKind::Receiver => lsp::CompletionItemKind::REFERENCE,
                            CompletionKind::Severity => lsp::CompletionItemKind::ENUM_MEMBER,
                            CompletionKind::Kind => lsp::CompletionItemKind::CLASS,
                        }),
                        detail: Some(c.detail),
                        insert_text: (c.insert != c.label).then_some(c.insert),
                        label: c.label,
                        ..Default::default()
                    })
                    .collect();
                Some(lsp::CompletionResponse::Array(items))
            }),
            req::CodeActionRequest::METHOD => with(params, |p: lsp::CodeActionParams| {
                let file = a.file(&path_of(&p.text_document.uri)?)?;
                let start = a.offset(file, position(p.range.start));
                let end = a.offset(file, position(p.range.end));
                let uri = p.text_document.uri;
                let actions: Vec<lsp::CodeActionOrCommand> = a
                    .fixes(file, start, end)
                    .into_iter()
                    .map(|fix| {
                        let diagnostic = a.diagnostics().get(fix.diag).map(|d| diagnostic(a, d));
                        let edit = lsp::TextEdit {
                            range: range(a, fix.span),
                            new_text: fix.text,
                        };
                        lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                            title: fix.title,
                            kind: Some(lsp::CodeActionKind::QUICKFIX),
                            diagnostics: diagnostic.map(|d| vec![d]),
                            edit: Some(lsp::WorkspaceEdit {
                                changes: Some([(uri.clone(), vec![edit])].into_iter().collect()),
                                ..Default::default()
                            }),
                            is_preferred: Some(true),
                            ..Default::default()
                        })
                    })
                    .collect();
                Some(actions)
            }),
            req::PrepareRenameRequest::METHOD => {
                with(params, |p: lsp::TextDocumentPositionParams| {
                    let (file, offset) = at(a, &p)?;
                    let span = a.rename_target(file, offset)?;
                    Some(lsp::PrepareRenameResponse::Range(range(a, span)))
                })
            }
            req::Rename::METHOD => {
                let p: lsp::RenameParams = serde_json::from_value(params)
                    .map_err(|e| (ErrorCode::InvalidParams as i32, e.to_string()))?;
                let Some((file, offset)) = at(a, &p.text_document_position) else {
                    return Ok(serde_json::Value::Null);
                };
                let spans = a
                    .rename(file, offset, &p.new_name)
                    .map_err(|e| (ErrorCode::RequestFailed as i32, e.0))?;
                let mut changes: std::collections::HashMap<lsp::Url, Vec<lsp::TextEdit>> =
                    Default::default();
                for span in spans {
                    if let Some(uri) = uri(a, span) {
                        changes.entry(uri).or_default().push(lsp::TextEdit {
                            range: range(a, span),
                            new_text: p.new_name.clone(),
                        });
                    }
                }
                json(lsp::WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                })
            }
            req::Formatting::METHOD => with(params, |p: lsp::DocumentFormattingParams| {
                let file = a.file(&path_of(&p.text_document.uri)?)?;
                let formatted = a.format(file)?;
                Some(edits(a, file, &formatted))
            }),
            _ => Err((
                ErrorCode::MethodNotFound as i32,
                format!("`{method}` is not supported"),
            )),
        }
    }

    /// Parses the parameters and answers; `None` is the protocol's `null`.
    fn with<P: serde::de::DeserializeOwned, R: serde::Serialize>(
        params: serde_json::Value,
        f: impl FnOnce(P) -> Option<R>,
    ) -> Answer {
        let p: P = serde_json::from_value(params)
            .map_err(|e| (ErrorCode::InvalidParams as i32, e.to_string()))?;
        match f(p) {
            Some(r) => json(r),
            None => Ok(serde_json::Value::Null),
        }
    }

    fn json(r: impl serde::Serialize) -> Answer {
        serde_json::to_value(r).map_err(|e| (ErrorCode::InternalError as i32, e.to_string()))
    }

    fn path_of(uri: &lsp::Url) -> Option<String> {
        Some(uri.to_file_path().ok()?.display().to_string())
    }

    fn at(a: &Analysis, p: &lsp::TextDocumentPositionParams) -> Option<(slo::diag::FileId, usize)> {
        let file = a.file(&path_of(&p.text_document.uri)?)?;
        Some((file, a.offset(file, position(p.position))))
    }

    /// The edits that turn a file into `formatted`: one per run of changed
    /// lines.
    fn edits(a: &Analysis, file: slo::diag::FileId, formatted: &str) -> Vec<lsp::TextEdit> {
        let text = &a.sources().get(file).text;
        let diff = similar::TextDiff::from_lines(text.as_str(), formatted);
        let old_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let offset_of = |line: usize| {
            old_starts
                .get(line)
                .copied()
                .unwrap_or(text.len())
                .min(text.len())
        };
        let new_lines: Vec<&str> = formatted.split_inclusive('\n').collect();
        diff.ops()
            .iter()
            .filter(|op| op.tag() != similar::DiffTag::Equal)
            .map(|op| {
                let old = op.old_range();
                let new = op.new_range();
                let span = Span::new(file, offset_of(old.start), offset_of(old.end));
                lsp::TextEdit {
                    range: range(a, span),
                    new_text: new_lines.get(new).map(|l| l.concat()).unwrap_or_default(),
                }
            })
            .collect()
    }
}
