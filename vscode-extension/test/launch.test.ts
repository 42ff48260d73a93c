import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DOCUMENT_SELECTOR,
  LAUNCH_KEYS,
  expandVariables,
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

test("nothing found is a clear error naming the settings", () => {
  const r = resolveLaunch({ path: [], interpreter: [], args: [] }, nowhere);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.error, /goztLint\.path/);
    assert.match(r.error, /goztLint\.interpreter/);
  }
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
