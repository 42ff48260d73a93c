import assert from "node:assert/strict";
import { test } from "node:test";

import pkg from "../package.json";
import { whichIn } from "../src/launch";
import { folderContaining, untrustedLaunchProblem } from "../src/trust";

type Prop = { scope?: string };
const props = pkg.contributes.configuration.properties as Record<string, Prop>;

// What decides which program runs, with which arguments, which go binary it
// examines and whether it goes online: never from a workspace's settings.
const LAUNCH_AND_REACH = ["goztLint.path", "goztLint.interpreter", "goztLint.args", "goztLint.go", "goztLint.online"];
// Settings a repository may set for itself (what to check, how loudly, tracing).
const WORKSPACE_SAFE = ["goztLint.families", "goztLint.severity", "goztLint.trace.server"];

test("launch and network settings are machine-scoped: a workspace's .vscode/settings.json cannot set them", () => {
  for (const key of LAUNCH_AND_REACH) {
    assert.equal(props[key]?.scope, "machine", key);
  }
});

test("every other setting is one a repository may set, deliberately", () => {
  // A new setting must be added to one of the two lists above: this fails until it is.
  assert.deepEqual(Object.keys(props).sort(), [...LAUNCH_AND_REACH, ...WORKSPACE_SAFE].sort());
  for (const key of WORKSPACE_SAFE) {
    assert.notEqual(props[key].scope, "machine-overridable", key);
  }
});

test("untrusted workspaces: limited support, with the launch settings restricted", () => {
  const trust = pkg.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, "limited");
  assert.ok(trust.description.length > 20);
  assert.deepEqual([...trust.restrictedConfigurations].sort(), [...LAUNCH_AND_REACH].sort());
});

test("a program inside the workspace is the repository's", () => {
  const folders = ["/w/repo", "/w/other/"];
  assert.equal(folderContaining("/w/repo/.venv/bin/python", folders, "linux"), "/w/repo");
  assert.equal(folderContaining("/w/repo/../repo/x", folders, "linux"), "/w/repo");
  assert.equal(folderContaining("/w/other/bin/gozt-lint", folders, "linux"), "/w/other/");
  assert.equal(folderContaining("/w/repository/bin/x", folders, "linux"), undefined);
  assert.equal(folderContaining("/usr/bin/python3", folders, "linux"), undefined);
  assert.equal(folderContaining("python3", folders, "linux"), undefined);
  assert.equal(folderContaining("C:\\W\\Repo\\venv\\python.exe", ["c:\\w\\repo"], "win32"), "c:\\w\\repo");
});

test("not started from an untrusted workspace; started once trusted", () => {
  const cmd = "/w/repo/.venv/bin/python";
  const why = untrustedLaunchProblem(cmd, ["/w/repo"], false, "linux");
  assert.match(why ?? "", /not trusted/);
  assert.match(why ?? "", /goztLint\.interpreter/);
  assert.equal(untrustedLaunchProblem(cmd, ["/w/repo"], true, "linux"), undefined);
  assert.equal(untrustedLaunchProblem("/usr/local/bin/gozt-lint", ["/w/repo"], false, "linux"), undefined);
});

test("PATH lookup skips relative entries, which would resolve inside the workspace", () => {
  const exe = new Set(["./gozt-lint", "bin/gozt-lint", "/usr/bin/gozt-lint"]);
  assert.equal(whichIn("gozt-lint", ".:bin:/usr/bin", (p) => exe.has(p), "linux"), "/usr/bin/gozt-lint");
  assert.equal(whichIn("gozt-lint", ".:bin", (p) => exe.has(p), "linux"), undefined);
  assert.equal(whichIn("gozt-lint", ".;C:\\y", (p) => p === ".\\gozt-lint.exe" || p === "C:\\y\\gozt-lint.exe", "win32"), "C:\\y\\gozt-lint.exe");
});
