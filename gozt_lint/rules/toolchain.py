"""Rules of the toolchain family: the go binary, GOROOT, installed Go binaries and
cached toolchain modules, judged by the build information in their bytes."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, Iterator

from gozt_lint.errors import UsageError
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.registry import rule

if TYPE_CHECKING:
    from gozt_lint import goimports, toolchain
    from gozt_lint.context import Context, Unit
    from gozt_lint.goenv import Setting
    from gozt_lint.modfile import ModFile

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
    if gg is not None and built and tc.version_file and built != tc.version_file:
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
    out: dict[str, str] = {}
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
        # Finding data is free-form (finding()'s **data: Any); typed so, it cannot
        # pass for one of finding()'s named parameters.
        escalate: dict[str, Any] = {"escalate": "error"} if against_db else {}
        yield finding(
            f"{b.path} ({who}, built by {info.go_version}): " + "; ".join(reasons),
            file=b.path,
            module=main.path or None,
            version=main.version or None,
            go_version=info.go_version,
            vcs_modified=info.vcs_modified,
            reasons=reasons,
            **escalate,
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


# -- the go command's own integrity advisories ----------------------------------------------------

WAS_I_AFFECTED = "docs/was-i-affected.md"
DEFAULT_PROXY = "https://proxy.golang.org"


def _gotoolchain_default(ctx: Context) -> tuple[str | None, bool]:
    """(the default toolchain GOTOOLCHAIN names, when it is not the local go; whether
    go.mod/go.work lines may switch), as toolchain.Select reads GOTOOLCHAIN."""
    from gozt_lint import gover

    env = ctx.env
    value = env.get("GOTOOLCHAIN")
    if env.get("GO111MODULE") == "off" or value in ("", "local"):
        return None, False  # GOPATH mode never switches; local runs the go on PATH
    if value in ("auto", "path"):
        return None, True
    low, plus, suffix = value.partition("+")
    if plus and suffix not in ("auto", "path"):
        return None, False  # the go command refuses it and runs nothing
    if low == "local":
        return None, bool(plus)
    if not gover.from_toolchain(low):
        return None, False
    local = gover.from_toolchain(env.go_version or "")
    if local and gover.from_toolchain(low) == local:
        return None, bool(plus)
    return low, bool(plus)


def _untrusted_setup(ctx: Context) -> list[str]:
    """What in this environment lets someone other than proxy.golang.org and
    sum.golang.org answer the go command's module and checksum requests."""
    from gozt_lint.goproxy import proxy_list
    from gozt_lint.module import split_patterns
    from gozt_lint.publicpaths import bypass_reason
    from gozt_lint.sumdb.keys import DEFAULT_SUMDBS

    env = ctx.env
    out: list[str] = []
    proxies = proxy_list(env.get("GOPROXY"))
    trusted = {t.strip().rstrip("/") for t in ctx.config.trusted_proxies}
    others = [
        p.text for p in proxies
        if p.text not in ("direct", "off") and p.url.rstrip("/") != DEFAULT_PROXY
        and p.text.rstrip("/") not in trusted and p.url.rstrip("/") not in trusted
    ]
    if others:
        out.append(f"GOPROXY uses {', '.join(others)}, not proxy.golang.org")
    gosumdb = env.get("GOSUMDB")
    fields = gosumdb.split()
    trusted_dbs = {" ".join(t.split()) for t in ctx.config.trusted_sumdbs}
    if gosumdb == "off":
        out.append("GOSUMDB=off: nothing was checked against a checksum database")
    elif fields and " ".join(fields) not in trusted_dbs and fields[0] not in trusted_dbs:
        # A URL of its own serves lookups and tiles even under the built-in key: the
        # 42501 and 56865 attacks need nothing more.
        if fields[0] not in DEFAULT_SUMDBS or len(fields) > 1:
            out.append(f"GOSUMDB is {gosumdb!r}, not sum.golang.org")
    s = env.setting("GONOSUMDB")
    name = "GONOSUMDB"
    if s is None or not s.value or s.source == "default":
        s, name = env.setting("GOPRIVATE"), "GOPRIVATE"
    if s is not None and s.value:
        private = split_patterns(",".join(ctx.config.private_modules))
        broad = [p for p in split_patterns(s.value) if p not in private and bypass_reason(p)]
        if broad:
            out.append(f"{name} {','.join(broad)} keeps public modules away from the checksum database")
    return out


def _advisory_finding(
    ctx: Context,
    what: str,
    name: str,
    fix_how: str,
    *,
    kind: str,
    file: str | None = None,
    line: int | None = None,
    setting: Setting | None = None,
    **data: object,
) -> Finding | None:
    """The finding for one go command that will run here as ``name`` (go1.26.2), or None."""
    from gozt_lint import advisories, gover

    version = gover.from_toolchain(name)
    found = advisories.go_advisories(version) if version else []
    if not found:
        return None
    fixed, same_line = advisories.go_fix(version, found)
    labels = [a.label for a in found]
    said = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    if fixed is None:
        fix = "no Go release fixes it yet"
    elif same_line:
        fix = f"fixed on the {advisories.minor_line(version)} line in go{fixed}: {fix_how.format(fixed=f'go{fixed}')}"
    else:
        fix = f"no {advisories.minor_line(version)} release has the fix: {fix_how.format(fixed=f'go{fixed}')}"
    setup = ctx.once(_untrusted_setup)
    if setup:
        affected = (
            f"; this setup is one these flaws could be exploited through ({'; '.join(setup)}): were you affected? "
            f"`gozt-lint --all --online` answers without deleting go.sum ({WAS_I_AFFECTED})"
        )
    else:
        affected = f"; were you affected? see {WAS_I_AFFECTED}"
    message = (
        f"{what} is {name}, which predates the fix{'es' if len(found) > 1 else ''} of {said} in its own module and "
        f"checksum-database verification; {fix}{affected}"
    )
    details: dict[str, Any] = dict(
        kind=kind,
        toolchain=name,
        advisories=[{"id": a.id, "aliases": list(a.aliases), "url": a.url, "issue": a.issue_url, "broke": a.broke} for a in found],
        fixed=f"go{fixed}" if fixed else None,
        untrusted_setup=setup,
        **data,
    )
    if setting is not None:
        from gozt_lint.rules.env import at

        return at(setting, message, **details)
    return finding(message, file=file, line=line, **details)


@rule(
    "toolchain-advisory",
    Severity.ERROR,
    "a go command that will run here predates the fix of a vulnerability in its own module or checksum verification",
)
def toolchain_advisory(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import gover, toolchain
    from gozt_lint.rules.env import switch_requests

    env = ctx.env
    upgrade = "install {fixed} or later and put it first on PATH (GOTOOLCHAIN cannot fix this: this go verifies every toolchain it downloads)"
    reported: set[str] = set()
    local = toolchain.first_word(env.runtime_version or env.go_version)
    if env.go_binary and local:
        f = _advisory_finding(ctx, f"the go on PATH ({env.go_binary})", local, upgrade, kind="path", file=env.go_binary, go=env.go_binary)
        if f is not None:
            reported.add(local)
            yield f
    gg = os.path.join(env.goroot, "bin", "go") if env.goroot else ""
    if gg and os.path.isfile(gg) and not (env.go_binary and os.path.realpath(gg) == os.path.realpath(env.go_binary)):
        b = toolchain.read_binary(gg)
        name = toolchain.first_word(b.go_version) if b is not None and b.info is not None else toolchain.read_version_file(env.goroot or "")
        if name and name != local:
            f = _advisory_finding(ctx, f"GOROOT's go ({gg})", name, upgrade, kind="goroot", file=gg, go=gg)
            if f is not None:
                reported.add(name)
                yield f
    default, switching = _gotoolchain_default(ctx)
    if default:
        s = env.setting("GOTOOLCHAIN")
        f = _advisory_finding(
            ctx,
            f"the default toolchain GOTOOLCHAIN={env.get('GOTOOLCHAIN')} sets ("
            + ("run wherever no go.mod/go.work asks for a newer one)" if switching else "run by every go command)"),
            default,
            "set GOTOOLCHAIN to {fixed} or later (or to local, with a fixed go on PATH)", kind="gotoolchain", setting=s,
        )
        if f is not None:
            reported.add(default)
            yield f
    minimum = gover.from_toolchain(default or local or "")
    if switching and minimum:
        for ask in switch_requests(ctx, minimum):
            name = str(ask["toolchain"])
            edit = "go work edit" if str(ask["file"]).endswith("go.work") else "go mod edit"
            f = _advisory_finding(
                ctx, f"the toolchain this file makes go commands switch to (GOTOOLCHAIN={env.get('GOTOOLCHAIN')})", name,
                f"run `{edit} -toolchain={{fixed}}` (or later) here", kind="switch", file=str(ask["file"]),
                line=ask["line"] if isinstance(ask["line"], int) else None,
            )
            if f is not None:
                reported.add(name)
                yield f
    for ct in toolchain.cached_toolchains(ctx):
        if ct.name in reported:
            continue
        f = _advisory_finding(
            ctx, f"cached toolchain module golang.org/toolchain@{ct.module_version}", ct.name,
            f"nothing here selects it now, but a switch to {ct.name} runs it; remove it (`chmod -R u+w {_lit(ct.dir)} && "
            f"rm -rf {_lit(ct.dir)}`) and ask for {{fixed}} or later",
            kind="cached", file=ct.dir, module=toolchain.TOOLCHAIN_MODULE, version=ct.module_version, soften="warning",
        )
        if f is not None:
            yield f


def _lit(text: str) -> str:
    """``text`` inside a str.format template."""
    return text.replace("{", "{{").replace("}", "}}")


@rule(
    "xmod-sumdb-advisory",
    Severity.WARNING,
    "golang.org/x/mod below v0.40.0 in a module whose build uses its checksum-database client",
)
def xmod_sumdb_advisory(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import advisories

    for unit in ctx.modules:
        mf = ctx.modfile(unit)
        if mf is None or mf.module is None:
            continue
        req = next((r for r in mf.require if r.path == advisories.XMOD), None)
        if req is None:
            continue
        rep = mf.replacement(req.path, req.version)
        if rep is not None and (rep.is_local or rep.new_path != advisories.XMOD):
            continue  # a fork or a local copy: its version says nothing about the fix
        version = rep.new_version if rep is not None and rep.new_version else req.version
        found = advisories.xmod_advisories(version)
        if not found:
            continue
        targets = {p for a in found for p in a.xmod_packages}
        used = _xmod_use(ctx, unit, mf, mf.module.path, targets)
        if used is None:
            continue
        via, how = used
        hit = [a for a in found if set(a.xmod_packages) & set(via)]
        if not hit:
            continue
        fix = max((a.xmod_fix() or "" for a in hit), key=advisories.semver_key)
        labels = " and ".join(a.label for a in hit)
        chain = "; ".join(f"{pkg} imported by {imp}" for pkg, imp in sorted(via.items()))
        yield finding(
            f"{advisories.XMOD} {version} predates the fix of {labels} ({'; '.join(a.broke for a in hit)}), and this "
            f"module's build uses the affected code ({chain}; {how}): run `go get {advisories.XMOD}@{fix}`",
            file=str(unit.main),
            span=req.span,
            module=advisories.XMOD,
            version=version,
            advisories=[a.id for a in hit],
            fixed=fix,
            packages=via,
        )
    cache = ctx.computed(_imports_cache)
    if cache is not None:
        cache.save()


def _imports_cache(ctx: Context) -> goimports.ImportsCache:
    from gozt_lint import goimports, graph

    # Across runs only when this run's module graphs verified the trees read (and so
    # opened the memo store already): imports of a verified tree are kept by its h1.
    st = ctx.computed(graph.Store)
    if st is None:
        return goimports.ImportsCache()
    return goimports.ImportsCache(st.verified_tree, st.memo)


def _xmod_use(ctx: Context, unit: Unit, mf: ModFile, main_path: str, targets: set[str]) -> tuple[dict[str, str], str] | None:
    """({affected x/mod package: the package importing it}, how that was found), or None
    when the build does not use them (or it could not be told: a note says so)."""
    from gozt_lint import goimports, vendor
    from gozt_lint.fileio import read_regular
    from gozt_lint.module import escape_path, escape_version
    from gozt_lint.mvs import MV

    d = str(unit.dir)
    modules_txt = read_regular(os.path.join(d, "vendor", "modules.txt"), 64 << 20)
    if modules_txt:
        # vendor/modules.txt lists every package the build (and the main module's tests) uses.
        listed = vendor.parse(modules_txt).packages
        hits = {p: "vendor/modules.txt" for p in targets if p in listed}
        return (hits, "listed in vendor/modules.txt") if hits else None
    cache = ctx.env.get("GOMODCACHE")
    seen = ctx.once(_imports_cache)  # (shared by the go.mod units of this run)
    build: dict[str, str | bool | None] = {}  # module path -> its source directory
    for r in mf.require:
        rep = mf.replacement(r.path, r.version)
        if rep is not None and rep.is_local:
            build[r.path] = os.path.normpath(os.path.join(d, rep.new_path))
            continue
        path, version = (rep.new_path, rep.new_version) if rep is not None else (r.path, r.version)
        try:
            where = os.path.join(cache, f"{escape_path(path)}@{escape_version(version or '')}") if cache else None
        except ValueError:
            where = None
        if where and seen.isdir(where):
            build[r.path] = where
            seen.add_tree(where, MV(path, version or ""))
        else:
            build[r.path] = None
    main_pkgs = goimports.module_packages(d, main_path)

    locate = goimports.locator(main_path, main_pkgs, build, seen.isdir)

    roots = [*main_pkgs, *(t.path for t in mf.tool)]
    got = goimports.reach_modules(roots, locate, targets, seen, main_path, build)
    if got.found:
        return dict(got.found), "found in the Go source, offline"
    if got.unknown:
        ctx.note(
            f"xmod-sumdb-advisory: {unit.main} requires an affected golang.org/x/mod, and whether its build uses "
            f"x/mod's checksum-database client could not be told: {len(got.unknown)} imported package(s) are not in the "
            f"module cache ({', '.join(sorted(got.unknown)[:3])}); run `go mod download` and check again"
        )
    return None
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
