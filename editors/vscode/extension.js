// The SLO extension: starts `slo lsp` for `.slo` files. Plain JavaScript,
// loaded by VS Code as it is; no build step.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  const config = vscode.workspace.getConfiguration('slo');
  const command = config.get('server.path', 'slo') || 'slo';
  const extraArgs = config.get('server.extraArgs', []);
  const args = ['lsp', ...(Array.isArray(extraArgs) ? extraArgs.map(String) : [])];

  const serverOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  // Policies and defaults are shared across files: the server hears of
  // every `.slo` file created, changed or deleted in the workspace.
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.slo');
  context.subscriptions.push(watcher);
  const paths = config.get('paths', []);
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'slo' }],
    // `slo lsp` reads `paths` to check only those folders of the workspace.
    initializationOptions: { paths: Array.isArray(paths) ? paths.map(String) : [] },
    synchronize: { fileEvents: watcher },
  };

  client = new LanguageClient('slo', 'SLO language server', serverOptions, clientOptions);

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('slo.server')) {
        vscode.window
          .showInformationMessage('The SLO language server settings changed.', 'Reload window')
          .then((choice) => {
            if (choice === 'Reload window') {
              vscode.commands.executeCommand('workbench.action.reloadWindow');
            }
          });
      }
    }),
  );

  try {
    await client.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    vscode.window.showErrorMessage(
      `Could not start the SLO language server (\`${command} lsp\`): ${message}. ` +
        'Set `slo.server.path` to the `slo` executable.',
    );
  }
}

async function deactivate() {
  const running = client;
  client = undefined;
  // A client whose server never started cannot be stopped.
  if (running && running.isRunning()) {
    await running.stop();
  }
}

module.exports = { activate, deactivate };
