"""Rules of the buildcache family: the build cache (GOCACHE), verified offline.

See :mod:`gozt_lint.buildcache` for what is checked and how.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from gozt_lint import buildcache
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.registry import rule

if TYPE_CHECKING:
    from gozt_lint.context import Context


@rule("buildcache-output-tampered", Severity.ERROR, "a build cache output's content does not hash to its name")
def output_tampered(ctx: Context) -> Iterator[Finding]:
    rep = buildcache.for_context(ctx)
    if rep is None:
        return
    for p in rep.problems:
        if p.kind == buildcache.TAMPERED:
            yield finding(
                f"{p.message} (the go command checks only the size before linking a cached output into binaries)",
                file=p.file,
            )


@rule("buildcache-entry-invalid", Severity.WARNING, "a malformed action entry, size mismatch or unexpected file in the build cache")
def entry_invalid(ctx: Context) -> Iterator[Finding]:
    rep = buildcache.for_context(ctx)
    if rep is None:
        return
    for p in rep.problems:
        if p.kind == buildcache.INVALID:
            yield finding(p.message, file=p.file)


@rule("buildcache-external", Severity.INFO, "GOCACHEPROG is set, so the build cache on disk is not what the go command uses")
def external(ctx: Context) -> Iterator[Finding]:
    s = ctx.env.setting("GOCACHEPROG")
    if s is None or not s.value:
        return
    msg = (
        f"GOCACHEPROG={s.value}: the go command takes build outputs from that program, so the checks of "
        f"GOCACHE ({ctx.env.get('GOCACHE') or 'unset'}) cover only what is on disk there, not what builds use"
    )
    if s.in_file:
        yield finding(msg, file=s.file, span=s.span, variable="GOCACHEPROG")
    else:
        yield finding(msg + " (set in the environment)", variable="GOCACHEPROG")
