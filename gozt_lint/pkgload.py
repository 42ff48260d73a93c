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
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Protocol, runtime_checkable

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
    providers: set[MV] = set()
    done: set[str] = set()
    root_set = set(roots)
    walks = host.shared_walks() if isinstance(host, SharingHost) else None
    if walks is not None and isinstance(host, SharingHost):
        _load_shared(host, walks, roots, root_set, res, done, providers)
    else:
        _walk(host, [(r, True) for r in roots], root_set, res, done, providers)
    if host.spot_check:
        _spot_check(host, providers)
    return res


def _walk(
    host: Host,
    start: list[tuple[str, bool]],
    root_set: set[str],
    res: Result,
    done: set[str],
    providers: set[MV],
    frontier: set[str] | None = None,
) -> None:
    """The loader's breadth-first walk; with ``frontier``, the paths no main module
    could provide are set aside there instead of being loaded."""
    queue: deque[tuple[str, bool]] = deque(start)
    while queue:
        path, is_root = queue.popleft()
        if path in done:
            continue
        if frontier is not None and not any(host.is_main(p) for p in _prefixes(path)):
            frontier.add(path)
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


# -- sharing the walk beyond the main modules between the units of a run ----------------------------
#
# Which packages are loaded, and what each resolves to, does not depend on the order
# of the walk (the first attempt looks at the root requirements alone, the second at
# the whole graph, whenever it is loaded). So a unit's walk can be split: its main
# modules' packages first, then everything they import from other modules (the
# frontier). The second part of one unit is valid for another unit with the same
# frontier, build configuration and go.sum whose root requirements and replacements
# give every path prefix that part looked at the same answer, as long as that part
# only looked at the root requirements and said nothing (no note, no failure, nothing
# missing, ambiguous or unknown): then the other unit makes the same fetches and
# go.mod reads, which are replayed through its own host, in the same order.


@runtime_checkable
class SharingHost(Host, Protocol):
    def shared_walks(self) -> dict[Any, list[SharedWalk]] | None: ...

    def walk_key(self) -> tuple[Any, ...]: ...

    def walk_sums(self) -> Any: ...

    def effect_marks(self) -> tuple[Any, ...]: ...

    def resolve(self, mv: MV) -> tuple[MV, str | None]: ...


class SharedWalk(NamedTuple):
    sums: Any  # the unit's go.sum table
    consulted: dict[str, tuple[str | None, tuple[MV, str | None] | None]]  # prefix -> (root version, resolution)
    ops: list[tuple[bool, MV]]  # (a fetch, else a go.mod read), in order
    providers: dict[str, MV]
    provider_set: set[MV]
    packages: int


class _Tracer:
    """A host that records the fetches and go.mod reads of a walk, and whether it
    asked for the whole graph."""

    def __init__(self, host: SharingHost) -> None:
        self.host = host
        self.lazy = host.lazy
        self.spot_check = host.spot_check
        self.ops: list[tuple[bool, MV]] = []
        self.graph = False

    def main_source(self, path: str) -> Source | None:
        return self.host.main_source(path)

    def root_selected(self, path: str) -> str | None:
        return self.host.root_selected(path)

    def selected(self, path: str) -> str:
        self.graph = True
        return self.host.selected(path)

    def fetch(self, mv: MV) -> Source | Unknown | None:
        self.ops.append((True, mv))
        return self.host.fetch(mv)

    def summary(self, mv: MV) -> Summary | None:
        self.ops.append((False, mv))
        return self.host.summary(mv)

    def is_main(self, path: str) -> bool:
        return self.host.is_main(path)

    def scan(self, src: Source, rel: str, tests: bool) -> imports.Scan | None:
        return self.host.scan(src, rel, tests)


def _consulted(host: SharingHost, paths: Iterable[str]) -> dict[str, tuple[str | None, tuple[MV, str | None] | None]]:
    out: dict[str, tuple[str | None, tuple[MV, str | None] | None]] = {}
    for path in paths:
        for p in _prefixes(path):
            if p in out or is_toolchain(p):
                continue
            v = host.root_selected(p)
            out[p] = (v, host.resolve(MV(p, v)) if v is not None else None)
    return out


def _load_shared(
    host: SharingHost,
    walks: dict[Any, list[SharedWalk]],
    roots: list[str],
    root_set: set[str],
    res: Result,
    done: set[str],
    providers: set[MV],
) -> None:
    frontier: set[str] = set()
    _walk(host, [(r, True) for r in roots], root_set, res, done, providers, frontier)
    key = (frozenset(frontier), host.walk_key())
    sums = host.walk_sums()
    for w in walks.get(key, ()):
        if w.sums is not sums and w.sums != sums:
            continue
        if any(host.is_main(p) for p in w.consulted):
            continue
        if any(
            host.root_selected(p) != v or (r is not None and host.resolve(MV(p, v or "")) != r)  # (v is set when r is)
            for p, (v, r) in w.consulted.items()
        ):
            continue
        for is_fetch, mv in w.ops:
            if is_fetch:
                host.fetch(mv)
            else:
                host.summary(mv)
        res.providers.update(w.providers)
        providers.update(w.provider_set)
        res.packages += w.packages
        return
    # Walk the rest here, recording it for the other units.
    before_done, marks = set(done), host.effect_marks()
    tracer = _Tracer(host)
    part = Result()
    part_providers: set[MV] = set()
    _walk(tracer, [(p, False) for p in sorted(frontier)], root_set, part, done, part_providers)
    res.providers.update(part.providers)
    res.missing += part.missing
    res.ambiguous += part.ambiguous
    for mv, why in part.unknown.items():
        res.unknown.setdefault(mv, why)
    res.errors += part.errors
    res.packages += part.packages
    providers.update(part_providers)
    walked = done - before_done
    clean = not (tracer.graph or part.missing or part.ambiguous or part.unknown or part.errors)
    if not clean or host.effect_marks() != marks or any(host.is_main(m.path) for m in part.providers.values()):
        return
    consulted = _consulted(host, walked)
    if any(v == "" for v, _r in consulted.values()):
        return  # it reached a main module's package
    entries = walks.setdefault(key, [])
    if len(entries) < 4:
        entries.append(SharedWalk(sums, consulted, tracer.ops, dict(part.providers), part_providers, part.packages))


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
