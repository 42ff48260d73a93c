// Build the gozt-lint wheel from this checkout into bundled/, for the .vsix: the
// extension installs it into an environment of its own when gozt-lint is not found.
//
// Uses $GOZT_LINT_PYTHON, else python3. Builds without isolation when that Python
// already has setuptools >= 77 (offline, as the tests do), else with pip's isolated
// build (which downloads setuptools).
"use strict";
const cp = require("child_process");
const fs = require("fs");
const path = require("path");

const ext = path.resolve(__dirname, "..");
const repo = path.resolve(ext, "..");
const out = path.join(ext, "bundled");
const python = process.env.GOZT_LINT_PYTHON || "python3";

function run(args, options = {}) {
  return cp.spawnSync(python, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", ...options });
}

const probe = run(["-c", "import setuptools, sys; sys.exit(0 if int(setuptools.__version__.split('.')[0]) >= 77 else 1)"]);
const isolation = probe.status === 0 ? ["--no-build-isolation"] : [];
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const build = run(["-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "--quiet", ...isolation, "--wheel-dir", out, repo], {
  cwd: repo,
});
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  process.stderr.write(`bundle-wheel: building the gozt-lint wheel with ${python} failed\n`);
  process.exit(1);
}
const wheels = fs.readdirSync(out).filter((f) => /^gozt_lint-.*\.whl$/.test(f));
if (wheels.length !== 1) {
  process.stderr.write(`bundle-wheel: expected one gozt_lint wheel in ${out}, found ${JSON.stringify(fs.readdirSync(out))}\n`);
  process.exit(1);
}
// Only our wheel: its dependencies come from the user's package index at install time.
console.log(`bundled/${wheels[0]}`);
