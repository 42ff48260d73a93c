"""Reading git objects with plain `git` subprocesses.

The pre-commit hook reads what is being committed, so this module runs `git`
itself: git honours ``GIT_INDEX_FILE`` (set for hooks during ``git commit
<path>``), and one ``git cat-file --batch`` process answers every blob request of
a run. GitPython costs ~0.12 s to import and its ``repo.index`` ignores
``GIT_INDEX_FILE``, so it is used only off the hot path (see history.resolve_base).

Every call disables the file-system monitor and external diff drivers: a
checkout's configuration must not make us run programs.
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


def run(repo: Path | str, args: Sequence[str], environ: Mapping[str, str], *, input: bytes | None = None) -> bytes:
    """Stdout of ``git args`` in ``repo``; GitError with git's message on failure."""
    try:
        p = subprocess.run(
            ["git", *SAFE_CONFIG, *args], cwd=str(repo), env=_env(environ), input=input,
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


def renames(repo: Path | str, base: str | None, environ: Mapping[str, str], *, cached: bool) -> dict[str, str]:
    """new path -> old path for files renamed between ``base`` and the index
    (``cached``) or the working tree, by git's rename detection."""
    args = ["diff", "--no-ext-diff", "--no-textconv", "-M", "--name-status", "-z", "--diff-filter=R"]
    if cached:
        args.append("--cached")
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
