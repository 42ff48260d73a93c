"""Which go.sum lines a module (or a workspace) needs.

The go command demands (under the default ``-mod=readonly``) a ``<path>
<version>/go.mod`` line for every go.mod it reads while it loads the module graph
and the packages, and a ``<path> <version>`` line (the zip) for every module it
fetches. In a deep run (``ctx.deep``) :func:`needed_sums` takes exactly those from
the module graph computed in Python (:mod:`gozt_lint.graph`). Otherwise (the
pre-commit hook, the editor while typing) it states what is certain from go.mod
alone:

- every requirement, after replacement, needs its ``/go.mod`` line; a
  requirement replaced by a local directory needs none (nothing is downloaded);
- a direct requirement (no ``// indirect``) of a module at ``go 1.17`` or later
  also needs its zip line: since 1.17 go.mod lists exactly the modules that
  provide packages, and a direct one provides packages to the main module.

Requirements on versions the go.mod excludes are skipped (the go command
moves to another version), as are toolchain pseudo-modules (``go``,
``toolchain``), which never have go.sum lines.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gozt_lint import gover
from gozt_lint.finding import Span

if TYPE_CHECKING:
    from gozt_lint import graph as graph_mod
    from gozt_lint.context import Context, Unit
    from gozt_lint.modfile import ModFile, Require

# Since this go version go.mod lists every module that provides packages
# (graph pruning; gover.ExplicitIndirectVersion in the go command).
EXPLICIT_INDIRECT = "1.17"


class Need(NamedTuple):
    path: str  # the module whose hash is needed (after replacement)
    version: str
    gomod: bool  # the "/go.mod" line (else the zip line)
    file: str  # the go.mod that creates the need
    span: Span  # its require line
    required_path: str  # the requirement as written (differs when replaced)
    required_version: str
    why: str  # a short reason, for messages

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.version + "/go.mod" if self.gomod else self.version)

    @property
    def line_text(self) -> str:
        return f"{self.path} {self.version}{'/go.mod' if self.gomod else ''}"


def _needs_of(mf: ModFile, extra_replace: ModFile | None = None) -> list[Need]:
    out: list[Need] = []
    excluded = {(x.path, x.version) for x in mf.exclude}
    go = mf.go.version if mf.go is not None else "1.16"
    zip_rule = gover.compare(go, EXPLICIT_INDIRECT) >= 0
    for r in mf.require:
        if r.path in ("go", "toolchain") or (r.path, r.version) in excluded:
            continue
        target = _target(r, mf, extra_replace)
        if target is None:
            continue  # replaced by a directory
        path, version = target
        replaced = (path, version) != (r.path, r.version)
        via = f" (the replacement of {r.path} {r.version})" if replaced else ""
        out.append(Need(path, version, True, mf.path, r.span, r.path, r.version, f"its go.mod is read to build the module graph{via}"))
        if zip_rule and not r.indirect:
            out.append(Need(path, version, False, mf.path, r.span, r.path, r.version, f"a direct requirement of a go {go} module provides packages{via}"))
    return out


def _target(r: Require, mf: ModFile, extra: ModFile | None) -> tuple[str, str] | None:
    # A go.work's replacements override the module's own.
    rep = (extra.replacement(r.path, r.version) if extra is not None else None) or mf.replacement(r.path, r.version)
    if rep is None:
        return (r.path, r.version)
    if rep.new_version is None:
        return None
    return (rep.new_path, rep.new_version)


def needed_sums(ctx: Context, unit: Unit) -> list[Need]:
    """The go.sum lines ``unit`` needs (a module: its own requirements; a workspace:
    the requirements of every module it uses, with the go.work's replacements).
    In a deep run (``ctx.deep``) the module graph decides (see :func:`_with_graph`).
    Empty when the go.mod/go.work is missing or has syntax errors."""
    mf = ctx.modfile(unit)
    if mf is None or not mf.syntax_ok:
        return []
    if unit.kind == "mod":
        return _with_graph(ctx, unit, mf, _needs_of(mf), [mf])
    out: list[Need] = []
    mods = workspace_modules(ctx, unit)
    local = {m.module.path for _, m in mods if m.module is not None}
    for _, mod_mf in mods:
        if mod_mf.syntax_ok:
            out.extend(n for n in _needs_of(mod_mf, mf) if n.required_path not in local)
    return _with_graph(ctx, unit, mf, _selected_zips_only(out), [m for _, m in mods if m.syntax_ok])


def _selected_zips_only(needs: list[Need]) -> list[Need]:
    """A workspace builds each module at one version, at least the highest its
    modules require (MVS), so only that version's zip can be needed; a lower
    requirement needs just its /go.mod line (its go.mod is still read)."""
    from gozt_lint import module as mod

    top: dict[str, str] = {}
    for n in needs:
        if n.path not in top or mod.compare(n.version, top[n.path]) > 0:
            top[n.path] = n.version
    return [n for n in needs if n.gomod or n.version == top[n.path]]


def workspace_of(ctx: Context, unit: Unit) -> Unit | None:
    """The go.work the go command uses in a module's directory (GOWORK, else the
    nearest upward), when it uses that module; None in single-module mode."""
    from gozt_lint.context import unit_for

    if unit.kind != "mod" or unit.main.name != "go.mod":
        return None
    gowork = ctx.active_gowork(unit.dir)
    w = unit_for(gowork) if gowork is not None else None
    if w is None or w.kind != "work":
        return None
    if any(os.path.normpath(mu.main) == os.path.normpath(unit.main) for mu, _ in workspace_modules(ctx, w)):
        return w
    return None


def _with_graph(ctx: Context, unit: Unit, mf: ModFile, needs: list[Need], modfiles: list[ModFile]) -> list[Need]:
    """In a deep run the module graph is loaded (gozt_lint.graph, computed in Python
    from the verified cache) and the needs are exactly the go.sum lines ``go build
    ./...`` and ``go test ./...`` would demand: the go.mod files they read and the
    modules they fetch. When part of the graph could not be read, those certain needs
    are joined with the go.mod-only ones (and a note says what was missing)."""
    if not ctx.deep:
        return needs
    from gozt_lint import graph

    g = graph.get(ctx, unit)
    if g is None or g.needed_gomod is None or g.needed_zip is None:
        return needs
    anchor_file = mf.path
    anchor = _anchor_span(mf)
    spans: dict[str, tuple[str, Span, str, str]] = {}
    for m in modfiles:
        for r in m.require:
            spans.setdefault(r.path, (m.path, r.span, r.path, r.version))
            target = _target(r, m, mf if unit.kind == "work" else None)
            if target is not None:
                spans.setdefault(target[0], (m.path, r.span, r.path, r.version))
    config = g.build_config
    out: list[Need] = []
    for key in sorted(g.needed_gomod):
        path, version = key[0], key[1][: -len("/go.mod")]
        file, span, rpath, rversion = spans.get(path, (anchor_file, anchor, path, version))
        out.append(Need(path, version, True, file, span, rpath, rversion, _gomod_why(g, key)))
    for key in sorted(g.needed_zip):
        path, version = key
        file, span, rpath, rversion = spans.get(path, (anchor_file, anchor, path, version))
        out.append(Need(path, version, False, file, span, rpath, rversion, _zip_why(g, key, config)))
    if g.complete:
        return out
    known = {n.key for n in out}
    return out + [n for n in needs if n.key not in known]


def _anchor_span(mf: ModFile) -> Span:
    if mf.module is not None:
        return mf.module.span
    if mf.go is not None:
        return mf.go.span
    return Span(1, 1, 1, 1)


def _gomod_why(g: graph_mod.Graph, key: tuple[str, str]) -> str:
    how = g.provenance.get(key, "")
    extra = ""
    if how.startswith("unverified"):
        extra = f" ({how})"
    elif how.startswith("missing"):
        extra = f" (not in the module cache, so it was not read here: {how[len('missing: '):]})"
    return f"`go build`/`go test` read its go.mod while loading the module graph and packages{extra}"


def _zip_why(g: graph_mod.Graph, key: tuple[str, str], config: str) -> str:
    how = g.provenance.get(key, "")
    extra = ""
    if how.startswith("unverified"):
        extra = f"; its packages were read from {how}"
    elif how.startswith("missing"):
        extra = f"; its packages could not be read ({how[len('missing: '):]})"
    role = "provides" if key in g.providers else "could provide (its path is a prefix of)"
    return f"it {role} a package that `go build`/`go test` load for {config}{extra}"


def workspace_modules(ctx: Context, unit: Unit) -> list[tuple[Unit, ModFile]]:
    """The (unit, parsed go.mod) of each directory a go.work uses."""
    from gozt_lint.context import unit_for

    mf = ctx.modfile(unit)
    if mf is None:
        return []
    out = []
    for u in mf.use:
        d = Path(os.path.normpath(unit.dir / u.dir))
        mu = unit_for(d / "go.mod")
        if mu is None:
            continue
        parsed = ctx.modfile(mu)
        if parsed is not None:
            out.append((mu, parsed))
    return out


