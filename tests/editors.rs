//! Editor support (`editors/vscode/`): the VS Code extension's manifest
//! holds together, and its TextMate grammar, run by VS Code's own tokenizer
//! (`vscode-textmate` on the Oniguruma WASM build) under node, highlights
//! every spec, every test input and every documented example as the
//! language reads them (`editors/vscode/test/grammar.test.js`).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn extension() -> PathBuf {
    support::root().join("editors/vscode")
}

fn json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The file a path in the manifest (`./syntaxes/…`) names; it must exist.
fn named_file(value: &serde_json::Value, what: &str) -> PathBuf {
    let relative = value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no path in package.json"));
    let path = extension().join(relative);
    assert!(
        path.is_file(),
        "{what}: package.json names {relative}, which is not a file"
    );
    path
}

#[test]
fn the_extension_manifest_declares_the_language_grammar_and_server() {
    let manifest = json(&extension().join("package.json"));
    assert_eq!(manifest["name"], "slo");
    assert_eq!(manifest["main"], "./extension.js");
    named_file(&manifest["main"], "main");
    let activation = manifest["activationEvents"]
        .as_array()
        .expect("activationEvents");
    assert!(activation.iter().any(|e| e == "onLanguage:slo"));

    let contributes = &manifest["contributes"];
    let languages = contributes["languages"].as_array().expect("languages");
    let language = languages
        .iter()
        .find(|l| l["id"] == "slo")
        .expect("a language with id `slo`");
    let extensions = language["extensions"].as_array().expect("extensions");
    assert!(
        extensions.iter().any(|e| e == ".slo"),
        "{extensions:?} lacks .slo"
    );
    let configuration = named_file(&language["configuration"], "language configuration");
    let configuration = json(&configuration);
    assert_eq!(configuration["comments"]["lineComment"], "#");

    let grammars = contributes["grammars"].as_array().expect("grammars");
    let grammar = grammars
        .iter()
        .find(|g| g["language"] == "slo")
        .expect("a grammar for `slo`");
    assert_eq!(grammar["scopeName"], "source.slo");
    let path = named_file(&grammar["path"], "grammar");
    assert_eq!(json(&path)["scopeName"], "source.slo");

    let settings = &contributes["configuration"]["properties"];
    assert_eq!(settings["slo.server.path"]["default"], "slo");
    assert_eq!(settings["slo.server.extraArgs"]["type"], "array");

    // The server is `slo lsp`, started by the language client over stdio.
    let main = fs::read_to_string(extension().join("extension.js")).expect("extension.js");
    for needed in [
        "require('vscode-languageclient/node')",
        "getConfiguration('slo')",
        "get('server.path'",
        "['lsp', ...",
        "TransportKind.stdio",
        "language: 'slo'",
        "'**/*.slo'",
        "function deactivate",
    ] {
        assert!(main.contains(needed), "extension.js lacks `{needed}`");
    }
    assert!(manifest["dependencies"]["vscode-languageclient"].is_string());

    // The grammar test runs the pinned tokenizer, locked.
    assert_eq!(manifest["scripts"]["test"], "node test/grammar.test.js");
    for tool in ["vscode-textmate", "vscode-oniguruma"] {
        let version = manifest["devDependencies"][tool]
            .as_str()
            .unwrap_or_else(|| panic!("{tool} is not a devDependency"));
        assert!(
            version.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{tool} is not pinned to one version: {version}"
        );
    }
    let lock = json(&extension().join("package-lock.json"));
    assert_eq!(lock["name"], "slo");
    let ignored = fs::read_to_string(extension().join(".gitignore")).expect(".gitignore");
    assert!(ignored.lines().any(|l| l.trim() == "node_modules/"));
}

/// `name` on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn shown(what: &str, o: &Output) -> String {
    format!(
        "{what} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[test]
fn the_grammar_highlights_every_spec_and_example_in_vs_codes_tokenizer() {
    let (Some(node), Some(npm)) = (on_path("node"), on_path("npm")) else {
        let missing: Vec<&str> = ["node", "npm"]
            .into_iter()
            .filter(|t| on_path(t).is_none())
            .collect();
        support::skip_unless_ci(
            &format!(
                "`{}` {} missing from PATH",
                missing.join("` and `"),
                if missing.len() == 1 { "is" } else { "are" }
            ),
            "install Node.js 18 or later with npm (Debian: `nodejs npm`) to tokenize \
             the specs with VS Code's TextMate engine",
        );
        return;
    };
    let dir = extension();
    // `npm ci` once, and again only when the lock file changed: npm writes
    // `node_modules/.package-lock.json` at the end of every install.
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let locked = modified(&dir.join("package-lock.json")).expect("package-lock.json");
    if installed.is_none_or(|at| at < locked) {
        let o = Command::new(&npm)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("run npm");
        assert!(o.status.success(), "{}", shown("npm ci", &o));
    }
    let o = Command::new(&node)
        .arg("test/grammar.test.js")
        .current_dir(&dir)
        .output()
        .expect("run node");
    assert!(
        o.status.success(),
        "{}",
        shown("node test/grammar.test.js", &o)
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains("tokenized"),
        "the grammar test printed no summary:\n{summary}"
    );
}
