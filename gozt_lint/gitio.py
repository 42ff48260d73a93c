"""Reading git objects with plain `git` subprocesses.

The pre-commit hook reads what is being committed, so this module runs `git`
itself: git honours ``GIT_INDEX_FILE`` (set for hooks during ``git commit
<path>``), and one ``git cat-file --batch`` process answers every blob request of
a run. GitPython costs ~0.12 s to import and its ``repo.index`` ignores
``GIT_INDEX_FILE``, so it is used only off the hot path (see history.resolve_base).

A checkout's configuration must not make us run programs, so:

- ``git`` is found on PATH as the go command finds ``go``: absolute entries only,
  and never inside the repository being read (a relative entry, or ``./bin`` put
  on PATH by a tool like direnv, would hand the checkout that choice);
- every call disables the file-system monitor and external diff drivers, and the
  same settings reach GitPython's processes through ``GIT_CONFIG_*`` variables;
- nothing here makes git read the working tree: a ``git diff`` against it would
  run the ``clean`` filter a ``.gitattributes`` names (``filter.<driver>.clean``
  in the repository's config). Renames are followed through the index
  (``git diff --cached``) or, for the working tree, by comparing contents here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Mapping, NamedTuple, Sequence

GIT_TIMEOUT = 60.0
SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.useBuiltinFSMonitor=false", "-c", "diff.external=")


class GitError(Exception):
    """git is missing, the directory is not a repository, or a command failed."""


class Blob(NamedTuple):
    spec: str  # what was asked for, e.g. "HEAD:go.sum" or ":go.sum"
    oid: str | None  # None when missing
    data: bytes | None


def _env(environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    # Never prompt (a credential helper or pager waiting on a terminal would hang a hook).
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("GIT_PAGER", "cat")
    env["GIT_OPTIONAL_LOCKS"] = "0"
    return env


def safe_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for any git process: SAFE_CONFIG as GIT_CONFIG_* variables
    (git 2.31+), for processes we do not start ourselves (GitPython's)."""
    env = _env(environ)
    pairs = [SAFE_CONFIG[i + 1].split("=", 1) for i in range(0, len(SAFE_CONFIG), 2)]
    try:
        n = int(environ.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        n = 0
    for key, value in pairs:
        env[f"GIT_CONFIG_KEY_{n}"] = key
        env[f"GIT_CONFIG_VALUE_{n}"] = value
        n += 1
    env["GIT_CONFIG_COUNT"] = str(n)
    return env


def find_git(environ: Mapping[str, str], repo: Path | str | None = None) -> str | None:
    """The ``git`` PATH names: absolute entries only, none inside ``repo``."""
    top = os.path.realpath(repo) if repo is not None else None
    for d in (environ.get("PATH") or "").split(os.pathsep):
        if not d or not os.path.isabs(d):
            continue
        cand = os.path.join(d, "git")
        try:
            ok = os.path.isfile(cand) and os.access(cand, os.X_OK)
        except (OSError, ValueError):
            ok = False
        if not ok:
            continue
        if top is not None:
            real = os.path.realpath(cand)
            if real == top or real.startswith(top.rstrip(os.sep) + os.sep) or _inside(d, top):
                continue  # the checkout's own git: never run
        return cand
    return None


def _inside(d: str, top: str) -> bool:
    real = os.path.realpath(d)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def run(repo: Path | str, args: Sequence[str], environ: Mapping[str, str], *, input: bytes | None = None) -> bytes:
    """Stdout of ``git args`` in ``repo``; GitError with git's message on failure."""
    git = find_git(environ, repo)
    if git is None:
        raise GitError("git is not installed (not found on PATH outside the repository)")
    try:
        p = subprocess.run(
            [git, *SAFE_CONFIG, *args], cwd=str(repo), env=_env(environ), input=input,
            capture_output=True, timeout=GIT_TIMEOUT, stdin=None if input is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (not found on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {' '.join(args)}` did not finish in {GIT_TIMEOUT:.0f}s") from None
    except OSError as e:
        raise GitError(f"cannot run git: {e}") from None
    if p.returncode != 0:
        msg = p.stderr.decode("utf-8", "replace").strip() or f"exit status {p.returncode}"
        raise GitError(f"`git {' '.join(args)}` failed: {msg}")
    return p.stdout


def cat_file(repo: Path | str, specs: Sequence[str], environ: Mapping[str, str]) -> list[Blob]:
    """Objects named by ``specs`` (``rev:path``, ``:path`` for the index), in one process.

    A spec that names nothing (no such path, no HEAD yet) comes back with
    ``oid=None``. Specs must not contain newlines.
    """
    for s in specs:
        if "\n" in s or "\r" in s:
            raise GitError(f"cannot ask git for a path containing a newline: {s!r}")
    if not specs:
        return []
    out = run(repo, ["cat-file", "--batch"], environ, input="".join(s + "\n" for s in specs).encode("utf-8", "surrogateescape"))
    blobs: list[Blob] = []
    pos = 0
    for spec in specs:
        nl = out.find(b"\n", pos)
        if nl < 0:
            raise GitError("git cat-file --batch: truncated output")
        header = out[pos:nl].decode("utf-8", "surrogateescape")
        pos = nl + 1
        parts = header.split(" ")
        # "<oid> <type> <size>", or "<spec> missing" / "<spec> ambiguous".
        if len(parts) == 3 and parts[2].isdigit() and parts[1] in ("blob", "commit", "tree", "tag"):
            size = int(parts[2])
            data = out[pos : pos + size]
            if len(data) != size:
                raise GitError("git cat-file --batch: truncated object")
            pos += size + 1  # content, then a newline
            blobs.append(Blob(spec, parts[0], data if parts[1] == "blob" else None))
        else:
            blobs.append(Blob(spec, None, None))
    return blobs


def renames(repo: Path | str, base: str | None, environ: Mapping[str, str]) -> dict[str, str]:
    """new path -> old path for files renamed between ``base`` and the index, by git's
    rename detection (``--cached``: the working tree is never read)."""
    args = ["diff", "--cached", "--no-ext-diff", "--no-textconv", "-M", "--name-status", "-z", "--diff-filter=R"]
    if base:
        args.append(base)
    args.append("--")
    out = run(repo, args, environ).decode("utf-8", "surrogateescape")
    fields = out.split("\0")
    result: dict[str, str] = {}
    i = 0
    while i + 2 < len(fields):
        status, old, new = fields[i], fields[i + 1], fields[i + 2]
        if status.startswith("R"):
            result[new] = old
        i += 3
    return result


def find_git_root(start: Path) -> Path | None:
    """The work tree holding ``start`` (a ``.git`` directory or file), found without git."""
    cur = Path(os.path.abspath(start))
    for d in (cur, *cur.parents):
        if os.path.lexists(d / ".git"):
            return d
    return None


def tree_paths(repo: Path | str, rev: str, environ: Mapping[str, str]) -> list[str]:
    """Every file path in ``rev``'s tree (the tree only: no working tree, no filters)."""
    out = run(repo, ["ls-tree", "-r", "-z", "--name-only", "--full-tree", rev], environ)
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def moved_in_worktree(repo: Path | str, rev: str, new: Mapping[str, bytes | None], environ: Mapping[str, str]) -> dict[str, str]:
    """new path -> old path for working-tree files with no version at ``rev``: the file of
    the same name in ``rev`` that is gone from the working tree and shares at least half
    of its lines (git's rename threshold, judged by lines). Content is compared here, so
    git never runs a checkout's clean filter on the working tree."""
    names = {os.path.basename(p) for p in new}
    gone = [
        p for p in tree_paths(repo, rev, environ)
        if os.path.basename(p) in names and not os.path.lexists(os.path.join(str(repo), *p.split("/")))
    ]
    if not gone:
        return {}
    blobs = {b.spec[len(rev) + 1 :]: b.data for b in cat_file(repo, [f"{rev}:{p}" for p in gone], environ)}
    out: dict[str, str] = {}
    for path, data in new.items():
        if data is None:
            continue
        lines = set(data.splitlines())
        best, score = None, 0.0
        for old in gone:
            old_data = blobs.get(old)
            if old_data is None or os.path.basename(old) != os.path.basename(path):
                continue
            old_lines = set(old_data.splitlines())
            denom = max(len(lines), len(old_lines)) or 1
            s = len(lines & old_lines) / denom
            if s >= 0.5 and s > score:
                best, score = old, s
        if best is not None:
            out[path] = best
    return out
