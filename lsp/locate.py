"""Where, in an editor buffer, a finding about a module or the environment belongs.

This locates lines; it never judges. go.sum lines come from the core parser
(:mod:`gozt_lint.sumfile`); go.mod/go.work directives come from a small tokenizer
that only needs verbs, arguments and their columns (the core's go.mod parser
owns syntax errors and semantics).
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


def _tokens(line: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of each token; strings unquoted, a // comment ends the line."""
    out: list[tuple[int, int, str]] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            i += 1
            continue
        if line.startswith("//", i):
            break
        if c in "()":
            out.append((i, i + 1, c))
            i += 1
            continue
        if line.startswith("=>", i):
            out.append((i, i + 2, "=>"))
            i += 2
            continue
        if c in "\"`":
            j = i + 1
            buf = []
            while j < n and line[j] != c:
                if c == '"' and line[j] == "\\" and j + 1 < n:
                    buf.append(line[j + 1])
                    j += 2
                    continue
                buf.append(line[j])
                j += 1
            end = min(j + 1, n)
            out.append((i, end, "".join(buf)))
            i = end
            continue
        j = i
        while j < n and not line[j].isspace() and line[j] not in "()\"`" and not line.startswith("//", j) and not line.startswith("=>", j):
            j += 1
        out.append((i, j, line[i:j]))
        i = j
    return out


def scan_modfile(text: str) -> list[Directive]:
    """Every directive of a go.mod/go.work, one per line (block entries carry the
    block's verb). Tolerant: anything unparseable is skipped."""
    out: list[Directive] = []
    block: str | None = None
    for lineno, line in enumerate(split_lines(text), 1):
        toks = _tokens(line)
        if not toks:
            continue
        values = [t[2] for t in toks]
        if block is not None:
            if values[0] == ")":
                block = None
                continue
            verb, args = block, values
        else:
            if len(values) >= 2 and values[1] == "(":
                block = values[0]
                # `require ( x v1 )` on one line (rare) closes at once.
                if values[-1] == ")":
                    block = None
                continue
            verb, args = values[0], values[1:]
        span = Span(lineno, toks[0][0] + 1, lineno, toks[-1][1] + 1)
        out.append(Directive(verb, tuple(args), span))
    return out


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
