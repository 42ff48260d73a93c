"""Rules of the gosum family: go.sum and go.work.sum files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from gozt_lint import module as mod
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.registry import rule
from gozt_lint.sumfile import is_h1

if TYPE_CHECKING:
    from gozt_lint.context import Context, Unit
    from gozt_lint.sumfile import SumFile, SumLine


def _sums(ctx: Context) -> Iterator[tuple[Unit, SumFile]]:
    for u in ctx.units:
        sf = ctx.sumfile(u)
        if sf is not None:
            yield u, sf


@rule("gosum-syntax", Severity.ERROR, "a go.sum or go.work.sum line the go command cannot use")
def gosum_syntax(ctx: Context) -> Iterator[Finding]:
    for _, sf in _sums(ctx):
        for e in sf.errors:
            yield finding(e.message, file=sf.path, span=e.span)
        for ln in sf.lines:
            why = mod.check_canonical(ln.path, ln.version)
            if why:
                yield finding(why, file=sf.path, span=ln.span, module=ln.path, version=ln.version)
            elif ln.hash.startswith("h1:") and not is_h1(ln.hash):
                yield finding(
                    f"malformed h1 hash {mod.quote(ln.hash)}: want h1: and the base64 of 32 bytes",
                    file=sf.path, span=ln.hash_span, module=ln.path, version=ln.version,
                )
            elif ":" not in ln.hash:
                yield finding(
                    f"malformed hash {mod.quote(ln.hash)}: want <algorithm>:<base64>, such as h1:…",
                    file=sf.path, span=ln.hash_span, module=ln.path, version=ln.version,
                )


@rule("gosum-unknown-algorithm", Severity.WARNING, "a go.sum hash uses an algorithm other than h1")
def gosum_unknown_algorithm(ctx: Context) -> Iterator[Finding]:
    for _, sf in _sums(ctx):
        for ln in sf.lines:
            if ":" in ln.hash and not ln.hash.startswith("h1:"):
                yield finding(
                    f"unknown hash algorithm {mod.quote(ln.algorithm)} for {ln.path} {ln.key[1]}: the go command "
                    "cannot check it and, lacking an h1 hash, treats the line as missing",
                    file=sf.path, span=ln.hash_span, module=ln.path, version=ln.version,
                )


def _workspace_sums(ctx: Context, w: Unit) -> list[Path]:
    """The sum files the go command reads in workspace ``w``: go.work.sum and every
    used module's go.sum."""
    from gozt_lint.sumneeds import workspace_modules

    return [w.sum] + [mu.sum for mu, _ in workspace_modules(ctx, w)]


@rule("gosum-conflict", Severity.ERROR, "one module version has two different hashes")
def gosum_conflict(ctx: Context) -> Iterator[Finding]:
    # Within each file, and across every sum file in the run: a module version has
    # exactly one content, so two h1 values for one key mean one of them is wrong.
    from gozt_lint.sumneeds import workspace_modules

    files: list[SumFile] = [sf for _, sf in _sums(ctx)]
    for w in ctx.workspaces:
        for mu, _ in workspace_modules(ctx, w):
            sf = ctx.sumfile(mu)
            if sf is not None and all(f.path != sf.path for f in files):
                files.append(sf)
    seen: dict[tuple[str, str], tuple[str, SumLine]] = {}
    for sf in sorted(files, key=lambda f: (not f.path.endswith("go.work.sum"), f.path)):
        for ln in sf.lines:
            if not ln.usable or not is_h1(ln.hash):
                continue
            first = seen.get(ln.key)
            if first is None:
                seen[ln.key] = (sf.path, ln)
                continue
            other_file, other = first
            if other.hash == ln.hash:
                continue
            where = f"line {other.line}" if other_file == sf.path else f"{other_file}:{other.line}"
            yield finding(
                f"{ln.path} {ln.key[1]} has two different hashes: {ln.hash} here, {other.hash} at {where}; "
                "at most one of them is the module's real content",
                file=sf.path, span=ln.hash_span, module=ln.path, version=ln.version,
                other_file=other_file, other_line=other.line, other_hash=other.hash,
            )


@rule("gosum-missing", Severity.ERROR, "a required module lacks its go.sum lines")
def gosum_missing(ctx: Context) -> Iterator[Finding]:
    from gozt_lint.sumneeds import needed_sums, workspace_modules, workspace_of
    from gozt_lint.vendor import builds_from_vendor

    # A module is checked in the workspace the go command uses in its directory: a
    # go.work in the run that uses it, else the one the go command finds there
    # (GOWORK, or the nearest go.work upward), as when pre-commit passes only go.mod.
    in_workspace: dict[str, Unit] = {}
    for ws in ctx.workspaces:
        for mu, _ in workspace_modules(ctx, ws):
            in_workspace.setdefault(os.path.normpath(mu.main), ws)

    judged = False
    for u in ctx.units:
        mf = ctx.modfile(u)
        if mf is None:
            continue
        w = u if u.kind == "work" else in_workspace.get(os.path.normpath(u.main)) or workspace_of(ctx, u)
        wmf = ctx.modfile(w) if w is not None else None
        if w is not None and wmf is not None and builds_from_vendor(ctx, w, wmf):
            ctx.note(f"gosum-missing: {w.main} builds from its vendor/ directory (-mod=vendor), which never reads go.sum; not checked")
            continue
        if w is None:
            if builds_from_vendor(ctx, u, mf):
                ctx.note(f"gosum-missing: {u.main} is built from vendor/ (-mod=vendor), which never reads go.sum; not checked")
                continue
            needs, sum_paths = needed_sums(ctx, u), [u.sum]
        else:
            # The workspace's needs (its replacements, its selected versions), those of this
            # file; needs the graph pins on the go.work itself go with it, or with each of its
            # modules when the go.work is not part of the run.
            files = {os.path.normpath(u.main)} | ({os.path.normpath(w.main)} if w is not u and w not in ctx.units else set())
            needs = [n for n in needed_sums(ctx, w) if w is u or os.path.normpath(n.file) in files]
            sum_paths = _workspace_sums(ctx, w)
        if mf.require or u.kind == "work":
            judged = True
        if not needs:
            continue
        have: set[tuple[str, str]] = set()
        any_file = False
        for p in sum_paths:
            sf = ctx.sumfile(_unit_of_sum(u, p))
            if sf is None:
                continue
            any_file = True
            have.update(ln.key for ln in sf.lines if ln.usable)
        for n in needs:
            if n.key in have:
                continue
            what = "its go.mod" if n.gomod else "its content (the zip)"
            absent = "" if any_file else f" ({Path(sum_paths[0]).name} does not exist)"
            yield finding(
                f"missing go.sum line `{n.line_text} h1:…` for {what}{absent}: {n.why}; "
                "the go command refuses to build (missing go.sum entry)",
                file=n.file, span=n.span, module=n.path, version=n.version, sum_line=n.line_text,
            )
    if judged and not ctx.deep:
        ctx.note(
            "gosum-missing: judged from go.mod alone (the module graph was not loaded): lines needed deeper in the "
            "graph are not checked, and a requirement no build reads may be reported; `gozt-lint --all` gives the "
            "exact set `go build ./...` and `go test ./...` need"
        )


def _unit_of_sum(u: Unit, p: Path) -> Unit:
    from gozt_lint.context import Unit as U

    if p.name == "go.work.sum":
        return U("work", p.parent, p.parent / "go.work", p)
    return U("mod", p.parent, p.parent / (p.name[:-4] + ".mod"), p)
