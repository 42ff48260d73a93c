"""go.mod and go.work, parsed as golang.org/x/mod/modfile parses them, with positions.

Three layers, each mirroring the go command:

1. The lexer and grammar (modfile's ``parse``): tokens, ``//`` comments, lines and
   ``verb ( ... )`` blocks. The go command stops at the first syntax error and
   reports only that one; so do we (stage ``syntax``).
2. The directives (modfile's ``Parse``/``ParseWork`` without a version fixer, which
   is what ``go mod edit`` runs): every statement is checked and every error is
   reported (stage ``parse``).
3. What the go command checks only when it loads the main module: canonical
   versions, a valid module path, a module line to retract against, valid
   required module paths (stage ``load``). ``go mod edit`` accepts these files;
   ``go build`` refuses them.

Positions are 1-based lines and columns counted in code points, as the go
command counts them (a byte that is not UTF-8 counts as one). Parsing never
raises: everything lands in :attr:`ModFile.errors`.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from gozt_lint import module as mod
from gozt_lint.finding import Span

SYNTAX, PARSE, LOAD = "syntax", "parse", "load"

# -- results -----------------------------------------------------------------------


class ParseError(NamedTuple):
    """One error; ``span`` starts where the go command reports it."""

    message: str
    span: Span
    stage: str = PARSE

    @property
    def go_position(self) -> str:
        """``line:col`` as the go command prints it (the column only when > 1)."""
        if self.span.column > 1:
            return f"{self.span.line}:{self.span.column}"
        return f"{self.span.line}"

    def __str__(self) -> str:
        return f"{self.go_position}: {self.message}"


class ModuleStmt(NamedTuple):
    path: str
    span: Span
    deprecated: str | None = None  # the text of a "Deprecated:" paragraph, if any
    path_span: Span | None = None


class GoStmt(NamedTuple):
    """A ``go`` or ``toolchain`` line; ``version`` is its argument as written."""

    version: str
    span: Span
    version_span: Span | None = None


class Godebug(NamedTuple):
    key: str
    value: str
    span: Span


class Require(NamedTuple):
    path: str
    version: str  # canonical (what the go command uses)
    indirect: bool
    span: Span
    path_span: Span | None = None
    version_span: Span | None = None
    raw_version: str = ""  # as written (unquoted)


class Exclude(NamedTuple):
    path: str
    version: str
    span: Span
    version_span: Span | None = None


class Replace(NamedTuple):
    old_path: str
    old_version: str | None
    new_path: str
    new_version: str | None  # None: a directory replacement
    span: Span
    new_span: Span | None = None  # the target (path and version)

    @property
    def is_local(self) -> bool:
        return self.new_version is None


class Retract(NamedTuple):
    low: str
    high: str
    rationale: str
    span: Span


class Tool(NamedTuple):
    path: str
    span: Span


class Ignore(NamedTuple):
    path: str
    span: Span


class Use(NamedTuple):
    dir: str
    span: Span


class ModFile:
    """A parsed go.mod (kind "mod") or go.work (kind "work")."""

    def __init__(self, path: str, kind: str) -> None:
        self.path = path
        self.kind = kind
        self.module: ModuleStmt | None = None
        self.go: GoStmt | None = None
        self.toolchain: GoStmt | None = None
        self.godebug: list[Godebug] = []
        self.require: list[Require] = []
        self.exclude: list[Exclude] = []
        self.replace: list[Replace] = []
        self.retract: list[Retract] = []
        self.tool: list[Tool] = []
        self.ignore: list[Ignore] = []
        self.use: list[Use] = []
        self.errors: list[ParseError] = []
        # line -> rule slugs ("all" for every rule) from `// gozt:ignore <rule> <reason>`.
        self.inline_ignores: dict[int, set[str]] = {}

    def __repr__(self) -> str:
        return f"ModFile({self.path!r}, {self.kind!r}, module={self.module!r}, {len(self.errors)} errors)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModFile):
            return False
        mine = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        return mine == {k: v for k, v in vars(other).items() if not k.startswith("_")}

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable; object declares __hash__ a method

    @property
    def syntax_ok(self) -> bool:
        return not any(e.stage == SYNTAX for e in self.errors)

    def replacement(self, path: str, version: str) -> Replace | None:
        """The replace that applies to path@version: a version-specific one wins
        over a wildcard; among equals the last one wins (as the go command)."""
        index = self._replace_index()
        return index.get((path, version)) or index.get((path, None))

    def _replace_index(self) -> dict[tuple[str, str | None], Replace]:
        # Asked once per require: a scan of every replace each time made a go.mod
        # with thousands of both quadratic. Rebuilt when the list is edited.
        key = (id(self.replace), len(self.replace), self.replace[-1] if self.replace else None)
        cached = self.__dict__.get("_replace_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        index: dict[tuple[str, str | None], Replace] = {}
        for r in self.replace:
            index[(r.old_path, r.old_version)] = r  # the last one wins
        self.__dict__["_replace_cache"] = (key, index)
        return index


# -- lexer -------------------------------------------------------------------------

_EOF, _EOLCOMMENT, _IDENT, _STRING, _COMMENT = "EOF", "EOLCOMMENT", "IDENT", "STRING", "COMMENT"
_EOL = frozenset((_EOF, _EOLCOMMENT, "\n"))
_PUNCT = frozenset("\n()[]{},")
_SPACES = re.compile(r"[ \t\r]*")
# A run of ASCII identifier characters: printable, not space or ( ) [ ] { } ,
_ASCII_IDENT_RUN = re.compile(r"[\x21-\x27\x2a\x2b\x2d-\x5a\x5c\x5e-\x7a\x7c\x7e]+")
_ASCII_IDENT_CHARS = frozenset(chr(o) for o in range(0x21, 0x7F) if chr(o) not in "()[]{},")  # (the same set)
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_GO_FIELDS = re.compile(f"[^{re.escape(_GO_SPACE)}]+")


def _is_ident_char(c: str) -> bool:
    """modfile's isIdent: printable and not one of ` ()[]{},`. A surrogate stands
    for a byte that is not UTF-8, which Go decodes as U+FFFD (printable)."""
    if c in " ()[]{},":
        return False
    o = ord(c)
    if 0xDC80 <= o <= 0xDCFF:
        return True
    return c.isprintable()


def _go_fields(s: str) -> list[str]:
    return _GO_FIELDS.findall(s)


def _go_trim(s: str) -> str:
    return s.strip(_GO_SPACE)


class _Tok:
    __slots__ = ("kind", "text", "line", "col", "end_line", "end_col")

    def __init__(self, kind: str, text: str, line: int, col: int, end_line: int, end_col: int) -> None:
        self.kind = kind
        self.text = text
        self.line = line
        self.col = col
        self.end_line = end_line
        self.end_col = end_col

    @property
    def span(self) -> Span:
        return Span(self.line, self.col, self.end_line, self.end_col)


class _SyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


class _Comment:
    __slots__ = ("text", "line")

    def __init__(self, text: str, line: int = 0) -> None:
        self.text = text  # "" for a blank line kept inside a block
        self.line = line


class _Line:
    __slots__ = ("tokens", "in_block", "before", "suffix")

    def __init__(self, tokens: list[_Tok], in_block: bool) -> None:
        self.tokens = tokens
        self.in_block = in_block
        self.before: list[_Comment] = []
        self.suffix: list[_Comment] = []

    @property
    def span(self) -> Span:
        a, b = self.tokens[0], self.tokens[-1]
        return Span(a.line, a.col, b.end_line, b.end_col)


class _Block:
    __slots__ = ("head", "lines", "before", "suffix")

    def __init__(self, head: list[_Tok]) -> None:
        self.head = head
        self.lines: list[_Line] = []
        self.before: list[_Comment] = []
        self.suffix: list[_Comment] = []

    @property
    def start(self) -> Span:
        t = self.head[0]
        return Span(t.line, t.col, t.end_line, t.end_col)


class _Parser:
    """modfile's input: a lexer one token ahead of a recursive-descent parser."""

    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.text = text
        self.n = len(text)
        self.i = 0
        self.line = 1
        self.line_start = 0
        self.line_has_token = False
        self.stmts: list[_Line | _Block] = []
        # The block being read, should a syntax error stop it (see statements()).
        self.open_block: _Block | None = None
        self.tok = _Tok(_EOF, "", 1, 1, 1, 1)

    # position of the lexer (Go's in.pos)
    def _pos(self) -> tuple[int, int]:
        return self.line, self.i - self.line_start + 1

    def _error(self, message: str, pos: tuple[int, int] | None = None) -> _SyntaxError:
        line, col = pos or self._pos()
        return _SyntaxError(message, line, col)

    def _advance_to(self, j: int) -> None:
        """Consume text[i:j], keeping line accounting."""
        k = self.text.find("\n", self.i, j)
        while k != -1:
            self.line += 1
            self.line_start = k + 1
            self.line_has_token = False
            k = self.text.find("\n", k + 1, j)
        self.i = j

    def read_token(self) -> None:
        text, n = self.text, self.n
        m = _SPACES.match(text, self.i)
        assert m is not None  # the pattern matches the empty string
        self.i = m.end()
        if self.i < n and text[self.i] == "/":
            if text.startswith("//", self.i):
                line, col = self._pos()
                suffix = self.line_has_token
                j = text.find("\n", self.i)
                j = n if j < 0 else j + 1
                raw = text[self.i : j]
                self._advance_to(j)
                if raw.endswith("\r\n"):
                    raw = raw[:-2]
                elif raw.endswith("\n"):
                    raw = raw[:-1]
                eline, ecol = line, col + len(raw)
                self.tok = _Tok(_EOLCOMMENT if suffix else _COMMENT, raw, line, col, eline, ecol)
                return
            if text.startswith("/*", self.i):
                raise self._error("mod files must use // comments (not /* */ comments)")

        line, col = self._pos()
        if self.i >= n:
            self.tok = _Tok(_EOF, "", line, col, line, col)
            return
        c = text[self.i]
        if c in _PUNCT:
            self._advance_to(self.i + 1)
            if c != "\n":
                self.line_has_token = True
            eline, ecol = (line, col + 1)
            self.tok = _Tok(c, c, line, col, eline, ecol)
            return
        if c == '"' or c == "`":
            start = self.i
            self.i += 1
            while True:
                if self.i >= n:
                    raise self._error("unexpected EOF in string", (line, col))
                ch = text[self.i]
                if ch == "\n":
                    raise self._error("unexpected newline in string")
                self.i += 1
                if ch == c:
                    break
                if ch == "\\" and c != "`":
                    if self.i >= n:
                        raise self._error("unexpected EOF in string", (line, col))
                    # The escaped character may be a newline: the string then
                    # runs on (and Unquote rejects it later).
                    self._advance_to(self.i + 1)
            self.line_has_token = True
            el, ec = self._pos()
            self.tok = _Tok(_STRING, text[start : self.i], line, col, el, ec)
            return
        if c not in _ASCII_IDENT_CHARS and not _is_ident_char(c):
            raise self._error(f"unexpected input character {mod.quote_rune(c)}")
        start = j = self.i
        while j < n:
            m = _ASCII_IDENT_RUN.match(text, j)
            if m:
                end = m.end()
                k = text.find("/", j, end)
                stop = -1
                while k != -1:
                    if text.startswith("//", k):
                        stop = k
                        break
                    if text.startswith("/*", k):
                        self.i = k
                        raise self._error("mod files must use // comments (not /* */ comments)")
                    k = text.find("/", k + 1, end)
                if stop >= 0:
                    j = stop
                    break
                j = end
                continue
            ch = text[j]
            if ord(ch) >= 0x80 and _is_ident_char(ch):
                j += 1
                continue
            break
        self.i = j
        self.line_has_token = True
        self.tok = _Tok(_IDENT, text[start:j], line, col, line, col + (j - start))

    def lex(self) -> _Tok:
        tok = self.tok
        self.read_token()
        return tok

    # -- grammar --

    def parse_file(self) -> None:
        cb: list[_Comment] | None = None
        while True:
            k = self.tok.kind
            if k == "\n":
                self.lex()
                cb = None
            elif k == _COMMENT:
                tok = self.lex()
                cb = (cb or []) + [_Comment(tok.text, tok.line)]
            elif k == _EOF:
                return
            else:
                self.parse_stmt()
                if cb is not None:
                    self.stmts[-1].before = cb
                    cb = None

    def parse_stmt(self) -> None:
        tokens = [self.lex()]
        while True:
            tok = self.lex()
            if tok.kind in _EOL:
                line = _Line(tokens, False)
                if tok.kind == _EOLCOMMENT:
                    line.suffix.append(_Comment(tok.text, tok.line))
                self.stmts.append(line)
                return
            if tok.kind == "(":
                nxt = self.tok.kind
                if nxt in _EOL:
                    self.stmts.append(self.parse_line_block(tokens))
                    return
                if nxt == ")":
                    rparen = self.lex()
                    if self.tok.kind in _EOL:
                        eol = self.lex()
                        block = _Block(tokens)
                        if eol.kind == _EOLCOMMENT:
                            block.suffix.append(_Comment(eol.text, eol.line))
                        self.stmts.append(block)
                        return
                    tokens += [tok, rparen]
                    continue
            tokens.append(tok)

    def parse_line_block(self, head: list[_Tok]) -> _Block:
        block = self.open_block = _Block(head)
        comments: list[_Comment] = []
        while True:
            k = self.tok.kind
            if k == _EOLCOMMENT:
                self.lex()  # a comment after "(": not one anything reads
            elif k == "\n":
                self.lex()
                if (not comments and block.lines) or (comments and comments[-1].text != ""):
                    comments.append(_Comment(""))
            elif k == _COMMENT:
                tok = self.lex()
                comments.append(_Comment(tok.text, tok.line))
            elif k == _EOF:
                s = head[0]
                raise self._error(
                    f"syntax error (unterminated block started at {self.filename}:{s.line}:{s.col})"
                )
            elif k == ")":
                self.lex()
                if self.tok.kind not in _EOL:
                    raise self._error("syntax error (expected newline after closing paren)")
                self.lex()
                self.open_block = None
                return block
            else:
                line = self.parse_line()
                line.before = comments
                comments = []
                block.lines.append(line)

    def parse_line(self) -> _Line:
        tokens = [self.lex()]
        while True:
            tok = self.lex()
            if tok.kind in _EOL:
                line = _Line(tokens, True)
                if tok.kind == _EOLCOMMENT:
                    line.suffix.append(_Comment(tok.text, tok.line))
                return line
            tokens.append(tok)


# -- strings -------------------------------------------------------------------------

_SIMPLE_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("f"): 12, ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("v"): 11}
_HEX = b"0123456789abcdefABCDEF"


def _decode_rune(b: bytes, i: int) -> tuple[int, int]:
    """utf8.DecodeRune: (rune, size); (0xFFFD, 1) for an invalid encoding."""
    for size in (2, 3, 4):
        if i + size <= len(b):
            try:
                s = b[i : i + size].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(s) == 1:
                return ord(s), size
    return 0xFFFD, 1


def go_unquote(s: str) -> str | None:
    """strconv.Unquote of a double-quoted Go string literal, or None if invalid."""
    b = s.encode("utf-8", "surrogateescape")
    if len(b) < 2 or b[0] != 0x22 or b[-1] != 0x22:
        return None
    out = bytearray()
    i, n = 1, len(b) - 1
    while i < n:
        c = b[i]
        if c == 0x0A or c == 0x22:
            return None
        if c >= 0x80:
            r, size = _decode_rune(b, i)
            out += chr(r).encode("utf-8")
            i += size
            continue
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        if i + 1 >= n + 1:
            return None
        e = b[i + 1]
        i += 2
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
        elif e in (0x78, 0x75, 0x55):  # x u U
            width = {0x78: 2, 0x75: 4, 0x55: 8}[e]
            digits = b[i : i + width]
            if len(digits) < width or any(d not in _HEX for d in digits) or i + width > n:
                return None
            v = int(digits, 16)
            i += width
            if e == 0x78:
                out.append(v)
            else:
                if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
                    return None
                out += chr(v).encode("utf-8")
        elif 0x30 <= e <= 0x37:
            digits = b[i - 1 : i + 2]
            if len(digits) < 3 or i + 2 > n or any(not (0x30 <= d <= 0x37) for d in digits):
                return None
            v = int(digits, 8)
            if v > 255:
                return None
            out.append(v)
            i += 2
        elif e == 0x5C or e == 0x22:
            out.append(e)
        else:
            return None
    return out.decode("utf-8", "surrogateescape")


class _ArgError(Exception):
    pass


def _parse_string(t: str) -> str:
    """modfile's parseString: a quoted token is unquoted; quotes elsewhere are errors."""
    if t.startswith('"'):
        s = go_unquote(t)
        if s is None:
            raise _ArgError("invalid syntax")
        return s
    if '"' in t or "'" in t or "`" in t:
        raise _ArgError("unquoted string cannot contain quote")
    return t


def is_directory_path(ns: str) -> bool:
    """modfile.IsDirectoryPath: rooted, or starting with . or .. (Unix or Windows form)."""
    return (
        ns in (".", "..")
        or ns.startswith(("./", ".\\", "../", "..\\", "/", "\\"))
        or (len(ns) >= 2 and ns[0].isascii() and ns[0].isalpha() and ns[1] == ":")
    )


# -- directives ----------------------------------------------------------------------

GO_VERSION_RE = re.compile(r"([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?")
_LAX_GO_VERSION_RE = re.compile(r"v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)", re.DOTALL)
TOOLCHAIN_RE = re.compile(r"default\Z|go1(\Z|\.)")
_DEPRECATED_RE = re.compile(r"(?:^|\n\n)Deprecated: *(.*?)(?:\Z|\n\n)", re.DOTALL)
_MOD_BLOCKS = frozenset(("module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore"))
_WORK_BLOCKS = frozenset(("godebug", "use", "replace"))
_LAX_VERBS = frozenset(("go", "module", "retract", "require", "ignore"))


def _mv(path: str, version: str | None) -> str:
    """module.Version.String: path@version, or the path alone."""
    return f"{path}@{version}" if version else path


def _version_error(verb: str, path: str, version: str, why: str) -> str:
    head = f"{verb} {path}: " if path else f"{verb}: "
    return f"{head}version {mod.quote(version)} invalid: {why}"


class _Builder:
    def __init__(self, mf: ModFile, stmts: list[_Line | _Block], strict: bool) -> None:
        self.mf = mf
        self.stmts = stmts
        self.strict = strict
        # Raw (unquoted) versions for the load-stage canonical check, and
        # retract lines for the load-stage re-check.
        self._raw: list[tuple[str, str, str, str, _Line]] = []  # verb, path, raw, canonical, line
        self._retract_lines: list[tuple[_Line, list[str]]] = []

    def err(self, line_or_span: _Line | Span, message: str, stage: str = PARSE) -> None:
        span = line_or_span.span if isinstance(line_or_span, _Line) else line_or_span
        self.mf.errors.append(ParseError(message, span, stage))

    def run(self) -> None:
        work = self.mf.kind == "work"
        allowed = _WORK_BLOCKS if work else _MOD_BLOCKS
        for x in self.stmts:
            if isinstance(x, _Line):
                self.add(None, x, x.tokens[0].text, x.tokens[1:])
                continue
            if len(x.head) > 1 or x.head[0].text not in allowed:
                if self.strict:
                    self.err(x.start, "unknown block type: " + " ".join(t.text for t in x.head))
                continue
            for ln in x.lines:
                self.add(x, ln, x.head[0].text, ln.tokens)

    def parse_version(self, verb: str, path: str, tok: _Tok, line: _Line) -> str:
        try:
            t = _parse_string(tok.text)
        except _ArgError as e:
            raise _ArgError(_version_error(verb, path, tok.text, str(e))) from None
        cv = mod.canonical_version(t)
        if not cv:
            raise _ArgError(_version_error(verb, path, t, "must be of the form v1.2.3"))
        self._raw.append((verb, path, t, cv, line))
        return cv

    def add(self, block: _Block | None, line: _Line, verb: str, args: list[_Tok]) -> None:
        mf = self.mf
        work = mf.kind == "work"
        if not self.strict and verb not in _LAX_VERBS:
            return
        texts = [a.text for a in args]
        try:
            if verb == "go":
                if mf.go is not None:
                    raise _ArgError("repeated go statement")
                if len(args) != 1:
                    raise _ArgError("go directive expects exactly one argument")
                v = texts[0]
                if not GO_VERSION_RE.fullmatch(v):
                    m = None if (self.strict or work) else _LAX_GO_VERSION_RE.fullmatch(v)
                    if m is None:
                        raise _ArgError(f"invalid go version '{v}': must match format 1.23.0")
                    v = m.group(1)
                mf.go = GoStmt(v, line.span, args[0].span)
            elif verb == "toolchain":
                if mf.toolchain is not None:
                    raise _ArgError("repeated toolchain statement")
                if len(args) != 1:
                    raise _ArgError("toolchain directive expects exactly one argument")
                if not TOOLCHAIN_RE.match(texts[0]):
                    raise _ArgError(f"invalid toolchain version '{texts[0]}': must match format go1.23.0 or default")
                mf.toolchain = GoStmt(texts[0], line.span, args[0].span)
            elif verb == "module" and not work:
                if mf.module is not None:
                    raise _ArgError("repeated module statement")
                deprecated = _parse_deprecation(block, line)
                mf.module = ModuleStmt("", line.span, deprecated)
                if len(args) != 1:
                    raise _ArgError("usage: module module/path")
                s = self.string(args[0])
                mf.module = ModuleStmt(s, line.span, deprecated, args[0].span)
            elif verb == "godebug":
                if len(args) != 1 or any(q in texts[0] for q in "\"`',") or "=" not in texts[0]:
                    raise _ArgError("usage: godebug key=value")
                key, _, value = texts[0].partition("=")
                mf.godebug.append(Godebug(key, value, line.span))
            elif verb in ("require", "exclude") and not work:
                if len(args) != 2:
                    raise _ArgError(f"usage: {verb} module/path v1.2.3")
                s = self.string(args[0])
                v = self.parse_version(verb, s, args[1], line)
                sp = mod.split_path_version(s)
                if sp is None:
                    raise _ArgError("invalid module path")
                why = mod.path_major_reason(v, sp[1])
                if why:
                    raise _ArgError(f"{verb} {s}: version {mod.quote(v)} invalid: {why}")
                if verb == "require":
                    mf.require.append(
                        Require(s, v, _is_indirect(line), line.span, args[0].span, args[1].span, _parse_string(texts[1]))
                    )
                else:
                    mf.exclude.append(Exclude(s, v, line.span, args[1].span))
            elif verb == "replace":
                mf.replace.append(self.parse_replace(line, verb, args))
            elif verb == "retract" and not work:
                rationale = _directive_comment(block, line)
                rest = list(texts)
                try:
                    low, high = _parse_interval(verb, "", rest, None)
                except _ArgError:
                    if self.strict:
                        raise
                    return
                if rest and self.strict:
                    raise _ArgError(f"unexpected token after version: {mod.quote(rest[0])}")
                mf.retract.append(Retract(low, high, rationale, line.span))
                self._retract_lines.append((line, texts))
            elif verb == "tool" and not work:
                if len(args) != 1:
                    raise _ArgError("tool directive expects exactly one argument")
                mf.tool.append(Tool(self.string(args[0]), line.span))
            elif verb == "ignore" and not work:
                if len(args) != 1:
                    raise _ArgError("ignore directive expects exactly one argument")
                mf.ignore.append(Ignore(self.string(args[0]), line.span))
            elif verb == "use" and work:
                if len(args) != 1:
                    raise _ArgError(f"usage: {verb} local/dir")
                mf.use.append(Use(self.string(args[0]), line.span))
            else:
                raise _ArgError(f"unknown directive: {verb}")
        except _ArgError as e:
            self.err(line, str(e))

    def string(self, tok: _Tok) -> str:
        try:
            return _parse_string(tok.text)
        except _ArgError as e:
            raise _ArgError(f"invalid quoted string: {e}") from None

    def parse_replace(self, line: _Line, verb: str, args: list[_Tok]) -> Replace:
        texts = [a.text for a in args]
        arrow = 1 if len(texts) >= 2 and texts[1] == "=>" else 2
        if len(texts) < arrow + 2 or len(texts) > arrow + 3 or texts[arrow] != "=>":
            raise _ArgError(
                f"usage: {verb} module/path [v1.2.3] => other/module v1.4\n"
                f"\t or {verb} module/path [v1.2.3] => ../local/directory"
            )
        s = self.string(args[0])
        sp = mod.split_path_version(s)
        if sp is None:
            raise _ArgError(f"{verb} {s}: invalid module path")
        v: str | None = None
        if arrow == 2:
            v = self.parse_version(verb, s, args[1], line)
            why = mod.path_major_reason(v, sp[1])
            if why:
                raise _ArgError(f"{verb} {s}: version {mod.quote(v)} invalid: {why}")
        ns = self.string(args[arrow + 1])
        nv: str | None = None
        if len(texts) == arrow + 2:
            if not is_directory_path(ns):
                if "@" in ns:
                    raise _ArgError("replacement module must match format 'path version', not 'path@version'")
                raise _ArgError("replacement module without version must be directory path (rooted or starting with . or ..)")
            if os.sep == "/" and "\\" in ns:
                raise _ArgError("replacement directory appears to be Windows path (on a non-windows system)")
        if len(texts) == arrow + 3:
            nv = self.parse_version(verb, ns, args[arrow + 2], line)
            if is_directory_path(ns):
                raise _ArgError(f"replacement module directory path {mod.quote(ns)} cannot have version")
        target = args[arrow + 1:]
        new_span = Span(target[0].line, target[0].col, target[-1].end_line, target[-1].end_col)
        return Replace(s, v, ns, nv, line.span, new_span)

    # -- what the go command checks when it loads the main module --

    def load_checks(self, has_statements: bool) -> None:
        mf = self.mf
        for verb, path, raw, cv, line in self._raw:
            if raw != cv:
                self.err(line, _version_error(verb, path, raw, f"not a canonical version (should be {cv})"), LOAD)
        if mf.kind == "mod":
            self._module_checks(has_statements)
        required: dict[str, set[str]] = {}
        for q in mf.require:
            required.setdefault(q.path, set()).add(q.version)
        for r in mf.replace:
            if not r.is_local:
                # The go command checks a replacement's path only when it fetches it:
                # a replace of a module nothing requires is never looked at.
                versions = required.get(r.old_path)
                if not versions or (r.old_version is not None and r.old_version not in versions):
                    continue
                why = mod.check_path(r.new_path)
                if why:
                    self.err(r.span, f"replace {r.old_path}: replacement {why}", LOAD)
        self._replace_conflicts()
        if mf.kind == "work":
            self._use_repeats()
        if mf.toolchain is not None and mf.toolchain.version != "default" and not from_toolchain(mf.toolchain.version):
            self.err(mf.toolchain.span, f"invalid toolchain {mod.quote(mf.toolchain.version)}", LOAD)

    def _replace_conflicts(self) -> None:
        """modload.toReplaceMap: two replace lines for the same module (and version,
        or both without one) with different targets stop every go command that
        loads the file; the same target twice is fine."""
        seen: dict[tuple[str, str], Replace] = {}
        for r in self.mf.replace:
            old = (r.old_path, r.old_version or "")
            prev = seen.get(old)
            if prev is not None and (prev.new_path, prev.new_version) != (r.new_path, r.new_version):
                self.err(
                    r.span,
                    f"conflicting replacements for {_mv(*old)}: {_mv(prev.new_path, prev.new_version)} and "
                    f"{_mv(r.new_path, r.new_version)}",
                    LOAD,
                )
            seen[old] = r

    def _use_repeats(self) -> None:
        """modload.LoadWorkFile: a directory used twice (after joining a relative
        path to the go.work directory, which cleans it) is refused."""
        work_dir = os.path.dirname(os.path.abspath(self.mf.path))
        seen: set[str] = set()
        for u in self.mf.use:
            root = u.dir if os.path.isabs(u.dir) else os.path.normpath(os.path.join(work_dir, u.dir))
            if root in seen:
                self.err(u.span, f"path {root} appears multiple times in workspace", LOAD)
            seen.add(root)

    def _module_checks(self, has_statements: bool) -> None:
        mf = self.mf
        if mf.module is None:
            # An empty (or blank, or comment-only) go.mod too: the go command refuses
            # every one without a module line.
            msg = "missing module declaration (add one: go mod edit -module=example.com/mod)"
            if has_statements:
                first = self.stmts[0]
                span = first.span if isinstance(first, _Line) else first.start
            else:
                span = Span(1, 1, 1, 1)
                # Some projects keep a directory out of the enclosing module this way.
                msg += (
                    "; this go.mod is empty: if it only fences its directory off from the enclosing module, "
                    "ignore gomod-syntax for this file in .gozt-lint.toml"
                )
            self.err(span, msg, LOAD)
        elif mf.module.path in ("go", "toolchain"):
            self.err(mf.module.span, f"invalid module path {mod.quote(mf.module.path)}: reserved for the go command", LOAD)
        else:
            why = mod.check_import_path(mf.module.path)
            if why and mf.module.path_span is not None:
                self.err(mf.module.span, why.replace("malformed import path", "malformed module path", 1), LOAD)
        for r in mf.require:
            if mf.replacement(r.path, r.version) is None:
                why = mod.check_path(r.path)
                if why:
                    self.err(r.span, f"require {r.path}: {why}", LOAD)
        for t in mf.tool:
            why = mod.check_import_path(t.path)
            if why:
                self.err(t.span, why.replace("malformed import path", "malformed tool path", 1), LOAD)
        for i, (line, texts) in enumerate(self._retract_lines):
            if mf.module is None:
                if i == 0:
                    self.err(line, "no module directive found, so retract cannot be used", LOAD)
                break
            try:
                _parse_interval("retract", mf.module.path, list(texts), "load")
            except _ArgError as e:
                self.err(line, str(e), LOAD)


def _parse_interval(verb: str, path: str, toks: list[str], fix: str | None) -> tuple[str, str]:
    """modfile's parseVersionInterval; consumes ``toks`` in place. ``fix`` None
    keeps versions as written (``go mod edit``); "load" checks them as the go
    command's version fixer does against the module path."""

    def version(tok: str) -> str:
        try:
            t = _parse_string(tok)
        except _ArgError as e:
            raise _ArgError(_version_error(verb, path, tok, str(e))) from None
        if fix is None:
            return t
        sp = mod.split_path_version(path)
        if sp is None:
            raise _ArgError(_version_error(verb, path, t, f"malformed module path {mod.quote(path)}"))
        cv = mod.canonical_version(t)
        if not cv:
            raise _ArgError(_version_error(verb, path, t, "must be of the form v1.2.3"))
        if cv != t:
            raise _ArgError(_version_error(verb, path, t, f"not a canonical version (should be {cv})"))
        why = mod.path_major_reason(t, sp[1])
        if why:
            raise _ArgError(_version_error(verb, path, t, why))
        return t

    if not toks or toks[0] == "(":
        raise _ArgError("expected '[' or version")
    if toks[0] != "[":
        v = version(toks[0])
        del toks[0]
        return v, v
    del toks[0]
    if not toks:
        raise _ArgError("expected version after '['")
    low = version(toks[0])
    del toks[0]
    if not toks or toks[0] != ",":
        raise _ArgError("expected ',' after version")
    del toks[0]
    if not toks:
        raise _ArgError("expected version after ','")
    high = version(toks[0])
    del toks[0]
    if not toks or toks[0] != "]":
        raise _ArgError("expected ']' after version")
    del toks[0]
    return low, high


def _is_indirect(line: _Line) -> bool:
    if not line.suffix:
        return False
    t = line.suffix[0].text
    f = _go_fields(t[2:] if t.startswith("//") else t)
    return (len(f) == 1 and f[0] == "indirect") or (len(f) > 1 and f[0] == "indirect;")


def _directive_comment(block: _Block | None, line: _Line) -> str:
    before, suffix = line.before, line.suffix
    if block is not None and not before and not suffix:
        before, suffix = block.before, block.suffix
    out = []
    for c in (*before, *suffix):
        if not c.text.startswith("//"):
            continue  # a blank line
        out.append(_go_trim(c.text[2:]))
    return "\n".join(out)


def _parse_deprecation(block: _Block | None, line: _Line) -> str | None:
    m = _DEPRECATED_RE.search(_directive_comment(block, line))
    return m.group(1) if m else None


def from_toolchain(name: str) -> str:
    """gover.FromToolchain: "go1.21.3" → "1.21.3"; "" when not a toolchain name."""
    from gozt_lint import gover

    return gover.from_toolchain(name)


# -- inline ignores --------------------------------------------------------------------

_IGNORE_RE = re.compile(r"//\s*gozt:ignore\s+([A-Za-z0-9_,-]+)")


def _comment_start(line: str) -> int:
    """Where a // comment starts on a line, skipping quoted strings; -1 if none."""
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == '"' or c == "`":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if (line[j] == "\\" and c == '"') else 1
            i = j + 1
            continue
        if c == "/" and line.startswith("//", i):
            return i
        i += 1
    return -1


def _inline_ignores(text: str) -> dict[int, set[str]]:
    """`// gozt:ignore <rule>[,<rule>...] <reason>`: a trailing comment covers its own
    line; a comment on a line of its own covers the next line with a statement.
    Independent of the parser, so it works in files with syntax errors."""
    if "gozt:ignore" not in text:
        return {}
    out: dict[int, set[str]] = {}
    pending: set[str] = set()
    for n, raw in enumerate(text.split("\n"), 1):
        start = _comment_start(raw)
        code = raw if start < 0 else raw[:start]
        rules: set[str] = set()
        if start >= 0:
            m = _IGNORE_RE.match(raw, start)
            if m:
                rules = {r for r in m.group(1).split(",") if r}
        if code.strip(" \t\r"):
            if pending or rules:
                out.setdefault(n, set()).update(pending | rules)
            pending = set()
        else:
            pending |= rules
    return out


# -- entry points ---------------------------------------------------------------------


class Statement(NamedTuple):
    """One line of a go.mod/go.work as the parser reads it, before any meaning is
    given to it: where things are written."""

    verb: str  # a block's lines carry the block's verb
    args: tuple[str, ...]  # quoted strings unquoted
    span: Span  # the line's tokens (no indentation, no comment)

    @property
    def line(self) -> int:
        return self.span.line


def _arg(tok: _Tok) -> str:
    if tok.kind != _STRING:
        return tok.text
    text = go_unquote(tok.text)
    return text if text is not None else tok.text[1:-1]


def statements(text: str) -> list[Statement]:
    """Every statement of a go.mod/go.work, one per line, as the parser reads it: for
    an editor placing findings and hovers in a buffer being typed. Read up to the
    first syntax error (with the lines of a block it interrupts); nothing after it."""
    p = _Parser("", text)
    try:
        p.read_token()
        p.parse_file()
    except (_SyntaxError, RecursionError):
        if p.open_block is not None and p.open_block.lines:
            p.stmts.append(p.open_block)
    out: list[Statement] = []
    for x in p.stmts:
        if isinstance(x, _Line):
            out.append(Statement(x.tokens[0].text, tuple(_arg(a) for a in x.tokens[1:]), x.span))
        else:
            verb = x.head[0].text
            out.extend(Statement(verb, tuple(_arg(a) for a in ln.tokens), ln.span) for ln in x.lines)
    return out


def _parse(path: str, data: bytes, kind: str, strict: bool) -> ModFile:
    mf = ModFile(path=path, kind=kind)
    text = data.decode("utf-8", "surrogateescape")
    try:
        mf.inline_ignores = _inline_ignores(text)
    except Exception:  # pragma: no cover - never let a comment scan break parsing
        mf.inline_ignores = {}
    p = _Parser(path, text)
    try:
        p.read_token()
        p.parse_file()
    except _SyntaxError as e:
        mf.errors.append(ParseError(e.message, Span(e.line, e.col, e.line, e.col + 1), SYNTAX))
    except RecursionError:  # pragma: no cover - the grammar is not recursive
        mf.errors.append(ParseError("internal error: input too deeply nested", Span(1, 1, 1, 1), SYNTAX))
    b = _Builder(mf, p.stmts, strict)
    b.run()
    if not mf.syntax_ok:
        # As the go command: after a syntax error only that error is reported.
        mf.errors = [e for e in mf.errors if e.stage == SYNTAX]
        return mf
    if strict:
        b.load_checks(bool(p.stmts))
    return mf


def parse_gomod(path: str, data: bytes, *, lax: bool = False) -> ModFile:
    """Parse a go.mod (strictly, as a main module; ``lax`` as a dependency's
    go.mod is read). Never raises."""
    return _parse(path, data, "mod", not lax)


def parse_gowork(path: str, data: bytes) -> ModFile:
    """Parse a go.work. Never raises."""
    return _parse(path, data, "work", True)
