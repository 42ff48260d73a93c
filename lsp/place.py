"""Place findings in one editor buffer: 0-based code-point ranges, nothing else.

The rules of placement (the server's whole "knowledge" of findings):

- a finding on this file keeps its own position;
- a finding on another go.mod/go.sum/go.work/go.work.sum belongs to that file
  and is not shown here;
- a finding about a module version that lives elsewhere (the module cache, the
  checksum database, git history of another file) attaches to this buffer's lines
  for that module: the go.sum lines of that version (its ``/go.mod`` line when
  the finding is about a ``.mod`` file), the go.mod require/replace/exclude lines;
- a finding about the environment (no file, or a GOENV file, GOROOT, the go
  binary) attaches to the go.mod ``module`` line, or to the ``toolchain``/``go``
  line when it concerns the toolchain; in go.work to its ``go`` line.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from gozt_lint.finding import Finding, Span
from gozt_lint.sumfile import SumFile, SumLine, parse_gosum
from .locate import Directive, directive_modules, first, scan_modfile, split_lines

EDITOR_FILES = ("go.mod", "go.sum", "go.work", "go.work.sum")


def kind_of(path: str) -> str | None:
    name = os.path.basename(path)
    return {"go.mod": "gomod", "go.work": "gowork", "go.sum": "gosum", "go.work.sum": "gosum"}.get(name)


class DocView:
    """One buffer: its lines, and (parsed on first use) its directives or go.sum lines."""

    def __init__(self, path: str, text: str, sum_parser: Callable[[str, bytes], SumFile] | None = None) -> None:
        self.path = path
        self.kind = kind_of(path) or "gosum"
        self.text = text
        self.lines = split_lines(text)
        self._sum_parser = sum_parser or parse_gosum

    @classmethod
    def of(cls, path: str, text: str, sum_parser: Callable[[str, bytes], SumFile] | None = None) -> DocView:
        return cls(path, text, sum_parser)

    @functools.cached_property
    def directives(self) -> list[Directive]:
        return scan_modfile(self.text) if self.kind != "gosum" else []

    @functools.cached_property
    def sumlines(self) -> list[SumLine]:
        if self.kind != "gosum":
            return []
        return self._sum_parser(self.path, self.text.encode("utf-8", "surrogatepass")).lines

    def module_lines(self, path: str, version: str | None, prefer_gomod: bool) -> list[Span]:
        """Spans of this buffer's lines that name ``path`` (at ``version`` if given)."""
        if self.kind == "gosum":
            same = [s for s in self.sumlines if s.path == path and (version is None or s.version == version)]
            if version is None:
                return [same[0].span] if same else []
            pick = [s for s in same if s.gomod == prefer_gomod] or same
            return [s.span for s in pick]
        spans = []
        for d in self.directives:
            for p, v in directive_modules(d):
                if p == path and d.verb in ("require", "replace", "exclude"):
                    if version is None or v is None or v == version or d.verb == "require":
                        spans.append(d.span)
                        break
        return spans

    def anchor(self, toolchain: bool) -> Span | None:
        if self.kind == "gosum":
            return None
        if self.kind == "gowork":
            d = first(self.directives, "toolchain", "go") if toolchain else first(self.directives, "go", "toolchain")
        else:
            d = first(self.directives, "toolchain", "go", "module") if toolchain else first(self.directives, "module")
        if d is not None:
            return d.span
        return Span(1, 1, 1, 1) if self.kind == "gomod" else None


@dataclass(frozen=True)
class Placed:
    finding: Finding
    line: int  # 0-based, code points
    character: int
    end_line: int
    end_character: int
    message: str
    attached: bool  # placed here on behalf of another file / the environment


def _about_toolchain(f: Finding, family: str | None) -> bool:
    if family == "toolchain" or "toolchain" in f.rule:
        return True
    return any(v == "GOTOOLCHAIN" for v in f.data.values() if isinstance(v, str))


def _where(f: Finding) -> str:
    if not f.file:
        return ""
    return f" ({f.file}:{f.line})" if f.line else f" ({f.file})"


def place(
    findings: Iterable[Finding],
    view: DocView,
    *,
    families: Mapping[str, str] | None = None,
) -> list[Placed]:
    families = families or {}
    out: list[Placed] = []
    seen: set[tuple[object, ...]] = set()

    def add(f: Finding, span: Span, message: str, attached: bool) -> None:
        p = _clamp(view.lines, f, span, message, attached)
        key = (p.line, p.character, p.end_line, p.end_character, f.rule, message)
        if key not in seen:
            seen.add(key)
            out.append(p)

    real: dict[str, str] = {}

    def same(file: str) -> bool:
        if file == view.path:
            return True
        if file not in real:
            try:
                real[file] = os.path.realpath(file)
            except (OSError, ValueError):
                real[file] = file
        return real[file] == view_real

    try:
        view_real = os.path.realpath(view.path)
    except (OSError, ValueError):
        view_real = view.path
    for f in findings:
        if f.file is not None and same(f.file):
            line = f.line or 1
            span = Span(line, f.column or 1, f.end_line or line, f.end_column or f.column or 1)
            add(f, span, f.message, False)
            continue
        if f.file is not None and os.path.basename(f.file) in EDITOR_FILES:
            continue  # that file's own buffer shows it
        if f.module:
            prefer_gomod = bool(f.file and f.file.endswith(".mod"))
            spans = view.module_lines(f.module, f.version, prefer_gomod)
            for span in spans:
                add(f, span, f.message + _where(f), True)
            if spans or view.kind == "gosum":
                continue
            anchor = view.anchor(False)
            if anchor is not None:
                label = f"{f.module}@{f.version}" if f.version else f.module
                msg = f.message if label in f.message else f"{label}: {f.message}"
                add(f, anchor, msg + _where(f), True)
            continue
        anchor = view.anchor(_about_toolchain(f, families.get(f.rule)))
        if anchor is not None:
            add(f, anchor, f.message + _where(f), True)
    return out


def _clamp(lines: list[str], f: Finding, span: Span, message: str, attached: bool) -> Placed:
    last = max(len(lines) - 1, 0)
    line = min(max(span.line - 1, 0), last)
    end_line = min(max(span.end_line - 1, line), last)
    text = lines[line] if lines else ""
    char = min(max(span.column - 1, 0), len(text))
    end_text = lines[end_line] if lines else ""
    end_char = min(max(span.end_column - 1, 0), len(end_text))
    if end_line == line and end_char < char:
        end_char = char
    if (line, char) == (end_line, end_char):
        # A point (a finding that knows only its line): underline the line's text.
        stripped = text.strip()
        if stripped:
            char = len(text) - len(text.lstrip())
            end_char = char + len(stripped)
        else:
            end_char = len(text)
    return Placed(f, line, char, end_line, end_char, message, attached)
