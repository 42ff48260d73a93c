// The gozt-lint VS Code extension: starts `gozt-lint lsp` and shows its diagnostics,
// hovers and code actions for go.mod, go.sum, go.work and go.work.sum.
import * as fs from "fs";
import * as os from "os";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, State } from "vscode-languageclient/node";

import {
  DOCUMENT_SELECTOR,
  LAUNCH_KEYS,
  ServerState,
  readLaunchSettings,
  reasonPrompt,
  resolveLaunch,
  serverSettings,
  statusText,
  whichIn,
  withReason,
} from "./launch";
import { untrustedLaunchProblem } from "./trust";

const ADD_IGNORE = "gozt-lint.addIgnore";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
// Start/stop/restart run one after another, never interleaved.
let queue: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("gozt-lint", { log: true });
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = "gozt-lint.showOutput";
  showState("starting");
  status.show();
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand("gozt-lint.restart", () => enqueue(restart)),
    vscode.commands.registerCommand("gozt-lint.showOutput", () => output.show()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void enqueue(restart)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (LAUNCH_KEYS.some((key) => e.affectsConfiguration(key))) {
        output.info("launch settings changed; restarting the server");
        void enqueue(restart);
      }
    }),
  );
  return enqueue(start);
}

export function deactivate(): Promise<void> {
  return enqueue(stop);
}

function enqueue(step: () => Promise<void>): Promise<void> {
  queue = queue.then(step, step);
  return queue;
}

function showState(state: ServerState, detail?: string): void {
  const s = statusText(state, detail);
  status.text = s.text;
  status.tooltip = s.tooltip;
}

function variables(): Record<string, string> {
  const vars: Record<string, string> = { userHome: os.homedir() };
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder) {
    vars.workspaceFolder = folder.uri.fsPath;
  }
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) {
      vars[`env:${name}`] = value;
    }
  }
  return vars;
}

function isExecutable(candidate: string): boolean {
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return fs.statSync(candidate).isFile();
  } catch {
    return false;
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration("goztLint");
  const resolution = resolveLaunch(readLaunchSettings((key) => config.get(key)), {
    which: (name) => whichIn(name, process.env.PATH, isExecutable, process.platform),
    variables: variables(),
  });
  if (!resolution.ok) {
    output.error(resolution.error);
    showState("failed", "server not found");
    const choice = await vscode.window.showErrorMessage(resolution.error, "Open Settings");
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "goztLint");
    }
    return;
  }
  const { launch } = resolution;
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const distrust = untrustedLaunchProblem(launch.command, folders, vscode.workspace.isTrusted);
  if (distrust !== undefined) {
    output.error(distrust);
    showState("failed", "untrusted workspace");
    void vscode.window.showErrorMessage(distrust);
    return;
  }
  output.info(`starting ${launch.command} ${launch.args.join(" ")} (from ${launch.source})`);
  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    options: { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, env: process.env },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    traceOutputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: { goztLint: serverSettings((key) => config.get(key)) },
    synchronize: { configurationSection: "goztLint" },
    middleware: {
      executeCommand: async (command, args, next) => {
        if (command !== ADD_IGNORE) {
          return next(command, args);
        }
        // Every ignore carries a reason: ask for it before the server writes the file.
        const reason = await vscode.window.showInputBox({
          prompt: reasonPrompt(args),
          ignoreFocusOut: true,
          validateInput: (value) => (value.trim() ? null : "A reason is required"),
        });
        if (reason === undefined) {
          return undefined;
        }
        return next(command, withReason(args, reason.trim()));
      },
    },
  };
  client = new LanguageClient("goztLint", "gozt-lint", serverOptions, clientOptions);
  client.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      showState("running", launch.command);
    } else if (e.newState === State.Starting) {
      showState("starting");
    } else {
      showState("stopped");
    }
  });
  try {
    await client.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    output.error(`the server did not start: ${message}`);
    showState("failed", message);
    client = undefined;
  }
}

async function stop(): Promise<void> {
  const current = client;
  client = undefined;
  if (current) {
    try {
      await current.stop();
    } catch (err) {
      output.warn(`stopping the server: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  showState("stopped");
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
