"""Rules of the gomod family: go.mod and go.work files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from gozt_lint import goenv, gover
from gozt_lint import module as mod
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.registry import rule

if TYPE_CHECKING:
    from gozt_lint.context import Context, Unit
    from gozt_lint.modfile import ModFile, Replace
    from gozt_lint.vendor import ModulesTxt


def _files(ctx: Context) -> Iterator[tuple[Unit, ModFile]]:
    """Every parsed go.mod and go.work in scope."""
    for u in ctx.units:
        mf = ctx.modfile(u)
        if mf is not None:
            yield u, mf


@rule("gomod-syntax", Severity.ERROR, "go.mod or go.work that the go command refuses to parse or load")
def gomod_syntax(ctx: Context) -> Iterator[Finding]:
    for u, mf in _files(ctx):
        for e in mf.errors:
            yield finding(e.message, file=mf.path, span=e.span, stage=e.stage)


def _allowed(ctx: Context, unit: Unit, r: Replace) -> bool:
    """policy.allowed-replacements: module-path globs (matched against the replaced
    module and a module target), or directories (the target is that directory or
    inside it; relative entries are relative to the repository root)."""
    from gozt_lint.modfile import is_directory_path

    for pattern in ctx.config.allowed_replacements:
        if is_directory_path(pattern):
            if r.is_local:
                want = os.path.normpath(ctx.root / pattern)
                got = os.path.normpath(unit.dir / r.new_path)
                if got == want or got.startswith(want.rstrip(os.sep) + os.sep):
                    return True
            continue
        if mod.match_patterns(pattern, r.old_path) or (not r.is_local and mod.match_patterns(pattern, r.new_path)):
            return True
    return False


def _at(path: str, version: str | None) -> str:
    return f"{path}@{version}" if version else path


@rule("replace-local-path", Severity.WARNING, "a replace directive points at a local directory, whose contents nothing verifies")
def replace_local_path(ctx: Context) -> Iterator[Finding]:
    for u, mf in _files(ctx):
        for r in mf.replace:
            if not r.is_local or _allowed(ctx, u, r):
                continue
            where = Path(os.path.normpath(u.dir / r.new_path))
            exists = "" if where.is_dir() else " (the directory does not exist)"
            yield finding(
                f"{_at(r.old_path, r.old_version)} is replaced by the directory {r.new_path}{exists}: "
                "its files are not checked against go.sum or the checksum database",
                file=mf.path, span=r.span, module=r.old_path, version=r.old_version,
                target=r.new_path,
            )


@rule("replace-fork", Severity.WARNING, "a replace directive swaps a module for a different module path")
def replace_fork(ctx: Context) -> Iterator[Finding]:
    for u, mf in _files(ctx):
        for r in mf.replace:
            if r.is_local or r.new_path == r.old_path or _allowed(ctx, u, r):
                continue
            yield finding(
                f"{_at(r.old_path, r.old_version)} is replaced by a different module, {r.new_path}@{r.new_version}: "
                "the build uses code from another source than the one required",
                file=mf.path, span=r.span, module=r.old_path, version=r.old_version,
                target=f"{r.new_path}@{r.new_version}",
            )


def _pseudo_note(v: str) -> str:
    parts = mod.pseudo_version_parts(v)
    if parts is None:
        return ""
    ts, rev = parts
    return f" (commit {rev} of {ts[0:4]}-{ts[4:6]}-{ts[6:8]})"


@rule("pseudo-version", Severity.INFO, "a module is used at a pseudo-version: an untagged commit")
def pseudo_version(ctx: Context) -> Iterator[Finding]:
    for u, mf in _files(ctx):
        for r in mf.require:
            if mf.replacement(r.path, r.version) is not None:
                continue  # the replacement is what is used (checked below)
            if mod.is_pseudo_version(r.version):
                yield finding(
                    f"{r.path} is required at a pseudo-version, {r.version}{_pseudo_note(r.version)}: "
                    "an untagged commit, not a release",
                    file=mf.path, span=r.version_span or r.span, module=r.path, version=r.version,
                )
        for rp in mf.replace:
            if rp.new_version and mod.is_pseudo_version(rp.new_version):
                yield finding(
                    f"{rp.old_path} is replaced by {rp.new_path} at a pseudo-version, {rp.new_version}"
                    f"{_pseudo_note(rp.new_version)}: an untagged commit, not a release",
                    file=mf.path, span=rp.new_span or rp.span, module=rp.new_path, version=rp.new_version,
                )


def _local_go_version(ctx: Context) -> str | None:
    """The local toolchain's name ("go1.27.3") as cheaply as can be trusted: the
    examined environment's answer when the env family runs anyway, else (the files
    hook runs with --no-env) the GOROOT's VERSION file, else the binary's answer."""
    if ctx.options.env:
        return ctx.env.go_version
    return goenv.goroot_go_version(ctx.environ, getattr(ctx.options, "go", None)) or ctx.env.go_version


@rule("toolchain-directive", Severity.WARNING, "a go or toolchain line asks for a newer Go than the local toolchain")
def toolchain_directive(ctx: Context) -> Iterator[Finding]:
    files = list(_files(ctx))
    if not any(mf.go is not None or mf.toolchain is not None for _, mf in files):
        return
    local_name = _local_go_version(ctx) or ""
    local = gover.from_toolchain(local_name)
    if not local:
        return  # the local version is unknown: nothing to compare with
    for u, mf in files:
        if mf.go is not None and gover.is_valid(mf.go.version) and gover.compare(mf.go.version, local) > 0:
            want = gover.toolchain_for(mf.go.version)
            yield finding(
                f"go {mf.go.version} asks for a newer Go than the local toolchain ({local_name}): the go command "
                f"refuses to build, or with GOTOOLCHAIN=auto downloads and runs {want}",
                file=mf.path, span=mf.go.span, local=local_name, wanted=want,
            )
        t = mf.toolchain
        if t is not None and t.version != "default":
            tv = gover.from_toolchain(t.version)
            if tv and gover.compare(tv, local) > 0:
                yield finding(
                    f"toolchain {t.version} is newer than the local toolchain ({local_name}): with GOTOOLCHAIN=auto "
                    f"the go command runs a {t.version} found on PATH or downloads it",
                    file=mf.path, span=t.span, local=local_name, wanted=t.version,
                )


# -- vendor/modules.txt ---------------------------------------------------------------------


@rule("vendor-inconsistent", Severity.ERROR, "vendor/modules.txt disagrees with go.mod's requirements or replacements")
def vendor_inconsistent(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import vendor
    from gozt_lint.fileio import read_regular

    for u, mf in _files(ctx):
        if u.kind != "mod" or u.main.name != "go.mod":
            continue
        txt = u.dir / "vendor" / "modules.txt"
        data = read_regular(str(txt), vendor.MAX_MODULES_TXT)
        if data is None:
            continue
        if ctx.active_gowork(u.dir) is not None:
            continue  # workspace mode (GOWORK, or a go.work above): its own vendor/ is not what builds use
        mt = vendor.parse(data)
        yield from _vendor_findings(mf, mt, str(txt))


def _vendor_findings(mf: ModFile, mt: ModulesTxt, txt: str) -> Iterator[Finding]:
    """modload.checkVendorConsistency, one finding per disagreement, worded as the
    go command words it ("inconsistent vendoring"), pointing at the line at fault."""
    from gozt_lint import vendor
    go = mf.go.version if mf.go is not None else "1.16"
    pre114 = gover.compare(go, "1.14") < 0
    vendor_version = {p: h.version for p, h in mt.providing.items()}
    required = {(r.path, r.version) for r in mf.require}

    for r in mf.require:
        if (r.path, r.version) in mt.explicit:
            continue
        if pre114:
            vv = vendor_version.get(r.path)
            if vv is not None and vv != r.version:
                yield finding(
                    f"{r.path}@{r.version} is explicitly required in go.mod, but vendor/modules.txt indicates "
                    f"{r.path}@{vv}: run `go mod vendor`",
                    file=mf.path, span=r.span, module=r.path, version=r.version,
                )
            continue
        yield finding(
            f"{r.path}@{r.version} is explicitly required in go.mod, but not marked as explicit in "
            "vendor/modules.txt: run `go mod vendor`",
            file=mf.path, span=r.span, module=r.path, version=r.version,
        )

    recorded = vendor.replacements(mt)
    seen: set[tuple[str, str]] = set()
    for rp in mf.replace:
        old = (rp.old_path, rp.old_version or "")
        if old in seen:
            continue
        seen.add(old)
        new = (rp.new_path, rp.new_version or "")
        vr = recorded.get(old)
        if vr is None:
            if pre114 and (not rp.old_version or vendor_version.get(rp.old_path) != rp.old_version):
                continue
            yield finding(
                f"{_at(*old)} is replaced in go.mod, but not marked as replaced in vendor/modules.txt: "
                "run `go mod vendor`",
                file=mf.path, span=rp.span, module=rp.old_path, version=rp.old_version,
            )
        elif (vr.new_path, vr.new_version) != new:
            yield finding(
                f"{_at(*old)} is replaced by {_at(*new)} in go.mod, but marked as replaced by "
                f"{_at(vr.new_path, vr.new_version)} in vendor/modules.txt: run `go mod vendor`",
                file=mf.path, span=rp.span, module=rp.old_path, version=rp.old_version,
            )

    for h in mt.contributors:
        if (h.path, h.version) in mt.explicit and (h.path, h.version) not in required:
            yield finding(
                f"{h.path}@{h.version} is marked as explicit in vendor/modules.txt, but not explicitly "
                "required in go.mod: run `go mod vendor`",
                file=txt, line=mt.explicit[(h.path, h.version)], module=h.path, version=h.version,
            )

    for h in mt.headers:
        if not h.new_path:
            continue
        if mf.replacement(h.path, h.version) is None:
            yield finding(
                f"{_at(h.path, h.version)} is marked as replaced in vendor/modules.txt, but not replaced in "
                "go.mod: run `go mod vendor`",
                file=txt, line=h.line, module=h.path, version=h.version or None,
            )
