"""Text edits for the safe repairs findings describe in ``data["fix"]``.

Pure functions over a file's lines (split as the core numbers them); positions are
0-based code points. The server converts them to the client's units.
"""

from __future__ import annotations

from typing import Any, Mapping

# (start line, start char, end line, end char, new text)
Edit = tuple[int, int, int, int, str]


def line_count(lines: list[str]) -> int:
    """Lines of text; a final newline ends the last line rather than starting one."""
    return len(lines) - 1 if lines and lines[-1] == "" else len(lines)


def line_edit(lines: list[str], fix: Mapping[str, Any], expect: str | None = None) -> Edit | None:
    """The edit for a ``restore-line`` or ``remove-line`` fix, or None when it no
    longer applies (the line moved or changed since the finding was made)."""
    kind, line = fix.get("kind"), fix.get("line")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        return None
    n = line_count(lines)
    if kind == "remove-line":
        if line > n or (expect is not None and lines[line - 1] != expect):
            return None
        if line < len(lines):
            return (line - 1, 0, line, 0, "")
        # The last line has no newline: remove it and the newline before it.
        if line >= 2:
            return (line - 2, len(lines[line - 2]), line - 1, len(lines[line - 1]), "")
        return (0, 0, 0, len(lines[0]), "")
    if kind == "restore-line":
        new = fix.get("text")
        if not isinstance(new, str) or not new.strip() or "\n" in new or "\r" in new:
            return None
        if line <= n and lines[line - 1].split()[:2] == new.split()[:2]:
            if lines[line - 1] == new:
                return None  # already restored
            # The same module version holds another hash here: put the recorded one back.
            return (line - 1, 0, line - 1, len(lines[line - 1]), new)
        # The line is gone: insert it where it was, or at the end.
        at = min(line - 1, n)
        if at == n and n == len(lines) and n > 0:  # no final newline
            return (n - 1, len(lines[n - 1]), n - 1, len(lines[n - 1]), "\n" + new)
        return (at, 0, at, 0, new + "\n")
    return None


def apply(text: str, edit: Edit) -> str:
    """Apply an edit to text split with :func:`gozt_lint.lsp.locate.split_lines`
    semantics (used by tests and for previews)."""
    from .locate import split_lines

    raw = text.split("\n")
    lines = split_lines(text)

    def offset(line: int, char: int) -> int:
        return sum(len(r) + 1 for r in raw[:line]) + min(char, len(lines[line]) if line < len(lines) else 0)

    l0, c0, l1, c1, new = edit
    a, b = offset(l0, c0), offset(l1, c1)
    return text[:a] + new + text[b:]
