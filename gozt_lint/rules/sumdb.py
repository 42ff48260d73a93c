"""Rules of the sumdb family: go.sum and the module cache against the Go checksum
database, offline first (``--online`` to fetch what the caches lack).

The work happens once per run in :func:`gozt_lint.sumdb.check.report`; each rule
picks its findings out of that report. GOSUMDB=off stops the family with one note
(the env rule ``sumdb-disabled`` reports the setting itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from gozt_lint.finding import Finding, Severity
from gozt_lint.registry import rule

if TYPE_CHECKING:
    from gozt_lint.context import Context


def _findings(ctx: Context, slug: str) -> Iterator[Finding]:
    from gozt_lint.sumdb.check import report

    yield from ctx.once(report).of(slug)


@rule("sumdb-mismatch", Severity.ERROR, "A go.sum line or cached module hash differs from the checksum database's record")
def sumdb_mismatch(ctx: Context) -> Iterator[Finding]:
    return _findings(ctx, "sumdb-mismatch")


@rule("sumdb-fork", Severity.ERROR, "Two validly signed checksum-database tree heads that are not consistent with each other")
def sumdb_fork(ctx: Context) -> Iterator[Finding]:
    return _findings(ctx, "sumdb-fork")


@rule(
    "sumdb-bad-signature",
    Severity.ERROR,
    "A cached or fetched tree head, tile or record that fails verification against the configured key",
)
def sumdb_bad_signature(ctx: Context) -> Iterator[Finding]:
    return _findings(ctx, "sumdb-bad-signature")


@rule("sumdb-unverified", Severity.INFO, "A public module version whose checksum-database record is not available offline")
def sumdb_unverified(ctx: Context) -> Iterator[Finding]:
    return _findings(ctx, "sumdb-unverified")


@rule("sumdb-excluded", Severity.INFO, "A go.sum line not checked because GONOSUMDB or GOPRIVATE covers its module")
def sumdb_excluded(ctx: Context) -> Iterator[Finding]:
    return _findings(ctx, "sumdb-excluded")
