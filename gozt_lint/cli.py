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
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO

from gozt_lint import __version__
from gozt_lint.errors import GoztError, UsageError
from gozt_lint.finding import Severity

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.engine import Result

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

# Subcommands. `check` is the default: `gozt-lint [PATH...]` is `gozt-lint check
# [PATH...]`, so a path with a command's name must be written ./NAME. The handlers
# (and what they import) load only when their command runs: the pre-commit hook's
# path stays small. snapshot, cache and lsp parse their own arguments.
COMMANDS: dict[str, str] = {
    "check": "check go.mod/go.sum/go.work files, the environment and (with --all) the caches (the default)",
    "rules": "list the rules, or show the summary of some: rules [RULE...]",
    "explain": "print a rule's documentation page: explain RULE",
    "init": "write a commented .gozt-lint.toml",
    "snapshot": "record the environment for `--snapshot FILE`",
    "cache": "module-cache repair: cache quarantine [MODULE@VERSION...] [--apply]",
    "lsp": "the language server (stdio)",
}
SUBCOMMANDS: dict[str, str] = {
    "snapshot": "gozt_lint.commands:cmd_snapshot",
    "cache": "gozt_lint.commands:cmd_cache",
    "lsp": "gozt_lint.cli:cmd_lsp",
}
FORMATS = ("text", "json", "sarif", "github", "gitlab")
# Annotations beyond the first ten of a kind are not shown by GitHub: a run reports
# info findings there only when asked.
DEFAULT_MIN_SEVERITY = {"github": "warning"}
_DESCRIPTION = (
    "Zero-trust checks of a Go build's inputs: go env policy, go.mod/go.sum/go.work, caches, checksum database, toolchain."
)


def _width() -> int:
    # argparse would import shutil (and compression modules) just to size help
    # text it usually never prints; os gives the terminal width as well.
    try:
        width = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        width = int(os.environ.get("COLUMNS", "80") or 80)
    return max(width - 2, 40)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=_width())


def _commands_epilog() -> str:
    return (
        "commands (gozt-lint COMMAND --help for each):\n"
        + "\n".join(f"  {name:<9} {text}" for name, text in COMMANDS.items())
        + "\n\nExit status: 0 clean, 1 findings at or above --fail-on, 2 usage/input/internal error, 130 interrupted."
    )


def _add_check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="go.mod/go.sum/go.work files or directories (default: the module here)")
    p.add_argument("--all", action="store_true", help="every module in the repository and every check (environment, caches, checksum database, history)")
    p.add_argument("--no-env", dest="env", action="store_false", help="skip the environment checks")
    p.add_argument("--select", action="append", default=[], metavar="RULES", help="only these rules or families (comma-separated; repeatable)")
    p.add_argument("--ignore", action="append", default=[], metavar="RULES", help="skip these rules or families (comma-separated; repeatable)")
    p.add_argument("--fail-on", default="warning", choices=["error", "warning", "info"], help="lowest severity that fails the run (default: warning)")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are at or above --fail-on (errors still exit 2)")
    p.add_argument("--format", default="text", choices=FORMATS, help="output format (default: text)")
    p.add_argument(
        "--output", "-o", metavar="FILE",
        help="write the report to FILE instead of stdout: a regular file is replaced atomically; a FIFO, "
        "a character device (/dev/null) or /dev/stdout, /dev/fd/N is written through; a symbolic link to "
        "anything else is refused (a checkout could plant report.sarif -> ~/.bashrc)",
    )
    for fmt in ("json", "sarif", "gitlab"):
        p.add_argument(f"--{fmt}-output", metavar="FILE", help=f"also write a {fmt} report to FILE")
    p.add_argument(
        "--min-severity",
        choices=["info", "warning", "error"],
        help="list only findings at or above this severity; the others are counted in the summary "
        "(default: info; warning for --format github)",
    )
    p.add_argument("--show-info", dest="min_severity", action="store_const", const="info", help="list info findings too (same as --min-severity info)")
    p.add_argument("--baseline", metavar="FILE", help="hide the findings recorded in FILE (by fingerprint) and report only new ones")
    p.add_argument("--write-baseline", metavar="FILE", help="record today's findings in FILE for --baseline, report them, and exit 0")
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


def _check_kwargs() -> dict[str, Any]:
    # `gozt-lint --help` is the check's help with the commands listed: the check is
    # what almost every run is.
    return dict(
        prog="gozt-lint",
        usage="gozt-lint [check] [PATH ...] [options]\n       gozt-lint COMMAND [...]",
        description=_DESCRIPTION,
        epilog=_commands_epilog(),
        formatter_class=_raw_formatter,
    )


def check_parser() -> argparse.ArgumentParser:
    """The check's parser on its own, for `gozt-lint [PATH...]`."""
    p = argparse.ArgumentParser(**_check_kwargs())
    _add_check_arguments(p)
    return p


def build_parser(command: str = "check") -> argparse.ArgumentParser:
    """The command line. Every command is a subparser (so `gozt-lint --help` lists
    them and each has its own usage), but only ``command``'s arguments are built."""
    top = argparse.ArgumentParser(prog="gozt-lint", formatter_class=_raw_formatter, description=_DESCRIPTION, epilog=_commands_epilog())
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    for name, text in COMMANDS.items():
        kw: dict[str, Any] = {"help": text}
        if name == "check":
            kw.update(_check_kwargs())
        elif name in SUBCOMMANDS:
            kw.update(add_help=False, formatter_class=_formatter)
        else:
            kw.update(prog=f"gozt-lint {name}", formatter_class=_formatter)
        p = sub.add_parser(name, **kw)
        if name != command:
            continue
        if name == "check":
            _add_check_arguments(p)
        elif name == "rules":
            p.add_argument("rules", nargs="*", metavar="RULE", help="rules or families to show (default: all)")
            p.add_argument("--format", default="text", choices=["text", "json", "markdown"], help="output format (default: text)")
        elif name == "explain":
            p.add_argument("rule", metavar="RULE", help="a rule slug, e.g. gosum-hash-changed (see `gozt-lint rules`)")
        elif name == "init":
            p.add_argument("dir", nargs="?", help="where to write it (default: the repository root)")
    return top


def _raw_formatter(prog: str) -> argparse.HelpFormatter:
    """Wrapped option help, but the commands list in the epilog kept as written (the
    class is made only when help is printed)."""

    class RawEpilogFormatter(argparse.HelpFormatter):
        def _fill_text(self, text: str, width: int, indent: str) -> str:
            if "\n" not in text:
                return super()._fill_text(text, width, indent)
            return "".join(indent + line for line in text.splitlines(keepends=True))

    return RawEpilogFormatter(prog, width=_width())


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def config_root(cwd: Path, paths: Sequence[str]) -> Path:
    """Where .gozt-lint.toml is looked for: the repository of the paths checked
    (`gozt-lint --all path/to/project` from elsewhere must still apply that
    project's ignores), else the repository of the working directory."""
    from gozt_lint.fileio import find_repo_root

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


def run_check(args: argparse.Namespace) -> int:
    from gozt_lint import engine
    from gozt_lint.context import Context, Options

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    cwd = Path.cwd()
    from gozt_lint.config import discover
    from gozt_lint.registry import load_config

    config = load_config(Path(args.config) if args.config else discover(config_root(cwd, args.paths)))
    reports = _reports(args)
    if any(path for _, path in reports) or args.write_baseline:
        from gozt_lint.fileio import check_output

        for _, path in reports:
            if path:
                check_output(Path(path))
        if args.write_baseline:
            check_output(Path(args.write_baseline))
    known = None
    if args.baseline:
        from gozt_lint.baseline import load as load_baseline

        known = load_baseline(Path(args.baseline))
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
    ctx = Context(cwd=cwd, options=options, config=config)
    rules = engine.select_rules(ctx)
    if args.snapshot and not any(r.slug == "snapshot-drift" for r in rules):
        # A CI gate `gozt-lint --snapshot FILE` would otherwise compare nothing and pass.
        raise UsageError("--snapshot: the snapshot family is not selected; add --all or --select snapshot")
    ctx.discover()
    result = engine.run(ctx, rules)
    apply_fixes(ctx, result, apply=args.fix)

    if args.write_baseline:
        from gozt_lint.baseline import write as write_baseline

        if result.input_errors or result.internal_errors:
            # A baseline of an incomplete run would hide nothing it missed, but it
            # would look complete.
            _print_errors(result)
            raise UsageError(f"{args.write_baseline}: not written: the run was incomplete")
        n = write_baseline(Path(args.write_baseline), result)
        print(f"gozt-lint: recorded {n} finding{'s' if n != 1 else ''} in {args.write_baseline}", file=sys.stderr)
    if known is not None:
        from gozt_lint.baseline import apply as apply_baseline

        apply_baseline(result, known)

    for fmt, path in reports:
        _write_report(result, fmt, path, args)
    _print_errors(result)
    status = engine.exit_status(result, Severity.parse(args.fail_on))
    if status == EXIT_FINDINGS and (args.exit_zero or args.write_baseline):
        return EXIT_OK
    return status


def _reports(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) of every report the run writes."""
    out: list[tuple[str, str | None]] = [(args.format, args.output)]
    for fmt in ("json", "sarif", "gitlab"):
        path = getattr(args, f"{fmt}_output")
        if path:
            out.append((fmt, path))
    return out


def _write_report(result: Result, fmt: str, path: str | None, args: argparse.Namespace) -> None:
    from gozt_lint.report import get as get_reporter, shown

    minimum = Severity.parse(args.min_severity or DEFAULT_MIN_SEVERITY.get(fmt, "info"))
    view = shown(result, minimum)
    reporter = get_reporter(fmt)
    if path:
        from gozt_lint.fileio import write_output

        buf = io.StringIO()
        reporter(view, buf, color=False)
        write_output(Path(path), buf.getvalue().encode("utf-8"))
    else:
        reporter(view, sys.stdout, color=_use_color(args.color, sys.stdout) and fmt == "text")
        sys.stdout.flush()


def _print_errors(result: Result) -> None:
    for problem in [*map(str, result.input_errors), *result.internal_errors]:
        print(f"gozt-lint: error: {problem}", file=sys.stderr)


def apply_fixes(ctx: Context, result: Result, *, apply: bool) -> None:
    """--fix: quarantine the module-cache entries findings ask for (a hint otherwise)."""
    findings = result.findings
    if not any(isinstance(f.data.get("fix"), dict) and f.data["fix"].get("kind") == "quarantine" for f in findings):
        return
    from gozt_lint.repair import entries_from_findings

    entries = entries_from_findings(findings)
    if not entries:
        return
    if not apply:
        print(
            f"gozt-lint: {len(entries)} module cache entr{'ies' if len(entries) != 1 else 'y'} can be quarantined: "
            "rerun with --fix, or see the plan with `gozt-lint cache quarantine`",
            file=sys.stderr,
        )
        return
    from gozt_lint.repair import gomodcache_root, print_moves, quarantine

    moves = quarantine(gomodcache_root(ctx.env), entries, None, True)
    print_moves(moves, True, sys.stderr)


def cmd_lsp(argv: Sequence[str]) -> int:
    """`gozt-lint lsp`: the language server on stdio."""
    try:
        server = importlib.import_module("gozt_lint.lsp.server")
    except ImportError as e:
        raise UsageError(f"the language server needs pygls: {e}") from None
    return int(server.main(list(argv)) or 0)


def _resolve(spec: str) -> Callable[[Sequence[str]], int]:
    mod, _, fn = spec.partition(":")
    return getattr(importlib.import_module(mod), fn)


# Handlers of the commands argparse parses here, imported when chosen.
_HANDLERS: dict[str, str] = {
    "check": "gozt_lint.cli:run_check",
    "rules": "gozt_lint.commands:cmd_rules",
    "explain": "gozt_lint.commands:cmd_explain",
    "init": "gozt_lint.commands:cmd_init",
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return _resolve(SUBCOMMANDS[argv[0]])(argv[1:])
        if argv and argv[0] in COMMANDS:
            command = argv[0]
            args = build_parser(command).parse_args(argv)
        else:
            # The implicit check (every hook run): its own parser only, the same one
            # `gozt-lint check` gets as a subparser.
            command = "check"
            args = check_parser().parse_args(argv)
        if command == "check":
            return run_check(args)
        handler: Callable[[argparse.Namespace], int] = _resolve(_HANDLERS[command])  # type: ignore[assignment]
        return handler(args)
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
