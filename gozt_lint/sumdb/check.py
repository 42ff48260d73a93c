"""One checksum-database pass over a run: every go.sum / go.work.sum line in scope
and every cached module version (``.ziphash`` and ``.mod``), verified against the
database's records, plus every cached lookup and tile and every signed tree head
the go command or gozt-lint kept. Computed once per run (``ctx.once(report)``);
the sumdb rules only pick their findings out of the :class:`Report`.
"""

from __future__ import annotations

import functools
import itertools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gozt_lint.dirhash import hash_gomod
from gozt_lint.fileio import read_regular
from gozt_lint.finding import Finding, finding
from gozt_lint.module import match_patterns, matching_pattern, unescape_path, unescape_version
from gozt_lint.sumdb import client as sc
from gozt_lint.sumdb.remote import ConfigError, Database, Remote, cache_root, parse_gosumdb

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.sumfile import SumLine

MISMATCH = "sumdb-mismatch"
UNVERIFIED = "sumdb-unverified"
EXCLUDED = "sumdb-excluded"

# The rule that reports each kind of problem the client finds.
RULE_OF = {sc.BAD: "sumdb-bad-signature", sc.FORK: "sumdb-fork"}

# Modules the go command never looks up: FIPS snapshots come from GOROOT/lib/fips140.
NOT_IN_SUMDB = ("golang.org/fips140",)
TOOLCHAIN = "golang.org/toolchain"


@dataclass
class CacheEntry:
    path: str
    escaped: str  # the directory name it was found under
    version: str
    ziphash: str | None  # file path
    mod: str | None  # file path


@dataclass
class Report:
    db: Database | None = None
    client: sc.Client | None = None
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    nosumdb: str = ""
    lines_verified: int = 0
    lines_excluded: int = 0
    lines_unverified: int = 0
    cache_verified: int = 0
    cache_excluded: int = 0
    cache_unverified: int = 0

    def add(self, rule: str, f: Finding) -> None:
        self.findings.setdefault(rule, []).append(f)

    def of(self, rule: str) -> list[Finding]:
        return self.findings.get(rule, [])


@functools.lru_cache(maxsize=1 << 14)
def uses_sumdb(path: str, nosumdb: str) -> bool:
    """modfetch.useSumDB (GOSUMDB is not off): toolchains always; others unless GONOSUMDB matches."""
    # (Pure; asked once per go.sum line and cached version, mostly about the same modules.)
    return path == TOOLCHAIN or not match_patterns(nosumdb, path)


def scan_download_cache(gomodcache: str) -> list[CacheEntry]:
    """Every ``cache/download/<esc path>/@v/<esc v>.{ziphash,mod}`` pair. Symbolic
    links are never followed (a loop or a link out of the cache is not entered)."""
    top = os.path.join(gomodcache, "cache", "download")
    out: list[CacheEntry] = []
    stack = [top]
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError:
            continue
        for ent in entries:
            try:
                if not ent.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            if d == top and ent.name == "sumdb":
                continue
            if ent.name == "@v":
                out.extend(_versions(top, d, ent.path))
            else:
                stack.append(ent.path)
    out.sort(key=lambda e: (e.path, e.version))
    return out


def _versions(top: str, moddir: str, vdir: str) -> list[CacheEntry]:
    rel = moddir[len(top) + 1 :].replace(os.sep, "/")
    try:
        path = unescape_path(rel)
        names = os.listdir(vdir)
    except (ValueError, OSError):
        return []
    versions: dict[str, CacheEntry] = {}
    for fn in names:
        for ext in (".ziphash", ".mod"):
            if fn.endswith(ext):
                try:
                    v = unescape_version(fn[: -len(ext)])
                except ValueError:
                    break
                e = versions.setdefault(v, CacheEntry(path, rel, v, None, None))
                if ext == ".ziphash":
                    e.ziphash = os.path.join(vdir, fn)
                else:
                    e.mod = os.path.join(vdir, fn)
    return list(versions.values())


def _read_cache_file(path: str, limit: int) -> bytes | None:
    data = read_regular(path, limit + 1)
    return data if data is not None and len(data) <= limit else None


def setup(ctx: Context) -> tuple[Report, sc.Client | None]:
    """The configured database and a client for it (None when checks can't run)."""
    rep = Report()
    env = ctx.env
    gosumdb = env.get("GOSUMDB")
    if gosumdb == "off":
        ctx.note("sumdb: GOSUMDB=off, so nothing is checked against a checksum database (see sumdb-disabled)")
        return rep, None
    try:
        db = parse_gosumdb(gosumdb)
    except ConfigError as e:
        ctx.note(f"sumdb: {e}; the go command refuses this GOSUMDB, so nothing is checked against a checksum database")
        return rep, None
    assert db is not None
    rep.db = db
    rep.nosumdb = env.get("GONOSUMDB")
    gomodcache = env.get("GOMODCACHE")
    go_cache = os.path.join(gomodcache, "cache", "download", "sumdb", db.name) if os.path.isabs(gomodcache) else None
    gopath = env.gopath_first
    go_latest = os.path.join(gopath, "pkg", "sumdb", db.name, "latest") if os.path.isabs(gopath) else None
    root = cache_root(ctx.environ)
    own_dir = os.path.join(root, "sumdb", db.name) if root else None
    remote = None
    if ctx.options.online:
        from gozt_lint import __version__

        remote = Remote(db, env.get("GOPROXY"), user_agent=f"gozt-lint/{__version__}")
    workers = min(8, ctx.options.jobs or 8)
    from gozt_lint import memo as memo_mod

    client = sc.Client(
        db, go_cache=go_cache, go_latest=go_latest, own_dir=own_dir, own_root=root, remote=remote, workers=workers,
        # The memo store only once the run opened it (the module graph, the module
        # cache's family): checking the database never opens it by itself.
        memo=lambda: memo_mod.opened(ctx),
    )
    rep.client = client
    return rep, client


def ready_client(ctx: Context) -> tuple[Report, sc.Client | None]:
    """The configured database's client with its signed heads loaded (and, online,
    the database's latest fetched): one per run, shared by this family, by the
    modcache family when it asks the database to settle a go.sum/cache dispute, and
    by the module graph for records of go.mod files go.sum lacks, so that no record
    is verified twice."""
    return ctx.once(_ready)


def _ready(ctx: Context) -> tuple[Report, sc.Client | None]:
    rep, client = setup(ctx)
    if client is not None:
        client.load_latest()
        if client.remote is not None:
            client.fetch_latest()
    return rep, client


def verified_record(ctx: Context, path: str, version: str) -> tuple[sc.Lookup | None, str]:
    """The checksum database's verified record of ``path@version`` (offline from
    the caches, or fetched with --online) and where it is from, or None and why
    there is none."""
    env = ctx.env
    rep, client = ready_client(ctx)
    if client is None or rep.db is None:
        gosumdb = env.get("GOSUMDB")
        return None, "GOSUMDB=off" if gosumdb == "off" else f"GOSUMDB={gosumdb!r} is not usable"
    db = rep.db.name
    if path in NOT_IN_SUMDB:
        return None, f"{path} is never in a checksum database"
    if not uses_sumdb(path, rep.nosumdb):
        return None, f"GONOSUMDB/GOPRIVATE pattern {matching_pattern(rep.nosumdb, path)!r} keeps it out of {db}"
    lk = client.lookup(path, version)
    if lk.status == sc.VERIFIED:
        tree = lk.head.tree.n if lk.head else None
        return lk, f"{db} (record #{lk.record_id}, tree {tree})"
    why = {
        sc.MISSING: f"no {db} record of it is cached" + ("" if client.remote else "; run with --online to decide"),
        sc.UNPROVABLE: f"its {db} record is cached but not the tiles that prove it" + ("" if client.remote else "; run with --online to decide"),
        sc.NOT_FOUND: f"{db} has no record of it",
        sc.UNREACHABLE: f"{db} is unreachable",
        sc.INVALID: f"it cannot be looked up ({lk.reason})",
    }.get(lk.status, f"its cached {db} record failed verification (see sumdb-bad-signature)")
    return None, why


def report(ctx: Context) -> Report:
    """Verify everything in scope against the configured database (see the module doc)."""
    rep, client = ready_client(ctx)
    ctx.verified("gosum_lines_against_sumdb", 0)
    ctx.verified("cached_versions_against_sumdb", 0)
    if client is None or rep.db is None:
        return rep
    # What to verify: go.sum lines in scope, then cached module versions.
    sum_lines: list[tuple[str, SumLine]] = []
    # The go.sum copies of a monorepo have equal lines (compared by value; copies
    # parsed from the same bytes share their line objects, so comparing them is
    # cheap): each distinct list is filtered once.
    distinct: list[tuple[list[SumLine], list[SumLine]]] = []
    for unit in ctx.units:
        sf = ctx.sumfile(unit)
        if sf is None:
            continue
        kept = next((k for lines, k in distinct if lines == sf.lines), None)
        if kept is None:
            kept = [ln for ln in sf.lines if not ln.legacy_empty_gomod]  # the go command drops these lines
            if len(distinct) < 8:
                distinct.append((sf.lines, kept))
        sum_lines.extend(zip(itertools.repeat(sf.path), kept))
    gomodcache = ctx.env.get("GOMODCACHE")
    entries = scan_download_cache(gomodcache) if os.path.isabs(gomodcache) and os.path.isdir(gomodcache) else []
    entries = [e for e in entries if e.path not in NOT_IN_SUMDB]
    for e in entries:
        client.known_escape(e.path, e.escaped)
    # Each module version once, in the order first met (the go.sum copies of a monorepo
    # repeat them), then those the database covers.
    # (A list equal to one before it adds no version not met already: the distinct
    # lists in order give the same keys in the same order.)
    firsts = [kept for _, kept in distinct] if len(distinct) < 8 else [[ln for _, ln in sum_lines]]
    candidates = dict.fromkeys([(ln.path, ln.version) for kept in firsts for ln in kept] + [(e.path, e.version) for e in entries])
    wanted: dict[tuple[str, str], None] = {key: None for key in candidates if uses_sumdb(key[0], rep.nosumdb)}

    if client.remote is not None:
        client.prefetch(wanted)
    for key in wanted:
        client.lookup(*key)
    # Every other cached lookup is re-verified too: a poisoned record waits for the
    # day someone adds that module.
    for key in client.cached_lookup_keys():
        client.lookup(*key)
    client.verify_cached_tiles()
    client.check_consistency()
    client.remember()
    client.save_memo()
    others = _other_databases(ctx, rep)

    covered = _check_lines(ctx, rep, client, sum_lines)
    _check_cache(rep, client, entries, covered, gomodcache)
    for c in [client, *others]:
        for p in c.problems:
            rep.add(RULE_OF[p.kind], finding(p.message, file=p.file, module=p.module, version=p.version, **p.data))
        for text in c.notes:
            ctx.note(text)
    ctx.note(_summary(rep, client))
    ctx.verified("gosum_lines_against_sumdb", rep.lines_verified)
    ctx.verified("cached_versions_against_sumdb", rep.cache_verified)
    return rep


def _check_lines(ctx: Context, rep: Report, client: sc.Client, sum_lines: list[tuple[str, SumLine]]) -> set[tuple[str, str]]:
    """Each go.sum line against its record; returns the module versions looked at."""
    from gozt_lint.goenv import DEFAULT

    assert rep.db is not None
    db = rep.db
    private = ",".join(ctx.config.private_modules)
    s = ctx.env.setting("GONOSUMDB")
    via = "GOPRIVATE" if s is None or s.source == DEFAULT else "GONOSUMDB"
    by_file: dict[str, dict[tuple[str, str], list[SumLine]]] | None = None
    covered: set[tuple[str, str]] = set()
    unverified: dict[str, list[tuple[SumLine, str]]] = {}
    nosumdb = rep.nosumdb
    # The common case, a line its verified record vouches for, is decided from the
    # lookup alone: everything a finding needs is built only for the others.
    lookups: dict[tuple[str, str], sc.Lookup | None] = {}  # None: not to be looked up

    def lookup(mvkey: tuple[str, str], path: str) -> sc.Lookup | None:
        try:
            return lookups[mvkey]
        except KeyError:
            got = lookups[mvkey] = client.lookup(*mvkey) if uses_sumdb(path, nosumdb) else None
            return got

    def per_line(file: str, ln: SumLine, lk: sc.Lookup | None) -> None:
        nonlocal by_file
        mv = f"{ln.path}@{ln.version}"
        suffix = "/go.mod" if ln.gomod else ""
        where: dict[str, Any] = {"file": file, "span": ln.span, "module": ln.path, "version": ln.version}
        if lk is None:
            rep.lines_excluded += 1
            if private and match_patterns(private, ln.path):
                return  # declared private in the policy: expected, counted in the summary
            pattern = matching_pattern(rep.nosumdb, ln.path)
            rep.add(EXCLUDED, finding(f"{mv}{suffix} not checked against {db.name}: {via} pattern {pattern!r} covers it",
                                      pattern=pattern, **where))
            return
        if lk.status != sc.VERIFIED:  # (one of PER_LINE)
            rep.lines_unverified += 1
            rep.add(UNVERIFIED, finding(_unverified_message(lk, suffix, client), status=lk.status, **where))
            return
        recorded = lk.hashes(ln.gomod)
        tree = lk.head.tree.n if lk.head else None
        data: dict[str, Any] = {"expected": recorded, "record_id": lk.record_id, "tree_size": tree}
        if by_file is None:
            by_file = {}
            for f, o in sum_lines:
                by_file.setdefault(f, {}).setdefault(o.key, []).append(o)
        if any(o.hash in recorded for o in by_file[file][ln.key] if o is not ln):
            # The database decides between conflicting lines: this one goes.
            data["fix"] = {"kind": "remove-line", "file": file, "line": ln.line}
        if recorded:
            msg = (f"{mv}{suffix}: go.sum has {ln.hash} but {db.name} recorded {', '.join(recorded)} "
                   f"(record #{lk.record_id}, tree {tree})")
        else:
            msg = f"{mv}{suffix}: the {db.name} record (#{lk.record_id}) has no {'go.mod ' if ln.gomod else ''}hash for it"
        rep.add(MISMATCH, finding(msg, **where, **data))

    # The go.sum files of a monorepo's units are often copies: a file whose lines equal
    # (same text, same positions) those of one decided before gets the same outcome
    # line by line, since it depends on the line and the run's lookups alone; only the
    # lines that make findings are gone through again, for this file.
    decided: list[_Outcome] = []

    def apply(file: str, lines: list[SumLine], out: _Outcome) -> None:
        covered.update(out.covered)
        rep.lines_verified += out.verified
        if out.unverified:
            rep.lines_unverified += len(out.unverified)
            unverified.setdefault(file, []).extend((lines[i], st) for i, st in out.unverified)
        for i in out.others:
            per_line(file, lines[i], lookups[(lines[i].path, lines[i].version)])

    for file, lines in _runs(sum_lines):
        same = next((o for o in decided if o.lines == lines), None)
        if same is not None:
            apply(file, lines, same)
            continue
        out = _Outcome(lines)
        for i, ln in enumerate(lines):
            mvkey = (ln.path, ln.version)
            lk = lookup(mvkey, ln.path)
            if lk is not None:
                out.covered.add(mvkey)
                if lk.status == sc.VERIFIED:
                    if ln.hash in lk.hashes(ln.gomod):
                        out.verified += 1
                        continue
                elif lk.status not in PER_LINE:
                    out.unverified.append((i, lk.status))
                    continue
            out.others.append(i)
        apply(file, lines, out)
        if len(decided) < 8:
            decided.append(out)
    totals: dict[str, int] = {}
    for file, _ln in sum_lines:
        totals[file] = totals.get(file, 0) + 1
    for file, items in unverified.items():
        rep.add(UNVERIFIED, _unverified_summary(file, items, totals[file], client))
    return covered


@dataclass
class _Outcome:
    """How the lines of one go.sum went (by index), for its copies."""

    lines: list[SumLine]
    covered: set[tuple[str, str]] = field(default_factory=set)
    verified: int = 0
    unverified: list[tuple[int, str]] = field(default_factory=list)  # (index, lookup status)
    others: list[int] = field(default_factory=list)  # lines that may make a finding


def _runs(sum_lines: list[tuple[str, SumLine]]) -> list[tuple[str, list[SumLine]]]:
    """``sum_lines`` as consecutive runs of one file's lines, in order."""
    out: list[tuple[str, list[SumLine]]] = []
    for file, ln in sum_lines:
        if not out or out[-1][0] != file:
            out.append((file, []))
        out[-1][1].append(ln)
    return out


def _check_cache(rep: Report, client: sc.Client, entries: list[CacheEntry], covered: set[tuple[str, str]], gomodcache: str) -> None:
    """Each cached ``.ziphash`` and ``.mod`` against its record."""
    assert rep.db is not None
    db = rep.db
    uncovered_unverified: list[str] = []
    for e in entries:
        if not uses_sumdb(e.path, rep.nosumdb):
            rep.cache_excluded += 1
            continue
        lk = client.lookup(e.path, e.version)
        if lk.status != sc.VERIFIED:
            rep.cache_unverified += 1
            if (e.path, e.version) not in covered:
                uncovered_unverified.append(f"{e.path}@{e.version}")
            continue
        for file, gomod in ((e.ziphash, False), (e.mod, True)):
            if file is None:
                continue
            raw = _read_cache_file(file, 16 << 20 if gomod else 1024)
            if raw is None:
                continue  # unreadable or oversized: the modcache family's business
            have = hash_gomod(raw) if gomod else raw.decode("utf-8", "replace").strip()
            recorded = lk.hashes(gomod)
            if have in recorded:
                continue
            what = "go.mod" if gomod else "zip hash (.ziphash)"
            rep.add(MISMATCH, finding(
                f"cached {what} of {e.path}@{e.version} is {have[:60]} but {db.name} recorded "
                f"{', '.join(recorded) or 'nothing'} (record #{lk.record_id})",
                file=file, module=e.path, version=e.version, expected=recorded,
                fix={"kind": "quarantine", "module": e.path, "version": e.version},
            ))
        rep.cache_verified += 1
    if uncovered_unverified:
        # One finding, not one per cached module: the cache is shared by every project.
        n = len(uncovered_unverified)
        sample = ", ".join(uncovered_unverified[:3]) + (", …" if n > 3 else "")
        hint = "" if client.remote else f"; run `{FIX_COMMAND}` to verify"
        rep.add(UNVERIFIED, finding(
            f"{n} cached module version{'s' if n != 1 else ''} not in any go.sum here ha{'ve' if n != 1 else 's'} "
            f"no verifiable {db.name} record ({sample}){hint}",
            file=os.path.join(gomodcache, "cache", "download"), count=n, modules=uncovered_unverified,
            fingerprint=f"unverified cached versions of {db.name}",
        ))


def _other_databases(ctx: Context, rep: Report) -> list[sc.Client]:
    """The cached state of databases other than the configured one (a GOSUMDB used
    before, say) is verified too when their key is known: sum.golang.org's built-in
    key and ``policy.trusted-sumdbs``. Offline only; no go.sum line is compared."""
    from gozt_lint.sumdb.remote import KNOWN_GOSUMDB

    assert rep.db is not None
    env = ctx.env
    gomodcache = env.get("GOMODCACHE")
    gopath = env.gopath_first
    root = os.path.join(gomodcache, "cache", "download", "sumdb") if os.path.isabs(gomodcache) else None
    if root is None or not os.path.isdir(root):
        return []
    keys: dict[str, Database] = {}
    for value in [*KNOWN_GOSUMDB, *ctx.config.trusted_sumdbs]:
        try:
            db = parse_gosumdb(value)
        except ConfigError:
            continue
        if db is not None and db.name != rep.db.name:
            keys.setdefault(db.name, db)
    names = _cached_db_names(root)
    unknown = sorted(n for n in names if n != rep.db.name and n not in keys)
    if unknown:
        ctx.note(
            f"sumdb: cached state of {', '.join(unknown)} not verified: no key for "
            f"{'it' if len(unknown) == 1 else 'them'} (add to policy.trusted-sumdbs)"
        )
    out = []
    cache = cache_root(ctx.environ)
    for name in sorted(set(names) & set(keys)):
        db = keys[name]
        c = sc.Client(
            db,
            go_cache=os.path.join(root, name),
            go_latest=os.path.join(gopath, "pkg", "sumdb", name, "latest") if os.path.isabs(gopath) else None,
            own_dir=os.path.join(cache, "sumdb", name) if cache else None,
            own_root=cache,
        )
        c.load_latest()
        for key in c.cached_lookup_keys():
            c.lookup(*key)
        c.verify_cached_tiles()
        c.check_consistency()
        c.remember()
        out.append(c)
    return out


def _cached_db_names(root: str) -> list[str]:
    """Database names with a cache under ``root`` (a name may contain '/': host/path)."""
    names = []
    for dirpath, dirnames, _ in os.walk(root):
        if "lookup" in dirnames or "tile" in dirnames:
            names.append(dirpath[len(root) + 1 :].replace(os.sep, "/"))
            dirnames[:] = []
    return names


# Statuses reported line by line: each names one module version that needs a
# decision of its own (the database denies it exists; the line cannot be looked
# up). The others have one remedy for the whole file and are summarised per file.
PER_LINE = (sc.NOT_FOUND, sc.INVALID)
FIX_COMMAND = "gozt-lint --all --select sumdb --online"
_STATUS_TEXT = {
    sc.MISSING: "no record cached",
    sc.UNPROVABLE: "a record cached but not the tiles that prove it",
    sc.REJECTED: "a cached record that failed verification (see sumdb-bad-signature)",
    sc.UNREACHABLE: "the database unreachable",
}


def _unverified_summary(file: str, items: list[tuple[SumLine, str]], total: int, client: sc.Client) -> Finding:
    """One finding for every line of ``file`` that could not be verified for the
    same reason a single command fixes: hundreds of findings that all say "run
    --online" would bury everything else (and GitHub shows ten annotations)."""
    counts: dict[str, int] = {}
    for _ln, status in items:
        counts[status] = counts.get(status, 0) + 1
    n = len(items)
    name = client.db.name
    why = ", ".join(f"{c} with {_STATUS_TEXT.get(s, s)}" for s, c in sorted(counts.items(), key=lambda kv: -kv[1]))
    if client.remote is not None and set(counts) == {sc.UNREACHABLE}:
        remedy = f"run `{FIX_COMMAND}` again when {name} is reachable"
    else:
        remedy = f"run `{FIX_COMMAND}` once to fetch and verify the records (later runs verify them offline)"
    noun = "line" if total == 1 else "lines"
    message = f"{n} of {total} go.sum {noun} not verified against {name} ({why}); {remedy}"
    first = items[0][0]
    return finding(
        message,
        file=file,
        span=first.span,
        count=n,
        total=total,
        statuses=counts,
        command=FIX_COMMAND,
        unverified=[
            {"line": ln.line, "module": ln.path, "version": ln.version + ("/go.mod" if ln.gomod else ""), "status": status}
            for ln, status in items
        ],
        # The counts change as go.sum grows; the finding stays the same one (SARIF
        # fingerprints, baselines).
        fingerprint=f"unverified lines of {name}",
    )


def _unverified_message(lk: sc.Lookup, suffix: str, client: sc.Client) -> str:
    mv = f"{lk.path}@{lk.version}{suffix}"
    online = client.remote is not None
    if lk.status == sc.MISSING:
        return f"{mv}: no {client.db.name} record cached; verify with --online"
    if lk.status == sc.UNPROVABLE:
        return f"{mv}: record cached but not the tiles that prove it; verify with --online"
    if lk.status == sc.NOT_FOUND:
        return f"{mv}: {client.db.name} has no record of this module version"
    if lk.status == sc.INVALID:
        return f"{mv}: cannot be looked up ({lk.reason})"
    if lk.status == sc.UNREACHABLE:
        return f"{mv}: not verified, {client.db.name} is unreachable"
    if lk.source and "://" in lk.source:
        return f"{mv}: the record {client.db.name} served failed verification (see sumdb-bad-signature)"
    return f"{mv}: cached record failed verification (see sumdb-bad-signature)" + ("" if online else "; verify with --online")


def _summary(rep: Report, client: sc.Client) -> str:
    newest = client.newest()
    parts = [
        f"sumdb: {client.db.name}",
        f"tree {newest.tree.n}" if newest else "no signed tree head",
        f"go.sum lines: {rep.lines_verified} verified, {rep.lines_unverified} unverified, {rep.lines_excluded} excluded",
        f"cached versions: {rep.cache_verified} verified, {rep.cache_unverified} unverified, {rep.cache_excluded} excluded",
    ]
    if client.unchecked_heads:
        parts.append(f"{client.unchecked_heads} signed head(s) not checked for consistency (tiles not cached)")
    if client.remote is not None:
        parts.append(f"{client.remote.requests} request(s)")
    return "; ".join(parts)


# -- for the language server's hover -------------------------------------------------------


def record_status(ctx: Context, path: str, version: str) -> dict[str, Any]:
    """What the checksum database says about ``path@version``, for a hover."""
    rep = ctx.once(report)
    if rep.db is None or rep.client is None:
        return {"status": "disabled", "verified": False, "database": None}
    out: dict[str, Any] = {"database": rep.db.name, "verified": False}
    if not uses_sumdb(path, rep.nosumdb):
        return {**out, "status": "excluded", "pattern": matching_pattern(rep.nosumdb, path)}
    lk = rep.client.cached_lookup(path, version) or rep.client.lookup(path, version)
    out.update(status=lk.status, reason=lk.reason)
    if lk.status == sc.VERIFIED:
        out.update(
            verified=True,
            record_id=lk.record_id,
            tree_size=lk.head.tree.n if lk.head else None,
            hashes={"zip": lk.hashes(False), "go.mod": lk.hashes(True)},
            source=lk.source,
        )
    return out
