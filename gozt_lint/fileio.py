"""Reading untrusted files carefully and writing files atomically."""

from __future__ import annotations

import os
import re
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


# -- --output ------------------------------------------------------------------------
#
# What ``--output PATH`` does with what is already at PATH (README "Output"):
#
# - nothing there, or a regular file: the report replaces it atomically (a new
#   file renamed over the old one; readers see the old report or the new one);
# - a FIFO or a character device (/dev/null, a terminal): written through, as a
#   shell's ``>`` would, never replaced (as root, replacing /dev/null with a
#   regular file breaks the machine);
# - /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N (a link to one of this
#   process's descriptors, whatever it is open on): written through that
#   descriptor, which the shell set up;
# - a symbolic link to anything else (a regular file, nothing, a directory, a
#   device): refused, exit 2. A checkout can commit ``report.sarif -> ~/.bashrc``;
#   writing through it would overwrite the target, replacing it would silently
#   drop a link the user may have made on purpose. Links in the directories
#   leading to the file are followed, as by any program: they are the user's
#   choice of where to write, not the checkout's;
# - a directory, a block device or a socket: refused, exit 2.
#
# Descriptors to write through are opened (or duplicated) by check_output, before
# the run, like a shell opens a redirection before it runs the command: a FIFO
# with no reader blocks there, and /dev/fd/N means the N this process inherited,
# not one the run opened since.

_FD_LINK = re.compile(r"/dev/(?:stdin|stdout|stderr)|/dev/fd/(\d+)|/proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd/(\d+)")
_STD_FDS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_OPENED: dict[str, int] = {}  # --output path -> descriptor opened by check_output


def _fd_of_link(path: str) -> int | None:
    """The descriptor number when ``path`` (or a link on its way) names one of this
    process's descriptors (/dev/stdout, /dev/fd/3, /proc/self/fd/1), else None."""
    p = os.path.abspath(path)
    for _ in range(40):
        m = _FD_LINK.fullmatch(p)
        if m:
            if p in _STD_FDS:
                return _STD_FDS[p]
            return int(m.group(1) or m.group(2))
        try:
            target = os.readlink(p)
        except OSError:
            return None
        p = os.path.normpath(os.path.join(os.path.dirname(p), target))
    return None


def _is_null_device(st: os.stat_result) -> bool:
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == null.st_rdev


def _refuse_link(where: str, why: str) -> InputError:
    return InputError(
        where,
        f"is a symbolic link {why}; --output never writes through a link to a file or a device other than "
        "/dev/null, a FIFO or this process's own descriptors (/dev/stdout): a checkout could plant one. "
        "Remove the link or name the target itself",
    )


def _output_plan(path: Path) -> tuple[str, int | None]:
    """("replace", None), ("open", None) for a FIFO or character device to open,
    ("open-link", None) for a link to one, or ("fd", N) for a descriptor link;
    InputError for what --output refuses."""
    where = str(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise InputError(where, f"cannot write: {directory} is not an existing directory") from None
        return "replace", None
    except OSError as e:
        raise InputError(where, f"cannot access: {e.strerror or e}") from None
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return "replace", None
    if stat.S_ISDIR(mode):
        raise InputError(where, "is a directory; give a file name for the report")
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "open", None
    if not stat.S_ISLNK(mode):
        raise InputError(where, f"is a {file_kind(mode)}; --output writes regular files, FIFOs and character devices only")
    fd = _fd_of_link(where)
    try:
        target_st = os.stat(path)
    except OSError:
        if fd is not None:
            raise InputError(where, f"names descriptor {fd}, which is not open") from None
        raise _refuse_link(where, f"to {os.readlink(path)!r}, which does not exist") from None
    if fd is not None:
        if stat.S_ISDIR(target_st.st_mode):
            raise InputError(where, f"names descriptor {fd}, which is a directory")
        return "fd", fd
    if stat.S_ISFIFO(target_st.st_mode) or _is_null_device(target_st):
        return "open-link", None
    raise _refuse_link(where, f"to {os.path.realpath(path)} (a {file_kind(target_st.st_mode, 'regular file')})")


def _open_through(path: Path, plan: str, fd: int | None) -> int:
    where = str(path)
    try:
        if plan == "fd":
            assert fd is not None
            return os.dup(fd)
        flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        if plan == "open":
            # Not a link a moment ago: refuse one that appeared since.
            flags |= getattr(os, "O_NOFOLLOW", 0)
        out = os.open(path, flags)
    except OSError as e:
        raise InputError(where, f"cannot write: {e.strerror or e}") from None
    st = os.fstat(out)
    ok = stat.S_ISFIFO(st.st_mode) or (stat.S_ISCHR(st.st_mode) if plan == "open" else _is_null_device(st))
    if not ok:
        os.close(out)
        raise InputError(where, "changed while being opened; not writing the report")
    return out


def check_output(path: Path) -> None:
    """Refuse, before any work is done, an ``--output`` that cannot or must not be
    written (see above), and open a FIFO, device or descriptor to write through;
    a missing directory would otherwise be found only after a long run."""
    path = Path(path)
    plan, fd = _output_plan(path)
    if plan != "replace":
        key = os.path.abspath(path)
        old = _OPENED.pop(key, None)
        if old is not None:
            os.close(old)
        _OPENED[key] = _open_through(path, plan, fd)


def write_output(path: Path, data: bytes) -> None:
    """Write a report the user asked for (see above). A failure is the user's to
    fix (exit status 2 with the reason), not an internal error."""
    path = Path(path)
    out = _OPENED.pop(os.path.abspath(path), None)
    if out is None:
        plan, fd = _output_plan(path)
        if plan == "replace":
            try:
                atomic_write(path, data)
            except OSError as e:
                raise InputError(str(path), f"cannot write: {e.strerror or e}") from None
            return
        out = _open_through(path, plan, fd)
    try:
        _write_all(out, data)
    except OSError as e:
        raise InputError(str(path), f"cannot write: {e.strerror or e}") from None
    finally:
        os.close(out)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            # A descriptor someone left non-blocking (a shared pipe): wait for room.
            import select

            select.select([], [fd], [])
            continue
        view = view[n:]


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


def find_repo_root(start: Path) -> Path | None:
    """The enclosing git work tree (found without running git), or None."""
    cur = start.resolve()
    for d in (cur, *cur.parents):
        if (d / ".git").exists():
            return d
    return None
