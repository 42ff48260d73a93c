"""Where one module version came from, as far as the local machine can tell.

Editor-agnostic: the language server renders it on hover, but nothing here knows
about editors. It gathers, without judging:

- the hashes go.sum records (zip and ``/go.mod`` lines, with their line numbers);
- what the module cache holds: ``.ziphash``, ``.zip``/``.mod``/``.info`` files and
  their times (the download time is a local file time, nothing more);
- the ``Origin`` block of ``.info`` (VCS, URL, commit, ref), which no hash covers
  and which is therefore shown as unauthenticated;
- the checksum database's record status, when the checksum-database module
  offers one;
- each rule's verdict: the findings that concern this module version.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from gozt_lint.errors import InputError
from gozt_lint.fileio import read_input

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.finding import Finding

# A .ziphash is one h1 line; an .info file is a small JSON object.
_ZIPHASH_LIMIT = 4 << 10
_INFO_LIMIT = 1 << 20


@dataclass(frozen=True)
class SumRecord:
    file: str
    line: int
    gomod: bool
    hash: str


@dataclass(frozen=True)
class CachedFile:
    path: str
    size: int
    mtime: float


@dataclass
class Provenance:
    path: str
    version: str
    gosum: list[SumRecord] = field(default_factory=list)
    cache_dir: str | None = None  # GOMODCACHE/cache/download/<escaped>/@v
    ziphash: str | None = None
    zip: CachedFile | None = None
    mod: CachedFile | None = None
    info: CachedFile | None = None
    info_time: str | None = None  # the proxy's claimed commit time ("Time")
    origin: dict[str, Any] = field(default_factory=dict)
    extracted: str | None = None
    sumdb: Any = None  # whatever the checksum-database module reports, or None
    sumdb_note: str | None = None
    verdicts: list[Finding] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def downloaded(self) -> float | None:
        """When the cache entry was written (earliest of its files' mtimes)."""
        times = [f.mtime for f in (self.zip, self.mod, self.info) if f is not None]
        return min(times) if times else None

    @property
    def zip_sums(self) -> list[SumRecord]:
        return [r for r in self.gosum if not r.gomod]

    @property
    def mod_sums(self) -> list[SumRecord]:
        return [r for r in self.gosum if r.gomod]


def _stat(path: Path) -> CachedFile | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return CachedFile(str(path), st.st_size, st.st_mtime)


def gomodcache(ctx: Context) -> str | None:
    """GOMODCACHE as the go command would compute it, without running go."""
    from gozt_lint import goenv

    value = goenv.load(ctx.environ, go=ctx.options.go, run=False).get("GOMODCACHE")
    return value if value and os.path.isabs(value) else None


def gather(
    ctx: Context,
    path: str,
    version: str,
    *,
    findings: Iterable[Finding] = (),
    rules_run: Iterable[str] = (),
) -> Provenance:
    """Collect the provenance of ``path@version``. Never raises for bad cache data:
    what cannot be read is listed in ``problems``."""
    from gozt_lint import module

    p = Provenance(path=path, version=version, rules_run=list(rules_run))
    if not ctx.units:
        ctx.discover()
    for unit in ctx.units:
        sf = ctx.sumfile(unit)
        if sf is None:
            continue
        for ln in sf.lines:
            if ln.path == path and ln.version == version:
                p.gosum.append(SumRecord(sf.path, ln.line, ln.gomod, ln.hash))

    cache = gomodcache(ctx)
    if cache:
        try:
            esc_path, esc_version = module.escape_path(path), module.escape_version(version)
        except ValueError as e:
            p.problems.append(str(e))
        else:
            _read_cache(p, Path(cache), esc_path, esc_version)
    else:
        p.problems.append("GOMODCACHE is not known (no GOPATH or HOME)")

    p.sumdb, p.sumdb_note = _sumdb_status(ctx, path, version)
    p.verdicts = [f for f in findings if f.module == path and (f.version in (None, version))]
    return p


def _read_cache(p: Provenance, cache: Path, esc_path: str, esc_version: str) -> None:
    d = cache / "cache" / "download" / esc_path / "@v"
    p.cache_dir = str(d)
    zh = d / f"{esc_version}.ziphash"
    if os.path.lexists(zh):
        try:
            p.ziphash = read_input(zh, _ZIPHASH_LIMIT).decode("utf-8", "replace").strip()
        except InputError as e:
            p.problems.append(str(e))
    p.zip = _stat(d / f"{esc_version}.zip")
    p.mod = _stat(d / f"{esc_version}.mod")
    info = d / f"{esc_version}.info"
    p.info = _stat(info)
    if p.info is not None:
        try:
            doc = json.loads(read_input(info, _INFO_LIMIT).decode("utf-8"))
        except (InputError, UnicodeDecodeError, ValueError, RecursionError) as e:
            p.problems.append(f"{info}: unreadable .info: {e}")
        else:
            if isinstance(doc, dict):
                t = doc.get("Time")
                p.info_time = t if isinstance(t, str) else None
                origin = doc.get("Origin")
                if isinstance(origin, dict):
                    p.origin = {str(k): v for k, v in origin.items() if isinstance(v, (str, int, float, bool))}
            else:
                p.problems.append(f"{info}: .info is not a JSON object")
    extracted = cache / f"{esc_path}@{esc_version}"
    if extracted.is_dir():
        p.extracted = str(extracted)


def _sumdb_status(ctx: Context, path: str, version: str) -> tuple[Any, str | None]:
    # The checksum-database module may not be present (or may not offer this yet).
    try:
        from gozt_lint.sumdb.check import record_status
    except (ImportError, AttributeError):
        return None, "checksum-database lookups are not available in this build"
    try:
        return record_status(ctx, path, version), None
    except Exception as e:  # a hover must never fail because a lookup did
        return None, f"checksum-database lookup failed: {type(e).__name__}: {e}"


# -- rendering ------------------------------------------------------------------------------


def _when(ts: float | None) -> str:
    if ts is None:
        return "unknown"
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _md(text: object) -> str:
    """Inline code that survives any content (backticks in untrusted data)."""
    s = str(text).replace("\n", " ")
    fence = "`"
    while fence in s:
        fence += "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _cell(text: str) -> str:
    # GitHub-flavoured tables split on "|" even inside code spans.
    return text.replace("|", "\\|")


def _sumdb_text(value: Any) -> str:
    if value is None:
        return "no record"
    if isinstance(value, dict):
        # The checksum-database module's record_status: status, verified, database,
        # tree_size, record_id, hashes (anything else is shown as key: value).
        parts: list[str] = []
        if value.get("status"):
            parts.append(str(value["status"]))
        if value.get("verified") is True:
            parts.append("verified against a signed tree head")
        elif value.get("verified") is False:
            parts.append("not verified")
        if value.get("database"):
            parts.append(f"database {_md(value['database'])}")
        if value.get("tree_size") is not None:
            parts.append(f"tree size {value['tree_size']}")
        if value.get("record_id") is not None:
            parts.append(f"record {value['record_id']}")
        hashes = value.get("hashes")
        if isinstance(hashes, (list, tuple)) and hashes:
            parts.append("records " + ", ".join(_md(h) for h in hashes))
        known = {"status", "verified", "database", "tree_size", "record_id", "hashes"}
        parts += [f"{k}: {v}" for k, v in value.items() if k not in known and v not in (None, "", [], {})]
        return ", ".join(parts) or "no record"
    for attr in ("status", "verdict"):
        if hasattr(value, attr):
            parts = [str(getattr(value, attr))]
            for extra in ("tree_size", "hash", "note"):
                if getattr(value, extra, None) is not None:
                    parts.append(f"{extra.replace('_', ' ')} {getattr(value, extra)}")
            return ", ".join(parts)
    return str(value)


def render_markdown(p: Provenance, root: str | None = None) -> str:
    """The provenance as Markdown (what an editor shows on hover)."""

    def rel(f: str) -> str:
        if root:
            try:
                r = os.path.relpath(f, root)
                if not r.startswith(".."):
                    return r
            except ValueError:
                pass
        return f

    out = [f"**{_md(p.path)} {_md(p.version)}**", ""]
    rows: list[tuple[str, str]] = []
    for r in p.zip_sums:
        rows.append((f"{rel(r.file)}:{r.line}", _md(r.hash)))
    for r in p.mod_sums:
        rows.append((f"{rel(r.file)}:{r.line} (/go.mod)", _md(r.hash)))
    if not p.gosum:
        rows.append(("go.sum", "no lines for this version"))
    if p.ziphash is not None:
        same = {r.hash for r in p.zip_sums}
        note = ""
        if same:
            note = " (same as go.sum)" if same == {p.ziphash} else " (differs from go.sum)"
        rows.append(("module cache `.ziphash`", _md(p.ziphash) + note))
    elif p.cache_dir:
        rows.append(("module cache", "not downloaded" if p.zip is None and p.mod is None else "no `.ziphash`"))
    if p.sumdb_note is not None:
        rows.append(("checksum database", p.sumdb_note))
    else:
        rows.append(("checksum database", _sumdb_text(p.sumdb)))
    out.append("| source | record |")
    out.append("| --- | --- |")
    out += [f"| {_cell(a)} | {_cell(b)} |" for a, b in rows]
    out.append("")

    if p.origin:
        keys = ["VCS", "URL", "Subdir", "Hash", "Ref"]
        shown = [f"{k.lower() if k != 'Hash' else 'commit'} {_md(p.origin[k])}" for k in keys if k in p.origin]
        out.append("**Origin** (from `.info`; unauthenticated: no hash covers it): " + ", ".join(shown))
    if p.info_time:
        out.append(f"**Version time** (claimed by the proxy, unauthenticated): {_md(p.info_time)}")
    if p.downloaded is not None:
        out.append(f"**Downloaded**: {_when(p.downloaded)} (local file time of the cache entry)")
    if p.extracted:
        out.append(f"**Extracted**: {_md(p.extracted)}")
    out.append("")

    if p.verdicts:
        out.append("**Verdicts**")
        for f in p.verdicts:
            out.append(f"- {f.severity.value} {_md(f.rule)}: {f.message}")
    elif p.rules_run:
        out.append(f"**Verdicts**: no finding from the {len(p.rules_run)} rules run")
    for prob in p.problems:
        out.append(f"- note: {prob}")
    return "\n".join(out).rstrip() + "\n"
