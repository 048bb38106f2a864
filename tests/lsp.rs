//! `slo lsp` spoken to as an editor does: JSON-RPC over the real binary's
//! stdin and stdout, asserting on the exact payloads it sends.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long any one message may take to arrive before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: mpsc::Receiver<Value>,
    /// Notifications and requests from the server not yet looked at.
    queue: VecDeque<Value>,
    next_id: i64,
}

impl Client {
    /// Starts `slo lsp` with its cache folder at `cache`.
    fn start(cache: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slo"))
            .arg("lsp")
            .env("XDG_CACHE_HOME", cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start slo lsp");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            queue: VecDeque::new(),
            next_id: 0,
        }
    }

    fn send(&mut self, message: Value) {
        let text = message.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{text}", text.len()).expect("write");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its whole response.
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    /// Sends a request and returns its result.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The first message, queued or to come, that `wanted` picks.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.queue.iter().position(&wanted) {
            return self.queue.remove(at).expect("queued");
        }
        loop {
            let message = self
                .incoming
                .recv_timeout(PATIENCE)
                .expect("the server answers in time");
            if wanted(&message) {
                return message;
            }
            self.queue.push_back(message);
        }
    }

    /// The diagnostics published for version `version` of `uri`. Those of
    /// earlier versions may or may not come: a change overtaken by the next
    /// one is not analysed.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Value {
        self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        })["params"]
            .clone()
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

const POLICIES: &str = "policy standard {
  page   14.4x over 1h/5m
  ticket 3x    over 1d/2h  for 15m
}
";

const CHECKOUT: &str = "service checkout {
  sli requests = ratio {
    bad   = `http_requests_total{code=~\"5..\"}`
    total = `http_requests_total`
  }

  slo availability {
    sli      = requests
    target   = 99.9%
    window   = 30d
    alerting = standrad
  }
}
";

/// A position as the protocol writes it.
fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

fn range(line: u32, start: u32, end: u32) -> Value {
    json!({"start": pos(line, start), "end": pos(line, end)})
}

#[test]
fn an_editor_session_from_initialize_to_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("specs");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(root.join("policies.slo"), POLICIES).expect("write");
    std::fs::write(
        root.join("checkout.slo"),
        CHECKOUT.replace("standrad", "standard"),
    )
    .expect("write");
    // Not part of the program: hidden folders and build output.
    std::fs::create_dir(root.join(".git")).expect("mkdir");
    std::fs::write(root.join(".git/broken.slo"), "service {").expect("write");
    let cache = dir.path().join("cache");
    let policies = uri(&root.join("policies.slo"));
    let checkout = uri(&root.join("checkout.slo"));

    let mut client = Client::start(&cache);
    let init = client.request(
        "initialize",
        json!({"processId": std::process::id(), "rootUri": uri(&root), "capabilities": {}}),
    );
    assert_eq!(
        init,
        json!({
            "capabilities": {
                "textDocumentSync": {"openClose": true, "change": 2, "save": true},
                "hoverProvider": true,
                "completionProvider": {"triggerCharacters": ["=", " "]},
                "definitionProvider": true,
                "referencesProvider": true,
                "codeActionProvider": {"codeActionKinds": ["quickfix"]},
                "documentFormattingProvider": true,
                "renameProvider": {"prepareProvider": true},
            },
            "serverInfo": {"name": "slo", "version": env!("CARGO_PKG_VERSION")},
        })
    );
    client.notify("initialized", json!({}));

    // The buffer has a mistake the file on disk does not.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": checkout, "languageId": "slo", "version": 1, "text": CHECKOUT}}),
    );
    let published = client.diagnostics(&checkout, 1);
    let page = cache
        .join("slo/explain")
        .join(env!("CARGO_PKG_VERSION"))
        .join("SLO101.md");
    let mistake = json!({
        "range": range(10, 15, 23),
        "severity": 1,
        "code": "SLO101",
        "codeDescription": {"href": uri(&page)},
        "source": "slo",
        "message": "unknown policy `standrad`: no policy has this name\nhelp: did you mean `standard`?",
    });
    assert_eq!(
        published,
        json!({"uri": checkout, "diagnostics": [mistake], "version": 1})
    );
    // The code's link opens its `slo explain` page.
    let explained = std::fs::read_to_string(&page).expect("the explain page is written");
    let explain = Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(["explain", "SLO101"])
        .output()
        .expect("slo explain");
    assert_eq!(
        explained.strip_prefix("## ").map(str::trim_end),
        Some(String::from_utf8_lossy(&explain.stdout).trim_end())
    );

    // The did-you-mean is a quick fix.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": checkout}, "range": range(10, 17, 17), "context": {"diagnostics": []}}),
    );
    assert_eq!(
        actions,
        json!([{
            "title": "Replace with `standard`",
            "kind": "quickfix",
            "diagnostics": [mistake],
            "edit": {"changes": {checkout.clone(): [{"range": range(10, 15, 23), "newText": "standard"}]}},
            "isPreferred": true,
        }])
    );

    // Typing the fix clears the diagnostics.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": checkout, "version": 2},
            "contentChanges": [{"range": range(10, 15, 23), "text": "standard"}],
        }),
    );
    assert_eq!(
        client.diagnostics(&checkout, 2),
        json!({"uri": checkout, "diagnostics": [], "version": 2})
    );

    // Hover on a target: the budget in time.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": checkout}, "position": pos(8, 16)}),
    );
    assert_eq!(
        hover,
        json!({
            "contents": {"kind": "markdown", "value": "**target 99.9%** over 30d\n\nerror budget: 0.1% of 30d = 43m12s of full outage"},
            "range": range(8, 4, 20),
        })
    );

    // Hover on a policy line: the `slo budget` figures of the SLOs using it.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": policies}, "position": pos(2, 10)}),
    );
    assert_eq!(
        hover["contents"]["value"],
        "**ticket over 1d/2h**: burn factor 3x\n\n\
         | SLO | factor | budget spent when it fires | full outage detected in | smallest error ratio that fires it | budget gone in, at that ratio |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n\
         | `checkout/availability` (99.9% over 30d) | 3x | 10% | 19m19s | 0.3% | 10d |\n"
    );
    assert_eq!(hover["range"], range(2, 2, 34));

    // Hover on a name: what it defines.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": checkout}, "position": pos(7, 17)}),
    );
    assert_eq!(
        hover["contents"]["value"],
        "SLI `requests` of service `checkout`\n\n```slo\n  sli requests = ratio {\n    bad   = `http_requests_total{code=~\"5..\"}`\n    total = `http_requests_total`\n  }\n```\n\nused by 1 SLO"
    );

    // Go to definition, across files.
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": checkout}, "position": pos(10, 18)}),
    );
    assert_eq!(
        definition,
        json!([{"uri": policies, "range": range(0, 7, 15)}])
    );

    // References, with and without the definition.
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": policies}, "position": pos(0, 9), "context": {"includeDeclaration": true}}),
    );
    assert_eq!(
        references,
        json!([
            {"uri": checkout, "range": range(10, 15, 23)},
            {"uri": policies, "range": range(0, 7, 15)},
        ])
    );

    // Completion: in an SLO block, the keys not yet set, with the
    // checker's examples.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": checkout, "version": 3},
            "contentChanges": [{"range": range(11, 0, 0), "text": "    \n"}],
        }),
    );
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": checkout}, "position": pos(11, 4)}),
    );
    let labels: Vec<(&str, &str)> = completion
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap_or(""),
                c["detail"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("by", "by = [route]"),
            ("no_data", "no_data = ticket"),
            ("labels", "labels { tier = \"1\" }"),
            ("annotations", "annotations { summary = \"…\" }"),
        ],
        "{completion}"
    );
    assert_eq!(
        completion[0],
        json!({"label": "by", "kind": 10, "detail": "by = [route]", "insertText": "by = "})
    );
    // After `sli =`: the SLIs of this service.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": checkout, "version": 4},
            "contentChanges": [{"range": range(11, 4, 4), "text": "sli = "}],
        }),
    );
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": checkout}, "position": pos(11, 10)}),
    );
    assert_eq!(
        completion,
        json!([{"label": "requests", "kind": 6, "detail": "ratio SLI of service `checkout`"}])
    );
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": checkout, "version": 5},
            "contentChanges": [{"range": range(11, 0, 11), "text": ""}, {"range": range(11, 0, 1), "text": ""}],
        }),
    );
    assert_eq!(
        client.diagnostics(&checkout, 5),
        json!({"uri": checkout, "diagnostics": [], "version": 5})
    );

    // Rename an SLI: its definition and every use.
    let prepared = client.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": checkout}, "position": pos(1, 8)}),
    );
    assert_eq!(prepared, range(1, 6, 14));
    let edit = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": checkout}, "position": pos(1, 8), "newName": "http"}),
    );
    assert_eq!(
        edit,
        json!({"changes": {checkout.clone(): [
            {"range": range(1, 6, 14), "newText": "http"},
            {"range": range(7, 15, 23), "newText": "http"},
        ]}})
    );
    // A name that is not one is refused, with the reason.
    let refused = client.request_raw(
        "textDocument/rename",
        json!({"textDocument": {"uri": checkout}, "position": pos(1, 8), "newName": "slo"}),
    );
    assert_eq!(refused["error"]["code"], -32803, "{refused}");

    // Formatting: `slo fmt` as edits.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": policies, "languageId": "slo", "version": 1, "text": "policy standard {\npage 14.4x over 1h/5m\n  ticket 3x    over 1d/2h  for 15m\n}\n"}}),
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": policies}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(
        edits,
        json!([{
            "range": {"start": pos(1, 0), "end": pos(3, 0)},
            "newText": "  page   14.4x over 1h/5m\n  ticket 3x    over 1d/2h for 15m\n",
        }])
    );

    // A method the server does not know is an error, not silence.
    let unknown = client.request_raw("textDocument/inlayHint", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);

    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("exit");
    assert!(
        status.success(),
        "exit after shutdown is status 0: {status}"
    );
}

impl Client {
    /// Starts a server and initializes it with `processId` and no folder.
    fn initialized(cache: &Path, process_id: Option<u32>) -> Client {
        let mut client = Client::start(cache);
        client.request(
            "initialize",
            json!({"processId": process_id, "rootUri": null, "capabilities": {}}),
        );
        client.notify("initialized", json!({}));
        client
    }

    /// Waits for the server to exit on its own, without `shutdown`: status
    /// 1, as the protocol says.
    fn exits_unasked(mut self, why: &str) {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert_eq!(status.code(), Some(1));
                return;
            }
            assert!(started.elapsed() < PATIENCE, "the server outlived {why}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn exits_when_the_client_closes_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = Client::initialized(dir.path(), None);
    drop(client.stdin.take());
    client.exits_unasked("its client");
}

#[test]
fn exits_when_the_editor_process_is_gone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut editor = Command::new("sleep").arg("0.2").spawn().expect("sleep");
    let client = Client::initialized(dir.path(), Some(editor.id()));
    editor.wait().expect("the editor ends");
    // stdin stays open: only the process check can tell.
    client.exits_unasked("its editor");
}

mod support;

use proptest::prelude::*;

/// One step of a random session: an edit, sometimes outside the text or
/// inside a character, or a question about a random place.
#[derive(Debug, Clone)]
enum Step {
    Edit {
        start: (u32, u32),
        end: (u32, u32),
        text: String,
    },
    Ask(&'static str, (u32, u32)),
}

fn step() -> impl Strategy<Value = Step> {
    let place = (0u32..40, 0u32..60);
    let text = prop_oneof![
        prop::sample::select(support::pipeline::tokens()).prop_map(str::to_string),
        "\\PC{0,4}",
        Just("\n".to_string()),
        Just("😀".to_string()),
    ];
    prop_oneof![
        3 => (place.clone(), place.clone(), text).prop_map(|(start, end, text)| Step::Edit { start, end, text }),
        1 => (
            prop::sample::select(&[
                "textDocument/hover",
                "textDocument/definition",
                "textDocument/completion",
                "textDocument/prepareRename",
                "textDocument/formatting",
            ][..]),
            place,
        ).prop_map(|(m, p)| Step::Ask(m, p)),
    ]
}

proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 24, ..Default::default() })]

    /// Whatever is typed, at whatever place, the server answers every
    /// question, publishes the newest version's diagnostics and stays up.
    #[test]
    fn random_edits_never_bring_the_server_down(
        seed in 0usize..1000,
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.slo");
        let seeds = support::pipeline::seeds();
        std::fs::write(&path, &seeds[seed % seeds.len()]).expect("write");
        let file = uri(&path);
        let mut client = Client::start(&dir.path().join("cache"));
        client.request("initialize", json!({"processId": null, "rootUri": uri(dir.path()), "capabilities": {}}));
        client.notify("initialized", json!({}));
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": file, "languageId": "slo", "version": 0, "text": &seeds[seed % seeds.len()]}}),
        );
        let mut version = 0;
        for s in &steps {
            match s {
                Step::Edit { start, end, text } => {
                    version += 1;
                    let (start, end) = (start.min(end), start.max(end));
                    client.notify(
                        "textDocument/didChange",
                        json!({
                            "textDocument": {"uri": file, "version": version},
                            "contentChanges": [{"range": {"start": pos(start.0, start.1), "end": pos(end.0, end.1)}, "text": text}],
                        }),
                    );
                }
                Step::Ask(method, (line, character)) => {
                    let response = client.request_raw(
                        method,
                        json!({"textDocument": {"uri": file}, "position": pos(*line, *character), "options": {"tabSize": 2, "insertSpaces": true}}),
                    );
                    prop_assert!(response.get("error").is_none(), "{method}: {response}");
                }
            }
        }
        client.diagnostics(&file, version);
        // What came before, in the order it came: never an older version
        // after a newer one, as work a change overtook is not published.
        let earlier: Vec<i64> = client
            .queue
            .iter()
            .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == file)
            .filter_map(|m| m["params"]["version"].as_i64())
            .collect();
        prop_assert!(earlier.windows(2).all(|w| w[0] < w[1]), "{:?}", earlier);
        prop_assert!(earlier.iter().all(|&v| v < version), "{:?} then {}", earlier, version);
        prop_assert_eq!(client.request("shutdown", Value::Null), Value::Null);
        client.notify("exit", Value::Null);
        prop_assert!(client.child.wait().expect("exit").success());
    }
}
