"""Which checksum database, and how to reach it (only with ``--online``).

:func:`parse_gosumdb` reads GOSUMDB as cmd/go/internal/modfetch.dbDial does: ``off``,
``sum.golang.org`` (built-in key), ``sum.golang.google.cn`` (its alias),
``name+hash+key``, either followed by an explicit URL.

:class:`Remote` finds the base URL the way the go command does (an explicit URL
wins; else each GOPROXY entry is asked for ``/sumdb/<name>/supported``; 404/410,
or any error after a ``|``, moves on; ``direct``/``off``/the end of the list means
``https://<name>``) and fetches with a timeout, retries with backoff for
transient failures, a size limit, and a circuit breaker: once the database is
unreachable, later requests fail at once instead of each waiting for a timeout.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
from dataclasses import dataclass
from typing import Mapping

from gozt_lint.sumdb.note import NoteError, Verifier, new_verifier

SUM_GOLANG_ORG = "sum.golang.org"
SUM_GOLANG_ORG_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
KNOWN_GOSUMDB = {SUM_GOLANG_ORG: SUM_GOLANG_ORG_KEY}

TIMEOUT = 10.0
RETRIES = 3
BACKOFF = 0.25  # seconds; doubled per retry
MAX_RESPONSE = 4 << 20  # the largest thing served is a tile (8 KiB) or a note


class ConfigError(Exception):
    """GOSUMDB the go command would refuse."""


@dataclass(frozen=True)
class Database:
    name: str
    verifier: Verifier
    key: str  # the verifier key text
    url: str | None  # explicit base URL from GOSUMDB, if any
    setting: str  # GOSUMDB as written

    @property
    def direct_url(self) -> str:
        return f"https://{self.name}"


def parse_gosumdb(value: str) -> Database | None:
    """The database GOSUMDB names; None for ``off``; ConfigError as the go command
    would fail (``missing GOSUMDB``, ``invalid GOSUMDB: ...``)."""
    setting = value
    if value == "sum.golang.google.cn":
        value = "sum.golang.org https://sum.golang.google.cn"
    if value == "off":
        return None
    fields = value.split()
    if not fields:
        raise ConfigError("missing GOSUMDB")
    if len(fields) > 2:
        raise ConfigError("invalid GOSUMDB: too many fields")
    key = KNOWN_GOSUMDB.get(fields[0], fields[0])
    try:
        verifier = new_verifier(key)
    except NoteError as e:
        raise ConfigError(f"invalid GOSUMDB: {e}") from None
    name = verifier.name
    if not valid_db_name(name):
        raise ConfigError(f"invalid sumdb name (must be host[/path]): {name}")
    url = None
    if len(fields) == 2:
        parsed = urllib.parse.urlsplit(fields[1])
        if not parsed.scheme:
            raise ConfigError(f"invalid GOSUMDB URL: {fields[1]}")
        url = fields[1].rstrip("/")
    return Database(name, verifier, key, url, setting)


def valid_db_name(name: str) -> bool:
    """``https://<name>`` must be a plain host[/path] URL (no user, port games, query)."""
    if not name or name.endswith("/") or any(c in name for c in "?#@\\% "):
        return False
    host = name.partition("/")[0]
    return bool(host) and not host.startswith(":")


def cache_root(environ: Mapping[str, str]) -> str | None:
    """gozt-lint's own cache (the memo store's directory: GOZT_LINT_CACHE_DIR, else
    $XDG_CACHE_HOME/gozt-lint or ~/.cache/gozt-lint). Never the go command's."""
    from gozt_lint.memo import store_dir

    d = store_dir(environ)
    return str(d) if d is not None else None


# -- fetching ---------------------------------------------------------------------------


class NotFound(Exception):
    """404 or 410: the server does not have it."""


class Unreachable(Exception):
    """Network failure, timeout, or a server error that outlasted the retries."""


def _proxy_entries(goproxy: str) -> list[tuple[str, bool]]:
    """(entry, fall back on any error) for each GOPROXY entry."""
    out: list[tuple[str, bool]] = []
    cur = ""
    for ch in goproxy + ",":
        if ch in ",|":
            entry = cur.strip()
            if entry:
                out.append((entry, ch == "|"))
            cur = ""
        else:
            cur += ch
    return out


class Remote:
    def __init__(
        self,
        db: Database,
        goproxy: str,
        *,
        timeout: float = TIMEOUT,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        user_agent: str = "gozt-lint",
    ) -> None:
        self.db = db
        self.goproxy = goproxy
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent
        self._lock = threading.Lock()
        self._base: str | None = None
        self._base_err: Exception | None = None
        self._down: Exception | None = None
        self.requests = 0  # successful or not, for reports and tests

    # -- base URL ------------------------------------------------------------------

    def base(self) -> str:
        with self._lock:
            if self._base is None and self._base_err is None:
                try:
                    self._base = self._discover()
                except Exception as e:  # noqa: BLE001 - kept and re-raised per request
                    self._base_err = e
            if self._base_err is not None:
                raise self._base_err
            assert self._base is not None
            return self._base

    def _discover(self) -> str:
        if self.db.url:
            return self.db.url
        for entry, fallback in _proxy_entries(self.goproxy):
            if entry in ("direct", "off"):
                break
            if entry == "noproxy":
                continue
            url = entry if "://" in entry else "https://" + entry
            url = url.rstrip("/")
            try:
                self._get(f"{url}/sumdb/{self.db.name}/supported", retries=self.retries)
            except NotFound:
                continue
            except Unreachable:
                if fallback:
                    continue
                raise
            return f"{url}/sumdb/{self.db.name}"
        return self.db.direct_url

    # -- requests ------------------------------------------------------------------

    def get(self, path: str) -> bytes:
        """The body served at ``path`` (``/lookup/...``, ``/tile/...``, ``/latest``)."""
        if self._down is not None:
            raise Unreachable(f"{self._down}")
        base = self.base()
        try:
            return self._get(base + path, retries=self.retries)
        except Unreachable as e:
            self._down = e
            raise

    def _get(self, url: str, *, retries: int) -> bytes:
        if url.startswith("file://"):
            return self._get_file(url)
        import urllib.request  # (http.client, ssl, email: only --online pays for them)

        delay = self.backoff
        last: Exception | None = None
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(delay)
                delay *= 2
            self.requests += 1
            req = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - http(s) or file only
                    data = resp.read(MAX_RESPONSE + 1)
                if len(data) > MAX_RESPONSE:
                    raise Unreachable(f"{_redact(url)}: response larger than {MAX_RESPONSE} bytes")
                return data
            except urllib.error.HTTPError as e:
                if e.code in (404, 410):
                    raise NotFound(f"{_redact(url)}: {e.code} {e.reason}") from None
                last = Unreachable(f"{_redact(url)}: {e.code} {e.reason}")
                if e.code < 500 and e.code != 429:
                    raise last from None
            except (urllib.error.URLError, OSError, TimeoutError) as e:
                reason = getattr(e, "reason", e)
                last = Unreachable(f"{_redact(url)}: {reason}")
        assert last is not None
        raise last

    def _get_file(self, url: str) -> bytes:
        import urllib.request

        path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_RESPONSE + 1)
        except FileNotFoundError:
            raise NotFound(f"{url}: not found") from None
        except OSError as e:
            raise Unreachable(f"{url}: {e.strerror or e}") from None
        if len(data) > MAX_RESPONSE:
            raise Unreachable(f"{url}: larger than {MAX_RESPONSE} bytes")
        return data


def _redact(url: str) -> str:
    """A URL without credentials (GOPROXY may carry user:password@)."""
    p = urllib.parse.urlsplit(url)
    if p.username or p.password:
        host = p.hostname or ""
        if p.port:
            host += f":{p.port}"
        p = p._replace(netloc=host)
    return urllib.parse.urlunsplit(p)
