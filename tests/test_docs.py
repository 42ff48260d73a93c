"""Docs can't drift from the registry: one page per rule, every rule in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint.registry import FAMILIES, all_rules

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules"
SECTIONS = ["## What it catches", "## Why it matters", "## How to fix", "## Example"]


def test_registry_is_populated() -> None:
    rules = all_rules()
    assert len(rules) >= 20
    assert {r.family for r in rules.values()} <= set(FAMILIES)


@pytest.mark.parametrize("slug", sorted(all_rules()))
def test_rule_page(slug: str) -> None:
    r = all_rules()[slug]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", slug), "slugs are lower-case words joined by dashes"
    page = DOCS / f"{slug}.md"
    assert page.is_file(), f"missing {page.relative_to(ROOT)}"
    text = page.read_text()
    assert text.startswith(f"# {slug}\n")
    assert f"Severity: {r.severity.value} · Family: {r.family}" in text
    positions = [text.find(s) for s in SECTIONS]
    assert all(p > 0 for p in positions), f"{slug}: sections {SECTIONS} required"
    assert positions == sorted(positions), f"{slug}: sections out of order"
    assert r.summary and not r.summary.endswith(".")


SOURCE_LINE = re.compile(r"Source: \[(?P<path>[\w/.]+)\]\(\.\./\.\./(?P<link>[\w/.]+)\) \(function `(?P<function>\w+)`\)")


@pytest.mark.parametrize("slug", sorted(all_rules()))
def test_rule_page_ends_with_its_source(slug: str) -> None:
    """The page's last line leads to the check's module file and function, as the
    registry records them (no line number: it would drift)."""
    r = all_rules()[slug]
    last = (DOCS / f"{slug}.md").read_text().rstrip("\n").rsplit("\n", 1)[-1]
    m = SOURCE_LINE.fullmatch(last)
    assert m, f"{slug}: the page must end with a line like 'Source: [{r.source_path}](../../{r.source_path}) (function `{r.function}`)', not {last!r}"
    assert m["path"] == m["link"] == r.source_path, f"{slug}: the check is in {r.source_path}"
    assert m["function"] == r.function, f"{slug}: the check is {r.function}()"
    assert (DOCS / ".." / ".." / m["link"]).resolve() == (ROOT / r.source_path).resolve() and (ROOT / r.source_path).is_file()


def test_no_orphan_pages() -> None:
    slugs = set(all_rules())
    pages = {p.stem for p in DOCS.glob("*.md")} - {"index", "README"}
    assert pages <= slugs, f"pages without a rule: {sorted(pages - slugs)}"


def test_readme_rule_table_is_current() -> None:
    from gozt_lint.commands import rules_markdown

    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- rules-table")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end rules-table -->")
    assert readme[start:end] == rules_markdown(), "regenerate with `gozt-lint rules --format markdown`"
    missing = [s for s in all_rules() if f"`{s}`" not in readme]
    assert not missing, f"README lacks {missing}"


def test_rules_command_lists_every_rule() -> None:
    out = subprocess.run([sys.executable, "-m", "gozt_lint", "rules", "--format", "json"], capture_output=True, text=True, check=True).stdout
    import json

    listed = {r["rule"]: r for r in json.loads(out)}
    assert set(listed) == set(all_rules())
    for slug, r in all_rules().items():
        assert listed[slug]["severity"] == r.severity.value
        assert listed[slug]["docs"].endswith(f"/docs/rules/{slug}.md")


def test_rules_json_says_where_each_check_lives() -> None:
    """`module`, `function` and `source` lead from a slug to its code: the file
    exists, the line is the slug's @rule decorator and the def below it is the
    function named."""
    import json

    out = subprocess.run([sys.executable, "-m", "gozt_lint", "rules", "--format", "json"], capture_output=True, text=True, check=True).stdout
    listed = json.loads(out)
    assert {"rule", "severity", "family", "summary", "docs", "module", "function", "source"} <= set(listed[0])
    for entry in listed:
        slug = entry["rule"]
        assert entry["module"].startswith("gozt_lint.rules."), entry
        path, _, line = entry["source"].rpartition(":")
        assert path == entry["module"].replace(".", "/") + ".py", entry
        lines = (ROOT / path).read_text().splitlines()
        at = int(line) - 1
        end = next(i for i in range(at, len(lines)) if lines[i].startswith("def "))
        decorator = " ".join(ln.strip() for ln in lines[at:end])
        assert decorator.startswith("@rule(") and f'"{slug}"' in decorator, f"{slug}: {entry['source']} is {lines[at]!r}"
        assert lines[end].startswith(f"def {entry['function']}("), f"{slug}: {lines[end]!r}"
