"""The Go installations on this machine and what they claim, for the toolchain family:
GOROOT's release, every other ``go`` on PATH, the module versions installed binaries
were built from; and the one checksum-database session that looks all of them up
together (bounded concurrency, one tree head), shared by :mod:`gozt_lint.goroot`,
:mod:`gozt_lint.binsums` and the hover's :mod:`gozt_lint.lsp.toolchain_provenance`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gozt_lint.release import Session

if TYPE_CHECKING:
    from gozt_lint.buildinfo import Module
    from gozt_lint.context import Context
    from gozt_lint.toolchain import Binary


@dataclass
class Target:
    name: str  # go1.26.8
    goos: str
    goarch: str

    @property
    def platform(self) -> str:
        return f"{self.goos}/{self.goarch}"


def _platform(b: Binary | None) -> tuple[str, str] | None:
    if b is None or b.info is None:
        return None
    goos, goarch = b.info.setting("GOOS"), b.info.setting("GOARCH")
    return (goos, goarch) if goos and goarch else None


def goroot_target(ctx: Context) -> Target | None:
    """The release GOROOT claims to be: VERSION's name, bin/go's platform."""
    from gozt_lint import toolchain

    tc = toolchain.get(ctx)
    if not tc.goroot:
        return None
    name = toolchain.first_word(tc.version_file) or toolchain.first_word(tc.goroot_go.go_version if tc.goroot_go else None)
    plat = _platform(tc.goroot_go)
    if plat is None:
        j = ctx.env.go_json
        if j.get("GOHOSTOS") and j.get("GOHOSTARCH"):
            plat = (j["GOHOSTOS"], j["GOHOSTARCH"])
    if not name or plat is None:
        return None
    return Target(name, *plat)


@dataclass
class PathGo:
    path: str  # as found on PATH
    real: str
    binary: Binary | None
    target: Target | None


def path_gos(ctx: Context) -> list[PathGo]:
    """Every ``go`` on PATH (absolute entries, as exec.LookPath) that is not GOROOT/bin/go."""
    return ctx.once(_path_gos)


def _path_gos(ctx: Context) -> list[PathGo]:
    from gozt_lint import goenv, toolchain

    goroot = ctx.env.goroot
    mine = os.path.join(goroot, "bin", "go") if goroot else None
    out: list[PathGo] = []
    seen: set[str] = set()
    for d in goenv.path_dirs(ctx.environ):
        if not os.path.isabs(d):
            continue
        cand = os.path.join(d, "go")
        if not goenv.is_executable_file(cand):
            continue
        real = os.path.realpath(cand)
        if real in seen:
            continue
        seen.add(real)
        if mine and _same(real, mine):
            continue
        b = toolchain.read_binary(real)
        if b is None or b.info is None or b.info.path != "cmd/go":
            continue  # a launcher or another program: toolchain-mismatch looks at what it runs
        name = toolchain.first_word(b.go_version)
        plat = _platform(b)
        out.append(PathGo(cand, real, b, Target(name, *plat) if name and plat else None))
    return out


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def wanted_releases(ctx: Context) -> list[tuple[str, str, str]]:
    out = []
    t = goroot_target(ctx)
    if t is not None:
        out.append((t.name, t.goos, t.goarch))
    for pg in path_gos(ctx):
        if pg.target is not None:
            out.append((pg.target.name, pg.target.goos, pg.target.goarch))
    return out


def _modules(b: Binary) -> list[Module]:
    if b.info is None:
        return []
    out = []
    main = b.info.main
    if main.path and main.replace is None and main.sum and main.version and main.version != "(devel)":
        out.append(main)
    for dep in b.info.deps:
        m = dep.replace or dep
        if m.sum and m.version and m.sum.startswith("h1:"):
            out.append(m)
    return out


def _binaries(ctx: Context) -> list[Binary]:
    from gozt_lint import toolchain

    return toolchain.installed_binaries(ctx)


def _enabled(ctx: Context) -> bool:
    return ctx.env.get("GOSUMDB") != "off"


def wanted(ctx: Context) -> list[tuple[str, str]]:
    """The module versions installed binaries name, that the database may be asked about."""
    from gozt_lint.sumdb.check import uses_sumdb

    if not _enabled(ctx):
        return []
    nosumdb = ctx.env.get("GONOSUMDB")
    keys: dict[tuple[str, str], None] = {}
    for b in ctx.once(_binaries):
        for m in _modules(b):
            if uses_sumdb(m.path, nosumdb):
                keys[(m.path, m.version)] = None
    return list(keys)


def session(ctx: Context) -> Session:
    """The run's session with every lookup the toolchain family needs done and settled."""
    return ctx.once(_session)


def _session(ctx: Context) -> Session:
    s = Session(ctx)
    for name, goos, goarch in wanted_releases(ctx):
        s.release(name, goos, goarch)
    s.modules(wanted(ctx))
    s.settle()
    for n in s.notes:
        ctx.note(n)
    return s
