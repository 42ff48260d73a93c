"""Commands other than the check: `rules`, `explain`, `init` (imported only when
one of them runs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

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
            {
                "rule": r.slug,
                "severity": r.severity.value,
                "family": r.family,
                "summary": r.summary,
                "docs": r.docs_url,
                "module": r.module,
                "function": r.function,
                "source": r.source,
            }
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


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
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
    from gozt_lint.fileio import find_repo_root

    target_dir = Path(args.dir) if args.dir else (find_repo_root(Path.cwd()) or Path.cwd())
    if not target_dir.is_dir():
        raise UsageError(f"{target_dir}: not a directory")
    path = target_dir / CONFIG_NAME
    write_starter(path)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_snapshot(argv: Sequence[str]) -> int:
    """`gozt-lint snapshot`: record the environment for `--snapshot FILE`."""
    from gozt_lint.config import discover
    from gozt_lint.context import Context, Options
    from gozt_lint.fileio import check_output, find_repo_root, write_output
    from gozt_lint.registry import load_config
    from gozt_lint.snapshot import DEFAULT_NAME, build, dumps

    p = argparse.ArgumentParser(
        prog="gozt-lint snapshot",
        description="Record the Go build environment (go binary, policy settings, go.mod/go.sum, module graph, "
        "module hashes) for `gozt-lint --all --snapshot FILE` to compare against.",
    )
    p.add_argument("--output", "-o", metavar="FILE", help=f"where to write it (default: {DEFAULT_NAME} at the repository root; - for stdout)")
    p.add_argument("--cache", action="store_true", help="also record the h1 and mode of every module cache entry (a baseline for copied or restored caches)")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: .gozt-lint.toml at the repository root)")
    args = p.parse_args(list(argv))
    cwd = Path.cwd()
    root = find_repo_root(cwd) or cwd
    config = load_config(Path(args.config) if args.config else discover(root))
    if args.output and args.output != "-":
        check_output(Path(args.output))
    ctx = Context(cwd=cwd, options=Options(all=True), config=config)
    ctx.discover()
    if ctx.input_errors:
        raise ctx.input_errors[0]
    if ctx.env.go_binary is None:
        raise UsageError("no go binary on PATH: nothing to snapshot")
    doc = build(ctx, cache=args.cache)
    data = dumps(doc)
    for note in ctx.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out = Path(args.output) if args.output else ctx.root / DEFAULT_NAME
        write_output(out, data)
        print(f"wrote {out}", file=sys.stderr)
    go = doc["go"]
    print("pins for .gozt-lint.toml:\n[toolchain]", file=sys.stderr)
    if go.get("sha256"):
        print(f'go-sha256 = "{go["sha256"]}"', file=sys.stderr)
    if go.get("goroot_sha256"):
        print(f'goroot-sha256 = "{go["goroot_sha256"]}"', file=sys.stderr)
    return 0


def cmd_cache(argv: Sequence[str]) -> int:
    """`gozt-lint cache quarantine`: module-cache repair."""
    import json

    from gozt_lint import module
    from gozt_lint.repair import entries_from_findings, gomodcache_root, print_moves, quarantine

    p = argparse.ArgumentParser(prog="gozt-lint cache", description="Module-cache repair.")
    sub = p.add_subparsers(dest="cmd")
    q = sub.add_parser("quarantine", help="move tampered or incomplete module versions out of GOMODCACHE")
    q.add_argument("entries", nargs="*", metavar="MODULE@VERSION", help="entries to quarantine (default: every one the modcache rules flag)")
    q.add_argument("--apply", action="store_true", help="move them (default: only print the plan)")
    q.add_argument("--dest", metavar="DIR", help="where to move them (default: <GOMODCACHE>/../gozt-lint-quarantine/<time>)")
    q.add_argument("--no-memo", dest="memo", action="store_false", help="rehash everything")
    q.add_argument("--format", choices=["text", "json"], default="text")
    args = p.parse_args(list(argv))
    if args.cmd != "quarantine":
        p.print_help(sys.stderr)
        return 2

    from gozt_lint import engine
    from gozt_lint.context import Context, Options

    ctx = Context(cwd=Path.cwd(), options=Options(select=["modcache"], memo=args.memo, all=True))
    gomodcache = gomodcache_root(ctx.env)
    if args.entries:
        entries = []
        for spec in args.entries:
            path, sep, version = spec.rpartition("@")
            if not sep or not path or module.check(path, version) is not None and not path.startswith("golang.org/toolchain"):
                raise UsageError(f"{spec}: expected MODULE@VERSION")
            entries.append((path, version))
    else:
        ctx.discover()
        result = engine.run(ctx, engine.select_rules(ctx))
        entries = entries_from_findings(result.findings)
    moves = quarantine(gomodcache, entries, Path(args.dest) if args.dest else None, args.apply)
    if args.format == "json":
        json.dump({"apply": args.apply, "moves": [m.to_json() for m in moves]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        if not moves:
            print("nothing to quarantine")
        print_moves(moves, args.apply)
        if moves and not args.apply:
            print("(dry run: pass --apply to move them)")
    return 1 if any(m.status.startswith("error") for m in moves) else 0
