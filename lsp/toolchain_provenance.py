"""What a go.mod/go.work ``go`` or ``toolchain`` line means for the local toolchain,
as the language server shows it on hover.

Editor-agnostic and judgement-free: the Go version the line asks for, the go
command that would run (its version and GOROOT), whether the local release is
verified against the checksum database (:mod:`gozt_lint.goroot`), the database's
record of the release the line names when that is another one, and the findings
of the GOROOT rules. Offline unless the run is ``--online``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from gozt_lint import gover
from .provenance import _cell, _md

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.finding import Finding

_RULES = ("goroot-tampered", "goroot-unexpected-file", "goroot-unverified", "toolchain-mismatch", "toolchain-drift")


def wanted_toolchain(verb: str, arg: str) -> str | None:
    """The toolchain name a ``go``/``toolchain`` line asks for (``go 1.22`` → go1.22.0)."""
    if verb == "go" and gover.is_valid(arg):
        return gover.toolchain_for(arg)
    if verb == "toolchain" and gover.from_toolchain(arg):
        return "go" + gover.from_toolchain(arg)
    return None


def markdown(ctx: Context, verb: str, arg: str, findings: Iterable[Finding] = ()) -> str:
    from gozt_lint import goroot, release, toolchain

    tc = toolchain.get(ctx)
    rep = goroot.report(ctx)
    want = wanted_toolchain(verb, arg)
    out = [f"**{_md(f'{verb} {arg}')}**", ""]
    rows: list[tuple[str, str]] = []
    if want and verb == "go":
        rows.append(("asks for", f"{_md(want)} or later"))
    elif want:
        rows.append(("asks for", f"{_md(want)} or later (the toolchain line)"))
    local = toolchain.first_word(tc.version_file) or toolchain.first_word(tc.go_version_output)
    if tc.go_path:
        rows.append(("go on PATH", f"{_md(tc.go_path)}, {_md(tc.go_version_output or '?')}"))
    if tc.goroot:
        rows.append(("GOROOT", f"{_md(tc.goroot)} ({_md(local or '?')})"))
    newer = False
    if want and local and gover.from_toolchain(local) and gover.from_toolchain(want):
        newer = gover.compare(gover.from_toolchain(want), gover.from_toolchain(local)) > 0
        switch = ctx.env.get("GOTOOLCHAIN") or "auto"
        if newer:
            rows.append(("local toolchain", f"older than the line asks: with GOTOOLCHAIN={_md(switch)} the go command "
                         f"{'refuses to build' if switch.startswith('local') else 'switches to another toolchain'}"))
        else:
            rows.append(("local toolchain", "satisfies the line"))
    o = rep.outcome
    if o is not None:
        m = o.manifest
        if m is not None:
            rows.append(("release", f"{_md(m.module)} {_md(m.h1)}, {_md(m.database)} record {m.record_id} (tree {m.tree_size}), verified"))
            rows.append(("GOROOT files", f"{rep.matched} of {len(m.files)} release files match"))
        else:
            rows.append(("release", f"{_md(o.module)}: not verified ({o.status}): {o.reason.splitlines()[0] if o.reason else ''}"))
    # The release the line names, when the go command would switch to it.
    if want and newer and rep.target is not None and release.is_release_name(want):
        rows.append((f"release {want}", _named_release(ctx, want, rep.target.goos, rep.target.goarch)))
    out.append("| | |")
    out.append("| --- | --- |")
    out += [f"| {_cell(a)} | {_cell(b)} |" for a, b in rows]
    verdicts = [f for f in findings if f.rule in _RULES]
    if verdicts:
        out.append("")
        out.append("**Verdicts**")
        for f in verdicts[:10]:
            out.append(f"- {f.severity.value} {_md(f.rule)}: {f.message.splitlines()[0]}")
        if len(verdicts) > 10:
            out.append(f"- … and {len(verdicts) - 10} more")
    return "\n".join(out).rstrip() + "\n"


def _named_release(ctx: Context, name: str, goos: str, goarch: str) -> str:
    """The database's record of a release the line names (not the local one)."""
    from gozt_lint import installs, release
    from gozt_lint.sumdb import client as sc

    sess = installs.session(ctx)
    version = release.module_version(name, goos, goarch)
    if sess.client is None:
        return f"{_md(release.MODULE + '@' + version)}: no checksum database ({sess.why_disabled})"
    lk = sess.client.lookup(release.MODULE, version)
    sess.client.check_consistency()
    mv = _md(f"{release.MODULE}@{version}")
    if lk.status == sc.VERIFIED:
        return f"{mv} {_md(', '.join(lk.hashes(False)))}: {sess.client.db.name} record {lk.record_id}, verified"
    if lk.status == sc.NOT_FOUND:
        return f"{mv}: {sess.client.db.name} has no record: the Go team never published it"
    return f"{mv}: record {lk.status} ({lk.reason})"
