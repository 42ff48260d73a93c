"""Rules of the history family: go.sum lines against their earlier selves in git.

What is compared with what (staged vs HEAD, working tree vs a base ref) is
decided in :mod:`gozt_lint.history`; these rules only judge the two versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from gozt_lint import history
from gozt_lint.errors import GoztError
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.rules import rule
from gozt_lint.sumfile import SumFile, SumLine, parse_gosum

if TYPE_CHECKING:
    from gozt_lint.context import Context


def _comparisons(ctx: Context) -> list[history.Comparison]:
    hist = history.get(ctx)
    if hist.error and not hist.error_reported:
        hist.error_reported = True
        raise GoztError(hist.error)
    return hist.comparisons


def _parsed(c: history.Comparison) -> tuple[SumFile, SumFile]:
    path = str(c.unit.sum)
    return parse_gosum(path, c.old.data or b""), parse_gosum(path, c.new.data or b"")


@rule("gosum-hash-changed", Severity.ERROR, "a go.sum hash differs from the one recorded for the same module version in git history")
def gosum_hash_changed(ctx: Context) -> Iterator[Finding]:
    for c in _comparisons(ctx):
        if c.old.data == c.new.data or not c.new.data:
            continue
        old, new = _parsed(c)
        before = old.by_key()
        for ln in new.lines:
            recorded = [o for o in before.get(ln.key, ()) if o.algorithm == ln.algorithm and not o.legacy_empty_gomod]
            if not recorded or any(o.hash == ln.hash for o in recorded):
                continue
            was = recorded[0]
            what = f"{ln.path} {ln.version}{'/go.mod' if ln.gomod else ''}"
            yield finding(
                f"hash of {what} changed: {c.old.label} records {was.hash} ({c.old.path}:{was.line}), "
                f"{c.new.label} has {ln.hash}; a published module version never changes, so one of the two "
                f"is not the content the module author published",
                file=str(c.unit.sum),
                span=ln.span,
                module=ln.path,
                version=ln.version,
                fix={"kind": "restore-line", "file": str(c.unit.sum), "line": ln.line, "text": was.text},
                base=c.old.label,
                old=was.hash,
                new=ln.hash,
            )


@rule("gosum-line-removed", Severity.WARNING, "a go.sum line was removed while go.mod still requires that module version")
def gosum_line_removed(ctx: Context) -> Iterator[Finding]:
    for c in _comparisons(ctx):
        if not c.check_removed or c.unit.kind != "mod" or c.old.data == c.new.data or not c.gomod:
            continue
        needed = _required(str(c.unit.main), c.gomod)
        if not needed:
            continue
        old, new = _parsed(c)
        now = new.by_key()
        for key, lines in old.by_key().items():
            if key in now:
                continue
            was = lines[0]
            req = needed.get((was.path, was.version))
            if req is None:
                continue
            line_no, indirect = req
            # A direct requirement's packages are built, so both lines are needed;
            # an indirect one may be needed only for its go.mod (graph pruning).
            if not was.gomod and indirect:
                continue
            what = f"{was.path} {was.version}{'/go.mod' if was.gomod else ''}"
            yield finding(
                f"go.sum line for {what} was removed (recorded at {c.old.label}, {c.old.path}:{was.line}), "
                f"but {c.unit.main.name}:{line_no} still requires {was.path} {was.version}; "
                f"the go command will refuse to build, or a later `go mod download` will record whatever the proxy serves",
                file=str(c.unit.sum),
                line=_insertion_line(new, was),
                module=was.path,
                version=was.version,
                base=c.old.label,
                text=was.text,
            )


def _required(path: str, data: bytes) -> dict[tuple[str, str], tuple[int, bool]]:
    """(module, version) -> (go.mod line, indirect) for each requirement not replaced."""
    from gozt_lint.modfile import parse_gomod

    mf = parse_gomod(path, data)
    replaced_any = {rep.old_path for rep in mf.replace if not rep.old_version}
    replaced_at = {(rep.old_path, rep.old_version) for rep in mf.replace if rep.old_version}
    out: dict[tuple[str, str], tuple[int, bool]] = {}
    for r in mf.require:
        if r.path in replaced_any or (r.path, r.version) in replaced_at:
            continue
        out[(r.path, r.version)] = (r.span.line, r.indirect)
    return out


def _insertion_line(sf: SumFile, removed: SumLine) -> int:
    """Where the go command would write ``removed`` back (go.sum order)."""
    from gozt_lint.module import compare

    def before(a: SumLine, b: SumLine) -> bool:
        if a.path != b.path:
            return a.path.encode() < b.path.encode()
        c = compare(a.version, b.version)
        if c:
            return c < 0
        return (not a.gomod) and b.gomod

    for ln in sf.lines:
        if before(removed, ln):
            return ln.line
    return (sf.lines[-1].line + 1) if sf.lines else 1
