"""The language server's worker process for the heavy rule families.

The server starts one process per background check (``python -m
gozt_lint.lsp.worker``), writes a :class:`~gozt_lint.lsp.check.Request` as JSON
to its stdin and reads JSON lines back: ``{"event": "rule", ...}`` before each
rule, then one ``{"event": "done", ...}``. A process (not a thread) so that a
superseded check is really stopped (killed), a hashing run never competes with the
editor's keystrokes for the GIL, and a crash in a rule cannot take the server down.
The memoized hashes of the module-cache checks live on disk, so each new process
reuses them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import IO, Any, Callable

from .check import Outcome, Request, finding_from_json, finding_to_json, run

# A background check that runs longer than this is stuck (a hung network mount,
# a go command that never returns): kill it.
WORKER_TIMEOUT = 600.0


def _emit(out: IO[bytes], doc: dict[str, Any]) -> None:
    out.write(json.dumps(doc, separators=(",", ":")).encode("utf-8") + b"\n")
    out.flush()


def main() -> int:
    # Our stdout is the result channel: point fd 1 at stderr so nothing a rule or a
    # subprocess prints can corrupt it.
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        req = Request.from_json(json.loads(sys.stdin.buffer.read().decode("utf-8")))
    except (ValueError, TypeError) as e:
        _emit(channel, {"event": "done", "findings": [], "errors": [f"bad worker request: {e}"]})
        return 2
    outcome = run(
        req,
        os.environ,
        on_rule=lambda i, n, slug: _emit(channel, {"event": "rule", "index": i, "total": n, "rule": slug}),
    )
    _emit(
        channel,
        {
            "event": "done",
            "findings": [finding_to_json(f) for f in outcome.findings],
            "rules_run": outcome.rules_run,
            "notes": outcome.notes,
            "errors": outcome.errors,
        },
    )
    return 0


class Job:
    """One background check in a worker process; :meth:`run` blocks (call it in a
    thread of the server's own pool), :meth:`cancel` may be called from any thread."""

    def __init__(self, req: Request, on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.req = req
        self.on_event = on_event
        self.cancelled = False
        self.timed_out = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass

    def run(self, timeout: float = WORKER_TIMEOUT) -> Outcome | None:
        """The outcome, or None when cancelled."""
        with self._lock:
            if self.cancelled:
                return None
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "gozt_lint.lsp.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,  # the server's stderr: the editor's log
                env=os.environ.copy(),
            )
        proc = self._proc
        def expire() -> None:
            self.timed_out = True
            self.cancel()

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        done: dict[str, Any] | None = None
        try:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(self.req.to_json()).encode("utf-8"))
                proc.stdin.close()
            except OSError:
                pass  # it died already; its exit status tells
            for raw in proc.stdout:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(event, dict):
                    continue
                if event.get("event") == "done":
                    done = event
                elif self.on_event is not None:
                    self.on_event(event)
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.timed_out:
            return Outcome(errors=[f"background check stopped after {timeout:.0f}s"])
        if self.cancelled:
            return None
        if done is None:
            return Outcome(errors=[f"background check worker exited with status {proc.returncode}"])
        out = Outcome(
            findings=[finding_from_json(d) for d in done.get("findings", []) if isinstance(d, dict)],
            rules_run=[str(s) for s in done.get("rules_run", [])],
            notes=[str(s) for s in done.get("notes", [])],
            errors=[str(s) for s in done.get("errors", [])],
        )
        return out


if __name__ == "__main__":
    raise SystemExit(main())
