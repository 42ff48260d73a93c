"""No program from the checkout runs, in any mode: `gozt-lint --all`, `snapshot --cache`,
the language server's background run.

The checkout is hostile: its .git/config names a core.fsmonitor program, a clean filter,
a textconv driver and an external diff for every file (.gitattributes); its .hg/hgrc has
hooks and an extension; its bin/ (on PATH, as direnv would put it) and "." (a relative
PATH entry) hold `git`, `hg` and `go` programs. Each writes a marker when it runs. A
sanity check first shows that the planted configuration is live (git and hg do run it).
Shims of `git` and `hg` first on PATH log every invocation: hg must never run, git only
for the plumbing history needs. Where strace exists, every execve of a deep run is listed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import gomods, gotool

HERE = Path(__file__).resolve().parent.parent


def _script(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


class Hostile:
    def __init__(self, repo: Path, markers: Path, shims: Path, env: dict[str, str]) -> None:
        self.repo, self.markers, self.shims, self.env = repo, markers, shims, env

    def fired(self) -> list[str]:
        return sorted(p.name for p in self.markers.iterdir())

    def shim_log(self) -> list[list[str]]:
        log = self.shims / "log.jsonl"
        return [json.loads(ln) for ln in log.read_text().splitlines()] if log.exists() else []

    def reset(self) -> None:
        for p in self.markers.iterdir():
            p.unlink()
        (self.shims / "log.jsonl").unlink(missing_ok=True)


@pytest.fixture
def hostile(goenv: gotool.GoEnvDirs, tmp_path: Path) -> Hostile:
    proxy = gomods.build_proxy(tmp_path / "proxy")
    repo = tmp_path / "repo"
    gomods.tidy(goenv, proxy, repo, {"example.com/dep": "v1.0.0", "example.com/old": "v1.0.0"},
                code='package main\n\nimport (\n\t"example.com/dep"\n\t_ "example.com/old"\n)\n\nfunc main() { println(dep.X) }\n')
    markers = tmp_path / "markers"
    markers.mkdir()
    genv = gomods.git_env(goenv.environ)
    gomods.init_repo(repo, genv)
    # A base to compare with, so the history family resolves it (GitPython) in --all runs.
    gomods.git(repo, "remote", "add", "origin", str(repo), env=genv)
    gomods.git(repo, "fetch", "-q", "origin", env=genv)
    gomods.git(repo, "branch", "-q", "--set-upstream-to=origin/main", env=genv)
    evil = repo / "evil"
    for name in ("fsmonitor", "clean", "smudge", "textconv", "extdiff", "process", "hghook", "pager"):
        _script(evil / name, f'touch "{markers}/{name}"\ncat\n')
    for name in ("git", "hg", "go"):
        _script(repo / "bin" / name, f'touch "{markers}/bin-{name}"\n')
        _script(repo / name, f'touch "{markers}/dot-{name}"\n')
    (repo / ".gitattributes").write_text("* filter=evil diff=evil\n")
    for k, v in (
        ("core.fsmonitor", evil / "fsmonitor"), ("filter.evil.clean", evil / "clean"), ("filter.evil.smudge", evil / "smudge"),
        ("filter.evil.process", evil / "process"), ("diff.evil.textconv", evil / "textconv"), ("diff.external", evil / "extdiff"),
        ("core.pager", evil / "pager"),
    ):
        gomods.git(repo, "config", k, str(v), env=genv)
    hg = shutil.which("hg")
    if hg:
        subprocess.run([hg, "init", str(repo)], env={**genv, "HGRCPATH": ""}, check=True, capture_output=True)
        (repo / "evil_ext.py").write_text(f"open({str(markers / 'hgext')!r}, 'w').close()\n")
        (repo / ".hg" / "hgrc").write_text(
            f"[hooks]\npre-status = {evil / 'hghook'}\npre-identify = {evil / 'hghook'}\npre-log = {evil / 'hghook'}\n"
            f"[extensions]\nevil = {repo / 'evil_ext.py'}\n"
        )
    # Shims first on PATH: log and run the real program (hg: just log).
    shims = tmp_path / "shims"
    real_git = shutil.which("git") or "/usr/bin/git"
    log = shims / "log.jsonl"
    (shims / "log.py").parent.mkdir(parents=True, exist_ok=True)
    (shims / "log.py").write_text(f"import json, sys\nopen({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    for name, real in (("git", real_git), ("hg", hg or "/bin/false")):
        _script(shims / name, f'"{sys.executable}" "{shims / "log.py"}" {name} "$@"\nexec "{real}" "$@"\n')
    # The checkout committed as it is (bin/, evil/, .gitattributes), then left dirty, as
    # a pull request's working tree can be: git must not read it.
    gomods.git(repo, "add", "-A", env=genv)
    gomods.git(repo, "-c", "filter.evil.clean=cat", "-c", "filter.evil.smudge=cat", "-c", "filter.evil.process=",
               "commit", "-qm", "hostile", "--no-verify", env=genv)
    (repo / "go.sum").write_text((repo / "go.sum").read_text() + "\n")
    (repo / "main.go").write_text((repo / "main.go").read_text() + "\n// touched\n")
    # A module new in the working tree: history looks for where its go.sum came from.
    gomods.copy_module(repo, repo / "svc")
    for p in markers.iterdir():
        p.unlink()
    path = os.pathsep.join([str(shims), str(repo / "bin"), ".", str(Path(sys.executable).parent), goenv.environ["PATH"]])
    env = {**gomods.git_env(goenv.environ), "PATH": path, "HGRCPATH": ""}
    return Hostile(repo, markers, shims, env)


def test_the_planted_configuration_is_live(hostile: Hostile) -> None:
    """Without gozt-lint's care the checkout's programs do run: the test can fail."""
    subprocess.run(["git", "status", "--porcelain"], cwd=hostile.repo, env=hostile.env, capture_output=True)
    subprocess.run(["git", "diff", "HEAD"], cwd=hostile.repo, env=hostile.env, capture_output=True)
    fired = hostile.fired()
    assert "fsmonitor" in fired and {"clean", "process"} & set(fired) and "extdiff" in fired, fired
    if shutil.which("hg"):
        hostile.reset()
        subprocess.run(["hg", "status"], cwd=hostile.repo, env=hostile.env, capture_output=True)
        assert "hghook" in hostile.fired() or "hgext" in hostile.fired(), hostile.fired()
    hostile.reset()
    subprocess.run(["go"], cwd=hostile.repo, env={**hostile.env, "PATH": "." + os.pathsep + hostile.env["PATH"]}, capture_output=True)


def _allowed_git(argv: list[str]) -> bool:
    """git plumbing that never reads the working tree."""
    args = [a for a in argv if not a.startswith("-c")]
    words = [a for a in args if not a.startswith("-") and "=" not in a]
    if not words:
        return True
    sub = words[0]
    if sub == "diff":
        return "--cached" in argv
    return sub in {"version", "cat-file", "ls-tree", "rev-parse", "merge-base", "rev-list", "for-each-ref", "show-ref", "config"}


def _check(h: Hostile) -> None:
    assert h.fired() == [], h.fired()
    log = h.shim_log()
    assert not [a for a in log if a[0] == "hg"], log
    bad = [a[1:] for a in log if a[0] == "git" and not _allowed_git(a[1:])]
    assert not bad, bad


def _gozt(h: Hostile, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gozt_lint", *args], cwd=h.repo, env=h.env, capture_output=True, text=True, timeout=300)


def test_all(hostile: Hostile) -> None:
    p = _gozt(hostile, "--all", "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert "history" in " ".join(doc["rules_run"]) or any(r.startswith("gosum-hash") for r in doc["rules_run"])
    _check(hostile)
    # The go binary the checkout puts on PATH was found, reported and not run.
    assert any("inside the repository being checked" in n for n in doc["notes"]), doc["notes"]
    assert [a for a in hostile.shim_log() if a[0] == "git"], (doc["notes"], doc["errors"])


def test_relative_and_checkout_path_entries(hostile: Hostile) -> None:
    """PATH with "." first and the checkout's bin/ next: git and go come from elsewhere."""
    env = dict(hostile.env)
    env["PATH"] = os.pathsep.join([".", str(hostile.repo / "bin"), str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "--all", "--format", "json"], cwd=hostile.repo, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode in (0, 1), p.stderr
    assert hostile.fired() == []


def test_snapshot_cache(hostile: Hostile) -> None:
    p = _gozt(hostile, "snapshot", "--cache", "--output", str(hostile.repo.parent / "snap.json"))
    assert p.returncode == 0, p.stderr
    _check(hostile)
    p = _gozt(hostile, "--all", "--snapshot", str(hostile.repo.parent / "snap.json"), "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    _check(hostile)


def test_language_server_background_run(hostile: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    from gozt_lint.lsp.check import Request
    from gozt_lint.lsp.worker import Job

    for k, v in hostile.env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(hostile.repo)
    req = Request(cwd=str(hostile.repo), paths=[str(hostile.repo / "go.mod"), str(hostile.repo / "go.sum")],
                  families=["history", "modcache", "sumdb", "toolchain", "env", "gosum-missing"])
    out = Job(req).run(timeout=300)
    assert out is not None and "gosum-missing" in out.rules_run, out
    _check(hostile)


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.parametrize("go_first", [False, True])
def test_every_execve_of_a_deep_run(hostile: Hostile, tmp_path: Path, go_first: bool) -> None:
    """The whole process tree of `gozt-lint --all`: Python, the real go (`go env`, `go
    version`) when PATH names it before the checkout's, git plumbing; nothing else."""
    trace = tmp_path / "trace"
    env = dict(hostile.env)
    if go_first:
        env["PATH"] = os.pathsep.join([str(Path(gotool.find_go()).parent), env["PATH"]])
    p = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(trace), sys.executable, "-m", "gozt_lint", "--all", "--format", "json"],
        cwd=hostile.repo, env=env, capture_output=True, text=True, timeout=600,
    )
    assert p.returncode in (0, 1), p.stderr
    execs = []
    for ln in trace.read_text().splitlines():
        if "execve(" not in ln or "= -1" in ln or "resumed" in ln:
            continue
        prog = ln.split('execve("', 1)[1].split('"', 1)[0]
        argv = ln.split("[", 1)[1].rsplit("]", 1)[0]
        execs.append((prog, argv))
    go = os.path.realpath(gotool.find_go())
    python = {os.path.realpath(sys.executable), sys.executable}
    unexpected = []
    for prog, argv in execs:
        real = os.path.realpath(prog)
        name = os.path.basename(real)
        if real in python or name.startswith("python"):
            continue
        if real == go or (name == "go" and str(hostile.repo) not in real):
            assert '"env"' in argv or '"version"' in argv, argv
            continue
        if name in ("git", "sh", "dash", "bash") and str(hostile.shims) in argv + prog:
            continue  # the logging shim itself (checked through its log)
        if name == "git":
            continue  # checked through the shim log: plumbing only
        unexpected.append((prog, argv))
    assert not unexpected, unexpected
    assert not any(str(hostile.repo) in prog for prog, _ in execs), execs
    ran = {os.path.basename(os.path.realpath(prog)) for prog, _ in execs}
    assert "git" in ran and ("go" in ran) is go_first, ran
    _check(hostile)
