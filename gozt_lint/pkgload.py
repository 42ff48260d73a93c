"""Which modules provide the packages ``go build ./...`` and ``go test ./...`` load.

This follows modload's package loader (loadFromRoots, importFromModules) for the
questions that decide go.sum lines, not for building:

- the roots are the main modules' packages that ``./...`` matches, with their
  tests; every import is followed through the non-test files of the package that
  provides it (a dependency's own tests are never loaded);
- an import path is looked up in every module whose path is a prefix of it: each
  such module is fetched (its zip line is needed, even when it turns out not to
  hold the package: that is how an ambiguous import is ruled out), and the one
  module that has Go files in the package's directory provides it (its go.mod is
  then read: another go.mod line);
- with graph pruning (a main module at go 1.17 or later) only the root
  requirements are looked at first; the full module graph is loaded when an
  import is not found there or when a providing module's go.mod requires a
  higher version of a root than go.mod selects (the spot check). An unpruned main
  module loads the full graph first; a workspace looks only at its own modules
  before loading its graph.

The module graph itself lives in :mod:`gozt_lint.graph` (the :class:`Host` here).
"""

from __future__ import annotations

import functools
from collections import deque
from typing import TYPE_CHECKING, NamedTuple, Protocol

from gozt_lint import imports
from gozt_lint.modsource import FILE, Source
from gozt_lint.mvs import MV, cmp_version, is_toolchain

if TYPE_CHECKING:
    from gozt_lint.mvs import Summary


class Unknown(NamedTuple):
    """A module version whose content is not available (not in the cache)."""

    mv: MV
    why: str


class Host(Protocol):
    lazy: bool  # packages are looked up among the roots before the full graph is loaded
    spot_check: bool  # single-module graph pruning: check providers' requirements

    def main_source(self, path: str) -> Source | None: ...

    def root_selected(self, path: str) -> str | None: ...

    def selected(self, path: str) -> str: ...

    def fetch(self, mv: MV) -> Source | Unknown | None: ...

    def summary(self, mv: MV) -> Summary | None: ...

    def is_main(self, path: str) -> bool: ...

    def scan(self, src: Source, rel: str, tests: bool) -> imports.Scan | None: ...


class Result:
    def __init__(self) -> None:
        self.providers: dict[str, MV] = {}  # package path -> module (main modules too)
        self.missing: list[str] = []  # imports no module provides (the build fails anyway)
        self.ambiguous: list[str] = []
        self.unknown: dict[MV, str] = {}  # modules whose content could not be read
        self.errors: list[str] = []  # packages the go command cannot read
        self.packages = 0


@functools.lru_cache(maxsize=1 << 14)  # pure; the units of a monorepo import the same paths
def _prefixes(path: str) -> tuple[str, ...]:
    out = []
    p = path
    while p and p != ".":
        out.append(p)
        i = p.rfind("/")
        if i < 0:
            break
        p = p[:i]
    return tuple(out)


def _rel(path: str, mpath: str) -> str | None:
    if path == mpath:
        return ""
    if path.startswith(mpath + "/"):
        return path[len(mpath) + 1 :]
    return None


def has_go_files(src: Source, rel: str) -> bool:
    """dirInModule: the package directory exists in the module and holds a .go file
    (any name, any constraints); in a directory of the checkout, a go.mod between
    the module root and the package ends the module before it."""
    memo = src.go_dirs
    if memo is None:
        memo = src.go_dirs = {}
    try:
        return memo[rel]
    except KeyError:
        got = memo[rel] = _has_go_files(src, rel)
        return got


def _has_go_files(src: Source, rel: str) -> bool:
    if src.local:
        parts = rel.split("/") if rel else []
        for i in range(len(parts), 0, -1):
            ents = src.entries("/".join(parts[:i]))
            if ents is not None and ents.get("go.mod") == FILE:
                return False
    ents = src.entries(rel)
    if ents is None:
        return False
    return any(kind == FILE and name.endswith(".go") for name, kind in ents.items())


def _is_std(path: str) -> bool:
    first = path.split("/", 1)[0]
    return "." not in first


def load(host: Host, roots: list[str]) -> Result:
    """Load ``roots`` (import paths of main-module packages) with their tests, and
    everything they import."""
    res = Result()
    queue: deque[tuple[str, bool]] = deque((r, True) for r in roots)
    done: set[str] = set()
    root_set = set(roots)
    providers: set[MV] = set()
    while queue:
        path, is_root = queue.popleft()
        if path in done:
            continue
        done.add(path)
        found = _import(host, path, res)
        if found is None:
            continue
        mv, src, rel = found
        res.providers[path] = mv
        if not host.is_main(mv.path):
            providers.add(mv)
        if src is None:
            continue  # content unknown: its imports cannot be followed
        scan = host.scan(src, rel, is_root)
        if scan is None:
            continue
        if scan.error:
            res.errors.append(f"{path}: {scan.error}")
            continue
        res.packages += 1
        for imp in scan.imports:
            if imp not in done:
                queue.append((imp, imp in root_set))
        if is_root:
            for imp in scan.test_imports:
                if imp not in done:
                    queue.append((imp, imp in root_set))
    if host.spot_check:
        _spot_check(host, providers)
    return res


def _import(host: Host, path: str, res: Result) -> tuple[MV, Source | None, str] | None:
    """importFromModules: the module providing ``path`` and where its files are."""
    attempts = (False, True) if host.lazy else (True,)
    for use_graph in attempts:
        found: list[tuple[MV, Source | None, str]] = []
        unknown: list[tuple[MV, str]] = []
        for prefix in _prefixes(path):
            if is_toolchain(prefix):
                continue
            if use_graph:
                v = host.selected(prefix)
                if v == "none":
                    continue
            else:
                rv = host.root_selected(prefix)
                if rv is None:
                    continue
                v = rv
            mv = MV(prefix, v)
            rel = _rel(path, prefix) or ""
            src = host.fetch(mv)
            if isinstance(src, Unknown):
                unknown.append((mv, rel))
                res.unknown.setdefault(src.mv, src.why)
                continue
            if src is None:
                continue
            if has_go_files(src, rel):
                found.append((mv, src, rel))
        if len(found) > 1:
            res.ambiguous.append(path)
            return None
        if len(found) == 1:
            mv, src, rel = found[0]
            if not host.is_main(mv.path):
                host.summary(mv)  # the go version to compile with: its go.mod is read
            return found[0]
        if unknown:
            # It may be in a module we cannot read: assume the longest candidate (the
            # go command would have fetched it), without its imports.
            mv, rel = unknown[0]
            if not host.is_main(mv.path):
                host.summary(mv)
            return (mv, None, rel)
        if _is_std(path):
            return None  # the standard library (or a path no module could hold)
    res.missing.append(path)
    return None


def _spot_check(host: Host, providers: set[MV]) -> None:
    """updatePrunedRoots' spot check: a providing module requiring a higher version
    of a root than go.mod selects makes the go command load the full graph."""
    for mv in sorted(providers):
        s = host.summary(mv)
        if s is None:
            continue
        for r in s.requires:
            v = host.root_selected(r.path)
            if v is not None and cmp_version(r.path, v, r.version) < 0:
                host.selected(r.path)  # loads the full graph
                return
