"""Glob matching without regular expressions, in time linear in the name.

Two dialects, both matched the same way: the pattern is split at its stars into
chunks of single-character operators, and each chunk is placed at the leftmost
position where it fits. No chunk is ever retried after a later chunk fails, so
no pattern can make a match backtrack: ``*a*a*a*a*a*a*a*a*a*a*ab`` costs one
pass per chunk, not one per way of splitting the name. (The regular expressions
these globs used to be translated into backtracked exponentially.)

- :func:`go_match` is Go's ``path.Match``, byte for byte: ``*`` and ``?`` never
  match ``/``; ``[...]`` classes (``^`` negates) and ``\\`` escapes; ``?`` and
  classes consume one UTF-8 rune (an invalid byte is U+FFFD), literals compare
  bytes; a malformed pattern is ``ErrBadPattern`` and matches nothing.
  Greedy leftmost placement *is* Go's own algorithm, so the results agree even
  where a regular expression would not (tests/test_glob.py checks this against
  the toolchain's ``path`` package).
- :func:`file_match` is Python's ``fnmatch.fnmatchcase``: ``*`` matches any
  run of characters including ``/``, ``[!...]`` negates, an unclosed ``[`` is a
  literal, and there are no escapes. It is used for ``[[ignore]] file``.

Cost: a chunk of k operators is tried at each position of the name at most once,
so a match costs O(len(pattern) × len(name)) in the worst case and a chunk of
plain literals one ``find`` (the go command's own bound; linear in the name for
a given pattern). Parsed patterns are cached.
"""

from __future__ import annotations

import functools
from typing import TypeGuard, Union

# A chunk operator: a literal (a byte for Go, a character for fnmatch), None for
# '?', or a class (negated, ((lo, hi), ...)) of code points.
_Class = tuple[bool, tuple[tuple[int, int], ...]]
_Op = Union[int, None, _Class]


def _all_literal(ops: tuple[_Op, ...]) -> TypeGuard[tuple[int, ...]]:
    # A TypeGuard, so the checker knows the all-literal chunk is a tuple of ints.
    return all(type(o) is int for o in ops)


_SLASH = 0x2F
_RUNE_ERROR = 0xFFFD


class _Chunk:
    __slots__ = ("star", "ops", "literal")

    def __init__(self, star: bool, ops: tuple[_Op, ...]) -> None:
        self.star = star
        self.ops = ops
        # All literals: placed with one find() instead of a position-by-position try.
        self.literal: bytes | None = bytes(ops) if _all_literal(ops) else None


# -- Go's path.Match ----------------------------------------------------------------


def _utf8(s: str) -> bytes:
    """The bytes Go would see: a surrogate-escaped byte is that byte again."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass")


def _decode_rune(b: bytes, i: int) -> tuple[int, int]:
    """utf8.DecodeRune of b[i:]: (rune, size), (U+FFFD, 1) for an invalid byte."""
    c = b[i]
    if c < 0x80:
        return c, 1
    if 0xC2 <= c <= 0xDF:
        n = 2
    elif 0xE0 <= c <= 0xEF:
        n = 3
    elif 0xF0 <= c <= 0xF4:
        n = 4
    else:
        return _RUNE_ERROR, 1
    try:
        # Python's strict decoder refuses exactly what Go's does: overlong forms,
        # surrogates, values above U+10FFFF and truncated sequences.
        ch = b[i : i + n].decode("utf-8")
    except UnicodeDecodeError:
        return _RUNE_ERROR, 1
    return ord(ch), n


def _scan_chunk(p: bytes, i: int) -> tuple[bool, int, int]:
    """Go's scanChunk from p[i:]: (star, chunk end, rest start)."""
    star = False
    while i < len(p) and p[i] == 0x2A:  # '*'
        i += 1
        star = True
    start = i
    inrange = False
    j = start
    while j < len(p):
        c = p[j]
        if c == 0x5C:  # '\\': skip the escaped byte (a trailing one is caught when parsed)
            if j + 1 < len(p):
                j += 1
        elif c == 0x5B:  # '['
            inrange = True
        elif c == 0x5D:  # ']'
            inrange = False
        elif c == 0x2A and not inrange:
            return star, start, j
        j += 1
    return star, start, len(p)


def _class_char(p: bytes, i: int, end: int) -> tuple[int, int] | None:
    """Go's getEsc: one possibly escaped rune of a class; None if malformed."""
    if i >= end or p[i] in (0x2D, 0x5D):  # '-', ']'
        return None
    if p[i] == 0x5C:
        i += 1
        if i >= end:
            return None
    r, n = _decode_rune(p, i)
    if r == _RUNE_ERROR and n == 1:
        return None
    i += n
    if i >= end:  # a class must be closed
        return None
    return r, i


def _parse_go_chunk(p: bytes, i: int, end: int) -> tuple[_Op, ...] | None:
    ops: list[_Op] = []
    while i < end:
        c = p[i]
        if c == 0x5B:  # '['
            i += 1
            negated = i < end and p[i] == 0x5E  # '^'
            if negated:
                i += 1
            ranges: list[tuple[int, int]] = []
            while True:
                if i < end and p[i] == 0x5D and ranges:
                    i += 1
                    break
                got = _class_char(p, i, end)
                if got is None:
                    return None
                lo, i = got
                hi = lo
                if p[i] == 0x2D:  # '-'
                    got = _class_char(p, i + 1, end)
                    if got is None:
                        return None
                    hi, i = got
                ranges.append((lo, hi))
            ops.append((negated, tuple(ranges)))
        elif c == 0x3F:  # '?'
            ops.append(None)
            i += 1
        elif c == 0x5C:  # '\\': the next byte, literally
            if i + 1 >= end:
                return None
            ops.append(p[i + 1])
            i += 2
        else:
            ops.append(c)
            i += 1
    return tuple(ops)


@functools.lru_cache(maxsize=4096)
def _go_pattern(pattern: str) -> tuple[_Chunk, ...] | None:
    """The chunks of a path.Match pattern, or None for a malformed one. Go reports
    ErrBadPattern exactly when some chunk is malformed: it parses every chunk it
    reaches, and checks the rest before it returns false."""
    p = _utf8(pattern)
    chunks: list[_Chunk] = []
    i = 0
    while i < len(p):
        star, start, rest = _scan_chunk(p, i)
        ops = _parse_go_chunk(p, start, rest)
        if ops is None:
            return None
        chunks.append(_Chunk(star, ops))
        i = rest
    return tuple(chunks)


def _go_chunk_at(ops: tuple[_Op, ...], s: bytes, i: int) -> int:
    """Go's matchChunk at s[i:]: the end of the match, or -1."""
    n = len(s)
    for op in ops:
        if i >= n:
            return -1
        if isinstance(op, int):
            if s[i] != op:
                return -1
            i += 1
        elif op is None:
            if s[i] == _SLASH:
                return -1
            i += _decode_rune(s, i)[1]
        else:
            r, size = _decode_rune(s, i)
            i += size
            negated, ranges = op
            hit = False
            for lo, hi in ranges:
                if lo <= r <= hi:
                    hit = True
                    break
            if hit == negated:
                return -1
    return i


def _go_match_bytes(chunks: tuple[_Chunk, ...], s: bytes) -> bool:
    pos = 0
    last = len(chunks) - 1
    for k, ch in enumerate(chunks):
        final = k == last
        if ch.star and not ch.ops:
            # A trailing star takes the rest of the name unless it has a '/'.
            return s.find(b"/", pos) < 0
        # A star reaches at most up to the next '/' (which a chunk may then start with).
        slash = s.find(b"/", pos) if ch.star else pos
        limit = len(s) if slash < 0 else slash
        if ch.literal is not None:
            lit = ch.literal
            if final:
                at = len(s) - len(lit)
                if pos <= at <= limit and s.endswith(lit):
                    return True
                return False
            at = s.find(lit, pos, limit + len(lit))
            if at < 0:
                return False
            pos = at + len(lit)
            continue
        for at in range(pos, limit + 1):
            end = _go_chunk_at(ch.ops, s, at)
            if end >= 0 and (not final or end == len(s)):
                pos = end
                break
        else:
            return False
    return pos == len(s)


def go_match(pattern: str, name: str) -> tuple[bool, bool]:
    """Go's ``path.Match(pattern, name)`` as (matched, pattern well-formed)."""
    chunks = _go_pattern(pattern)
    if chunks is None:
        return False, False
    return _go_match_bytes(chunks, _utf8(name)), True


def path_match(pattern: str, name: str) -> bool:
    """``path.Match``; a malformed pattern matches nothing."""
    chunks = _go_pattern(pattern)
    return chunks is not None and _go_match_bytes(chunks, _utf8(name))


# -- fnmatch.fnmatchcase ------------------------------------------------------------------


def _fn_class(pattern: str, i: int) -> tuple[_Class, int] | None:
    """The class opening at pattern[i] == '[' as fnmatch reads it, and the index
    after it; None when it is never closed (then '[' is a literal)."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "!":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 1
    if j >= len(pattern):
        return None
    body = pattern[i + 1 : j]
    negated = body.startswith("!")
    if negated:
        body = body[1:]
    ranges: list[tuple[int, int]] = []
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            # A reversed range matches nothing (fnmatch drops it).
            ranges.append((ord(body[k]), ord(body[k + 2])))
            k += 3
        else:
            ranges.append((ord(body[k]), ord(body[k])))
            k += 1
    return (negated, tuple(ranges)), j + 1


class _FnPattern:
    """A pattern split at its runs of stars: head * middle * ... * tail."""

    __slots__ = ("head", "middles", "tail", "star")

    def __init__(self, segments: list[tuple[_Op, ...]]) -> None:
        self.star = len(segments) > 1
        self.head = segments[0]
        self.tail = segments[-1] if self.star else ()
        self.middles = [(ops, _fn_literal(ops)) for ops in segments[1:-1] if ops]


def _fn_literal(ops: tuple[_Op, ...]) -> str | None:
    if _all_literal(ops):
        return "".join(chr(o) for o in ops)
    return None


@functools.lru_cache(maxsize=1024)
def _fn_pattern(pattern: str) -> _FnPattern:
    segments: list[tuple[_Op, ...]] = []
    ops: list[_Op] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            segments.append(tuple(ops))
            ops = []
            while i < len(pattern) and pattern[i] == "*":
                i += 1
        elif c == "?":
            ops.append(None)
            i += 1
        elif c == "[":
            got = _fn_class(pattern, i)
            if got is None:
                ops.append(ord("["))
                i += 1
            else:
                ops.append(got[0])
                i = got[1]
        else:
            ops.append(ord(c))
            i += 1
    segments.append(tuple(ops))
    return _FnPattern(segments)


def _fn_chunk_at(ops: tuple[_Op, ...], s: str, i: int) -> bool:
    if i < 0 or i + len(ops) > len(s):
        return False
    for op in ops:
        o = ord(s[i])
        if isinstance(op, int):
            if o != op:
                return False
        elif op is not None:
            negated, ranges = op
            if any(lo <= o <= hi for lo, hi in ranges) == negated:
                return False
        i += 1
    return True


def file_match(pattern: str, name: str) -> bool:
    """``fnmatch.fnmatchcase(name, pattern)`` without its regular expression.

    Every operator consumes exactly one character, so placing each chunk between
    stars at its leftmost fit is exact: a later placement only leaves less room."""
    p = _fn_pattern(pattern)
    if not p.star:
        return len(name) == len(p.head) and _fn_chunk_at(p.head, name, 0)
    end = len(name) - len(p.tail)
    if end < len(p.head) or not _fn_chunk_at(p.head, name, 0) or not _fn_chunk_at(p.tail, name, end):
        return False
    pos = len(p.head)
    for ops, lit in p.middles:
        last_start = end - len(ops)
        if lit is not None:
            at = name.find(lit, pos, end)
        else:
            at = next((k for k in range(pos, last_start + 1) if _fn_chunk_at(ops, name, k)), -1)
        if at < 0:
            return False
        pos = at + len(ops)
    return True
