"""Code actions (quick fixes: restore or remove a go.sum line, add an ignore to the
configuration, quarantine a cache entry) and the commands they run."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from gozt_lint.context import unit_for
from gozt_lint.fileio import find_repo_root
from .diagnostics import GoztLanguageServer, _diag_key
from .edits import line_edit
from .locate import split_lines
from .place import kind_of
from .state import CMD_ADD_IGNORE, CMD_QUARANTINE, DEFAULT_REASON, SOURCE, _norm, _units, doc_path


# -- code actions -------------------------------------------------------------------------------


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
        from gozt_lint import repair
    except ImportError:
        return None
    return getattr(repair, "quarantine", None)


# -- commands -------------------------------------------------------------------------------------


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


def recheck_command(ls: GoztLanguageServer, *args: Any) -> None:
    ls.sum_cache.forget()
    ls.check_all()


