"""From a slug to its tests: every rule has a test that fires it and a test that
shows it quiet on a clean input, each carrying a marker::

    @pytest.mark.rule("gosum-conflict", fires=True)
    @pytest.mark.rule("gosum-conflict", "gosum-missing", clean=True)

(on a test function, or on one `pytest.param` of a parametrized test). The tests
are found the way pytest finds them: a collection run with tests/rule_markers.py
as a plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gozt_lint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent


def collected_markers(tmp_path: Path) -> list[dict[str, Any]]:
    out = tmp_path / "markers.json"
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "tests.rule_markers", "tests"],
        cwd=ROOT, env={**os.environ, "GOZT_RULE_MARKERS_OUT": str(out)}, capture_output=True, text=True, timeout=600,
    )
    assert p.returncode == 0, f"collection failed:\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def problems(items: list[dict[str, Any]], slugs: set[str]) -> list[str]:
    """What is wrong with the markers: malformed ones, unknown slugs, and rules
    without a firing or a clean test."""
    bad: list[str] = []
    fires: set[str] = set()
    clean: set[str] = set()
    for item in items:
        for m in item["marks"]:
            args, kwargs = m["args"], m["kwargs"]
            kinds = [k for k in ("fires", "clean") if kwargs.get(k) is True]
            if len(kinds) != 1 or set(kwargs) - {"fires", "clean"} or any(v is not True for v in kwargs.values()):
                bad.append(f"{item['test']}: rule marker needs exactly one of fires=True or clean=True, not {kwargs}")
                continue
            if not args or not all(isinstance(a, str) for a in args):
                bad.append(f"{item['test']}: rule marker needs one or more slugs, not {args}")
                continue
            for slug in args:
                if slug not in slugs:
                    bad.append(f"{item['test']}: rule marker names an unknown rule {slug!r}")
            (fires if kinds == ["fires"] else clean).update(args)
    bad += [f"{slug}: no test marked @pytest.mark.rule({slug!r}, fires=True)" for slug in sorted(slugs - fires)]
    bad += [f"{slug}: no test marked @pytest.mark.rule({slug!r}, clean=True)" for slug in sorted(slugs - clean)]
    return bad


def test_every_rule_has_a_firing_and_a_clean_test(tmp_path: Path) -> None:
    items = collected_markers(tmp_path)
    bad = problems(items, set(all_rules()))
    assert not bad, "\n".join(bad)


def test_the_check_catches_what_it_should() -> None:
    # The checker itself can fail: each kind of gap is reported.
    slugs = {"a-rule", "b-rule"}
    items = [
        {"test": "t1", "marks": [{"args": ["a-rule"], "kwargs": {"fires": True}}]},
        {"test": "t2", "marks": [{"args": ["a-rule", "c-rule"], "kwargs": {"clean": True}}]},
        {"test": "t3", "marks": [{"args": ["b-rule"], "kwargs": {"fires": True, "clean": True}}]},
        {"test": "t4", "marks": [{"args": ["b-rule"], "kwargs": {}}]},
        {"test": "t5", "marks": [{"args": [], "kwargs": {"clean": True}}]},
    ]
    assert problems(items, slugs) == [
        "t2: rule marker names an unknown rule 'c-rule'",
        "t3: rule marker needs exactly one of fires=True or clean=True, not {'fires': True, 'clean': True}",
        "t4: rule marker needs exactly one of fires=True or clean=True, not {}",
        "t5: rule marker needs one or more slugs, not []",
        "b-rule: no test marked @pytest.mark.rule('b-rule', fires=True)",
        "b-rule: no test marked @pytest.mark.rule('b-rule', clean=True)",
    ]
    items[2]["marks"] = [{"args": ["b-rule"], "kwargs": {"fires": True}}, {"args": ["b-rule"], "kwargs": {"clean": True}}]
    assert problems(items[:3], slugs) == ["t2: rule marker names an unknown rule 'c-rule'"]
