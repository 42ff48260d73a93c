"""The VS Code extension builds: type-checks (tsc --noEmit), its pure logic passes
node --test, and it packages to a .vsix (vsce). VS Code itself cannot run here.

Needs `npm ci --prefix vscode-extension` (the README's test command runs it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from gozt_lint import __version__
from gozt_lint.lsp import settings as settings_mod
from gozt_lint.registry import FAMILIES

EXT = Path(__file__).resolve().parent.parent / "vscode-extension"


@pytest.fixture(scope="module")
def npm() -> str:
    exe = shutil.which("npm")
    if exe is None:
        pytest.fail("npm not found: the VS Code extension tests need Node.js 20+ and npm")
    if not (EXT / "node_modules" / ".bin" / "tsc").exists():
        pytest.fail("vscode-extension/node_modules is missing: run `npm ci --prefix vscode-extension` first")
    return exe


def run(npm: str, *args: str) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([npm, "run", *args], cwd=EXT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"npm run {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}"
    return p


def test_typecheck(npm: str) -> None:
    run(npm, "typecheck")


def test_unit_tests(npm: str) -> None:
    out = run(npm, "test").stdout
    assert "# fail 0" in out and "# pass " in out
    assert int(out.split("# pass ")[1].split()[0]) >= 18


def test_package_vsix(npm: str) -> None:
    vsix = EXT / "gozt-lint.vsix"
    vsix.unlink(missing_ok=True)
    run(npm, "package")
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("extension/package.json"))
        bundle = z.read("extension/dist/extension.js").decode("utf-8")
    assert "extension/dist/extension.js" in names and "extension/LICENSE.txt" in names
    assert not any("node_modules" in n or n.startswith("extension/src/") or n.endswith(".ts") for n in names), names
    # The bundle carries the language client; only `vscode` is left to the host.
    assert 'require("vscode")' in bundle and 'require("vscode-languageclient' not in bundle
    assert "gozt-lint.addIgnore" in bundle and "gozt_lint" in bundle
    assert manifest["main"] == "./dist/extension.js"
    # The Python extension's API is bundled too (optional at run time: looked up, not required).
    assert "ms-python.python" in bundle and "extensionDependencies" not in manifest
    # The wheel the extension installs when gozt-lint is not found.
    wheels = [n for n in names if n.startswith("extension/bundled/")]
    assert wheels == [f"extension/bundled/gozt_lint-{__version__}-py3-none-any.whl"], names


def test_bundled_wheel_installs_and_runs(npm: str, tmp_path: Path) -> None:
    """What the extension's install does with the wheel in the .vsix: a virtualenv,
    pip install (here offline and without dependencies: `explain` needs none)."""
    import os
    import venv

    vsix = EXT / "gozt-lint.vsix"
    if not vsix.exists():
        run(npm, "package")
    with zipfile.ZipFile(vsix) as z:
        (name,) = [n for n in z.namelist() if n.startswith("extension/bundled/") and n.endswith(".whl")]
        wheel = tmp_path / Path(name).name
        wheel.write_bytes(z.read(name))
    env_dir = tmp_path / "gozt-lint-env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    p = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--disable-pip-version-check", str(wheel)],
        capture_output=True, text=True, env=clean, timeout=300,
    )
    assert p.returncode == 0, p.stderr
    p = subprocess.run([str(env_dir / "bin" / "gozt-lint"), "explain", "gosum-line-removed"], cwd=tmp_path, capture_output=True, text=True, env=clean)
    assert p.returncode == 0 and p.stdout.startswith("# gosum-line-removed\n"), p.stderr


def test_commands_match_the_server() -> None:
    """The palette's commands are contributed, and Check Again names the server's command."""
    from gozt_lint.lsp.server import CMD_RECHECK

    pkg = json.loads((EXT / "package.json").read_text())
    contributed = {c["command"] for c in pkg["contributes"]["commands"]}
    src = (EXT / "src" / "launch.ts").read_text()
    ids = dict(re.findall(r'^\s+(\w+): "(gozt-lint\.\w+)",$', src.split("export const COMMANDS", 1)[1].split("} as const", 1)[0], re.M))
    assert set(ids.values()) == contributed == {"gozt-lint.checkAgain", "gozt-lint.restart", "gozt-lint.showOutput", "gozt-lint.installServer"}
    assert f'export const SERVER_RECHECK = "{CMD_RECHECK}";' in src


def test_manifest_matches_the_server() -> None:
    """Settings the extension offers are the ones the server reads."""
    pkg = json.loads((EXT / "package.json").read_text())
    props = pkg["contributes"]["configuration"]["properties"]
    fams = props["goztLint.families"]
    assert set(fams["items"]["enum"]) == set(FAMILIES)
    assert tuple(fams["default"]) == settings_mod.DEFAULT_FAMILIES
    assert props["goztLint.severity"]["additionalProperties"]["enum"] == list(settings_mod.SEVERITIES)
    assert props["goztLint.online"]["default"] is False
    langs = {lang["id"]: lang.get("filenames", []) for lang in pkg["contributes"]["languages"]}
    assert langs == {"go.mod": ["go.mod"], "go.sum": ["go.sum", "go.work.sum"], "go.work": ["go.work"]}
    assert {"onLanguage:go.mod", "onLanguage:go.sum", "onLanguage:go.work"} <= set(pkg["activationEvents"])
    lock = json.loads((EXT / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == pkg["dependencies"]
    assert lock["packages"][""]["devDependencies"] == pkg["devDependencies"]
