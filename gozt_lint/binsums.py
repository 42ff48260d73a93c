"""Installed Go binaries' module sums against the checksum database.

The build information of a binary in GOBIN or GOPATH/bin lists the ``h1:`` sum of
every module it was built from (the main module too when it was installed with
``go install module@version``). ``gobin-unverified`` compares them with the go.sum
files in scope; here each is also compared with the checksum database's record,
which needs no go.sum at all: a sum the database did not record means the binary
was built from module content that nobody else was served.

Lookups go through the toolchain family's checksum-database session
(:mod:`gozt_lint.release`): offline from the go command's and gozt-lint's caches,
fetched with ``--online``, and settled (fork check) before anything is judged.
Modules GONOSUMDB/GOPRIVATE covers are never looked up, and nothing is looked up
when GOSUMDB=off (looking up a private module would leak its name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gozt_lint.installs import _binaries, _enabled, _modules

if TYPE_CHECKING:
    from gozt_lint.context import Context


@dataclass
class Verdict:
    mismatches: list[str] = field(default_factory=list)  # reasons, one per module
    unverified: list[str] = field(default_factory=list)  # path@version without a usable record
    refused: str | None = None  # the database forked: nothing it says counts


def verdicts(ctx: Context) -> dict[str, Verdict]:
    """Binary path -> what the database says about the modules it was built from."""
    return ctx.once(_verdicts)


def _verdicts(ctx: Context) -> dict[str, Verdict]:
    from gozt_lint.installs import session
    from gozt_lint.sumdb import client as sc
    from gozt_lint.sumdb.check import uses_sumdb

    if not _enabled(ctx):
        return {}
    sess = session(ctx)
    db = sess.database or "the checksum database"
    nosumdb = ctx.env.get("GONOSUMDB")
    out: dict[str, Verdict] = {}
    missing: set[str] = set()
    for b in ctx.once(_binaries):
        v = Verdict()
        for m in _modules(b):
            if not uses_sumdb(m.path, nosumdb):
                continue
            lk = sess.module_lookups.get((m.path, m.version))
            if lk is None or lk.status != sc.VERIFIED:
                v.unverified.append(f"{m.path}@{m.version}")
                missing.add(f"{m.path}@{m.version}")
                continue
            if sess.fork is not None:
                v.refused = sess.fork
                continue
            recorded = lk.hashes(False)
            if m.sum not in recorded:
                v.mismatches.append(
                    f"{m.path} {m.version} was built with {m.sum}, but {db} recorded {', '.join(recorded) or 'no zip hash'} "
                    f"(record #{lk.record_id})"
                )
        out[b.path] = v
    if missing:
        sample = ", ".join(sorted(missing)[:3]) + (", …" if len(missing) > 3 else "")
        hint = "" if ctx.options.online else "; run with --online to check them"
        ctx.note(f"toolchain: {len(missing)} module versions named by installed binaries have no verifiable {db} record ({sample}){hint}")
    return out
