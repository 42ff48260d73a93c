"""Reading untrusted files carefully and writing files atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gozt_lint.errors import InputError

# go.sum has no documented limit, but anything this size is not a real go.sum (the
# largest real ones are well under 1 MiB). Parsing costs about ten times the size
# in memory, so the limit bounds a run's memory too.
MAX_TEXT_FILE = 64 << 20
# go.mod / go.work: the go command's limit for a go.mod it fetches (MaxGoMod). A
# parsed go.mod takes about fifty times its size in memory; above this, refuse.
MAX_GOMOD = 16 << 20


def read_input(path: Path, limit: int = MAX_TEXT_FILE) -> bytes:
    """The bytes of a regular file, or InputError with a clear reason."""
    where = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(where, "no such file") from None
    except OSError as e:
        raise InputError(where, f"cannot access: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(where, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(where, "is not a regular file")
    if st.st_size > limit:
        raise InputError(where, f"is {st.st_size} bytes, larger than the {limit >> 20} MiB limit")
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(where, f"cannot read: {e.strerror or e}") from None
    if len(data) > limit:
        raise InputError(where, f"grew beyond the {limit >> 20} MiB limit while being read")
    return data


def check_output(path: Path) -> None:
    """Refuse, before any work is done, an ``--output`` that cannot be written: a
    missing directory or a directory in place of the file would otherwise be found
    only after a long run, whose report would be lost."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(str(path), "is a directory; give a file name for the report")
    if not directory.is_dir():
        raise InputError(str(path), f"cannot write: {directory} is not an existing directory")


def write_output(path: Path, data: bytes) -> None:
    """:func:`atomic_write` for a report the user asked for: a failure is the
    user's to fix (exit status 2 with the reason), not an internal error."""
    try:
        atomic_write(path, data)
    except OSError as e:
        raise InputError(str(path), f"cannot write: {e.strerror or e}") from None


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half.

    With ``exclusive``, fail instead of replacing an existing file (the final link
    is made with ``os.link``, which refuses to overwrite).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode & ~_umask())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise InputError(str(path), "already exists; not overwriting") from None
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def file_kind(mode: int, other: str = "file") -> str:
    """What an lstat mode is, for messages ("symbolic link", "named pipe (FIFO)", ...)."""
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return other


def read_regular(path: str, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of a regular file; None for anything else (a FIFO,
    a directory, a device: opening those could block or never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0:
            b = os.read(fd, min(left, 1 << 20))
            if not b:
                break
            chunks.append(b)
            left -= len(b)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)

