"""Rules of the snapshot family: drift from a file made by `gozt-lint snapshot`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from gozt_lint.finding import Finding, Severity
from gozt_lint.registry import rule

if TYPE_CHECKING:
    from gozt_lint.context import Context


@rule("snapshot-drift", Severity.ERROR, "the environment differs from the snapshot given with --snapshot")
def snapshot_drift(ctx: Context) -> Iterator[Finding]:
    if not ctx.options.snapshot:
        return
    from gozt_lint import snapshot

    old = snapshot.recorded(ctx)
    if ctx.env.go_binary is None:
        ctx.note("snapshot: no go binary on PATH; compared without it")
    scope = snapshot.scope(ctx)
    yield from snapshot.compare(scope, old, scope.once(snapshot.current))
    for note in scope.notes if scope is not ctx else ():
        if note not in ctx.notes:
            ctx.note(note)
