import assert from "node:assert/strict";
import { test } from "node:test";

import {
  COMMANDS,
  DOCUMENT_SELECTOR,
  LAUNCH_KEYS,
  PROBE_SCRIPT,
  SERVER_RECHECK,
  bundledWheel,
  expandVariables,
  installPlan,
  pythonVersionOk,
  readLaunchSettings,
  reasonPrompt,
  resolveLaunch,
  serverSettings,
  statusText,
  stringList,
  whichIn,
  withReason,
} from "../src/launch";

const nowhere = { which: () => undefined, variables: { userHome: "/home/u", workspaceFolder: "/w" } };

test("goztLint.path wins and gets lsp plus the extra args", () => {
  const r = resolveLaunch({ path: ["${userHome}/bin/gozt-lint"], interpreter: ["/usr/bin/python3"], args: ["--log-level", "info"] }, nowhere);
  assert.deepEqual(r, {
    ok: true,
    launch: { command: "/home/u/bin/gozt-lint", args: ["lsp", "--log-level", "info"], source: "goztLint.path" },
  });
});

test("an interpreter runs the module", () => {
  const r = resolveLaunch({ path: [], interpreter: ["${workspaceFolder}/.venv/bin/python", "-X", "utf8"], args: [] }, nowhere);
  assert.deepEqual(r, {
    ok: true,
    launch: { command: "/w/.venv/bin/python", args: ["-X", "utf8", "-m", "gozt_lint", "lsp"], source: "goztLint.interpreter" },
  });
});

test("PATH is the fallback", () => {
  const env = { which: (name: string) => (name === "gozt-lint" ? "/usr/local/bin/gozt-lint" : undefined), variables: {} };
  const r = resolveLaunch({ path: [], interpreter: [], args: [] }, env);
  assert.deepEqual(r, { ok: true, launch: { command: "/usr/local/bin/gozt-lint", args: ["lsp"], source: "PATH" } });
});

test("nothing found is a clear error naming the settings, and offers the install", () => {
  const r = resolveLaunch({ path: [], interpreter: [], args: [] }, nowhere);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.error, /goztLint\.path/);
    assert.match(r.error, /goztLint\.interpreter/);
    assert.match(r.error, /\(not on PATH\)/);
    assert.equal(r.canInstall, true);
  }
  const r2 = resolveLaunch({ path: [], interpreter: [], args: [] }, nowhere, { pythonExtension: { python: "/p/bin/python", hasServer: false } });
  assert.equal(r2.ok, false);
  if (!r2.ok) {
    assert.match(r2.error, /not in the Python extension's interpreter \/p\/bin\/python, not on PATH/);
  }
});

const onPath = { which: (name: string) => (name === "gozt-lint" ? "/usr/local/bin/gozt-lint" : undefined), variables: {} };
const none = { path: [], interpreter: [], args: ["-v"] };

test("the Python extension's interpreter comes before PATH, when gozt-lint is in it", () => {
  const withServer = { pythonExtension: { python: "/proj/.venv/bin/python", hasServer: true }, managed: "/store/gozt-lint-env/bin/gozt-lint" };
  assert.deepEqual(resolveLaunch(none, onPath, withServer), {
    ok: true,
    launch: { command: "/proj/.venv/bin/python", args: ["-m", "gozt_lint", "lsp", "-v"], source: "Python extension" },
  });
  // Without gozt-lint in it, PATH; without PATH, the managed environment.
  const without = { ...withServer, pythonExtension: { python: "/proj/.venv/bin/python", hasServer: false } };
  assert.deepEqual(resolveLaunch(none, onPath, without), {
    ok: true,
    launch: { command: "/usr/local/bin/gozt-lint", args: ["lsp", "-v"], source: "PATH" },
  });
  assert.deepEqual(resolveLaunch(none, nowhere, without), {
    ok: true,
    launch: { command: "/store/gozt-lint-env/bin/gozt-lint", args: ["lsp", "-v"], source: "managed environment" },
  });
  // Settings always win.
  const r = resolveLaunch({ path: [], interpreter: ["/i/python"], args: [] }, onPath, withServer);
  assert.ok(r.ok && r.launch.source === "goztLint.interpreter");
});

test("the probe asks for gozt_lint and pygls without running gozt-lint", () => {
  assert.match(PROBE_SCRIPT, /find_spec\('gozt_lint'\)/);
  assert.match(PROBE_SCRIPT, /find_spec\('pygls'\)/);
  assert.match(PROBE_SCRIPT, /sys\.exit\(0 if ok else 1\)/);
});

test("python versions: 3.10 and newer", () => {
  assert.ok(pythonVersionOk("Python 3.10.0"));
  assert.ok(pythonVersionOk("3.13"));
  assert.ok(pythonVersionOk("4.0"));
  assert.ok(!pythonVersionOk("3.9"));
  assert.ok(!pythonVersionOk("Python 2.7.18"));
  assert.ok(!pythonVersionOk("garbage"));
});

test("the bundled wheel: this version's, else the newest", () => {
  const files = ["README", "gozt_lint-0.1.0-py3-none-any.whl", "gozt_lint-0.2.0-py3-none-any.whl", "other-1.0-py3-none-any.whl"];
  assert.equal(bundledWheel(files, "0.1.0"), "gozt_lint-0.1.0-py3-none-any.whl");
  assert.equal(bundledWheel(files, "9.9.9"), "gozt_lint-0.2.0-py3-none-any.whl");
  assert.equal(bundledWheel(["x.whl"], "0.1.0"), undefined);
});

test("the install plan: a venv in the extension's storage, then pip installs the wheel", () => {
  const plan = installPlan("/usr/bin/python3", "/home/u/.config/Code/User/globalStorage/gozt-lint.gozt-lint/", "/ext/bundled/gozt_lint-0.1.0-py3-none-any.whl", "linux");
  const venv = "/home/u/.config/Code/User/globalStorage/gozt-lint.gozt-lint/gozt-lint-env";
  assert.deepEqual(plan, {
    venv,
    steps: [
      ["/usr/bin/python3", "-m", "venv", venv],
      [`${venv}/bin/python`, "-m", "pip", "install", "--disable-pip-version-check", "--upgrade", "/ext/bundled/gozt_lint-0.1.0-py3-none-any.whl"],
    ],
    server: `${venv}/bin/gozt-lint`,
  });
  const win = installPlan("C:\\Python312\\python.exe", "C:\\Users\\u\\store", "w.whl", "win32");
  assert.equal(win.server, "C:\\Users\\u\\store\\gozt-lint-env\\Scripts\\gozt-lint.exe");
});

test("commands: the palette's Check Again runs the server's recheck", () => {
  assert.equal(COMMANDS.checkAgain, "gozt-lint.checkAgain");
  assert.equal(SERVER_RECHECK, "gozt-lint.recheck");
});

test("variables: known ones expand, unknown ones stay, ~ is home", () => {
  const vars = { userHome: "/home/u", "env:GOPATH": "/g" };
  assert.equal(expandVariables("${env:GOPATH}/bin/x", vars), "/g/bin/x");
  assert.equal(expandVariables("${nope}/x", vars), "${nope}/x");
  assert.equal(expandVariables("~/x", vars), "/home/u/x");
  assert.equal(expandVariables("a~b", vars), "a~b");
});

test("settings: a lone string is a one-item list; junk is dropped", () => {
  assert.deepEqual(stringList("gozt-lint"), ["gozt-lint"]);
  assert.deepEqual(stringList(["a", 3, "", "b"]), ["a", "b"]);
  assert.deepEqual(stringList(undefined), []);
  const s = readLaunchSettings((k) => ({ path: "x", interpreter: null, args: ["--log-level", "debug"] })[k]);
  assert.deepEqual(s, { path: ["x"], interpreter: [], args: ["--log-level", "debug"] });
});

test("which walks PATH in order", () => {
  const exe = new Set(["/b/gozt-lint", "/c/gozt-lint"]);
  assert.equal(whichIn("gozt-lint", "/a::/b/:/c", (p) => exe.has(p), "linux"), "/b/gozt-lint");
  assert.equal(whichIn("gozt-lint", "", (p) => exe.has(p), "linux"), undefined);
  assert.equal(whichIn("gozt-lint", "C:\\x;C:\\y", (p) => p === "C:\\y\\gozt-lint.exe", "win32"), "C:\\y\\gozt-lint.exe");
});

test("document selector covers all four files by language and by pattern", () => {
  const langs = DOCUMENT_SELECTOR.filter((s) => "language" in s).map((s) => (s as { language: string }).language);
  assert.deepEqual(langs.sort(), ["go.mod", "go.sum", "go.work"]);
  const patterns = DOCUMENT_SELECTOR.filter((s) => "pattern" in s).map((s) => (s as { pattern: string }).pattern);
  for (const name of ["go.mod", "go.sum", "go.work", "go.work.sum"]) {
    assert.ok(patterns.includes(`**/${name}`), name);
  }
  assert.ok(DOCUMENT_SELECTOR.every((s) => s.scheme === "file"));
});

test("launch keys are what restarts the server", () => {
  assert.deepEqual(LAUNCH_KEYS, ["goztLint.path", "goztLint.interpreter", "goztLint.args"]);
});

test("status text per state", () => {
  assert.equal(statusText("running").text, "$(shield) gozt-lint");
  assert.equal(statusText("failed", "not found").tooltip, "gozt-lint: failed (not found)");
});

test("ignore reason is added without touching the other fields", () => {
  const args = [{ rule: "gosum-conflict", module: "example.com/a", path: "/w/go.sum" }];
  assert.deepEqual(withReason(args, "vendored fork"), [
    { rule: "gosum-conflict", module: "example.com/a", path: "/w/go.sum", reason: "vendored fork" },
  ]);
  assert.deepEqual(args[0], { rule: "gosum-conflict", module: "example.com/a", path: "/w/go.sum" });
  assert.equal(reasonPrompt(args), "Why is gosum-conflict for example.com/a acceptable? (recorded in .gozt-lint.toml)");
  assert.deepEqual(withReason([], "r"), [{ reason: "r" }]);
});

test("server settings keep known keys with the right types only", () => {
  const config: Record<string, unknown> = {
    families: ["gomod", 3, "env"],
    online: "yes",
    go: "  /usr/local/go/bin/go ",
    severity: { "pseudo-version": "off", bad: 1 },
    path: ["/x"],
  };
  assert.deepEqual(serverSettings((k) => config[k]), {
    families: ["gomod", "env"],
    go: "/usr/local/go/bin/go",
    severity: { "pseudo-version": "off" },
  });
  assert.deepEqual(serverSettings(() => undefined), {});
});
