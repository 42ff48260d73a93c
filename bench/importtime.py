#!/usr/bin/env python3
"""Import cost of the pre-commit hook's path, from `python -X importtime`.

    python bench/importtime.py [--corpus DIR] [--runs N] [--against REV] [--list]

Installs this checkout into a fresh virtualenv as pre-commit does (a regular,
byte-compiled install, no dependencies: the hook path needs none), makes a git
repository holding the corpus go.mod/go.sum, and runs the files hook's command
(`python -X importtime -m gozt_lint --no-env go.mod go.sum`) N times. With
`--against REV` it installs that commit too (from `git archive`) and interleaves
the two, so the machine's load hits both alike.

Reported per install: the modules imported (a count that does not depend on load),
the median of the summed self times of all imports, and the median cumulative time
of the `gozt_lint.*` imports at the top of the tree.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = next(
    (c for c in (HERE.parent.parent / "shared" / "corpus", Path("/work/shared/corpus")) if c.is_dir()),
    HERE.parent.parent / "shared" / "corpus",
)


def parse(stderr: str) -> tuple[int, int, list[str]]:
    """(sum of self µs, cumulative µs of top-level gozt_lint imports, module names)."""
    total, ours, names = 0, 0, []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum, raw = line[len("import time:") :].split("|", 2)
        total += int(self_us)
        names.append(raw.strip())
        if raw.startswith(" gozt_lint"):  # one space: a top-level import of the tree
            ours += int(cum)
    return total, ours, names


def install(src: Path, where: Path, env: dict[str, str]) -> str:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = str(where / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "setuptools>=77"], check=True, env=env)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", str(src)], check=True, env=env)
    return python


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=CORPUS / "kubernetes__kubernetes")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--against", metavar="REV", help="also measure this commit, interleaved")
    ap.add_argument("--list", action="store_true", help="print the modules imported, and the difference")
    args = ap.parse_args()
    # Users' installs have .pyc files: never time recompiling.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        pythons = {"this checkout": install(HERE.parent, tmp / "venv-now", env)}
        if args.against:
            src = tmp / "src-then"
            src.mkdir()
            data = subprocess.run(["git", "archive", args.against], cwd=HERE.parent, check=True, capture_output=True).stdout
            with tarfile.open(fileobj=io.BytesIO(data)) as tf:
                tf.extractall(src, filter="data")
            pythons = {args.against: install(src, tmp / "venv-then", env), **pythons}
        repo = tmp / "repo"
        repo.mkdir()
        for name in ("go.mod", "go.sum"):
            shutil.copy(args.corpus / name, repo / name)
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, env=env, check=True, capture_output=True)  # noqa: E731
        git("init", "-q")
        git("add", ".")
        git("-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "base")
        samples: dict[str, list[tuple[int, int]]] = {k: [] for k in pythons}
        names: dict[str, list[str]] = {}
        for _ in range(args.runs):
            for label, python in pythons.items():
                p = subprocess.run([python, "-X", "importtime", "-m", "gozt_lint", "--no-env", "go.mod", "go.sum"], cwd=repo, env=env, capture_output=True, text=True)
                if p.returncode not in (0, 1):
                    print(p.stderr[-2000:], file=sys.stderr)
                    return 2
                total, ours, names[label] = parse(p.stderr)
                samples[label].append((total, ours))
    print(f"corpus: {args.corpus.name}, runs: {args.runs} (interleaved), python {sys.version.split()[0]}, fresh venvs")
    for label, s in samples.items():
        totals = [x[0] for x in s]
        ours = [x[1] for x in s]
        print(
            f"{label:>14}: {len(names[label])} modules; all imports (self) median {statistics.median(totals) / 1000:.1f} ms "
            f"(min {min(totals) / 1000:.1f}); gozt_lint imports (cumulative) median {statistics.median(ours) / 1000:.1f} ms "
            f"(min {min(ours) / 1000:.1f})"
        )
    if args.list:
        labels = list(names)
        for label in labels:
            print(f"\n{label}:\n  " + " ".join(names[label]))
        if len(labels) == 2:
            a, b = (set(names[x]) for x in labels)
            print(f"\nonly {labels[0]}: {sorted(a - b)}\nonly {labels[1]}: {sorted(b - a)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
