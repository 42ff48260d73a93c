"""Where, in an editor buffer, a finding about a module or the environment belongs.

This locates lines; it never judges. go.sum lines come from the core parser
(:mod:`gozt_lint.sumfile`), go.mod/go.work directives from the core's go.mod parser
(:mod:`gozt_lint.modfile`: its statements, with their spans, before any meaning is
given to them).
"""

from __future__ import annotations

from dataclasses import dataclass

from gozt_lint.finding import Span


@dataclass(frozen=True)
class Directive:
    verb: str  # "module", "go", "toolchain", "require", "replace", ...
    args: tuple[str, ...]  # unquoted, comments dropped
    span: Span  # the tokens of the line (1-based, end exclusive, code points)

    @property
    def line(self) -> int:
        return self.span.line


def split_lines(text: str) -> list[str]:
    """Lines as the core numbers them: split on "\\n" only, "\\r" dropped at the end.

    (str.splitlines also splits on form feeds, U+2028 and friends, which would
    shift every later line against the core's numbering.)
    """
    return [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]


def scan_modfile(text: str) -> list[Directive]:
    """Every directive of a go.mod/go.work, one per line (block entries carry the
    block's verb), as the core's parser reads them (:func:`gozt_lint.modfile.statements`):
    up to the first syntax error, which the core reports."""
    from gozt_lint.modfile import statements

    return [Directive(s.verb, s.args, s.span) for s in statements(text)]


def directive_modules(d: Directive) -> list[tuple[str, str | None]]:
    """The (module path, version) pairs a directive names."""
    a = d.args
    if d.verb in ("require", "exclude", "retract", "tool", "use", "ignore") and a:
        if d.verb in ("require", "exclude"):
            return [(a[0], a[1] if len(a) > 1 else None)]
        return []
    if d.verb == "replace" and "=>" in a:
        k = a.index("=>")
        old, new = a[:k], a[k + 1 :]
        out: list[tuple[str, str | None]] = []
        if old:
            out.append((old[0], old[1] if len(old) > 1 else None))
        if new:
            out.append((new[0], new[1] if len(new) > 1 else None))
        return out
    return []


def first(directives: list[Directive], *verbs: str) -> Directive | None:
    """The first directive with the first of ``verbs`` that is present."""
    for verb in verbs:
        for d in directives:
            if d.verb == verb:
                return d
    return None
