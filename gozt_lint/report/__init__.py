"""Reporters: each prints a :class:`~gozt_lint.engine.Result`, knowing nothing of
where its findings came from. Adding a format is adding a module here."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from gozt_lint.engine import Result

FORMATS = ("text", "json", "sarif", "github")


class Reporter(Protocol):
    def __call__(self, result: Result, out: TextIO, *, color: bool = False) -> None: ...


def get(fmt: str) -> Reporter:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    mod = importlib.import_module(f"gozt_lint.report.{'json_' if fmt == 'json' else fmt}")
    return mod.write  # type: ignore[no-any-return]


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
