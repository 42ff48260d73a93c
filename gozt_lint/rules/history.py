"""Rules of the history family: go.sum lines against their earlier selves in git.

What is compared with what (staged vs HEAD, working tree vs a base ref) is
decided in :mod:`gozt_lint.history`; these rules only judge the two versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from gozt_lint import history
from gozt_lint.errors import GoztError
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.registry import rule
from gozt_lint.sumfile import EMPTY_GOMOD_HASH, SumLine, parse_gosum

if TYPE_CHECKING:
    from gozt_lint.context import Context


def _comparisons(ctx: Context) -> list[history.Comparison]:
    hist = history.get(ctx)
    if hist.error and not hist.error_reported:
        hist.error_reported = True
        raise GoztError(hist.error)
    return hist.comparisons


def _line(path: str, raw: bytes, lineno: int) -> SumLine | None:
    """``raw`` parsed as line ``lineno`` of ``path`` (blank lines in front keep the
    parser's own line numbers and spans)."""
    sf = parse_gosum(path, b"\n" * (lineno - 1) + raw)
    return sf.lines[0] if len(sf.lines) == 1 else None


@rule("gosum-hash-changed", Severity.ERROR, "a go.sum hash differs from the one recorded for the same module version in git history")
def gosum_hash_changed(ctx: Context) -> Iterator[Finding]:
    for c in _comparisons(ctx):
        path = str(c.unit.sum)
        for i, raw, recorded in c.diff().changed:
            ln = _line(path, raw, i + 1)
            if ln is None:
                continue
            olds = [(h.decode("utf-8", "surrogateescape"), n) for h, n in recorded]
            same = [(h, n) for h, n in olds if h.split(":", 1)[0] == ln.algorithm and h != EMPTY_GOMOD_HASH]
            if not same or any(h == ln.hash for h, _ in same):
                continue
            was, was_line = same[0]
            what = f"{ln.path} {ln.version}{'/go.mod' if ln.gomod else ''}"
            yield finding(
                f"hash of {what} changed: {c.old.label} records {was} ({c.old.path}:{was_line}), "
                f"{c.new.label} has {ln.hash}; a published module version never changes, so one of the two "
                f"is not the content the module author published",
                file=path,
                span=ln.span,
                module=ln.path,
                version=ln.version,
                fix={"kind": "restore-line", "file": path, "line": ln.line, "text": f"{what} {was}"},
                base=c.old.label,
                old=was,
                new=ln.hash,
            )


@rule("gosum-line-removed", Severity.WARNING, "a go.sum line was removed while go.mod still requires that module version")
def gosum_line_removed(ctx: Context) -> Iterator[Finding]:
    for c in _comparisons(ctx):
        if not c.check_removed or c.unit.kind != "mod" or not c.gomod:
            continue
        d = c.diff()
        if not d.removed:
            continue
        needed = _required(ctx, c)
        path = str(c.unit.sum)
        for raw, old_line in d.removed:
            was = _line(path, raw, old_line)
            if was is None:
                continue
            req = needed.get((was.path, was.version))
            if req is None:
                continue
            line_no, indirect = req
            # A direct requirement's packages are built, so both lines are needed;
            # an indirect one may be needed only for its go.mod (graph pruning).
            if not was.gomod and indirect:
                continue
            what = f"{was.path} {was.version}{'/go.mod' if was.gomod else ''}"
            at = _insertion_line(d.new_lines, was)
            yield finding(
                f"go.sum line for {what} was removed (recorded at {c.old.label}, {c.old.path}:{was.line}), "
                f"but {c.unit.main.name}:{line_no} still requires {was.path} {was.version}; "
                f"the go command will refuse to build, or a later `go mod download` will record whatever the proxy serves",
                file=path,
                line=at,
                module=was.path,
                version=was.version,
                # The recorded line goes back where the go command would write it.
                fix={"kind": "restore-line", "file": path, "line": at, "text": was.text},
                base=c.old.label,
                text=was.text,
            )


def _required(ctx: Context, c: history.Comparison) -> dict[tuple[str, str], tuple[int, bool]]:
    """(module, version) -> (go.mod line, indirect) for each requirement not replaced."""
    # Under the hook the staged go.mod is the one on disk: reuse the run's parse.
    mf = ctx.modfile(c.unit) if ctx.read(c.unit.main) == c.gomod else None
    if mf is None:
        from gozt_lint.modfile import parse_gomod

        mf = parse_gomod(str(c.unit.main), c.gomod or b"")
    replaced_any = {rep.old_path for rep in mf.replace if not rep.old_version}
    replaced_at = {(rep.old_path, rep.old_version) for rep in mf.replace if rep.old_version}
    out: dict[tuple[str, str], tuple[int, bool]] = {}
    for r in mf.require:
        if r.path in replaced_any or (r.path, r.version) in replaced_at:
            continue
        out[(r.path, r.version)] = (r.span.line, r.indirect)
    return out


def _insertion_line(new_lines: list[bytes], removed: SumLine) -> int:
    """Where the go command would write ``removed`` back (go.sum order: path, then
    semver precedence, then the /go.mod line after the zip line)."""
    from gozt_lint.module import compare

    want_path = removed.path.encode("utf-8", "surrogateescape")
    last = 0
    for i, raw in enumerate(new_lines):
        f = raw.split()
        if len(f) != 3:
            continue
        last = i + 1
        if f[0] != want_path:
            if want_path < f[0]:
                return i + 1
            continue
        ver = f[1].decode("utf-8", "surrogateescape")
        gomod = ver.endswith("/go.mod")
        if gomod:
            ver = ver[: -len("/go.mod")]
        cmp = compare(removed.version, ver)
        if cmp < 0 or (cmp == 0 and not removed.gomod and gomod):
            return i + 1
    return last + 1
