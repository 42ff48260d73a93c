"""Memoized hashes on disk, safe to keep between runs.

A hash is replayed only for the same file in the same state: the key is the path
plus the file's identity and change stamp (device, inode, size, mtime_ns,
ctime_ns) or, for a directory, a fingerprint of every entry's lstat. Any write,
even one that restores the mtime, moves the ctime, so a memoized "clean" can't
be replayed over tampered content.

The store is a target too (diskcache CVE-2025-69872: its default storage
unpickles whatever is in the database). So:

- it lives in the user cache directory (``$GOZT_LINT_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/gozt-lint``, else ``~/.cache/gozt-lint``), created 0700;
- a store that is a symlink, not ours, or group/world-writable is refused (with a
  note) and the run goes on without memo, and so is one below a directory that
  someone else could change (checked from / down as ssh checks a key's path:
  owned by you or root, not group/world-writable unless sticky); the directory is
  opened without following links and sqlite reaches it through that descriptor;
- :class:`PlainDisk` stores only str/bytes/int/float and refuses pickled rows on
  read and write, so a planted pickle is an error, never code;
- keys are strings and values JSON text.

diskcache is imported only when a store is opened.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from gozt_lint.context import Context

# Bump when a hashing function's output for the same input changes.
SCHEMA = "gozt-lint-memo-1"
SIZE_LIMIT = 256 << 20
# diskcache re-applies its stored ``disk_min_file_size`` setting (32 KiB by default)
# to the Disk after construction: without this, a bigger value would be written as
# a separate file (which PlainDisk then refuses to read back).
_NO_VALUE_FILES = 1 << 30


class UnsafeStore(Exception):
    """The memo directory can't be trusted; run without it."""


def store_dir(environ: Mapping[str, str]) -> Path | None:
    explicit = environ.get("GOZT_LINT_CACHE_DIR", "")
    if explicit:
        return Path(explicit) if os.path.isabs(explicit) else None
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "gozt-lint"
    home = environ.get("HOME", "")
    if home and os.path.isabs(home):
        return Path(home) / ".cache" / "gozt-lint"
    return None


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_MAX_LINKS = 40


def _ancestor_problem(st: os.stat_result, uid: int) -> str | None:
    """What ssh's secure-path check would hold against a directory above the store."""
    if st.st_uid not in (uid, 0):
        return f"is owned by uid {st.st_uid}, neither you (uid {uid}) nor root"
    if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
        return f"is group- or world-writable without the sticky bit (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def _store_problem(st: os.stat_result, uid: int) -> str | None:
    if st.st_uid != uid:
        return f"is owned by uid {st.st_uid}, not by you (uid {uid})"
    if st.st_mode & 0o022:
        return f"is group- or world-writable (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def open_store_dir(path: Path) -> int:
    """A descriptor of the memo directory, reached without trusting any link or
    directory someone else could change (UnsafeStore otherwise).

    As ssh checks a key file's path: every directory from / down is opened with
    O_NOFOLLOW relative to the one above it and must be owned by you or root and
    not group- or world-writable, unless sticky (/tmp). A symbolic link on the way
    (/home -> /usr/home) is followed by walking its target the same way; it can
    only have been made by you or root, since its directory passed the check. The
    store itself must be yours, writable by you alone, and not a link. Whoever
    could write to a directory on the way could swap the store under us; nobody
    else can once this passes, so the returned descriptor (and a path through it)
    is the checked directory and stays so."""
    if not path.is_absolute():
        raise UnsafeStore(f"{path}: the memo directory must be an absolute path")
    uid = os.geteuid()
    pending = list(reversed(path.parts[1:]))
    stack: list[tuple[int, str]] = []
    links = 0

    def push_root() -> None:
        fd = os.open("/", _DIR_FLAGS)
        why = _ancestor_problem(os.fstat(fd), uid)
        if why:
            os.close(fd)
            raise UnsafeStore(f"/: a directory above the memo store {why}")
        stack.append((fd, "/"))

    try:
        push_root()
        while pending:
            name = pending.pop()
            if name in ("", "."):
                continue
            if name == "..":
                if len(stack) > 1:
                    os.close(stack.pop()[0])
                continue
            last = not pending
            cur, where = stack[-1]
            shown = os.path.join(where, name)
            try:
                fd = os.open(name, _DIR_FLAGS | getattr(os, "O_NOFOLLOW", 0), dir_fd=cur)
            except OSError:
                st = os.lstat(name, dir_fd=cur)  # FileNotFoundError etc. propagate
                if not stat.S_ISLNK(st.st_mode):
                    raise UnsafeStore(f"{shown}: {'the memo directory' if last else 'a path to the memo store'} is not a directory") from None
                if last:
                    raise UnsafeStore(f"{shown}: the memo directory is a symbolic link") from None
                links += 1
                if links > _MAX_LINKS:
                    raise UnsafeStore(f"{path}: too many symbolic links on the way to the memo store") from None
                target = os.readlink(name, dir_fd=cur)
                if target.startswith("/"):
                    while stack:
                        os.close(stack.pop()[0])
                    push_root()
                pending.extend(reversed([p for p in target.split("/") if p]))
                continue
            st = os.fstat(fd)
            why = _store_problem(st, uid) if last else _ancestor_problem(st, uid)
            if why:
                os.close(fd)
                what = "the memo directory" if last else "a directory above the memo store"
                raise UnsafeStore(f"{shown}: {what} {why}")
            stack.append((fd, shown))
        fd = stack.pop()[0]
        return fd
    finally:
        while stack:
            os.close(stack.pop()[0])


def check_store(path: Path) -> None:
    """Raise UnsafeStore unless ``path`` (and what is in it) is ours alone."""
    os.close(_checked_store(path))


def _checked_store(path: Path) -> int:
    fd = open_store_dir(path)
    try:
        uid = os.geteuid()
        for name in os.listdir(fd):
            st = os.lstat(name, dir_fd=fd)
            where = f"{path / name}: a memo file"
            if stat.S_ISLNK(st.st_mode):
                raise UnsafeStore(f"{where} is a symbolic link")
            why = _store_problem(st, uid)
            if why:
                raise UnsafeStore(f"{where} {why}")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _pinned(fd: int, path: Path) -> str:
    """A path that reaches exactly the checked directory: through the descriptor
    where the system offers that (Linux /proc), so sqlite opening files in it
    follows no link anyone could swap; else the checked path itself."""
    through = f"/proc/self/fd/{fd}"
    try:
        if os.path.samestat(os.stat(through), os.fstat(fd)):
            return through
    except OSError:
        pass
    return str(path)


def _make_disk_class() -> type:
    import diskcache
    from diskcache.core import MODE_PICKLE

    class PlainDisk(diskcache.Disk):
        """A diskcache Disk that never pickles and never unpickles."""

        def __init__(self, directory: str, min_file_size: int = 0, pickle_protocol: int = 0, **_ignored: Any) -> None:
            # Values stay in SQLite rows: no value files another process could swap.
            super().__init__(directory, min_file_size=1 << 30, pickle_protocol=0)

        def put(self, key: Any) -> tuple[Any, bool]:
            if type(key) not in (str, bytes, int, float):
                raise TypeError(f"memo keys must be str, bytes, int or float, not {type(key).__name__}")
            return super().put(key)

        def get(self, key: Any, raw: bool) -> Any:
            if not raw:
                raise ValueError("memo store holds a pickled key; refusing to unpickle it")
            return super().get(key, raw)

        def store(self, value: Any, read: bool, key: Any = None) -> tuple[Any, ...]:
            if read or type(value) not in (str, bytes, int, float):
                raise TypeError(f"memo values must be str, bytes, int or float, not {type(value).__name__}")
            if key is None:
                return super().store(value, read)
            return super().store(value, read, key=key)

        def fetch(self, mode: int, filename: Any, value: Any, read: bool) -> Any:
            if mode == MODE_PICKLE:
                raise ValueError("memo store holds a pickled value; refusing to unpickle it")
            if filename is not None:
                raise ValueError("memo store points at a value file; refusing to read it")
            return super().fetch(mode, filename, value, read)

    return PlainDisk


_DISK: type | None = None


def plain_disk() -> type:
    global _DISK
    if _DISK is None:
        _DISK = _make_disk_class()
    return _DISK


class Memo:
    """A str → JSON store; every failure degrades to "not memoized"."""

    def __init__(self, cache: Any | None, path: Path | None, dir_fd: int | None = None) -> None:
        self._cache = cache
        self.path = path
        self._dir_fd = dir_fd  # keeps the pinned directory (see _pinned) alive
        self.hits = 0
        self.misses = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._cache is not None

    def get(self, key: str) -> Any | None:
        if self._cache is None:
            return None
        try:
            raw = self._cache.get(SCHEMA + "\0" + key)
        except Exception as e:  # a refused pickle, a locked or corrupt database
            self._error(f"memo read failed: {type(e).__name__}: {e}")
            return None
        if not isinstance(raw, str):
            with self._lock:
                self.misses += 1
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        with self._lock:
            self.hits += 1
        return value

    def set(self, key: str, value: Any) -> None:
        if self._cache is None:
            return
        try:
            self._cache.set(SCHEMA + "\0" + key, json.dumps(value, separators=(",", ":")))
        except Exception as e:
            self._error(f"memo write failed: {type(e).__name__}: {e}")

    def set_many(self, items: list[tuple[str, Any]]) -> None:
        """Store many values in one transaction (one commit, not one per value)."""
        if self._cache is None or not items:
            return
        try:
            with self._cache.transact():
                for key, value in items:
                    self._cache.set(SCHEMA + "\0" + key, json.dumps(value, separators=(",", ":")))
        except Exception as e:
            self._error(f"memo write failed: {type(e).__name__}: {e}")

    def _error(self, msg: str) -> None:
        with self._lock:
            if msg not in self.errors:
                self.errors.append(msg)

    def close(self) -> None:
        if self._cache is not None:
            try:
                self._cache.close()
            except Exception:
                pass
        if self._dir_fd is not None:
            try:
                os.close(self._dir_fd)
            except OSError:
                pass
            self._dir_fd = None


def open_memo(environ: Mapping[str, str], *, enabled: bool = True, note: Callable[[str], None] | None = None) -> Memo:
    """The user's memo store, or a disabled Memo (with a note saying why)."""
    if not enabled:
        return Memo(None, None)
    path = store_dir(environ)
    if path is None:
        if note:
            note("memo: no user cache directory (set GOZT_LINT_CACHE_DIR); hashing everything")
        return Memo(None, None)
    try:
        if not os.path.lexists(path):
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.mkdir(path, 0o700)
        dir_fd = _checked_store(path)
    except UnsafeStore as e:
        if note:
            note(f"memo: refusing an unsafe store ({e}); hashing everything")
        return Memo(None, None)
    except OSError as e:
        if note:
            note(f"memo: cannot use {path}: {e.strerror or e}; hashing everything")
        return Memo(None, None)
    try:
        import diskcache

        old = os.umask(0o077)
        try:
            cache = diskcache.Cache(
                _pinned(dir_fd, path), disk=plain_disk(), size_limit=SIZE_LIMIT, eviction_policy="least-recently-stored", timeout=5,
                disk_min_file_size=_NO_VALUE_FILES,
            )
        finally:
            os.umask(old)
    except Exception as e:
        os.close(dir_fd)
        if note:
            note(f"memo: cannot open {path}: {type(e).__name__}: {e}; hashing everything")
        return Memo(None, None)
    return Memo(cache, path, dir_fd)


def for_context(ctx: Context) -> Memo:
    """The run's memo (opened once; ``--no-memo`` gives a disabled one)."""
    return ctx.once(_open_for_context)


def opened(ctx: Context) -> Memo | None:
    """The run's memo if some part of the run opened it already (opens nothing)."""
    return ctx.computed(_open_for_context)


def _open_for_context(ctx: Context) -> Memo:
    return open_memo(ctx.environ, enabled=bool(getattr(ctx.options, "memo", True)), note=ctx.note)


# -- keys ----------------------------------------------------------------------------


def file_key(kind: str, path: str | os.PathLike[str], st: os.stat_result) -> str:
    return f"{kind}\0{os.fspath(path)}\0{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_mode}"


def dir_key(kind: str, path: str | os.PathLike[str], fingerprint: str, extra: str = "") -> str:
    return f"{kind}\0{os.fspath(path)}\0{fingerprint}\0{extra}"


def open_path(path: Path) -> Memo:
    """A store already checked by :func:`open_memo` (worker processes reopen it)."""
    dir_fd = None
    try:
        dir_fd = _checked_store(path)
        import diskcache

        cache = diskcache.Cache(_pinned(dir_fd, path), disk=plain_disk(), size_limit=SIZE_LIMIT, timeout=5, disk_min_file_size=_NO_VALUE_FILES)
    except Exception:
        if dir_fd is not None:
            os.close(dir_fd)
        return Memo(None, None)
    return Memo(cache, path, dir_fd)
