"""One check of one unit (a go.mod/go.sum or go.work/go.work.sum pair) through the
core, with editor buffers as an overlay. Used in-process for the fast families and
by the worker process (:mod:`gozt_lint.lsp.worker`) for the heavy ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from gozt_lint.finding import Finding, Severity


@dataclass
class Request:
    cwd: str
    paths: list[str]
    families: list[str]
    online: bool = False
    go: str | None = None
    severity: dict[str, str] = field(default_factory=dict)
    overlay: dict[str, str] = field(default_factory=dict)  # absolute path -> buffer text
    config_path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Request:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in names})


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False


def encode_overlay(text: str) -> bytes:
    # Buffers arrive as JSON strings; lone surrogates (from \\ud800 escapes) must
    # not stop a check.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape" if _escapable(text) else "replace")


def _escapable(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
        return True
    except UnicodeEncodeError:
        return False


def load_config(path: str | None) -> tuple[Any, str | None]:
    """The configuration at ``path`` (as the CLI loads it), or the defaults and why."""
    from gozt_lint.config import Config
    from gozt_lint.errors import GoztError
    from gozt_lint.registry import load_config as load

    try:
        return load(Path(path) if path is not None else None), None
    except GoztError as e:
        return Config(), f"configuration ignored: {e}"


def run(
    req: Request,
    environ: Mapping[str, str],
    *,
    on_rule: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    config: Any = None,
    sum_cache: Any = None,
) -> Outcome:
    from gozt_lint import engine
    from gozt_lint.context import Options
    from .incremental import EditorContext
    from gozt_lint.errors import GoztError
    from gozt_lint.registry import FAMILIES, all_rules

    out = Outcome()
    known = set(all_rules())
    if config is None:
        config, err = load_config(req.config_path)
        if err:
            out.errors.append(err)
    if req.severity:
        sev: dict[str, Severity | None] = dict(config.severities)
        for slug, level in req.severity.items():
            if slug in known:
                sev[slug] = None if level == "off" else Severity.parse(level)
        config = config.replace(severities=sev)
    # Families, or single rules (the background run adds gosum-missing).
    families = [f for f in req.families if f in FAMILIES or f in known]
    if not families:
        return out
    options = Options(paths=list(req.paths), select=families, online=req.online, go=req.go)
    ctx = EditorContext(
        cwd=Path(req.cwd),
        options=options,
        config=config,
        environ=environ,
        overlay={p: encode_overlay(t) for p, t in req.overlay.items()},
        sum_cache=sum_cache,
    )
    try:
        rules = engine.select_rules(ctx)
        ctx.discover()
    except GoztError as e:
        out.errors.append(str(e))
        return out
    internal: list[str] = []
    result = None
    for i, r in enumerate(rules):
        if should_stop is not None and should_stop():
            out.cancelled = True
            break
        if on_rule is not None:
            on_rule(i, len(rules), r.slug)
        # One rule at a time, so a superseded run stops at the next rule boundary.
        result = engine.run(ctx, [r])
        out.findings.extend(result.findings)
        out.rules_run.extend(result.rules_run)
        internal.extend(result.internal_errors)
    out.notes = list(ctx.notes)
    out.errors.extend(str(e) for e in dict.fromkeys(str(e) for e in ctx.input_errors))
    out.errors.extend(internal)
    return out


# -- wire format between the server and its worker processes ---------------------------------


def finding_to_json(f: Finding) -> dict[str, Any]:
    d = f.to_dict()
    d["severity"] = f.severity.value
    return d


def finding_from_json(d: Mapping[str, Any]) -> Finding:
    kw = {k: v for k, v in d.items() if k in Finding.FIELDS}
    kw["severity"] = Severity.parse(str(kw.get("severity", "warning")))
    if not isinstance(kw.get("data"), dict):
        kw["data"] = {}
    return Finding(**kw)
