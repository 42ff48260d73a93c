"""Verifying checksum-database state: offline first, every byte re-authenticated.

Where things come from, in order:

1. what the go command cached: ``GOMODCACHE/cache/download/sumdb/<name>/lookup``
   and ``.../tile``, and its signed tree head ``GOPATH[0]/pkg/sumdb/<name>/latest``;
2. gozt-lint's own cache (``<cache>/sumdb/<name>/...``), which holds only what
   gozt-lint fetched and verified, and the newest tree head it verified;
3. the database itself, only with ``--online`` (:mod:`gozt_lint.sumdb.remote`).

Nothing is trusted because it is on disk. A tree head counts only if its note
carries a valid signature by the configured key; a record only if its leaf hash,
read from tiles authenticated against a signed head, matches; heads are checked
pairwise for consistency (a fork is reported with the go command's own proof
text). Where the go client insists on its single ``latest`` head, we accept any
signed head that includes the record and check the heads against each other,
which is as strong and works with whatever tiles the go command happened to keep.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from gozt_lint.advisories import attack_text
from gozt_lint.fileio import read_regular
from gozt_lint.module import escape_path, escape_version
from gozt_lint.sumdb import tlog
from gozt_lint.sumdb.note import NoteError, open_note
from gozt_lint.sumdb.remote import Database, NotFound, Remote, Unreachable
from gozt_lint.sumdb.tlog import (
    HASH_SIZE,
    BadTileData,
    InconsistentTile,
    MissingTile,
    Tile,
    TileHashReader,
    TlogError,
    Tree,
)

TILE_HEIGHT = 8
FULL_TILE_BYTES = (1 << TILE_HEIGHT) * HASH_SIZE
MAX_CACHE_FILE = 1 << 20  # lookups are < 1 KiB and tiles 8 KiB; anything bigger is not ours

# Problem kinds: what the client saw, not which rule reports it (sumdb.check maps
# kinds to rules, as x/mod's client leaves policy to its caller).
BAD = "bad-data"  # a signature, proof, record or tile that does not verify
FORK = "fork"  # two signed tree heads that cannot both be true

# The advisories whose attacks the checks below recognise (see gozt_lint.advisories).
ATTACK_RECORD = "GO-2026-4984"  # an empty or unrelated record counted as verified
ATTACK_EXTENSION = "GO-2026-6180"  # hash lines outside the record, in the signed head
ATTACK_TILE = "GO-2026-6179"  # a tile not checked against its parent

# Lookup outcomes.
VERIFIED = "verified"
MISSING = "missing"  # no record available offline
UNPROVABLE = "unprovable"  # a record, but not the tiles to prove it (offline)
NOT_FOUND = "not-found"  # the database said 404/410
UNREACHABLE = "unreachable"
REJECTED = "rejected"  # every copy failed verification
INVALID = "invalid"  # not a module path and version that can be looked up


@dataclass
class Problem:
    kind: str  # BAD or FORK
    message: str
    file: str | None = None
    module: str | None = None
    version: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Head:
    tree: Tree
    note: bytes
    sources: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return self.sources[0] if self.sources else "?"


@dataclass
class Lookup:
    path: str
    version: str
    status: str
    reason: str = ""
    record_id: int | None = None
    text: bytes = b""
    head: Head | None = None  # the signed head the record was proven against
    source: str | None = None  # file or URL of the record used
    _hashes: tuple[list[str], list[str]] | None = field(default=None, repr=False, compare=False)

    def hashes(self, gomod: bool) -> list[str]:
        """The record's hashes for ``version`` (or ``version/go.mod``): the lines that
        start with "<path> <version> " (as sumdb.Client.Lookup selects them)."""
        if self._hashes is None:
            zip_prefix = f"{self.path} {self.version} "
            mod_prefix = f"{self.path} {self.version}/go.mod "
            self._hashes = ([], [])
            for line in self.text.decode("utf-8", "replace").split("\n"):
                if line.startswith(zip_prefix):
                    self._hashes[0].append(line[len(zip_prefix) :])
                elif line.startswith(mod_prefix):
                    self._hashes[1].append(line[len(mod_prefix) :])
        return self._hashes[1 if gomod else 0]


@dataclass
class _TileData:
    data: bytes
    origin: str  # file path or URL
    remote: bool


def _read_small(path: str) -> bytes | None:
    """A cache file's bytes (at most MAX_CACHE_FILE + 1 of them); None if absent,
    empty (the go command's half-written files), not a regular file or unreadable."""
    return read_regular(path, MAX_CACHE_FILE + 1) or None


def write_private(path: str, data: bytes, root: str) -> None:
    """Write ``data`` atomically as an owner-only file (0600) below ``root``, making
    every directory from ``root`` down owner-only (0700)."""
    from pathlib import Path

    from gozt_lint.fileio import atomic_write

    _makedirs_private(root)
    d = os.path.dirname(path)
    rel = os.path.relpath(d, root)
    cur = root
    if not rel.startswith(".."):
        for part in rel.split(os.sep):
            if part in ("", "."):
                continue
            cur = os.path.join(cur, part)
            _makedirs_private(cur)
    else:
        os.makedirs(d, mode=0o700, exist_ok=True)
    atomic_write(Path(path), data, mode=0o600)


def _makedirs_private(d: str) -> None:
    try:
        os.mkdir(d, 0o700)
    except FileExistsError:
        return
    except FileNotFoundError:
        os.makedirs(os.path.dirname(d), mode=0o700, exist_ok=True)
        os.mkdir(d, 0o700)
    os.chmod(d, 0o700)  # whatever the umask


class Client:
    """One checksum database, verified offline first (see the module doc)."""

    def __init__(
        self,
        db: Database,
        *,
        go_cache: str | None,
        go_latest: str | None,
        own_dir: str | None,
        own_root: str | None = None,
        remote: Remote | None = None,
        workers: int = 8,
        memo: Callable[[], Any] | None = None,
    ) -> None:
        self.db = db
        # The run's memo store (gozt_lint.memo.Memo) when one is open, else None:
        # signatures and tile checks found valid are kept there by content.
        self.memo = memo or (lambda: None)
        self.go_cache = go_cache
        self.go_latest = go_latest
        self.own_dir = own_dir
        self.own_root = own_root or own_dir
        self.remote = remote
        self.workers = max(1, workers)
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.lock = threading.RLock()
        self._notes_seen: dict[bytes, Head | NoteError | TlogError] = {}
        self.heads: dict[Tree, Head] = {}
        self._newest: Head | None = None
        # (tree, tile) -> tile data, for tiles authenticated against that tree.
        self._authed: dict[tuple[Tree, Tile], bytes] = {}
        self._escaped: dict[str, str] = {}
        self._lookup_names: set[str] = set()  # "<esc path>@<esc version>" already looked up
        self._own_lookups: bool | None = None  # does our cache hold any lookup?
        self._lookups: dict[tuple[str, str], Lookup] = {}
        self._prefetched: dict[tuple[str, str], bytes | Exception] = {}
        self._tiles: dict[Tile, _TileData] = {}
        self._rejected: set[str] = set()  # tile files/URLs that failed authentication
        self._absent: set[Tile] = set()  # tiles no cache holds (files don't appear mid-run)
        self._reported: set[tuple[str, str]] = set()
        self._auth_memo = _AuthMemo(self.memo)
        self._links: dict[Tree, Tree] = {}  # older -> newer, proven consistent
        self.unchecked_heads = 0
        self.tiles_checked = 0
        self.tiles_unchecked = 0
        self.go_latest_head: Head | None = None
        self.own_latest_head: Head | None = None
        self.fetched_tiles = 0

    # -- problems ------------------------------------------------------------------------

    def problem(
        self,
        kind: str,
        message: str,
        file: str | None = None,
        *,
        key: str | None = None,
        module: str | None = None,
        version: str | None = None,
        **data: Any,
    ) -> None:
        """Record a problem once per (kind, key or file+message)."""
        k = (kind, key or f"{file}\0{message}")
        with self.lock:
            if k in self._reported:
                return
            self._reported.add(k)
            self.problems.append(Problem(kind, message, file, module, version, data))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- heads ---------------------------------------------------------------------------

    def head_of(self, msg: bytes, source: str, *, what: str = "signed tree head") -> Head | None:
        """The verified head in note ``msg`` (None, with a problem recorded, if it isn't)."""
        with self.lock:
            got = self._notes_seen.get(msg)
            if got is None:
                try:
                    note = open_note(msg, [self.db.verifier], memo=_enabled(self.memo()))
                    tree = tlog.parse_tree(note.text)
                except (NoteError, TlogError) as e:
                    got = e
                else:
                    got = self.heads.get(tree)
                    if got is None:
                        got = Head(tree, msg)
                        self.heads[tree] = got
                        if self._newest is None or tree.n > self._newest.tree.n:
                            self._newest = got
                    # (The same tree in another note, co-signed say, is still one head.)
                self._notes_seen[msg] = got
            if isinstance(got, Head):
                if source not in got.sources:
                    got.sources.append(source)
                return got
        self.problem(
            BAD,
            f"{what} does not verify with the {self.db.name} key {self.db.key.split('+')[1]}: {got}",
            source if not _is_url(source) else None,
            key=f"note\0{source}",
            source=source,
        )
        return None

    def load_latest(self) -> None:
        """The go command's ``latest`` and our own remembered head."""
        if self.go_latest:
            data = _read_small(self.go_latest)
            if data is not None:
                self.go_latest_head = self.head_of(data, self.go_latest, what="the go command's latest tree head")
        if self.own_dir:
            own = os.path.join(self.own_dir, "latest")
            data = _read_small(own)
            if data is not None:
                self.own_latest_head = self.head_of(data, own, what="gozt-lint's remembered tree head")

    def fetch_latest(self) -> None:
        """Online: the database's current head (the go command never asks; we do, to
        catch a fork across runs)."""
        if self.remote is None:
            return
        try:
            data = self.remote.get("/latest")
        except (NotFound, Unreachable) as e:
            self.note(f"sumdb: could not fetch the latest tree head of {self.db.name}: {e}")
            return
        self.head_of(data, self._url("/latest"), what="the database's latest tree head")

    def _url(self, path: str) -> str:
        try:
            return self.remote.base() + path if self.remote else path
        except Exception:  # noqa: BLE001 - only used for messages
            return path

    # -- tiles ---------------------------------------------------------------------------

    def _tile_files(self, tile: Tile) -> list[str]:
        out = []
        rel = tile.path().replace("/", os.sep)
        for base in (self.go_cache, self.own_dir):
            if base:
                out.append(os.path.join(base, rel))
        return out

    def _local_tile(self, tile: Tile) -> _TileData | None:
        want = tile.w * HASH_SIZE
        full = tile.full
        for t in (tile, full) if full != tile else (tile,):
            for path in self._tile_files(t):
                if path in self._rejected:
                    continue
                data = _read_small(path)
                if data is None:
                    continue
                expect = t.w * HASH_SIZE
                if len(data) != expect:
                    self._rejected.add(path)
                    self.problem(
                        BAD,
                        f"cached tile {t.path()} has {len(data)} bytes, want {expect} (truncated or padded)",
                        path,
                        key=f"tile\0{path}",
                    )
                    continue
                return _TileData(data[:want], path, False)
        return None

    def _remote_tile(self, tile: Tile) -> _TileData:
        assert self.remote is not None
        want = tile.w * HASH_SIZE
        err: Exception | None = None
        for t in (tile, tile.full) if tile.full != tile else (tile,):
            url_path = "/" + t.path()
            if self._url(url_path) in self._rejected:
                continue  # served once already and failed authentication
            try:
                data = self.remote.get(url_path)
            except NotFound as e:
                err = e
                continue
            except Unreachable as e:
                raise MissingTile(tile) from e
            if len(data) != t.w * HASH_SIZE:
                self.problem(BAD, f"the database served tile {t.path()} with {len(data)} bytes, want {t.w * HASH_SIZE}", None, key=f"rtile\0{t.path()}", url=self._url(url_path))
                continue
            self.fetched_tiles += 1
            return _TileData(data[:want], self._url(url_path), True)
        raise MissingTile(tile) from err

    def read_tiles(self, tiles: list[Tile], allow_remote: bool) -> list[bytes]:
        out: list[bytes | None] = []
        need_remote: list[int] = []
        with self.lock:
            for i, t in enumerate(tiles):
                td = self._tiles.get(t)
                if td is None and t not in self._absent:
                    td = self._local_tile(t)
                    if td is not None:
                        self._tiles[t] = td
                    else:
                        self._absent.add(t)
                out.append(td.data if td else None)
                if td is None:
                    need_remote.append(i)
        if need_remote:
            if not allow_remote or self.remote is None:
                raise MissingTile(tiles[need_remote[0]])
            with ThreadPoolExecutor(max_workers=min(self.workers, len(need_remote))) as ex:
                got = list(ex.map(lambda i: self._remote_tile(tiles[i]), need_remote))
            with self.lock:
                for i, td in zip(need_remote, got):
                    self._tiles.setdefault(tiles[i], td)
                    out[i] = self._tiles[tiles[i]].data
        return [d for d in out if d is not None]

    def save_tiles(self, tree: Tree, tiles: list[Tile], data: list[bytes]) -> None:
        """Tiles just authenticated against ``tree``: remember them for the run, and
        keep the fetched ones in our cache."""
        with self.lock:
            for t, d in zip(tiles, data):
                self._authed[(tree, t)] = d
        if not self.own_dir:
            return
        for t in tiles:
            td = self._tiles.get(t)
            if td is not None and td.remote:
                self._save_own(os.path.join(self.own_dir, t.path().replace("/", os.sep)), td.data)
                td.remote = False  # saved once

    def _save_own(self, path: str, data: bytes) -> None:
        try:
            write_private(path, data, self.own_root or os.path.dirname(path))
        except OSError as e:
            self.note(f"sumdb: cannot write gozt-lint's cache ({e.strerror or e}); nothing is remembered for next time")

    def reader(self, tree: Tree, allow_remote: bool = False) -> TileHashReader:
        return TileHashReader(tree, _TileView(self, tree, allow_remote), self._auth_memo)

    def _fast_hashes(self, tree: Tree, indexes: Sequence[int]) -> list[bytes] | None:
        """The hashes, if every one lies in a tile already authenticated for ``tree``."""
        out = []
        limit = tlog.stored_hash_index(0, tree.n)
        for x in indexes:
            if x >= limit:
                return None
            t0, start, end = tlog.tile_for_index(TILE_HEIGHT, x)
            canon = tlog.tile_parent(t0, 0, tree.n)
            data = self._authed.get((tree, canon)) if canon is not None else None
            if data is None:
                return None
            out.append(tlog.tile_hash(data[start:end]))
        return out

    def read_hashes(self, tree: Tree, indexes: Sequence[int], allow_remote: bool = False) -> list[bytes]:
        """Authenticated hashes of ``tree``; a tile that fails authentication is
        reported, set aside and another copy tried (another cache, or the database)."""
        if indexes:
            fast = self._fast_hashes(tree, indexes)
            if fast is not None:
                return fast
        rejected = False
        for _ in range(8):
            try:
                return self.reader(tree, allow_remote).read_hashes(indexes)
            except InconsistentTile as e:
                if not self._reject(e.tiles, tree, e):
                    raise
            except BadTileData as e:
                if not self._reject([e.tile], tree):
                    raise
            except MissingTile as e:
                if rejected:
                    # The copies there were failed verification: not "missing", rejected.
                    raise TlogError(f"no copy of {e.tile.path()} authenticates") from e
                raise
            rejected = True
        raise TlogError("too many inconsistent tiles")

    def _reject(self, tiles: Iterable[Tile], tree: Tree, why: InconsistentTile | None = None) -> bool:
        """Report and forget the copies of ``tiles`` just used; True if any was dropped."""
        tiles = list(tiles)
        with self.lock:
            used = [(t, self._tiles.pop(t)) for t in tiles if t in self._tiles]
            self._absent.difference_update(tiles)
            bad = set(tiles)
            for k in [k for k in self._authed if k[1] in bad]:
                del self._authed[k]
        if not used:
            return False
        files = [td.origin for _, td in used]
        if len(used) == 1:
            what = f"tile {used[0][0].path()}"
        else:
            what = "tiles " + ", ".join(t.path() for t, _ in used) + " (one of them at least)"
        origin = "fetched" if any(_is_url(f) for f in files) else "cached"
        for f in files:
            self._rejected.add(f)
        first_file = next((f for f in files if not _is_url(f)), None)
        extra: dict[str, Any] = {}
        if why is not None and why.parent is not None:
            msg = f"{origin} {what} does not match its parent tile {why.parent.path()} in tree {tree.n} ({self.db.name})"
            if why.skipped_before_fix:
                # Only the parent check catches it, and that check is what the fix added.
                msg += f": a forged tile only that check catches, {attack_text(ATTACK_TILE)}"
                extra["advisory"] = ATTACK_TILE
        else:
            msg = f"{origin} {what} does not hash to the signed root of tree {tree.n} ({self.db.name})"
        self.problem(BAD, msg, first_file, key="tiles\0" + "\0".join(sorted(files)), files=files, tree_size=tree.n, **extra)
        return True

    # -- records -------------------------------------------------------------------------

    def known_escape(self, path: str, escaped: str) -> None:
        """Tell the client how ``path`` escapes (found as a cache directory name, so it
        names no parent directory): saves re-validating it."""
        self._escaped.setdefault(path, escaped)

    def _lookup_rel(self, path: str, version: str) -> str:
        ep = self._escaped.get(path)
        if ep is None:
            ep = self._escaped[path] = escape_path(path)
        return os.path.join("lookup", f"{ep}@{escape_version(version)}")

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Online: fetch, in parallel, the records no cache has."""
        if self.remote is None:
            return
        todo = []
        for path, version in keys:
            try:
                rel = self._lookup_rel(path, version)
            except ValueError:
                continue
            if any(_read_small(os.path.join(b, rel)) for b in (self.go_cache, self.own_dir) if b):
                continue
            todo.append((path, version, "/" + rel.replace(os.sep, "/")))
        if not todo:
            return

        def get(item: tuple[str, str, str]) -> tuple[tuple[str, str], bytes | Exception]:
            try:
                return (item[0], item[1]), self.remote.get(item[2])  # type: ignore[union-attr]
            except (NotFound, Unreachable) as e:
                return (item[0], item[1]), e

        with ThreadPoolExecutor(max_workers=self.workers) as ex:
            for k, v in ex.map(get, todo):
                self._prefetched[k] = v

    def lookup(self, path: str, version: str) -> Lookup:
        key = (path, version)
        with self.lock:
            got = self._lookups.get(key)
            if got is None:
                got = self._lookup(path, version)
                self._lookups[key] = got
            return got

    def _own_has_lookups(self) -> bool:
        if self._own_lookups is None:
            self._own_lookups = bool(self.own_dir) and os.path.isdir(os.path.join(self.own_dir or "", "lookup"))
        return self._own_lookups

    def cached_lookup(self, path: str, version: str) -> Lookup | None:
        return self._lookups.get((path, version))

    def _lookup(self, path: str, version: str) -> Lookup:
        try:
            rel = self._lookup_rel(path, version)
        except ValueError as e:
            return Lookup(path, version, INVALID, str(e))
        self._lookup_names.add(rel[len("lookup") + 1 :].replace(os.sep, "/"))
        best: Lookup | None = None
        for base in (self.go_cache, self.own_dir):
            if not base or (base == self.own_dir and not self._own_has_lookups()):
                continue
            file = os.path.join(base, rel)
            data = _read_small(file)
            if data is None:
                continue
            res = self._check_record(path, version, data, file, allow_remote=False)
            if res.status == VERIFIED:
                # Verify our own copy too when it exists: never trust a file for being there.
                if base == self.go_cache and self.own_dir and self._own_has_lookups():
                    other = _read_small(os.path.join(self.own_dir, rel))
                    if other is not None and other != data:
                        self._check_record(path, version, other, os.path.join(self.own_dir, rel), allow_remote=False)
                return res
            if best is None or best.status == REJECTED:
                best = res
        if self.remote is not None:
            if best is not None and best.status == UNPROVABLE and best.source:
                data = _read_small(best.source)
                if data is not None:
                    res = self._check_record(path, version, data, best.source, allow_remote=True)
                    if res.status == VERIFIED:
                        return res
            got = self._prefetched.pop((path, version), None)
            if got is None:
                try:
                    got = self.remote.get("/" + rel.replace(os.sep, "/"))
                except (NotFound, Unreachable) as e:
                    got = e
            url = self._url("/" + rel.replace(os.sep, "/"))
            if isinstance(got, NotFound):
                return Lookup(path, version, NOT_FOUND, f"{self.db.name} has no record of {path}@{version}")
            if isinstance(got, Exception):
                return Lookup(path, version, UNREACHABLE, f"could not reach {self.db.name}: {got}")
            res = self._check_record(path, version, got, url, allow_remote=True)
            if res.status == VERIFIED and self.own_dir:
                self._save_own(os.path.join(self.own_dir, rel), got)
            return res
        if best is not None:
            return best
        return Lookup(path, version, MISSING, f"no {self.db.name} record of {path}@{version} in the cache")

    def _check_record(self, path: str, version: str, data: bytes, source: str, *, allow_remote: bool) -> Lookup:
        file = None if _is_url(source) else source
        what = "record fetched from the database" if file is None else "cached lookup"
        mv = f"{path}@{version}"

        def bad(msg: str, **kw: Any) -> Lookup:
            self.problem(BAD, f"{what} for {mv}: {msg}", file, key=f"rec\0{source}", module=path, version=version, **kw)
            return Lookup(path, version, REJECTED, msg, source=source)

        try:
            rid, text, note = tlog.parse_record(data)
        except TlogError as e:
            return bad(str(e))
        head = self.head_of(note, source, what=f"tree head in the {what} for {mv}")
        if head is None:
            return Lookup(path, version, REJECTED, "its tree head does not verify", source=source)
        if rid < 0 or rid >= head.tree.n:
            return bad(f"record id {rid} is beyond the size {head.tree.n} of the tree it came with", record_id=rid, tree_size=head.tree.n)
        index = tlog.stored_hash_index(0, rid)
        leaf = tlog.record_hash(text)
        # The heads whose tiles a cache is likely to hold: the go command's latest (as
        # the go command itself checks), the newest, the record's own head.
        candidates: list[Head] = []
        for h in (self.go_latest_head, self.newest(), head, self.own_latest_head):
            if h is not None and h not in candidates and h.tree.n > rid:
                candidates.append(h)
        missing = 0
        failed = False  # a copy of the tiles was there and failed authentication
        differs: Head | None = None
        for remote_ok in (False, True) if allow_remote else (False,):
            for h in candidates:
                try:
                    got = self.read_hashes(h.tree, [index], allow_remote=remote_ok)[0]
                except MissingTile:
                    missing += 1
                    continue
                except TlogError:
                    failed = True
                    continue
                if got != leaf:
                    # Conclusive under the record's own head; under another head it may
                    # be a fork instead, which the consistency check reports.
                    differs = h
                    if h is head:
                        break
                    continue
                lk = Lookup(path, version, VERIFIED, "", rid, text, h, source)
                if not lk.hashes(False) and not lk.hashes(True):
                    return self._unrelated(lk, note, bad)
                smuggled = _note_lines_for(note, path, version)
                if smuggled:
                    # The record is right; the signed head also vouches for hashes the log
                    # does not hold. Ignored as the fixed client ignores them, but reported.
                    bad(_smuggled_message(rid, smuggled), advisory=ATTACK_EXTENSION, lines=smuggled)
                    lk.reason = "the lookup also carried hash lines outside the record"
                return lk
            if differs is not None:
                break
        if differs is not None:
            return bad(
                f"record #{rid} is not the one in tree {differs.tree.n}: its hash differs from the signed leaf "
                "(cannot authenticate record data)",
                record_id=rid,
                tree_size=differs.tree.n,
            )
        if missing and not failed:
            return Lookup(path, version, UNPROVABLE, f"the tiles proving record #{rid} are not cached", rid, text, head, source)
        return Lookup(path, version, REJECTED, "no copy of its tiles authenticates", rid, text, head, source)

    def _unrelated(self, lk: Lookup, note: bytes, bad: Any) -> Lookup:
        """A verified record without a line for the module looked up: the shape of the
        CVE-2026-42501 attack, and of CVE-2026-56864 when the hashes ride in the head."""
        rid = lk.record_id
        smuggled = _note_lines_for(note, lk.path, lk.version)
        if smuggled:
            return bad(_smuggled_message(rid, smuggled), advisory=ATTACK_EXTENSION, lines=smuggled, record_id=rid)
        first = lk.text.decode("utf-8", "replace").split(" ", 1)[0].strip()
        if not first:
            what = f"the record (#{rid}) has no line at all"
        else:
            what = f"the record (#{rid}) is for another module: {first}"
        return bad(f"{what}, {attack_text(ATTACK_RECORD)}", advisory=ATTACK_RECORD, record_id=rid)

    # -- cached files ----------------------------------------------------------------------

    def cached_lookup_keys(self) -> list[tuple[str, str]]:
        """(path, version) of every lookup file in either cache."""
        from gozt_lint.module import unescape_path, unescape_version

        keys: set[tuple[str, str]] = set()
        done = self._lookup_names
        for base in (self.go_cache, self.own_dir):
            if not base:
                continue
            top = os.path.join(base, "lookup")
            n = len(top) + 1
            for dirpath, dirnames, filenames in os.walk(top):
                for fn in filenames:
                    rel = os.path.join(dirpath, fn)[n:].replace(os.sep, "/")
                    if "@" not in rel or rel in done:
                        continue
                    ep, _, ev = rel.rpartition("@")
                    try:
                        keys.add((unescape_path(ep), unescape_version(ev)))
                    except ValueError:
                        continue
        return sorted(keys)

    def verify_cached_tiles(self) -> None:
        """Authenticate every hash tile file in either cache against a signed head."""
        import bisect

        heads = sorted(self.heads.values(), key=lambda h: h.tree.n)
        sizes = [h.tree.n for h in heads]
        preferred = [h for h in (self.newest(), self.go_latest_head, self.own_latest_head) if h is not None]
        for base in (self.go_cache, self.own_dir):
            if not base:
                continue
            top = os.path.join(base, "tile")
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames.sort()
                for fn in sorted(filenames):
                    file = os.path.join(dirpath, fn)
                    rel = file[len(base) + 1 :].replace(os.sep, "/")
                    try:
                        tile = tlog.parse_tile_path(rel)
                    except TlogError:
                        continue
                    if tile.h != TILE_HEIGHT or tile.l < 0:
                        continue
                    # A tile is a prefix of the same tile in any bigger tree: try the heads
                    # whose tiles are most likely authenticated already, then the smallest
                    # heads that contain it (whose tiles the go command kept with them).
                    need = ((tile.n << tile.h) + tile.w) << (tile.h * tile.l)
                    i = bisect.bisect_left(sizes, need)
                    candidates = [h for h in preferred if h.tree.n >= need] + heads[i : i + 2]
                    self._verify_tile_file(tile, file, candidates)

    def _verify_tile_file(self, tile: Tile, file: str, heads: list[Head]) -> None:
        data = _read_small(file)
        if data is None or file in self._rejected:
            return
        if len(data) != tile.w * HASH_SIZE:
            self._rejected.add(file)
            self.problem(BAD, f"cached tile {tile.path()} has {len(data)} bytes, want {tile.w * HASH_SIZE} (truncated or padded)", file, key=f"tile\0{file}")
            return
        seen: set[Tree] = set()
        for h in heads:
            if h.tree in seen:
                continue
            seen.add(h.tree)
            canon = tlog.tile_parent(tile, 0, h.tree.n)
            if canon is None or canon.w < tile.w:
                continue
            td = self._authed.get((h.tree, canon))
            if td is None:
                last = tlog.stored_hash_index(tile.h * tile.l, (canon.n << canon.h) + canon.w - 1)
                try:
                    self.read_hashes(h.tree, [last])
                except TlogError:
                    continue
                if file in self._rejected:
                    return  # reported as it failed authentication
                td = self._authed.get((h.tree, canon))
                if td is None:
                    continue
            self.tiles_checked += 1
            if td[: len(data)] != data:
                self._rejected.add(file)
                self.problem(
                    BAD,
                    f"cached tile {tile.path()} differs from the tile authenticated against the signed root of tree {h.tree.n}",
                    file,
                    key=f"tile\0{file}",
                    tree_size=h.tree.n,
                )
            return
        self.tiles_unchecked += 1

    # -- consistency -----------------------------------------------------------------------

    def check_consistency(self) -> None:
        """Every signed head must be consistent with the newest (the same log): checked
        against the newest directly when its tiles allow, else against the next heads
        (the go command checked each new head against the one before and kept those
        tiles), else, online, against the newest with tiles fetched."""
        heads = sorted(self.heads.values(), key=lambda h: (h.tree.n, h.tree.hash))
        if len(heads) < 2:
            return
        newest = heads[-1]
        for i, older in enumerate(heads[:-1]):
            later = [newest] + [h for h in heads[i + 1 : i + 4] if h is not newest]
            passes = [(later, False)]
            if self.remote is not None:
                passes.append(([newest], True))
            done = False
            for candidates, allow_remote in passes:
                for newer in candidates:
                    if self._check_pair(older, newer, allow_remote) is not None:
                        done = True
                        break
                if done:
                    break
            if not done:
                self.unchecked_heads += 1

    def _check_pair(self, older: Head, newer: Head, allow_remote: bool) -> bool | None:
        """True if consistent, False if a fork (reported), None if it can't be told."""
        if older.tree.n == newer.tree.n:
            if older.tree.hash == newer.tree.hash:
                return True
            self._report_fork(older, newer, newer.tree.hash, [])
            return False
        try:
            h = tlog.tree_hash(older.tree.n, lambda ix: self.read_hashes(newer.tree, ix, allow_remote))
        except MissingTile:
            return None
        except TlogError:
            return None
        if h == older.tree.hash:
            self._links[older.tree] = newer.tree
            return True
        proof: list[bytes] | str
        try:
            p = tlog.prove_tree(newer.tree.n, older.tree.n, lambda ix: self.read_hashes(newer.tree, ix, allow_remote))
            tlog.check_tree(p, newer.tree.n, newer.tree.hash, older.tree.n, h)
            proof = p
        except TlogError as e:
            proof = f"internal error: {e}"
        self._report_fork(older, newer, h, proof)
        return False

    def _report_fork(self, older: Head, newer: Head, h: bytes, proof: list[bytes] | str) -> None:
        text = fork_report(older.note, newer.note, h, proof)
        files = [s for s in older.sources + newer.sources if not _is_url(s)]
        self.problem(
            FORK,
            f"{self.db.name} forked: signed tree heads {older.tree.n} ({_short(older.where)}) and "
            f"{newer.tree.n} ({_short(newer.where)}) are inconsistent\n{text}",
            # Point at the newer head's file when there is one: that is what changed.
            next((s for s in newer.sources if not _is_url(s)), files[0] if files else None),
            key=f"fork\0{older.tree}\0{newer.tree}",
            old=older.sources,
            new=newer.sources,
            old_size=older.tree.n,
            new_size=newer.tree.n,
            proof=[tlog.hash_string(x) for x in proof] if isinstance(proof, list) else proof,
            report=text,
        )

    def save_memo(self) -> None:
        """Keep this run's successful tile checks for the next runs (see _AuthMemo)."""
        self._auth_memo.save()

    def newest(self) -> Head | None:
        return self._newest

    def proven_into(self, older: Tree, newer: Tree) -> bool:
        cur = older
        seen = set()
        while cur != newer:
            if cur in seen or cur not in self._links:
                return False
            seen.add(cur)
            cur = self._links[cur]
        return True

    def remember(self) -> None:
        """Keep the newest head that is proven to extend what we remembered."""
        if not self.own_dir:
            return
        if any(p.kind == FORK for p in self.problems):
            self.note(f"sumdb: {self.db.name} forked; gozt-lint keeps its remembered tree head unchanged")
            return
        newest = self.newest()
        if newest is None:
            return
        own = self.own_latest_head
        if own is not None:
            if own.tree == newest.tree:
                return
            if not self.proven_into(own.tree, newest.tree):
                self.note(
                    f"sumdb: could not prove tree {newest.tree.n} extends the remembered tree {own.tree.n} "
                    f"offline; run with --online to move on"
                )
                return
        self._save_own(os.path.join(self.own_dir, "latest"), newest.note)
        # Keep the tiles that make its root, so a later, smaller or different head can
        # be checked against it even after the go command's cache is cleaned.
        try:
            self.read_hashes(newest.tree, [])
            tiles, _, _, _ = self.reader(newest.tree).plan([])
        except TlogError:
            return
        for t in tiles:
            td = self._tiles.get(t)
            if td is not None:
                path = os.path.join(self.own_dir, t.path().replace("/", os.sep))
                if _read_small(path) != td.data:
                    self._save_own(path, td.data)


def _enabled(memo: Any) -> Any:
    return memo if memo is not None and memo.enabled else None


class _AuthMemo:
    """The tile checks that succeeded (see tlog.TileHashReader): this run's, and, when
    the run has a memo store, earlier runs' kept there under the SHA-256 of exactly
    what was checked (the tree's size and root hash, each tile's coordinates and
    bytes). A check is a pure function of those, so a hit is the same check with the
    same answer; a changed byte is another key and is checked afresh. Failures are
    never kept."""

    def __init__(self, store: Callable[[], Any]) -> None:
        self._local: set[tuple[object, ...]] = set()
        self._store = store
        self._pending: list[str] = []

    def __contains__(self, key: object) -> bool:
        if key in self._local:
            return True
        memo = _enabled(self._store())
        if memo is None or not isinstance(key, tuple):
            return False
        digest = _auth_digest(key)
        if digest is not None and memo.get("tlog-auth\0" + digest) == 1:
            self._local.add(key)
            return True
        return False

    def add(self, key: tuple[object, ...]) -> None:
        self._local.add(key)
        if _enabled(self._store()) is not None:
            digest = _auth_digest(key)
            if digest is not None:
                self._pending.append(digest)

    def save(self) -> None:
        memo = _enabled(self._store())
        if memo is not None and self._pending:
            memo.set_many([("tlog-auth\0" + d, 1) for d in self._pending])
        self._pending.clear()


def _auth_digest(key: tuple[object, ...]) -> str | None:
    """SHA-256 of an unambiguous encoding of a tile check's key (None: a part it
    does not know how to encode, never kept)."""
    import hashlib

    h = hashlib.sha256()

    def put(x: object) -> bool:
        if isinstance(x, bytes):
            h.update(b"b" + len(x).to_bytes(8, "big") + x)
        elif isinstance(x, str):
            b = x.encode("utf-8")
            h.update(b"s" + len(b).to_bytes(8, "big") + b)
        elif isinstance(x, Tree):
            h.update(b"T" + x.n.to_bytes(8, "big", signed=True) + len(x.hash).to_bytes(8, "big") + x.hash)
        elif isinstance(x, Tile):
            h.update(b"L" + b"".join(v.to_bytes(8, "big", signed=True) for v in (x.h, x.l, x.n, x.w)))
        elif isinstance(x, tuple):
            h.update(b"(" + len(x).to_bytes(8, "big"))
            return all(put(y) for y in x)
        else:
            return False
        return True

    try:
        return h.hexdigest() if put(key) else None
    except OverflowError:
        return None


class _TileView:
    """The TileSource a TileHashReader sees: the client's tiles, remote allowed or not."""

    def __init__(self, client: Client, tree: Tree, allow_remote: bool) -> None:
        self.client = client
        self.tree = tree
        self.allow_remote = allow_remote

    def height(self) -> int:
        return TILE_HEIGHT

    def read_tiles(self, tiles: list[Tile]) -> list[bytes]:
        return self.client.read_tiles(tiles, self.allow_remote)

    def save_tiles(self, tiles: list[Tile], data: list[bytes]) -> None:
        self.client.save_tiles(self.tree, tiles, data)


def fork_report(older_note: bytes, newer_note: bytes, h: bytes, proof: list[bytes] | str) -> str:
    """The go command's SECURITY ERROR text for two inconsistent signed heads."""

    def indent(b: bytes) -> str:
        return b.decode("utf-8", "replace").replace("\n", "\n\t")

    out = "SECURITY ERROR\ngo.sum database server misbehavior detected!\n\n"
    out += f"old database:\n\t{indent(older_note)}\n"
    out += f"new database:\n\t{indent(newer_note)}\n"
    out += f"proof of misbehavior:\n\t{tlog.hash_string(h)}"
    if isinstance(proof, str):
        out += f"\t{proof}\n"
    else:
        for x in proof:
            out += f"\n\t{tlog.hash_string(x)}"
    return out


def _is_url(s: str) -> bool:
    return "://" in s


def _note_lines_for(note: bytes, path: str, version: str) -> list[str]:
    """Lines of a lookup's signed tree head, past its three tree lines, that name
    ``path version`` or ``path version/go.mod`` (what clients before the CVE-2026-56864
    fix took for the record's lines)."""
    text = note.rsplit(b"\n\n", 1)[0].decode("utf-8", "replace")
    prefixes = (f"{path} {version} ", f"{path} {version}/go.mod ")
    return [ln for ln in text.split("\n")[3:] if ln.startswith(prefixes)]


def _smuggled_message(rid: int | None, lines: list[str]) -> str:
    return (
        f"the lookup's signed tree head carries hash lines for it outside the record (#{rid}), which the log "
        f"does not hold ({'; '.join(lines)[:200]}): {attack_text(ATTACK_EXTENSION)}"
    )


def _short(where: str) -> str:
    if _is_url(where):
        return where
    parts = where.replace(os.sep, "/").split("/")
    for anchor in ("pkg", "gozt-lint"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "…/" + "/".join(parts[i:])
    return where
