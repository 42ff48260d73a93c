// The gozt-lint VS Code extension: starts `gozt-lint lsp` and shows its diagnostics,
// hovers and code actions for go.mod, go.sum, go.work and go.work.sum. One server
// serves every folder of a multi-root workspace (it works by file path and reads each
// folder's settings).
import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { PythonExtension } from "@vscode/python-extension";
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from "vscode-languageclient/node";

import {
  COMMANDS,
  DOCUMENT_SELECTOR,
  Discovered,
  LAUNCH_KEYS,
  PROBE_SCRIPT,
  SERVER_RECHECK,
  ServerState,
  bundledWheel,
  installPlan,
  pythonVersionOk,
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

let extension: vscode.ExtensionContext;
let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
let python: PythonExtension | undefined;
// Start/stop/restart/install run one after another, never interleaved.
let queue: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): Promise<void> {
  extension = context;
  output = vscode.window.createOutputChannel("gozt-lint", { log: true });
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = COMMANDS.showOutput;
  showState("starting");
  status.show();
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand(COMMANDS.restart, () => enqueue(restart)),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => output.show()),
    vscode.commands.registerCommand(COMMANDS.checkAgain, () => enqueue(checkAgain)),
    vscode.commands.registerCommand(COMMANDS.installServer, () => enqueue(async () => {
      if (await installServer()) {
        await restart();
      }
    })),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (LAUNCH_KEYS.some((key) => e.affectsConfiguration(key))) {
        output.info("launch settings changed; restarting the server");
        void enqueue(restart);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      output.info("workspace trusted; looking for the server again");
      void enqueue(restart);
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
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    vars[`workspaceFolder:${f.name}`] = f.uri.fsPath;
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

function which(name: string): string | undefined {
  return whichIn(name, process.env.PATH, isExecutable, process.platform);
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    cp.execFile(command, args, { timeout: timeoutMs, maxBuffer: 8 << 20, env: process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && typeof err.code !== "number" ? err.message : "") });
    });
  });
}

/** The Python extension's API, when it is installed (never required: Go users may
 * not have it). Its interpreter changes restart the server. */
async function pythonExtension(): Promise<PythonExtension | undefined> {
  if (python) {
    return python;
  }
  if (!vscode.extensions.getExtension("ms-python.python")) {
    return undefined;
  }
  try {
    python = await PythonExtension.api();
  } catch (err) {
    output.info(`Python extension not available: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  extension.subscriptions.push(
    python.environments.onDidChangeActiveEnvironmentPath(() => {
      output.info("the Python extension's interpreter changed; looking for the server again");
      void enqueue(restart);
    }),
  );
  return python;
}

/** The interpreter the Python extension selected for the (first) workspace folder. */
async function selectedInterpreter(): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) {
    // A workspace's own settings can choose that interpreter: not until it is trusted.
    output.info("untrusted workspace: the Python extension's interpreter is not used");
    return undefined;
  }
  const api = await pythonExtension();
  if (!api) {
    return undefined;
  }
  try {
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    const env = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(resource));
    return env?.executable.uri?.fsPath;
  } catch (err) {
    output.info(`cannot resolve the Python extension's interpreter: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

function storageDir(): string {
  return extension.globalStorageUri.fsPath;
}

async function discover(): Promise<Discovered> {
  const found: Discovered = {};
  const interpreter = await selectedInterpreter();
  if (interpreter) {
    const probe = await run(interpreter, ["-c", PROBE_SCRIPT], 20000);
    found.pythonExtension = { python: interpreter, hasServer: probe.code === 0 };
    output.info(
      probe.code === 0
        ? `gozt-lint ${probe.stdout.trim()} found in the Python extension's interpreter ${interpreter}`
        : `gozt-lint is not installed in the Python extension's interpreter ${interpreter}`,
    );
  }
  const managed = installPlan("python3", storageDir(), "", process.platform).server;
  if (isExecutable(managed)) {
    found.managed = managed;
  }
  return found;
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration("goztLint");
  const settings = readLaunchSettings((key) => config.get(key));
  const found = settings.path.length || settings.interpreter.length ? {} : await discover();
  const resolution = resolveLaunch(settings, { which, variables: variables() }, found);
  if (!resolution.ok) {
    output.error(resolution.error);
    showState("failed", "server not found");
    const wheel = bundled();
    const actions = resolution.canInstall && wheel ? ["Install", "Open Settings"] : ["Open Settings"];
    const choice = await vscode.window.showErrorMessage(resolution.error, ...actions);
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "goztLint");
    } else if (choice === "Install" && (await installServer())) {
      await start();
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
      showState("running", `${launch.command} (${launch.source})`);
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

/** The palette's "Check Again": the server forgets what it cached and checks every
 * open file (background checks included) again. */
async function checkAgain(): Promise<void> {
  if (!client || !client.isRunning()) {
    await restart();
    return;
  }
  await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_RECHECK, arguments: [] });
}

/** The gozt-lint wheel in the .vsix (bundled/), or undefined in a build without one. */
function bundled(): string | undefined {
  const dir = extension.asAbsolutePath("bundled");
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const version = String(extension.extension.packageJSON.version ?? "");
  const name = bundledWheel(files, version);
  return name ? path.join(dir, name) : undefined;
}

/** Install the bundled wheel into an environment in the extension's global storage,
 * with the Python extension's interpreter or python3 on PATH as the base. */
async function installServer(): Promise<boolean> {
  const wheel = bundled();
  if (!wheel) {
    void vscode.window.showErrorMessage("This build of the extension bundles no gozt-lint wheel; install gozt-lint yourself.");
    return false;
  }
  const candidates = [await selectedInterpreter(), which("python3"), which("python")].filter((p): p is string => Boolean(p));
  let base: string | undefined;
  for (const candidate of candidates) {
    const v = await run(candidate, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], 20000);
    if (v.code === 0 && pythonVersionOk(v.stdout)) {
      base = candidate;
      break;
    }
    output.info(`${candidate}: not a Python 3.10 or newer (${(v.stdout || v.stderr).trim()})`);
  }
  if (!base) {
    void vscode.window.showErrorMessage("gozt-lint needs Python 3.10 or newer: none found (select one in the Python extension, or put python3 on PATH).");
    return false;
  }
  const plan = installPlan(base, storageDir(), wheel, process.platform);
  fs.mkdirSync(storageDir(), { recursive: true });
  const ok = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Installing gozt-lint", cancellable: false },
    async (progress) => {
      for (const step of plan.steps) {
        progress.report({ message: step.slice(1, 4).join(" ") });
        output.info(`running ${step.join(" ")}`);
        const r = await run(step[0], step.slice(1), 600000);
        if (r.stdout.trim()) {
          output.info(r.stdout.trim());
        }
        if (r.code !== 0) {
          output.error(r.stderr.trim() || `exit status ${r.code}`);
          return false;
        }
      }
      return true;
    },
  );
  if (!ok) {
    const choice = await vscode.window.showErrorMessage("Installing gozt-lint failed (pip needs its dependencies from your package index).", "Show Output");
    if (choice === "Show Output") {
      output.show();
    }
    return false;
  }
  output.info(`gozt-lint installed in ${plan.venv}`);
  return true;
}
