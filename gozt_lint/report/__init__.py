"""Reporters: each prints a :class:`~gozt_lint.engine.Result`, knowing nothing of
where its findings came from. Adding a format is adding a module here."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Protocol, TextIO

from gozt_lint.finding import Finding, Severity

if TYPE_CHECKING:
    from gozt_lint.engine import Result

FORMATS = ("text", "json", "sarif", "github", "gitlab")


class Reporter(Protocol):
    def __call__(self, result: Result, out: TextIO, *, color: bool = False) -> None: ...


def get(fmt: str) -> Reporter:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    mod = importlib.import_module(f"gozt_lint.report.{'json_' if fmt == 'json' else fmt}")
    write: Reporter = mod.write
    return write


def display_path(path: str, base: str | None = None) -> str:
    """``path`` relative to ``base`` (default: the working directory) when inside it."""
    base = base or os.getcwd()
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return path
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path
    return rel


# What the deep checks verified (Result.coverage), in the order a reader wants it.
_COVERAGE = (
    ("gosum_lines_against_cache", "{n} go.sum lines against the module cache"),
    ("gosum_lines_against_sumdb", "{n} go.sum lines against the checksum database"),
    ("cached_versions_against_sumdb", "{n} cached module versions against the checksum database"),
    ("buildcache_entries", "{n} build-cache entries"),
    ("buildcache_outputs", "{n} build-cache outputs"),
)


def coverage_summary(coverage: dict[str, int]) -> str | None:
    """One sentence saying what the deep checks verified, or that they verified
    nothing (an empty or missing cache passes every cache check); None when no
    deep check ran."""
    if not coverage:
        return None
    parts = []
    if "module_versions" in coverage:
        n, m = coverage["module_versions"], coverage.get("module_versions_cached", coverage["module_versions"])
        parts.append(f"{n:,} of {m:,} cached module versions (zip or extracted tree)")
    known = {k for k, _ in _COVERAGE} | {"module_versions", "module_versions_cached"}
    for key, text in _COVERAGE:
        if key in coverage:
            parts.append(text.format(n=f"{coverage[key]:,}"))
    parts += [f"{n:,} {k}" for k, n in sorted(coverage.items()) if k not in known]
    if not any(coverage.values()):
        return f"Verified nothing ({', '.join(parts)}): the caches checked were empty or missing; see the notes."
    return f"Verified {', '.join(parts)}."
def shown(result: Result, minimum: Severity) -> Result:
    """The result as a report shows it: findings below ``minimum`` moved to
    ``hidden`` (reports count them; the exit status still judges them)."""
    if all(f.severity.rank >= minimum.rank for f in result.findings):
        return result
    import copy

    view = copy.copy(result)
    view.findings = [f for f in result.findings if f.severity.rank >= minimum.rank]
    view.hidden = [*result.hidden, *(f for f in result.findings if f.severity.rank < minimum.rank)]
    return view


def ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; by place within each: what a person
    reads top down (a failing hook's one error is not below thirty notes)."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key))


def hidden_summary(result: Result) -> str | None:
    """``"29 info not shown (pseudo-version 29); --show-info lists them"``, or None."""
    if not result.hidden:
        return None
    by_sev: dict[Severity, int] = {}
    by_rule: dict[str, int] = {}
    for f in result.hidden:
        by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    counts = ", ".join(f"{n} {s.value}" for s, n in sorted(by_sev.items(), key=lambda kv: -kv[0].rank))
    top = sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    rules = ", ".join(f"{r} {n}" for r, n in top[:5]) + (", ..." if len(top) > 5 else "")
    flag = "--show-info" if set(by_sev) == {Severity.INFO} else "--min-severity info"
    return f"{counts} not shown ({rules}); {flag} lists them"
