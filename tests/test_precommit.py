"""The pre-commit hooks, run by the real pre-commit in real git repositories."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests import gotool

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def _manifest() -> list[dict[str, object]]:
    import yaml  # pre-commit depends on PyYAML

    return yaml.safe_load(MANIFEST.read_text())


def test_manifest_validates() -> None:
    p = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize(
    "path, matches",
    [
        ("go.mod", True),
        ("go.sum", True),
        ("go.work", True),
        ("go.work.sum", True),
        ("sub/dir/go.sum", True),
        ("a/go.work.sum", True),
        ("go.mod.bak", False),
        ("xgo.mod", False),
        ("go.summary", False),
        ("docs/go.md", False),
    ],
)
def test_files_pattern(path: str, matches: bool) -> None:
    hook = next(h for h in _manifest() if h["id"] == "gozt-lint")
    assert bool(re.search(str(hook["files"]), path)) is matches


def _git(repo: Path, *args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=check)


def _local_config(tmp: Path) -> str:
    """A .pre-commit-config.yaml running our manifest's hooks from this checkout's interpreter.

    The hooks keep the manifest's id, entry arguments, file pattern and filename
    passing; only the install step (a venv built from PyPI) is replaced by the
    interpreter running the tests, so no network is needed.
    """
    import yaml

    hooks = []
    for h in _manifest():
        entry = str(h["entry"])
        assert entry.split()[0] == "gozt-lint"
        hook = {
            "id": h["id"],
            "name": h["name"],
            "entry": f"{shlex.quote(sys.executable)} -m gozt_lint {' '.join(entry.split()[1:])}",
            "language": "system",
            "pass_filenames": h.get("pass_filenames", True),
            "require_serial": h.get("require_serial", False),
        }
        for key in ("files", "always_run"):
            if key in h:
                hook[key] = h[key]
        hooks.append(hook)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]})


@pytest.fixture
def consumer(goenv: gotool.GoEnvDirs, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository holding a Go module made tidy by the real go against a file:// proxy."""
    proxy = tmp_path / "proxy"
    gotool.add_module(proxy, "example.com/dep", "v1.0.0", {"go.mod": "module example.com/dep\n\ngo 1.21\n", "dep.go": "package dep\n\nconst X = 1\n"})
    gotool.add_module(proxy, "example.com/dep", "v1.1.0", {"go.mod": "module example.com/dep\n\ngo 1.21\n", "dep.go": "package dep\n\nconst X = 2\n"})
    repo = tmp_path / "repo"
    gotool.write_module(repo, "example.com/app", requires={"example.com/dep": "v1.0.0"}, code='package main\n\nimport "example.com/dep"\n\nfunc main() { println(dep.X) }\n')
    env = {**goenv.environ, "GOPROXY": gotool.proxy_url(proxy), "GOFLAGS": "-mod=mod"}
    goenv.go("mod", "tidy", cwd=repo, env=env)
    assert (repo / "go.sum").read_text().count("example.com/dep v1.0.0") == 2
    genv = {
        **goenv.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), goenv.environ["PATH"]]),
        # A policy the environment hook accepts (GOPROXY=off and GOSUMDB=off are findings).
        "GOPROXY": gotool.proxy_url(proxy), "GOSUMDB": "sum.golang.org", "GOTOOLCHAIN": "local",
    }
    _git(repo, "init", "-q", "-b", "main", env=genv)
    (repo / ".pre-commit-config.yaml").write_text(_local_config(tmp_path))
    _git(repo, "add", ".", env=genv)
    _git(repo, "commit", "-qm", "initial", "--no-verify", env=genv)
    p = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=genv, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return repo, genv


def test_clean_commit_passes(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    (repo / "go.mod").write_text((repo / "go.mod").read_text() + "\n// a comment\n")
    _git(repo, "add", "go.mod", env=env)
    p = _git(repo, "commit", "-m", "touch go.mod", env=env, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "gozt-lint (go.mod, go.sum, go.work)" in p.stdout + p.stderr


def test_conflicting_gosum_is_refused(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    gosum = repo / "go.sum"
    line = next(ln for ln in gosum.read_text().splitlines() if ln.startswith("example.com/dep v1.0.0 h1:"))
    gosum.write_text(gosum.read_text() + line[:-5] + "AAAA=\n")
    _git(repo, "add", "go.sum", env=env)
    p = _git(repo, "commit", "-m", "bad go.sum", env=env, check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "[gosum-conflict]" in out and "go.sum:" in out
    assert _git(repo, "log", "--oneline", env=env).stdout.count("\n") == 1  # refused


def test_missing_gosum_lines_are_refused(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    gosum = repo / "go.sum"
    gosum.write_text("".join(ln + "\n" for ln in gosum.read_text().splitlines() if "/go.mod" not in ln))
    _git(repo, "add", "go.sum", env=env)
    p = _git(repo, "commit", "-m", "drop lines", env=env, check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "[gosum-missing]" in out and "example.com/dep" in out
