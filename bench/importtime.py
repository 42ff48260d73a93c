#!/usr/bin/env python3
"""Import cost of the pre-commit hook's path, from `python -X importtime`.

    python bench/importtime.py [--corpus DIR] [--runs N] [--against REV] [--list]

Installs this checkout into a fresh virtualenv as pre-commit does (a regular,
byte-compiled install, no dependencies: the hook path needs none), makes a git
repository holding the corpus go.mod/go.sum, and runs the files hook's command
(`python -X importtime -m gozt_lint --no-env go.mod go.sum`) N times. With
`--against REV` it installs that commit too (from `git archive`) and interleaves
the two, so the machine's load hits both alike.

Reported per install: the modules imported (a count that does not depend on load);
the sum over modules of each one's smallest self time across the runs (the steadiest
figure on a shared machine: load only ever adds time); the median of the summed self
times; and the same two for gozt_lint's own modules.
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


def parse(stderr: str) -> dict[str, int]:
    """Module name -> self µs, from -X importtime output."""
    out: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cum, raw = line[len("import time:") :].split("|", 2)
        out[raw.strip()] = int(self_us)
    return out


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
        samples: dict[str, list[dict[str, int]]] = {k: [] for k in pythons}
        for _ in range(args.runs):
            for label, python in pythons.items():
                p = subprocess.run([python, "-X", "importtime", "-m", "gozt_lint", "--no-env", "go.mod", "go.sum"], cwd=repo, env=env, capture_output=True, text=True)
                if p.returncode not in (0, 1):
                    print(p.stderr[-2000:], file=sys.stderr)
                    return 2
                samples[label].append(parse(p.stderr))
    print(f"corpus: {args.corpus.name}, runs: {args.runs} (interleaved), python {sys.version.split()[0]}, fresh venvs")
    names: dict[str, list[str]] = {}
    for label, runs in samples.items():
        names[label] = list(runs[-1])
        mins = {m: min(r.get(m, 0) for r in runs) for m in names[label]}
        ours = [m for m in mins if m == "gozt_lint" or m.startswith("gozt_lint.")]
        totals = [sum(r.values()) for r in runs]
        ours_totals = [sum(r.get(m, 0) for m in ours) for r in runs]
        print(
            f"{label:>14}: {len(names[label])} modules ({len(ours)} of gozt_lint); sum of per-module minimum self times "
            f"{sum(mins.values()) / 1000:.1f} ms (gozt_lint {sum(mins[m] for m in ours) / 1000:.1f} ms); median run "
            f"{statistics.median(totals) / 1000:.1f} ms (gozt_lint {statistics.median(ours_totals) / 1000:.1f} ms)"
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
