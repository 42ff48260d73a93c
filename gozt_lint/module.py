"""Module paths and versions, as golang.org/x/mod's `module` and `semver` define them.

- validity of module, import and file paths (``check_path``, ``check_import_path``,
  ``check_file_path``), the major-version suffix rule (``split_path_version``,
  ``check_path_major``);
- ``!``-escaping of paths and versions for cache directories and proxy URLs;
- semantic versions: validity, canonical form, precedence, pseudo-versions;
- GOPRIVATE-style prefix glob lists with Go's ``path.Match`` semantics
  (``match_patterns``), which differ from ``fnmatch``: ``*`` never crosses ``/``;
  matched by :mod:`gozt_lint.glob` without regular expressions.

Check functions return an error string (the go command's wording) or None.

Unicode tables come from Python's ``unicodedata``, which may be older than the
Go toolchain's: a character assigned in a newer Unicode version is a letter (and
printable) to Go but unassigned to Python. Module and import paths are ASCII, so
this only affects file paths and how such characters are quoted in messages.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from gozt_lint import glob as _glob

# -- path validity ------------------------------------------------------------------

_MODULE, _IMPORT, _FILE = 0, 1, 2

_BAD_WINDOWS_NAMES = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
_FILE_PUNCT = set("!#$%&()+,-.=@[]^_{}~ ")


# Whole-element fast paths for the common all-ASCII case.
_ELEM_CHARS = {_MODULE: re.compile(r"[A-Za-z0-9._~-]+"), _IMPORT: re.compile(r"[A-Za-z0-9._~+-]+")}


def _char_ok(r: str, kind: int) -> bool:
    o = ord(r)
    if o < 0x80:
        if r.isalnum():
            return True
        if kind == _FILE:
            return r in _FILE_PUNCT
        return r in "-._~" or (kind == _IMPORT and r == "+")
    if kind == _FILE:
        # unicode.IsLetter: general category L*.
        return unicodedata.category(r).startswith("L")
    return False


def _check_elem(elem: str, kind: int) -> str | None:
    if elem == "":
        return "empty path element"
    if elem.count(".") == len(elem):
        return f"invalid path element {_q(elem)}"
    if elem[0] == "." and kind == _MODULE:
        return "leading dot in path element"
    if elem[-1] == ".":
        return "trailing dot in path element"
    fast = _ELEM_CHARS.get(kind)
    if fast is None or not fast.fullmatch(elem):
        for r in elem:
            if not _char_ok(r, kind):
                return f"invalid char {_qr(r)}"
    short = elem.split(".", 1)[0]
    if short.upper() in _BAD_WINDOWS_NAMES:
        return f"{_q(short)} disallowed as path element component on Windows"
    if kind == _FILE:
        return None
    i = short.rfind("~")
    if i >= 0 and i < len(short) - 1:
        suffix = short[i + 1 :]
        if suffix.isascii() and suffix.isdigit():
            return "trailing tilde and digits in path element"
    return None


def _check_path(path: str, kind: int) -> str | None:
    if _has_surrogates(path):
        return "invalid UTF-8"
    if path == "":
        return "empty string"
    if path[0] == "-" and kind != _FILE:
        return "leading dash"
    if "//" in path:
        return "double slash"
    if path[-1] == "/":
        return "trailing slash"
    for elem in path.split("/"):
        err = _check_elem(elem, kind)
        if err:
            return err
    return None


@functools.lru_cache(maxsize=16384)
def check_path(path: str) -> str | None:
    """Why ``path`` is not a valid module path, or None."""
    err = _check_path(path, _MODULE)
    if err:
        return f"malformed module path {_q(path)}: {err}"
    first = path.split("/", 1)[0]
    if first == "":
        return f"malformed module path {_q(path)}: leading slash"
    if "." not in first:
        return f"malformed module path {_q(path)}: missing dot in first path element"
    if path[0] == "-":
        return f"malformed module path {_q(path)}: leading dash in first path element"
    for r in first:
        if not (r in "-." or "0" <= r <= "9" or "a" <= r <= "z"):
            return f"malformed module path {_q(path)}: invalid char {_qr(r)} in first path element"
    if split_path_version(path) is None:
        return f"malformed module path {_q(path)}: invalid version"
    return None


def check_import_path(path: str) -> str | None:
    err = _check_path(path, _IMPORT)
    if err:
        return f"malformed import path {_q(path)}: {err}"
    return None


def check_file_path(path: str) -> str | None:
    err = _check_path(path, _FILE)
    if err:
        return f"malformed file path {_q(path)}: {err}"
    return None


@functools.lru_cache(maxsize=1 << 14)  # pure; every go.mod of a monorepo asks the same ones
def split_path_version(path: str) -> tuple[str, str] | None:
    """(prefix, pathMajor) such that prefix + pathMajor == path, or None if the
    major-version suffix is malformed (``/v1``, ``/v0``, ``/v2.0``, ``/v02``)."""
    if path.startswith("gopkg.in/"):
        return _split_gopkg_in(path)
    i = len(path)
    dot = False
    while i > 0 and (path[i - 1].isdigit() and path[i - 1].isascii() or path[i - 1] == "."):
        if path[i - 1] == ".":
            dot = True
        i -= 1
    if i <= 1 or i == len(path) or path[i - 1] != "v" or path[i - 2] != "/":
        return path, ""
    prefix, major = path[: i - 2], path[i - 2 :]
    if dot or len(major) <= 2 or major[2] == "0" or major == "/v1":
        return None
    return prefix, major


def _split_gopkg_in(path: str) -> tuple[str, str] | None:
    i = len(path)
    if path.endswith("-unstable"):
        i -= len("-unstable")
    while i > 0 and "0" <= path[i - 1] <= "9":
        i -= 1
    if i <= 1 or path[i - 1] != "v" or path[i - 2] != ".":
        return None
    prefix, major = path[: i - 2], path[i - 2 :]
    if len(major) <= 2 or (major[2] == "0" and major != ".v0"):
        return None
    return prefix, major


def match_path_major(version: str, path_major: str) -> bool:
    return path_major_reason(version, path_major) is None


@functools.lru_cache(maxsize=1 << 14)  # pure; every go.mod of a monorepo asks the same ones
def path_major_reason(version: str, path_major: str) -> str | None:
    """Why ``version`` cannot be a version of a path ending in ``path_major``
    ("should be v2, not v1"), or None (module.CheckPathMajor's reason)."""
    pm = path_major
    if pm.startswith(".v") and pm.endswith("-unstable"):
        pm = pm[: -len("-unstable")]
    if version.startswith("v0.0.0-") and pm == ".v1":
        # An old bug generated v0.0.0- pseudo-versions for gopkg.in/...v1.
        return None
    m = major(version)
    if pm == "":
        if m in ("v0", "v1") or build(version) == "+incompatible":
            return None
        pm = "v0 or v1"
    elif pm[0] in "/.":
        if m == pm[1:]:
            return None
        pm = pm[1:]
    return f"should be {pm}, not {m}"


def check_path_major(version: str, path_major: str) -> str | None:
    """module.CheckPathMajor: 'version "v1.0.0" invalid: should be v2, not v1', or None."""
    why = path_major_reason(version, path_major)
    return None if why is None else f"version {_q(version)} invalid: {why}"


def check(path: str, version: str) -> str | None:
    """module.Check: why path@version is not a valid module version, or None.
    (Like Go's, it does not insist on a canonical version; see check_canonical.)"""
    err = check_path(path)
    if err:
        return err
    if not is_valid(version):
        return f"{path}@{version}: invalid version: not a semantic version"
    sp = split_path_version(path)
    assert sp is not None
    why = path_major_reason(version, sp[1])
    if why:
        return f"{path}@{version}: invalid version: {why}"
    return None


# Pure, and asked about every go.sum line on every keystroke in the editor: memoized.
@functools.lru_cache(maxsize=1 << 16)
def check_canonical(path: str, version: str) -> str | None:
    """check() plus a canonical version, as go.sum lines and the module cache
    require (``v1.2`` and ``v1.2.3+meta`` are valid semver, not canonical)."""
    err = check(path, version)
    if err:
        return err
    cv = canonical_version(version)
    if cv != version:
        return f"{path}@{version}: invalid version: not a canonical version (should be {cv})"
    return None


# -- escaping -----------------------------------------------------------------------


def _escape(s: str) -> str | None:
    out = []
    for r in s:
        if r == "!" or ord(r) >= 0x80:
            return None
        if "A" <= r <= "Z":
            out.append("!" + r.lower())
        else:
            out.append(r)
    return "".join(out)


def _unescape(s: str) -> str | None:
    out = []
    bang = False
    for r in s:
        if ord(r) >= 0x80:
            return None
        if bang:
            bang = False
            if not ("a" <= r <= "z"):
                return None
            out.append(r.upper())
            continue
        if r == "!":
            bang = True
            continue
        if "A" <= r <= "Z":
            return None
        out.append(r)
    if bang:
        return None
    return "".join(out)


@functools.lru_cache(maxsize=1 << 14)  # pure; asked per module version by several families
def escape_path(path: str) -> str:
    """``github.com/Azure/x`` → ``github.com/!azure/x``; ValueError if invalid."""
    err = check_path(path)
    if err:
        raise ValueError(err)
    e = _escape(path)
    if e is None:
        raise ValueError(f"cannot escape module path {_q(path)}")
    return e


@functools.lru_cache(maxsize=1 << 14)  # pure; asked per module version by several families
def escape_version(version: str) -> str:
    err = _check_elem(version, _FILE)
    if err or "!" in version:
        raise ValueError(f"disallowed version string {_q(version)}")
    e = _escape(version)
    if e is None:
        raise ValueError(f"disallowed version string {_q(version)}")
    return e


@functools.lru_cache(maxsize=1 << 14)  # pure; asked per module version by several families
def unescape_path(escaped: str) -> str:
    path = _unescape(escaped)
    if path is None:
        raise ValueError(f"invalid escaped module path {_q(escaped)}")
    err = check_path(path)
    if err:
        raise ValueError(f"invalid escaped module path {_q(escaped)}: {err}")
    return path


@functools.lru_cache(maxsize=1 << 14)  # pure; asked per module version by several families
def unescape_version(escaped: str) -> str:
    v = _unescape(escaped)
    if v is None or _check_elem(v, _FILE):
        raise ValueError(f"invalid escaped version {_q(escaped)}")
    return v


# -- semantic versions -----------------------------------------------------------------

_SEMVER = re.compile(
    r"^v(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)"
    r"(?:-((?:[0-9A-Za-z-]+)(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+((?:[0-9A-Za-z-]+)(?:\.[0-9A-Za-z-]+)*))?)?)?$"
)


@functools.lru_cache(maxsize=8192)
def _parse(v: str) -> tuple[str, str, str, str, str] | None:
    m = _SEMVER.fullmatch(v)
    if not m or not v.isascii():
        return None
    maj, mnr, pat, pre, bld = m.groups()
    if pre:
        for ident in pre.split("."):
            if ident.isdigit() and len(ident) > 1 and ident[0] == "0":
                return None
    return maj, mnr or "0", pat or "0", ("-" + pre) if pre else "", ("+" + bld) if bld else ""


def is_valid(v: str) -> bool:
    return _parse(v) is not None


def canonical(v: str) -> str:
    """``v1.2`` → ``v1.2.0``; build metadata dropped; "" if invalid (semver.Canonical)."""
    p = _parse(v)
    if p is None:
        return ""
    return f"v{p[0]}.{p[1]}.{p[2]}{p[3]}"


@functools.lru_cache(maxsize=1 << 14)  # pure; every go.mod of a monorepo asks the same ones
def canonical_version(v: str) -> str:
    """As module.CanonicalVersion: canonical, keeping ``+incompatible``."""
    c = canonical(v)
    if c and build(v) == "+incompatible":
        c += "+incompatible"
    return c


def major(v: str) -> str:
    p = _parse(v)
    return f"v{p[0]}" if p else ""


def prerelease(v: str) -> str:
    p = _parse(v)
    return p[3] if p else ""


def build(v: str) -> str:
    p = _parse(v)
    return p[4] if p else ""


def _cmp_int(a: str, b: str) -> int:
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    return (a > b) - (a < b)


def _cmp_pre(x: str, y: str) -> int:
    if x == y:
        return 0
    if x == "":
        return 1
    if y == "":
        return -1
    xs, ys = x[1:].split("."), y[1:].split(".")
    for a, b in zip(xs, ys):
        if a == b:
            continue
        an, bn = a.isdigit(), b.isdigit()
        if an and bn:
            return _cmp_int(a, b)
        if an != bn:
            return -1 if an else 1
        return -1 if a < b else 1
    return (len(xs) > len(ys)) - (len(xs) < len(ys))


def compare(v: str, w: str) -> int:
    """Semver precedence; invalid versions sort before all valid ones (semver.Compare)."""
    pv, pw = _parse(v), _parse(w)
    if pv is None and pw is None:
        return 0
    if pv is None:
        return -1
    if pw is None:
        return 1
    for a, b in zip(pv[:3], pw[:3]):
        c = _cmp_int(a, b)
        if c:
            return c
    return _cmp_pre(pv[3], pw[3])


# sorted(versions, key=version_key) orders by semver precedence.
version_key = functools.cmp_to_key(compare)


_PSEUDO = re.compile(
    r"^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)


def is_pseudo_version(v: str) -> bool:
    """A version naming an untagged commit (vX.0.0-yyyymmddhhmmss-abcdefabcdef and kin)."""
    return v.count("-") >= 2 and is_valid(v) and _PSEUDO.fullmatch(v) is not None


def pseudo_version_parts(v: str) -> tuple[str, str] | None:
    """(UTC timestamp yyyymmddhhmmss, revision) of a pseudo-version."""
    if not is_pseudo_version(v):
        return None
    core = v.split("+", 1)[0]
    rest, rev = core.rsplit("-", 1)
    ts = rest[-14:]
    return ts, rev


# -- GOPRIVATE-style patterns --------------------------------------------------------


# Go's path.Match (a malformed pattern matches nothing), without regular expressions:
# patterns come from checkouts and environments and must never hang a run.
path_match = _glob.path_match


def split_patterns(globs: str) -> list[str]:
    """The non-empty entries of a comma-separated GOPRIVATE-style list, trailing '/' removed."""
    out = []
    for g in globs.split(","):
        g = g[:-1] if g.endswith("/") else g
        if g:
            out.append(g)
    return out


def match_patterns(globs: str, target: str) -> bool:
    """module.MatchPrefixPatterns: does any glob match a leading prefix of ``target``?

    A glob with k slashes is matched against the first k+1 path elements of the
    target; ``rsc.io/private`` matches ``rsc.io/private/quux`` but not ``rsc.io/privateer``.
    """
    return matching_pattern(globs, target) is not None


def matching_pattern(globs: str, target: str) -> str | None:
    """The first glob of ``globs`` that matches ``target`` (see match_patterns)."""
    elems: list[str] | None = None
    for glob in split_patterns(globs):
        n = glob.count("/")
        if elems is None:
            elems = target.split("/")
        if len(elems) < n + 1:
            continue
        prefix = "/".join(elems[: n + 1])
        if path_match(glob, prefix):
            return glob
    return None


# -- small helpers --------------------------------------------------------------------


def _has_surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_NAMED_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _escape_rune(ch: str, quote: str) -> str:
    """One rune as strconv.Quote/QuoteRune writes it; a surrogate stands for a
    byte that was not valid UTF-8 (read with errors="surrogateescape")."""
    o = ord(ch)
    if 0xDC80 <= o <= 0xDCFF:
        return f"\\x{o - 0xDC00:02x}"
    if ch == quote or ch == "\\":
        return "\\" + ch
    if ch.isprintable():
        return ch
    if ch in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[ch]
    if o < 0x20 or o == 0x7F:
        return f"\\x{o:02x}"
    if 0xD800 <= o <= 0xDFFF:
        return "\\ufffd"
    return f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def quote(s: str) -> str:
    """Go's %q (strconv.Quote) for a string."""
    return '"' + "".join(_escape_rune(ch, '"') for ch in s) + '"'


def quote_rune(r: str) -> str:
    """Go's %q (strconv.QuoteRune) for a rune."""
    if 0xDC80 <= ord(r) <= 0xDCFF:
        return "'\\ufffd'"
    return "'" + _escape_rune(r, "'") + "'"


_q = quote
_qr = quote_rune
