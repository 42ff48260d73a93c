"""The `gozt-lint` command.

Exit status: 0 when nothing is at or above the --fail-on level, 1 when something
is, 2 for a usage error, unreadable input or an internal error (with a message,
never a traceback; set GOZT_LINT_DEBUG=1 for one), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from gozt_lint import __version__
from gozt_lint.errors import GoztError, UsageError
from gozt_lint.finding import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

# Subcommands, imported only when used so the hook path stays small. A path with
# one of these names can still be checked as ./NAME.
SUBCOMMANDS: dict[str, str] = {
    "rules": "gozt_lint.cli:cmd_rules",
    "init": "gozt_lint.cli:cmd_init",
    "lsp": "gozt_lint.cli:cmd_lsp",
    "snapshot": "gozt_lint.snapshot:main",
    "cache": "gozt_lint.repair:main",
}


def _formatter(prog: str) -> argparse.HelpFormatter:
    # argparse would import shutil (and compression modules) just to size help
    # text it usually never prints; os gives the terminal width as well.
    try:
        width = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        width = int(os.environ.get("COLUMNS", "80") or 80)
    return argparse.HelpFormatter(prog, width=max(width - 2, 40))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        formatter_class=_formatter,
        prog="gozt-lint",
        description="Zero-trust checks of a Go build's inputs: go env policy, go.mod/go.sum/go.work, "
        "caches, checksum database, toolchain.",
        epilog="Subcommands: " + ", ".join(SUBCOMMANDS) + " (e.g. `gozt-lint rules`). "
        "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage/input/internal error.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="go.mod/go.sum/go.work files or directories (default: the module here)")
    p.add_argument("--all", action="store_true", help="every module in the repository and every check (environment, caches, checksum database, history)")
    p.add_argument("--no-env", dest="env", action="store_false", help="skip the environment checks")
    p.add_argument("--select", action="append", default=[], metavar="RULES", help="only these rules or families (comma-separated; repeatable)")
    p.add_argument("--ignore", action="append", default=[], metavar="RULES", help="skip these rules or families (comma-separated; repeatable)")
    p.add_argument("--fail-on", default="warning", choices=["error", "warning", "info"], help="lowest severity that fails the run (default: warning)")
    p.add_argument("--format", default="text", choices=["text", "json", "sarif", "github"], help="output format (default: text)")
    p.add_argument(
        "--output", "-o", metavar="FILE",
        help="write the report to FILE instead of stdout: a regular file is replaced atomically; a FIFO, "
        "a character device (/dev/null) or /dev/stdout, /dev/fd/N is written through; a symbolic link to "
        "anything else is refused (a checkout could plant report.sarif -> ~/.bashrc)",
    )
    p.add_argument("--config", metavar="FILE", help="configuration file (default: .gozt-lint.toml at the repository root)")
    p.add_argument("--online", action="store_true", help="allow network lookups (checksum database); off by default")
    p.add_argument("--no-memo", dest="memo", action="store_false", help="rehash everything; ignore memoized hashes")
    p.add_argument("--fix", action="store_true", help="apply safe repairs (e.g. quarantine tampered cache entries)")
    p.add_argument("--base", metavar="REF", help="git ref to compare go.sum history against (CI)")
    p.add_argument("--snapshot", metavar="FILE", help="compare the environment with a snapshot made by `gozt-lint snapshot`")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel hashing workers (default: CPU count)")
    p.add_argument("--color", default="auto", choices=["auto", "always", "never"], help="colour text output (default: auto)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    p.add_argument("--version", action="version", version=f"gozt-lint {__version__}")
    return p


def _use_color(choice: str, stream: object) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def load_context_config(config_path: str | None, root: Path) -> object:
    from gozt_lint.config import find_config, load_config
    from gozt_lint.rules import all_rules

    path = Path(config_path) if config_path else find_config(root)
    return load_config(path, lambda: set(all_rules()))


def config_root(cwd: Path, paths: Sequence[str]) -> Path:
    """Where .gozt-lint.toml is looked for: the repository of the paths checked
    (`gozt-lint --all path/to/project` from elsewhere must still apply that
    project's ignores), else the repository of the working directory."""
    from gozt_lint.context import find_repo_root

    roots = set()
    for p in paths:
        start = cwd / p
        start = start if start.is_dir() else start.parent
        if not start.is_dir():
            break  # a missing path: reported as an input error by the run
        roots.add(find_repo_root(start) or start.resolve())
    if len(roots) == 1:
        return roots.pop()
    return find_repo_root(cwd) or cwd


def run_check(argv: Sequence[str]) -> int:
    from gozt_lint import engine
    from gozt_lint.context import Context, Options
    from gozt_lint.report import get as get_reporter

    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    cwd = Path.cwd()
    config = load_context_config(args.config, config_root(cwd, args.paths))
    if args.output:
        from gozt_lint.fileio import check_output

        check_output(Path(args.output))
    show_progress = args.progress and sys.stderr.isatty() and not os.environ.get("CI")
    options = Options(
        paths=args.paths,
        all=args.all,
        env=args.env,
        select=args.select,
        ignore=args.ignore,
        online=args.online,
        memo=args.memo,
        fix=args.fix,
        base=args.base,
        snapshot=args.snapshot,
        jobs=args.jobs,
        progress=show_progress,
    )
    ctx = Context(cwd=cwd, options=options, config=config)  # type: ignore[arg-type]
    rules = engine.select_rules(ctx)
    if args.snapshot and not any(r.slug == "snapshot-drift" for r in rules):
        # A CI gate `gozt-lint --snapshot FILE` would otherwise compare nothing and pass.
        raise UsageError("--snapshot: the snapshot family is not selected; add --all or --select snapshot")
    ctx.discover()
    result = engine.run(ctx, rules)
    apply_fixes(ctx, result, apply=args.fix)

    reporter = get_reporter(args.format)
    if args.output:
        from gozt_lint.fileio import write_output

        buf = io.StringIO()
        reporter(result, buf, color=False)
        write_output(Path(args.output), buf.getvalue().encode("utf-8"))
    else:
        reporter(result, sys.stdout, color=_use_color(args.color, sys.stdout) and args.format == "text")
        sys.stdout.flush()
    for e in result.input_errors:
        print(f"gozt-lint: error: {e}", file=sys.stderr)
    for e in result.internal_errors:
        print(f"gozt-lint: error: {e}", file=sys.stderr)
    return engine.exit_status(result, Severity.parse(args.fail_on))


def apply_fixes(ctx: object, result: object, *, apply: bool) -> None:
    """--fix: quarantine the module-cache entries findings ask for (a hint otherwise)."""
    findings = getattr(result, "findings", [])
    if not any(isinstance(f.data.get("fix"), dict) and f.data["fix"].get("kind") == "quarantine" for f in findings):
        return
    from gozt_lint.repair import entries_from_findings

    entries = entries_from_findings(getattr(result, "findings", []))
    if not entries:
        return
    if not apply:
        print(
            f"gozt-lint: {len(entries)} module cache entr{'ies' if len(entries) != 1 else 'y'} can be quarantined: "
            "rerun with --fix, or see the plan with `gozt-lint cache quarantine`",
            file=sys.stderr,
        )
        return
    from gozt_lint.repair import print_moves, quarantine

    gomodcache = ctx.env.get("GOMODCACHE")  # type: ignore[attr-defined]
    moves = quarantine(Path(gomodcache), entries, None, True)
    print_moves(moves, True, sys.stderr)


def cmd_rules(argv: Sequence[str]) -> int:
    """`gozt-lint rules [--format text|json]`: every rule with its severity and summary."""
    import json

    from gozt_lint.rules import FAMILIES, all_rules

    p = argparse.ArgumentParser(prog="gozt-lint rules", description="List every rule.")
    p.add_argument("--format", default="text", choices=["text", "json", "markdown"])
    args = p.parse_args(list(argv))
    rules = all_rules()
    if args.format == "markdown":
        sys.stdout.write(rules_markdown())
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
    return EXIT_OK


def rules_markdown() -> str:
    """The README's rule table (tests/test_docs.py keeps the README equal to it)."""
    from gozt_lint.rules import FAMILIES, all_rules

    lines = ["| rule | severity | family | what it catches |", "| --- | --- | --- | --- |"]
    for r in all_rules().values():
        deep = " (deep)" if FAMILIES[r.family].deep else ""
        lines.append(f"| [`{r.slug}`](docs/rules/{r.slug}.md) | {r.severity.value} | {r.family}{deep} | {r.summary} |")
    return "\n".join(lines) + "\n"


def cmd_init(argv: Sequence[str]) -> int:
    """`gozt-lint init [DIR]`: write a commented starting .gozt-lint.toml (never overwrites)."""
    from gozt_lint.config import CONFIG_NAME, write_starter
    from gozt_lint.context import find_repo_root

    p = argparse.ArgumentParser(prog="gozt-lint init", description=f"Write a starting {CONFIG_NAME}.")
    p.add_argument("dir", nargs="?", help="where to write it (default: the repository root)")
    args = p.parse_args(list(argv))
    target_dir = Path(args.dir) if args.dir else (find_repo_root(Path.cwd()) or Path.cwd())
    if not target_dir.is_dir():
        raise UsageError(f"{target_dir}: not a directory")
    path = target_dir / CONFIG_NAME
    write_starter(path)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_lsp(argv: Sequence[str]) -> int:
    """`gozt-lint lsp`: the language server on stdio."""
    try:
        server = importlib.import_module("gozt_lint.lsp.server")
    except ImportError as e:
        raise UsageError(f"the language server needs pygls: {e}") from None
    return int(server.main(list(argv)) or 0)


def _resolve(spec: str) -> Callable[[Sequence[str]], int]:
    mod, _, fn = spec.partition(":")
    return getattr(importlib.import_module(mod), fn)  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return _resolve(SUBCOMMANDS[argv[0]])(argv[1:])
        return run_check(argv)
    except GoztError as e:
        print(f"gozt-lint: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("gozt-lint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `gozt-lint | head`: the reader left; nothing more to say.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_ERROR
    except SystemExit:
        raise
    except Exception as e:  # never a traceback for users
        if os.environ.get("GOZT_LINT_DEBUG"):
            raise
        print(f"gozt-lint: internal error: {type(e).__name__}: {e} (set GOZT_LINT_DEBUG=1 for a traceback)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
