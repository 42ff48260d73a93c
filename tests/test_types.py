"""The type hints are checked: mypy, configured in pyproject.toml ([tool.mypy]),
passes over gozt_lint/ and lsp/."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Files another change is restructuring (issue 15, phase 2): their errors are
# expected until it lands. An error anywhere else still fails the test.
PHASE2 = frozenset(
    {
        "gozt_lint/cli.py",
        "gozt_lint/commands.py",
        "gozt_lint/config.py",
        "gozt_lint/context.py",
        "gozt_lint/goenv.py",
        "gozt_lint/graph.py",
        "gozt_lint/provenance.py",
        "gozt_lint/repair.py",
        "gozt_lint/rules/env.py",
        "gozt_lint/snapshot.py",
        "gozt_lint/sumdb/check.py",
        "gozt_lint/sumdb/client.py",
        "gozt_lint/sumneeds.py",
        "lsp/locate.py",
        "lsp/server.py",
    }
)

_ERROR = re.compile(r"^(?P<file>[^:\s]+\.py):\d+: error: ", re.M)


def test_mypy_passes(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is part of the test extra")
    # The configuration (files, strictness, overrides) comes from pyproject.toml;
    # the cache goes to a temporary directory, not into the checkout.
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy_cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return
    files = {m["file"] for m in _ERROR.finditer(output)}
    # rc 2 (a crash, a bad configuration) or any error outside PHASE2 is a failure.
    if proc.returncode == 1 and files and files <= PHASE2:
        pytest.xfail(f"phase 2: files under restructuring ({', '.join(sorted(files))})\n{output}")
    pytest.fail(f"mypy exited {proc.returncode}:\n{output}", pytrace=False)
