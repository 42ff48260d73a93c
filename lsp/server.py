"""The gozt-lint language server (pygls 2.x, stdio, push diagnostics).

It adapts editor buffers to the core (:class:`~gozt_lint.context.Context` with an
overlay, :func:`gozt_lint.engine.run`) and findings to diagnostics; every check
lives in the rule registry, so new rules appear here without changes.

Two layers per unit (a go.mod/go.sum or go.work/go.work.sum pair):

- fast: the text-only families (``gomod``, ``gosum``) run in-process on a
  single thread of our own on open and on every change. Changes that arrive while
  a check runs are coalesced: the check reruns once on the newest text and only
  results for the current text are published.
- heavy: the other families run in a worker process (:mod:`.worker`) after a
  pause in typing, on save and on disk changes, with work-done progress; a newer
  request kills the older process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from gozt_lint import __version__
from gozt_lint.context import Unit, unit_for
from gozt_lint.fileio import find_repo_root
from gozt_lint.finding import Finding, Severity
from gozt_lint.lsp import check as checks
from gozt_lint.lsp import robust
from gozt_lint.lsp import settings as settings_mod
from gozt_lint.lsp.check import Outcome, Request
from gozt_lint.lsp.edits import line_edit
from gozt_lint.lsp.incremental import SumCache
from gozt_lint.lsp.locate import directive_modules, split_lines
from gozt_lint.lsp.place import DocView, Placed, kind_of, place

log = logging.getLogger("gozt_lint.lsp")

SOURCE = "gozt-lint"
CMD_ADD_IGNORE = "gozt-lint.addIgnore"
CMD_QUARANTINE = "gozt-lint.quarantine"
CMD_RECHECK = "gozt-lint.recheck"
WATCH_GLOBS = ("**/go.mod", "**/go.sum", "**/go.work", "**/go.work.sum", "**/.gozt-lint.toml")
DEFAULT_REASON = "TODO: say why this finding is acceptable (added from the editor)"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


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


class GoztLanguageServer(LanguageServer):
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
            return get_capability(caps, path, default)  # type: ignore[call-overload]
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

    def set_too_big(self, st: UnitState) -> bool:
        """Record whether the unit is too large to analyse; publish the change."""
        too_big = self.oversized(st.unit)
        if too_big != st.too_big:
            st.too_big = too_big
            if too_big:
                st.fast, st.heavy = Outcome(), Outcome()
                if st.heavy_run is not None:
                    st.heavy_run.cancel()
            self.publish_unit(st)
        return bool(too_big)

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

    # -- publishing ----------------------------------------------------------------------------

    def publish_unit(self, st: UnitState) -> None:
        from gozt_lint.registry import all_rules

        rules = all_rules()
        families = {slug: r.family for slug, r in rules.items()}
        findings = st.findings
        cpu0 = time.thread_time()
        if st.too_big:
            self._publish_too_big(st)
            return
        for path, doc in self.unit_docs(st.unit).items():
            try:
                view = self.view(path, doc)
                placed = place(findings, view, families=families)
                diags = [self.diagnostic(p, view, rules) for p in placed]
            except Exception:
                log.exception("cannot place findings in %s", path)
                continue
            if self._last_sent.get(doc.uri) == (doc.version, diags):
                continue  # e.g. the go.mod of a go.sum being edited: nothing new to say
            self._last_sent[doc.uri] = (doc.version, diags)
            self.published[doc.uri] = {_diag_key(d): (d.data or {}) for d in diags}
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=doc.uri, version=doc.version, diagnostics=diags)
            )
            if self.timing and st.last_change is not None and st.last_change[:2] == (doc.uri, doc.version):
                ms = (time.perf_counter() - st.last_change[2]) * 1000
                cpu = (st.cycle_cpu + time.thread_time() - cpu0) * 1000
                st.last_change = None
                self.log_client(
                    f"timing: change to publish {ms:.2f} ms (cpu {cpu:.2f} ms; {len(diags)} diagnostics, version {doc.version})"
                )

    def _publish_too_big(self, st: UnitState) -> None:
        """One diagnostic per open document of the unit, at its start; nothing parsed."""
        message = "; ".join(robust.too_large_message(os.path.basename(p), n) for p, n in st.too_big)
        for _path, doc in self.unit_docs(st.unit).items():
            diag = types.Diagnostic(
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                message=message,
                severity=types.DiagnosticSeverity.Warning,
                source=SOURCE,
            )
            if self._last_sent.get(doc.uri) == (doc.version, [diag]):
                continue
            self._last_sent[doc.uri] = (doc.version, [diag])
            self.published[doc.uri] = {}
            self._views.pop(doc.uri, None)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=doc.uri, version=doc.version, diagnostics=[diag])
            )

    def view(self, path: str, doc: Any) -> DocView:
        """The buffer's DocView, kept while its version stands (its directives or
        go.sum lines are parsed once per version, not once per publish)."""
        hit = self._views.get(doc.uri)
        if hit is not None and hit[0] == doc.version and hit[1].text is doc.source:
            return hit[1]
        view = DocView.of(path, doc.source, self.sum_cache.parse)
        self._views[doc.uri] = (doc.version, view)
        return view

    def diagnostic(self, p: Placed, view: DocView, rules: dict[str, Any]) -> types.Diagnostic:
        f = p.finding
        codec = self.workspace.position_codec
        rng = types.Range(
            start=types.Position(line=p.line, character=_units(codec, view.lines, p.line, p.character)),
            end=types.Position(line=p.end_line, character=_units(codec, view.lines, p.end_line, p.end_character)),
        )
        data: dict[str, Any] = {"rule": f.rule, "module": f.module, "version": f.version, "file": f.file}
        fix = f.data.get("fix")
        if isinstance(fix, dict):
            data["fix"] = fix
            # What the fix's line held when shown, so an edit never hits a moved line.
            target = fix.get("file")
            line = fix.get("line")
            if isinstance(line, int) and target and _norm(str(target)) == _norm(view.path) and 1 <= line <= len(view.lines):
                data["expect"] = view.lines[line - 1]
        r = rules.get(f.rule)
        return types.Diagnostic(
            range=rng,
            message=p.message,
            severity=_SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
            code=f.rule or None,
            code_description=types.CodeDescription(href=r.docs_url) if r is not None else None,
            source=SOURCE,
            data=data,
        )

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self._last_sent.pop(uri, None)
        self._views.pop(uri, None)
        try:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        except Exception:
            pass

    # -- fast layer -------------------------------------------------------------------------

    def schedule_fast(self, st: UnitState) -> None:
        if st.fast_task is not None and not st.fast_task.done():
            st.fast_dirty = True
            return
        st.fast_task = asyncio.ensure_future(self._fast(st))

    async def _fast(self, st: UnitState) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                st.fast_dirty = False
                if self.set_too_big(st):
                    return
                cpu0 = time.thread_time()
                s = self.settings_for(st.unit)
                req, versions = self.request_for(st.unit, s.fast, s)
                config = self.config_for(st.unit)
                cpu = time.thread_time() - cpu0
                outcome, check_cpu = await loop.run_in_executor(
                    self.fast_pool, _run_fast, req, self.environ, config, self.sum_cache
                )
                if st.fast_dirty:
                    continue  # newer text arrived: check it before publishing anything
                docs = self.unit_docs(st.unit)
                if any(docs[p].version != v for p, v in versions.items() if p in docs):
                    continue
                st.fast = outcome
                st.fast_versions = versions
                self._report(outcome)
                # CPU time of this cycle (load-independent), for GOZT_LINT_LSP_TIMING.
                st.cycle_cpu = cpu + check_cpu
                self.publish_unit(st)
                return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("fast check of %s failed", st.unit.main)

    # -- heavy layer -------------------------------------------------------------------------

    def schedule_heavy(self, st: UnitState, delay: float | None = None) -> None:
        s = self.settings_for(st.unit)
        if st.heavy_run is not None:
            st.heavy_run.cancel()
        if st.too_big or self.oversized(st.unit):
            st.heavy_run = None
            return
        if not s.heavy:
            st.heavy_run = None
            if st.heavy.findings or st.heavy.rules_run:
                st.heavy = Outcome()
                self.publish_unit(st)
            return
        run = HeavyRun()
        st.heavy_run = run
        wait = s.heavy_delay_ms / 1000 if delay is None else delay
        run.task = asyncio.ensure_future(self._heavy(st, run, wait, s))

    def heavy_sem(self, slots: int) -> asyncio.Semaphore:
        if self._heavy_sem is None or self._heavy_slots != slots:
            self._heavy_sem = asyncio.Semaphore(slots)
            self._heavy_slots = slots
        return self._heavy_sem

    async def _heavy(self, st: UnitState, run: HeavyRun, delay: float, s: settings_mod.Settings) -> None:
        from gozt_lint.lsp.worker import Job

        loop = asyncio.get_running_loop()
        try:
            if delay > 0:
                try:
                    await asyncio.wait_for(run.wake.wait(), delay)
                except asyncio.TimeoutError:
                    pass
            if run.cancelled:
                return
            async with self.heavy_sem(s.workers):
                if run.cancelled:
                    return
                # The background run is deep: it loads the module graph, so it also gives
                # gosum-missing's exact answer (see UnitState.findings).
                families = s.heavy + (["gosum-missing"] if "gosum" in s.families else [])
                req, versions = self.request_for(st.unit, families, s)
                token = await self._progress_begin(run, st.unit, s.heavy)
                if run.cancelled:
                    self._progress_end(run, token)
                    return

                def on_event(event: dict[str, Any]) -> None:
                    loop.call_soon_threadsafe(self._progress_report, run, token, event)

                job = Job(req, on_event)
                run.job = job
                try:
                    outcome = await loop.run_in_executor(self.heavy_pool, job.run)
                finally:
                    self._progress_end(run, token)
            if run.cancelled or outcome is None:
                return
            if outcome.errors and not outcome.rules_run:
                # The worker died before running anything: keep what we showed.
                self._report(outcome)
                return
            st.heavy = outcome
            st.heavy_versions = versions
            self._report(outcome)
            self.publish_unit(st)
        except asyncio.CancelledError:
            if run.job is not None:
                run.job.cancel()
        except Exception:
            log.exception("background check of %s failed", st.unit.main)

    async def _progress_begin(self, run: HeavyRun, unit: Unit, families: list[str]) -> str | None:
        if not self.has("window.work_done_progress", False):
            return None
        token = f"gozt-lint-{uuid.uuid4().hex}"
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 10)
        except Exception:
            log.info("client refused a progress token")
            return None
        self.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="gozt-lint",
                message=f"checking {', '.join(families)} for {unit.main.name}",
                cancellable=True,
                percentage=0,
            ),
        )
        fut = self.work_done_progress.tokens.get(token)
        if fut is not None:
            # The user pressed cancel on the progress: stop the worker.
            fut.add_done_callback(lambda f: run.cancel() if f.cancelled() else None)
        run.token = token
        return token

    def _progress_report(self, run: HeavyRun, token: str | None, event: dict[str, Any]) -> None:
        if token is None or run.cancelled or event.get("event") != "rule":
            return
        try:
            i, n = int(event.get("index", 0)), max(int(event.get("total", 1)), 1)
            self.work_done_progress.report(
                token, types.WorkDoneProgressReport(message=str(event.get("rule", "")), percentage=int(100 * i / n))
            )
        except Exception:
            pass

    def _progress_end(self, run: HeavyRun, token: str | None) -> None:
        if token is None:
            return
        try:
            msg = "superseded" if run.cancelled else "done"
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=msg))
        except Exception:
            pass
        self.work_done_progress.tokens.pop(token, None)

    def _report(self, outcome: Outcome) -> None:
        # Each distinct note or error once per session: background runs repeat them.
        for note in outcome.notes:
            if ("note", note) not in self._logged:
                self._logged.add(("note", note))
                self.log_client(f"note: {note}", types.MessageType.Info)
        for err in outcome.errors:
            if ("error", err) not in self._logged:
                self._logged.add(("error", err))
                self.log_client(f"error: {err}", types.MessageType.Warning)

    # -- whole-workspace actions ------------------------------------------------------------

    def check_all(self, heavy_delay: float | None = 0) -> None:
        seen: set[str] = set()
        for path in self.open_docs():
            st = self.state_for(path)
            if st is None or str(st.unit.main) in seen:
                continue
            seen.add(str(st.unit.main))
            self.schedule_fast(st)
            self.schedule_heavy(st, heavy_delay)

    def cancel_all(self) -> None:
        for st in self.units.values():
            if st.heavy_run is not None:
                st.heavy_run.cancel()

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


server = GoztLanguageServer()


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


def _diag_key(d: types.Diagnostic) -> tuple[Any, ...]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character, d.code, d.message)


def _run_fast(req: Request, environ: dict[str, str], config: Any, sum_cache: SumCache) -> tuple[Outcome, float]:
    cpu0 = time.thread_time()
    outcome = checks.run(req, environ, config=config, sum_cache=sum_cache)
    return outcome, time.thread_time() - cpu0


def _safe(fn: Any) -> Any:
    """Log and swallow anything a handler raises: the server must keep serving."""
    import functools

    if asyncio.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def awrapper(ls: GoztLanguageServer, *args: Any) -> Any:
            try:
                return await fn(ls, *args)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed", fn.__name__)
                return None

        return awrapper

    @functools.wraps(fn)
    def wrapper(ls: GoztLanguageServer, *args: Any) -> Any:
        try:
            return fn(ls, *args)
        except Exception:
            log.exception("%s failed", fn.__name__)
            return None

    return wrapper


# -- lifecycle -------------------------------------------------------------------------------


@server.feature(types.INITIALIZE)
@_safe
def initialize(ls: GoztLanguageServer, params: types.InitializeParams) -> None:
    opts = params.initialization_options
    ls.init_options = dict(opts) if isinstance(opts, dict) else {}


@server.feature(types.INITIALIZED)
@_safe
async def initialized(ls: GoztLanguageServer, params: types.InitializedParams) -> None:
    if ls.has("workspace.did_change_watched_files.dynamic_registration", False):
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id=f"gozt-lint-watch-{uuid.uuid4().hex}",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCH_GLOBS]
                            ),
                        )
                    ]
                )
            )
        except Exception as e:
            log.info("client refused file watching: %s", e)
    before = (dict(ls.client_settings), dict(ls.folder_settings))
    await ls.refresh_settings()
    if (ls.client_settings, ls.folder_settings) != before:
        ls.check_all(heavy_delay=None)


@server.feature(types.SHUTDOWN)
@_safe
def shutdown(ls: GoztLanguageServer, params: Any) -> None:
    ls.cancel_all()


@server.feature(types.EXIT)
def exit_(ls: GoztLanguageServer, params: Any) -> None:
    # Whatever a check thread is doing, the process is gone shortly (main() exits
    # as soon as pygls returns; this is the backstop should it not).
    ls.cancel_all()
    robust.arm_deadline()


# -- documents --------------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@_safe
def did_open(ls: GoztLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    path = doc_path(params.text_document.uri)
    if path is None or kind_of(path) is None:
        return
    st = ls.state_for(path)
    if st is not None:
        ls.schedule_fast(st)
        ls.schedule_heavy(st, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@_safe
def did_change(ls: GoztLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    path = doc_path(params.text_document.uri)
    if path is None or kind_of(path) is None:
        return
    st = ls.state_for(path)
    if st is not None:
        if ls.timing:
            st.last_change = (params.text_document.uri, params.text_document.version, time.perf_counter())
        ls.schedule_fast(st)
        ls.schedule_heavy(st)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@_safe
def did_save(ls: GoztLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    path = doc_path(params.text_document.uri)
    if path is None or kind_of(path) is None:
        return
    st = ls.state_for(path)
    if st is not None:
        ls.schedule_heavy(st, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@_safe
def did_close(ls: GoztLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = doc_path(uri)
    if path is None or kind_of(path) is None:
        return
    ls.clear(uri)
    ls.sum_cache.forget(path)
    st = ls.state_for(path)
    if st is not None and not ls.unit_docs(st.unit):
        if st.heavy_run is not None:
            st.heavy_run.cancel()
        if st.fast_task is not None:
            st.fast_task.cancel()
        ls.units.pop(str(st.unit.main), None)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@_safe
async def did_change_configuration(ls: GoztLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    value = params.settings
    if isinstance(value, dict) and settings_mod.SECTION in value and not ls.has("workspace.configuration", False):
        inner = value[settings_mod.SECTION]
        ls.client_settings = dict(inner) if isinstance(inner, dict) else {}
    else:
        await ls.refresh_settings()
    ls._said = {m for m in ls._said if not m.startswith("settings:")}
    ls.check_all()


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@_safe
async def did_change_workspace_folders(ls: GoztLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    # pygls has updated ls.workspace; a new folder may bring its own settings.
    await ls.refresh_settings()
    ls.check_all()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@_safe
def did_change_watched_files(ls: GoztLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    everything = False
    dirs: set[str] = set()
    for change in params.changes:
        path = doc_path(change.uri)
        if path is None:
            continue
        name = os.path.basename(path)
        if name == ".gozt-lint.toml" or name in ("go.work", "go.work.sum"):
            # The configuration (or a workspace) can change every unit below it.
            ls._configs.pop(path, None)
            ls._said = {m for m in ls._said if not m.startswith("configuration")}
            everything = True
        elif kind_of(path) is not None:
            dirs.add(os.path.dirname(path))
    if everything:
        ls.check_all()
        return
    for st in list(ls.units.values()):
        if str(st.unit.dir) in dirs and ls.unit_docs(st.unit):
            ls.schedule_fast(st)
            ls.schedule_heavy(st, 0)


# -- hover --------------------------------------------------------------------------------------


def module_at(view: DocView, line: int, char: int) -> tuple[str, str] | None:
    """The (module, version) named on a go.sum line or a go.mod require/replace line."""
    if view.kind == "gosum":
        for s in view.sumlines:
            if s.line == line + 1:
                return s.path, s.version
        return None
    for d in view.directives:
        if d.line != line + 1:
            continue
        mods = [(p, v) for p, v in directive_modules(d) if v]
        if not mods:
            return None
        if d.verb == "replace" and len(mods) > 1:
            arrow = view.lines[line].find("=>")
            return mods[1] if arrow >= 0 and char > arrow else mods[0]
        return mods[0]
    return None


@server.feature(types.TEXT_DOCUMENT_HOVER)
@_safe
async def hover(ls: GoztLanguageServer, params: types.HoverParams) -> types.Hover | None:
    path = doc_path(params.text_document.uri)
    if path is None or kind_of(path) is None:
        return None
    doc = ls.open_docs().get(path)
    if doc is None or robust.document_size(doc.source) > robust.MAX_DOCUMENT_BYTES:
        return None  # not analysed: its diagnostic says why
    view = ls.view(path, doc)
    line, char = _codepoints(ls.workspace.position_codec, view.lines, params.position)
    target = module_at(view, line, char)
    directive = toolchain_directive_at(view, line) if target is None else None
    if target is None and directive is None:
        return None
    st = ls.state_for(path)
    if st is None:
        return None
    s = ls.settings_for(st.unit)
    req, _ = ls.request_for(st.unit, [], s)
    findings = st.findings
    rules_run = st.rules_run
    config = ls.config_for(st.unit)
    loop = asyncio.get_running_loop()
    if directive is not None:
        text = await loop.run_in_executor(ls.aux_pool, _toolchain_markdown, req, ls.environ, config, directive, findings)
    else:
        assert target is not None
        text = await loop.run_in_executor(
            ls.aux_pool, _provenance_markdown, req, ls.environ, config, target, findings, rules_run
        )
    text_line = view.lines[line]
    start = len(text_line) - len(text_line.lstrip())
    codec = ls.workspace.position_codec
    formats = ls.has("text_document.hover.content_format", None) or [types.MarkupKind.Markdown]
    kind = types.MarkupKind.Markdown if types.MarkupKind.Markdown in formats else types.MarkupKind.PlainText
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=text),
        range=types.Range(
            start=types.Position(line=line, character=_units(codec, view.lines, line, start)),
            end=types.Position(line=line, character=_units(codec, view.lines, line, len(text_line.rstrip()))),
        ),
    )


def toolchain_directive_at(view: DocView, line: int) -> tuple[str, str] | None:
    """(verb, argument) of a go.mod/go.work ``go`` or ``toolchain`` line."""
    if view.kind == "gosum":
        return None
    for d in view.directives:
        if d.line == line + 1 and d.verb in ("go", "toolchain") and len(d.args) == 1:
            return d.verb, d.args[0]
    return None


def _toolchain_markdown(req: Request, environ: dict[str, str], config: Any, directive: tuple[str, str], findings: list[Finding]) -> str:
    from gozt_lint import toolchain_provenance
    from gozt_lint.context import Context, Options

    ctx = Context(cwd=Path(req.cwd), options=Options(paths=req.paths, online=req.online, go=req.go), config=config, environ=environ)
    return toolchain_provenance.markdown(ctx, directive[0], directive[1], findings)


def _provenance_markdown(
    req: Request, environ: dict[str, str], config: Any, target: tuple[str, str], findings: list[Finding], rules_run: list[str]
) -> str:
    from gozt_lint import provenance
    from gozt_lint.context import Context, Options

    ctx = Context(
        cwd=Path(req.cwd),
        options=Options(paths=req.paths, online=req.online, go=req.go),
        config=config,
        environ=environ,
        overlay={p: checks.encode_overlay(t) for p, t in req.overlay.items()},
    )
    p = provenance.gather(ctx, target[0], target[1], findings=findings, rules_run=rules_run)
    return provenance.render_markdown(p, str(ctx.root))


# -- code actions -------------------------------------------------------------------------------


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix], resolve_provider=False),
)
@_safe
def code_action(ls: GoztLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    path = doc_path(uri)
    if path is None or kind_of(path) is None:
        return None
    from gozt_lint.registry import all_rules

    rules = all_rules()
    known = ls.published.get(uri, {})
    actions: list[types.CodeAction] = []
    for diag in params.context.diagnostics:
        if diag.source != SOURCE:
            continue
        # Clients without data support send the diagnostic back bare: use what we published.
        data = diag.data if isinstance(diag.data, dict) else known.get(_diag_key(diag))
        if not isinstance(data, dict) or data.get("rule") not in rules:
            continue
        actions.extend(_actions_for(ls, path, diag, data))
    return actions


def _actions_for(ls: GoztLanguageServer, path: str, diag: types.Diagnostic, data: dict[str, Any]) -> list[types.CodeAction]:
    out: list[types.CodeAction] = []
    fix = data.get("fix")
    if isinstance(fix, dict):
        kind = fix.get("kind")
        if kind in ("restore-line", "remove-line"):
            edit = _line_edit(ls, fix, data.get("expect"))
            if edit is not None:
                title = (
                    f"Restore the recorded line: {fix.get('text', '')}"
                    if kind == "restore-line"
                    else "Remove this line (the checksum database decided against it)"
                )
                out.append(
                    types.CodeAction(
                        title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag], edit=edit, is_preferred=True
                    )
                )
        elif kind == "quarantine" and _quarantine_fn() is not None:
            mod, ver = fix.get("module") or data.get("module"), fix.get("version") or data.get("version")
            if mod and ver:
                out.append(
                    types.CodeAction(
                        title=f"Quarantine {mod}@{ver} in the module cache (the next go command re-downloads it)",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diag],
                        command=types.Command(title="Quarantine cache entry", command=CMD_QUARANTINE, arguments=[mod, ver, path]),
                    )
                )
    rule = str(data["rule"])
    module = data.get("module")
    file_rel = None
    if not module and data.get("file"):
        st = ls.state_for(path)
        if st is not None:
            root = find_repo_root(st.unit.dir) or st.unit.dir
            try:
                rel = os.path.relpath(str(data["file"]), root)
            except ValueError:
                rel = ""
            if rel and not rel.startswith(".."):
                file_rel = rel.replace(os.sep, "/")
    what = f" for {module}" if module else (f" in {file_rel}" if file_rel else "")
    args = {"rule": rule, "module": module, "file": file_rel, "path": path}
    out.append(
        types.CodeAction(
            title=f"Ignore {rule}{what} in .gozt-lint.toml (with a reason)",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diag],
            command=types.Command(title="Add an ignore", command=CMD_ADD_IGNORE, arguments=[args]),
        )
    )
    return out


def _line_edit(ls: GoztLanguageServer, fix: dict[str, Any], expect: Any) -> types.WorkspaceEdit | None:
    target = fix.get("file")
    if not isinstance(target, str):
        return None
    target = _norm(target)
    doc = ls.open_docs().get(target)
    if doc is not None:
        text = doc.source
    else:
        try:
            text = Path(target).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    lines = split_lines(text)
    edit = line_edit(lines, fix, expect if isinstance(expect, str) else None)
    if edit is None:
        return None
    l0, c0, l1, c1, new_text = edit
    codec = ls.workspace.position_codec
    rng = types.Range(
        start=types.Position(line=l0, character=_units(codec, lines, l0, c0)),
        end=types.Position(line=l1, character=_units(codec, lines, l1, c1)),
    )
    uri = from_fs_path(target) or ""
    return types.WorkspaceEdit(changes={uri: [types.TextEdit(range=rng, new_text=new_text)]})


def _quarantine_fn() -> Any:
    # The module-cache repair may not be in this build yet.
    try:
        from gozt_lint import repair  # type: ignore[attr-defined]
    except ImportError:
        return None
    return getattr(repair, "quarantine", None)


# -- commands -------------------------------------------------------------------------------------


@server.command(CMD_ADD_IGNORE)
@_safe
async def add_ignore_command(ls: GoztLanguageServer, *args: Any) -> dict[str, Any] | None:
    from gozt_lint.config import CONFIG_NAME, add_ignore

    spec = args[0] if args and isinstance(args[0], dict) else {}
    rule = spec.get("rule")
    path = spec.get("path")
    if not isinstance(rule, str) or not rule or not isinstance(path, str):
        ls.say_once("addIgnore needs a rule and the path of the file it came from")
        return None
    reason = spec.get("reason")
    defaulted = not (isinstance(reason, str) and reason.strip())
    if defaulted:
        reason = DEFAULT_REASON
    unit = unit_for(Path(path))
    base = (find_repo_root(unit.dir) or unit.dir) if unit is not None else Path(path).parent
    target = base / CONFIG_NAME
    module = spec.get("module") if isinstance(spec.get("module"), str) else None
    file = spec.get("file") if isinstance(spec.get("file"), str) else None
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(ls.aux_pool, lambda: add_ignore(target, rule, str(reason), module=module, file=file))
    except Exception as e:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"gozt-lint: {e}"))
        return None
    ls._configs.pop(str(target), None)
    ls.log_client(f"added an ignore of {rule} to {target}", types.MessageType.Info)
    if defaulted and ls.has("window.show_document.support", False):
        try:
            await ls.window_show_document_async(types.ShowDocumentParams(uri=from_fs_path(str(target)) or "", take_focus=True))
        except Exception:
            pass
    ls.check_all()
    return {"config": str(target)}


@server.command(CMD_QUARANTINE)
@_safe
async def quarantine_command(ls: GoztLanguageServer, *args: Any) -> Any:
    fn = _quarantine_fn()
    if fn is None or len(args) < 2:
        ls.say_once("cache quarantine is not available in this build")
        return None
    module, version = str(args[0]), str(args[1])
    path = str(args[2]) if len(args) > 2 else None
    st = ls.state_for(path) if path else None
    s = ls.settings_for(st.unit if st else None)
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(ls.aux_pool, _call_quarantine, fn, module, version, ls.environ, s.go, path)
    except Exception as e:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"gozt-lint: quarantine failed: {e}"))
        return None
    ls.log_client(f"quarantined {module}@{version}: {result}", types.MessageType.Info)
    ls.check_all()
    return str(result) if result is not None else None


def _call_quarantine(fn: Any, module: str, version: str, environ: dict[str, str], go: str | None, path: str | None) -> Any:
    """gozt_lint.repair.quarantine(gomodcache, entries, dest, apply): move the entry
    into the default quarantine folder (what `gozt-lint cache quarantine` does)."""
    from gozt_lint import goenv
    from gozt_lint.errors import UsageError
    from gozt_lint.repair import gomodcache_root

    moves = fn(gomodcache_root(goenv.load(environ, go=go, run=False)), [(module, version)], None, True)
    statuses = [f"{getattr(m, 'status', '?')}: {getattr(m, 'src', m)}" for m in moves or []]
    failed = [s for s in statuses if not s.startswith(("moved", "missing"))]
    if failed:
        raise UsageError("; ".join(failed))
    return "; ".join(statuses) or "nothing to move"


@server.command(CMD_RECHECK)
@_safe
def recheck_command(ls: GoztLanguageServer, *args: Any) -> None:
    ls.sum_cache.forget()
    ls.check_all()


# -- entry point -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gozt-lint lsp", description="The gozt-lint language server (stdio).")
    p.add_argument("--stdio", action="store_true", help="use stdio (the default and only transport)")
    p.add_argument("--log-level", default=os.environ.get("GOZT_LINT_LSP_LOG", "warning"), choices=["debug", "info", "warning", "error"])
    args = p.parse_args(list(argv or []))
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="gozt-lint lsp: %(levelname)s %(name)s: %(message)s")
    log.setLevel(args.log_level.upper())
    # pygls logs every message at INFO; keep it quiet unless debugging.
    logging.getLogger("pygls").setLevel(logging.DEBUG if args.log_level == "debug" else logging.WARNING)

    # stdout is the protocol. Keep a private handle on it and point fd 1 (and
    # sys.stdout) at stderr, so no print and no child process can corrupt it.
    # Load every rule now, then move everything alive (pygls, lsprotocol, the
    # registry: hundreds of thousands of objects) out of the garbage collector's
    # sight: otherwise a full collection walks them all every few keystrokes and
    # adds tens of milliseconds to a check.
    from gozt_lint.registry import all_rules

    all_rules()
    gc.collect()
    gc.freeze()

    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    code = 1
    try:
        server.start_io(sys.stdin.buffer, channel)
        # The LSP exit code: 0 after a shutdown request, 1 otherwise (the client vanished).
        code = 0 if server.protocol._shutdown else 1
    finally:
        server.cancel_all()
        server.fast_pool.shutdown(wait=False, cancel_futures=True)
        server.heavy_pool.shutdown(wait=False, cancel_futures=True)
        server.aux_pool.shutdown(wait=False, cancel_futures=True)
        try:
            channel.flush()
        except Exception:
            pass
        # A check thread may still be running (it cannot be interrupted) and
        # interpreter shutdown would wait for it: leave now.
        robust.leave(code)
    return code
