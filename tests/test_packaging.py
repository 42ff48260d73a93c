"""The distributions: the sdist builds the wheel (as `python -m build` does it), the
wheel carries the licence, the metadata and every rule's page, and an installed wheel
explains rules from its own files. Built offline: no build isolation, with the
setuptools and build of the test extra."""

from __future__ import annotations

import email
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from gozt_lint import __version__
from gozt_lint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    for mod in ("build", "setuptools"):
        if importlib.util.find_spec(mod) is None:
            pytest.fail(f"the packaging tests need `{mod}` (in the test extra: pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("dist")
    # Build from a copy: the build writes build/ and *.egg-info next to the sources.
    src = tmp_path_factory.mktemp("src") / "gozt-lint"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(".venv", "node_modules", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "*.vsix"),
    )
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    # Without --sdist/--wheel, build makes the sdist and then the wheel *from the sdist*.
    p = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)], capture_output=True, text=True, env=env, timeout=600
    )
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    (sdist,) = out.glob("gozt_lint-*.tar.gz")
    (wheel,) = out.glob("gozt_lint-*-py3-none-any.whl")
    return sdist, wheel


def test_wheel_carries_license_metadata_and_rule_pages(dists: tuple[Path, Path]) -> None:
    _, wheel = dists
    assert wheel.name == f"gozt_lint-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = f"gozt_lint-{__version__}.dist-info"
        meta = email.message_from_bytes(z.read(f"{info}/METADATA"))
        license_text = z.read(f"{info}/licenses/LICENSE").decode()
        entry_points = z.read(f"{info}/entry_points.txt").decode()
        pages = {n: z.read(n).decode() for n in names if n.startswith("gozt_lint/docs/rules/")}
    assert license_text == (ROOT / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in license_text
    assert meta["License-Expression"] == "Apache-2.0" and meta["License"] is None
    assert meta.get_all("License-File") == ["LICENSE"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Issues", "Changelog", "Documentation"} <= set(urls)
    assert all(u.startswith("https://github.com/gozt-lint/gozt-lint") for u in urls.values())
    classifiers = meta.get_all("Classifier")
    assert "Topic :: Security" in classifiers and "Programming Language :: Python :: 3 :: Only" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers), "PEP 639: the expression replaces licence classifiers"
    assert "go.sum" in meta["Keywords"].split(",")
    assert meta["Requires-Python"] == ">=3.10"
    assert "gozt-lint = gozt_lint.cli:main" in entry_points
    # Every rule's page, byte for byte; the Neovim config; no tests.
    assert set(pages) == {f"gozt_lint/docs/rules/{slug}.md" for slug in all_rules()}
    for name, text in pages.items():
        assert text == (ROOT / "docs" / "rules" / Path(name).name).read_text()
    assert "gozt_lint/lsp/gozt_lint.lua" in names and "gozt_lint/lsp/server.py" in names
    assert not any(n.startswith("tests/") for n in names)


def test_sdist_carries_docs_tests_and_what_ci_uses(dists: tuple[Path, Path]) -> None:
    sdist, _ = dists
    top = f"gozt_lint-{__version__}"
    with tarfile.open(sdist) as t:
        names = {n[len(top) + 1 :] for n in t.getnames() if n.startswith(top + "/")}
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    want = [
        n
        for n in tracked
        if n.startswith(("docs/", "tests/", "gozt_lint/", "lsp/", "bench/", "action/"))
        or n in ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", ".pre-commit-hooks.yaml", "action.yml")
    ]
    missing = sorted(set(want) - names)
    assert not missing, f"the sdist lacks {missing[:20]}"
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not any(n.startswith(("vscode-extension/", ".venv/")) for n in names)


def test_installed_wheel_explains_rules_from_its_own_files(dists: tuple[Path, Path], tmp_path: Path) -> None:
    """Installed from the wheel alone (no checkout next to it), `explain` reads the
    page the wheel carries. The command needs no third-party package."""
    _, wheel = dists
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    p = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        env=clean,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(py), "-c", "import gozt_lint; print(gozt_lint.__file__)"], cwd=elsewhere, env=clean, capture_output=True, text=True)
    assert where.stdout.startswith(str(env_dir)), where.stdout + where.stderr
    for slug in ("gosum-hash-changed", "sumdb-unverified"):
        p = subprocess.run([str(env_dir / "bin" / "gozt-lint"), "explain", slug], cwd=elsewhere, env=clean, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert p.stdout == (ROOT / "docs" / "rules" / f"{slug}.md").read_text()
    v = subprocess.run([str(env_dir / "bin" / "gozt-lint"), "--version"], env=clean, capture_output=True, text=True)
    assert v.stdout.strip() == f"gozt-lint {__version__}"
