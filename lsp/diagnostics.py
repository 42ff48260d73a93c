"""Diagnostics: the two layers of checks per unit, scheduled and published.

- fast: the text-only families (``gomod``, ``gosum``) run in-process on a
  single thread of our own on open and on every change. Changes that arrive while
  a check runs are coalesced: the check reruns once on the newest text and only
  results for the current text are published.
- heavy: the other families run in a worker process (:mod:`.worker`) after a
  pause in typing, on save and on disk changes, with work-done progress; a newer
  request kills the older process.

Findings become diagnostics through :mod:`.place` (where in the buffer).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

from lsprotocol import types

from gozt_lint.context import Unit
from gozt_lint.finding import Severity
from . import check as checks
from . import robust
from . import settings as settings_mod
from .check import Outcome, Request
from .incremental import SumCache
from .place import DocView, Placed, place
from .state import SOURCE, HeavyRun, ServerState, UnitState, _norm, _units, log

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class GoztLanguageServer(ServerState):
    """The server: its state, and diagnostics scheduled and published."""

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
        from .worker import Job

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


def _diag_key(d: types.Diagnostic) -> tuple[Any, ...]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character, d.code, d.message)


def _run_fast(req: Request, environ: dict[str, str], config: Any, sum_cache: SumCache) -> tuple[Outcome, float]:
    cpu0 = time.thread_time()
    outcome = checks.run(req, environ, config=config, sum_cache=sum_cache)
    return outcome, time.thread_time() - cpu0


