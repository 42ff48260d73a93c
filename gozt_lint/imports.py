"""The imports of Go source files, read as cmd/go/internal/imports reads them.

The go command does not parse Go files to learn what a package imports: it reads
the ``package`` clause and the ``import`` declarations with a small byte scanner
(imports.ReadImports) and stops at the first other token. A syntax error inside
that region ends the list there (what was read so far is kept) and the whole file
counts as the header; a NUL byte anywhere the scanner reads is an error for the
package. :func:`read_imports` follows that scanner's rules; :func:`scan_files`
then applies the file filters of imports.ScanDir (file name suffixes, build
constraints, ``import "C"`` without cgo) and splits test imports from the others.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from gozt_lint import buildconstraint as bc

_SPACE = b" \f\t\r\n;"
_BOM = b"\xef\xbb\xbf"


def _is_ident(c: int) -> bool:
    return (65 <= c <= 90) or (97 <= c <= 122) or (48 <= c <= 57) or c == 95 or c >= 0x80


class _Syntax(Exception):
    pass


class _Reader:
    """The scanner's cursor; ``peek`` returns -1 at the end of the input."""

    def __init__(self, data: bytes) -> None:
        if data.startswith(_BOM):
            data = data[3:]
        self.data = data
        self.pos = 0
        self.n = len(data)

    def _byte(self) -> int:
        if self.pos >= self.n:
            return -1
        return self.data[self.pos]

    def skip_space(self) -> int:
        """The next byte after spaces, semicolons and comments (not consumed)."""
        d, n = self.data, self.n
        while self.pos < n:
            c = d[self.pos]
            if c in _SPACE:
                self.pos += 1
                continue
            if c == 47:  # '/'
                nxt = d[self.pos + 1] if self.pos + 1 < n else -1
                if nxt == 47:
                    k = d.find(b"\n", self.pos + 2)
                    self.pos = n if k < 0 else k + 1
                    continue
                if nxt == 42:
                    k = d.find(b"*/", self.pos + 2)
                    if k < 0:
                        self.pos = n
                        raise _Syntax("unterminated comment")
                    self.pos = k + 2
                    continue
                raise _Syntax("stray /")
            return c
        return -1

    def keyword(self, kw: bytes) -> None:
        self.skip_space()
        if not self.data.startswith(kw, self.pos):
            raise _Syntax(f"want {kw.decode()}")
        self.pos += len(kw)
        c = self._byte()
        if c >= 0 and _is_ident(c):
            raise _Syntax(f"want {kw.decode()}")

    def ident(self) -> None:
        c = self.skip_space()
        if c < 0 or not _is_ident(c):
            raise _Syntax("want identifier")
        while self.pos < self.n and _is_ident(self.data[self.pos]):
            self.pos += 1

    def string(self, out: list[bytes]) -> None:
        c = self.skip_space()
        d = self.data
        start = self.pos
        if c == 96:  # raw string
            k = d.find(b"`", start + 1)
            if k < 0:
                self.pos = self.n
                raise _Syntax("unterminated raw string")
            self.pos = k + 1
            out.append(d[start : self.pos])
            return
        if c == 34:
            i = start + 1
            while i < self.n:
                b = d[i]
                if b == 34:
                    self.pos = i + 1
                    out.append(d[start : self.pos])
                    return
                if b == 10:
                    self.pos = i
                    raise _Syntax("newline in string")
                i += 2 if b == 92 else 1
            self.pos = self.n
            raise _Syntax("unterminated string")
        raise _Syntax("want import path")

    def import_spec(self, out: list[bytes]) -> None:
        c = self.skip_space()
        if c == 46:  # '.'
            self.pos += 1
        elif c >= 0 and _is_ident(c):
            self.ident()
        self.string(out)


class FileImports(NamedTuple):
    header: bytes  # what the scanner consumed: the part build constraints are read from
    imports: list[str]  # unquoted import paths, in file order
    error: str | None  # "unexpected NUL in input", or None


def read_imports(data: bytes) -> FileImports:
    """The package clause and import declarations of one Go file."""
    r = _Reader(data)
    raw: list[bytes] = []
    header: bytes
    try:
        r.keyword(b"package")
        r.ident()
        while r.skip_space() == 105:  # 'i'
            r.keyword(b"import")
            if r.skip_space() == 40:  # '('
                r.pos += 1
                while r.skip_space() != 41:
                    if r.pos >= r.n:
                        raise _Syntax("unterminated import block")
                    r.import_spec(raw)
                r.pos += 1
            else:
                r.import_spec(raw)
        # Stopped before the first byte of another declaration (or at the end).
        header = r.data[: r.pos]
        consumed_to = r.pos + 1 if r.pos < r.n else r.n
    except _Syntax:
        header = r.data
        consumed_to = r.n
    error = "unexpected NUL in input" if b"\0" in r.data[:consumed_to] else None
    return FileImports(header, [p for p in (_unquote(b) for b in raw) if p is not None], error)


def _unquote(lit: bytes) -> str | None:
    """strconv.Unquote of an import path literal (None when it is not valid)."""
    if len(lit) < 2:
        return None
    try:
        text = lit.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text[0] == "`":
        return text[1:-1].replace("\r", "") if text[-1] == "`" else None
    if text[0] != '"' or text[-1] != '"':
        return None
    body = text[1:-1]
    if "\\" not in body:
        return body
    return _unescape(body)


_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34}
_HEX = frozenset("0123456789abcdefABCDEF")


def _unescape(body: str) -> str | None:
    """The escapes of a Go interpreted string literal; None when one is invalid.
    Byte escapes may form UTF-8 sequences, so the result is built as bytes."""
    out = bytearray()
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        if i + 1 >= n:
            return None
        e = body[i + 1]
        if e in _SIMPLE:
            out.append(_SIMPLE[e])
            i += 2
        elif e in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or any(d not in "01234567" for d in digits) or int(digits, 8) > 255:
                return None
            out.append(int(digits, 8))
            i += 4
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or any(d not in _HEX for d in digits):
                return None
            v = int(digits, 16)
            if e == "x":
                out.append(v)
            elif v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
                return None
            else:
                out += chr(v).encode("utf-8")
            i += 2 + width
        else:
            return None
    return out.decode("utf-8", "surrogateescape")


class Scan(NamedTuple):
    imports: list[str]  # sorted, without duplicates
    test_imports: list[str]
    files: int  # files that passed the filters (0: "no Go source files")
    error: str | None  # a file the go command cannot read (then the package has an error)


# Imports the module loader drops (modload.scanDir): cgo's pseudo-package and the
# App Engine packages of old GOPATH days.
def _dropped(path: str) -> bool:
    return path in ("C", "appengine", "appengine_internal") or path.startswith(("appengine/", "appengine_internal/"))


def eligible_name(name: str, tags: bc.Tags) -> bool:
    """The file-name filters of imports.ScanDir (before the file is read)."""
    return name.endswith(".go") and not name.startswith(("_", ".")) and bc.match_file(name, tags)


def scan_files(files: Iterable[tuple[str, bytes]], tags: bc.Tags) -> Scan:
    """imports.ScanDir over (name, content) pairs whose names passed :func:`eligible_name`."""
    imports: set[str] = set()
    tests: set[str] = set()
    count = 0
    for name, data in files:
        fi = read_imports(data)
        if fi.error is not None:
            return Scan([], [], count, f"{name}: {fi.error}")
        if "C" in fi.imports and not tags.cgo:
            continue  # import "C" implies the cgo tag
        if not bc.should_build(fi.header, tags):
            continue
        count += 1
        target = tests if name.endswith("_test.go") else imports
        target.update(p for p in fi.imports if not _dropped(p))
    return Scan(sorted(imports), sorted(tests), count, None)
