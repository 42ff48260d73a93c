"""The `h1:` hash (golang.org/x/mod/sumdb/dirhash Hash1) of a module's files.

h1 = "h1:" + base64(SHA-256(summary)), where summary has one line
"<hex SHA-256 of content>  <name>\\n" per file, names sorted byte-wise.

- :func:`hash_zip` is dirhash.HashZip: every central-directory name exactly as
  stored (raw bytes, whatever the UTF-8 flag says), directory entries included
  (they read as empty). It streams each entry through its own ZIP reader that
  does what Go's archive/zip does (CRC-32, declared sizes, data descriptors,
  zip64) and checks the module-zip rules of golang.org/x/mod/zip (prefix, clean
  names, case-fold collisions, size limits), reporting every violation instead of
  stopping at the first. Nothing is ever extracted.
- :func:`hash_dir` is dirhash.HashDir over an extracted tree with prefix
  ``path@version``: regular files only, by lstat, never following a link and
  never opening a FIFO or device; each one is reported as a problem.
- :func:`hash_gomod` is the `/go.mod` line's hash.
"""

from __future__ import annotations

import base64
import hashlib
import marshal
import os
import posixpath
import re
import stat
import struct
import unicodedata
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, TypedDict

from gozt_lint.fileio import file_kind

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# golang.org/x/mod/zip limits.
MAX_ZIP_FILE = 500 << 20
MAX_GO_MOD = 16 << 20
MAX_LICENSE = 16 << 20
# Our own bounds on the central directory (memory); no real module comes near.
MAX_ZIP_ENTRIES = 1 << 18
MAX_ZIP_NAME_BYTES = 64 << 20
CHUNK = 1 << 20

_EOCD_SIG = b"PK\x05\x06"
_CDH_SIG = 0x02014B50
_LFH_SIG = 0x04034B50
_DD_SIG = 0x08074B50
_Z64_LOC_SIG = 0x07064B50
_Z64_END_SIG = 0x06064B50


def hash1_from_digests(entries: Iterable[tuple[bytes, str]]) -> str:
    """h1 of (name as UTF-8/raw bytes, hex SHA-256) pairs."""
    items = sorted(entries, key=lambda e: e[0])
    h = hashlib.sha256()
    for name, hexdigest in items:
        if b"\n" in name:
            raise ValueError("dirhash: filenames with newlines are not supported")
        h.update(hexdigest.encode("ascii") + b"  " + name + b"\n")
    return "h1:" + base64.b64encode(h.digest()).decode("ascii")


def hash_gomod(data: bytes) -> str:
    """The `/go.mod` line's hash: a one-file tree named go.mod (no prefix)."""
    return hash1_from_digests([(b"go.mod", hashlib.sha256(data).hexdigest())])


def show(name: bytes) -> str:
    """A name for messages: UTF-8 where it is, \\x escapes where it is not."""
    return name.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Problem:
    """Something in a zip or tree that a module cannot legitimately contain."""

    name: str  # entry name or path relative to the tree, for display
    message: str
    # "invalid": the go command refuses it (a zip entry it never extracts, an
    # irregular file in a tree); "omitted": a zip entry the go command accepts
    # but its zip creation never writes; "hardlink", "unreadable" for trees.
    kind: str = "invalid"
    target: str | None = None  # a symbolic link's target, as stored

    def to_json(self) -> list[str | None]:
        return [self.name, self.message, self.kind, self.target]

    @classmethod
    def from_json(cls, p: object) -> Problem | None:
        if not isinstance(p, list) or not 2 <= len(p) <= 4:
            return None
        kind = str(p[2]) if len(p) > 2 and p[2] else "invalid"
        target = str(p[3]) if len(p) > 3 and p[3] is not None else None
        return cls(str(p[0]), str(p[1]), kind, target)


class TreeJSON(TypedDict, total=False):
    """:meth:`TreeHash.to_json`: what the memo stores and the module cache results
    hold. Not total: a zip that cannot even be opened gets only h1, error and
    problems, and the module cache adds the writable_* and dirs keys to a tree's."""

    h1: str | None
    error: str | None
    problems: list[list[str | None]]
    files: int
    bytes: int
    dir_entries: int
    h1_files: str | None
    layout: list[str]
    # modcache: what of an extracted tree is writable, and how many directories it has.
    writable_files: list[str]
    writable_dirs: list[str]
    dirs: int


@dataclass
class TreeHash:
    """The result of hashing a zip or a directory."""

    h1: str | None = None  # None when it cannot be hashed; ``error`` says why
    error: str | None = None
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    # Set by hash_dir when a file changed while it was being read.
    unstable: bool = False
    # hash_zip only: directory entries in the zip, and the h1 without them (what
    # HashDir of a faithful extraction gives).
    dir_entries: int = 0
    h1_files: str | None = None
    # hash_zip only: bytes of the archive no hash covers (see layout_problems).
    layout: list[str] = field(default_factory=list)

    def to_json(self) -> TreeJSON:
        return {
            "h1": self.h1,
            "error": self.error,
            "problems": [p.to_json() for p in self.problems],
            "files": self.files,
            "bytes": self.bytes,
            "dir_entries": self.dir_entries,
            "h1_files": self.h1_files,
            "layout": list(self.layout),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> TreeHash:
        def text(key: str) -> str | None:
            v = d.get(key)
            return v if isinstance(v, str) else None

        def count(key: str) -> int:
            v = d.get(key)
            return v if isinstance(v, int) else 0

        def items(key: str) -> list[object]:
            v = d.get(key)
            return v if isinstance(v, list) else []

        return cls(
            h1=text("h1"),
            error=text("error"),
            problems=[q for q in (Problem.from_json(p) for p in items("problems")) if q is not None],
            files=count("files"),
            bytes=count("bytes"),
            dir_entries=count("dir_entries"),
            h1_files=text("h1_files"),
            layout=[str(x) for x in items("layout")],
        )


# -- zip ---------------------------------------------------------------------------


class ZipFormatError(Exception):
    """The file is not a readable zip (Go: zip.ErrFormat and friends)."""


@dataclass(frozen=True)
class ZipEntry:
    name: bytes
    flags: int
    method: int
    crc32: int
    csize: int
    usize: int
    offset: int  # of the local file header
    external: int
    creator: int = 0  # "version made by": the high byte is the host system (3: Unix)
    comment: int = 0  # length of the entry's comment

    @property
    def is_dir(self) -> bool:
        return self.name.endswith(b"/")

    @property
    def unix_type(self) -> int:
        """The file type bits of a Unix mode in the external attributes (0 if none)."""
        return (self.external >> 16) & 0o170000 if self.creator >> 8 == 3 else 0


@dataclass
class ZipDirectory:
    """The central directory and where each part of the archive lies."""

    entries: list[ZipEntry]
    size: int  # of the file
    eocd_off: int  # offset of the end-of-central-directory record
    comment: int  # length of the zip comment
    base: int  # bytes before the archive (archive/zip's baseOffset)
    cd_start: int  # absolute offset of the central directory
    cd_end: int  # just past its last header
    cd_declared: int  # the size the end record declares
    z64_end: int | None = None  # offset of the zip64 end record, when there is one
    z64_len: int = 0


def _pread(fd: int, n: int, off: int) -> bytes:
    out = os.pread(fd, n, off)
    if len(out) == n:
        return out
    parts = [out]
    got = len(out)
    while got < n:
        b = os.pread(fd, n - got, off + got)
        if not b:
            break
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def _find_eocd(block: bytes) -> int:
    # As archive/zip findSignatureInBlock: the last signature whose comment fits.
    i = len(block) - 22
    while i >= 0:
        i = block.rfind(_EOCD_SIG, 0, i + 4)
        if i < 0:
            return -1
        n = block[i + 20] | block[i + 21] << 8
        if n + 22 + i > len(block):
            return -1
        return i
    return -1


class _Reader:
    """Forward reads of a file region through one bounded buffer: the central
    directory is parsed in place however large it is, in linear time."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self.fd, self.end = fd, end
        self.buf = bytearray()
        self.off = start  # file offset of buf[0]
        self.cur = 0  # parse position in buf

    def ensure(self, n: int) -> bool:
        """At least n bytes from the parse position are buffered (False at the end)."""
        if len(self.buf) - self.cur >= n:
            return True
        if self.cur:
            del self.buf[: self.cur]
            self.off += self.cur
            self.cur = 0
        want = max(n - len(self.buf), CHUNK)
        at = self.off + len(self.buf)
        want = min(want, self.end - at)
        if want > 0:
            self.buf += _pread(self.fd, want, at)
        return len(self.buf) - self.cur >= n

    @property
    def pos(self) -> int:
        return self.off + self.cur


def read_central_directory(fd: int, size: int) -> ZipDirectory:
    """The central directory, read exactly as archive/zip's Reader.init reads it,
    with our bounds on entries and name bytes (memory)."""
    block = b""
    eocd_off = -1
    for i, blen in enumerate((1024, 65 * 1024)):
        blen = min(blen, size)
        block = _pread(fd, blen, size - blen)
        p = _find_eocd(block)
        if p >= 0:
            block = block[p:]
            eocd_off = size - blen + p
            break
        if i == 1 or blen == size:
            raise ZipFormatError("zip: not a valid zip file (no end of central directory)")
    if len(block) < 22:
        raise ZipFormatError("zip: not a valid zip file")
    _sig, _disk, _dirdisk, _this, records, dsize, doff, clen = struct.unpack_from("<IHHHHIIH", block, 0)
    if clen > len(block) - 22:
        raise ZipFormatError("zip: invalid comment length")
    end_off = eocd_off
    z64_end: int | None = None
    z64_len = 0
    if records == 0xFFFF or dsize == 0xFFFFFFFF or doff == 0xFFFFFFFF:
        loc = eocd_off - 20
        if loc >= 0:
            b = _pread(fd, 20, loc)
            if len(b) == 20:
                sig, disk, z64off, ndisks = struct.unpack("<IIQI", b)
                if sig == _Z64_LOC_SIG and disk == 0 and ndisks == 1:
                    e = _pread(fd, 56, z64off)
                    if len(e) < 56 or struct.unpack_from("<I", e, 0)[0] != _Z64_END_SIG:
                        raise ZipFormatError("zip: not a valid zip file (zip64 end record)")
                    records, dsize, doff = struct.unpack_from("<QQQ", e, 32)
                    end_off = z64_end = z64off
                    z64_len = 12 + struct.unpack_from("<Q", e, 4)[0]
    if dsize > (1 << 63) - 1 or doff > (1 << 63) - 1:
        raise ZipFormatError("zip: not a valid zip file")
    base = end_off - dsize - doff
    if not (0 <= base + doff < size):
        raise ZipFormatError("zip: not a valid zip file (central directory outside the file)")
    if base > 0:
        probe = _pread(fd, 4, doff)
        if len(probe) == 4 and struct.unpack("<I", probe)[0] == _CDH_SIG:
            base = 0
    if dsize > MAX_ZIP_FILE:
        raise ZipFormatError(f"central directory too large ({dsize} bytes)")
    start = base + doff
    # Go keeps reading headers past the declared size while they parse; so do we,
    # through a bounded window.
    rd = _Reader(fd, start, size)
    entries: list[ZipEntry] = []
    name_bytes = 0
    while rd.ensure(46):
        buf, pos = rd.buf, rd.cur
        (sig, cv, _rv, flags, method, _mt, _md, crc, csz, usz, nlen, xlen, clen2, _dn, _ia, ext, off) = struct.unpack_from(
            "<IHHHHHHIIIHHHHHII", buf, pos
        )
        if sig != _CDH_SIG:
            break
        hlen = 46 + nlen + xlen + clen2
        if not rd.ensure(hlen):
            break
        buf, pos = rd.buf, rd.cur
        name = bytes(buf[pos + 46 : pos + 46 + nlen])
        extra = bytes(buf[pos + 46 + nlen : pos + 46 + nlen + xlen])
        csize, usize, offset = csz, usz, off
        x = 0
        while x + 4 <= len(extra):
            tag, fsz = struct.unpack_from("<HH", extra, x)
            x += 4
            if x + fsz > len(extra):
                break
            if tag == 0x0001:
                fb = extra[x : x + fsz]
                k = 0
                for which in ("u", "c", "o"):
                    want = {"u": usz == 0xFFFFFFFF, "c": csz == 0xFFFFFFFF, "o": off == 0xFFFFFFFF}[which]
                    if not want:
                        continue
                    if len(fb) - k < 8:
                        raise ZipFormatError("zip: not a valid zip file (zip64 extra field)")
                    v = struct.unpack_from("<Q", fb, k)[0]
                    k += 8
                    if which == "u":
                        usize = v
                    elif which == "c":
                        csize = v
                    else:
                        offset = v
            x += fsz
        entries.append(ZipEntry(name, flags, method, crc, csize, usize, offset + base, ext, cv, clen2))
        name_bytes += nlen
        if len(entries) > MAX_ZIP_ENTRIES:
            raise ZipFormatError(f"more than {MAX_ZIP_ENTRIES} entries")
        if name_bytes > MAX_ZIP_NAME_BYTES:
            raise ZipFormatError(f"entry names take more than {MAX_ZIP_NAME_BYTES} bytes")
        rd.cur += hlen
    if (len(entries) & 0xFFFF) != (records & 0xFFFF):
        raise ZipFormatError(
            f"zip: not a valid zip file (central directory lists {records} entries, {len(entries)} readable)"
        )
    return ZipDirectory(entries, size, eocd_off, clen, base, start, rd.pos, dsize, z64_end, z64_len)


def read_zip_directory(fd: int, size: int) -> list[ZipEntry]:
    """The central directory's entries (see :func:`read_central_directory`)."""
    return read_central_directory(fd, size).entries


# Data-descriptor lengths a writer may leave after an entry's data (with or
# without the optional signature, 32- or 64-bit sizes).
_DD_LENGTHS = frozenset((12, 16, 20, 24))
MAX_LAYOUT_PROBLEMS = 10


def layout_problems(fd: int, zd: ZipDirectory, local: dict[int, tuple[bytes, int]]) -> list[str]:
    """Bytes of the archive that no part of the module hash covers.

    HashZip hashes names and contents, so anything else in the file passes
    unseen: bytes before the first entry, between entries or after the end
    record, zip and entry comments, entries that overlap (how non-recursive zip
    bombs reuse data), and local headers naming a file differently from the
    central directory (other unzip tools extract by the local name). Go's zip
    writer, which made every module zip the go command ever wrote, leaves none of
    these. ``local`` maps an entry's offset to (local name, end of its data) where
    the hashing pass already read it; the rest are read here (one small read each).
    """
    out: list[str] = []
    more = 0

    def say(msg: str) -> None:
        nonlocal more
        if len(out) < MAX_LAYOUT_PROBLEMS:
            out.append(msg)
        else:
            more += 1

    if zd.base > 0:
        say(f"{zd.base} bytes before the archive (a prefix the zip's offsets skip)")
    cursor = zd.base
    slack: frozenset[int] = frozenset((0,))
    prev: bytes | None = None
    for e in sorted(zd.entries, key=lambda e: e.offset):
        gap = e.offset - cursor
        if gap < 0:
            say(f"entry {show(e.name)!r} overlaps {show(prev or b'')!r} by {-gap} bytes")
        elif gap not in slack:
            where = f"after entry {show(prev)!r}" if prev is not None else "before the first entry"
            say(f"{gap} bytes that belong to no entry {where}")
        info = local.get(e.offset)
        if info is None:
            info = _local_header(fd, zd.size, e)
        if info is None:
            cursor = max(cursor, e.offset + 30)  # bad local header: the hashing pass said so
            slack = frozenset((0,))
        else:
            lname, data_end = info
            if lname != e.name:
                say(f"entry {show(e.name)!r} is named {show(lname)!r} in its local header (other unzip tools extract that name)")
            cursor = max(cursor, data_end)
            slack = _DD_LENGTHS if e.flags & 0x8 else frozenset((0,))
        if e.comment:
            say(f"entry {show(e.name)!r} carries a comment of {e.comment} bytes")
        prev = e.name
    gap = zd.cd_start - cursor
    if gap < 0:
        say(f"the central directory overlaps entry data by {-gap} bytes")
    elif gap not in slack:
        say(f"{gap} bytes that belong to no entry before the central directory")
    if zd.cd_end - zd.cd_start != zd.cd_declared:
        say(f"the central directory takes {zd.cd_end - zd.cd_start} bytes, its end record declares {zd.cd_declared}")
    nxt = zd.z64_end if zd.z64_end is not None else zd.eocd_off
    if nxt - zd.cd_end > 0:
        say(f"{nxt - zd.cd_end} bytes between the central directory and its end record")
    if zd.z64_end is not None and zd.eocd_off - 20 - (zd.z64_end + zd.z64_len) > 0:
        say(f"{zd.eocd_off - 20 - (zd.z64_end + zd.z64_len)} bytes inside the zip64 end records")
    if zd.comment:
        say(f"a zip comment of {zd.comment} bytes")
    trailing = zd.size - (zd.eocd_off + 22 + zd.comment)
    if trailing > 0:
        say(f"{trailing} bytes appended after the end-of-central-directory record")
    if more:
        out.append(f"and {more} more such irregularities")
    return out


def _local_header(fd: int, size: int, e: ZipEntry) -> tuple[bytes, int] | None:
    """(name in the local header, end of the entry's data), or None if unreadable."""
    if e.offset < 0 or e.offset + 30 > size:
        return None
    head = _pread(fd, 30 + len(e.name), e.offset)
    if len(head) < 30 or struct.unpack_from("<I", head, 0)[0] != _LFH_SIG:
        return None
    nlen, xlen = struct.unpack_from("<HH", head, 26)
    lname = head[30 : 30 + nlen] if nlen <= len(e.name) else _pread(fd, nlen, e.offset + 30)
    return bytes(lname), e.offset + 30 + nlen + xlen + e.csize


class _EntryError(Exception):
    def __init__(self, message: str, *, size_lie: bool = False) -> None:
        super().__init__(message)
        self.size_lie = size_lie


def _hash_entry(
    fd: int, size: int, e: ZipEntry, on_bytes: Callable[[int], None] | None, local: dict[int, tuple[bytes, int]] | None = None
) -> str:
    """SHA-256 of one entry's content, read as archive/zip's File.Open would.
    ``local`` collects (local header name, end of data) for the layout check."""
    if e.offset < 0 or e.offset + 30 > size:
        raise _EntryError("local header outside the file")
    # One read for the header and, for small entries, the data too.
    want = 30 + len(e.name) + 64 + (e.csize if e.csize <= CHUNK else 0)
    head = _pread(fd, min(want, size - e.offset), e.offset)
    if len(head) < 30 or struct.unpack_from("<I", head, 0)[0] != _LFH_SIG:
        raise _EntryError("zip: not a valid zip file (bad local header)")
    nlen, xlen = struct.unpack_from("<HH", head, 26)
    data_off = e.offset + 30 + nlen + xlen
    if local is not None and 30 + nlen <= len(head):
        local[e.offset] = (bytes(head[30 : 30 + nlen]), data_off + e.csize)
    if e.is_dir:
        if e.usize != 0:
            raise _EntryError("zip: not a valid zip file (directory entry with content)")
        return EMPTY_SHA256
    if e.method not in (0, 8):
        raise _EntryError(f"zip: unsupported compression algorithm {e.method}")
    if data_off + e.csize > size:
        raise _EntryError("data runs past the end of the file")
    rel = data_off - e.offset
    first = head[rel : rel + e.csize] if len(head) >= rel + e.csize else None
    sha = hashlib.sha256()
    crc = 0
    nread = 0

    def feed(out: bytes) -> None:
        nonlocal crc, nread
        if not out:
            return
        nread += len(out)
        if nread > e.usize:
            # A bomb (or a lie): stop inflating at the declared size.
            raise _EntryError(f"content is larger than its declared size ({e.usize} bytes)", size_lie=True)
        sha.update(out)
        crc = zlib.crc32(out, crc)

    def chunks() -> Iterator[bytes]:
        if first is not None:
            if first:
                yield first
            return
        pos = 0
        while pos < e.csize:
            b = _pread(fd, min(CHUNK, e.csize - pos), data_off + pos)
            if not b:
                return
            pos += len(b)
            yield b

    if e.method == 0:
        for c in chunks():
            feed(c)
            if on_bytes is not None:
                on_bytes(len(c))
    else:
        dec = zlib.decompressobj(-15)
        try:
            for c in chunks():
                data = c
                while data and not dec.eof:
                    feed(dec.decompress(data, CHUNK))
                    data = dec.unconsumed_tail
                if on_bytes is not None:
                    on_bytes(len(c))
                if dec.eof:
                    break
            while not dec.eof:
                out = dec.decompress(b"", CHUNK)
                if not out:
                    break
                feed(out)
        except zlib.error as err:
            raise _EntryError(f"flate: corrupt input ({err})") from None
        if not dec.eof:
            raise _EntryError("unexpected EOF in compressed data")
    if nread != e.usize:
        raise _EntryError(f"content is {nread} bytes, declared size is {e.usize}", size_lie=True)
    if e.flags & 0x8:
        dd = _pread(fd, 16, data_off + e.csize)
        if len(dd) >= 4 and struct.unpack_from("<I", dd, 0)[0] == _DD_SIG:
            dd = dd[4:]
        if len(dd) < 12:
            raise _EntryError("unexpected EOF in data descriptor")
        if struct.unpack_from("<I", dd, 0)[0] != e.crc32:
            raise _EntryError("zip: checksum error (data descriptor)")
        if crc != e.crc32:
            raise _EntryError("zip: checksum error")
    elif e.crc32 != 0 and crc != e.crc32:
        raise _EntryError("zip: checksum error")
    return sha.hexdigest()


def _fold(s: str) -> str:
    # strings.EqualFold-compatible key (x/mod/zip strToFold): the smallest
    # member of each rune's simple case-folding orbit, then ASCII lower-cased.
    if s.isascii():
        return s.lower()
    out = []
    for ch in s:
        cands = {ch, ch.lower(), ch.upper(), ch.lower().upper(), ch.upper().lower()}
        cands = {c for c in cands if len(c) == 1}
        r = min(cands)
        if "A" <= r <= "Z":
            r = r.lower()
        out.append(r)
    return "".join(out)


_S_IFMT, _S_IFREG, _S_IFDIR = 0o170000, 0o100000, 0o040000

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.\-+@~=,#$%&()\[\]{}^! /]+")
_WIN_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[1-9]|lpt[1-9])")


def _file_path_error(name: str) -> str | None:
    """module.CheckFilePath, with a fast path for the plain ASCII names nearly
    every module file has."""
    if _PLAIN_NAME.fullmatch(name):
        for elem in name.split("/"):
            if not elem or elem.strip(".") == "" or elem[-1] == "." or _WIN_RESERVED.fullmatch(elem.split(".", 1)[0]):
                break
        else:
            return None
    from gozt_lint.module import check_file_path

    return check_file_path(name)


def _vendored(name: str) -> bool:
    """A file of a vendored package, which zip creation leaves out (x/mod/zip
    isVendoredPackage). The rule changed in Go 1.24 with the module's go version;
    only what both rules leave out is flagged, so a zip made under either passes."""
    if name.startswith("vendor/"):
        return "/" in name[len("vendor/") :]
    j = name.find("/vendor/")
    return j >= 0 and "/" in name[j + len("/vendor/") :]


_S_IFLNK = 0o120000


def check_zip_names(entries: list[ZipEntry], path: str, version: str) -> list[Problem]:
    """golang.org/x/mod/zip checkZip's rules over the central directory, plus the
    entries its Create never writes (kind "omitted")."""
    problems: list[Problem] = []
    prefix = f"{path}@{version}/".encode()
    seen: dict[str, tuple[str, bool]] = {}
    total = 0
    total_reported = False

    def collide(p: str, is_dir: bool) -> str | None:
        # Iterative: a name may have thousands of elements.
        while True:
            key = _fold(p)
            other = seen.get(key)
            if other is not None:
                if other[0] != p:
                    return f"case-insensitive file name collision: {other[0]!r} and {p!r}"
                if other[1] != is_dir:
                    return f"entry {p!r} is both a file and a directory"
                if not is_dir:
                    return f"multiple entries for file {p!r}"
                return None  # a directory seen before: its parents were checked then
            seen[key] = (p, is_dir)
            parent = posixpath.dirname(p)
            if parent in ("", "."):
                return None
            p, is_dir = parent, True

    for e in entries:
        shown = show(e.name)
        if not e.name.startswith(prefix):
            problems.append(Problem(shown, f"path does not have prefix {prefix.decode(errors='replace')!r}"))
            continue
        raw = e.name[len(prefix) :]
        if raw == b"":
            continue
        is_dir = raw.endswith(b"/")
        if is_dir:
            raw = raw[:-1]
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(shown, "file path is not valid UTF-8"))
            continue
        if posixpath.normpath(name) != name or name.startswith("/") or name in ("", "."):
            problems.append(Problem(shown, "file path is not clean (absolute, '..', '.' or '//')"))
            continue
        if "\\" in name:
            problems.append(Problem(shown, "file path contains a backslash"))
            continue
        err = _file_path_error(name)
        if err:
            problems.append(Problem(shown, err))
            continue
        err = collide(name, is_dir)
        if err:
            problems.append(Problem(shown, err))
            continue
        ftype = e.unix_type
        if ftype and ftype not in (_S_IFREG, _S_IFDIR):
            kind = "symbolic link" if ftype == _S_IFLNK else "special file"
            problems.append(Problem(shown, f"stored as a {kind} (mode {ftype >> 12:o}); zip creation only writes regular files", "omitted"))
        if is_dir:
            continue
        base = posixpath.basename(name)
        if base.lower() == "go.mod":
            if base != name:
                problems.append(Problem(shown, "go.mod file not in module root directory"))
                continue
            if name != "go.mod":
                problems.append(Problem(shown, "go.mod files must have lowercase names"))
                continue
        if _vendored(name):
            problems.append(Problem(shown, "a file of a vendored package, which zip creation leaves out", "omitted"))
        elif name == ".hg_archival.txt":
            problems.append(Problem(shown, "the hg archive stamp, which zip creation leaves out", "omitted"))
        if MAX_ZIP_FILE - total >= e.usize:
            total += e.usize
        elif not total_reported:
            total_reported = True
            problems.append(Problem(shown, f"total uncompressed size of module contents too large (max size is {MAX_ZIP_FILE} bytes)"))
        if name == "go.mod" and e.usize > MAX_GO_MOD:
            problems.append(Problem(shown, f"go.mod file too large (max size is {MAX_GO_MOD} bytes)"))
        if name == "LICENSE" and e.usize > MAX_LICENSE:
            problems.append(Problem(shown, f"LICENSE file too large (max size is {MAX_LICENSE} bytes)"))
    return problems


def hash_zip(
    zpath: str | os.PathLike[str],
    *,
    module: tuple[str, str] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    digests_out: dict[bytes, str] | None = None,
) -> TreeHash:
    """dirhash.HashZip of a zip file, plus the module-zip rules when ``module``
    (path, version) is given, and the archive's layout (``layout``: bytes no hash
    covers). Never raises for bad content: errors and problems are in the result.
    ``digests_out`` receives each entry's SHA-256 by name."""
    res = TreeHash()
    try:
        fd = os.open(zpath, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as oerr:
        res.error = f"cannot open: {oerr.strerror or oerr}"
        return res
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            res.error = "not a regular file"
            return res
        size = st.st_size
        if size > MAX_ZIP_FILE:
            res.error = f"module zip file is too large ({size} bytes; limit is {MAX_ZIP_FILE} bytes)"
            return res
        try:
            zd = read_central_directory(fd, size)
        except ZipFormatError as err:
            res.error = str(err)
            return res
        except OSError as err:
            res.error = f"cannot read: {err.strerror or err}"
            return res
        entries = zd.entries
        if module is not None:
            res.problems = check_zip_names(entries, module[0], module[1])
        declared = sum(e.usize for e in entries if not e.is_dir)
        local: dict[int, tuple[bytes, int]] = {}
        if declared > MAX_ZIP_FILE:
            # A bomb: refuse to inflate it at all.
            res.error = f"declared uncompressed size {declared} bytes exceeds the {MAX_ZIP_FILE}-byte module limit"
            if module is None:
                res.problems.append(Problem("", res.error))
            res.layout = _layout(fd, zd, local)
            return res
        # dirhash opens a name through a map, so a duplicated name reads the
        # last entry of that name each time.
        last: dict[bytes, ZipEntry] = {e.name: e for e in entries}
        digests: dict[bytes, str] = {} if digests_out is None else digests_out
        errors: list[str] = []
        for name, e in sorted(last.items(), key=lambda kv: kv[1].offset):
            try:
                digests[name] = _hash_entry(fd, size, e, on_bytes, local)
            except _EntryError as err:
                errors.append(f"{show(name)}: {err}")
                if err.size_lie:
                    res.problems.append(Problem(show(name), str(err)))
            except OSError as err:
                errors.append(f"{show(name)}: cannot read: {err.strerror or err}")
            res.files += 1
            res.bytes += e.usize
        res.layout = _layout(fd, zd, local)
        if errors:
            res.error = errors[0] if len(errors) == 1 else f"{errors[0]} (and {len(errors) - 1} more)"
            return res
        try:
            res.h1 = hash1_from_digests((e.name, digests[e.name]) for e in entries)
            res.dir_entries = sum(1 for e in entries if e.is_dir)
            res.h1_files = (
                hash1_from_digests((e.name, digests[e.name]) for e in entries if not e.is_dir)
                if res.dir_entries
                else res.h1
            )
        except ValueError as err:
            res.error = str(err)
        return res
    finally:
        os.close(fd)


def _layout(fd: int, zd: ZipDirectory, local: dict[int, tuple[bytes, int]]) -> list[str]:
    try:
        return layout_problems(fd, zd, local)
    except OSError as e:
        return [f"cannot read the archive's layout: {e.strerror or e}"]


def zip_h1_without(zpath: str | os.PathLike[str], names: Iterable[bytes]) -> tuple[str | None, dict[bytes, str]]:
    """The h1 of a zip's files (directory entries left out) without ``names`` (full
    entry names) and everything below them, and what the zip has at each of those
    names ("file" or "directory"; absent: nothing): what the rest of an extracted
    tree must hash to when those names are not regular files or directories there."""
    digests: dict[bytes, str] = {}
    res = hash_zip(zpath, digests_out=digests)
    if res.h1 is None:
        return None, {}
    drop = set(names)
    present: dict[bytes, str] = {}
    items = []
    for n, d in digests.items():
        if n.endswith(b"/"):
            continue
        if n in drop:
            present[n] = "file"
            continue
        parent = n
        under = None
        while b"/" in parent:
            parent = parent.rsplit(b"/", 1)[0]
            if parent in drop:
                under = parent
                break
        if under is not None:
            present.setdefault(under, "directory")
            continue
        items.append((n, d))
    try:
        return hash1_from_digests(items), present
    except ValueError:
        return None, present


# -- directories -------------------------------------------------------------------


Stamp = tuple[int, int, int, int, int, int]  # dev, ino, mode, size, mtime_ns, ctime_ns


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass
class DirListing:
    """Every entry of a tree by lstat, without reading any content."""

    files: list[tuple[bytes, Stamp, int]] = field(default_factory=list)  # rel name, stamp, nlink
    dirs: list[tuple[bytes, Stamp]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None

    def fingerprint(self) -> str:
        """Changes whenever any entry's name, identity, mode, size, mtime or ctime does."""
        probs = [(p.name, p.message) for p in self.problems]
        return hashlib.sha256(marshal.dumps((self.files, self.dirs, probs, self.error))).hexdigest()


def _kind(mode: int) -> str:
    return file_kind(mode, "irregular file")




def list_dir(top: str | os.PathLike[str]) -> DirListing:
    """lstat every entry under ``top`` (which must itself be a real directory).

    This is the whole cost of a memoized run, so it is written for speed: one
    lstat per entry (DirEntry.stat), no per-entry function calls."""
    out = DirListing()
    root = os.fsencode(top)
    try:
        st = os.lstat(root)
    except OSError as e:
        out.error = f"cannot access: {e.strerror or e}"
        return out
    if not stat.S_ISDIR(st.st_mode):
        out.error = "is not a directory" if not stat.S_ISLNK(st.st_mode) else "is a symbolic link, not a directory"
        return out
    # Names stay str (surrogateescape) while walking; bytes only at the end.
    files: list[tuple[str, Stamp, int]] = []
    dirs: list[tuple[str, Stamp]] = [("", (st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns))]
    # Directory fds and fstatat: each lstat resolves one name, not the whole path.
    dflags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        rootfd = os.open(root, dflags)
    except OSError as e:
        out.error = f"cannot open: {e.strerror or e}"
        out.dirs = [(b"", dirs[0][1])]
        return out
    stack = [(rootfd, "")]
    files_append = files.append
    while stack:
        fd, pre = stack.pop()
        try:
            try:
                with os.scandir(fd) as it:
                    items = list(it)
            except OSError as e:
                where = pre[:-1] or "."
                out.error = f"cannot list {where}: {e.strerror or e}"
                out.problems.append(Problem(where, f"cannot list directory: {e.strerror or e}", "unreadable"))
                continue
            for ent in items:
                try:
                    s = ent.stat(follow_symlinks=False)
                except OSError as e:
                    out.error = out.error or f"cannot stat {pre + ent.name}: {e.strerror or e}"
                    continue
                m = s.st_mode
                fmt = m & _S_IFMT
                if fmt == _S_IFREG:
                    files_append((pre + ent.name, (s.st_dev, s.st_ino, m, s.st_size, s.st_mtime_ns, s.st_ctime_ns), s.st_nlink))
                elif fmt == _S_IFDIR:
                    r = pre + ent.name
                    dirs.append((r, (s.st_dev, s.st_ino, m, s.st_size, s.st_mtime_ns, s.st_ctime_ns)))
                    try:
                        stack.append((os.open(ent.name, dflags, dir_fd=fd), r + "/"))
                    except OSError as e:
                        out.error = out.error or f"cannot open {r}: {e.strerror or e}"
                        out.problems.append(Problem(r, f"cannot open directory: {e.strerror or e}", "unreadable"))
                elif fmt == _S_IFLNK:
                    # Where it points, as stored (readlink follows nothing).
                    try:
                        target: str | None = show(os.fsencode(os.readlink(ent.name, dir_fd=fd)))
                    except OSError:
                        target = None
                    msg = f"symbolic link to {target!r}" if target is not None else "symbolic link"
                    out.problems.append(Problem(pre + ent.name, msg, "irregular", target))
                else:
                    out.problems.append(Problem(pre + ent.name, _kind(m), "irregular"))
        finally:
            os.close(fd)
    files.sort()
    dirs.sort()
    out.files = [(os.fsencode(n), st_, nl) for n, st_, nl in files]
    out.dirs = [(os.fsencode(n), st_) for n, st_ in dirs]
    for p in out.problems:
        object.__setattr__(p, "name", show(os.fsencode(p.name)))
    return out


def _hash_file(path: bytes, expect: Stamp, on_bytes: Callable[[int], None] | None) -> tuple[str | None, str | None]:
    """(hex SHA-256, None) or (None, why). Never follows a link or blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        return None, f"cannot open: {e.strerror or e}"
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != expect[:2] or not stat.S_ISREG(st.st_mode):
            return None, "was replaced while being scanned"
        h = hashlib.sha256()
        while True:
            b = os.read(fd, CHUNK)
            if not b:
                break
            h.update(b)
            if on_bytes is not None:
                on_bytes(len(b))
        after = os.fstat(fd)
        if stamp_of(after) != expect or stamp_of(st) != expect:
            return None, "changed while being hashed"
        return h.hexdigest(), None
    except OSError as e:
        return None, f"cannot read: {e.strerror or e}"
    finally:
        os.close(fd)


def hash_dir(
    top: str | os.PathLike[str],
    prefix: str,
    *,
    listing: DirListing | None = None,
    exclude: Callable[[bytes, str, dict[bytes, str]], bool] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> TreeHash:
    """dirhash.HashDir(top, prefix) over regular files; links, FIFOs and devices
    are problems and are not read. ``exclude(rel, digest, digests)`` drops known
    benign extras (toolchain go.mod copies) from the hash."""
    res = TreeHash()
    lst = listing if listing is not None else list_dir(top)
    res.problems = list(lst.problems)
    for name, _s, nlink in lst.files:
        if nlink > 1:
            res.problems.append(Problem(show(name), f"hard link ({nlink} links)", "hardlink"))
    if lst.error:
        res.error = lst.error
        return res
    root = os.fsencode(top)
    digests: dict[bytes, str] = {}
    errors: list[str] = []
    for name, s, _n in lst.files:
        d, err = _hash_file(os.path.join(root, name), s, on_bytes)
        res.files += 1
        res.bytes += s[3]
        if err:
            errors.append(f"{show(name)}: {err}")
            if err == "changed while being hashed" or err == "was replaced while being scanned":
                res.unstable = True
            continue
        assert d is not None  # _hash_file gives a digest or an error
        digests[name] = d
    if errors:
        res.error = errors[0] if len(errors) == 1 else f"{errors[0]} (and {len(errors) - 1} more)"
        return res
    pre = prefix.encode("utf-8", "surrogateescape") + b"/"
    items = [(pre + n, d) for n, d in digests.items() if not (exclude and exclude(n, d, digests))]
    try:
        res.h1 = hash1_from_digests(items)
    except ValueError as err:
        res.error = str(err)
    return res


def toolchain_copy(rel: bytes, digest: str, digests: dict[bytes, str]) -> bool:
    """A go.mod the go command copied from a sibling _go.mod after unpacking a
    toolchain module (cmd/go/internal/toolchain: raceSafeCopy): benign."""
    if rel != b"go.mod" and not rel.endswith(b"/go.mod"):
        return False
    sib = rel[: -len(b"go.mod")] + b"_go.mod"
    return digests.get(sib) == digest


def normalize_nfc_differs(name: str) -> bool:
    """True when a name is not in NFC (macOS filesystems rewrite such names)."""
    return unicodedata.normalize("NFC", name) != name
