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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generator, Iterator

from gozt_lint import dirhash, modcache
from gozt_lint.finding import Finding, Severity, finding
from gozt_lint.registry import rule

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


# -- go.sum against the cache: who is wrong? --------------------------------------------


@dataclass
class Dispute:
    """go.sum lines that disagree with the cache about one hash of a module version.

    Which side is wrong can't be known from the two alone: the checksum database
    decides when its record is available (``recorded``); ``source`` names that
    record, or says why there is none."""

    entry: modcache.Entry
    gomod: bool
    cache_hash: str
    cache_file: str | None
    how: str  # "records" (.ziphash) or "hashes to" (.zip, .mod)
    lines: list[tuple[str, SumLine]]  # (go.sum path, line) that disagree
    recorded: list[str] | None = None
    source: str = ""  # the record's database and number, or why there is none

    @property
    def what(self) -> str:
        if self.gomod:
            return "cached .mod"
        return "cached .ziphash" if self.how == "records" else "cached .zip"

    @property
    def cache_wrong(self) -> bool:
        return self.recorded is not None and self.cache_hash not in self.recorded

    def line_wrong(self, ln: SumLine) -> bool:
        return self.recorded is not None and ln.hash not in self.recorded


def _disputes(ctx: Context) -> list[Dispute]:
    """Every go.sum line in scope against the cache's hash for it (counted in the
    run summary), with the checksum database's verdict on each disagreement."""
    rep = _report(ctx)
    if rep is None:
        ctx.verified("gosum_lines_against_cache", 0)
        return []
    by_key: dict[tuple[str, str, bool], list[tuple[str, SumLine]]] = {}
    for unit in [*ctx.modules, *ctx.workspaces]:
        sf = ctx.sumfile(unit)
        if sf is None:
            continue
        for ln in sf.lines:
            if ln.algorithm == "h1" and not ln.legacy_empty_gomod:
                by_key.setdefault((ln.path, ln.version, ln.gomod), []).append((sf.path, ln))
    out: list[Dispute] = []
    compared = 0
    for (path, version, gomod), lines in sorted(by_key.items(), key=lambda kv: kv[0]):
        e = rep.layout.entries.get((path, version))
        if e is None:
            continue
        if gomod:
            m = (rep.results.get(e.key) or modcache.EntryResult()).get("mod")
            h, file, how = m["h1"] if m else None, e.files.get("mod"), "hashes to"
        else:
            h, file, how = modcache.cache_zip_hash(rep, e.key)
        if not h:
            continue
        compared += len(lines)
        # go.sum agreeing with the zip while the .ziphash does not is the cache at
        # odds with itself: modcache-zip-tampered says which of the two is wrong.
        own = {h} if gomod else {h, ((rep.results.get(e.key) or modcache.EntryResult()).get("zip") or {}).get("h1")}
        bad = [(f, ln) for f, ln in lines if ln.hash not in own]
        if bad:
            out.append(Dispute(e, gomod, h, file, how, bad))
    ctx.verified("gosum_lines_against_cache", compared)
    if out:
        from gozt_lint.sumdb.check import verified_record

        for d in out:
            lk, d.source = verified_record(ctx, d.entry.path, d.entry.version)
            if lk is not None:
                d.recorded = lk.hashes(d.gomod)
    return out


def _dispute(ctx: Context, e: modcache.Entry, gomod: bool) -> Dispute | None:
    return next((d for d in ctx.once(_disputes) if d.entry is e and d.gomod == gomod), None)


def _gosum_hashes(ctx: Context, e: modcache.Entry) -> tuple[set[str], str]:
    """go.sum's zip hashes for an entry, and where they are."""
    where: list[tuple[str, SumLine]] = []
    for unit in [*ctx.modules, *ctx.workspaces]:
        sf = ctx.sumfile(unit)
        if sf is not None:
            where += [(sf.path, ln) for ln in sf.lines if (ln.path, ln.version, ln.gomod, ln.algorithm) == (e.path, e.version, False, "h1")]
    return {ln.hash for _, ln in where}, _where(where)


def _where(lines: list[tuple[str, SumLine]]) -> str:
    shown = [f"{f}:{ln.line}" for f, ln in lines[:3]]
    return ", ".join(shown) + (f" and {len(lines) - 3} more" if len(lines) > 3 else "")


def _cache_side(ctx: Context, gomod: bool) -> Iterator[Finding]:
    """The disputes the checksum database settled against the cache."""
    for d in ctx.once(_disputes):
        if d.gomod != gomod or not d.cache_wrong:
            continue
        e = d.entry
        right = [(f, ln) for f, ln in d.lines if not d.line_wrong(ln)]
        vouch = f"go.sum ({_where(right)}) and {d.source} record" if right else f"{d.source} records"
        yield finding(
            f"{e.path}@{e.version}: the {d.what} {d.how} {d.cache_hash}, but {vouch} "
            f"{', '.join(d.recorded or []) or 'no such hash'}: the cache is wrong",
            file=d.cache_file, module=e.path, version=e.version, fix=_fix(e),
            actual=d.cache_hash, expected=d.recorded, decided_by=d.source,
        )


@rule("modcache-zip-tampered", Severity.ERROR, "a cached module zip does not hash to its .ziphash, or go.sum and the checksum database prove it wrong")
def zip_tampered(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, r in modcache.iter_entries(rep):
        zh = r.get("ziphash")
        recorded = zh["value"] if zh else None  # what the go command reads, whitespace trimmed as it trims it
        if e.kind == "fips140" and e.version in rep.fips_sums:
            sha, want = rep.fips_sums[e.version]
            if recorded and want and recorded != want:
                yield finding(
                    f"{e.path}@{e.version}: .ziphash records {recorded} but GOROOT/lib/fips140/fips140.sum says {want}",
                    file=e.files.get("ziphash"), module=e.path, version=e.version, fix=_fix(e),
                )
            f = r.get("fips")
            if f and f["sha256"] and f["sha256"] != sha:
                yield finding(
                    f"{e.path}@{e.version}: the GOROOT snapshot zip it is unpacked from has SHA-256 {f['sha256']}, "
                    f"GOROOT/lib/fips140/fips140.sum says {sha}",
                    file=f["file"], module=e.path, version=e.version,
                )
        z = r.get("zip")
        if not z:
            continue
        if z.get("error"):
            yield finding(
                f"{e.path}@{e.version}: the module zip cannot be hashed: {z['error']}",
                file=e.files.get("zip"), module=e.path, version=e.version, fix=_fix(e),
            )
        elif recorded and z.get("h1") != recorded:
            # The cache at odds with itself: go.sum says which of the two changed.
            mv = f"{e.path}@{e.version}"
            sums, where = _gosum_hashes(ctx, e)
            kw: dict[str, Any] = {"module": e.path, "version": e.version, "fix": _fix(e), "actual": z["h1"], "expected": recorded}
            if z["h1"] in sums:
                yield finding(
                    f"{mv}: .ziphash has been modified: it records {recorded}, but the zip hashes to {z['h1']}, "
                    f"as go.sum ({where}) records",
                    file=e.files.get("ziphash"), **kw,
                )
            elif recorded in sums:
                yield finding(
                    f"{mv}: zip has been modified: it hashes to {z['h1']}, .ziphash and go.sum ({where}) record {recorded}",
                    file=e.files.get("zip"), **kw,
                )
            else:
                yield finding(
                    f"{mv}: zip has been modified, or its .ziphash: the zip hashes to {z['h1']}, .ziphash says {recorded}"
                    + (f", go.sum ({where}) records neither" if sums else ""),
                    file=e.files.get("zip"), **kw,
                )
    yield from _cache_side(ctx, gomod=False)


@rule("modcache-ziphash-invalid", Severity.ERROR, "a .ziphash is not the 47-byte h1: hash the go command writes (truncated, unparsable or padded)")
def ziphash_invalid(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, r in modcache.iter_entries(rep):
        zh = r.get("ziphash")
        if not zh or not zh.get("error"):
            continue
        mv = f"{e.path}@{e.version}"
        zip_h1 = (r.get("zip") or {}).get("h1")
        kw: dict[str, Any] = {"file": e.files.get("ziphash"), "module": e.path, "version": e.version, "fix": _fix(e)}
        if zh.get("value"):
            same = " (what the zip hashes to)" if zip_h1 == zh["value"] else ""
            yield finding(
                f"{mv}: .ziphash is {zh['error']}, not the 47 bytes the go command writes; it still reads as {zh['value']}{same}",
                soften="warning", **kw,
            )
            continue
        zipped = f"; the zip hashes to {zip_h1}" if zip_h1 else ""
        yield finding(
            f"{mv}: .ziphash is {zh['error']}: builds compare this text with go.sum and re-extract the module, "
            f"`go mod verify` fails on it{zipped}",
            **kw,
        )


@rule("modcache-zip-hidden-data", Severity.ERROR, "a cached module zip holds bytes no hash covers: appended data, comments, gaps, overlapping or misnamed entries")
def zip_hidden_data(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, r in modcache.iter_entries(rep):
        layout = (r.get("zip") or {}).get("layout") or []
        if not layout:
            continue
        yield finding(
            f"{e.path}@{e.version}: {'; '.join(layout)}. The go command never writes such a zip, and the module "
            "hash covers only names and contents, so these bytes passed every check",
            file=e.files.get("zip"), module=e.path, version=e.version, fix=_fix(e), layout=layout,
        )


def _irregular_in_module(rep: modcache.Report, e: modcache.Entry, r: modcache.EntryResult) -> dict[str, str] | None:
    """Irregular entries (links, FIFOs...) of the extracted tree that stand where the
    verified zip has a file or a directory (name -> "file" or "directory"), when the
    rest of the tree matches the zip exactly; None when that is not known (no
    verified zip, or more has changed)."""
    ir = r.get("dir_irregular")
    z = r.get("zip") or {}
    ref, _src = modcache.reference_hash(rep, e)
    if not ir or not ir["zip_h1_rest"] or not z.get("h1") or z["h1"] != ref:
        return None
    if (r.get("dir") or {}).get("h1") != ir["zip_h1_rest"]:
        return None
    return dict(ir["in_module"])


def _irregular(r: modcache.EntryResult) -> list[dirhash.Problem]:
    out = []
    for p in (r.get("dir") or {}).get("problems") or []:
        q = dirhash.Problem.from_json(p)
        if q is not None:
            out.append(q)
    return out


@rule("modcache-dir-tampered", Severity.ERROR, "an extracted module directory does not hash to its .ziphash (or zip), or a file of it was replaced by a link")
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
        mv = f"{e.path}@{e.version}"
        kw: dict[str, Any] = {"module": e.path, "version": e.version, "fix": _fix(e)}
        replaced = _irregular_in_module(rep, e, r)
        if replaced is not None:
            # The rest of the tree is intact: say what stands where a file belongs.
            for p in _irregular(r):
                if p.kind == "irregular" and p.name in replaced:
                    what = f"a symbolic link to {p.target!r}" if p.target is not None else f"a {p.message}"
                    has = "a regular file" if replaced[p.name] == "file" else "a directory"
                    yield finding(
                        f"{mv}: {p.name} is {what} where the module has {has}: builds compile whatever it "
                        "points to, which lives outside the read-only cache and can change at any time",
                        file=os.path.join(e.extracted, p.name), entry=p.name, target=p.target, **kw,
                    )
            continue
        if d.get("error"):
            yield finding(f"{mv}: the extracted directory cannot be verified: {d['error']}", file=e.extracted, **kw)
            continue
        expected: str | None = ref
        z = r.get("zip") or {}
        # A zip with explicit directory entries: HashZip counts them, no
        # extracted tree can (known, benign). Compare with the zip's files only.
        if z.get("h1") == ref and z.get("dir_entries") and z.get("h1_files"):
            expected = z["h1_files"]
        if d.get("h1") == expected:
            continue
        if z.get("h1") and z["h1"] != ref and d.get("h1") in (z["h1"], z.get("h1_files")):
            continue  # the tree is the zip's: the zip and its .ziphash disagree (modcache-zip-tampered)
        disp = _dispute(ctx, e, gomod=False)
        if disp is not None and disp.cache_wrong and d.get("h1") in (disp.recorded or []):
            continue  # the tree is what the database records: the cache's zip is the wrong part
        n = sum(1 for p in _irregular(r) if p.kind == "irregular")
        extra = f" ({n} link{'s' if n != 1 else ''} or special file{'s' if n != 1 else ''} in it not hashed: see modcache-unexpected-file)" if n else ""
        if disp is not None and any(ln.hash == d.get("h1") for _f, ln in disp.lines):
            extra += f"; go.sum records {d.get('h1')}, like the directory (see gosum-cache-mismatch)"
        yield finding(
            f"{mv}: dir has been modified: its regular files hash to {d.get('h1')}, {source} says {ref}{extra}",
            file=e.extracted, actual=d.get("h1"), expected=expected, **kw,
        )


@rule("modcache-mod-tampered", Severity.ERROR, "a cached .mod file is unreadable, or go.sum and the checksum database prove it wrong")
def mod_tampered(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    lines = _sum_lines(ctx)
    for e, r in modcache.iter_entries(rep):
        m = r.get("mod")
        if m and m.get("error") and lines.get((e.path, e.version, True)):
            yield finding(
                f"{e.path}@{e.version}: the cached .mod cannot be read: {m['error']}",
                file=e.files.get("mod"), module=e.path, version=e.version, fix=_fix(e),
            )
    yield from _cache_side(ctx, gomod=True)


@rule("gosum-cache-mismatch", Severity.ERROR, "a go.sum line and the module cache disagree on a hash (the checksum database names the wrong side when it can)")
def gosum_cache_mismatch(ctx: Context) -> Iterator[Finding]:
    for d in ctx.once(_disputes):
        e = d.entry
        suffix = "/go.mod" if d.gomod else ""
        for file, ln in d.lines:
            head = f"{ln.path} {ln.version}{suffix}: go.sum records {ln.hash}, the {d.what} {d.how} {d.cache_hash}"
            data: dict[str, Any] = {
                "cache_hash": d.cache_hash, "cache_file": d.cache_file, "decided_by": d.source or None,
            }
            if d.recorded is None:
                verdict = f"which is wrong is not known: {d.source}"
                data["verdict"] = "undecided"
            elif d.cache_wrong and not d.line_wrong(ln):
                continue  # the cache is wrong and this line right: modcache-*-tampered says so
            elif d.cache_wrong:
                verdict = f"both are wrong: {d.source} records {', '.join(d.recorded) or 'no such hash'}"
                data["verdict"] = "both"
            else:
                verdict = f"this go.sum line is wrong: {d.source} records {d.cache_hash} like the cache"
                data["verdict"] = "go.sum"
            yield finding(
                f"{head} ({d.cache_file}); {verdict}",
                file=file, span=ln.span, module=e.path, version=e.version, **data,
            )


def _locks(ctx: Context) -> dict[str, bool | None]:
    return {}


def _busy(ctx: Context, e: modcache.Entry) -> str:
    """A note for findings about an entry a running go command is writing."""
    lock = e.files.get("lock")
    if not lock:
        return ""
    cache = ctx.once(_locks)
    if lock not in cache:
        cache[lock] = modcache.lock_held(lock)
    if not cache[lock]:
        return ""
    return (
        f" (a go command is downloading or extracting it right now: it holds {os.path.basename(lock)} locked; "
        "run gozt-lint again when it has finished)"
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
        busy = _busy(ctx, e)
        yield finding(
            f"{e.path}@{e.version}: extracted directory with no .ziphash or .zip to check it against "
            f"(`go mod verify` silently passes it); {extra}{busy}",
            file=e.extracted, module=e.path, version=e.version, fix=_fix(e), h1=d.get("h1"), in_progress=bool(busy),
        )


@rule("modcache-incomplete", Severity.WARNING, "an interrupted or partial download or extraction is left in the module cache")
def incomplete(ctx: Context) -> Iterator[Finding]:
    rep = _report(ctx)
    if rep is None:
        return
    for e, _r in modcache.iter_entries(rep):
        if not ("partial" in e.files or e.tmp or e.extracted_tmp or ("zip" in e.files and "ziphash" not in e.files)):
            continue
        mv = f"{e.path}@{e.version}"
        busy = _busy(ctx, e)
        kw: dict[str, Any] = {"module": e.path, "version": e.version, "fix": _fix(e), "in_progress": bool(busy)}
        if "partial" in e.files:
            yield finding(f"{mv}: a .partial file is left: extraction was interrupted and the directory may be incomplete{busy}", file=e.files["partial"], **kw)
        for t in e.tmp:
            yield finding(f"{mv}: leftover temporary file from an interrupted download{busy}", file=t, **kw)
        for t in e.extracted_tmp:
            yield finding(f"{mv}: leftover temporary extraction directory (Go before 1.16){busy}", file=t, **kw)
        if "zip" in e.files and "ziphash" not in e.files:
            yield finding(f"{mv}: a .zip without its .ziphash: the download or its verification did not finish{busy}", file=e.files["zip"], **kw)
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
        busy = _busy(ctx, e)
        yield finding(
            f"{e.path}@{e.version}: {' and '.join(parts)} writable (e.g. {example}); the go command makes extracted modules "
            f"read-only so an editor or tool can't change them unnoticed{busy}",
            file=os.path.join(e.extracted, example) if example != "." else e.extracted,
            module=e.path, version=e.version, writable_files=files[:50], writable_dirs=dirs[:50], in_progress=bool(busy),
        )


@rule("modcache-unexpected-file", Severity.WARNING, "a symlink, FIFO, device, hard link, stray file, unsafe zip entry or zip entry the go command never writes in the module cache")
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
        zprobs = [q for q in (dirhash.Problem.from_json(p) for p in z.get("problems") or []) if q is not None]
        for p in zprobs[:MAX_PER_ENTRY]:
            if p.kind == "omitted":
                msg = f"{mv}: zip entry {p.name!r}: {p.message}; the go command never writes it, yet extracts it"
            else:
                msg = f"{mv}: zip entry {p.name!r}: {p.message} (never extracted)"
            yield finding(msg, file=e.files.get("zip"), entry=p.name, **kw)
        if len(zprobs) > MAX_PER_ENTRY:
            yield finding(f"{mv}: {len(zprobs) - MAX_PER_ENTRY} more bad zip entries", file=e.files.get("zip"), **kw)
        replaced = _irregular_in_module(rep, e, r) or {}
        dprobs = [p for p in _irregular(r) if not (p.kind == "irregular" and p.name in replaced)]
        for p in dprobs[:MAX_PER_ENTRY]:
            if p.kind == "unreadable":
                msg = f"{mv}: {p.name}: {p.message}"
            else:
                msg = (
                    f"{mv}: {p.name} is a {p.message} in the extracted module "
                    "(the go command only ever writes regular files; never followed)"
                )
            yield finding(msg, file=os.path.join(e.extracted or "", p.name), entry=p.name, target=p.target, **kw)
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
