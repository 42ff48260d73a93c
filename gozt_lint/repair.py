"""Quarantine: move tampered or incomplete module versions out of the module cache.

    gozt-lint cache quarantine [--apply] [--dest DIR] [--no-memo] [MODULE@VERSION ...]

Without MODULE@VERSION arguments the module cache is verified (the modcache rules)
and every entry a finding marks with a ``quarantine`` fix is planned. Without
``--apply`` nothing moves: the plan is printed. With it, each piece of the entry
(the extracted directory, leftover extraction dirs, and ``.zip .ziphash .mod .info
.partial`` and temp files under ``cache/download``) is renamed into DEST, keeping
its path relative to GOMODCACHE, so the next go command downloads the version
again and checks it against go.sum and the checksum database. ``.lock`` files
stay (a running go command may hold one).

Every move is a single rename (atomic; DEST must be on the same file system,
default ``<GOMODCACHE>/../gozt-lint-quarantine/<UTC time>/``) and is logged to
``DEST/quarantine.log`` (JSON lines). Read-only directories are handled as the
go command handles them (cmd/go/internal/modfetch RemoveAll): the write bit is
added for the rename and the original mode restored afterwards. Nothing that was
not planned is touched; nothing is deleted.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence, TextIO

from gozt_lint import module
from gozt_lint.errors import UsageError

if TYPE_CHECKING:
    from gozt_lint.goenv import GoEnv

LOG_NAME = "quarantine.log"
_PIECES = ("zip", "ziphash", "mod", "info", "partial")


@dataclass
class Move:
    module: str
    version: str
    src: str
    dst: str
    status: str = "planned"  # planned, moved, missing, error: ...

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def default_dest(gomodcache: Path) -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return gomodcache.parent / "gozt-lint-quarantine" / stamp


def plan(gomodcache: Path, path: str, version: str, dest: Path) -> list[Move]:
    """Every piece of path@version the cache holds, and where it would go."""
    try:
        ep, ev = module.escape_path(path), module.escape_version(version)
    except ValueError as e:
        raise UsageError(f"{path}@{version}: {e}") from None
    moves: list[Move] = []

    def add(p: Path) -> None:
        if os.path.lexists(p):
            rel = p.relative_to(gomodcache)
            moves.append(Move(path, version, str(p), str(dest / rel)))

    add(gomodcache / f"{ep}@{ev}")
    parent = (gomodcache / f"{ep}@{ev}").parent
    base = f"{Path(ep).name}@{ev}.tmp-"
    if parent.is_dir():
        for ent in sorted(os.listdir(parent)):
            if ent.startswith(base):
                add(parent / ent)
    vdir = gomodcache / "cache" / "download" / ep / "@v"
    for ext in _PIECES:
        add(vdir / f"{ev}.{ext}")
    if vdir.is_dir():
        for ent in sorted(os.listdir(vdir)):
            if ent.startswith(f"{ev}.") and ent.endswith(".tmp") and ent[len(ev) + 1 :].split(".", 1)[0].rstrip("0123456789") in ("info", "mod", "zip", "ziphash"):
                add(vdir / ent)
    return moves


def _with_write(d: str) -> int | None:
    """Add the owner write bit to directory ``d``; return the mode to restore."""
    try:
        st = os.lstat(d)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_mode & stat.S_IWUSR:
        return None
    os.chmod(d, stat.S_IMODE(st.st_mode) | stat.S_IWUSR)
    return stat.S_IMODE(st.st_mode)


def _move(m: Move) -> None:
    src, dst = m.src, m.dst
    if not os.path.lexists(src):
        m.status = "missing"
        return
    os.makedirs(os.path.dirname(dst), mode=0o700, exist_ok=True)
    if os.path.lexists(dst):
        m.status = "error: destination exists"
        return
    restore: list[tuple[str, int]] = []
    try:
        # Renaming needs write permission on the source's parent and, for a
        # directory, on the directory itself (its ".." entry changes).
        for d in (os.path.dirname(src), src if os.path.isdir(src) and not os.path.islink(src) else None):
            if d:
                mode = _with_write(d)
                if mode is not None:
                    restore.append((d, mode))
        os.rename(src, dst)
        m.status = "moved"
    except OSError as e:
        if e.errno == errno.EXDEV:
            m.status = "error: destination is on another file system (pass --dest on the same one as GOMODCACHE)"
        else:
            m.status = f"error: {e.strerror or e}"
    finally:
        for d, mode in reversed(restore):
            target = dst if (m.status == "moved" and d == src) else d
            try:
                os.chmod(target, mode)
            except OSError:
                pass


def quarantine(gomodcache: Path, entries: list[tuple[str, str]], dest: Path | None, apply: bool) -> list[Move]:
    """Plan (and with ``apply`` perform) the quarantine of ``entries``
    ((module path, version) pairs). Returns one record per piece."""
    gomodcache = Path(gomodcache)
    if not gomodcache.is_absolute():
        raise UsageError(f"GOMODCACHE must be an absolute path: {gomodcache}")
    from gozt_lint.modcache import resolve_root

    # Through a linked cache root: renames happen (and the default DEST lies) on the
    # file system the cache really is on.
    gomodcache = Path(resolve_root(str(gomodcache)))
    dest = Path(dest) if dest is not None else default_dest(gomodcache)
    if not dest.is_absolute():
        dest = Path.cwd() / dest
    try:
        inside = dest.resolve().is_relative_to(gomodcache.resolve())
    except OSError:
        inside = False
    if inside:
        raise UsageError(f"--dest {dest} is inside GOMODCACHE; choose a directory outside it")
    moves: list[Move] = []
    seen: set[tuple[str, str]] = set()
    for path, version in entries:
        if (path, version) in seen:
            continue
        seen.add((path, version))
        moves += plan(gomodcache, path, version, dest)
    if not apply or not moves:
        return moves
    os.makedirs(dest, mode=0o700, exist_ok=True)
    with open(dest / LOG_NAME, "a", encoding="utf-8") as log:
        for m in moves:
            _move(m)
            rec = {"time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), **m.to_json()}
            log.write(json.dumps(rec) + "\n")
            log.flush()
    return moves


def entries_from_findings(findings: Sequence[object]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for f in findings:
        fix = (getattr(f, "data", None) or {}).get("fix")
        if isinstance(fix, dict) and fix.get("kind") == "quarantine" and fix.get("module") and fix.get("version"):
            key = (str(fix["module"]), str(fix["version"]))
            if key not in out:
                out.append(key)
    return out


def print_moves(moves: list[Move], apply: bool, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for m in moves:
        verb = "would move" if not apply else m.status
        print(f"{verb}: {m.src} -> {m.dst}", file=out)


def gomodcache_root(env: GoEnv) -> Path:
    """The module cache a quarantine works on, from the effective Go settings: the
    CLI's --fix, `gozt-lint cache quarantine` and the language server's quarantine
    command all ask here."""
    cache = env.get("GOMODCACHE")
    if not cache:
        raise UsageError("GOMODCACHE is not set and there is no GOPATH")
    return Path(cache)
