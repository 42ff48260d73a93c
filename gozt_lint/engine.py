"""One run: choose the rules, run them over the model, stamp and filter findings."""

from __future__ import annotations

import os

from gozt_lint.context import Context
from gozt_lint.errors import GoztError, InputError, UsageError
from gozt_lint.finding import Finding, Severity
from gozt_lint.registry import FAMILIES, Rule, all_rules, rules_of


class Result:
    def __init__(
        self,
        findings: list[Finding] | None = None,
        suppressed: int = 0,
        notes: list[str] | None = None,
        input_errors: list[InputError] | None = None,
        internal_errors: list[str] | None = None,
        rules_run: list[str] | None = None,
        # Where to pin findings that have no file (SARIF and annotations need one):
        # the first go.mod's module line, or None.
        anchor: tuple[str, int] | None = None,
        root: str = "",
        coverage: dict[str, int] | None = None,
        # Findings a report leaves out but counts: below --min-severity (still
        # judged by --fail-on), and how many a --baseline hid (not judged).
        hidden: list[Finding] | None = None,
        baselined: int = 0,
    ) -> None:
        self.findings: list[Finding] = [] if findings is None else findings
        self.suppressed = suppressed
        self.notes: list[str] = [] if notes is None else notes
        self.input_errors: list[InputError] = [] if input_errors is None else input_errors
        self.internal_errors: list[str] = [] if internal_errors is None else internal_errors
        self.rules_run: list[str] = [] if rules_run is None else rules_run
        self.anchor = anchor
        self.root = root
        # What the deep checks verified, by kind (Context.verified); empty when
        # no deep family ran.
        self.coverage: dict[str, int] = {} if coverage is None else coverage
        self.hidden: list[Finding] = [] if hidden is None else hidden
        self.baselined = baselined

    def __repr__(self) -> str:
        return f"Result({len(self.findings)} findings, suppressed={self.suppressed}, notes={self.notes!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable; object declares __hash__ a method

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def is_deep(ctx: Context, rules: list[Rule]) -> bool:
    """The one definition of a deep run: ``--all``, ``--snapshot``, or any rule of a
    deep family selected (``--select modcache``, ``--select ALL``, the language
    server's background families). Deep runs read the caches and load module graphs."""
    opts = ctx.options
    return bool(opts.all or opts.snapshot or any(FAMILIES[r.family].deep for r in rules))


def select_rules(ctx: Context) -> list[Rule]:
    chosen = _select_rules(ctx)
    ctx.deep = is_deep(ctx, chosen)
    ctx.families = frozenset(r.family for r in chosen)
    return chosen


def _select_rules(ctx: Context) -> list[Rule]:
    opts = ctx.options
    if opts.select or opts.ignore:
        rules = all_rules()
    else:
        # The common path (the pre-commit hook, a plain run) loads only the families it runs.
        rules = rules_of(f for f, fam in FAMILIES.items() if (opts.all or not fam.deep) and (opts.env or f != "env"))

    def expand(items: list[str], flag: str) -> set[str]:
        out: set[str] = set()
        for item in items:
            for part in item.split(","):
                part = part.strip()
                if not part:
                    continue
                if part in FAMILIES:
                    out |= {s for s, r in rules.items() if r.family == part}
                elif part.upper() == "ALL":
                    out |= set(rules)
                elif part in rules:
                    out.add(part)
                else:
                    raise UsageError(f"{flag}: unknown rule or family {part!r} (see `gozt-lint rules`)")
        return out

    if opts.select:
        chosen = expand(opts.select, "--select")
        if not any(part.strip() for item in opts.select for part in item.split(",")):
            # `--select "$RULES"` with an empty variable would otherwise run nothing and pass.
            raise UsageError("--select: no rule or family given (see `gozt-lint rules`)")
    else:
        chosen = {s for s, r in rules.items() if opts.all or not FAMILIES[r.family].deep}
        if not opts.env:
            chosen -= {s for s, r in rules.items() if r.family == "env"}
    chosen -= expand(opts.ignore, "--ignore")
    chosen -= {s for s, sev in ctx.config.severities.items() if sev is None}
    return [r for s, r in rules.items() if s in chosen]


def run(ctx: Context, rules: list[Rule] | None = None) -> Result:
    if rules is None:
        rules = select_rules(ctx)
    if not ctx.units and not ctx.input_errors:
        ctx.discover()
    started = _prestart(ctx, rules)
    try:
        return _run(ctx, rules)
    finally:
        if started:
            from gozt_lint import modcache

            modcache.abandon(ctx)


def _prestart(ctx: Context, rules: list[Rule]) -> bool:
    """Start hashing the module cache in its worker pool before the first rule, when
    the modcache family will need it: the rules before it (and the module graph,
    which asks for single entries) run meanwhile instead of waiting. Any failure
    here is left for the rules to meet and report as they would have."""
    if not any(r.family == "modcache" for r in rules):
        return False
    from gozt_lint import modcache

    try:
        modcache.prestart(ctx)
    except Exception:
        return False
    return True


def _run(ctx: Context, rules: list[Rule]) -> Result:
    result = Result(root=str(ctx.root))
    raw: list[Finding] = []
    for r in rules:
        result.rules_run.append(r.slug)
        configured = ctx.config.severities.get(r.slug)
        severity = configured or r.severity
        try:
            for f in r.check(ctx):
                raw.append(f.replace(rule=r.slug, severity=_escalated(f, severity, configured)))
        except InputError as e:
            ctx.input_errors.append(e)
        except GoztError as e:
            result.internal_errors.append(f"{r.slug}: {e}")
        except Exception as e:  # a bug in a rule must not hide the other rules' findings
            import traceback

            detail = traceback.format_exc() if os.environ.get("GOZT_LINT_DEBUG") else f"{type(e).__name__}: {e}"
            result.internal_errors.append(f"internal error in rule {r.slug}: {detail}")

    seen: set[Finding] = set()
    for f in raw:
        if f in seen:
            continue
        seen.add(f)
        if _suppressed(ctx, f):
            result.suppressed += 1
            continue
        result.findings.append(f)
    result.findings.sort(key=lambda f: f.sort_key)
    result.notes = list(ctx.notes)
    result.coverage = dict(ctx.coverage)
    # Deduplicate by text: discovery and several rules can trip over the same file.
    # The same file may be named as given on the command line and as an absolute path.
    errs: dict[tuple[str, str], InputError] = {}
    for err in ctx.input_errors:
        text = str(err)
        path = err.path
        reason = text[len(path) + 2 :] if path and text.startswith(f"{path}: ") else text
        errs.setdefault((os.path.normpath(os.path.join(ctx.cwd, path)) if path else "", reason), err)
    result.input_errors = list(errs.values())
    result.anchor = _anchor(ctx)
    return result


def _escalated(f: Finding, severity: Severity, configured: Severity | None) -> Severity:
    """A rule may raise one finding above its default (``data["escalate"]``, a
    severity name) when the danger is concrete, or lower it (``data["soften"]``)
    when it is only latent; a severity set in the configuration always wins."""
    if configured is not None:
        return severity
    for key, raise_ in (("escalate", True), ("soften", False)):
        want = f.data.get(key)
        if not want:
            continue
        try:
            to = Severity.parse(str(want))
        except ValueError:
            continue
        if (to.rank > severity.rank) if raise_ else (to.rank < severity.rank):
            return to
    return severity


def _suppressed(ctx: Context, f: Finding) -> bool:
    for ig in ctx.config.ignores:
        if ig.matches(f.rule, f.module, f.file, str(ctx.root)):
            return True
    if f.file and f.line:
        mf = ctx.modfile_at(f.file)
        if mf is not None:
            rules = mf.inline_ignores.get(f.line)
            if rules and (f.rule in rules or "all" in rules):
                return True
    return False


def _anchor(ctx: Context) -> tuple[str, int] | None:
    for u in ctx.units:
        mf = ctx.modfile_at(str(u.main))
        if mf is not None:
            line = mf.module.span.line if mf.module is not None else 1
            return (str(u.main), line)
        if u.main.exists():
            return (str(u.main), 1)
    return None


def exit_status(result: Result, fail_on: Severity) -> int:
    if result.input_errors or result.internal_errors:
        return 2
    if any(f.severity.rank >= fail_on.rank for f in [*result.findings, *result.hidden]):
        return 1
    return 0
