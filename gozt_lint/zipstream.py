"""The dirhash summary of a module zip, read once from front to back.

A module zip's ``h1:`` hash is ``base64(SHA-256(summary))`` where the summary has one
line ``<hex SHA-256 of content>  <name>`` per entry, sorted by name
(golang.org/x/mod/sumdb/dirhash). :func:`summarize` computes those lines from the
local file headers in the order they arrive, so a zip can be checked while it is
downloaded: nothing is seeked, extracted or written, memory stays at one chunk plus
the summary lines.

Reading the local headers instead of the central directory (as archive/zip does)
is safe for one purpose only: the summary is trusted because its SHA-256 equals an
``h1:`` the checksum database signed, and a summary that hashes to a signed value is
the one that was signed, whatever the zip's structure. Callers must compare
:attr:`Summary.h1` with an authenticated hash before they use the lines.

Bounds: compressed and uncompressed totals, the number of entries and an optional
deadline; a stored entry of unknown size (which can't be delimited without the
central directory), encryption, unknown methods or a truncated stream are errors.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

# golang.org/x/mod/zip: a module zip and its uncompressed contents are each at
# most 500 MiB; the go command refuses anything bigger, so do we.
MAX_COMPRESSED = 500 << 20
MAX_UNCOMPRESSED = 500 << 20
MAX_ENTRIES = 1 << 18
CHUNK = 1 << 20
MAX_KEPT = 1 << 20

_LFH = 0x04034B50
_CDH = 0x02014B50
_EOCD = 0x06054B50
_DD = 0x08074B50


class StreamError(Exception):
    """The stream is not a module zip this reader can summarise (or broke a bound)."""


@dataclass
class Summary:
    entries: list[tuple[bytes, str]] = field(default_factory=list)  # (name as stored, hex SHA-256)
    kept: dict[bytes, bytes] = field(default_factory=dict)  # contents of the entries asked for
    compressed: int = 0  # bytes read from the stream
    uncompressed: int = 0

    def text(self) -> bytes:
        """The dirhash summary: the bytes whose SHA-256 the h1 hash encodes."""
        return b"".join(d.encode("ascii") + b"  " + n + b"\n" for n, d in sorted(self.entries))

    @property
    def h1(self) -> str:
        return "h1:" + base64.b64encode(hashlib.sha256(self.text()).digest()).decode("ascii")


class _Input:
    """A byte stream read in chunks, with a cursor that can step back over the
    last piece handed out (what a decompressor did not use), counting and
    bounding what it reads. Pieces are small so that stepping back and slicing
    never copy a whole chunk per entry."""

    PIECE = 32 << 10

    def __init__(self, read: Callable[[int], bytes], limit: int, deadline: float | None) -> None:
        self._read = read
        self.limit = limit
        self.deadline = deadline
        self.buf = b""
        self.pos = 0
        self.total = 0  # bytes taken from the underlying stream

    @property
    def offset(self) -> int:
        return self.total - (len(self.buf) - self.pos)

    def _more(self) -> bool:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise StreamError("took longer than the time allowed")
        b = self._read(CHUNK)
        if not b:
            return False
        self.total += len(b)
        if self.total > self.limit:
            raise StreamError(f"larger than {self.limit} bytes (the module zip limit)")
        self.buf = self.buf[self.pos :] + b if self.pos < len(self.buf) else b
        self.pos = 0
        return True

    def take(self, n: int, what: str) -> bytes:
        while len(self.buf) - self.pos < n:
            if not self._more():
                raise StreamError(f"truncated: the stream ended inside {what}")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def some(self, n: int = PIECE) -> bytes:
        """Up to ``n`` bytes: buffered ones, else from the next chunk (b"" at the end)."""
        if self.pos >= len(self.buf) and not self._more():
            return b""
        out = self.buf[self.pos : self.pos + n]
        self.pos += len(out)
        return out

    def back(self, n: int) -> None:
        """Step back over the last ``n`` bytes of the piece just handed out."""
        self.pos -= n


def _zip64_sizes(extra: bytes) -> list[int] | None:
    """The 64-bit values of a zip64 extended-information field, if there is one."""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4 : i + 4 + size]
        if tag == 0x0001:
            return [struct.unpack_from("<Q", body, j)[0] for j in range(0, len(body) - 7, 8)]
        i += 4 + size
    return None


def summarize(
    read: Callable[[int], bytes],
    *,
    max_compressed: int = MAX_COMPRESSED,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    max_entries: int = MAX_ENTRIES,
    deadline: float | None = None,
    keep: frozenset[bytes] = frozenset(),
    on_progress: Callable[[int], None] | None = None,
) -> Summary:
    """The summary of the zip that ``read(n)`` yields (a file's or a response's
    ``read``), with the contents of the entries named in ``keep`` (up to
    :data:`MAX_KEPT` bytes each). Raises :class:`StreamError` with the entry and
    the reason."""
    src = _Input(read, max_compressed, deadline)
    out = Summary()
    names: set[bytes] = set()
    while True:
        sig = struct.unpack("<I", src.take(4, "a header signature"))[0]
        if sig in (_CDH, _EOCD):
            break  # the central directory: every entry has been read
        if sig != _LFH:
            raise StreamError(f"not a zip local file header at byte {src.offset - 4} (signature {sig:#010x})")
        (_ver, flags, method, _t, _d, _crc, csize, usize, nlen, elen) = struct.unpack("<HHHHHIIIHH", src.take(26, "a local file header"))
        name = src.take(nlen, "a file name")
        extra = src.take(elen, "an extra field")
        shown = name.decode("utf-8", "backslashreplace")
        zip64 = _zip64_sizes(extra)
        if zip64 is not None:
            # Sizes that don't fit 32 bits are in the zip64 extra field, in this order.
            vals = iter(zip64)
            if usize == 0xFFFFFFFF:
                usize = next(vals, usize)
            if csize == 0xFFFFFFFF:
                csize = next(vals, csize)
        if name in names:
            raise StreamError(f"{shown}: the name appears twice")
        names.add(name)
        if len(names) > max_entries:
            raise StreamError(f"more than {max_entries} entries")
        if flags & 1:
            raise StreamError(f"{shown}: encrypted entries are not module content")
        h = hashlib.sha256()
        got = 0
        kept: list[bytes] | None = [] if name in keep else None
        if method == 8:
            d = zlib.decompressobj(-15)
            tail = b""
            while not d.eof:
                data = tail or src.some()
                if not data:
                    raise StreamError(f"{shown}: truncated: the stream ended inside its compressed data")
                try:
                    chunk = d.decompress(data, CHUNK)
                except zlib.error as e:
                    raise StreamError(f"{shown}: bad compressed data: {e}") from None
                tail = d.unconsumed_tail
                got += len(chunk)
                if out.uncompressed + got > max_uncompressed:
                    raise StreamError(f"uncompressed contents larger than {max_uncompressed} bytes (the module zip limit)")
                h.update(chunk)
                if kept is not None and got <= MAX_KEPT:
                    kept.append(chunk)
            src.back(len(d.unused_data))
        elif method == 0:
            if flags & 8 and csize == 0:
                raise StreamError(f"{shown}: a stored entry whose size is only in its data descriptor cannot be read as a stream")
            if out.uncompressed + csize > max_uncompressed:
                raise StreamError(f"uncompressed contents larger than {max_uncompressed} bytes (the module zip limit)")
            left = csize
            while left:
                data = src.some(min(left, CHUNK))
                if not data:
                    raise StreamError(f"{shown}: truncated: the stream ended inside its data")
                h.update(data)
                left -= len(data)
                got += len(data)
                if kept is not None and got <= MAX_KEPT:
                    kept.append(data)
        else:
            raise StreamError(f"{shown}: unsupported compression method {method}")
        if flags & 8:
            first = src.take(4, f"the data descriptor of {shown}")
            if struct.unpack("<I", first)[0] == _DD:
                first = src.take(4, f"the data descriptor of {shown}")
            if zip64 is not None:
                _dcsize, dusize = struct.unpack("<QQ", src.take(16, f"the data descriptor of {shown}"))
            else:
                _dcsize, dusize = struct.unpack("<II", src.take(8, f"the data descriptor of {shown}"))
            if dusize != got:
                raise StreamError(f"{shown}: its data descriptor says {dusize} bytes, the data has {got}")
        elif method == 8 and usize != got:
            raise StreamError(f"{shown}: its header says {usize} bytes, the data has {got}")
        out.uncompressed += got
        out.entries.append((name, h.hexdigest()))
        if kept is not None and got <= MAX_KEPT:
            out.kept[name] = b"".join(kept)
        if on_progress is not None:
            on_progress(src.total)
    out.compressed = src.total
    return out
