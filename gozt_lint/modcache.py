"""The module cache (GOMODCACHE) as a model, and its byte-for-byte verification.

:func:`scan_layout` walks the cache without reading content and records, for
every module version, what exists: in ``cache/download/<esc path>/@v/`` the
``.info .mod .zip .ziphash .lock .partial`` files and ``*.tmp`` leftovers, and the
extracted ``<esc path>@<esc version>/`` directory (plus pre-1.16 ``.tmp-*``
extraction dirs). Anything else it meets (a file outside ``@v``, a name that does
not unescape, a symlink, a FIFO) is a :class:`Stray`. ``cache/download/sumdb``
(checksum-database state) and ``cache/vcs`` (bare repositories for direct mode)
are not walked.

:func:`verify` hashes every version, memoized (:mod:`gozt_lint.memo`) and in
parallel, and :func:`for_context` shares the result between the rules of the
``modcache`` family. The rules decide what is wrong; this module only measures.

Special entries:

- ``golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH``: after unpacking, the go
  command copies every ``_go.mod`` to a sibling ``go.mod`` and adds exec bits
  (cmd/go/internal/toolchain); such copies are left out of the directory hash.
- ``golang.org/fips140@V`` (GOFIPS140 snapshots): unpacked from
  ``GOROOT/lib/fips140/V.zip``; there is no ``.zip`` in the cache, and
  ``GOROOT/lib/fips140/fips140.sum`` is the reference for the ``.ziphash``.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import hashlib
import json
import os
import re
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypedDict, cast

from gozt_lint import dirhash, module
from gozt_lint.fileio import file_kind
from gozt_lint.sumfile import is_h1
from gozt_lint.memo import Memo, dir_key, file_key
from gozt_lint.dirhash import TreeJSON

if TYPE_CHECKING:
    from gozt_lint.context import Context

EXTS = ("info", "mod", "zip", "ziphash", "lock", "partial")
TOOLCHAIN = "golang.org/toolchain"
FIPS140 = "golang.org/fips140"
MAX_MOD = 16 << 20
MAX_INFO = 1 << 20

_FILE_RE = re.compile(r"^(?P<v>.+)\.(?P<ext>info|mod|zip|ziphash|lock|partial)$")
_TMP_RE = re.compile(r"^(?P<v>.+)\.(?P<ext>info|mod|zip|ziphash)(?P<rand>[0-9]+)\.tmp$")
_XTMP_RE = re.compile(r"^(?P<v>.+)\.tmp-[0-9]+$")


class EntrySpec(TypedDict, total=False):
    """What :func:`verify_entry` is asked to hash (pickled to a worker process)."""

    path: str
    version: str
    kind: str  # Entry.kind
    files: dict[str, str]  # ext -> absolute path
    extracted: str | None
    fips_zip: str  # GOROOT/lib/fips140/<version>.zip, for a GOFIPS140 snapshot
    _size: int  # Entry.size_hint, to schedule the biggest first
    _first: bool  # asked for early (what the module graph reads): hashed first


class ZiphashResult(TypedDict):
    value: str | None  # what the go command reads: the trimmed h1: hash, or None
    error: str | None  # why the file is not the 47 bytes the go command writes


class ModResult(TypedDict):
    h1: str | None
    error: str | None


class InfoResult(TypedDict):
    problems: list[str]


class FipsResult(TypedDict):
    file: str
    sha256: str | None
    h1: str | None
    error: str | None


class IrregularResult(TypedDict):
    zip_h1_rest: str | None  # h1 of the zip without the names below
    in_module: dict[str, str]  # irregular tree entry -> what the zip has there


class EntryResult(TypedDict, total=False):
    """What :func:`verify_entry` measured for one module version; a key is there
    only when the cache has that part. JSON-shaped (it crosses process bounds)."""

    bytes: int
    # (key, value) pairs for the parent to write to the memo; removed by run_specs.
    memo: list[tuple[str, TreeJSON]]
    crash: str  # an unexpected exception: this entry was not verified
    ziphash: ZiphashResult
    mod: ModResult
    info: InfoResult
    zip: TreeJSON
    fips: FipsResult
    dir: TreeJSON
    dir_irregular: IrregularResult


@dataclass
class Entry:
    """Everything the cache holds for one module version."""

    path: str
    version: str
    files: dict[str, str] = field(default_factory=dict)  # ext -> absolute path
    tmp: list[str] = field(default_factory=list)
    extracted: str | None = None
    extracted_tmp: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.path == TOOLCHAIN:
            return "toolchain"
        if self.path == FIPS140:
            return "fips140"
        return "module"

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.version)

    def size_hint(self) -> int:
        z = self.files.get("zip")
        try:
            return os.stat(z).st_size * 2 if z else (1 << 20 if self.extracted else 0)
        except OSError:
            return 0


@dataclass
class Stray:
    """A path that does not belong where it is."""

    file: str
    message: str
    kind: str = "unexpected"  # or "incomplete"
    module: str | None = None
    version: str | None = None


@dataclass
class Layout:
    root: Path
    exists: bool = False
    error: str | None = None
    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)
    strays: list[Stray] = field(default_factory=list)

    def entry(self, path: str, version: str) -> Entry:
        e = self.entries.get((path, version))
        if e is None:
            e = self.entries[(path, version)] = Entry(path, version)
        return e


def _kind(mode: int) -> str:
    return "a " + file_kind(mode)


@functools.lru_cache(maxsize=1 << 14)
def _path_of(esc: str) -> str | None:
    try:
        return module.unescape_path(esc)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _version_of(esc: str, path: str) -> str | None:
    try:
        v = module.unescape_version(esc)
    except ValueError:
        return None
    if module.check(path, v) is not None and path not in (TOOLCHAIN,):
        return None
    if path == TOOLCHAIN and module.canonical_version(v) != v:
        return None
    return v


def scan_layout(root: str | os.PathLike[str]) -> Layout:
    """Walk GOMODCACHE's structure (lstat only; nothing is opened or followed)."""
    lay = Layout(Path(root))
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        return lay
    except OSError as e:
        lay.error = f"{root}: {e.strerror or e}"
        return lay
    if not stat.S_ISDIR(st.st_mode):
        lay.error = f"{root}: GOMODCACHE is {_kind(st.st_mode)}, not a directory"
        return lay
    lay.exists = True
    for ent in _scandir(lay, str(root)):
        if ent.name == "cache":
            if ent.is_dir(follow_symlinks=False):
                _walk_cache_dir(lay, ent.path)
            else:
                lay.strays.append(Stray(ent.path, f"cache is {_kind(_lmode(ent))}, not a directory"))
            continue
        _walk_extracted(lay, ent, ent.name)
    return lay


def _lmode(ent: os.DirEntry[str]) -> int:
    # d_type answers for plain files and directories without a syscall.
    try:
        if ent.is_dir(follow_symlinks=False):
            return stat.S_IFDIR | 0o755
        if ent.is_file(follow_symlinks=False):
            return stat.S_IFREG | 0o644
        return ent.stat(follow_symlinks=False).st_mode
    except OSError:
        return 0


def _scandir(lay: Layout, d: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(d) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as e:
        lay.strays.append(Stray(d, f"cannot list directory: {e.strerror or e}"))
        return []


def _walk_cache_dir(lay: Layout, cache: str) -> None:
    for ent in _scandir(lay, cache):
        if ent.name == "download" and ent.is_dir(follow_symlinks=False):
            _walk_download(lay, ent.path)
        elif ent.name == "vcs" and ent.is_dir(follow_symlinks=False):
            continue  # direct-mode repositories: not covered (see docs/modcache.md)
        elif ent.name == "lock" and ent.is_file(follow_symlinks=False):
            continue
        else:
            lay.strays.append(Stray(ent.path, f"unexpected {_kind(_lmode(ent))[2:]} in GOMODCACHE/cache"))


def _walk_download(lay: Layout, dl: str) -> None:
    stack: list[tuple[str, str]] = [(dl, "")]
    while stack:
        d, rel = stack.pop()
        for ent in _scandir(lay, d):
            if not rel and ent.name == "sumdb":
                continue  # checksum-database state: the sumdb family's
            mode = _lmode(ent)
            if stat.S_ISDIR(mode):
                if ent.name == "@v":
                    _parse_vdir(lay, ent.path, rel)
                else:
                    stack.append((ent.path, f"{rel}/{ent.name}" if rel else ent.name))
            else:
                lay.strays.append(Stray(ent.path, f"unexpected {_kind(mode)[2:]} outside any @v directory"))


def _parse_vdir(lay: Layout, vdir: str, esc_path: str) -> None:
    path = _path_of(esc_path)
    if path is None:
        lay.strays.append(Stray(vdir, "directory for an invalid (escaped) module path"))
        return
    for ent in _scandir(lay, vdir):
        name = ent.name
        mode = _lmode(ent)
        if name == "list":
            if not stat.S_ISREG(mode):
                lay.strays.append(Stray(ent.path, f"list is {_kind(mode)}, not a file", module=path))
            continue
        m = _FILE_RE.match(name)
        t = None if m else _TMP_RE.match(name)
        mm = m or t
        version = _version_of(mm.group("v"), path) if mm else None
        if version is None:
            lay.strays.append(Stray(ent.path, f"unexpected {_kind(mode)[2:]} in the download cache of {path}", module=path))
            continue
        if not stat.S_ISREG(mode):
            lay.strays.append(
                Stray(ent.path, f"{name} is {_kind(mode)}, not a regular file (never followed)", module=path, version=version)
            )
            continue
        e = lay.entry(path, version)
        if m:
            e.files[m.group("ext")] = ent.path
        else:
            e.tmp.append(ent.path)


def _walk_extracted(lay: Layout, top: os.DirEntry[str], rel: str) -> None:
    stack: list[tuple[os.DirEntry[str], str]] = [(top, rel)]
    while stack:
        ent, rel = stack.pop()
        mode = _lmode(ent)
        if "@" in ent.name:
            esc_last, _, esc_ver = ent.name.partition("@")
            esc_path = rel[: len(rel) - len(ent.name)] + esc_last
            tmpm = _XTMP_RE.match(esc_ver)
            path = _path_of(esc_path)
            if path is None:
                lay.strays.append(Stray(ent.path, f"unexpected {_kind(mode)[2:]}: not a valid escaped module path@version"))
                continue
            version = _version_of(tmpm.group("v") if tmpm else esc_ver, path)
            if version is None:
                lay.strays.append(Stray(ent.path, f"unexpected {_kind(mode)[2:]}: not a valid module version", module=path))
                continue
            if not stat.S_ISDIR(mode):
                lay.strays.append(Stray(ent.path, f"{ent.name} is {_kind(mode)}, not a directory (never followed)", module=path, version=version))
                continue
            e = lay.entry(path, version)
            if tmpm:
                e.extracted_tmp.append(ent.path)
            else:
                e.extracted = ent.path
            continue
        if not stat.S_ISDIR(mode):
            lay.strays.append(Stray(ent.path, f"unexpected {_kind(mode)[2:]} outside any module directory"))
            continue
        for child in _scandir(lay, ent.path):
            stack.append((child, f"{rel}/{child.name}"))


# -- verification ---------------------------------------------------------------------


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _read_small(path: str, limit: int) -> tuple[bytes | None, str | None]:
    """A small cache file's bytes; never follows a link or blocks on a FIFO."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        return None, f"cannot open: {e.strerror or e}"
    try:
        b = os.read(fd, 8192)
        if len(b) > limit:
            return None, f"larger than {limit} bytes"
        if len(b) < 8192:
            return b, None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, "not a regular file"
        chunks = [b]
        got = len(b)
        while got <= limit:
            b = os.read(fd, min(1 << 20, limit + 1 - got))
            if not b:
                break
            chunks.append(b)
            got += len(b)
        if got > limit:
            return None, f"larger than {limit} bytes"
        return b"".join(chunks), None
    except OSError as e:
        return None, f"cannot read: {e.strerror or e}"
    finally:
        os.close(fd)


def _check_ziphash(file: str) -> ZiphashResult:
    """What a .ziphash says: ``value`` is what the go command reads from it (the
    trimmed text, when that is an h1: hash; None when it is not), ``error`` why the
    file is not exactly the 47 bytes the go command writes (None when it is)."""
    data, err = _read_small(file, 4096)
    if data is None:
        return {"value": None, "error": err}
    if len(data) == 47 and is_h1(data.decode("ascii", "replace")):
        return {"value": data.decode("ascii"), "error": None}
    trimmed = data.strip().decode("ascii", "replace")
    if is_h1(trimmed):
        why = f"{len(data)} bytes: the h1: hash with whitespace around it"
        return {"value": trimmed, "error": why}
    if not data:
        why = "empty"
    elif trimmed.startswith("h1:") and len(trimmed) < 47:
        why = f"truncated: {len(data)} bytes ({_excerpt(data)})"
    else:
        why = f"not an h1: hash ({len(data)} bytes: {_excerpt(data)})"
    return {"value": None, "error": why}


def _excerpt(data: bytes, n: int = 24) -> str:
    text = data[:n].decode("ascii", "backslashreplace")
    return repr(text + ("…" if len(data) > n else ""))


# A commit time later than the clock by more than this is in the future (not
# clock skew between two machines).
FUTURE_SLACK = 24 * 3600
# A pseudo-version's timestamp is its commit's time (the go command: committer
# time; some tools: author time, which is never later). The .info Time, the
# commit time as the proxy reports it, is therefore never much earlier.
PSEUDO_SLACK = 24 * 3600

# Go's zero time.Time, which the go command writes when a proxy's .info has no
# Time: "unknown", not a claim.
_GO_ZERO_TIME = -62135596800.0

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))"
)


def _parse_time(t: str) -> float | None:
    """Seconds since the epoch of an RFC 3339 time, or None."""
    import calendar

    m = _RFC3339.fullmatch(t)
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in range(1, 7))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and sec <= 60):
        return None
    secs = calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0))
    if m.group(9):
        off = int(m.group(10)) * 3600 + int(m.group(11)) * 60
        secs -= off if m.group(9) == "+" else -off
    return float(secs)


def _show_time(secs: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(secs))


def _check_info(data: bytes, path: str, version: str, now: float | None = None) -> list[str]:
    """Why a .info file can't be what the go command wrote for path@version."""
    try:
        info = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        return [f"not JSON ({e})"]
    except RecursionError:  # json's parser recurses per nesting level
        return ["not JSON the go command would accept (nested too deeply)"]
    if not isinstance(info, dict):
        return ["not a JSON object"]
    out = []
    v = info.get("Version")
    if v != version:
        out.append(f"Version is {v!r}, but the file is for {version}")
    t = info.get("Time")
    secs = _parse_time(t) if isinstance(t, str) else None
    pv = module.pseudo_version_parts(version)
    if t is not None and secs is None:
        out.append(f"Time {t!r} is not an RFC 3339 time")
    elif secs is not None and secs != _GO_ZERO_TIME:
        now = time.time() if now is None else now
        if secs > now + FUTURE_SLACK:
            out.append(f"Time {t} is in the future (this machine's clock says {_show_time(now)})")
        stamp = _pseudo_time(pv[0]) if pv else None
        if stamp is not None and secs < stamp - PSEUDO_SLACK:
            out.append(
                f"Time {t} is before the commit time the pseudo-version itself records ({_show_time(stamp)}); "
                "a commit is never committed before it was made"
            )
    origin = info.get("Origin")
    if origin is not None:
        out += _check_origin(origin, path, version, pv[1] if pv else None)
    return out


def _pseudo_time(stamp: str) -> float | None:
    """The yyyymmddhhmmss timestamp of a pseudo-version, in seconds (UTC)."""
    import calendar

    if not re.fullmatch(r"\d{14}", stamp or ""):
        return None
    y, mo, d, h, mi, sec = (int(stamp[i:j]) for i, j in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14)))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and sec <= 60):
        return None
    return float(calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0)))


_HOSTED = ("github.com/", "gitlab.com/", "bitbucket.org/")


def _check_origin(origin: Any, path: str, version: str, rev: str | None) -> list[str]:
    if not isinstance(origin, dict):
        return ["Origin is not a JSON object"]
    out = []
    for k, val in origin.items():
        if not isinstance(val, str):
            out.append(f"Origin.{k} is not a string")
    vcs = origin.get("VCS")
    if vcs is not None and vcs not in ("git", "hg", "svn", "bzr", "fossil", "mod"):
        out.append(f"Origin.VCS {vcs!r} is not a version control system the go command knows")
    h = origin.get("Hash")
    if isinstance(h, str) and h and vcs == "git" and not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", h):
        out.append(f"Origin.Hash {h!r} is not a git commit hash")
    if rev and isinstance(h, str) and h and vcs == "git" and not h.startswith(rev):
        out.append(f"Origin.Hash {h[:12]}… is not the pseudo-version's commit {rev}")
    url = origin.get("URL")
    if isinstance(url, str) and url and path.startswith(_HOSTED):
        parts = path.split("/")
        # github.com and bitbucket.org repositories are always host/owner/repo
        # (cmd/go/internal/vcs vcsPaths); GitLab nests groups and the go command
        # finds the root through go-get, so there any longer prefix may be it.
        roots = ["/".join(parts[:n]) for n in range(3, len(parts) + 1 if path.startswith("gitlab.com/") else 4)]
        u = re.sub(r"^(https?|git|ssh)://(git@)?", "", url).removesuffix("/").removesuffix(".git")
        root = next((r for r in roots if r.lower() == u.lower()), None)
        if root is None:
            out.append(f"Origin.URL {url!r} is not the repository of {path} ({roots[0]})")
            root = roots[0]
        sub = origin.get("Subdir")
        rest = "/".join(parts[len(root.split("/")) :])
        if isinstance(sub, str) and sub:
            pm = module.split_path_version(path)
            allowed = {rest}
            if pm and pm[1]:
                allowed.add(rest[: len(rest) - len(pm[1])].rstrip("/"))
            if sub not in allowed:
                out.append(f"Origin.Subdir {sub!r} does not lead to {path}")
    return out


def _modcacherw(goflags: str) -> bool:
    for f in goflags.split():
        f = f.lstrip("-")
        if f == "modcacherw" or f in ("modcacherw=true", "modcacherw=1"):
            return True
    return False


def verify_entry(spec: EntrySpec, memo: Memo | None) -> EntryResult:
    """Hash everything one module version has in the cache. JSON in, JSON out (runs
    in a worker thread or process)."""
    path, version, kind = spec["path"], spec["version"], spec["kind"]
    files: dict[str, str] = spec["files"]
    out: EntryResult = {"bytes": 0, "memo": []}
    zh = files.get("ziphash")
    if zh:
        out["ziphash"] = _check_ziphash(zh)
    mod = files.get("mod")
    if mod:
        data, err = _read_small(mod, MAX_MOD)
        out["mod"] = {"h1": dirhash.hash_gomod(data) if data is not None else None, "error": err}
    info = files.get("info")
    if info:
        data, err = _read_small(info, MAX_INFO)
        out["info"] = {"problems": [err] if err else _check_info(data or b"", path, version)}
    if files.get("zip"):
        out["zip"] = _memo_zip(files["zip"], path, version, memo, out)
    fz = spec.get("fips_zip")
    if fz and os.path.isfile(fz):
        # A GOFIPS140 snapshot is unpacked from GOROOT, not from the cache.
        data, err = _read_small(fz, dirhash.MAX_ZIP_FILE)
        fh = _memo_zip(fz, path, version, memo, out)
        out["fips"] = {
            "file": fz,
            "sha256": hashlib.sha256(data).hexdigest() if data is not None else None,
            "h1": fh.get("h1"),
            "error": err or fh.get("error"),
        }
    extracted = spec.get("extracted")
    if extracted:
        out["dir"] = _memo_dir(extracted, path, version, kind, memo, out)
        irregular = [
            name for p in out["dir"].get("problems") or [] if len(p) > 2 and p[2] == "irregular" and (name := p[0]) is not None
        ]
        z = out.get("zip") or {}
        if irregular and z.get("h1"):
            # Links or special files in the tree: what would the rest of the tree
            # hash to, and which of them stand where the module has a file? (From
            # the zip, not by following anything; rare, so never memoized.)
            pre = f"{path}@{version}/"
            names = {(pre + n).encode("utf-8", "surrogateescape"): n for n in irregular}
            rest, present = dirhash.zip_h1_without(files["zip"], names)
            out["dir_irregular"] = {"zip_h1_rest": rest, "in_module": {names[n]: what for n, what in sorted(present.items())}}
    return out


def lock_held(path: str | None) -> bool | None:
    """Whether a go command holds ``path`` (a ``<version>.lock``) locked: True while
    it downloads or extracts that version, None when that cannot be told.

    cmd/go's lockedfile locks with flock(2) on Linux and the BSDs (LOCK_EX for a
    Mutex). A non-blocking shared lock, released at once, tells whether someone
    holds it exclusively; the file is opened read-only and nothing is written."""
    if not path:
        return None
    try:
        import fcntl
    except ImportError:  # not on this platform
        return None
    try:
        fd = os.open(path, _OPEN_FLAGS | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _memo_zip(zpath: str, path: str, version: str, memo: Memo | None, out: EntryResult) -> TreeJSON:
    try:
        st = os.stat(zpath, follow_symlinks=False)
    except OSError as e:
        return {"h1": None, "error": f"cannot access: {e.strerror or e}", "problems": []}
    # "|3": results since layout problems and problem kinds were added.
    key = file_key("zip", zpath, st) + f"\0{path}@{version}|3"
    if memo is not None:
        hit = memo.get(key)
        if isinstance(hit, dict):
            # Stored by this function under a key that names the result's version.
            return cast(TreeJSON, hit)
    res = dirhash.hash_zip(zpath, module=(path, version))
    d = res.to_json()
    out["bytes"] += res.bytes
    try:
        after = os.stat(zpath, follow_symlinks=False)
    except OSError:
        after = None
    if after is not None and file_key("zip", zpath, after) == file_key("zip", zpath, st):
        out["memo"].append((key, d))
    elif res.h1 is not None:
        d = {"h1": None, "error": "changed while being hashed", "problems": d["problems"]}
    return d


def _memo_dir(top: str, path: str, version: str, kind: str, memo: Memo | None, out: EntryResult) -> TreeJSON:
    prefix = f"{path}@{version}"
    exclude = dirhash.toolchain_copy if kind == "toolchain" else None
    for attempt in range(2):
        lst = dirhash.list_dir(top)
        # "|3": results since problem kinds and link targets were added.
        key = dir_key("dir", top, lst.fingerprint(), f"{prefix}|{kind}|3")
        if memo is not None and attempt == 0:
            hit = memo.get(key)
            if isinstance(hit, dict):
                # Stored by this function under a key that names the result's version.
                return cast(TreeJSON, hit)
        res = dirhash.hash_dir(top, prefix, listing=lst, exclude=exclude)
        out["bytes"] += res.bytes
        if res.unstable and attempt == 0:
            continue
        d = res.to_json()
        d["writable_files"] = [dirhash.show(n) for n, s, _ in lst.files if s[2] & 0o222]
        d["writable_dirs"] = [dirhash.show(n) or "." for n, s in lst.dirs if s[2] & 0o222]
        d["dirs"] = len(lst.dirs)
        if not res.unstable:
            out["memo"].append((key, d))
        return d
    raise AssertionError("unreachable")


@dataclass
class Report:
    """The verified module cache: the layout plus one result per module version."""

    root: Path
    layout: Layout
    results: dict[tuple[str, str], EntryResult] = field(default_factory=dict)
    # GOROOT/lib/fips140/fips140.sum: version -> (SHA-256 of the zip, h1 or None
    # before Go 1.27, whose sum file has no h1 column).
    fips_sums: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    modcacherw: bool = False
    elapsed: float = 0.0
    memo_hits: int = 0
    memo_misses: int = 0


def fips_sums(goroot: str | None) -> dict[str, tuple[str, str | None]]:
    """GOROOT/lib/fips140/fips140.sum: snapshot version -> (zip SHA-256, h1 or None)."""
    if not goroot:
        return {}
    data, _err = _read_small(os.path.join(goroot, "lib", "fips140", "fips140.sum"), 1 << 20)
    out: dict[str, tuple[str, str | None]] = {}
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        f = line.split()
        if len(f) in (2, 3) and not line.startswith("#") and f[0].endswith(".zip"):
            out[f[0][: -len(".zip")]] = (f[1], f[2] if len(f) == 3 else None)
    return out


def _spec(e: Entry, goroot: str | None) -> EntrySpec:
    s: EntrySpec = {"path": e.path, "version": e.version, "kind": e.kind, "files": dict(e.files), "extracted": e.extracted}
    if e.kind == "fips140" and goroot:
        s["fips_zip"] = os.path.join(goroot, "lib", "fips140", f"{e.version}.zip")
    return s


# -- running in parallel ----------------------------------------------------------------

_WORKER_MEMO: Memo | None = None


def _worker_init(memo_path: str | None) -> None:
    global _WORKER_MEMO
    if memo_path:
        from gozt_lint.memo import open_path

        _WORKER_MEMO = open_path(Path(memo_path))


def _worker_run(spec: EntrySpec) -> EntryResult:
    try:
        return verify_entry(spec, _WORKER_MEMO)
    except Exception as e:  # report, never lose the other results
        return {"bytes": 0, "memo": [], "crash": f"{type(e).__name__}: {e}"}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Progress:
    """`modcache: 120/2000 module versions, 1.2/8.6 GB` on a terminal, else nothing."""

    def __init__(self, total: int, total_bytes: int, enabled: bool, stream: Any = None) -> None:
        self.total, self.total_bytes, self.enabled = total, total_bytes, enabled
        self.done = 0
        self.bytes = 0
        self.stream = stream or sys.stderr
        self._last = 0.0

    def update(self, n: int, nbytes: int) -> None:
        self.done += n
        self.bytes += nbytes
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        width = 30
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(frac * width)
        self.stream.write(
            f"\rmodcache [{bar:<{width}}] {self.done}/{self.total} module versions, "
            f"{self.bytes / 1e6:,.0f} MB hashed"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def run_specs(
    specs: list[EntrySpec],
    memo: Memo,
    *,
    jobs: int | None = None,
    pool: str | None = None,
    progress: Progress | None = None,
) -> list[EntryResult]:
    """verify_entry over every spec, in parallel; results in spec order."""
    return Hashing(specs, memo, jobs=jobs, pool=pool, progress=progress).finish()


class Hashing:
    """verify_entry over every spec, started at once in a pool and collected later.

    Between the start and :meth:`finish`, :meth:`get` answers for one spec: from
    the pool when a worker has it or had it, or computed right here when its batch
    has not been handed to a worker yet (taken back from the queue, so nothing is
    hashed twice). That lets the module graph read the few entries it needs while
    the pool hashes the whole cache, instead of waiting for all of it."""

    def __init__(
        self,
        specs: list[EntrySpec],
        memo: Memo,
        *,
        jobs: int | None = None,
        pool: str | None = None,
        progress: Progress | None = None,
        helper: bool = False,
    ) -> None:
        self.specs = specs
        # helper: the calling thread hashes too (in finish(), once it has run the
        # rest of the run), so the pool leaves it a core: one worker fewer.
        self.helper = helper
        self.memo = memo
        self.progress = progress
        self.results: list[EntryResult | None] = [None] * len(specs)
        self.lock = threading.Lock()
        self._local = threading.Lock()  # one batch computed here at a time
        self._ex: cf.Executor | None = None
        self._batches: list[list[int]] = []
        self._futures: list[cf.Future[list[EntryResult]]] = []
        self._batch_of: dict[int, int] = {}
        self._finished = False
        jobs = jobs or default_jobs()
        pool = pool or os.environ.get("GOZT_LINT_POOL", "") or "process"
        # Those asked for early first (``_first``: what the module graph will read),
        # then biggest first, so one large module doesn't finish last on its own.
        order = sorted(range(len(specs)), key=lambda i: (not specs[i].get("_first"), -specs[i].get("_size", 0)))
        if jobs <= 1 or len(specs) < 8:
            self._batches = [[i] for i in order]
            self._batch_of = {i: b for b, i in enumerate(order)}
            return
        if helper:
            jobs -= 1
        if pool == "thread":
            self._ex = cf.ThreadPoolExecutor(max_workers=jobs)
            size = 1
            fn: Callable[[list[EntrySpec]], list[EntryResult]] = self._run_batch
        else:
            import multiprocessing

            ctxm = multiprocessing.get_context("forkserver" if threading.active_count() > 1 else "fork")
            memo_path = str(memo.path) if memo.enabled and memo.path else None
            self._ex = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctxm, initializer=_worker_init, initargs=(memo_path,))
            size = max(1, min(16, len(specs) // (jobs * 8)))
            fn = _worker_batch
        for b, start in enumerate(range(0, len(order), size)):
            batch = order[start : start + size]
            self._batches.append(batch)
            for i in batch:
                self._batch_of[i] = b
            fut = self._ex.submit(fn, [specs[i] for i in batch])
            fut.add_done_callback(functools.partial(self._done, b))
            self._futures.append(fut)

    def _run_batch(self, specs: list[EntrySpec]) -> list[EntryResult]:
        return [_safe(functools.partial(verify_entry, s, self.memo)) for s in specs]

    def _store(self, b: int, got: list[EntryResult]) -> None:
        with self.lock:
            fresh = [(i, r) for i, r in zip(self._batches[b], got) if self.results[i] is None]
            for i, r in fresh:
                self.results[i] = r
            if self.progress is not None:
                self.progress.update(len(fresh), sum(int(r.get("bytes", 0)) for _, r in fresh))

    def _done(self, b: int, fut: cf.Future[list[EntryResult]]) -> None:
        if fut.cancelled() or fut.exception() is not None:
            return  # taken back (computed by get), or raised to whoever waits for it
        self._store(b, fut.result())

    def _ensure(self, b: int, *, take_back: bool) -> None:
        if all(self.results[i] is not None for i in self._batches[b]):
            return
        if b < len(self._futures):
            fut = self._futures[b]
            if not fut.cancelled() and not (take_back and fut.cancel()):
                try:
                    got = fut.result()  # raises what the pool raised, as before
                except cf.CancelledError:
                    pass  # taken back meanwhile by another thread: computed below
                else:
                    self._store(b, got)
                    return
        with self._local:
            if any(self.results[i] is None for i in self._batches[b]):
                self._store(b, self._run_batch([self.specs[i] for i in self._batches[b]]))

    def get(self, i: int) -> EntryResult:
        """The result of spec ``i`` (waiting for its worker, or computing it here)."""
        self._ensure(self._batch_of[i], take_back=True)
        r = self.results[i]
        assert r is not None
        return r

    def finish(self) -> list[EntryResult]:
        """Every result, in spec order; the memo updates stored in one transaction."""
        try:
            if self.helper:
                # Take batches back from the end of the queue while the pool works
                # from its front, until they meet.
                for b in reversed(range(len(self._futures))):
                    if not self._futures[b].cancel():
                        break
                    self._ensure(b, take_back=True)
            for b in range(len(self._batches)):
                self._ensure(b, take_back=False)
        finally:
            self.close()
        if not self._finished:
            self._finished = True
            updates = [(k, v) for r in self.results if r for k, v in r.get("memo", ())]
            self.memo.set_many(updates)
            for r in self.results:
                if r is not None:
                    r.pop("memo", None)
        return [r or {} for r in self.results]

    def close(self) -> None:
        """Stop the pool (pending batches are dropped)."""
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
            self._ex = None


def _worker_batch(specs: list[EntrySpec]) -> list[EntryResult]:
    return [_worker_run(s) for s in specs]


def _safe(fn: Callable[[], EntryResult]) -> EntryResult:
    try:
        return fn()
    except Exception as e:
        return {"bytes": 0, "memo": [], "crash": f"{type(e).__name__}: {e}"}


class Verification:
    """:func:`verify` begun: the layout walked and the hashing running in a pool;
    :meth:`entry` answers for one module version early, :meth:`report` waits for all."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        memo: Memo,
        *,
        goroot: str | None = None,
        goflags: str = "",
        jobs: int | None = None,
        pool: str | None = None,
        progress: bool = False,
        first: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
        helper: bool = False,
    ) -> None:
        self.t0 = time.monotonic()
        lay = scan_layout(root)
        self.rep = Report(Path(root), lay, fips_sums=fips_sums(goroot), modcacherw=_modcacherw(goflags))
        self.entries = sorted(lay.entries.values(), key=lambda e: (e.path, e.version))
        self.index = {e.key: i for i, e in enumerate(self.entries)}
        specs = []
        for e in self.entries:
            s = _spec(e, goroot)
            s["_size"] = e.size_hint()
            s["_first"] = e.key in first
            specs.append(s)
        self.prog = Progress(len(specs), sum(s["_size"] for s in specs), progress)
        self.memo = memo
        self.hits0, self.misses0 = memo.hits, memo.misses
        self.done = False
        try:
            self.hashing = Hashing(specs, memo, jobs=jobs, pool=pool, progress=self.prog, helper=helper)
        except BaseException:
            self.prog.close()
            raise

    def entry(self, key: tuple[str, str]) -> EntryResult | None:
        """The result for one cached module version (None: not in the cache)."""
        i = self.index.get(key)
        if i is None:
            return None
        if self.done:
            return self.rep.results[key]
        r = self.hashing.get(i)
        # (Without the memo updates finish() stores; the dict is the one the report holds.)
        return r

    def report(self) -> Report:
        if not self.done:
            try:
                results = self.hashing.finish()
            finally:
                self.prog.close()
            for e, r in zip(self.entries, results):
                self.rep.results[e.key] = r
            self.rep.memo_hits, self.rep.memo_misses = self.memo.hits - self.hits0, self.memo.misses - self.misses0
            self.rep.elapsed = time.monotonic() - self.t0
            self.done = True
        return self.rep

    def close(self) -> None:
        self.hashing.close()
        self.prog.close()


def verify(
    root: str | os.PathLike[str],
    memo: Memo,
    *,
    goroot: str | None = None,
    goflags: str = "",
    jobs: int | None = None,
    pool: str | None = None,
    progress: bool = False,
) -> Report:
    return Verification(root, memo, goroot=goroot, goflags=goflags, jobs=jobs, pool=pool, progress=progress).report()


def resolve_root(root: str) -> str:
    """A cache root that is itself a link to a directory (a cache moved to another
    disk) is what the go command uses through it, so it is verified there; below
    the root nothing is ever followed."""
    return os.path.realpath(root) if os.path.islink(root) and os.path.isdir(root) else root


def for_context(ctx: Context) -> Report | None:
    """The verified cache for this run (computed once, shared by the rules)."""
    return ctx.once(_for_context)


class _Started:
    """The run's verification begun ahead of the rules (see :func:`prestart`)."""

    def __init__(self) -> None:
        self.v: Verification | None = None
        self.memo_notes: list[str] = []
        self.announced = False
        self.lock = threading.Lock()


def _started(ctx: Context) -> _Started:
    return _Started()


_start_lock = threading.Lock()


def prestart(ctx: Context) -> None:
    """Begin hashing the module cache in the pool now, while the rules before the
    modcache family run; :func:`for_context` and :func:`entry_result` collect it.
    What the run says (notes, counts) is said where it was said without this."""
    with _start_lock:
        st = ctx.once(_started)
        if st.v is not None or st.announced:
            return
        root = _usable_root(ctx)
        if root is None:
            return
        from gozt_lint import memo as memo_mod

        env = ctx.env
        # A store of its own, so that opening it says nothing yet: the notes are
        # replayed where the run's memo is opened (the same text, said once).
        m = memo_mod.open_memo(ctx.environ, enabled=bool(getattr(ctx.options, "memo", True)), note=st.memo_notes.append)
        try:
            st.v = Verification(
                resolve_root(root), m, goroot=env.goroot, goflags=env.get("GOFLAGS"),
                jobs=ctx.options.jobs, progress=bool(ctx.options.progress), first=_zip_lines(ctx),
                helper=True,
            )
        except BaseException:
            m.close()
            raise


def _zip_lines(ctx: Context) -> set[tuple[str, str]]:
    """Module versions with a zip hash in a go.sum in scope: the ones whose files the
    module graph reads (packages are loaded from them), hashed first."""
    from gozt_lint.errors import InputError
    from gozt_lint.fileio import read_input

    # Only an order of work, so a rough reading will do, and quietly: the rules read
    # and parse these files themselves and report what is wrong with them.
    out: set[tuple[str, str]] = set()
    seen: set[bytes] = set()  # (a monorepo's units often carry copies of one go.sum)
    for unit in [*ctx.modules, *ctx.workspaces]:
        try:
            data = read_input(unit.sum) if os.path.lexists(unit.sum) else None
        except (InputError, OSError):
            continue
        if not data or data in seen:
            continue
        seen.add(data)
        for line in data.decode("utf-8", "replace").splitlines():
            f = line.split()
            if len(f) == 3 and not f[1].endswith("/go.mod"):
                out.add((f[0], f[1]))
    return out


def abandon(ctx: Context) -> None:
    """Stop a started verification nobody collected (the end of a run)."""
    st = ctx.once(_started)
    if st.v is not None and not st.v.done:
        st.v.close()
        st.v.memo.close()


def entry_result(ctx: Context, key: tuple[str, str]) -> EntryResult | None:
    """The modcache family's result for one cached module version (None when the
    cache does not hold it), without waiting for the rest of the cache when the
    verification was started ahead (:func:`prestart`)."""
    st = ctx.once(_started)
    if st.v is not None and not st.v.done:
        _announce(ctx, st)
        if not st.v.done:
            return st.v.entry(key)
    rep = for_context(ctx)
    return rep.results.get(key) if rep is not None else None


def _usable_root(ctx: Context) -> str | None:
    root = ctx.env.get("GOMODCACHE")
    return root if root and os.path.isabs(root) else None


def _announce(ctx: Context, st: _Started) -> None:
    """The first part of what :func:`_for_context` says, in its order."""
    with st.lock:
        if st.announced:
            return
        st.announced = True
    from gozt_lint import memo as memo_mod

    assert st.v is not None
    ctx.verified("module_versions", 0)
    ctx.verified("module_versions_cached", 0)
    memo_mod.for_context(ctx)
    for text in st.memo_notes:
        ctx.note(text)
    _layout_notes(ctx, st.v.rep, ctx.env.get("GOMODCACHE"))


def _layout_notes(ctx: Context, rep: Report, root: str) -> None:
    if not rep.layout.exists and rep.layout.error is None:
        ctx.note(f"modcache: no module cache at {root}")
    if rep.layout.error:
        ctx.note(f"modcache: {rep.layout.error}")


def _for_context(ctx: Context) -> Report | None:
    from gozt_lint import memo as memo_mod

    env = ctx.env
    root = env.get("GOMODCACHE")
    st = ctx.once(_started)
    if st.v is not None:
        _announce(ctx, st)
        m = memo_mod.for_context(ctx)
        try:
            rep = st.v.report()
        finally:
            st.v.memo.close()
        errors = [*m.errors, *st.v.memo.errors]
    else:
        ctx.verified("module_versions", 0)
        ctx.verified("module_versions_cached", 0)
        if not root:
            ctx.note("modcache: GOMODCACHE is not set and there is no GOPATH; module cache checks skipped")
            return None
        if not os.path.isabs(root):
            ctx.note(f"modcache: GOMODCACHE={root} is not an absolute path; module cache checks skipped")
            return None
        m = memo_mod.for_context(ctx)
        rep = verify(
            resolve_root(root),
            m,
            goroot=env.goroot,
            goflags=env.get("GOFLAGS"),
            jobs=ctx.options.jobs,
            progress=bool(ctx.options.progress),
        )
        _layout_notes(ctx, rep, root)
        errors = m.errors
    # A bug or an input we did not foresee must not pass for a clean entry.
    for (path, version), r in sorted(rep.results.items()):
        if r.get("crash"):
            ctx.note(f"modcache: internal error verifying {path}@{version}: {r['crash']}; this entry was not verified")
    for msg in errors:
        ctx.note(msg)
    ctx.verified("module_versions", verified_versions(rep))
    ctx.verified("module_versions_cached", len(rep.layout.entries))
    return rep


# -- what the rules ask -----------------------------------------------------------------


def reference_hash(rep: Report, e: Entry) -> tuple[str | None, str]:
    """The hash the extracted tree must have, and where it comes from."""
    r = rep.results.get(e.key) or EntryResult()
    zh = r.get("ziphash")
    if zh and zh["value"]:
        return zh["value"], ".ziphash"
    z = r.get("zip") or {}
    if z.get("h1"):
        return z["h1"], ".zip"
    if e.kind == "fips140" and e.version in rep.fips_sums:
        sha, h1 = rep.fips_sums[e.version]
        if h1:
            return h1, "GOROOT/lib/fips140/fips140.sum"
        f = r.get("fips")
        if f and f["h1"] and f["sha256"] == sha:
            return f["h1"], f"GOROOT/lib/fips140/{e.version}.zip"
    return None, ""


def cache_zip_hash(rep: Report, key: tuple[str, str]) -> tuple[str | None, str | None, str]:
    """(h1, file, how) the cache holds for path@version's zip: what its .ziphash
    records (how = "records"), else what its .zip hashes to (how = "hashes to")."""
    e = rep.layout.entries.get(key)
    if e is None:
        return None, None, ""
    r = rep.results.get(key) or EntryResult()
    zh = r.get("ziphash")
    if zh and zh["value"]:
        return zh["value"], e.files.get("ziphash"), "records"
    z = r.get("zip") or {}
    if z.get("h1"):
        return z["h1"], e.files.get("zip"), "hashes to"
    return None, None, ""


def verified_versions(rep: Report) -> int:
    """Module versions whose zip or extracted tree was checked against a reference."""
    n = 0
    for e, r in iter_entries(rep):
        if r.get("crash"):
            continue
        zh = r.get("ziphash")
        zip_checked = bool((r.get("zip") or {}).get("h1") and zh and zh["value"])
        dir_checked = bool(e.extracted and (r.get("dir") or {}).get("h1") and reference_hash(rep, e)[0])
        n += zip_checked or dir_checked
    return n


def iter_entries(rep: Report) -> Iterable[tuple[Entry, EntryResult]]:
    for key in sorted(rep.layout.entries):
        yield rep.layout.entries[key], rep.results.get(key) or EntryResult()
