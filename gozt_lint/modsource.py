"""Module content for the package loader: directories of the checkout, extracted
module trees in the module cache, and cached module zips read in place.

Everything here only reads, and reads carefully: a file is opened without
blocking and used only if it is a regular file (a FIFO, a device or a link to
one reads as absent), every read is bounded, a zip is never extracted (its
members are inflated in memory, up to a limit). Directory listings follow a
symbolic link on the way to a directory as the go command does (``os.ReadDir``
of the package directory), but a walk of the checkout never descends through one.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from typing import TYPE_CHECKING, Iterator, Union

from gozt_lint.fileio import read_regular

if TYPE_CHECKING:
    from gozt_lint.dirhash import ZipEntry

    # A zip's tree: DIR for a directory, else the member's central-directory entry.
    _Node = Union[str, ZipEntry]

FIRST_READ = 64 << 10  # most files' imports end well within this
MAX_GO_FILE = 64 << 20  # past this a file's import block is not read further
MAX_GO_MOD = 16 << 20  # modfetch's limit on a go.mod

FILE, DIR, OTHER = "file", "dir", "other"


class Source:
    """One module's files, by slash-separated path relative to the module root."""

    kind = ""
    local = False  # a directory of the checkout (nested go.mod files end the module there)
    key: tuple[str, ...] = ()  # identifies the source within a run
    memo_key: str | None = None  # set when the content is verified: "<path>@<version> <h1>"
    # pkgload.has_go_files by directory: a pure function of entries(), which a source
    # lists once (the go.mod units of a run ask the same directories again).
    go_dirs: dict[str, bool] | None = None

    def entries(self, rel: str) -> dict[str, str] | None:
        """name -> FILE (a regular file, or a link to one), DIR or OTHER for the
        directory ``rel``; None when there is no such directory."""
        raise NotImplementedError

    def read(self, rel: str, limit: int) -> bytes | None:
        """Up to ``limit`` bytes of the regular file ``rel`` (None: absent or not regular)."""
        raise NotImplementedError

    def size(self, rel: str) -> int:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def read_go_file(self, rel: str) -> bytes | None:
        """Enough of a Go file for its import block: the first 64 KiB, or more
        (up to 64 MiB) when the imports run on past that."""
        from gozt_lint.imports import read_imports

        data = self.read(rel, FIRST_READ)
        if data is None or len(data) < FIRST_READ:
            return data
        if len(read_imports(data).header) < len(data) - 1:
            return data
        return self.read(rel, MAX_GO_FILE)


def _join(root: str, rel: str) -> str:
    return os.path.join(root, *rel.split("/")) if rel else root


class DirSource(Source):
    """A directory tree: the main module, a directory replacement, or an extracted
    module in the cache."""

    def __init__(self, root: str, *, local: bool) -> None:
        self.root = root
        self.local = local
        self.kind = "dir" if local else "tree"
        self.key = (self.kind, root)
        self._entries: dict[str, dict[str, str] | None] = {}
        self.odd: list[tuple[str, str]] = []  # .go names that are not regular files

    def describe(self) -> str:
        return self.root

    def entries(self, rel: str) -> dict[str, str] | None:
        if rel in self._entries:
            return self._entries[rel]
        got = self._list(rel)
        self._entries[rel] = got
        return got

    def _list(self, rel: str) -> dict[str, str] | None:
        d = _join(self.root, rel)
        try:
            it = os.scandir(d)
        except OSError:
            return None
        from gozt_lint.fileio import file_kind

        out: dict[str, str] = {}
        with it:
            for ent in it:
                link = False
                try:
                    if ent.is_symlink():
                        link = True
                        try:
                            st = os.stat(ent.path)
                        except OSError:
                            out[ent.name] = OTHER  # a broken link
                            continue
                        mode = st.st_mode
                    else:
                        mode = ent.stat(follow_symlinks=False).st_mode
                except OSError:
                    out[ent.name] = OTHER
                    continue
                kind = FILE if stat.S_ISREG(mode) else DIR if stat.S_ISDIR(mode) else OTHER
                out[ent.name] = kind
                if kind == OTHER and ent.name.endswith(".go"):
                    what = file_kind(mode)
                    self.odd.append((ent.path, f"a link to a {what}" if link else f"a {what}"))
        return out

    def read(self, rel: str, limit: int) -> bytes | None:
        return read_regular(_join(self.root, rel), limit)

    def size(self, rel: str) -> int:
        try:
            return os.stat(_join(self.root, rel)).st_size
        except OSError:
            return 0


class ZipSource(Source):
    """A cached module zip, read in place (``<path>@<version>/`` is every member's prefix)."""

    kind = "zip"

    def __init__(self, zpath: str, prefix: str) -> None:
        self.zpath = zpath
        self.key = ("zip", zpath)
        self.prefix = prefix.encode("utf-8", "surrogateescape")
        self._dirs: dict[str, dict[str, _Node]] | None = None
        self.error: str | None = None

    def describe(self) -> str:
        return self.zpath

    def _index(self) -> dict[str, dict[str, _Node]]:
        if self._dirs is not None:
            return self._dirs
        from gozt_lint.dirhash import MAX_ZIP_FILE, ZipFormatError, read_zip_directory

        dirs: dict[str, dict[str, _Node]] = {"": {}}
        try:
            fd = os.open(self.zpath, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as e:
            self.error = f"cannot open: {e.strerror or e}"
            self._dirs = dirs
            return dirs
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ZIP_FILE:
                self.error = "not a regular file of a module zip's size"
            else:
                for ent in read_zip_directory(fd, st.st_size):
                    if not ent.name.startswith(self.prefix) or ent.is_dir:
                        continue
                    rel = ent.name[len(self.prefix) :].decode("utf-8", "surrogateescape")
                    parts = rel.split("/")
                    for i in range(len(parts) - 1):
                        parent = "/".join(parts[:i])
                        dirs.setdefault(parent, {}).setdefault(parts[i], DIR)
                        dirs.setdefault("/".join(parts[: i + 1]), {})
                    dirs.setdefault("/".join(parts[:-1]), {})[parts[-1]] = ent
        except (ZipFormatError, OSError) as e:
            self.error = str(e)
        finally:
            os.close(fd)
        self._dirs = dirs
        return dirs

    def entries(self, rel: str) -> dict[str, str] | None:
        d = self._index().get(rel)
        if d is None:
            return None
        return {name: (DIR if v == DIR else FILE) for name, v in d.items()}

    def _entry(self, rel: str) -> _Node | None:
        parent, _, name = rel.rpartition("/")
        return self._index().get(parent, {}).get(name)

    def size(self, rel: str) -> int:
        e = self._entry(rel)
        return e.usize if e is not None and not isinstance(e, str) else 0

    def read(self, rel: str, limit: int) -> bytes | None:
        e = self._entry(rel)
        if e is None or isinstance(e, str):
            return None
        try:
            fd = os.open(self.zpath, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return _inflate(fd, e, limit)
        except (OSError, zlib.error, struct.error, ValueError):
            return None
        finally:
            os.close(fd)


def _inflate(fd: int, e: ZipEntry, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of one member (stored or deflated), never more than it declares."""
    offset, csize, usize, method = e.offset, e.csize, e.usize, e.method
    head = os.pread(fd, 30, offset)
    if len(head) < 30 or struct.unpack_from("<I", head, 0)[0] != 0x04034B50:
        return None
    nlen, xlen = struct.unpack_from("<HH", head, 26)
    pos = offset + 30 + nlen + xlen
    want = min(limit, usize)
    out = bytearray()
    if method == 0:
        while len(out) < want:
            b = os.pread(fd, min(1 << 20, want - len(out)), pos + len(out))
            if not b:
                break
            out += b
        return bytes(out)
    if method != 8:
        return None
    dec = zlib.decompressobj(-15)
    read = 0
    buf = b""
    stalls = 0
    while len(out) < want and not dec.eof:
        if not buf:
            if read >= csize:
                break
            buf = os.pread(fd, min(1 << 16, csize - read), pos + read)
            if not buf:
                break
            read += len(buf)
        piece = dec.decompress(buf, want - len(out))
        rest = dec.unconsumed_tail
        stalls = stalls + 1 if (not piece and len(rest) == len(buf)) else 0
        if stalls > 2:
            break
        buf = rest
        out += piece
    return bytes(out[:want])


def iter_package_dirs(src: Source, skip_nested: bool = True) -> Iterator[str]:
    """Every directory of a module tree that ``./...`` could match: not ``.``/``_``
    prefixed, not ``testdata``, not inside ``vendor``, not below a nested go.mod;
    links to directories are not followed (the go command warns and skips them)."""
    stack = [""]
    while stack:
        rel = stack.pop()
        ents = src.entries(rel) if not (src.local and rel and _is_link(src, rel)) else None
        if ents is None:
            continue
        if rel and skip_nested and ents.get("go.mod") == FILE:
            continue
        yield rel
        for name, kind in sorted(ents.items(), reverse=True):
            if kind != DIR or name.startswith((".", "_")) or name in ("testdata", "vendor"):
                continue
            stack.append(f"{rel}/{name}" if rel else name)


def _is_link(src: Source, rel: str) -> bool:
    if not isinstance(src, DirSource):
        return False
    try:
        return os.path.islink(_join(src.root, rel))
    except OSError:
        return True
