"""go.sum and go.work.sum, read exactly as the go command reads them, with positions.

Each non-blank line is three whitespace-separated fields
``<module path> <version>[/go.mod] <hash>``; anything else is an error the go
command treats as fatal ("wrong number of fields"). There are no comments. The
parser records what is there; rules judge it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import threading
from typing import NamedTuple

from gozt_lint.finding import Span

# The hash of an empty go.mod, written by an old go command bug; the go command
# silently drops lines carrying it.
EMPTY_GOMOD_HASH = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY="


class SumLine(NamedTuple):
    path: str
    version: str  # without "/go.mod"
    gomod: bool  # a "/go.mod" line
    hash: str
    line: int
    span: Span  # the line's text without surrounding whitespace
    hash_span: Span

    @property
    def key(self) -> tuple[str, str]:
        """(path, version or version/go.mod): what one hash is recorded for."""
        return (self.path, self.version + "/go.mod" if self.gomod else self.version)

    @property
    def algorithm(self) -> str:
        return self.hash.split(":", 1)[0] if ":" in self.hash else ""

    @property
    def legacy_empty_gomod(self) -> bool:
        return self.hash == EMPTY_GOMOD_HASH

    @property
    def usable(self) -> bool:
        """A line the go command keeps and can check against (h1:, not the legacy
        empty-go.mod hash it drops)."""
        return self.hash.startswith("h1:") and not self.legacy_empty_gomod

    @property
    def text(self) -> str:
        return f"{self.path} {self.version}{'/go.mod' if self.gomod else ''} {self.hash}"


class SumError(NamedTuple):
    message: str
    line: int
    span: Span


class SumFile:
    __slots__ = ("path", "lines", "errors", "crlf")

    def __init__(
        self,
        path: str,
        lines: list[SumLine] | None = None,
        errors: list[SumError] | None = None,
        crlf: bool = False,  # CRLF line ends (the go command tolerates them: \r is a space)
    ) -> None:
        self.path = path
        self.lines: list[SumLine] = [] if lines is None else lines
        self.errors: list[SumError] = [] if errors is None else errors
        self.crlf = crlf

    def __repr__(self) -> str:
        return f"SumFile({self.path!r}, {len(self.lines)} lines, {len(self.errors)} errors)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SumFile) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable; object declares __hash__ a method

    def by_key(self) -> dict[tuple[str, str], list[SumLine]]:
        out: dict[tuple[str, str], list[SumLine]] = {}
        for ln in self.lines:
            out.setdefault(ln.key, []).append(ln)
        return out

    def hashes(self, path: str, version: str, gomod: bool = False) -> list[str]:
        key = (path, version + "/go.mod" if gomod else version)
        return [ln.hash for ln in self.lines if ln.key == key]


# unicode.IsSpace, which strings.Fields uses (Python's str.isspace also counts
# U+001C..U+001F, which Go does not).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_FIELD = re.compile(f"[^{re.escape(_GO_SPACE)}]+")
_PY_ONLY_SPACE = re.compile("[\x1c-\x1f]")


def _fields(text: str) -> list[tuple[int, str]]:
    """strings.Fields with start offsets.

    Without U+001C..U+001F in the line (the only characters str.isspace counts and
    Go does not), str.split() cuts exactly where Go does, and each field is found
    right after the previous one; both run in C, which matters because the language
    server reparses go.sum on every keystroke. Otherwise the regular expression.
    """
    if _PY_ONLY_SPACE.search(text) is None:
        out: list[tuple[int, str]] = []
        pos = 0
        for part in text.split():
            pos = text.index(part, pos)
            out.append((pos, part))
            pos += len(part)
        return out
    return [(m.start(), m.group()) for m in _FIELD.finditer(text)]


# Parses of recent contents: a monorepo's go.mod units often carry byte-identical
# go.sum copies (and the language server reparses unchanged files), so the same
# bytes are parsed once. The result depends on the bytes alone; each caller gets
# its own lists of the (immutable) lines and errors.
_RECENT: dict[bytes, tuple[tuple[SumLine, ...], tuple[SumError, ...], bool]] = {}
_RECENT_MAX = 4
_recent_lock = threading.Lock()


def parse_gosum(path: str, data: bytes) -> SumFile:
    """Parse go.sum content; never raises. Problems land in ``errors``."""
    if type(data) is not bytes:  # (a bytearray is neither hashable nor immutable)
        return _parse_gosum(path, bytes(data))
    with _recent_lock:
        hit = _RECENT.get(data)
    if hit is not None:
        return SumFile(path, list(hit[0]), list(hit[1]), hit[2])
    sf = _parse_gosum(path, data)
    with _recent_lock:
        if len(_RECENT) >= _RECENT_MAX:
            del _RECENT[next(iter(_RECENT))]
        _RECENT[data] = (tuple(sf.lines), tuple(sf.errors), sf.crlf)
    return sf


def _parse_gosum(path: str, data: bytes) -> SumFile:
    sf = SumFile(path=path)
    text = data.decode("utf-8", errors="surrogateescape")
    sf.crlf = "\r\n" in text
    for lineno, raw in enumerate(text.split("\n"), 1):
        fields = _fields(raw)
        if not fields:
            continue
        first_col = fields[0][0] + 1
        last_end = fields[-1][0] + len(fields[-1][1]) + 1
        whole = _span(lineno, first_col, last_end)
        if "\x00" in raw:
            sf.errors.append(SumError("line contains a NUL byte (binary data?)", lineno, whole))
            continue
        if len(fields) != 3:
            sf.errors.append(SumError(f"wrong number of fields {len(fields)}", lineno, whole))
            continue
        (_, mod), (_, ver), (hcol, h) = fields
        gomod = ver.endswith("/go.mod")
        if gomod:
            ver = ver[: -len("/go.mod")]
        hspan = _span(lineno, hcol + 1, hcol + 1 + len(h))
        sf.lines.append(SumLine(mod, ver, gomod, h, lineno, whole, hspan))
    return sf


def _span(line: int, column: int, end_column: int) -> Span:
    return Span(line, column, line, end_column)


# Pure, and asked about every go.sum line on every keystroke in the editor (where
# unchanged lines keep their strings): memoized.
@functools.lru_cache(maxsize=1 << 16)
def is_h1(text: str) -> bool:
    """Is ``text`` an ``h1:`` hash: the prefix and base64 of exactly 32 bytes?"""
    if len(text) != 47 or not text.startswith("h1:"):
        return False
    try:
        return len(base64.b64decode(text[3:], validate=True)) == 32
    except (binascii.Error, ValueError):
        return False
