"""The language server's state: documents and units (a go.mod/go.sum or
go.work/go.work.sum pair), configuration and settings, client capabilities and
messages; and what every feature module shares (paths, positions, :func:`safe`).

The server class is built in layers, each module importing only the ones below:
:class:`ServerState` here, :class:`~gozt_lint.lsp.diagnostics.GoztLanguageServer`
(scheduling and publishing diagnostics) on top; :mod:`.hover` and :mod:`.actions`
(code actions and commands) read it; :mod:`.server` wires the features to the
protocol and runs it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from gozt_lint import __version__
from gozt_lint.context import Unit, unit_for
from gozt_lint.finding import Finding
from . import check as checks
from . import robust
from . import settings as settings_mod
from .check import Outcome, Request
from .incremental import SumCache
from .place import DocView, kind_of

log = logging.getLogger("gozt_lint.lsp")

SOURCE = "gozt-lint"
CMD_ADD_IGNORE = "gozt-lint.addIgnore"
CMD_QUARANTINE = "gozt-lint.quarantine"
CMD_RECHECK = "gozt-lint.recheck"
WATCH_GLOBS = ("**/go.mod", "**/go.sum", "**/go.work", "**/go.work.sum", "**/.gozt-lint.toml")
DEFAULT_REASON = "TODO: say why this finding is acceptable (added from the editor)"


@dataclass
class HeavyRun:
    task: asyncio.Task[None] | None = None
    job: Any = None
    token: str | None = None
    cancelled: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def cancel(self) -> None:
        # Never Task.cancel(): a task cancelled while awaiting a reply from the
        # client leaves pygls a cancelled future to resolve (it logs an error).
        self.cancelled = True
        self.wake.set()
        if self.job is not None:
            self.job.cancel()


@dataclass
class UnitState:
    unit: Unit
    fast: Outcome = field(default_factory=Outcome)
    heavy: Outcome = field(default_factory=Outcome)
    fast_task: asyncio.Task[None] | None = None
    fast_dirty: bool = False
    heavy_run: HeavyRun | None = None
    # (uri, version, perf_counter) of the last change, for GOZT_LINT_LSP_TIMING.
    last_change: tuple[str, int, float] | None = None
    cycle_cpu: float = 0.0
    # Document versions each outcome was computed from.
    fast_versions: dict[str, int | None] = field(default_factory=dict)
    heavy_versions: dict[str, int | None] = field(default_factory=dict)
    # (path, size) of the unit's files above robust.MAX_DOCUMENT_BYTES: not analysed.
    too_big: list[tuple[str, int]] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        # A rule both layers ran (gosum-missing: judged from go.mod alone while typing,
        # from the module graph in the background) is shown once: from the background
        # run while it describes the text on screen, else from the fresh fast run.
        both = set(self.fast.rules_run) & set(self.heavy.rules_run)
        if not both:
            return [*self.fast.findings, *self.heavy.findings]
        if self.heavy_versions == self.fast_versions:
            return [*(f for f in self.fast.findings if f.rule not in both), *self.heavy.findings]
        return [*self.fast.findings, *(f for f in self.heavy.findings if f.rule not in both)]

    @property
    def rules_run(self) -> list[str]:
        return list(dict.fromkeys([*self.fast.rules_run, *self.heavy.rules_run]))


class ServerState(LanguageServer):
    """Documents, units, configuration and settings of a running server."""

    def __init__(self) -> None:
        super().__init__(
            "gozt-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental, protocol_cls=robust.Protocol
        )
        # Our own executors: pygls' thread pool also reads stdin, so work there
        # would delay every message (see the pygls notes in the design docs).
        self.fast_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gozt-fast")
        self.heavy_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="gozt-heavy")
        # Hovers and commands: never queued behind background checks.
        self.aux_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gozt-aux")
        self.environ = dict(os.environ)
        self.init_options: dict[str, Any] = {}
        self.client_settings: dict[str, Any] = {}
        # Per workspace folder (multi-root): the folder's own goztLint settings, keyed
        # by its path; a unit takes those of the innermost folder holding it.
        self.folder_settings: dict[str, dict[str, Any]] = {}
        self.units: dict[str, UnitState] = {}
        self.sum_cache = SumCache()  # used from the fast thread only
        self.published: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        self._last_sent: dict[str, tuple[int | None, list[types.Diagnostic]]] = {}
        self._views: dict[str, tuple[int | None, DocView]] = {}
        self._configs: dict[str, tuple[tuple[int, int, int], Any, str | None]] = {}
        self._said: set[str] = set()
        self._logged: set[tuple[str, str]] = set()
        self._heavy_sem: asyncio.Semaphore | None = None
        self._heavy_slots = 0
        # Report change-to-publish times (bench/lsp_latency.py reads them).
        self.timing = bool(os.environ.get("GOZT_LINT_LSP_TIMING"))

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, ValueError) and not isinstance(error, JsonRpcException):
            # A body that is not JSON (or not UTF-8): answer, as JSON-RPC asks, with id null.
            self.protocol.answer_parse_error(error)  # type: ignore[attr-defined]
        # pygls pops up "Error in server" for anything that goes wrong outside a
        # request (e.g. a change to a document that was never opened): log it instead.
        log.warning("%s: %s: %s", getattr(source, "__name__", source), type(error).__name__, error)
        try:
            self.window_log_message(
                types.LogMessageParams(type=types.MessageType.Warning, message=f"ignored: {type(error).__name__}: {error}")
            )
        except Exception:
            pass

    def shutdown(self) -> None:
        """pygls' own waits for its stdin reader thread, which waits for the client
        to close stdin: never wait for anything on the way out."""
        if self._stop_event is not None:
            self._stop_event.set()
        pool = getattr(self, "_thread_pool", None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    # -- capabilities ----------------------------------------------------------------------

    def has(self, path: str, default: Any = False) -> Any:
        caps = getattr(self.protocol, "client_capabilities", None)
        if caps is None:
            return default
        try:
            return get_capability(caps, path, default)
        except Exception:
            return default

    # -- messages --------------------------------------------------------------------------

    def log_client(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        log.info("%s", message)
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # the client may be gone
            pass

    def say_once(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        if message in self._said:
            return
        self._said.add(message)
        self.log_client(message, kind)
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=f"gozt-lint: {message}"))
        except Exception:
            pass

    # -- documents and units -----------------------------------------------------------------

    def open_docs(self) -> dict[str, Any]:
        """Open go.mod/go.sum/go.work/go.work.sum buffers by absolute path."""
        out: dict[str, Any] = {}
        try:
            docs = list(self.workspace.text_documents.values())
        except Exception:
            return out
        for doc in docs:
            path = doc_path(doc.uri)
            if path is not None and kind_of(path) is not None:
                out[path] = doc
        return out

    def state_for(self, path: str) -> UnitState | None:
        unit = unit_for(Path(path))
        if unit is None:
            return None
        key = str(unit.main)
        st = self.units.get(key)
        if st is None:
            st = self.units[key] = UnitState(unit)
        return st

    def unit_docs(self, unit: Unit) -> dict[str, Any]:
        return {p: d for p, d in self.open_docs().items() if p in (str(unit.main), str(unit.sum))}

    def oversized(self, unit: Unit) -> list[tuple[str, int]]:
        """The unit's files (buffers, else on disk) too large to analyse here."""
        docs = self.open_docs()
        out = []
        for p in (str(unit.main), str(unit.sum)):
            doc = docs.get(p)
            if doc is not None:
                size = robust.document_size(doc.source)
            else:
                try:
                    size = os.stat(p).st_size
                except OSError:
                    continue
            if size > robust.MAX_DOCUMENT_BYTES:
                out.append((p, size))
        return out

    # -- configuration -----------------------------------------------------------------------

    def config_path(self, unit: Unit) -> str | None:
        from gozt_lint.config import discover

        p = discover(unit.dir)
        return str(p) if p is not None else None

    def config_for(self, unit: Unit) -> Any:
        path = self.config_path(unit)
        if path is None:
            from gozt_lint.config import Config

            return Config()
        try:
            st = os.stat(path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = (0, 0, 0)
        cached = self._configs.get(path)
        if cached is None or cached[0] != stamp:
            cfg, err = checks.load_config(path)
            cached = self._configs[path] = (stamp, cfg, err)
        if cached[2]:
            self.say_once(cached[2])
        return cached[1]

    def settings_for(self, unit: Unit | None) -> settings_mod.Settings:
        from gozt_lint.registry import FAMILIES, all_rules

        layers: list[dict[str, Any]] = []
        if unit is not None:
            cfg = self.config_for(unit)
            layers.append(settings_mod.project_section(cfg.table("lsp")))
        layers.append(settings_mod.client_section(self.init_options))
        layers.append(settings_mod.client_section(self.client_settings))
        folder = self.folder_of(unit.dir) if unit is not None else None
        if folder is not None:
            layers.append(settings_mod.client_section(self.folder_settings.get(folder)))
        s = settings_mod.merge(layers, set(FAMILIES), set(all_rules()))
        for problem in s.problems:
            self.say_once(f"settings: {problem}")
        return s

    def request_for(self, unit: Unit, families: list[str], s: settings_mod.Settings) -> tuple[Request, dict[str, int | None]]:
        docs = self.open_docs()
        overlay = {p: d.source for p, d in docs.items()}
        versions = {p: d.version for p, d in docs.items() if p in (str(unit.main), str(unit.sum))}
        paths = [str(p) for p in (unit.main, unit.sum) if p.exists() or str(p) in overlay]
        req = Request(
            cwd=str(unit.dir),
            paths=paths,
            families=families,
            online=s.online,
            go=s.go,
            severity=dict(s.severity),
            overlay=overlay,
            config_path=self.config_path(unit),
        )
        return req, versions

    # -- workspace folders -------------------------------------------------------------------

    def workspace_folders(self) -> dict[str, str]:
        """Workspace folder path -> URI."""
        out: dict[str, str] = {}
        try:
            folders = list(self.workspace.folders.values())
        except Exception:
            return out
        for f in folders:
            path = doc_path(f.uri)
            if path:
                out[path] = f.uri
        return out

    def folder_of(self, directory: Path | str) -> str | None:
        """The innermost workspace folder that holds ``directory``."""
        d = os.path.abspath(str(directory))
        best = None
        for folder in self.folder_settings:
            if (d == folder or d.startswith(folder.rstrip(os.sep) + os.sep)) and (best is None or len(folder) > len(best)):
                best = folder
        return best

    async def refresh_settings(self) -> None:
        if not self.has("workspace.configuration", False):
            return
        folders = self.workspace_folders()
        # One request: the window's settings, then each folder's (a multi-root
        # workspace may set families or severities per folder).
        items = [types.ConfigurationItem(section=settings_mod.SECTION)] + [
            types.ConfigurationItem(scope_uri=uri, section=settings_mod.SECTION) for uri in folders.values()
        ]
        try:
            result = await asyncio.wait_for(self.workspace_configuration_async(types.ConfigurationParams(items=items)), 10)
        except Exception as e:
            log.info("workspace/configuration failed: %s", e)
            return
        values = list(result) if isinstance(result, (list, tuple)) else []
        value = values[0] if values else None
        self.client_settings = dict(value) if isinstance(value, dict) else {}
        self.folder_settings = {
            path: (dict(v) if isinstance(v, dict) else {}) for path, v in zip(folders, values[1:] + [None] * len(folders))
        }


def doc_path(uri: str) -> str | None:
    try:
        p = to_fs_path(uri)
    except Exception:
        return None
    return os.path.abspath(p) if p else None


def _norm(p: str) -> str:
    return os.path.abspath(p)


def _units(codec: Any, lines: list[str], line: int, char: int) -> int:
    text = lines[line] if 0 <= line < len(lines) else ""
    return int(codec.client_num_units(text[:char]))


def _codepoints(codec: Any, lines: list[str], pos: types.Position) -> tuple[int, int]:
    """A client position as (line, code-point column) of our own line split."""
    if pos.line >= len(lines):
        return len(lines), 0
    text = lines[pos.line]
    units = 0
    for i, c in enumerate(text):
        if units >= pos.character:
            return pos.line, i
        units += codec.client_num_units(c)
    return pos.line, len(text)


def _safe(fn: Any) -> Any:
    """Log and swallow anything a handler raises: the server must keep serving."""
    import functools

    if asyncio.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def awrapper(ls: Any, *args: Any) -> Any:
            try:
                return await fn(ls, *args)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed", fn.__name__)
                return None

        return awrapper

    @functools.wraps(fn)
    def wrapper(ls: Any, *args: Any) -> Any:
        try:
            return fn(ls, *args)
        except Exception:
            log.exception("%s failed", fn.__name__)
            return None

    return wrapper

