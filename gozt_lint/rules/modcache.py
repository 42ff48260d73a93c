"""Rules of the modcache family: the module cache (GOMODCACHE), byte for byte.

Every rule reads the one verified model :func:`gozt_lint.modcache.for_context`
builds (the whole cache, hashed once per run, memoized between runs) and the
go.sum / go.work.sum files in scope. Findings about cache entries point at the
offending cache path and carry ``data["fix"] = {"kind": "quarantine", ...}``
when moving the entry out of the cache is the repair (`gozt-lint cache
quarantine`, ``--fix``): the next go command then downloads it again and checks
it against go.sum and the checksum database.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Generator, Iterator

from gozt_lint import modcache
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.rules import rule

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.sumfile import SumLine

# Per entry, at most this many unexpected-file findings (then one summary).
MAX_PER_ENTRY = 10


def _fix(e: modcache.Entry) -> dict[str, Any]:
    return {"kind": "quarantine", "module": e.path, "version": e.version}


def _report(ctx: Context) -> modcache.Report | None:
    rep = modcache.for_context(ctx)
    if rep is None or not rep.layout.exists:
        return None
    return rep


def _sum_lines(ctx: Context) -> dict[tuple[str, str, bool], list[SumLine]]:
    """Every h1 line of every go.sum / go.work.sum in scope, by (path, version, gomod)."""
    return ctx.once(_collect_sum_lines)


def _collect_sum_lines(ctx: Context) -> dict[tuple[str, str, bool], list[SumLine]]:
    out: dict[tuple[str, str, bool], list[SumLine]] = {}
    for unit in [*ctx.modules, *ctx.workspaces]:
        sf = ctx.sumfile(unit)
        if sf is None:
            continue
        for ln in sf.lines:
            if ln.algorithm == "h1" and not ln.legacy_empty_gomod:
                out.setdefault((ln.path, ln.version, ln.gomod), []).append(ln)
    return out


def _sum_path(ln: SumLine) -> str:
    return getattr(ln, "file", None) or ""


def _where(ctx: Context, key: tuple[str, str, bool]) -> list[tuple[str, SumLine]]:
    """(go.sum path, line) pairs for a key, in scope order."""
    out = []
    for unit in [*ctx.modules, *ctx.workspaces]:
        sf = ctx.sumfile(unit)
        if sf is None:
            continue
        for ln in sf.lines:
            if (ln.path, ln.version, ln.gomod) == key and ln.algorithm == "h1":
                out.append((sf.path, ln))
    return out


@rule("modcache-zip-tampered", Severity.ERROR, "a cached module zip does not hash to the .ziphash the go command trusts")
def zip_tampered(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, r in modcache.iter_entries(rep):
        zh = r.get("ziphash") or {}
        if e.kind == "fips140" and e.version in rep.fips_sums:
            sha, want = rep.fips_sums[e.version]
            if zh.get("value") and want and zh["value"] != want:
                yield finding(
                    f"{e.path}@{e.version}: .ziphash records {zh['value']} but GOROOT/lib/fips140/fips140.sum says {want}",
                    file=e.files.get("ziphash"), module=e.path, version=e.version, fix=_fix(e),
                )
            f = r.get("fips") or {}
            if f.get("sha256") and f["sha256"] != sha:
                yield finding(
                    f"{e.path}@{e.version}: the GOROOT snapshot zip it is unpacked from has SHA-256 {f['sha256']}, "
                    f"GOROOT/lib/fips140/fips140.sum says {sha}",
                    file=f.get("file"), module=e.path, version=e.version,
                )
        z = r.get("zip")
        if not z:
            continue
        if z.get("error"):
            yield finding(
                f"{e.path}@{e.version}: the module zip cannot be hashed: {z['error']}",
                file=e.files.get("zip"), module=e.path, version=e.version, fix=_fix(e),
            )
        elif zh.get("value") and not zh.get("error") and z.get("h1") != zh["value"]:
            yield finding(
                f"{e.path}@{e.version}: zip has been modified: it hashes to {z['h1']}, .ziphash says {zh['value']}",
                file=e.files.get("zip"), module=e.path, version=e.version, fix=_fix(e),
                actual=z["h1"], expected=zh["value"],
            )


@rule("modcache-dir-tampered", Severity.ERROR, "an extracted module directory does not hash to its .ziphash (or zip)")
def dir_tampered(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, r in modcache.iter_entries(rep):
        d = r.get("dir")
        if not d or not e.extracted or "partial" in e.files:
            continue
        ref, source = modcache.reference_hash(rep, e)
        if ref is None:
            continue  # modcache-orphan-dir
        if d.get("error"):
            yield finding(
                f"{e.path}@{e.version}: the extracted directory cannot be verified: {d['error']}",
                file=e.extracted, module=e.path, version=e.version, fix=_fix(e),
            )
            continue
        expected = ref
        z = r.get("zip") or {}
        # A zip with explicit directory entries: HashZip counts them, no
        # extracted tree can (known, benign). Compare with the zip's files only.
        if z.get("h1") == ref and z.get("dir_entries") and z.get("h1_files"):
            expected = z["h1_files"]
        if d.get("h1") != expected:
            yield finding(
                f"{e.path}@{e.version}: dir has been modified: it hashes to {d.get('h1')}, {source} says {ref}",
                file=e.extracted, module=e.path, version=e.version, fix=_fix(e),
                actual=d.get("h1"), expected=expected,
            )


@rule("modcache-mod-tampered", Severity.ERROR, "a cached .mod file does not hash to the /go.mod line of go.sum")
def mod_tampered(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    lines = _sum_lines(ctx)
    for e, r in modcache.iter_entries(rep):
        m = r.get("mod")
        if not m:
            continue
        recorded = lines.get((e.path, e.version, True))
        if not recorded:
            continue
        if m.get("error"):
            yield finding(
                f"{e.path}@{e.version}: the cached .mod cannot be read: {m['error']}",
                file=e.files.get("mod"), module=e.path, version=e.version, fix=_fix(e),
            )
            continue
        hashes = {ln.hash for ln in recorded}
        if m["h1"] not in hashes:
            where = ", ".join(f"{p}:{ln.line}" for p, ln in _where(ctx, (e.path, e.version, True))[:3])
            yield finding(
                f"{e.path}@{e.version}: the cached .mod hashes to {m['h1']}, go.sum records {sorted(hashes)[0]} ({where})",
                file=e.files.get("mod"), module=e.path, version=e.version, fix=_fix(e),
                actual=m["h1"], expected=sorted(hashes),
            )


@rule("gosum-cache-mismatch", Severity.ERROR, "a go.sum line disagrees with the module cache's hash for that version")
def gosum_cache_mismatch(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for unit in [*ctx.modules, *ctx.workspaces]:
        sf = ctx.sumfile(unit)
        if sf is None:
            continue
        for ln in sf.lines:
            if ln.gomod or ln.algorithm != "h1":
                continue  # /go.mod lines: modcache-mod-tampered
            h, where = modcache.cache_zip_hash(rep, (ln.path, ln.version))
            if h is None or h == ln.hash:
                continue
            yield finding(
                f"{ln.path} {ln.version}: go.sum records {ln.hash}, the module cache has {h} ({where})",
                file=sf.path, span=ln.span, module=ln.path, version=ln.version,
                cache_hash=h, cache_file=where,
            )


@rule("modcache-orphan-dir", Severity.WARNING, "an extracted module directory has no .ziphash or .zip left to verify it")
def orphan_dir(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    lines = _sum_lines(ctx)
    for e, r in modcache.iter_entries(rep):
        if not e.extracted or "partial" in e.files or r.get("crash"):
            continue  # (a crashed verification is a note, not a missing reference)
        ref, _src = modcache.reference_hash(rep, e)
        if ref is not None:
            continue
        d = r.get("dir") or {}
        recorded = {ln.hash for ln in lines.get((e.path, e.version, False), [])}
        if recorded and d.get("h1") in recorded:
            extra = "its content matches the go.sum line in scope"
        elif recorded:
            extra = f"its content ({d.get('h1') or d.get('error')}) does NOT match go.sum ({sorted(recorded)[0]})"
        else:
            extra = "no go.sum in scope records it either"
        yield finding(
            f"{e.path}@{e.version}: extracted directory with no .ziphash or .zip to check it against "
            f"(`go mod verify` silently passes it); {extra}",
            file=e.extracted, module=e.path, version=e.version, fix=_fix(e), h1=d.get("h1"),
        )


@rule("modcache-incomplete", Severity.WARNING, "an interrupted or partial download or extraction is left in the module cache")
def incomplete(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, r in modcache.iter_entries(rep):
        mv = f"{e.path}@{e.version}"
        kw: dict[str, Any] = {"module": e.path, "version": e.version, "fix": _fix(e)}
        if "partial" in e.files:
            yield finding(f"{mv}: a .partial file is left: extraction was interrupted and the directory may be incomplete", file=e.files["partial"], **kw)
        for t in e.tmp:
            yield finding(f"{mv}: leftover temporary file from an interrupted download", file=t, **kw)
        for t in e.extracted_tmp:
            yield finding(f"{mv}: leftover temporary extraction directory (Go before 1.16)", file=t, **kw)
        zh = r.get("ziphash")
        if "zip" in e.files and "ziphash" not in e.files:
            yield finding(f"{mv}: a .zip without its .ziphash: the download or its verification did not finish", file=e.files["zip"], **kw)
        if zh and zh.get("error"):
            yield finding(f"{mv}: .ziphash is not valid: {zh['error']}", file=e.files.get("ziphash"), **kw)
    for s in rep.layout.strays:
        if s.kind == "incomplete":
            yield finding(s.message, file=s.file, module=s.module, version=s.version)


@rule("modcache-info-invalid", Severity.INFO, "a cached .info file is malformed or contradicts its module version")
def info_invalid(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, r in modcache.iter_entries(rep):
        i = r.get("info")
        if not i or not i.get("problems"):
            continue
        yield finding(
            f"{e.path}@{e.version}: .info {'; '.join(i['problems'])} (.info is never authenticated; the go command may act on it)",
            file=e.files.get("info"), module=e.path, version=e.version,
        )


@rule("modcache-writable", Severity.WARNING, "files or directories of an extracted module are writable")
def writable(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    # -modcacherw leaves directories writable on purpose; files stay 0444. The
    # flag may have been given on the command line of the go command that
    # extracted the module (`go mod download -modcacherw`), not in today's
    # GOFLAGS, so go's own layout for it (every directory writable, no file) is
    # recognised per module too. A module with one directory shows that layout
    # after a mere `chmod u+w` of its root, so for those it counts only when the
    # cache shows the flag was used: a module with subdirectories in that layout,
    # or every extracted module in it.
    layouts: dict[tuple[str, str], tuple[bool, int]] = {}
    for e, r in modcache.iter_entries(rep):
        d = r.get("dir")
        if d and e.extracted:
            wdirs = d.get("writable_dirs") or []
            layouts[(e.path, e.version)] = (not d.get("writable_files") and bool(wdirs) and len(wdirs) == d.get("dirs"), int(d.get("dirs") or 0))
    rw_seen = any(rw and n >= 2 for rw, n in layouts.values()) or (bool(layouts) and all(rw for rw, _ in layouts.values()))
    for e, r in modcache.iter_entries(rep):
        d = r.get("dir")
        if not d or not e.extracted:
            continue
        files = d.get("writable_files") or []
        dirs = d.get("writable_dirs") or []
        rw_layout, ndirs = layouts[(e.path, e.version)]
        if rep.modcacherw or (rw_layout and (ndirs >= 2 or rw_seen)):
            dirs = []
        if not files and not dirs:
            continue
        parts = []
        if files:
            parts.append(f"{len(files)} file{'s' if len(files) != 1 else ''}")
        if dirs:
            parts.append(f"{len(dirs)} director{'ies' if len(dirs) != 1 else 'y'}")
        example = (files or dirs)[0]
        yield finding(
            f"{e.path}@{e.version}: {' and '.join(parts)} writable (e.g. {example}); the go command makes extracted modules "
            "read-only so an editor or tool can't change them unnoticed",
            file=os.path.join(e.extracted, example) if example != "." else e.extracted,
            module=e.path, version=e.version, writable_files=files[:50], writable_dirs=dirs[:50],
        )


@rule("modcache-unexpected-file", Severity.WARNING, "a symlink, FIFO, device, hard link, stray file or unsafe zip entry in the module cache")
def unexpected_file(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for s in rep.layout.strays:
        if s.kind == "unexpected":
            yield finding(s.message, file=s.file, module=s.module, version=s.version)
    for e, r in modcache.iter_entries(rep):
        mv = f"{e.path}@{e.version}"
        kw: dict[str, Any] = {"module": e.path, "version": e.version, "fix": _fix(e)}
        z = r.get("zip") or {}
        zprobs = z.get("problems") or []
        for name, msg in zprobs[:MAX_PER_ENTRY]:
            yield finding(f"{mv}: zip entry {name!r}: {msg} (never extracted)", file=e.files.get("zip"), entry=name, **kw)
        if len(zprobs) > MAX_PER_ENTRY:
            yield finding(f"{mv}: {len(zprobs) - MAX_PER_ENTRY} more bad zip entries", file=e.files.get("zip"), **kw)
        d = r.get("dir") or {}
        dprobs = d.get("problems") or []
        for name, msg in dprobs[:MAX_PER_ENTRY]:
            yield finding(
                f"{mv}: {msg} in the extracted module (the go command only ever writes regular files; never followed)",
                file=os.path.join(e.extracted or "", name), **kw,
            )
        if len(dprobs) > MAX_PER_ENTRY:
            yield finding(f"{mv}: {len(dprobs) - MAX_PER_ENTRY} more irregular entries", file=e.extracted, **kw)


# -- vendor/ ---------------------------------------------------------------------------------


@rule("vendor-file-tampered", Severity.ERROR, "a vendored file differs from, or is not in, the verified module it is vendored from")
def vendor_file_tampered(ctx: Context) -> Iterator[Finding]:
    from gozt_lint import vendor
    from gozt_lint.fileio import read_regular

    for unit in [*ctx.modules, *ctx.workspaces]:
        top = unit.dir / "vendor"
        data = read_regular(str(top / "modules.txt"), vendor.MAX_MODULES_TXT)
        if data is None:
            continue
        yield from _check_vendor_tree(ctx, unit.dir, str(top), vendor.parse(data))


def _check_vendor_tree(ctx: Context, root: Any, top: str, mt: Any) -> Iterator[Finding]:
    """Each file below vendor/ against the same file of the module that modules.txt
    says provides it: the cached zip, once its HashZip equals go.sum's h1 line, or
    the directory of a local replacement. `go mod vendor` copies files byte for
    byte, so any difference is an edit made after vendoring."""
    from gozt_lint import vendor

    by_owner: dict[tuple[str, str], list[str]] = {}
    strays: list[str] = []
    for rel, kind in _walk_vendor(top):
        if rel == "modules.txt":
            continue
        if kind != "file":
            yield finding(f"vendor/{rel} is a {kind}: `go mod vendor` writes only regular files", file=os.path.join(top, rel))
            continue
        h = vendor.owner(mt, rel)
        if h is None:
            strays.append(rel)
            continue
        by_owner.setdefault((h.path, h.version), []).append(rel)
    for rel in strays:
        yield finding(
            f"vendor/{rel} belongs to no module listed in vendor/modules.txt: `go mod vendor` did not write it",
            file=os.path.join(top, rel),
        )

    sums = _sum_lines(ctx)
    rep = modcache.for_context(ctx) if by_owner else None
    unchecked: list[str] = []
    opened: list[Any] = []
    try:
        checked = yield from _compare_owners(root, top, mt, by_owner, sums, rep, unchecked, opened)
    finally:
        for zf in opened:
            zf.close()
    if unchecked:
        more = f" (and {len(unchecked) - 3} more)" if len(unchecked) > 3 else ""
        ctx.note(f"vendor: {top}: {checked} files checked; not checked: {', '.join(unchecked[:3])}{more}")


def _compare_owners(
    root: Any, top: str, mt: Any, by_owner: dict[tuple[str, str], list[str]],
    sums: Any, rep: Any, unchecked: list[str], opened: list[Any],
) -> Generator[Finding, None, int]:
    """Findings for each owner's files; returns how many files were compared."""
    checked = 0
    for (path, version), rels in sorted(by_owner.items()):
        h = mt.providing[path]
        if h.new_path and not h.new_version:
            base = h.new_path if os.path.isabs(h.new_path) else os.path.join(root, h.new_path)
            source = _dir_source(base)
            origin = h.new_path
        else:
            src = (h.new_path, h.new_version) if h.new_path else (path, version)
            source, why = _zip_source(rep, sums, src, opened)
            origin = f"{src[0]}@{src[1]}"
            if source is None:
                unchecked.append(f"{origin} ({why})")
                continue
        checked += len(rels)
        for rel in rels:
            inner = rel[len(path) + 1:]
            problem = source(inner, os.path.join(top, rel))
            if problem:
                yield finding(
                    f"vendor/{rel} {problem} {origin}",
                    file=os.path.join(top, rel), module=path, version=version or None, source=origin,
                )
    return checked


def _walk_vendor(top: str) -> Iterator[tuple[str, str]]:
    """(path relative to vendor/, "file" or what else it is), never following links."""
    import stat

    from gozt_lint.fileio import file_kind

    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = sorted(os.scandir(os.path.join(top, rel_dir)), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            try:
                mode = e.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode):
                stack.append(rel)
            elif stat.S_ISREG(mode):
                yield rel, "file"
            else:
                yield rel, file_kind(mode, "special file")


_Source = Any  # Callable[[str, str], str | None]: (path in module, vendored file) -> problem


def _same_bytes(a: Any, b: Any) -> bool:
    while True:
        x, y = a.read(1 << 16), b.read(1 << 16)
        if x != y:
            return False
        if not x:
            return True


def _dir_source(base: str) -> _Source:
    def check(inner: str, vendored: str) -> str | None:
        want = os.path.join(base, inner)
        if not os.path.isfile(want) or os.path.islink(want):
            return "is not in the replacement directory"
        try:
            with open(want, "rb") as a, open(vendored, "rb") as b:
                return None if _same_bytes(a, b) else "differs from its copy in the replacement directory"
        except OSError as e:
            return f"cannot be compared ({e.strerror or e}) with"
    return check


def _zip_source(
    rep: modcache.Report | None, sums: dict[tuple[str, str, bool], list[SumLine]], src: tuple[str, str], opened: list[Any]
) -> tuple[_Source | None, str]:
    """A checker reading the module's cached zip, or None and why it can't be trusted."""
    import zipfile

    from gozt_lint import dirhash

    want = {ln.hash for ln in sums.get((src[0], src[1], False), [])}
    if len(want) != 1:
        return None, "no go.sum line" if not want else "conflicting go.sum lines"
    if rep is None or not rep.layout.exists:
        return None, "no module cache"
    e = rep.layout.entries.get(src)
    zpath = e.files.get("zip") if e is not None else None
    if not zpath:
        return None, "not in the module cache"
    got = ((rep.results.get(src) or {}).get("zip") or {}).get("h1") or dirhash.hash_zip(zpath).h1
    if got not in want:
        return None, "the cached zip does not match go.sum"
    prefix = f"{src[0]}@{src[1]}/"
    try:
        zf = zipfile.ZipFile(zpath)
        opened.append(zf)
        names = {i.filename[len(prefix):]: i for i in zf.infolist() if i.filename.startswith(prefix)}
    except (OSError, zipfile.BadZipFile, ValueError) as err:
        return None, f"unreadable zip: {err}"

    def check(inner: str, vendored: str) -> str | None:
        info = names.get(inner)
        if info is None or info.is_dir():
            return "is not in"
        try:
            if os.path.getsize(vendored) != info.file_size:
                return "differs from its copy in"
            with zf.open(info) as a, open(vendored, "rb") as b:
                return None if _same_bytes(a, b) else "differs from its copy in"
        except (OSError, zipfile.BadZipFile, ValueError, RuntimeError) as err:
            return f"cannot be compared ({err}) with"
    return check, ""
