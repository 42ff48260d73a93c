"""Rules of the toolchain family: the go binary, GOROOT, installed Go binaries and
cached toolchain modules, judged by the build information in their bytes."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Iterator

from gozt_lint.errors import UsageError
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.rules import rule

if TYPE_CHECKING:
    from gozt_lint import toolchain
    from gozt_lint.context import Context

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _no_go(ctx: Context, tc: toolchain.Toolchain) -> bool:
    if tc.go_path is None:
        ctx.note("toolchain: no go binary found on PATH; toolchain checks skipped")
        return True
    return False


@rule("toolchain-mismatch", Severity.ERROR, "the go binary, GOROOT/VERSION, GOROOT's tools or a cached toolchain disagree about the Go version")
def toolchain_mismatch(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import toolchain

    tc = toolchain.get(ctx)
    if not _no_go(ctx, tc):
        yield from _goroot_mismatch(tc)
    for ct in toolchain.cached_toolchains(ctx):
        yield from _cached_mismatch(ct)


def _goroot_mismatch(tc: toolchain.Toolchain) -> Iterator[Finding]:
    from gozt_lint import toolchain

    gg = tc.goroot_go
    built = toolchain.first_word(gg.go_version) if gg else None
    if gg is not None and gg.error:
        yield finding(f"cannot read the build information of {gg.path}: {gg.error}", file=gg.path)
    if built and tc.version_file and built != tc.version_file:
        yield finding(
            f"GOROOT/VERSION says {tc.version_file} but {gg.path} was built as {built} (its embedded build "
            f"information): the go binary and the GOROOT it runs with come from different toolchains",
            file=os.path.join(tc.goroot or "", "VERSION"),
            line=1,
            version_file=tc.version_file,
            binary_version=built,
        )
    expected = built or tc.version_file
    for b in tc.tools:
        if b.error:
            yield finding(f"cannot read the build information of {b.path}: {b.error}", file=b.path)
            continue
        v = toolchain.first_word(b.go_version)
        if expected and v and v != expected:
            yield finding(
                f"{b.path} was built as {v}, but this GOROOT is {expected}: a tool from another toolchain "
                f"(compile, link, asm, cgo, vet and friends run on every build)",
                file=b.path,
                binary_version=v,
                expected=expected,
            )
    said = tc.go_version_output
    if said and tc.go_binary is not None and tc.go_binary.info is not None:
        own = toolchain.first_word(tc.go_binary.go_version)
        if own and own != said:
            yield finding(
                f"`go version` of {tc.go_path} says {said}, but the binary was built as {own}: its reported "
                f"version has been altered",
                file=tc.go_real,
                reported=said,
                binary_version=own,
            )
        elif (
            own
            and built
            and own == built
            and gg is not None
            and tc.go_real
            and tc.goroot_go_sha256
            and tc.go_sha256
            and tc.go_sha256 != tc.goroot_go_sha256
        ):
            yield finding(
                f"{tc.go_real} and {gg.path} both claim {own} but differ byte for byte "
                f"(SHA-256 {tc.go_sha256[:16]}… vs {tc.goroot_go_sha256[:16]}…): the go on PATH is a modified copy",
                file=tc.go_real,
                go_sha256=tc.go_sha256,
                goroot_go_sha256=tc.goroot_go_sha256,
            )
    elif said and built and said != built and tc.go_binary is None:
        # `go` on PATH is a launcher (a script or another program); what it runs must be GOROOT/bin/go.
        yield finding(
            f"`go version` of {tc.go_path} says {said}, but GOROOT/bin/go ({gg.path if gg else '?'}) was built "
            f"as {built}: the go on PATH does not run this GOROOT's go",
            file=tc.go_real,
            reported=said,
            binary_version=built,
        )


def _cached_mismatch(ct: toolchain.CachedToolchain) -> Iterator[Finding]:
    from gozt_lint import toolchain

    runs = toolchain.first_word(ct.go.go_version) if ct.go and ct.go.info else None
    label = f"cached toolchain module golang.org/toolchain@{ct.module_version}"
    if ct.go is None or ct.go.error:
        why = ct.go.error if ct.go else "no Go binary at bin/go"
        yield finding(
            f"{label}: {why}; a switch to {ct.name} would run whatever is there",
            file=ct.dir, module=toolchain.TOOLCHAIN_MODULE, version=ct.module_version,
        )
        return
    problems = []
    if runs != ct.name:
        problems.append(f"its bin/go was built as {runs}")
    if ct.version_file != ct.name:
        problems.append(f"its VERSION says {ct.version_file or 'nothing'}")
    if problems:
        yield finding(
            f"{label} is named {ct.name} but {' and '.join(problems)}: GOTOOLCHAIN={ct.name} would run {runs}",
            file=os.path.join(ct.dir, "bin", "go"),
            module=toolchain.TOOLCHAIN_MODULE,
            version=ct.module_version,
            would_run=runs,
        )


def _pins(ctx: Context) -> dict[str, str]:
    table = ctx.config.table("toolchain")
    where = ctx.config.path or ".gozt-lint.toml"
    out = {}
    for key in ("go-sha256", "goroot-sha256"):
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, str) or not _HEX64.match(value.strip().lower()):
            raise UsageError(f"{where}: [toolchain] {key} must be 64 hexadecimal digits (a SHA-256)")
        out[key] = value.strip().lower()
    unknown = set(table) - {"go-sha256", "goroot-sha256"}
    if unknown:
        raise UsageError(f"{where}: [toolchain] unknown key(s) {', '.join(sorted(unknown))} (known: go-sha256, goroot-sha256)")
    return out


@rule("toolchain-drift", Severity.ERROR, "the go binary or GOROOT differs from the SHA-256 pinned in the configuration")
def toolchain_drift(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import toolchain

    pins = _pins(ctx)
    if not pins:
        return
    tc = toolchain.get(ctx)
    if _no_go(ctx, tc):
        return
    if "go-sha256" in pins and tc.go_sha256 != pins["go-sha256"]:
        yield finding(
            f"the go binary {tc.go_real} has SHA-256 {tc.go_sha256 or '(unreadable)'}, not the pinned "
            f"go-sha256 {pins['go-sha256']}: the go command changed since it was pinned",
            file=tc.go_real,
            pinned=pins["go-sha256"],
            actual=tc.go_sha256,
        )
    if "goroot-sha256" in pins:
        if not tc.goroot:
            yield finding("goroot-sha256 is pinned but GOROOT could not be determined", pinned=pins["goroot-sha256"])
            return
        actual, files = ctx.once(_manifest)
        if actual != pins["goroot-sha256"]:
            yield finding(
                f"GOROOT {tc.goroot} ({files} files) has manifest SHA-256 {actual}, not the pinned goroot-sha256 "
                f"{pins['goroot-sha256']}: a file of the toolchain was added, removed or changed",
                file=tc.goroot,
                pinned=pins["goroot-sha256"],
                actual=actual,
            )


def _manifest(ctx: Context) -> tuple[str, int]:
    from gozt_lint import toolchain

    tc = toolchain.get(ctx)
    return toolchain.goroot_manifest(tc.goroot or "")


@rule("gobin-unverified", Severity.INFO, "an installed Go binary (GOBIN, GOPATH/bin) whose module sum is missing or does not match go.sum or the checksum database")
def gobin_unverified(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import toolchain

    from gozt_lint import binsums

    recorded = _recorded_sums(ctx)
    sums = binsums.verdicts(ctx)
    for b in toolchain.installed_binaries(ctx):
        if b.error or b.info is None:
            yield finding(f"{b.path}: cannot read its Go build information: {b.error}", file=b.path)
            continue
        info = b.info
        main = info.main
        reasons: list[str] = []
        if not main.path:
            reasons.append("no module information (built outside module mode)")
        elif main.replace is not None:
            reasons.append(f"its main module is replaced by {main.replace.path} {main.replace.version}".rstrip())
        elif not main.sum:
            reasons.append(f"no module sum for {main.path} {main.version} (built from a local checkout, not `go install module@version`)")
        elif main.version in recorded.get(main.path, {}) and main.sum not in recorded[main.path][main.version][0]:
            hashes, where = recorded[main.path][main.version]
            reasons.append(f"its module sum {main.sum} differs from {sorted(hashes)[0]} recorded in {where}")
        for dep in info.deps:
            m = dep.replace or dep
            rec = recorded.get(m.path, {}).get(m.version)
            if m.sum and rec and m.sum not in rec[0]:
                reasons.append(f"dependency {m.path} {m.version} was built with {m.sum}, but {rec[1]} records {sorted(rec[0])[0]}")
        if info.vcs_modified:
            rev = info.setting("vcs.revision") or "?"
            reasons.append(f"built from a modified working tree (vcs.modified=true at {rev[:12]})")
        # The checksum database's word on the same sums (gozt_lint.binsums): a sum it
        # did not record is a build from content nobody else was served.
        against_db = sums[b.path].mismatches if b.path in sums else []
        reasons += against_db
        if not reasons:
            continue
        who = f"{main.path} {main.version}".strip() if main.path else (info.path or "?")
        yield finding(
            f"{b.path} ({who}, built by {info.go_version}): " + "; ".join(reasons),
            file=b.path,
            module=main.path or None,
            version=main.version or None,
            go_version=info.go_version,
            vcs_modified=info.vcs_modified,
            reasons=reasons,
            **({"escalate": "error"} if against_db else {}),
        )


def _recorded_sums(ctx: Context) -> dict[str, dict[str, tuple[set[str], str]]]:
    """path -> version -> (h1 hashes, where) from every go.sum in scope (zip lines only)."""
    out: dict[str, dict[str, tuple[set[str], str]]] = {}
    for u in ctx.units:
        sf = ctx.sumfile(u)
        if sf is None:
            continue
        for ln in sf.lines:
            if ln.gomod or ln.algorithm != "h1":
                continue
            hashes, where = out.setdefault(ln.path, {}).setdefault(ln.version, (set(), f"{u.sum}:{ln.line}"))
            hashes.add(ln.hash)
    return out


# -- the Go release itself: GOROOT against golang.org/toolchain in the checksum database ------------
# (gozt_lint.goroot compares, gozt_lint.release authenticates; these rules only pick.)


@rule("goroot-tampered", Severity.ERROR, "a GOROOT file, go.env setting or go executable differs from the Go release the checksum database recorded, or is missing")
def goroot_tampered(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import goroot

    yield from goroot.report(ctx).of(goroot.TAMPERED)


@rule("goroot-unexpected-file", Severity.WARNING, "GOROOT holds a program, executable or source file that its Go release does not have")
def goroot_unexpected_file(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import goroot

    yield from goroot.report(ctx).of(goroot.UNEXPECTED)


@rule("goroot-unverified", Severity.INFO, "GOROOT or a go binary on PATH could not be verified against its Go release (no authenticated release manifest offline)")
def goroot_unverified(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import goroot

    yield from goroot.report(ctx).of(goroot.UNVERIFIED)
