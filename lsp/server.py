"""The gozt-lint language server (pygls 2.x, stdio, push diagnostics): the wiring.

It adapts editor buffers to the core (:class:`~gozt_lint.context.Context` with an
overlay, :func:`gozt_lint.engine.run`) and findings to diagnostics; every check
lives in the rule registry, so new rules appear here without changes.

Here: the server object, the lifecycle and document notifications, the features of
:mod:`.hover` and :mod:`.actions` registered, and :func:`main`. The state lives in
:mod:`.state`, the two layers of checks and their diagnostics in :mod:`.diagnostics`.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
import uuid
from typing import Any, Sequence

from lsprotocol import types

from . import robust
from . import settings as settings_mod
from . import actions, hover
from .diagnostics import GoztLanguageServer
from .place import kind_of
from .state import CMD_ADD_IGNORE, CMD_QUARANTINE, CMD_RECHECK, WATCH_GLOBS, _safe, doc_path, log

server = GoztLanguageServer()


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


# -- hover, code actions, commands --------------------------------------------------------------

server.feature(types.TEXT_DOCUMENT_HOVER)(_safe(hover.hover))
server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix], resolve_provider=False),
)(_safe(actions.code_action))
server.command(CMD_ADD_IGNORE)(_safe(actions.add_ignore_command))
server.command(CMD_QUARANTINE)(_safe(actions.quarantine_command))
server.command(CMD_RECHECK)(_safe(actions.recheck_command))


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
