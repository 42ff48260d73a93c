"""Go releases, as the Go team published them, authenticated by the checksum database.

Every Go release is also a module, ``golang.org/toolchain@v0.0.1-<go version>.<goos>-<goarch>``
(cmd/distpack: the binary distribution less ``api/``, ``doc/``, ``misc/`` and ``test/``,
every ``go.mod`` stored as ``_go.mod``); the go command downloads it when GOTOOLCHAIN
switches, and the checksum database records its ``h1:``. That hash is the SHA-256 of
the module's dirhash summary, one ``<hex SHA-256>  golang.org/toolchain@<v>/<name>``
line per file: so the summary, once its hash equals the signed record, is an
authenticated list of every file of the release and its SHA-256. That list is the
*release manifest*; :mod:`gozt_lint.goroot` compares GOROOT with it.

Where a manifest comes from, first found first:

1. gozt-lint's own cache, ``<cache>/toolchain/<database>/<escaped version>.json``
   (owner-only, like its checksum-database cache): the summary, the database record,
   the signed tree head it was proven under, the inclusion proof and the release's
   ``go.env``. Nothing in it is trusted for being there: the head's signature, the
   proof, the record's h1 against the summary and go.env's hash are checked on every
   read, and the head joins the fork check with every other head.
2. ``GOMODCACHE/cache/download/golang.org/toolchain/@v/<v>.zip``, left by a toolchain
   switch or ``go mod download``: read as a stream (never extracted), its summary
   checked against the record from the go command's or gozt-lint's checksum-database
   cache (signed head, tiles).
3. With ``--online``: the record from the database and the zip streamed from GOPROXY
   (entries in order; ``off``/``direct``/GONOPROXY stop; 404/410, or any error after
   ``|``, move on), bounded in size (500 MiB, the module limit) and time, never
   written anywhere: only the summary is kept.

Whatever the source, every signed tree head seen is checked for consistency with the
others (and with the head gozt-lint remembers) before any manifest is used or kept;
a fork refuses them all. The database is the configured GOSUMDB, as for the go
command's toolchain downloads; with GOSUMDB=off, sum.golang.org (a release is
recorded there whatever the local policy says).

:func:`session` runs all of this once per run, for every release the toolchain
family needs (GOROOT's, other ``go`` binaries on PATH) and every module version
installed binaries name (:mod:`gozt_lint.binsums`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from gozt_lint import zipstream
from gozt_lint.fileio import read_regular

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.sumdb.client import Client, Lookup

MODULE = "golang.org/toolchain"
FORMAT = 1
MAX_BUNDLE = 64 << 20  # a summary is ~2 MiB
DOWNLOAD_TIMEOUT = 600.0  # seconds for one whole zip
READ_TIMEOUT = 30.0  # seconds for each read from the proxy

# Outcome statuses.
VERIFIED = "verified"
UNAVAILABLE = "unavailable"  # no manifest offline
NOT_FOUND = "not-found"  # the database has no such release
NOT_RELEASE = "not-a-release"  # a development or otherwise unpublishable version
REFUSED = "refused"  # something failed authentication: see Outcome.reason
UNREACHABLE = "unreachable"
DISABLED = "disabled"  # no usable checksum database

_RELEASE_NAME = re.compile(r"^go1(\.(0|[1-9][0-9]*)){1,2}((rc|beta)[1-9][0-9]*)?$")


def module_version(name: str, goos: str, goarch: str) -> str:
    """``v0.0.1-go1.26.8.linux-amd64`` for go1.26.8 on linux/amd64."""
    return f"v0.0.1-{name}.{goos}-{goarch}"


def is_release_name(name: str) -> bool:
    """A name the Go team publishes (go1.21.0, go1.22rc1, go1.9.2beta1...)."""
    return bool(_RELEASE_NAME.match(name))


class Manifest:
    """Every file of one release with its SHA-256, authenticated.

    From a zip the file list is built as it is read; from gozt-lint's cache it is
    parsed from the (authenticated) summary only when asked for: a warm run whose
    GOROOT comparison is memoised needs the h1 alone."""

    def __init__(
        self,
        version: str,
        h1: str,
        database: str,
        record_id: int,
        tree_size: int,
        source: str,
        go_env: bytes | None = None,
        *,
        files: dict[bytes, str] | None = None,
        summary: bytes | None = None,
    ) -> None:
        self.version = version  # v0.0.1-go1.26.8.linux-amd64
        self.h1 = h1
        self.database = database
        self.record_id = record_id
        self.tree_size = tree_size
        self.source = source  # where the summary was read this time
        self.go_env = go_env  # the release's go.env (its hash checked)
        self._files = files
        self._summary = summary

    @property
    def module(self) -> str:
        return f"{MODULE}@{self.version}"

    @property
    def prefix(self) -> bytes:
        return f"{self.module}/".encode()

    @property
    def files(self) -> dict[bytes, str]:
        """Name relative to the release root -> hex SHA-256."""
        if self._files is None:
            n = len(self.prefix)
            out: dict[bytes, str] = {}
            for line in (self._summary or b"").split(b"\n"):
                if len(line) > 66:
                    out[line[66 + n :]] = line[:64].decode("ascii")
            self._files = out
        return self._files

    def file(self, name: bytes) -> str | None:
        """One file's SHA-256, without parsing the whole list."""
        if self._files is None and self._summary is not None:
            i = self._summary.find(b"  " + self.prefix + name + b"\n")
            return self._summary[i - 64 : i].decode("ascii") if i >= 64 else None
        return self.files.get(name)


@dataclass
class Outcome:
    version: str
    status: str
    reason: str = ""
    manifest: Manifest | None = None
    attack: bool = False  # the database, a cache or the proxy served something false
    problems: list[str] = field(default_factory=list)  # sources that failed along the way

    @property
    def module(self) -> str:
        return f"{MODULE}@{self.version}"


# -- the session -------------------------------------------------------------------------------


class Session:
    """One run's checksum-database client and the releases and modules looked up with it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.online = bool(ctx.options.online)
        self.client: Client | None = None
        self.why_disabled = ""
        self.own_root: str | None = None
        self.outcomes: dict[str, Outcome] = {}
        self.module_lookups: dict[tuple[str, str], Lookup] = {}
        self.fork: str | None = None
        self.downloaded = 0
        self.notes: list[str] = []
        self._pending: dict[str, tuple[str, bytes]] = {}  # version -> (file, bundle)
        self._started = False
        self._setup()

    @property
    def database(self) -> str | None:
        return self.client.db.name if self.client else None

    def _setup(self) -> None:
        from gozt_lint.sumdb import client as sc
        from gozt_lint.sumdb.remote import SUM_GOLANG_ORG, ConfigError, Remote, cache_root, parse_gosumdb

        env = self.ctx.env
        value = env.get("GOSUMDB")
        if not value or value == "off":
            value = SUM_GOLANG_ORG
        try:
            db = parse_gosumdb(value)
        except ConfigError as e:
            self.why_disabled = f"{e} (the go command would refuse this GOSUMDB too)"
            return
        assert db is not None
        gomodcache = env.get("GOMODCACHE")
        go_cache = os.path.join(gomodcache, "cache", "download", "sumdb", db.name) if os.path.isabs(gomodcache) else None
        gopath = env.gopath_first
        go_latest = os.path.join(gopath, "pkg", "sumdb", db.name, "latest") if os.path.isabs(gopath) else None
        root = cache_root(self.ctx.environ)
        self.own_root = root
        remote = None
        if self.online:
            from gozt_lint import __version__

            remote = Remote(db, env.get("GOPROXY"), user_agent=f"gozt-lint/{__version__}")
        from gozt_lint import memo as memo_mod

        self.client = sc.Client(
            db,
            go_cache=go_cache,
            go_latest=go_latest,
            own_dir=os.path.join(root, "sumdb", db.name) if root else None,
            own_root=root,
            remote=remote,
            workers=min(8, self.ctx.options.jobs or 8),
            memo=lambda: memo_mod.opened(self.ctx),  # (only once the run opened it)
        )

    def _start(self) -> None:
        if self._started or self.client is None:
            return
        self._started = True
        self.client.load_latest()
        if self.online:
            self.client.fetch_latest()

    # -- releases ----------------------------------------------------------------------------

    def release(self, name: str, goos: str, goarch: str) -> Outcome:
        """The manifest of Go release ``name`` for goos/goarch (or why there is none)."""
        version = module_version(name, goos, goarch)
        got = self.outcomes.get(version)
        if got is None:
            got = self.outcomes[version] = self._release(name, version)
            if self.client is not None:
                self.client.save_memo()
        return got

    def _release(self, name: str, version: str) -> Outcome:
        if not is_release_name(name):
            return Outcome(version, NOT_RELEASE, f"{name} is not a Go release name (a development build?)")
        if self.client is None:
            return Outcome(version, DISABLED, f"no checksum database to check against: {self.why_disabled}")
        self._start()
        out = Outcome(version, UNAVAILABLE)
        m = self._from_own_cache(version, out)
        if m is not None:
            out.status, out.manifest = VERIFIED, m
            return out
        lk = self.client.lookup(MODULE, version)
        from gozt_lint.sumdb import client as sc

        if lk.status != sc.VERIFIED:
            out.status, out.reason = _status_of(lk, self.client.db.name, self.online)
            out.attack = lk.status == sc.REJECTED
            return out
        recorded = lk.hashes(False)
        summary, source = self._from_gomodcache(version, recorded, out)
        if summary is None and self.online:
            summary, source = self._download(version, recorded, out)
        if summary is None:
            if not out.reason:
                out.reason = (
                    f"the {self.client.db.name} record of {MODULE}@{version} is available, but not the release's "
                    f"file list: run with --online to fetch it"
                )
            return out
        assert lk.head is not None and lk.record_id is not None
        made = self._manifest(version, summary, lk.record_id, lk.head.tree.n, source)
        if isinstance(made, str):
            out.status, out.reason, out.attack = REFUSED, made, True
            return out
        out.status, out.manifest = VERIFIED, made
        self._stage(version, summary, lk)
        return out

    def _manifest(self, version: str, summary: zipstream.Summary, record_id: int, tree_size: int, source: str) -> Manifest | str:
        prefix = f"{MODULE}@{version}/".encode()
        files: dict[bytes, str] = {}
        for name, digest in summary.entries:
            if not name.startswith(prefix):
                return f"{source}: entry {name.decode('utf-8', 'replace')} is outside {prefix.decode()}"
            files[name[len(prefix) :]] = digest
        go_env = summary.kept.get(prefix + b"go.env")
        return Manifest(version, summary.h1, self.client.db.name if self.client else "", record_id, tree_size, source, go_env, files=files)

    # -- source 1: gozt-lint's own cache -----------------------------------------------------

    def _bundle_path(self, version: str) -> str | None:
        from gozt_lint.module import escape_version

        if not self.own_root or self.client is None:
            return None
        return os.path.join(self.own_root, "toolchain", *self.client.db.name.split("/"), escape_version(version) + ".json")

    def _from_own_cache(self, version: str, out: Outcome) -> Manifest | None:
        path = self._bundle_path(version)
        if path is None or not os.path.lexists(path):
            return None
        data = read_regular(path, MAX_BUNDLE + 1)
        why: str | None
        if data is None:
            why = "not a readable regular file"
        elif len(data) > MAX_BUNDLE:
            why = f"larger than {MAX_BUNDLE} bytes"
        else:
            got = self._verify_bundle(version, data, path)
            if isinstance(got, Manifest):
                return got
            why = got
        out.problems.append(f"gozt-lint's cached release manifest {path} does not verify ({why}); it is ignored")
        return None

    def _verify_bundle(self, version: str, data: bytes, path: str) -> Manifest | str:
        from gozt_lint.sumdb import tlog

        assert self.client is not None
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            return f"not JSON: {e}"
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return "not a gozt-lint release manifest of this format"
        if doc.get("module") != MODULE or doc.get("version") != version or doc.get("database") != self.client.db.name:
            return "it names another release or database"
        note, record, summary, proof = doc.get("note"), doc.get("record"), doc.get("summary"), doc.get("proof")
        rid = doc.get("record_id")
        if not (isinstance(note, str) and isinstance(record, str) and isinstance(summary, str) and isinstance(proof, list)):
            return "fields are missing"
        if not isinstance(rid, int) or isinstance(rid, bool) or rid < 0:
            return "bad record id"
        head = self.client.head_of(note.encode("utf-8"), path, what="the signed tree head in gozt-lint's release manifest")
        if head is None:
            return f"its signed tree head does not verify with the {self.client.db.name} key"
        if rid >= head.tree.n:
            return f"record #{rid} is beyond tree {head.tree.n}"
        try:
            hashes = [base64.b64decode(h, validate=True) for h in proof]
        except (ValueError, TypeError):
            return "the inclusion proof is not base64"
        if any(len(h) != tlog.HASH_SIZE for h in hashes):
            return "the inclusion proof has hashes of the wrong size"
        text = record.encode("utf-8")
        try:
            tlog.check_record(hashes, head.tree.n, head.tree.hash, rid, tlog.record_hash(text))
        except tlog.TlogError as e:
            return f"record #{rid} is not in tree {head.tree.n}: {e}"
        recorded = _record_hashes(text, version)
        raw = summary.encode("utf-8", "surrogateescape")
        h1 = "h1:" + base64.b64encode(hashlib.sha256(raw).digest()).decode("ascii")
        if h1 not in recorded:
            return f"its file list hashes to {h1}, but record #{rid} says {', '.join(recorded) or 'nothing'}"
        # Authentic from here on: the summary is what the database's h1 covers.
        m = Manifest(version, h1, self.client.db.name, rid, head.tree.n, path, summary=raw)
        go_env_text = doc.get("go.env")
        if isinstance(go_env_text, str):
            b = go_env_text.encode("utf-8", "surrogateescape")
            if hashlib.sha256(b).hexdigest() != m.file(b"go.env"):
                return "its copy of the release's go.env does not match the file list"
            m.go_env = b
        return m

    def _stage(self, version: str, summary: zipstream.Summary, lk: Lookup) -> None:
        """Prepare the bundle for our cache; written only once the heads are settled."""
        from gozt_lint.sumdb import tlog

        path = self._bundle_path(version)
        if path is None or self.client is None or lk.head is None or lk.record_id is None:
            return
        head = lk.head
        client = self.client
        try:
            proof = tlog.prove_record(head.tree.n, lk.record_id, lambda ix: client.read_hashes(head.tree, ix, allow_remote=self.online))
        except tlog.TlogError as e:
            self.notes.append(f"toolchain: cannot keep the release manifest of {version} for offline runs: {e}")
            return
        prefix = f"{MODULE}@{version}/".encode()
        go_env = summary.kept.get(prefix + b"go.env")
        doc = {
            "format": FORMAT,
            "module": MODULE,
            "version": version,
            "database": client.db.name,
            "record_id": lk.record_id,
            "record": lk.text.decode("utf-8", "surrogateescape"),
            "note": head.note.decode("utf-8", "surrogateescape"),
            "proof": [base64.b64encode(h).decode("ascii") for h in proof],
            "summary": summary.text().decode("utf-8", "surrogateescape"),
            "go.env": go_env.decode("utf-8", "surrogateescape") if go_env is not None else None,
        }
        self._pending[version] = (path, json.dumps(doc, sort_keys=True).encode("utf-8"))

    # -- source 2: GOMODCACHE ------------------------------------------------------------------

    def _from_gomodcache(self, version: str, recorded: list[str], out: Outcome) -> tuple[zipstream.Summary | None, str]:
        from gozt_lint.module import escape_version

        cache = self.ctx.env.get("GOMODCACHE")
        if not os.path.isabs(cache):
            return None, ""
        zpath = os.path.join(cache, "cache", "download", "golang.org", "toolchain", "@v", escape_version(version) + ".zip")
        if not os.path.lexists(zpath):
            return None, ""
        try:
            summary = _summarize_file(zpath, version)
        except (OSError, zipstream.StreamError) as e:
            out.problems.append(f"{zpath}: cannot read it as a module zip: {getattr(e, 'strerror', None) or e}")
            return None, ""
        if summary.h1 not in recorded:
            out.problems.append(
                f"{zpath} hashes to {summary.h1}, not the {', '.join(recorded)} the checksum database recorded: "
                f"it is not the release (not used)"
            )
            return None, ""
        return summary, zpath

    # -- source 3: GOPROXY -----------------------------------------------------------------------

    def _download(self, version: str, recorded: list[str], out: Outcome) -> tuple[zipstream.Summary | None, str]:
        from gozt_lint.module import escape_version, match_patterns
        from gozt_lint.sumdb.remote import _proxy_entries, _redact

        env = self.ctx.env
        if match_patterns(env.get("GONOPROXY"), MODULE):
            out.reason = f"GONOPROXY/GOPRIVATE covers {MODULE}: the go command would not use a proxy for it, and it has no repository to fetch directly"
            return None, ""
        rel = f"/golang.org/toolchain/@v/{escape_version(version)}.zip"
        tried: list[str] = []
        for entry, fallback in _proxy_entries(env.get("GOPROXY")):
            if entry == "off":
                tried.append("GOPROXY=off forbids downloads")
                break
            if entry == "direct":
                tried.append(f"'direct': {MODULE} is only published on module proxies")
                break
            if entry == "noproxy":
                continue
            base = (entry if "://" in entry else "https://" + entry).rstrip("/")
            url = base + rel
            shown = _redact(url)
            try:
                summary = _summarize_url(url, version)
            except _NotFound:
                tried.append(f"{shown}: not found")
                continue
            except (OSError, zipstream.StreamError, _Failed) as e:
                tried.append(f"{shown}: {e}")
                if fallback:
                    continue
                break
            self.downloaded += summary.compressed
            if summary.h1 not in recorded:
                out.status, out.attack = REFUSED, True
                out.reason = (
                    f"{shown} served a zip that hashes to {summary.h1}, but the checksum database recorded "
                    f"{', '.join(recorded)}: the proxy is not serving the release"
                )
                return None, ""
            return summary, shown
        out.reason = "could not download the release: " + ("; ".join(tried) or "GOPROXY names no proxy")
        return None, ""

    # -- modules named by installed binaries ------------------------------------------------------

    def modules(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Lookup]:
        """Checksum-database lookups of module versions (prefetched in parallel online)."""
        if self.client is None:
            return {}
        self._start()
        keys = [k for k in keys if k not in self.module_lookups]
        if self.online:
            self.client.prefetch(keys)
        for k in keys:
            self.module_lookups[k] = self.client.lookup(*k)
        return {k: self.module_lookups[k] for k in keys}

    # -- settling ---------------------------------------------------------------------------------

    def settle(self) -> None:
        """Check every signed head against the others; refuse everything on a fork,
        else keep the new manifests and the newest proven head."""
        from gozt_lint.sumdb import client as sc

        if self.client is None or not self._started:
            return
        self.client.check_consistency()
        forks = [p for p in self.client.problems if p.kind == sc.FORK]
        if forks:
            self.fork = forks[0].message
            for o in self.outcomes.values():
                if o.status in (NOT_RELEASE, DISABLED):
                    continue
                also = f" (besides: {o.reason})" if o.status == REFUSED and o.reason else ""
                o.status, o.manifest, o.attack = REFUSED, None, True
                o.reason = f"the checksum database has forked, so nothing it says can be trusted{also}:\n{self.fork}"
            self._pending.clear()
            self.notes.append(f"toolchain: {self.client.db.name} forked; gozt-lint keeps its remembered tree head unchanged")
            return
        for path, data in self._pending.values():
            try:
                from gozt_lint.sumdb.client import write_private

                write_private(path, data, self.own_root or os.path.dirname(path))
            except OSError as e:
                self.notes.append(f"toolchain: cannot write gozt-lint's cache ({e.strerror or e}); the release manifest is not kept")
        self._pending.clear()
        self.client.remember()
        self.notes.extend(n for n in self.client.notes if n not in self.notes)


def _record_hashes(text: bytes, version: str) -> list[str]:
    prefix = f"{MODULE} {version} "
    return [ln[len(prefix) :] for ln in text.decode("utf-8", "replace").split("\n") if ln.startswith(prefix)]


def _status_of(lk: Lookup, db: str, online: bool) -> tuple[str, str]:
    from gozt_lint.sumdb import client as sc

    mv = f"{MODULE}@{lk.version}"
    if lk.status == sc.NOT_FOUND:
        return NOT_FOUND, f"{db} has no record of {mv}: the Go team never published this release"
    if lk.status == sc.UNREACHABLE:
        return UNREACHABLE, f"{db} is unreachable ({lk.reason})"
    if lk.status == sc.REJECTED:
        return REFUSED, f"the {db} record of {mv} fails verification: {lk.reason}"
    if lk.status == sc.INVALID:
        return NOT_RELEASE, f"{mv} cannot be looked up: {lk.reason}"
    if lk.status == sc.UNPROVABLE:
        return UNAVAILABLE, f"the {db} record of {mv} is cached but not the tiles that prove it; run with --online"
    return UNAVAILABLE, f"no authenticated release manifest of {mv} is available offline; run once with --online"


# -- reading zips ----------------------------------------------------------------------------------


class _NotFound(Exception):
    pass


class _Failed(Exception):
    pass


def _keep(version: str) -> frozenset[bytes]:
    return frozenset({f"{MODULE}@{version}/go.env".encode()})


def _summarize_file(path: str, version: str) -> zipstream.Summary:
    """A zip in a cache that may be hostile: no links followed, no FIFO opened, bounded."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise zipstream.StreamError("not a regular file")
        if st.st_size > zipstream.MAX_COMPRESSED:
            raise zipstream.StreamError(f"{st.st_size} bytes, larger than the module zip limit")
        return zipstream.summarize(f.read, keep=_keep(version), deadline=time.monotonic() + DOWNLOAD_TIMEOUT)


def _summarize_url(url: str, version: str) -> zipstream.Summary:
    import urllib.error
    import urllib.parse
    import urllib.request

    if url.startswith("file://"):
        path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
        if not os.path.lexists(path):
            raise _NotFound(url)
        return _summarize_file(path, version)
    if not url.startswith(("https://", "http://")):
        raise _Failed("not an http(s) or file URL")
    from gozt_lint import __version__

    req = urllib.request.Request(url, headers={"User-Agent": f"gozt-lint/{__version__}"})
    try:
        resp = urllib.request.urlopen(req, timeout=READ_TIMEOUT)  # noqa: S310 - http(s) only, checked above
    except urllib.error.HTTPError as e:
        if e.code in (404, 410):
            raise _NotFound(url) from None
        raise _Failed(f"{e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise _Failed(str(getattr(e, "reason", e))) from None
    with resp:
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > zipstream.MAX_COMPRESSED:
            raise _Failed(f"{length} bytes, larger than the module zip limit")
        return zipstream.summarize(resp.read, keep=_keep(version), deadline=time.monotonic() + DOWNLOAD_TIMEOUT)


# -- for the run ---------------------------------------------------------------------------------


def escalate(attack: bool) -> dict[str, Any]:
    """Finding data that raises an unverified release to an error when something lied."""
    return {"escalate": "error"} if attack else {}

