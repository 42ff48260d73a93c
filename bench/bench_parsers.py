"""Parser and gomod/gosum rule timings on the real corpus files.

Usage: python bench/bench_parsers.py [CORPUS_DIR]   (default: tests/data/corpus)
Prints the median of repeated runs for: parsing the kubernetes go.mod and go.sum,
parsing every corpus file, and running the gomod+gosum rules in-process over the corpus.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from gozt_lint import engine, modfile, sumfile
from gozt_lint.context import Context, Options
from gozt_lint.registry import all_rules


def median_ms(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "tests" / "data" / "corpus").resolve()
    k8s_mod = (corpus / "kubernetes__kubernetes" / "go.mod").read_bytes()
    k8s_sum = (corpus / "kubernetes__kubernetes" / "go.sum").read_bytes()
    mods = [(str(p), p.read_bytes()) for p in corpus.rglob("go.mod")]
    sums = [(str(p), p.read_bytes()) for p in corpus.rglob("*.sum")]
    nlines = sum(d.count(b"\n") for _, d in mods + sums)
    print(f"kubernetes go.mod ({len(k8s_mod)} bytes) parse: {median_ms(lambda: modfile.parse_gomod('go.mod', k8s_mod)):.2f} ms")
    print(f"kubernetes go.sum ({len(k8s_sum)} bytes) parse: {median_ms(lambda: sumfile.parse_gosum('go.sum', k8s_sum)):.2f} ms")

    def parse_all() -> None:
        for p, d in mods:
            modfile.parse_gomod(p, d)
        for p, d in sums:
            sumfile.parse_gosum(p, d)

    print(f"all {len(mods)} go.mod + {len(sums)} sum files ({nlines} lines) parse: {median_ms(parse_all, 5):.1f} ms")
    rules = [r for r in all_rules().values() if r.family in ("gomod", "gosum") and r.slug != "toolchain-directive"]

    def lint() -> None:
        ctx = Context(cwd=corpus, options=Options(paths=[str(corpus)], env=False))
        engine.run(ctx, rules)

    print(f"gomod+gosum rules (no toolchain-directive) over the corpus, in-process: {median_ms(lint, 5):.1f} ms")


if __name__ == "__main__":
    main()
