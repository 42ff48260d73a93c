// Pure logic of the extension (no `vscode` import), unit-tested with node --test.

export interface LaunchSettings {
  /** Full command prefix that runs gozt-lint, e.g. ["/usr/local/bin/gozt-lint"]. */
  path: string[];
  /** A Python interpreter (plus arguments) with gozt-lint installed. */
  interpreter: string[];
  /** Extra arguments for `gozt-lint lsp`. */
  args: string[];
}

export type LaunchSource = "goztLint.path" | "goztLint.interpreter" | "Python extension" | "PATH" | "managed environment";

export interface Launch {
  command: string;
  args: string[];
  /** Which setting (or fallback) chose the command, for the output channel. */
  source: LaunchSource;
}

export type Resolution = { ok: true; launch: Launch } | { ok: false; error: string; canInstall: boolean };

/** What the extension found out before resolving (each probe is asynchronous). */
export interface Discovered {
  /** The interpreter the Python extension has selected for the workspace, and
   * whether gozt-lint (with its language-server dependencies) imports in it. */
  pythonExtension?: { python: string; hasServer: boolean };
  /** gozt-lint in the environment the extension manages, when installed. */
  managed?: string;
}

export interface Environment {
  /** Absolute path of an executable on PATH, or undefined. */
  which(name: string): string | undefined;
  /** Values for ${workspaceFolder}, ${userHome}, ${env:NAME}. */
  variables: Record<string, string>;
}

export const SERVER_EXECUTABLE = "gozt-lint";

/** The settings that change how the server starts (a change restarts it). */
export const LAUNCH_KEYS = ["goztLint.path", "goztLint.interpreter", "goztLint.args"];

/** Commands the extension contributes (package.json must list the same ids). */
export const COMMANDS = {
  restart: "gozt-lint.restart",
  showOutput: "gozt-lint.showOutput",
  checkAgain: "gozt-lint.checkAgain",
  installServer: "gozt-lint.installServer",
} as const;

/** The server's own command that drops its caches and checks every open file again. */
export const SERVER_RECHECK = "gozt-lint.recheck";

/** Documents the server checks: the Go extension's language ids plus file patterns,
 * so nothing depends on which extension named the language. */
export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "go.mod" },
  { scheme: "file", language: "go.sum" },
  { scheme: "file", language: "go.work" },
  { scheme: "file", pattern: "**/go.mod" },
  { scheme: "file", pattern: "**/go.sum" },
  { scheme: "file", pattern: "**/go.work" },
  { scheme: "file", pattern: "**/go.work.sum" },
];

/** A string[] setting from whatever the user wrote (a lone string counts as one item). */
export function stringList(value: unknown): string[] {
  if (typeof value === "string") {
    return value.trim() ? [value] : [];
  }
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === "string" && v.length > 0);
  }
  return [];
}

export function readLaunchSettings(get: (key: string) => unknown): LaunchSettings {
  return {
    path: stringList(get("path")),
    interpreter: stringList(get("interpreter")),
    args: stringList(get("args")),
  };
}

/** Expand ${workspaceFolder}, ${userHome}, ${env:NAME} and a leading ~. Unknown
 * variables are left as they are, so the error names them. */
export function expandVariables(value: string, variables: Record<string, string>): string {
  let out = value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name in variables) {
      return variables[name];
    }
    return whole;
  });
  const home = variables["userHome"];
  if (home && (out === "~" || out.startsWith("~/"))) {
    out = home + out.slice(1);
  }
  return out;
}

/** Decide how to start the server: goztLint.path, else goztLint.interpreter with
 * `-m gozt_lint`, else the Python extension's interpreter when gozt-lint is
 * installed in it, else `gozt-lint` on PATH, else the extension-managed
 * environment. When none applies the error says so and `canInstall` is true: the
 * extension offers to install gozt-lint from the wheel it bundles. */
export function resolveLaunch(settings: LaunchSettings, env: Environment, found: Discovered = {}): Resolution {
  const expand = (items: string[]) => items.map((v) => expandVariables(v, env.variables));
  const extra = expand(settings.args);
  if (settings.path.length > 0) {
    const [command, ...rest] = expand(settings.path);
    return { ok: true, launch: { command, args: [...rest, "lsp", ...extra], source: "goztLint.path" } };
  }
  if (settings.interpreter.length > 0) {
    const [command, ...rest] = expand(settings.interpreter);
    return {
      ok: true,
      launch: { command, args: [...rest, "-m", "gozt_lint", "lsp", ...extra], source: "goztLint.interpreter" },
    };
  }
  const py = found.pythonExtension;
  if (py && py.hasServer) {
    return { ok: true, launch: { command: py.python, args: ["-m", "gozt_lint", "lsp", ...extra], source: "Python extension" } };
  }
  const onPath = env.which(SERVER_EXECUTABLE);
  if (onPath) {
    return { ok: true, launch: { command: onPath, args: ["lsp", ...extra], source: "PATH" } };
  }
  if (found.managed) {
    return { ok: true, launch: { command: found.managed, args: ["lsp", ...extra], source: "managed environment" } };
  }
  const where = py ? ` (not in the Python extension's interpreter ${py.python}, not on PATH)` : " (not on PATH)";
  return {
    ok: false,
    canInstall: true,
    error:
      `gozt-lint was not found${where}. Install it into an environment the extension manages, ` +
      "install it yourself (pip install gozt-lint, or pip install . in a checkout), or set " +
      "goztLint.path (the gozt-lint executable) or goztLint.interpreter (a Python with gozt-lint installed).",
  };
}

/** Python code that exits 0 when gozt-lint's language server can be imported (it
 * needs pygls), printing gozt-lint's version; run with the Python extension's
 * interpreter, which is never trusted to have it. */
export const PROBE_SCRIPT =
  "import importlib.util as u, sys\n" +
  "ok = u.find_spec('gozt_lint') is not None and u.find_spec('pygls') is not None\n" +
  "if ok:\n    import gozt_lint; print(gozt_lint.__version__)\n" +
  "sys.exit(0 if ok else 1)\n";

/** `python --version`-style text ("Python 3.11.7", or "3.11.7") is at least 3.10. */
export function pythonVersionOk(text: string): boolean {
  const m = /(\d+)\.(\d+)/.exec(text);
  if (!m) {
    return false;
  }
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 3 || (major === 3 && minor >= 10);
}

/** The gozt-lint wheel bundled in the extension: the one of `version` if present,
 * else the newest by name. */
export function bundledWheel(files: string[], version: string): string | undefined {
  const wheels = files.filter((f) => /^gozt_lint-[^-]+-py3-none-any\.whl$/.test(f));
  const exact = wheels.find((f) => f === `gozt_lint-${version}-py3-none-any.whl`);
  return exact ?? wheels.sort().at(-1);
}

export interface InstallPlan {
  /** The environment's directory (in the extension's global storage). */
  venv: string;
  /** Commands to run in order: create the environment, install the wheel. */
  steps: string[][];
  /** The server executable once installed. */
  server: string;
}

function joinPath(platform: string, ...parts: string[]): string {
  const sep = platform === "win32" ? "\\" : "/";
  return parts.map((p, i) => (i === 0 ? p.replace(/[\\/]+$/, "") : p.replace(/^[\\/]+|[\\/]+$/g, ""))).join(sep);
}

/** How to install the bundled wheel into an environment of the extension's own:
 * a virtualenv made by `basePython`, then pip (which fetches the dependencies
 * from the user's package index). */
export function installPlan(basePython: string, storageDir: string, wheel: string, platform: string): InstallPlan {
  const venv = joinPath(platform, storageDir, "gozt-lint-env");
  const bin = platform === "win32" ? "Scripts" : "bin";
  const python = joinPath(platform, venv, bin, platform === "win32" ? "python.exe" : "python");
  const server = joinPath(platform, venv, bin, platform === "win32" ? "gozt-lint.exe" : "gozt-lint");
  return {
    venv,
    steps: [
      [basePython, "-m", "venv", venv],
      [python, "-m", "pip", "install", "--disable-pip-version-check", "--upgrade", wheel],
    ],
    server,
  };
}

/** `which` over a PATH string, with an injectable file test (pure for tests). */
export function whichIn(
  name: string,
  pathEnv: string | undefined,
  isExecutable: (candidate: string) => boolean,
  platform: string,
): string | undefined {
  if (!pathEnv) {
    return undefined;
  }
  const sep = platform === "win32" ? ";" : ":";
  const exts = platform === "win32" ? [".exe", ".cmd", ".bat", ""] : [""];
  for (const dir of pathEnv.split(sep)) {
    // A relative entry (".", "bin") would resolve against the workspace the server
    // is started in: a repository could plant its own gozt-lint there.
    if (!dir || !(platform === "win32" ? /^([A-Za-z]:[\\/]|[\\/]{2})/.test(dir) : dir.startsWith("/"))) {
      continue;
    }
    for (const ext of exts) {
      const candidate = dir.replace(/[\\/]+$/, "") + (platform === "win32" ? "\\" : "/") + name + ext;
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

export type ServerState = "starting" | "running" | "stopped" | "failed";

/** Text and tooltip of the status bar item. */
export function statusText(state: ServerState, detail?: string): { text: string; tooltip: string } {
  const icon = { starting: "$(sync~spin)", running: "$(shield)", stopped: "$(circle-slash)", failed: "$(error)" }[state];
  const tooltip = detail ? `gozt-lint: ${state} (${detail})` : `gozt-lint: ${state}`;
  return { text: `${icon} gozt-lint`, tooltip };
}

/** The addIgnore command's argument with the user's reason added. */
export function withReason(args: unknown[], reason: string): unknown[] {
  const first = args[0];
  const spec = typeof first === "object" && first !== null ? { ...(first as Record<string, unknown>) } : {};
  spec.reason = reason;
  return [spec, ...args.slice(1)];
}

/** The prompt shown before an ignore is written. */
export function reasonPrompt(args: unknown[]): string {
  const first = args[0] as Record<string, unknown> | undefined;
  const rule = first && typeof first.rule === "string" ? first.rule : "this finding";
  const module = first && typeof first.module === "string" ? ` for ${first.module}` : "";
  return `Why is ${rule}${module} acceptable? (recorded in .gozt-lint.toml)`;
}

/** The server-side settings (the `goztLint` section the server reads), from the
 * extension's configuration: only known keys with the right types. */
export function serverSettings(get: (key: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const families = get("families");
  if (Array.isArray(families)) {
    out.families = stringList(families);
  }
  const online = get("online");
  if (typeof online === "boolean") {
    out.online = online;
  }
  const go = get("go");
  if (typeof go === "string" && go.trim()) {
    out.go = go.trim();
  }
  const severity = get("severity");
  if (severity && typeof severity === "object" && !Array.isArray(severity)) {
    out.severity = Object.fromEntries(
      Object.entries(severity as Record<string, unknown>).filter(([, v]) => typeof v === "string"),
    );
  }
  return out;
}
