"""Minimal version selection over a requirement graph (cmd/go/internal/mvs.Graph).

A :class:`Graph` records, for each module version whose go.mod was read, the
versions it requires; the selected version of a path is the highest version of
it that appears anywhere in the graph, as a root or as a requirement (read or
not). Main modules have the empty version, which sorts above every other;
"none" sorts below every other. ``go`` and ``toolchain`` are the pseudo-modules
through which go.mod files require Go versions: they order as Go versions.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple  # noqa: F401

from gozt_lint import gover
from gozt_lint import module as mod

TOOLCHAIN_PATHS = ("go", "toolchain")


class MV(NamedTuple):
    """A module version (module.Version); version "" is a main module."""

    path: str
    version: str

    def __str__(self) -> str:
        return f"{self.path}@{self.version}" if self.version else self.path


def is_toolchain(path: str) -> bool:
    return path in TOOLCHAIN_PATHS


def _toolchain_version(v: str) -> str:
    return v if gover.is_valid(v) else gover.from_toolchain(v)


def mod_compare(path: str, x: str, y: str) -> int:
    """gover.ModCompare: Go-version order for go/toolchain, semver for the rest."""
    if path == "go":
        return gover.compare(x, y)
    if path == "toolchain":
        return gover.compare(_toolchain_version(x), _toolchain_version(y))
    return mod.compare(x, y)


def cmp_version(path: str, v1: str, v2: str) -> int:
    """modload.cmpVersion: the main module's "" above everything."""
    if v2 == "":
        return 0 if v1 == "" else -1
    if v1 == "":
        return 1
    return mod_compare(path, v1, v2)


@functools.lru_cache(maxsize=1 << 16)
def _semver_key(v: str) -> tuple[object, ...]:
    """A tuple that orders as semver.Compare (invalid versions first, all equal)."""
    p = mod._parse(v)
    if p is None:
        return (0,)
    maj, mnr, pat, pre, _build = p
    if pre:
        ids = tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre[1:].split("."))
        pk: tuple[object, ...] = (0, ids)
    else:
        pk = (1, ())
    return (1, int(maj), int(mnr), int(pat), pk)


_GO_KEY = functools.cmp_to_key(gover.compare)


def version_key(path: str, v: str) -> tuple[object, ...]:
    """A key ordering the versions of one path as :func:`cmp_version` does."""
    if v == "":
        return (3,)
    if path == "go":
        return (1, _GO_KEY(v))
    if path == "toolchain":
        return (1, _GO_KEY(_toolchain_version(v)))
    return _semver_key(v)


def sort_key(m: MV) -> tuple[str, object]:
    """gover.ModSort order: by path, then version."""
    return (m.path, version_key(m.path, m.version))


def mod_sort(ms: Iterable[MV]) -> list[MV]:
    return sorted(ms, key=sort_key)


_NONE = (0,)  # "none": below every version (and equal to an invalid one, as semver.Compare)


class Graph:
    def __init__(self, roots: Iterable[MV]) -> None:
        self.roots = list(roots)
        self.required: dict[MV, list[MV]] = {}
        self.is_root: dict[MV, bool] = {}
        self._selected: dict[str, str] = {}
        self._keys: dict[str, tuple[object, ...]] = {}
        for m in self.roots:
            self.is_root[m] = True
            self._raise(m)

    def _raise(self, m: MV) -> None:
        k = version_key(m.path, m.version)
        if k > self._keys.get(m.path, _NONE):
            self._keys[m.path] = k
            self._selected[m.path] = m.version

    def require(self, m: MV, reqs: list[MV]) -> None:
        if m not in self.is_root:
            raise ValueError(f"{m} is not reachable from any root")
        if m in self.required:
            raise ValueError(f"requirements of {m} have already been set")
        self.required[m] = reqs
        is_root, keys, selected = self.is_root, self._keys, self._selected
        for dep in reqs:
            if dep not in is_root:
                is_root[dep] = False
            path = dep.path
            k = version_key(path, dep.version)
            if k > keys.get(path, _NONE):
                keys[path] = k
                selected[path] = dep.version

    def required_by(self, m: MV) -> list[MV] | None:
        return self.required.get(m)

    def selected(self, path: str) -> str:
        return self._selected.get(path, "none")

    def build_list(self) -> list[MV]:
        """The roots' paths first (in root order), then every other selected path, sorted."""
        seen: set[str] = set()
        out: list[MV] = []
        for r in self.roots:
            if r.path in seen:
                continue
            seen.add(r.path)
            v = self.selected(r.path)
            if v != "none":
                out.append(MV(r.path, v))
        rest = [MV(p, v) for p, v in self._selected.items() if p not in seen]
        return out + mod_sort(rest)

    def walk_breadth_first(self) -> list[MV]:
        """Every module version in the graph other than "none", roots first."""
        q: deque[MV] = deque()
        seen: set[MV] = set()
        for m in self.roots:
            if m.version != "none" and m not in seen:
                q.append(m)
                seen.add(m)
        out = []
        while q:
            m = q.popleft()
            out.append(m)
            for r in self.required.get(m, ()):
                if r not in seen and r.version != "none":
                    seen.add(r)
                    q.append(r)
        return out

    def find_path(self, pred: Callable[[MV], bool]) -> list[MV]:
        """A shortest requirement path from a root to a module version for which
        ``pred`` holds (for messages: "a requires b requires c")."""
        first: dict[MV, MV | None] = {m: None for m in self.roots}
        q: deque[MV] = deque(self.roots)
        while q:
            m = q.popleft()
            if pred(m):
                path = [m]
                while (prev := first.get(path[-1])) is not None:
                    path.append(prev)
                return path[::-1]
            for r in self.required.get(m, ()):
                if r not in first:
                    first[r] = m
                    q.append(r)
        return []


@dataclass(frozen=True)
class Summary:
    """What the graph reads from a go.mod (modload.modFileSummary)."""

    module: str
    go: str | None
    toolchain: str | None
    requires: tuple[MV, ...]  # with the go pseudo-requirement from go 1.21 on
    pruned: bool
