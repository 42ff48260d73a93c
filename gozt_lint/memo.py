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
  note) and the run goes on without memo;
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


def check_store(path: Path) -> None:
    """Raise UnsafeStore unless ``path`` (and what is in it) is ours alone."""
    uid = os.geteuid()

    def check(p: Path, what: str) -> os.stat_result:
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            raise UnsafeStore(f"{p}: {what} is a symbolic link")
        if st.st_uid != uid:
            raise UnsafeStore(f"{p}: {what} is owned by uid {st.st_uid}, not by you (uid {uid})")
        if st.st_mode & 0o022:
            raise UnsafeStore(f"{p}: {what} is group- or world-writable (mode {stat.S_IMODE(st.st_mode):04o})")
        return st

    st = check(path, "the memo directory")
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeStore(f"{path}: the memo directory is not a directory")
    with os.scandir(path) as it:
        for ent in it:
            check(Path(ent.path), "a memo file")


def _make_disk_class() -> type:
    import diskcache
    from diskcache.core import MODE_PICKLE

    class PlainDisk(diskcache.Disk):  # type: ignore[misc]
        """A diskcache Disk that never pickles and never unpickles."""

        def __init__(self, directory: str, min_file_size: int = 0, pickle_protocol: int = 0, **_ignored: Any) -> None:
            # Values stay in SQLite rows: no value files another process could swap.
            super().__init__(directory, min_file_size=1 << 30, pickle_protocol=0)

        def put(self, key: Any) -> tuple[Any, bool]:
            if type(key) not in (str, bytes, int, float):
                raise TypeError(f"memo keys must be str, bytes, int or float, not {type(key).__name__}")
            return super().put(key)  # type: ignore[no-any-return]

        def get(self, key: Any, raw: bool) -> Any:
            if not raw:
                raise ValueError("memo store holds a pickled key; refusing to unpickle it")
            return super().get(key, raw)

        def store(self, value: Any, read: bool, key: Any = None) -> tuple[Any, ...]:
            if read or type(value) not in (str, bytes, int, float):
                raise TypeError(f"memo values must be str, bytes, int or float, not {type(value).__name__}")
            if key is None:
                return super().store(value, read)  # type: ignore[no-any-return]
            return super().store(value, read, key=key)  # type: ignore[no-any-return]

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

    def __init__(self, cache: Any | None, path: Path | None) -> None:
        self._cache = cache
        self.path = path
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
        check_store(path)
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
                str(path), disk=plain_disk(), size_limit=SIZE_LIMIT, eviction_policy="least-recently-stored", timeout=5,
                disk_min_file_size=_NO_VALUE_FILES,
            )
        finally:
            os.umask(old)
    except Exception as e:
        if note:
            note(f"memo: cannot open {path}: {type(e).__name__}: {e}; hashing everything")
        return Memo(None, None)
    return Memo(cache, path)


def for_context(ctx: Context) -> Memo:
    """The run's memo (opened once; ``--no-memo`` gives a disabled one)."""
    return ctx.once(_open_for_context)


def _open_for_context(ctx: Context) -> Memo:
    return open_memo(ctx.environ, enabled=bool(getattr(ctx.options, "memo", True)), note=ctx.note)


# -- keys ----------------------------------------------------------------------------


def file_key(kind: str, path: str | os.PathLike[str], st: os.stat_result) -> str:
    return f"{kind}\0{os.fspath(path)}\0{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_mode}"


def dir_key(kind: str, path: str | os.PathLike[str], fingerprint: str, extra: str = "") -> str:
    return f"{kind}\0{os.fspath(path)}\0{fingerprint}\0{extra}"


def open_path(path: Path) -> Memo:
    """A store already checked by :func:`open_memo` (worker processes reopen it)."""
    try:
        check_store(path)
        import diskcache

        cache = diskcache.Cache(str(path), disk=plain_disk(), size_limit=SIZE_LIMIT, timeout=5, disk_min_file_size=_NO_VALUE_FILES)
    except Exception:
        return Memo(None, None)
    return Memo(cache, path)
