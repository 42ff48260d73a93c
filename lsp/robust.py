"""What keeps the language server answering and able to leave, whatever it is sent.

- Every request gets an answer. pygls drops a request whose parameters fail
  validation (a hover at line -1), one that is not JSON-RPC 2.0, one that is not
  JSON at all, and any request after ``shutdown``: the client then waits forever.
  :class:`Protocol` answers those with the JSON-RPC error the specification
  names (-32602 invalid params, -32600 invalid request, -32700 parse error).
- Documents above :data:`MAX_DOCUMENT_BYTES` are kept out of analysis: a 50 MB
  go.sum cost 412 MB and 3.3 s per hover. The largest real go.sum files are a
  few hundred KB.
- :func:`leave` ends the process: checks run in threads of our own that cannot
  be interrupted and that interpreter shutdown would wait for, so the server
  exits with ``os._exit`` once the protocol is done; and :func:`arm_deadline`
  makes the kernel end it (SIGALRM's default action, which needs no Python code
  to run) should even that not happen in time.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("gozt_lint.lsp")

# Documents (editor buffers, or the file on disk when not open) above this size
# are not analysed: one diagnostic says so.
MAX_DOCUMENT_BYTES = 4 << 20
# After `exit` (or the client going away) the process is gone within this long.
EXIT_DEADLINE = 1.5

_INVALID_REQUEST = -32600
_PARSE_ERROR = -32700


class _Answered:
    """A request already answered with an error while it was being decoded."""


ANSWERED = _Answered()


def _is_request(data: Any) -> bool:
    return isinstance(data, dict) and "method" in data and "id" in data


def _request_id(data: dict[str, Any]) -> int | str | None:
    msg_id = data.get("id")
    return msg_id if isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool) else None


class Protocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        if self._shutdown and _is_request(data) and "jsonrpc" in data and data.get("method") != types.EXIT:
            self._answer_error(_request_id(data), _INVALID_REQUEST, f"Invalid Request: {data.get('method')!r} after shutdown")
            return ANSWERED
        try:
            return super().structure_message(data)
        except JsonRpcException as e:
            if not _is_request(data):
                raise  # a notification: nothing to answer, pygls logs it
            self._answer_error(_request_id(data), e.code, f"{e.message}: {data.get('method')!r} with unusable parameters")
            return ANSWERED

    def handle_message(self, message: Any) -> None:
        if message is ANSWERED:
            return
        if isinstance(message, dict):
            # Not JSON-RPC 2.0 (no "jsonrpc" member): pygls would fail on it silently.
            if _is_request(message):
                self._answer_error(_request_id(message), _INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message")
            return
        if not hasattr(message, "jsonrpc"):
            return  # a batch or a bare value: nothing to answer it with
        method = getattr(message, "method", None)
        msg_id = getattr(message, "id", None)
        if self._shutdown and method is not None and msg_id is not None and method != types.EXIT:
            self._answer_error(msg_id, _INVALID_REQUEST, f"Invalid Request: {method!r} after shutdown")
            return
        super().handle_message(message)

    def _answer_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        # A plain dict: pygls' own response type leaves out an id of null, which
        # JSON-RPC requires when the request's id could not be read.
        try:
            self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})
        except Exception:  # the client may be gone
            log.warning("could not answer request %r", msg_id)

    def answer_parse_error(self, error: Exception) -> None:
        self._answer_error(None, _PARSE_ERROR, f"Parse error: {error}")


def arm_deadline(seconds: float = EXIT_DEADLINE) -> None:
    """Have the kernel end the process in ``seconds`` unless it has exited by then."""
    try:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    except (AttributeError, ValueError, OSError):  # no SIGALRM (Windows), not the main thread
        pass


def leave(code: int) -> None:
    """Exit now: no waiting for check threads that interpreter shutdown would join."""
    arm_deadline()
    for stream in (sys.stderr, sys.stdout):
        try:
            stream.flush()
        except Exception:
            pass
    logging.shutdown()
    os._exit(code)


def document_size(text: str) -> int:
    """UTF-8 size of a buffer, computed only when it could matter."""
    if len(text) * 4 <= MAX_DOCUMENT_BYTES:
        return len(text)  # a lower bound, and certainly under the limit
    if len(text) > MAX_DOCUMENT_BYTES:
        return len(text)  # already over the limit; its exact size is not worth encoding it
    return len(text.encode("utf-8", "surrogatepass"))


def too_large_message(name: str, size: int) -> str:
    return (
        f"{name} is {size / (1 << 20):.1f} MiB, more than the editor's {MAX_DOCUMENT_BYTES >> 20} MiB limit: "
        "gozt-lint does not check it here (real ones are far smaller); run `gozt-lint` in a terminal to check it"
    )
