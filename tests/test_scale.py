"""Hostile scale: a checkout's go.mod can be as large as the attacker likes. The
hook must stay linear in it (a go.mod with thousands of requires and replaces
used to take quadratic time) and refuse, with a clear message, what is above the
documented limit. Speeds are measured in bench/hostile.py; these tests only
bound the time far above linear and far below what quadratic took."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gozt_lint.fileio import MAX_GOMOD


def gozt(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": ""}
    return subprocess.run(
        [sys.executable, "-m", "gozt_lint", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def write_gomod(d: Path, n: int) -> None:
    lines = ["module example.com/big", "", "go 1.22", "", "require ("]
    lines += [f"\texample.com/m{i} v1.0.{i}" for i in range(n)]
    lines += [")", "", "replace ("]
    lines += [f"\texample.com/m{i} => example.com/fork{i} v1.0.{i}" for i in range(n)]
    lines += [")", ""]
    (d / "go.mod").write_text("\n".join(lines))


def test_many_requires_and_replaces_stay_linear(tmp_path: Path) -> None:
    # 40,000 of each: under 3 s of CPU here; the quadratic lookups took minutes.
    write_gomod(tmp_path, 40_000)
    p = gozt(["--no-env", "--select", "gomod-syntax", "go.mod"], tmp_path, timeout=90)
    assert p.returncode == 0, p.stderr
    assert "No problems found" in p.stdout


def test_go_mod_above_the_limit_is_refused_clearly(tmp_path: Path) -> None:
    with open(tmp_path / "go.mod", "wb") as f:
        f.write(b"module example.com/big\n\ngo 1.22\n")
        f.write(b"// padding\n" * (MAX_GOMOD // 11 + 1))
    p = gozt(["--no-env", "go.mod"], tmp_path)
    assert p.returncode == 2
    assert "larger than the 16 MiB limit" in p.stderr
    assert "No problems found" not in p.stdout
