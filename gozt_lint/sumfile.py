"""go.sum and go.work.sum, read exactly as the go command reads them, with positions.

Each non-blank line is three whitespace-separated fields
``<module path> <version>[/go.mod] <hash>``; anything else is an error the go
command treats as fatal ("wrong number of fields"). There are no comments. The
parser records what is there; rules judge it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from gozt_lint.finding import Span

_T = TypeVar("_T")

# The hash of an empty go.mod, written by an old go command bug; the go command
# silently drops lines carrying it.
EMPTY_GOMOD_HASH = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY="


@dataclass(frozen=True)
class SumLine:
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
    def text(self) -> str:
        return f"{self.path} {self.version}{'/go.mod' if self.gomod else ''} {self.hash}"


@dataclass(frozen=True)
class SumError:
    message: str
    line: int
    span: Span


@dataclass
class SumFile:
    path: str
    lines: list[SumLine] = field(default_factory=list)
    errors: list[SumError] = field(default_factory=list)
    # Lines that are not valid UTF-8 (the go command does not care, editors do).
    crlf: bool = False

    def by_key(self) -> dict[tuple[str, str], list[SumLine]]:
        out: dict[tuple[str, str], list[SumLine]] = {}
        for ln in self.lines:
            out.setdefault(ln.key, []).append(ln)
        return out

    def hashes(self, path: str, version: str, gomod: bool = False) -> list[str]:
        key = (path, version + "/go.mod" if gomod else version)
        return [ln.hash for ln in self.lines if ln.key == key]


def _fields(text: str) -> list[tuple[int, str]]:
    """strings.Fields with start offsets (any Unicode whitespace separates).

    str.split() splits exactly where str.isspace() holds; each field is then found
    after the previous one (only whitespace lies between them). Both run in C,
    which matters: the language server reparses go.sum on every keystroke.
    """
    out: list[tuple[int, str]] = []
    pos = 0
    for part in text.split():
        pos = text.index(part, pos)
        out.append((pos, part))
        pos += len(part)
    return out


def parse_gosum(path: str, data: bytes) -> SumFile:
    """Parse go.sum content; never raises. Problems land in ``errors``."""
    sf = SumFile(path=path)
    text = data.decode("utf-8", errors="surrogateescape")
    sf.crlf = "\r\n" in text
    for lineno, raw in enumerate(text.split("\n"), 1):
        fields = _fields(raw)
        if not fields:
            continue
        first_col = fields[0][0] + 1
        last_end = fields[-1][0] + len(fields[-1][1]) + 1
        whole = _new(Span, line=lineno, column=first_col, end_line=lineno, end_column=last_end)
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
        hspan = _new(Span, line=lineno, column=hcol + 1, end_line=lineno, end_column=hcol + 1 + len(h))
        sf.lines.append(_new(SumLine, path=mod, version=ver, gomod=gomod, hash=h, line=lineno, span=whole, hash_span=hspan))
    return sf


def _new(cls: type[_T], **fields: object) -> _T:
    """A frozen dataclass instance without its generated __init__, which spends
    most of a 3,000-line parse in object.__setattr__ (the language server reparses
    go.sum on every keystroke). Same fields, same equality and hash."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj
