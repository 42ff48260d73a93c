"""The build cache (GOCACHE), verified offline.

Layout (cmd/go/internal/cache): ``README``, ``trim.txt``, ``testexpire.txt``,
``log.txt`` (legacy), ``fuzz/`` (fuzz corpora, not examined) and 256 two-hex
directories ``00``–``ff`` holding

- ``<64 hex>-a`` action entries, exactly 175 bytes:
  ``"v1 " + actionID + " " + outputID + " " + %20d size + " " + %20d UnixNano + "\\n"``;
- ``<64 hex>-d`` outputs whose name is the SHA-256 of their content (a file, or for
  the executable cache a directory holding exactly one file).

The go command checks only an output's *size* before linking it into binaries, so
a same-size edit of a compiled package is used as is. Here every output is
rehashed (memoized per two-hex directory by the lstat of all its entries) and
every action entry parsed as the go command parses it.

Action IDs hash the action's inputs with the toolchain's salt and cannot be
recomputed offline; outputs referenced by an entry but trimmed are fine.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gozt_lint import dirhash
from gozt_lint.memo import Memo, dir_key

if TYPE_CHECKING:
    from gozt_lint.context import Context

ENTRY_SIZE = 175
TOP_FILES = {"README", "trim.txt", "testexpire.txt", "log.txt"}
_NAME = re.compile(r"^[0-9a-f]{64}-[ad]$")
_SUBDIR = re.compile(r"^[0-9a-f]{2}$")
TAMPERED, INVALID = "tampered", "invalid"


@dataclass
class Problem:
    kind: str  # TAMPERED or INVALID
    file: str
    message: str


@dataclass
class Report:
    root: Path
    exists: bool = False
    error: str | None = None
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    outputs: int = 0
    bytes: int = 0


def parse_action(data: bytes) -> tuple[str, str, int, int] | str:
    """(action id, output id, size, time) of an ``-a`` entry, or why the go command
    would reject it (cmd/go/internal/cache DiskCache.get)."""
    if len(data) > ENTRY_SIZE:
        return "too long"
    if len(data) == 0:
        return "file is empty"
    if len(data) < ENTRY_SIZE:
        return "entry file incomplete"
    if data[0:3] != b"v1 " or data[67:68] != b" " or data[132:133] != b" " or data[153:154] != b" " or data[174:175] != b"\n":
        return "invalid header"
    eid, eout, esize, etime = data[3:67], data[68:132], data[133:153], data[154:174]
    for what, h in (("ID", eid), ("output ID", eout)):
        try:
            bytes.fromhex(h.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            return f"decoding {what}: not hex"
    nums = []
    for what, raw in (("size", esize), ("timestamp", etime)):
        s = raw.lstrip(b" ")
        if not re.fullmatch(rb"[+-]?[0-9]+", s):
            return f"parsing {what}: invalid syntax"
        n = int(s)
        if n < 0:
            return f"negative {what}"
        nums.append(n)
    return eid.decode().lower(), eout.decode().lower(), nums[0], nums[1]


def _sha256_file(path: str) -> tuple[str | None, int, str | None]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        return None, 0, f"cannot open: {e.strerror or e}"
    try:
        h = hashlib.sha256()
        n = 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        return h.hexdigest(), n, None
    except OSError as e:
        return None, n, f"cannot read: {e.strerror or e}"
    finally:
        os.close(fd)


def check_subdir(root: str, sub: str) -> dict[str, Any]:
    """Every entry of GOCACHE/<sub>: JSON-able problems and byte count."""
    d = os.path.join(root, sub)
    probs: list[list[str]] = []
    refs: list[str] = []  # output IDs the valid action entries here point at
    nbytes = 0
    entries = outputs = 0
    try:
        with os.scandir(d) as it:
            items = sorted(it, key=lambda e: e.name)
    except OSError as e:
        return {"problems": [[INVALID, d, f"cannot list: {e.strerror or e}"]], "bytes": 0, "entries": 0, "outputs": 0, "refs": []}
    for ent in items:
        name, p = ent.name, ent.path
        try:
            st = ent.stat(follow_symlinks=False)
        except OSError as e:
            probs.append([INVALID, p, f"cannot stat: {e.strerror or e}"])
            continue
        if not _NAME.match(name) or not name.startswith(sub):
            probs.append([INVALID, p, f"unexpected {'directory' if stat.S_ISDIR(st.st_mode) else 'file'} {name!r}: "
                          "not a <sha256>-a or <sha256>-d entry of this directory"])
            continue
        want = name[:64]
        if name.endswith("-d"):
            outputs += 1
            if stat.S_ISREG(st.st_mode):
                digest, n, err = _sha256_file(p)
                nbytes += n
                if err:
                    probs.append([INVALID, p, err])
                elif digest != want:
                    probs.append([TAMPERED, p, f"output content hashes to {digest}, not its name: it was modified after the go command stored it"])
            elif stat.S_ISDIR(st.st_mode):
                try:
                    inner = os.listdir(p)
                except OSError as e:
                    probs.append([INVALID, p, f"cannot list executable entry: {e.strerror or e}"])
                    continue
                if len(inner) != 1:
                    probs.append([INVALID, p, f"executable entry holds {len(inner)} files, not exactly one"])
                    continue
                f = os.path.join(p, inner[0])
                try:
                    ist = os.lstat(f)
                except OSError as e:
                    probs.append([INVALID, f, f"cannot stat: {e.strerror or e}"])
                    continue
                if not stat.S_ISREG(ist.st_mode):
                    probs.append([INVALID, f, "executable entry is not a regular file (never followed)"])
                    continue
                digest, n, err = _sha256_file(f)
                nbytes += n
                if err:
                    probs.append([INVALID, f, err])
                elif digest != want:
                    probs.append([TAMPERED, f, f"cached executable hashes to {digest}, not its entry name: it was modified after the go command stored it"])
            else:
                probs.append([INVALID, p, "output entry is neither a regular file nor a directory (never followed)"])
            continue
        entries += 1
        if not stat.S_ISREG(st.st_mode):
            probs.append([INVALID, p, "action entry is not a regular file (never followed)"])
            continue
        try:
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            try:
                data = os.read(fd, ENTRY_SIZE + 1)
            finally:
                os.close(fd)
        except OSError as e:
            probs.append([INVALID, p, f"cannot read: {e.strerror or e}"])
            continue
        parsed = parse_action(data)
        if isinstance(parsed, str):
            probs.append([INVALID, p, f"malformed action entry: {parsed}"])
            continue
        eid, eout, size, _t = parsed
        if eid != want:
            probs.append([INVALID, p, f"action entry records ID {eid}, not its file name (mismatched ID)"])
            continue
        refs.append(eout)
        out = os.path.join(root, eout[:2], f"{eout}-d")
        try:
            ost = os.lstat(out)
        except FileNotFoundError:
            continue  # trimmed output: harmless, the go command rebuilds
        except OSError as e:
            probs.append([INVALID, p, f"cannot stat its output: {e.strerror or e}"])
            continue
        if stat.S_ISREG(ost.st_mode) and ost.st_size != size:
            probs.append([INVALID, p, f"action entry says its output {eout[:12]}… is {size} bytes, the file is {ost.st_size}"])
    return {"problems": probs, "bytes": nbytes, "entries": entries, "outputs": outputs, "refs": refs}


def _check_top(root: str, rep: Report) -> list[str]:
    subs = []
    try:
        with os.scandir(root) as it:
            items = sorted(it, key=lambda e: e.name)
    except OSError as e:
        rep.error = f"{root}: cannot list: {e.strerror or e}"
        return []
    for ent in items:
        try:
            st = ent.stat(follow_symlinks=False)
        except OSError:
            continue
        if _SUBDIR.match(ent.name) and stat.S_ISDIR(st.st_mode):
            subs.append(ent.name)
        elif ent.name in TOP_FILES and stat.S_ISREG(st.st_mode):
            continue
        elif ent.name == "fuzz" and stat.S_ISDIR(st.st_mode):
            continue
        else:
            kind = "symbolic link" if stat.S_ISLNK(st.st_mode) else ("directory" if stat.S_ISDIR(st.st_mode) else "file")
            rep.problems.append(Problem(INVALID, ent.path, f"unexpected {kind} {ent.name!r} in GOCACHE"))
    return subs


def _task(args: tuple[str, str, str | None]) -> dict[str, Any]:
    root, sub, memo_path = args
    from gozt_lint import modcache

    memo = modcache._WORKER_MEMO
    return _memo_subdir(root, sub, memo)


def _memo_subdir(root: str, sub: str, memo: Memo | None) -> dict[str, Any]:
    d = os.path.join(root, sub)
    lst = dirhash.list_dir(d)
    key = dir_key("gocache2", d, lst.fingerprint())
    if memo is not None:
        hit = memo.get(key)
        if isinstance(hit, dict):
            hit["memo"] = []
            return hit
    r = check_subdir(root, sub)
    # Outputs referenced across directories can change without this listing
    # changing, so size mismatches (which read another directory) aren't memoized.
    cross = any("action entry says its output" in p[2] for p in r["problems"])
    r["memo"] = [] if cross or lst.error else [(key, {k: v for k, v in r.items() if k != "memo"})]
    return r


def verify(root: str, memo: Memo, *, jobs: int | None = None, pool: str | None = None) -> Report:
    from gozt_lint import modcache

    rep = Report(Path(root))
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        return rep
    except OSError as e:
        rep.error = f"{root}: {e.strerror or e}"
        return rep
    if not stat.S_ISDIR(st.st_mode):
        rep.error = f"{root}: GOCACHE is not a directory"
        return rep
    rep.exists = True
    subs = _check_top(root, rep)
    jobs = jobs or modcache.default_jobs()
    pool = pool or os.environ.get("GOZT_LINT_POOL", "") or "process"
    results: list[dict[str, Any]] = []
    if jobs <= 1 or pool == "thread":
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
            results = list(ex.map(lambda s: _memo_subdir(root, s, memo), subs))
    else:
        import concurrent.futures as cf
        import multiprocessing
        import threading

        ctxm = multiprocessing.get_context("forkserver" if threading.active_count() > 1 else "fork")
        memo_path = str(memo.path) if memo.enabled and memo.path else None
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctxm, initializer=modcache._worker_init, initargs=(memo_path,)) as ex:
            results = list(ex.map(_task, [(root, s, memo_path) for s in subs], chunksize=8))
    memo.set_many([(k, v) for r in results for k, v in r.get("memo", ())])
    refs = {o for r in results for o in r.get("refs", ())}
    for r in results:
        for k, f, m in r["problems"]:
            if k == TAMPERED and _output_id(root, f) not in refs:
                # The go command writes an output before the entry that points at it
                # and its last byte last: an output nothing points at is an interrupted
                # write it redoes, never one a build uses.
                k, m = INVALID, f"{m.split(':', 1)[0]}, but no action entry points at it (an interrupted write the go command redoes; no build uses it)"
            rep.problems.append(Problem(k, f, m))
        rep.bytes += r.get("bytes", 0)
        rep.entries += r.get("entries", 0)
        rep.outputs += r.get("outputs", 0)
    return rep


def _output_id(root: str, path: str) -> str:
    """The output ID of an ``-d`` file, or of the ``-d`` directory holding an executable."""
    rel = os.path.relpath(path, root).split(os.sep)
    return rel[1][:64] if len(rel) >= 2 else ""


def for_context(ctx: Context) -> Report | None:
    return ctx.once(_for_context)


def _for_context(ctx: Context) -> Report | None:
    from gozt_lint import memo as memo_mod

    root = ctx.env.get("GOCACHE")
    ctx.verified("buildcache_entries", 0)
    ctx.verified("buildcache_outputs", 0)
    if not root or root == "off":
        ctx.note("buildcache: GOCACHE is off or unset; build cache checks skipped")
        return None
    if not os.path.isabs(root):
        ctx.note(f"buildcache: GOCACHE={root} is not an absolute path; build cache checks skipped")
        return None
    from gozt_lint.modcache import resolve_root

    rep = verify(resolve_root(root), memo_mod.for_context(ctx), jobs=ctx.options.jobs)
    if not rep.exists and rep.error is None:
        ctx.note(f"buildcache: no build cache at {root}")
    if rep.error:
        ctx.note(f"buildcache: {rep.error}")
    ctx.verified("buildcache_entries", rep.entries)
    ctx.verified("buildcache_outputs", rep.outputs)
    return rep
