"""Reparse an edited go.sum by reusing the lines an edit did not touch.

go.sum lines are independent of each other, so after an edit only the changed
middle needs :func:`gozt_lint.sumfile.parse_gosum`; the unchanged prefix keeps its
parsed lines as they are, and the unchanged suffix keeps them too when the line
count did not change (otherwise it is renumbered). The result equals a full parse
(a property test checks it); on a 3,000-line go.sum a keystroke costs a few lines
of parsing instead of all of them.

:class:`EditorContext` is the core :class:`~gozt_lint.context.Context` with this
parser plugged into its go.sum reading, unchanged go.mod parses reused and the Go
environment kept for a while; nothing else changes.
"""

from __future__ import annotations

import threading
import time
from typing import Any, TypeVar

from gozt_lint.context import Context, Unit
from gozt_lint.fileio import MAX_GOMOD
from gozt_lint.finding import Span
from gozt_lint.sumfile import SumError, SumFile, SumLine, parse_gosum

_T = TypeVar("_T")


def _moved(obj: _T, **changes: Any) -> _T:
    """A copy with some fields changed: ``_replace`` for a NamedTuple; for a frozen
    dataclass, without the generated __init__ (its object.__setattr__ calls
    dominate renumbering thousands of lines)."""
    replace = getattr(obj, "_replace", None)
    if replace is not None:
        return replace(**changes)
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


def _shift_span(s: Span, by: int) -> Span:
    return _moved(s, line=s.line + by, end_line=s.end_line + by)


def _shift_line(ln: SumLine, by: int) -> SumLine:
    return _moved(ln, line=ln.line + by, span=_shift_span(ln.span, by), hash_span=_shift_span(ln.hash_span, by))


def _shift_error(e: SumError, by: int) -> SumError:
    return _moved(e, line=e.line + by, span=_shift_span(e.span, by))


class SumCache:
    """What the editor's checks keep between keystrokes: the last parse of each
    go.sum buffer (for :func:`reparse`), the last parse of each go.mod/go.work
    (reused while its bytes are unchanged) and the Go environment (``go env`` is a
    subprocess: refreshed at most every ``env_ttl`` seconds)."""

    def __init__(self, env_ttl: float = 30.0) -> None:
        self._last: dict[str, tuple[list[str], SumFile]] = {}
        self._mods: dict[str, tuple[str, bytes, Any]] = {}
        self._env: dict[Any, tuple[float, Any]] = {}
        self.env_ttl = env_ttl
        self._lock = threading.Lock()

    def parse(self, path: str, data: bytes) -> SumFile:
        with self._lock:
            prev = self._last.get(path)
        raw, sf = reparse(path, data, prev)
        with self._lock:
            self._last[path] = (raw, sf)
        return sf

    def modfile(self, kind: str, path: str, data: bytes) -> Any:
        with self._lock:
            hit = self._mods.get(path)
        if hit is not None and hit[0] == kind and hit[1] == data:
            return hit[2]
        from gozt_lint import modfile

        parsed = (modfile.parse_gowork if kind == "work" else modfile.parse_gomod)(path, data)
        with self._lock:
            self._mods[path] = (kind, data, parsed)
        return parsed

    def env(self, ctx: Context) -> Any:
        from gozt_lint.context import load_env

        key = (ctx.options.go, tuple(sorted(ctx.environ.items())))
        now = time.monotonic()
        with self._lock:
            hit = self._env.get(key)
        if hit is not None and now - hit[0] < self.env_ttl:
            return hit[1]
        value = load_env(ctx)
        with self._lock:
            self._env = {key: (now, value)}
        return value

    def forget(self, path: str | None = None) -> None:
        """Drop what is kept for ``path`` (everything, environment included, if None)."""
        with self._lock:
            if path is None:
                self._last.clear()
                self._mods.clear()
                self._env.clear()
            else:
                self._last.pop(path, None)
                self._mods.pop(path, None)


def reparse(path: str, data: bytes, prev: tuple[list[str], SumFile] | None) -> tuple[list[str], SumFile]:
    """(raw lines, parsed file) of ``data``, reusing ``prev`` (an earlier result)."""
    text = data.decode("utf-8", errors="surrogateescape")
    raw = text.split("\n")
    if prev is None or prev[1].path != path:
        return raw, parse_gosum(path, data)
    old_raw, old = prev
    n = min(len(raw), len(old_raw))
    p = 0
    while p < n and raw[p] == old_raw[p]:
        p += 1
    q = 0
    while q < n - p and raw[-1 - q] == old_raw[-1 - q]:
        q += 1
    delta = len(raw) - len(old_raw)
    # 1-based: lines 1..p are the same; the new file's lines after mid_end are the
    # old file's lines after old_mid_end, moved by delta.
    mid_end = len(raw) - q
    old_mid_end = len(old_raw) - q
    mid = parse_gosum(path, "\n".join(raw[p:mid_end]).encode("utf-8", errors="surrogateescape")) if mid_end > p else SumFile(path)

    def region(items: list[Any], make_mid: Any, shift: Any) -> list[Any]:
        out = [x for x in items if x.line <= p]
        out += [shift(x, p) for x in make_mid]
        tail = [x for x in items if x.line > old_mid_end]
        out += tail if delta == 0 else [shift(x, delta) for x in tail]
        return out

    sf = SumFile(path=path)
    sf.lines = region(old.lines, mid.lines, _shift_line)
    sf.errors = region(old.errors, mid.errors, _shift_error)
    sf.crlf = "\r\n" in text
    return raw, sf


class EditorContext(Context):
    """A Context that reuses what :class:`SumCache` kept from the previous check:
    go.sum parses (incrementally), unchanged go.mod/go.work parses, the Go
    environment. Rules see exactly what a fresh Context would give them."""

    def __init__(self, *args: Any, sum_cache: SumCache | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sum_cache = sum_cache

    def modfile(self, unit: Unit) -> Any:
        if self._sum_cache is None:
            return super().modfile(unit)
        key = ("main", str(unit.main))
        with self._lock:
            if key not in self._parsed:
                data = self.read(unit.main, MAX_GOMOD)
                self._parsed[key] = None if data is None else self._sum_cache.modfile(unit.kind, str(unit.main), data)
            return self._parsed[key]

    def once(self, fn: Any) -> Any:
        from gozt_lint.context import load_env

        if self._sum_cache is None or fn is not load_env:
            return super().once(fn)
        # The Go environment (a `go env` subprocess) comes from the cache.
        with self._lock:
            if fn in self._memo:
                return self._memo[fn]
        value = self._sum_cache.env(self)
        with self._lock:
            return self._memo.setdefault(fn, value)

    def sumfile(self, unit: Unit) -> SumFile | None:
        if self._sum_cache is None:
            return super().sumfile(unit)
        key = ("sum", str(unit.sum))
        with self._lock:
            if key not in self._parsed:
                data = self.read(unit.sum)
                self._parsed[key] = None if data is None else self._sum_cache.parse(str(unit.sum), data)
            return self._parsed[key]
