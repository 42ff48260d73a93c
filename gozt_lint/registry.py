"""The rule registry.

A rule is a function that turns the model (a :class:`~gozt_lint.context.Context`)
into findings, registered with :func:`rule` in the module of its family::

    @rule("sumdb-disabled", Severity.ERROR, "GOSUMDB=off turns off the checksum database")
    def sumdb_disabled(ctx: Context) -> Iterator[Finding]:
        ...

The slug names the rule everywhere: ``--select``, configuration, inline ignores,
SARIF, LSP diagnostic codes and ``docs/rules/<slug>.md``. Family modules keep heavy
imports inside functions, so loading the registry stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple

from gozt_lint.finding import Finding, Severity

if TYPE_CHECKING:
    from pathlib import Path

    from gozt_lint.config import Config
    from gozt_lint.context import Context

DOCS_BASE_URL = "https://github.com/gozt-lint/gozt-lint/blob/main/docs/rules/"

CheckFn = Callable[["Context"], Iterable[Finding]]


class Family(NamedTuple):
    name: str
    summary: str
    # Deep families read caches, run subprocesses or hash files: `--all` (or
    # naming them in --select) turns them on; the default run stays hook-fast.
    deep: bool


# Order matters only for `gozt-lint rules` and the docs index.
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("env", "the go command's environment and policy (go env, PATH, GOROOT)", False),
        Family("gomod", "go.mod and go.work files", False),
        Family("gosum", "go.sum and go.work.sum files", False),
        Family("history", "go.sum changes against git history (HEAD, the index, a base ref)", False),
        Family("modcache", "the module cache (GOMODCACHE), hashed byte for byte", True),
        Family("buildcache", "the build cache (GOCACHE)", True),
        Family("sumdb", "go.sum and the cache against the Go checksum database", True),
        Family("toolchain", "the go binary, GOROOT and installed Go binaries", True),
        Family("snapshot", "drift from a recorded snapshot (--snapshot FILE)", True),
    )
}


class Rule(NamedTuple):
    slug: str
    severity: Severity
    summary: str
    family: str
    check: CheckFn
    # Where the check is defined, taken at registration (attribute reads only, no
    # inspect): many slugs live in a module named for another family, so the slug
    # alone doesn't say where to look.
    module: str
    function: str
    # co_firstlineno: the first decorator's line, the one that names the slug.
    line: int

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE_URL}{self.slug}.md"

    @property
    def source_path(self) -> str:
        """The repo-relative file of the check, e.g. ``gozt_lint/rules/gosum.py``."""
        return self.module.replace(".", "/") + ".py"

    @property
    def source(self) -> str:
        """``path:line`` of the check's decorator (the line drifts: not for docs)."""
        return f"{self.source_path}:{self.line}"

    @property
    def docs_path(self) -> str:
        return f"docs/rules/{self.slug}.md"


_REGISTRY: dict[str, Rule] = {}


def rule(slug: str, severity: Severity, summary: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check of rule ``slug`` in its module's family."""

    def register(fn: CheckFn) -> CheckFn:
        family = fn.__module__.rsplit(".", 1)[-1]
        if family not in FAMILIES:
            raise RuntimeError(f"rule {slug}: module {fn.__module__} is not a known family")
        if slug in _REGISTRY:
            raise RuntimeError(f"rule {slug} registered twice")
        code = getattr(fn, "__code__", None)
        line = code.co_firstlineno if code is not None else 0
        _REGISTRY[slug] = Rule(slug, severity, summary, family, fn, fn.__module__, fn.__name__, line)
        return fn

    return register


_loaded_families: set[str] = set()


def rules_of(families: Iterable[str]) -> dict[str, Rule]:
    """The rules of some families only, importing just their modules: the hook
    path never pays for the cache or checksum-database families."""
    wanted = set(families)
    for name in FAMILIES:
        if name in wanted and name not in _loaded_families:
            importlib.import_module(f"gozt_lint.rules.{name}")
            _loaded_families.add(name)
    order = list(FAMILIES)
    return dict(
        sorted(
            ((s, r) for s, r in _REGISTRY.items() if r.family in wanted),
            key=lambda kv: (order.index(kv[1].family), kv[0]),
        )
    )


def all_rules() -> dict[str, Rule]:
    """Every registered rule, by slug, in family order."""
    return rules_of(FAMILIES)


def get(slug: str) -> Rule:
    rules = all_rules()
    try:
        return rules[slug]
    except KeyError:
        raise KeyError(f"unknown rule {slug!r} (see `gozt-lint rules`)") from None


def load_config(path: Path | None) -> Config:
    """Read a configuration file and check the rules it names against the registry
    (whose families are loaded only when the file names rules); ``None`` gives the
    defaults. The CLI, its subcommands and the language server all load here."""
    from gozt_lint import config

    return config.load_config(path, lambda: set(all_rules()))
