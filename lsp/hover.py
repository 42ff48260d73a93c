"""Hover: what gozt-lint knows about the module version (go.sum, the module cache,
the checksum database, the findings) or the go/toolchain line under the cursor."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types

from gozt_lint.finding import Finding
from . import check as checks
from . import robust
from .check import Request
from .diagnostics import GoztLanguageServer
from .locate import directive_modules
from .place import DocView, kind_of
from .state import _codepoints, _units, doc_path


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
    from . import toolchain_provenance
    from gozt_lint.context import Context, Options

    ctx = Context(cwd=Path(req.cwd), options=Options(paths=req.paths, online=req.online, go=req.go), config=config, environ=environ)
    return toolchain_provenance.markdown(ctx, directive[0], directive[1], findings)


def _provenance_markdown(
    req: Request, environ: dict[str, str], config: Any, target: tuple[str, str], findings: list[Finding], rules_run: list[str]
) -> str:
    from . import provenance
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


