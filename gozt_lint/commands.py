"""Commands other than the check: `rules`, `explain`, `init` (imported only when
one of them runs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gozt_lint.cli import EXIT_OK
from gozt_lint.errors import UsageError


def cmd_rules(args: argparse.Namespace) -> int:
    """`gozt-lint rules [RULE...] [--format text|json|markdown]`: every rule (or the
    ones named: slugs or families) with its severity and summary."""
    import json

    from gozt_lint.registry import FAMILIES, all_rules

    rules = all_rules()
    if args.rules:
        chosen: dict[str, object] = {}
        for item in args.rules:
            for part in filter(None, (x.strip() for x in item.split(","))):
                if part in rules:
                    chosen[part] = rules[part]
                elif part in FAMILIES:
                    chosen.update({s: r for s, r in rules.items() if r.family == part})
                else:
                    raise UsageError(f"unknown rule or family {part!r}{_did_you_mean(part, rules)} (see `gozt-lint rules`)")
        rules = {s: r for s, r in rules.items() if s in chosen}
    if args.format == "markdown":
        sys.stdout.write(rules_markdown(rules))
        return EXIT_OK
    if args.format == "json":
        doc = [
            {"rule": r.slug, "severity": r.severity.value, "family": r.family, "summary": r.summary, "docs": r.docs_url}
            for r in rules.values()
        ]
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    width = max((len(s) for s in rules), default=10)
    family = None
    for r in rules.values():
        if r.family != family:
            family = r.family
            fam = FAMILIES[family]
            extra = " (--all or --select)" if fam.deep else ""
            print(f"\n{family}: {fam.summary}{extra}")
        print(f"  {r.slug:<{width}}  {r.severity.value:<7}  {r.summary}")
    if args.rules:
        print("\n`gozt-lint explain RULE` prints a rule's page.")
    return EXIT_OK


def _did_you_mean(word: str, choices: object) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)  # type: ignore[call-overload]
    return f"; did you mean {close[0]!r}?" if close else ""


def rule_page(slug: str) -> str | None:
    """The text of ``docs/rules/<slug>.md``: from the installed package (the wheel
    carries the pages as gozt_lint/docs/), else from the checkout it runs from."""
    here = Path(__file__).resolve().parent
    for base in (here / "docs" / "rules", here.parent / "docs" / "rules"):
        page = base / f"{slug}.md"
        try:
            return page.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return None


def cmd_explain(args: argparse.Namespace) -> int:
    """`gozt-lint explain RULE`: the rule's page, offline."""
    from gozt_lint.registry import FAMILIES, all_rules

    rules = all_rules()
    slug = args.rule.strip()
    if slug not in rules:
        if slug in FAMILIES:
            names = ", ".join(s for s, r in rules.items() if r.family == slug)
            raise UsageError(f"{slug!r} is a family, not a rule; its rules: {names}")
        raise UsageError(f"unknown rule {slug!r}{_did_you_mean(slug, rules)} (see `gozt-lint rules`)")
    text = rule_page(slug)
    if text is None:
        r = rules[slug]
        raise UsageError(f"the page of {slug} is not installed; read it at {r.docs_url}")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def rules_markdown(rules: dict[str, Any] | None = None) -> str:
    """The README's rule table (tests/test_docs.py keeps the README equal to it)."""
    from gozt_lint.registry import FAMILIES, all_rules

    lines = ["| rule | severity | family | what it catches |", "| --- | --- | --- | --- |"]
    for r in (all_rules() if rules is None else rules).values():
        deep = " (deep)" if FAMILIES[r.family].deep else ""
        lines.append(f"| [`{r.slug}`](docs/rules/{r.slug}.md) | {r.severity.value} | {r.family}{deep} | {r.summary} |")
    return "\n".join(lines) + "\n"


def cmd_init(args: argparse.Namespace) -> int:
    """`gozt-lint init [DIR]`: write a commented starting .gozt-lint.toml (never overwrites)."""
    from gozt_lint.config import CONFIG_NAME, write_starter
    from gozt_lint.context import find_repo_root

    target_dir = Path(args.dir) if args.dir else (find_repo_root(Path.cwd()) or Path.cwd())
    if not target_dir.is_dir():
        raise UsageError(f"{target_dir}: not a directory")
    path = target_dir / CONFIG_NAME
    write_starter(path)
    print(f"wrote {path}")
    return EXIT_OK
