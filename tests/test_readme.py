"""The README's first commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    head = text[: text.find("\n## ")]
    return [m.strip() for m in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", head, re.S)]


def test_readme_starts_with_install_run_and_test_commands() -> None:
    blocks = _commands()
    assert len(blocks) >= 2
    assert "gozt-lint --all" in blocks[0]
    assert "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command() -> None:
    test_cmd = [ln for ln in _commands()[1].splitlines() if ln.strip() and not ln.startswith("#")]
    ci = (ROOT / ".ci" / "run").read_text()
    for line in test_cmd:
        assert line in ci, f".ci/run must run the README's test command: {line!r}"
