"""The module graph, and which go.sum lines builds need, computed in Python.

No go process runs here. The graph is built as cmd/go/internal/modload builds it
(readModGraph): minimal version selection over go.mod files, with graph pruning
(a module at go 1.17 or later lists everything its packages need, so a pruned
dependency's requirements are recorded but not followed; an unpruned one's are
followed transitively; a workspace follows one level more), replacements (of a
version or of every version; by a module version or by a directory, whose go.mod
is read from the directory), exclusions, go.work's ``use`` and ``replace``, and
the ``go``/``toolchain`` pseudo-modules.

A dependency's go.mod is read from ``cache/download/<path>/@v/<version>.mod`` with
bounded, regular-file-only reads, and counts as verified when its h1 matches a
go.sum line (or, lacking one, the checksum database's cached, proven record).
Package imports come from the checkout's own files and from the module cache:
an extracted tree or, when the tree is absent or does not verify, the zip read
in place; either counts as verified when its hash (from the modcache family's
measurement) matches go.sum or the database. What could not be verified or read
is said in a note; it is used, never passed off as verified.

What the go command *needs* in go.sum is then found by replaying how ``go build
./...`` and ``go test ./...`` load (:mod:`gozt_lint.pkgload`): every go.mod it
reads needs its ``/go.mod`` line, every module it fetches its zip line. The
local toolchain's version plays no part beyond the ``go1.N`` release tags of
build constraints, which follow the toolchain that would run (GOTOOLCHAIN).

Everything is computed once per run (``ctx.once``) and shared by every unit of
the run: a go.mod read or a package scanned for one module is reused by the next,
so a monorepo of thirty modules over one set of versions costs about what one
module costs.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gozt_lint import gover, mvs
from gozt_lint.modsource import MAX_GO_MOD, DirSource, Source, ZipSource, iter_package_dirs
from gozt_lint.mvs import MV, Summary, is_toolchain

if TYPE_CHECKING:
    from gozt_lint import buildconstraint as bc
    from gozt_lint.context import Context, Unit
    from gozt_lint.imports import Scan
    from gozt_lint.modfile import ModFile
    from gozt_lint.sumfile import SumLine
    from gozt_lint.pkgload import SharedWalk, Unknown

# Graph pruning from this go version on (gover.ExplicitIndirectVersion).
PRUNING_VERSION = "1.17"
# The go line becomes a requirement ("go" pseudo-module) from this version on.
STRICT_VERSION = "1.21"
PRUNED, UNPRUNED, WORKSPACE = "pruned", "unpruned", "workspace"


@dataclass(frozen=True)
class Module:
    path: str
    version: str  # "" for main modules
    main: bool = False
    indirect: bool = False
    replace_path: str | None = None
    replace_version: str | None = None  # None with replace_path set: a directory replacement
    go_version: str | None = None

    @property
    def replaced_by_dir(self) -> bool:
        return self.replace_path is not None and not self.replace_version

    @property
    def effective(self) -> tuple[str, str] | None:
        """The module version whose files are built (the replacement if any); None for
        main modules and directory replacements."""
        if self.main or self.replaced_by_dir:
            return None
        if self.replace_path is not None and self.replace_version:
            return (self.replace_path, self.replace_version)
        return (self.path, self.version)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "version": self.version, "indirect": self.indirect}
        if self.main:
            out["main"] = True
        out["replace"] = (
            None if self.replace_path is None else {"path": self.replace_path, "version": self.replace_version or ""}
        )
        return out


class Graph:
    """One unit's module graph and needs.

    ``needed_gomod``: (path, "version/go.mod") of the go.sum lines `go build ./...` and
    `go test ./...` need (the go.mod files they read); ``needed_zip``: (path, version)
    of the zip lines (the modules they fetch); both None in vendor mode or when only
    the build list was asked for. ``complete`` is False when something needed could not
    be read: the needs are then certain but maybe not all. ``provenance`` says how each
    needed go.mod and module tree was verified ("go.sum", "the checksum database",
    "unverified: ...", "missing: ..."). The build list (``modules``, as `go list -m all`
    prints it, None when a go.mod it needs could not be read) and the requirement graph
    behind it (``requirements``, `go mod graph`) are computed on first use.
    """

    def __init__(
        self,
        unit_main: str,
        needed_gomod: set[tuple[str, str]] | None = None,
        needed_zip: set[tuple[str, str]] | None = None,
        complete: bool = True,
        provenance: dict[tuple[str, str], str] | None = None,
        build_config: str = "",
        providers: set[tuple[str, str]] | None = None,
        build_list: Any = None,
    ) -> None:
        self.unit_main = unit_main
        self.needed_gomod = needed_gomod
        self.needed_zip = needed_zip
        self.complete = complete
        self.provenance = provenance or {}
        self.build_config = build_config  # the configuration packages were loaded for
        self.providers = providers or set()  # zip needs that provide packages
        self._build_list = build_list
        self._computed: tuple[list[Module] | None, dict[MV, list[MV]], bool] | None = None

    def __repr__(self) -> str:
        return f"Graph({self.unit_main!r}, {len(self.needed_gomod or ())} go.mod needs, {len(self.needed_zip or ())} zip needs)"

    def _compute(self) -> tuple[list[Module] | None, dict[MV, list[MV]], bool]:
        if self._computed is None:
            self._computed = self._build_list() if self._build_list is not None else (None, {}, False)
            self._build_list = None
        return self._computed

    @property
    def modules(self) -> list[Module] | None:
        return self._compute()[0]

    @property
    def requirements(self) -> dict[MV, list[MV]]:
        return self._compute()[1]

    @property
    def gomod_updated(self) -> bool:
        """The go.mod's roots are not what the graph selects (the go command would change it)."""
        return self._compute()[2]

    def module(self, path: str) -> Module | None:
        for m in self.modules or ():
            if m.path == path:
                return m
        return None


# -- go.mod summaries ---------------------------------------------------------------------


def pruning_for(go: str | None) -> str:
    return PRUNED if go is not None and gover.compare(go, PRUNING_VERSION) >= 0 else UNPRUNED


def summary_of(mf: ModFile) -> Summary:
    reqs = [MV(r.path, r.version) for r in mf.require]
    go = mf.go.version if mf.go is not None else None
    if go is not None and gover.compare(go, STRICT_VERSION) >= 0:
        reqs.append(MV("go", go))
    return Summary(
        module=mf.module.path if mf.module is not None else "",
        go=go,
        toolchain=mf.toolchain.version if mf.toolchain is not None else None,
        requires=tuple(reqs),
        pruned=pruning_for(go) == PRUNED,
    )


def _summary_from_json(d: dict[str, Any]) -> Summary:
    return Summary(d["m"], d["g"], d["t"], tuple(MV(p, v) for p, v in d["r"]), bool(d["p"]))


def _summary_to_json(s: Summary) -> dict[str, Any]:
    return {"m": s.module, "g": s.go, "t": s.toolchain, "r": [list(r) for r in s.requires], "p": s.pruned}


class _ModFileError(Exception):
    pass


# -- the run-level store ------------------------------------------------------------------


@dataclass
class _GoMod:
    data: bytes | None
    h1: str | None
    file: str
    why: str = ""  # when data is None


@dataclass
class _Content:
    """A module version's files in the cache and how far they are trusted."""

    source: Source | None
    verified: bool
    why: str  # for notes
    h1: str | None  # the hash the chosen source was verified against


class Store:
    """Everything read for the graphs of one run, shared by its units."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.lock = threading.RLock()
        env = ctx.env
        root = env.get("GOMODCACHE")
        self.modcache = root if root and os.path.isabs(root) else None
        if self.modcache is not None:
            from gozt_lint.modcache import resolve_root

            self.modcache = resolve_root(self.modcache)
        self.gomods: dict[MV, _GoMod] = {}
        self.summaries: dict[str, Summary | str] = {}  # h1 -> summary or parse error
        self.cached_summaries: dict[MV, tuple[Summary | None, str | None, str | None]] = {}
        self.dir_summaries: dict[str, tuple[Summary | None, str]] = {}
        self.unit_summaries: dict[tuple[Any, ...], Summary | None] = {}
        self.go_files: dict[tuple[Any, str], bool] = {}
        self.contents: dict[tuple[MV, str | None], _Content] = {}
        self.scans: dict[tuple[Any, ...], Scan | None] = {}
        self.sources: dict[tuple[str, ...], Source] = {}
        # Extracted trees verified this run: module version -> "<path>@<version> <h1>"
        self.verified_trees: dict[MV, str] = {}
        # go.sum lines -> the graph's table of them, for the units' copies of one go.sum
        self.sum_tables: list[tuple[list[SumLine], dict[tuple[str, str], set[str]]]] = []
        self.walks: dict[Any, list[SharedWalk]] = {}  # pkgload: walks beyond the main modules, for other units
        self.sumdb: Any = None  # the shared checksum-database client, once asked for
        self._sumdb_tried = False
        self._memo: Any = None
        self.reads = 0

    # -- memo ---------------------------------------------------------------------------

    @property
    def memo(self) -> Any:
        if self._memo is None:
            from gozt_lint import memo as memo_mod

            self._memo = memo_mod.for_context(self.ctx)
        return self._memo

    # -- go.mod files of dependencies ----------------------------------------------------------

    def _dl(self, mv: MV, ext: str) -> str | None:
        from gozt_lint.module import escape_path, escape_version

        if self.modcache is None:
            return None
        try:
            return os.path.join(self.modcache, "cache", "download", escape_path(mv.path), "@v", escape_version(mv.version) + "." + ext)
        except ValueError:
            return None

    def gomod(self, mv: MV) -> _GoMod:
        """The cached go.mod of a module version (read once per run)."""
        from gozt_lint.dirhash import hash_gomod
        from gozt_lint.fileio import file_kind, read_regular

        with self.lock:
            got = self.gomods.get(mv)
            if got is not None:
                return got
        path = self._dl(mv, "mod")
        if path is None:
            got = _GoMod(None, None, "", "no module cache" if self.modcache is None else "not a valid module path or version")
        else:
            data = read_regular(path, MAX_GO_MOD + 1)
            self.reads += 1
            if data is None:
                try:
                    st = os.lstat(path)
                    why = f"{path} is a {file_kind(st.st_mode)}, not a go.mod file"
                except FileNotFoundError:
                    why = f"not in the module cache ({path})"
                except OSError as e:
                    why = f"cannot read {path}: {e.strerror or e}"
                got = _GoMod(None, None, path, why)
            elif len(data) > MAX_GO_MOD:
                got = _GoMod(None, None, path, f"{path} is larger than the go command's 16 MiB limit")
            else:
                got = _GoMod(data, hash_gomod(data), path)
        with self.lock:
            return self.gomods.setdefault(mv, got)

    def parse(self, data: bytes, h1: str | None, name: str) -> Summary:
        """A dependency's go.mod, parsed laxly as the go command does (memoized by hash)."""
        from gozt_lint.modfile import parse_gomod

        key = h1
        if key is not None:
            with self.lock:
                hit = self.summaries.get(key)
            if isinstance(hit, Summary):
                return hit
            if isinstance(hit, str):
                raise _ModFileError(hit)
            stored = self.memo.get("gomod-summary\0" + key)
            if isinstance(stored, dict):
                try:
                    s = _summary_from_json(stored)
                except (KeyError, TypeError, ValueError):
                    s = None
                if s is not None:
                    with self.lock:
                        self.summaries[key] = s
                    return s
        mf = parse_gomod(name, data, lax=True)
        bad = [e for e in mf.errors if e.stage != "load"]
        if bad:
            msg = f"{name}: {bad[0]}"
            if key is not None:
                with self.lock:
                    self.summaries[key] = msg
            raise _ModFileError(msg)
        s = summary_of(mf)
        if key is not None:
            with self.lock:
                self.summaries[key] = s
            self.memo.set("gomod-summary\0" + key, _summary_to_json(s))
        return s

    def cached_summary(self, mv: MV) -> tuple[Summary | None, str | None, str | None]:
        """(summary, why not, h1 of the go.mod) of a cached go.mod, once per run."""
        with self.lock:
            hit = self.cached_summaries.get(mv)
        if hit is not None:
            return hit
        gm = self.gomod(mv)
        if gm.data is None:
            got: tuple[Summary | None, str | None, str | None] = (None, gm.why, None)
        else:
            try:
                got = (self.parse(gm.data, gm.h1, gm.file), None, gm.h1)
            except _ModFileError as e:
                got = (None, str(e), gm.h1)
        with self.lock:
            return self.cached_summaries.setdefault(mv, got)

    def dir_summary(self, d: str) -> tuple[Summary | None, str]:
        """The go.mod of a replacement directory (the checkout's, or an editor buffer),
        parsed once per run through the context, as every unit of the run sees it."""
        from gozt_lint.context import unit_for

        with self.lock:
            hit = self.dir_summaries.get(d)
        if hit is not None:
            return hit
        u = unit_for(Path(d) / "go.mod")
        mf = self.ctx.modfile(u) if u is not None else None
        if mf is None:
            got: tuple[Summary | None, str] = (None, f"{Path(d) / 'go.mod'} cannot be read")
        elif not mf.syntax_ok or any(e.stage == "parse" for e in mf.errors):
            got = (None, f"{mf.path} does not parse; the go command refuses this graph")
        else:
            got = (summary_of(mf), "")
        with self.lock:
            return self.dir_summaries.setdefault(d, got)

    # -- the checksum database's cached records ---------------------------------------------

    def sumdb_hashes(self, path: str, version: str, gomod: bool) -> list[str] | None:
        """The hashes the checksum database recorded for path@version (proven from
        its cached tiles), or None when no verified record is at hand."""
        with self.lock:
            if not self._sumdb_tried:
                self._sumdb_tried = True
                self.sumdb = self._sumdb_client()
            client = self.sumdb
        if client is None:
            return None
        from gozt_lint.sumdb import check, client as sc

        if not check.uses_sumdb(path, self.ctx.env.get("GONOSUMDB")):
            return None
        try:
            lk = client.lookup(path, version)
        except Exception:  # noqa: BLE001 - a fallback only; the sumdb family reports problems
            return None
        if lk.status != sc.VERIFIED:
            return None
        return list(lk.hashes(gomod))

    def _sumdb_client(self) -> Any:
        if self.ctx.env.get("GOSUMDB") == "off":
            return None
        try:
            from gozt_lint.sumdb import check

            _rep, client = check.ready_client(self.ctx)
            return client
        except Exception:  # noqa: BLE001
            return None

    # -- module content -------------------------------------------------------------------------

    def dir_source(self, root: str, *, local: bool) -> DirSource:
        key = ("dir" if local else "tree", root)
        with self.lock:
            src = self.sources.get(key)
            if src is None:
                src = self.sources[key] = DirSource(root, local=local)
        return src  # type: ignore[return-value]

    def zip_source(self, zpath: str, prefix: str) -> ZipSource:
        key = ("zip", zpath)
        with self.lock:
            src = self.sources.get(key)
            if src is None:
                src = self.sources[key] = ZipSource(zpath, prefix)
        return src  # type: ignore[return-value]

    def content(self, mv: MV, expected: list[str]) -> _Content:
        """The files of a cached module version, from the extracted tree when it
        verifies, else from the zip read in place."""
        key = (mv, ",".join(sorted(expected)) or None)
        with self.lock:
            got = self.contents.get(key)
            if got is not None:
                return got
        got = self._content(mv, expected)
        with self.lock:
            return self.contents.setdefault(key, got)

    def _content(self, mv: MV, expected: list[str]) -> _Content:
        from gozt_lint.module import escape_path, escape_version

        if self.modcache is None:
            return _Content(None, False, "there is no module cache", None)
        try:
            tree = os.path.join(self.modcache, f"{escape_path(mv.path)}@{escape_version(mv.version)}")
        except ValueError:
            return _Content(None, False, "not a valid module path or version", None)
        zpath = self._dl(mv, "zip") or ""
        partial = self._dl(mv, "partial") or ""
        have_tree = _is_real_dir(tree) and not os.path.lexists(partial)
        have_zip = _is_regular(zpath)
        if not have_tree and not have_zip:
            return _Content(None, False, "neither its zip nor its extracted tree is in the module cache", None)
        dir_h1, zip_h1 = self._cache_hashes(mv, tree if have_tree else None, zpath if have_zip else None)
        prefix = f"{mv.path}@{mv.version}/"
        if expected:
            if have_tree and dir_h1 in expected:
                src: Source = self.dir_source(tree, local=False)
                src.memo_key = f"{mv.path}@{mv.version} {dir_h1}"
                with self.lock:
                    self.verified_trees.setdefault(mv, src.memo_key)
                return _Content(src, True, "extracted tree", dir_h1)
            if have_zip and zip_h1 in expected:
                src = self.zip_source(zpath, prefix)
                src.memo_key = f"{mv.path}@{mv.version} {zip_h1}"
                return _Content(src, True, "zip", zip_h1)
            why = "its cached files do not match go.sum (see the modcache findings)"
        else:
            why = "no go.sum line or checksum-database record to verify its files against"
        src = self.dir_source(tree, local=False) if have_tree else self.zip_source(zpath, prefix)
        return _Content(src, False, why, None)

    def verified_tree(self, mv: MV) -> str | None:
        """The content key of ``mv``'s extracted tree (its module version and the h1
        its files had this run) if this run verified the tree against go.sum or the
        checksum database and found no link or special file in it; else None."""
        with self.lock:
            return self.verified_trees.get(mv)

    def _cache_hashes(self, mv: MV, tree: str | None, zpath: str | None) -> tuple[str | None, str | None]:
        """(h1 of the extracted tree, h1 of the zip) as the modcache family measured them
        (the whole cache when that family runs, else just this entry, memoized)."""
        from gozt_lint import modcache

        r = None
        if "modcache" in (self.ctx.families or ()):
            # (This entry as soon as it is hashed, not the whole cache.)
            r = modcache.entry_result(self.ctx, (mv.path, mv.version))
        if r is None:
            spec: modcache.EntrySpec = {"path": mv.path, "version": mv.version, "kind": "module", "files": {}, "extracted": tree}
            if zpath:
                spec["files"]["zip"] = zpath
            try:
                out = modcache.verify_entry(spec, self.memo)
            except Exception:  # noqa: BLE001 - unverifiable, said by the caller
                return None, None
            self.memo.set_many(out.pop("memo", []))
            r = out
        d = (r.get("dir") or {}) if tree else {}
        z = (r.get("zip") or {}) if zpath else {}
        dir_ok = d.get("h1") if not d.get("error") and not d.get("problems") else None
        return dir_ok or None, z.get("h1") or None

    # -- package scans ----------------------------------------------------------------------------

    def scan(self, src: Source, rel: str, tags: bc.Tags, tests: bool) -> Scan | None:
        """imports.ScanDir of one package directory; memoized for the run, and on disk
        when the content is verified (a verified module version never changes)."""
        from gozt_lint import imports

        memo_key = src.memo_key
        key = (src.key, memo_key, rel, tags.key, tests)
        with self.lock:
            if key in self.scans:
                return self.scans[key]
        disk_key = f"pkgscan\0{memo_key}\0{src.kind}\0{rel}\0{tags.key!r}\0{int(tests)}" if memo_key else None
        if disk_key:
            hit = self.memo.get(disk_key)
            if isinstance(hit, list) and len(hit) == 4:
                scan = imports.Scan(list(hit[0]), list(hit[1]), int(hit[2]), hit[3])
                with self.lock:
                    self.scans[key] = scan
                return scan
        ents = src.entries(rel)
        if ents is None:
            result: Scan | None = None
        else:
            files = []
            error = None
            for name in sorted(ents):
                if ents[name] != "file" or not imports.eligible_name(name, tags):
                    continue
                if not tests and name.endswith("_test.go"):
                    continue
                data = src.read_go_file(f"{rel}/{name}" if rel else name)
                self.reads += 1
                if data is None:
                    error = f"{name}: cannot be read"
                    break
                files.append((name, data))
            result = imports.Scan([], [], 0, error) if error else imports.scan_files(files, tags)
        if disk_key and result is not None:
            self.memo.set(disk_key, [result.imports, result.test_imports, result.files, result.error])
        with self.lock:
            self.scans[key] = result
        return result


def _is_real_dir(p: str) -> bool:
    import stat

    try:
        return stat.S_ISDIR(os.lstat(p).st_mode)
    except OSError:
        return False


def _is_regular(p: str) -> bool:
    import stat

    try:
        return bool(p) and stat.S_ISREG(os.lstat(p).st_mode)
    except OSError:
        return False


def store(ctx: Context) -> Store:
    return ctx.once(Store)


# -- one unit: the main modules, replacements, the graph and the needs ---------------------------------


@dataclass
class _Main:
    path: str
    dir: str
    mf: ModFile


@dataclass
class _Rep:
    new_path: str
    new_version: str | None
    base: str  # the directory a relative directory replacement is relative to
    written: str  # as written (for Module.replace_path)


class _UnitGraph:
    def __init__(self, ctx: Context, unit: Unit, st: Store) -> None:
        self.ctx, self.unit, self.st = ctx, unit, st
        self.ws = unit.kind == "work"
        self.notes: list[str] = []
        self.complete = True
        self.mains: list[_Main] = []
        self.main_paths: dict[str, _Main] = {}
        self.reps_exact: dict[tuple[str, str], _Rep] = {}
        self.reps_any: dict[str, _Rep] = {}
        self.excluded: set[MV] = set()
        self._excl_key: tuple[MV, ...] = ()
        self.direct: set[str] = set()
        self.roots: list[MV] = []
        self.go_version = "1.16"
        self.toolchain: str | None = None
        self.pruning = UNPRUNED
        self.sums: dict[tuple[str, str], set[str]] = {}
        self.gomod_reads: dict[MV, bool] = {}  # actual version -> read while loading the graph
        self.zip_fetches: set[MV] = set()
        self.summaries: dict[MV, Summary | None] = {}
        self.full: mvs.Graph | None = None
        self.provenance: dict[tuple[str, str], str] = {}
        self.unverified_mods: list[str] = []
        self.unverified_trees: list[str] = []
        self.missing_mods: list[str] = []
        self.in_graph_load = False
        self.failed: set[MV] = set()  # go.mod files that could not be read or used
        self.tags: bc.Tags | None = None
        self._max_root: dict[str, str] | None = None
        self._fetched: dict[MV, Any] = {}
        self._resolved: dict[MV, tuple[MV, str | None]] = {}
        self.lazy = True
        self.spot_check = False

    # -- setting up ----------------------------------------------------------------------

    def setup(self) -> bool:
        from gozt_lint.context import unit_for

        ctx, unit = self.ctx, self.unit
        mf = ctx.modfile(unit)
        if mf is None or not mf.syntax_ok:
            return False
        if self.ws:
            work = mf
            self.go_version = work.go.version if work.go is not None else "1.18"
            self.toolchain = work.toolchain.version if work.toolchain is not None else None
            for u in work.use:
                d = os.path.normpath(os.path.join(unit.dir, u.dir))
                mu = unit_for(Path(d) / "go.mod")
                mmf = ctx.modfile(mu) if mu is not None else None
                if mmf is None or not mmf.syntax_ok or mmf.module is None:
                    self.notes.append(f"{unit.main}: `use {u.dir}`: no readable go.mod there; that module is left out")
                    self.complete = False
                    continue
                m = _Main(mmf.module.path, d, mmf)
                self.mains.append(m)
                self.main_paths.setdefault(m.path, m)
            self._replacements(work, str(unit.dir), override=True)
            for m in self.mains:
                self._replacements(m.mf, m.dir, override=False)
                self.excluded.update(MV(x.path, x.version) for x in m.mf.exclude)
                self.direct.update(r.path for r in m.mf.require if not r.indirect)
            self.pruning = WORKSPACE
            self.roots = mvs.mod_sort([MV(m.path, "") for m in self.mains] + self._go_roots())
        else:
            if mf.module is None:
                return False
            m = _Main(mf.module.path, str(unit.dir), mf)
            self.mains = [m]
            self.main_paths = {m.path: m}
            self.go_version = mf.go.version if mf.go is not None else "1.16"
            self.toolchain = mf.toolchain.version if mf.toolchain is not None else None
            self._replacements(mf, m.dir, override=True)
            self.excluded = {MV(x.path, x.version) for x in mf.exclude}
            roots = [MV(r.path, r.version) for r in mf.require if MV(r.path, r.version) not in self.excluded]
            self.direct = {r.path for r in mf.require if not r.indirect}
            self.pruning = pruning_for(self.go_version)
            self.roots = mvs.mod_sort(roots + self._go_roots())
        self._excl_key = tuple(sorted(self.excluded))
        self._load_sums()
        return True

    def _go_roots(self) -> list[MV]:
        out = [MV("go", self.go_version)]
        if self.toolchain:
            out.append(MV("toolchain", self.toolchain))
        return out

    def _replacements(self, mf: ModFile, base: str, *, override: bool) -> None:
        exact: dict[tuple[str, str], _Rep] = {}
        any_: dict[str, _Rep] = {}
        for r in mf.replace:  # later lines win within one file
            rep = _Rep(r.new_path, r.new_version, base, r.new_path)
            if r.old_version is None:
                any_[r.old_path] = rep
            else:
                exact[(r.old_path, r.old_version)] = rep
        for k, rep in exact.items():
            self._add_rep(self.reps_exact, k, rep, override)
        for p, rep in any_.items():
            self._add_rep(self.reps_any, p, rep, override)

    def _add_rep(self, table: dict[Any, _Rep], key: Any, rep: _Rep, override: bool) -> None:
        old = table.get(key)
        if old is None or override:
            table[key] = rep
            return
        if self._rep_target(old) != self._rep_target(rep):
            self.notes.append(
                f"{self.unit.main}: conflicting replacements for {key if isinstance(key, str) else '@'.join(key)} "
                "in the workspace's modules (the go command refuses this workspace); the first is used"
            )

    @staticmethod
    def _rep_target(r: _Rep) -> tuple[str, str | None]:
        if r.new_version is None:
            return (os.path.normpath(os.path.join(r.base, r.new_path)), None)
        return (r.new_path, r.new_version)

    def _load_sums(self) -> None:
        from gozt_lint.context import Unit as U
        from gozt_lint.sumfile import is_h1

        units = [self.unit]
        if self.ws:
            units += [U("mod", Path(m.dir), Path(m.dir) / "go.mod", Path(m.dir) / "go.sum") for m in self.mains]
        else:
            sf = self.ctx.sumfile(self.unit)
            if sf is None:
                return
            # The units of a monorepo often have copies of one go.sum: equal lines give
            # an equal table, built once per run and only read afterwards.
            with self.st.lock:
                hit = next((t for lines, t in self.st.sum_tables if lines == sf.lines), None)
            if hit is not None:
                self.sums = hit
                return
            for ln in sf.lines:
                if ln.usable and is_h1(ln.hash):
                    self.sums.setdefault(ln.key, set()).add(ln.hash)
            with self.st.lock:
                if len(self.st.sum_tables) < 8:
                    self.st.sum_tables.append((list(sf.lines), self.sums))
            return
        for u in units:
            sf = self.ctx.sumfile(u)
            if sf is None:
                continue
            for ln in sf.lines:
                if ln.usable and is_h1(ln.hash):
                    self.sums.setdefault(ln.key, set()).add(ln.hash)

    # -- replacements and go.mod summaries ---------------------------------------------------

    def is_main(self, path: str) -> bool:
        return path in self.main_paths

    def replacement(self, mv: MV) -> _Rep | None:
        return self.reps_exact.get((mv.path, mv.version)) or self.reps_any.get(mv.path)

    def resolve(self, mv: MV) -> tuple[MV, str | None]:
        """(the module version actually used, its directory when replaced by one)."""
        got = self._resolved.get(mv)
        if got is not None:
            return got
        rep = self.replacement(mv)
        if rep is None:
            got = (mv, None)
        elif rep.new_version is None:
            got = (MV(rep.new_path, ""), os.path.normpath(os.path.join(rep.base, rep.new_path)))
        else:
            got = (MV(rep.new_path, rep.new_version), None)
        self._resolved[mv] = got
        return got

    def summary(self, mv: MV) -> Summary | None:
        """goModSummary: the requirements of mv (after its replacement), excluded
        versions dropped; the go.mod read is recorded as a go.sum need."""
        if not is_toolchain(mv.path) and not (not mv.version and self.is_main(mv.path)):
            actual, d = self.resolve(mv)
            if d is None and actual.version:
                if self.in_graph_load:
                    self.gomod_reads[actual] = True
                else:
                    self.gomod_reads.setdefault(actual, False)
        if mv not in self.summaries:
            # Units of a monorepo share most versions, replacements and (no) excludes: the
            # summary is computed once per run for each such combination.
            actual, d = self.resolve(mv)
            key = (mv, actual, d, self._excl_key)
            hit = self.st.unit_summaries.get(key, self.st)
            if hit is self.st or (self.ws and not mv.version):
                missing, notes = len(self.missing_mods), len(self.notes)
                hit = self._summary(mv)
                if len(self.missing_mods) == missing and len(self.notes) == notes and not (self.ws and not mv.version):
                    self.st.unit_summaries[key] = hit
            elif hit is not None and not is_toolchain(mv.path) and d is None and actual.version:
                self._verify_gomod(actual, self.st.cached_summary(actual)[2])
            self.summaries[mv] = hit  # type: ignore[assignment]
        s = self.summaries[mv]
        if s is None:
            self.failed.add(mv)
            self.complete = False
        return s

    def _summary(self, mv: MV) -> Summary | None:
        if is_toolchain(mv.path):
            if mv.path == "go" and gover.compare(mv.version, STRICT_VERSION) >= 0:
                return Summary("go", None, None, (MV("toolchain", "go" + mv.version),), True)
            return Summary(mv.path, None, None, (), True)
        if not mv.version and self.is_main(mv.path):
            return self._exclude(summary_of(self.main_paths[mv.path].mf))
        actual, d = self.resolve(mv)
        if d is not None:
            s, dwhy = self.st.dir_summary(d)
            if s is None:
                self.notes.append(f"{self.unit.main}: the replacement of {mv.path} by the directory {d}: {dwhy}")
                return None
            return self._exclude(s)
        key = f"{actual.path}@{actual.version}"
        s, why, h1 = self.st.cached_summary(actual)
        if why is not None and h1 is None:
            self.missing_mods.append(f"{key} ({why})")
            self.provenance[(actual.path, actual.version + "/go.mod")] = f"missing: {why}"
            return None
        self._verify_gomod(actual, h1)
        if s is None:
            self.notes.append(f"{self.unit.main}: {key}: the cached go.mod does not parse ({why}); the go command refuses it too")
            return None
        if s.module and s.module not in (mv.path, actual.path):
            self.notes.append(
                f"{self.unit.main}: {key}: its go.mod declares the module path {s.module} but it was required as {mv.path} "
                "(the go command refuses this graph)"
            )
            return None
        return self._exclude(s)

    def _exclude(self, s: Summary) -> Summary:
        if not self.excluded or not any(r in self.excluded for r in s.requires):
            return s
        return Summary(s.module, s.go, s.toolchain, tuple(r for r in s.requires if r not in self.excluded), s.pruned)

    def _verify_gomod(self, mv: MV, h1: str | None) -> None:
        key = (mv.path, mv.version + "/go.mod")
        if key in self.provenance:
            return
        have = self.sums.get(key)
        if h1 is not None and have and h1 in have:
            self.provenance[key] = "go.sum"
            return
        recorded = self.st.sumdb_hashes(mv.path, mv.version, gomod=True)
        if h1 is not None and recorded and h1 in recorded:
            self.provenance[key] = "the checksum database"
            return
        if have:
            why = "its cached go.mod does not match go.sum"
        elif recorded:
            why = "its cached go.mod does not match the checksum database's record"
        else:
            why = "no go.sum line or checksum-database record to verify its cached go.mod against"
        self.provenance[key] = f"unverified: {why}"
        self.unverified_mods.append(f"{mv.path}@{mv.version} ({why})")

    # -- the module graph ------------------------------------------------------------------

    def read_graph(self) -> mvs.Graph:
        """readModGraph from the roots, with this unit's pruning."""
        if self.full is not None:
            return self.full
        self.in_graph_load = True
        try:
            self.full = self._read_graph()
        finally:
            self.in_graph_load = False
        return self.full

    def _read_graph(self) -> mvs.Graph:
        if self.ws:
            g = mvs.Graph(self.roots)
        else:
            main = MV(self.mains[0].path, "")
            g = mvs.Graph([main])
            g.require(main, list(self.roots))
        loading: set[tuple[MV, str]] = set()
        queue: deque[tuple[MV, str]] = deque()
        loaded: dict[MV, Summary | None] = {}

        def load_one(m: MV) -> Summary | None:
            if m in loaded:
                return loaded[m]
            s = self.summary(m)
            if s is not None:
                g.require(m, list(s.requires))
            loaded[m] = s
            return s

        def enqueue(m: MV, pruning: str) -> None:
            if m.version == "none" or (m, pruning) in loading:
                return
            loading.add((m, pruning))
            queue.append((m, pruning))

        def drain() -> None:
            while queue:
                m, pruning = queue.popleft()
                s = load_one(m)
                if s is None:
                    continue
                nxt = UNPRUNED if pruning == UNPRUNED else (PRUNED if s.pruned else UNPRUNED)
                for r in s.requires:
                    if pruning != PRUNED or not s.pruned:
                        enqueue(r, nxt)

        for m in self.roots:
            enqueue(m, self.pruning)
        drain()
        if self.pruning == WORKSPACE:
            # Reload the main modules' dependencies at their selected versions.
            has_deps: set[str] = {m.path for m in self.roots}
            seen: set[MV] = set()
            while True:
                need: set[MV] = set()
                for p in sorted(has_deps):
                    m = MV(p, g.selected(p))
                    if m not in seen:
                        need.add(m)
                        continue
                    for r in g.required_by(m) or ():
                        s = MV(r.path, g.selected(r.path))
                        if mvs.cmp_version(r.path, s.version, r.version) > 0 and s not in seen:
                            need.add(s)
                if not need:
                    break
                for m in mvs.mod_sort(need):
                    enqueue(m, WORKSPACE)
                    seen.add(m)
                    has_deps.add(m.path)
                drain()
        return g

    def root_selected(self, path: str) -> str | None:
        if self.is_main(path):
            return ""
        if self.ws:
            return None
        if self._max_root is None:
            top: dict[str, str] = {}
            for r in self.roots:
                if r.path not in top or mvs.cmp_version(r.path, top[r.path], r.version) < 0:
                    top[r.path] = r.version
            self._max_root = top
        return self._max_root.get(path)

    def selected(self, path: str) -> str:
        return self.read_graph().selected(path)

    # -- the build list -------------------------------------------------------------------

    def modules(self) -> list[Module] | None:
        """The build list (`go list -m all`), or None when a go.mod it needs failed."""
        g = self.read_graph()
        if any(g.is_root.get(m) is not None and m not in g.required for m in self.failed):
            return None
        out: list[Module] = []
        # go list -m all: the graph roots first, and a workspace's roots are sorted by path.
        mains = sorted(self.main_paths) if self.ws else [m.path for m in self.mains]
        for p in mains:
            s = self.summaries.get(MV(p, "")) if self.ws else summary_of(self.main_paths[p].mf)
            out.append(Module(p, "", main=True, go_version=s.go if s else None))
        rest = [m for m in g.build_list() if not is_toolchain(m.path) and m.path not in self.main_paths]
        for m in rest:
            rep = self.replacement(m)
            actual, d = self.resolve(m)
            s = self.summaries.get(m)
            out.append(
                Module(
                    m.path, m.version, indirect=m.path not in self.direct,
                    replace_path=rep.written if rep is not None else None,
                    replace_version=rep.new_version if rep is not None else None,
                    go_version=s.go if s else None,
                )
            )
        return out

    def roots_consistent(self) -> bool:
        g = self.read_graph()
        if self.ws:
            return True
        return all(g.selected(r.path) == r.version for r in self.roots)

    # -- packages --------------------------------------------------------------------------

    def main_source(self, path: str) -> Source | None:
        m = self.main_paths.get(path)
        return self.st.dir_source(m.dir, local=True) if m is not None else None

    def expected_zip(self, mv: MV) -> list[str]:
        have = self.sums.get((mv.path, mv.version))
        if have:
            return sorted(have)
        return self.st.sumdb_hashes(mv.path, mv.version, gomod=False) or []

    def fetch(self, mv: MV) -> Source | Unknown | None:
        hit = self._fetched.get(mv, self)
        if hit is not self:
            if hit is not None and not isinstance(hit, Source):
                self.zip_fetches.add(hit.mv)  # an Unknown: still a zip the go command fetches
            elif hit is not None and not hit.local:
                self.zip_fetches.add(self.resolve(mv)[0])
            return hit
        got = self._fetch(mv)
        self._fetched[mv] = got
        return got

    def _fetch(self, mv: MV) -> Source | Unknown | None:
        from gozt_lint.pkgload import Unknown

        if self.is_main(mv.path) and not mv.version:
            return self.main_source(mv.path)
        actual, d = self.resolve(mv)
        if d is not None:
            return self.st.dir_source(d, local=True) if os.path.isdir(d) else None
        self.zip_fetches.add(actual)
        c = self.st.content(actual, self.expected_zip(actual))
        key = (actual.path, actual.version)
        if c.source is None:
            self.provenance.setdefault(key, f"missing: {c.why}")
            return Unknown(actual, c.why)
        if c.verified:
            self.provenance.setdefault(key, "go.sum" if self.sums.get(key) else "the checksum database")
        else:
            self.provenance.setdefault(key, f"unverified: {c.why}")
            self.unverified_trees.append(f"{actual.path}@{actual.version} ({c.why})")
        return c.source

    def scan(self, src: Source, rel: str, tests: bool) -> Scan | None:
        assert self.tags is not None
        return self.st.scan(src, rel, self.tags, tests)

    # -- sharing package walks (pkgload.SharingHost) ---------------------------------------

    def shared_walks(self) -> dict[Any, list[SharedWalk]] | None:
        # A single module loading lazily; a workspace or an unpruned module walks alone.
        return self.st.walks if not self.ws and self.lazy else None

    def walk_key(self) -> tuple[Any, ...]:
        assert self.tags is not None
        return (self.tags.key, self._excl_key, self.lazy)

    def walk_sums(self) -> dict[tuple[str, str], set[str]]:
        return self.sums

    def effect_marks(self) -> tuple[Any, ...]:
        return (len(self.notes), len(self.missing_mods), len(self.unverified_mods), len(self.unverified_trees),
                len(self.failed), self.complete)

    def root_packages(self) -> list[str]:
        out: list[str] = []
        for m in self.mains:
            src = self.st.dir_source(m.dir, local=True)
            ignores = [i.path for i in m.mf.ignore]
            for rel in iter_package_dirs(src):
                if rel and _ignored(rel, ignores):
                    continue
                scan = self.scan(src, rel, True)
                if scan is None or (scan.files == 0 and scan.error is None):
                    continue
                out.append(f"{m.path}/{rel}" if rel else m.path)
        return out


def _ignored(rel: str, patterns: list[str]) -> bool:
    d = "/" + rel.strip("/") + "/"
    for p in patterns:
        if p.startswith("./"):
            if d.startswith("/" + p[2:].strip("/") + "/"):
                return True
        elif "/" + p.strip("/") + "/" in d:
            return True
    return False


# -- build configuration ------------------------------------------------------------------


def running_go(ctx: Context, go_line: str, toolchain_line: str | None) -> str:
    """The Go version whose toolchain runs the build: the local one, or the one
    GOTOOLCHAIN switches to for this go/toolchain line (toolchain.Select)."""
    local = gover.from_toolchain(ctx.env.go_version or "") or "1.0"
    setting = (ctx.env.get("GOTOOLCHAIN") or "local").strip()
    name, _, mode = setting.partition("+")
    if setting in ("auto", "path"):
        name, mode = "local", setting
    base = local if name in ("local", "") else (gover.from_toolchain(name) or local)
    if not mode and name not in ("local", ""):
        return base  # an exact toolchain, always
    if mode not in ("auto", "path"):
        return base
    need = go_line
    tc = gover.from_toolchain(toolchain_line or "")
    if tc and gover.compare(tc, need) > 0:
        need = tc
    return need if gover.compare(need, base) > 0 else base


def build_tags(ctx: Context, go_line: str, toolchain_line: str | None) -> bc.Tags:
    """The tags `go build` on this machine evaluates constraints with."""
    from gozt_lint import buildconstraint as bc

    env = ctx.env
    goos = env.get("GOOS") or env.go_json.get("GOOS") or _host_os()
    goarch = env.get("GOARCH") or env.go_json.get("GOARCH") or _host_arch()
    cgo_value = env.get("CGO_ENABLED") or env.go_json.get("CGO_ENABLED") or ""
    cgo = cgo_value == "1"
    tags = _user_tags(ctx)
    levels = {k: env.get(k) or env.go_json.get(k, "") for k in ("GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64")}
    tool = bc.arch_tags(goarch, levels) + bc.experiment_tags(env.get("GOEXPERIMENT") or "")
    running = running_go(ctx, go_line, toolchain_line)
    v = gover.parse(running)
    minor = int(v.minor) if v.major == "1" and v.minor.isdigit() else 0
    return bc.Tags(goos, goarch, cgo=cgo, build_tags=tuple(tags), tool_tags=tool, release=minor)


def _host_os() -> str:
    import sys

    return {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(sys.platform, sys.platform)


def _host_arch() -> str:
    import platform

    m = platform.machine().lower()
    return {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386", "i686": "386"}.get(m, m)


# -- loading ----------------------------------------------------------------------------------


def _vendor_mode(ctx: Context, ug: _UnitGraph) -> bool:
    from gozt_lint.vendor import builds_from_vendor

    mf = ctx.modfile(ug.unit)
    return mf is not None and builds_from_vendor(ctx, ug.unit, mf)


def load(ctx: Context, unit: Unit, *, needs: bool = True) -> Graph | None:
    """The graph and (with ``needs``) the go.sum needs of ``unit`` (a go.mod alone, or a
    go.work), or None when its file is missing or does not parse."""
    if not unit.main.is_file() and str(unit.main.resolve()) not in ctx.overlay:
        return None
    st = store(ctx)
    ug = _UnitGraph(ctx, unit, st)
    if not ug.setup():
        return None
    where = unit.main
    if st.modcache is None or not os.path.isdir(st.modcache):
        cache = ctx.env.get("GOMODCACHE")
        ctx.note(
            f"graph: {where}: no module cache at {cache}; the go.mod files and packages of dependencies "
            "cannot be read, so go.mod-only analysis is used" if cache else
            f"graph: {where}: no module cache (GOMODCACHE and GOPATH unset); go.mod-only analysis used"
        )
        return None
    ug.tags = build_tags(ctx, ug.go_version, ug.toolchain)
    config = describe_tags(ctx, ug.tags)
    local = gover.from_toolchain(ctx.env.go_version or "")
    need = max((v for v in (ug.go_version, gover.from_toolchain(ug.toolchain or "")) if v), key=_GoVer)
    if local and gover.compare(need, local) > 0 and gover.compare(running_go(ctx, ug.go_version, ug.toolchain), need) < 0:
        # Not a cache problem and not the graph's: this go refuses the module outright.
        ctx.note(
            f"graph: {where} asks for go {need} and GOTOOLCHAIN={ctx.env.get('GOTOOLCHAIN') or 'local'} keeps the local "
            f"go {local}, which refuses to build it; the module graph and the go.sum lines it needs do not depend on "
            f"that and were computed all the same (build constraints evaluated for go1.{gover.parse(local).minor})"
        )

    def build_list() -> tuple[list[Module] | None, dict[MV, list[MV]], bool]:
        # After the needs were taken: what this reads is not a need.
        ug.in_graph_load = False
        modules = ug.modules()
        requirements = dict(ug.full.required) if ug.full is not None else {}
        updated = modules is not None and not ug.roots_consistent()
        for n in ug.notes:
            ctx.note(f"graph: {n}")
        if modules is None and ug.missing_mods:
            ctx.note(
                f"graph: {where}: the build list is not known: go.mod file(s) it needs could not be read from the "
                f"module cache: {_list(ug.missing_mods)}"
            )
        return modules, requirements, updated

    if not needs or _vendor_mode(ctx, ug):
        _notes(ctx, ug)
        return Graph(str(where), None, None, ug.complete, ug.provenance, config, build_list=build_list)
    # The needs: replay `go test ./...`, which loads everything `go build ./...` does.
    if ug.pruning == UNPRUNED:
        ug.read_graph()  # loadFromRoots loads an unpruned graph before any package
    from gozt_lint import pkgload

    ug.lazy = ug.pruning != UNPRUNED
    ug.spot_check = ug.pruning == PRUNED
    res = pkgload.load(ug, ug.root_packages())
    if res.unknown:
        ug.complete = False
    # Every go.mod read needs its line. (In a workspace the go command does not demand
    # lines up front: it asks the checksum database for a missing one, fails offline,
    # and otherwise writes it to go.work.sum: trust on first use, which go.sum is there
    # to prevent. So the same lines count.)
    needed_gomod = {(m.path, m.version + "/go.mod") for m in ug.gomod_reads}
    needed_zip = {(m.path, m.version) for m in ug.zip_fetches}
    providers = set()
    for mv in set(res.providers.values()):
        actual, d = ug.resolve(mv)
        if d is None and actual.version:
            providers.add((actual.path, actual.version))
    _notes(ctx, ug, res)
    return Graph(
        str(where), needed_gomod, needed_zip, ug.complete, dict(ug.provenance), config, providers, build_list=build_list
    )


_GoVer = functools.cmp_to_key(gover.compare)


def describe_tags(ctx: Context, tags: bc.Tags) -> str:
    """The configuration in words, for messages: "linux/amd64, cgo off, go1.27, -tags=a,b"."""
    rel = max((int(t[4:]) for t in tags.names if t.startswith("go1.") and t[4:].isdigit()), default=0)
    user = _user_tags(ctx)
    return f"{tags.goos}/{tags.goarch}, cgo {'on' if tags.cgo else 'off'}, go1.{rel}" + (f", -tags={','.join(user)}" if user else "")


def _user_tags(ctx: Context) -> list[str]:
    from gozt_lint.goenv import split_goflags

    for w in split_goflags(ctx.env.get("GOFLAGS")) or []:
        if w.startswith(("-tags=", "--tags=")):
            return [t for t in w.split("=", 1)[1].replace(",", " ").split() if t]
    return []


def _list(items: list[str], n: int = 5) -> str:
    items = sorted(set(items))
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def _notes(ctx: Context, ug: _UnitGraph, res: Any = None) -> None:
    where = ug.unit.main
    for n in ug.notes:
        ctx.note(f"graph: {n}")
    if ug.missing_mods:
        ctx.note(
            f"graph: {where}: {len(set(ug.missing_mods))} go.mod file(s) the go command would read could not be read "
            f"from the module cache: {_list(ug.missing_mods)}; the requirements below them are unknown"
        )
    odd = sorted({f"{p} ({what})" for src in list(ug.st.sources.values()) if src.local for p, what in getattr(src, "odd", ())})
    if odd:
        ctx.note(
            f"graph: {len(odd)} .go file(s) in the checkout are not regular files; the go command skips them, and so "
            f"did gozt-lint (never opened): {_list(odd)}"
        )
    if ug.unverified_mods:
        ctx.note(
            f"graph: {where}: {len(set(ug.unverified_mods))} cached go.mod file(s) could not be verified and were used "
            f"as found: {_list(ug.unverified_mods)}"
        )
    if ug.unverified_trees:
        ctx.note(
            f"graph: {where}: the packages of {len(set(ug.unverified_trees))} module version(s) were read from "
            f"unverified cache content: {_list(ug.unverified_trees)}"
        )
    if res is not None and res.unknown:
        items = [f"{mv.path}@{mv.version} ({why})" for mv, why in res.unknown.items()]
        ctx.note(
            f"graph: {where}: the packages of {len(items)} module version(s) could not be read, so what they import "
            f"is unknown: {_list(items)}"
        )


_lock = threading.Lock()


def _graphs(ctx: Context) -> dict[str, Graph | None]:
    return {}


def get(ctx: Context, unit: Unit, *, needs: bool = True) -> Graph | None:
    """The graph of ``unit``, computed once per run; ``needs=False`` when only the
    build list is wanted (the snapshot), which skips loading packages."""
    table = ctx.once(_graphs)
    key = f"{unit.kind}\0{unit.main}"
    with _lock:
        if key in table:
            return table[key]
        if not needs and key + "\0list" in table:
            return table[key + "\0list"]
    g = load(ctx, unit, needs=needs)
    with _lock:
        return table.setdefault(key if needs else key + "\0list", g)


def available(ctx: Context, unit: Unit) -> Graph | None:
    """The graph when this run is deep (``ctx.deep``: ``--all``, ``--snapshot`` or a
    deep family selected); otherwise None, without reading anything."""
    if not ctx.deep:
        return None
    return get(ctx, unit)


def needed_zip(ctx: Context, unit: Unit) -> set[tuple[str, str]] | None:
    g = available(ctx, unit)
    return g.needed_zip if g is not None else None


def needed_gomod(ctx: Context, unit: Unit) -> set[tuple[str, str]] | None:
    g = available(ctx, unit)
    return g.needed_gomod if g is not None else None

