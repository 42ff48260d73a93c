"""`.gozt-lint.toml`: rule severities, ignores with reasons, and trust policy.

Reading uses the standard library (fast, on the hook's path); writing a starting
configuration (`gozt-lint init`) and editing it (the language server's "ignore"
code action) use tomlkit so comments survive.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NamedTuple

from gozt_lint.errors import UsageError
from gozt_lint.finding import Severity


def _tomllib() -> ModuleType:
    # Imported on demand: most hook runs have no configuration file.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib

CONFIG_NAME = ".gozt-lint.toml"

# Tables each part of gozt-lint reads; anything else is a typo worth stopping for.
KNOWN_TABLES = {
    "rules": "severity per rule slug, or \"off\"",
    "ignore": "array of tables: rule / module / file selectors, each with a reason",
    "policy": "private-modules, allowed-replacements, trusted-proxies, trusted-sumdbs",
    "toolchain": "go-sha256, goroot-sha256 pins",
    "cache": "module and build cache settings",
    "sumdb": "checksum database settings",
    "history": "git history settings",
    "lsp": "language server defaults",
}

POLICY_KEYS = ("private-modules", "allowed-replacements", "trusted-proxies", "trusted-sumdbs")
# The keys each plain table may hold (values are checked by their readers). Tables
# reserved for settings to come hold none yet: a key there would be silently unread.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "toolchain": ("go-sha256", "goroot-sha256"),
    "lsp": ("families",),
    "cache": (),
    "sumdb": (),
    "history": (),
}


class Ignore(NamedTuple):
    reason: str
    rule: str | None = None
    module: str | None = None
    file: str | None = None

    def matches(self, rule: str, module: str | None, file: str | None, root: str) -> bool:
        from gozt_lint.module import match_patterns

        if self.rule is not None and self.rule != rule:
            return False
        if self.module is not None and (module is None or not match_patterns(self.module, module)):
            return False
        if self.file is not None:
            if file is None:
                return False
            if not _file_matches(self.file, file, root):
                return False
        return True


class Config:
    FIELDS = ("path", "severities", "ignores", "private_modules", "allowed_replacements", "trusted_proxies", "trusted_sumdbs", "raw")

    def __init__(
        self,
        path: str | None = None,
        severities: dict[str, Severity | None] | None = None,  # None means "off"
        ignores: list[Ignore] | None = None,
        private_modules: list[str] | None = None,
        allowed_replacements: list[str] | None = None,
        trusted_proxies: list[str] | None = None,
        trusted_sumdbs: list[str] | None = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.severities: dict[str, Severity | None] = {} if severities is None else severities
        self.ignores: list[Ignore] = [] if ignores is None else ignores
        self.private_modules: list[str] = [] if private_modules is None else private_modules
        self.allowed_replacements: list[str] = [] if allowed_replacements is None else allowed_replacements
        self.trusted_proxies: list[str] = [] if trusted_proxies is None else trusted_proxies
        self.trusted_sumdbs: list[str] = [] if trusted_sumdbs is None else trusted_sumdbs
        self.raw: dict[str, Any] = {} if raw is None else raw

    def replace(self, **changes: Any) -> Config:
        kw = {k: getattr(self, k) for k in self.FIELDS}
        kw.update(changes)
        return Config(**kw)

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.FIELDS) + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and all(getattr(self, k) == getattr(other, k) for k in self.FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable; object declares __hash__ a method

    def table(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


def find_config(root: Path) -> Path | None:
    candidate = root / CONFIG_NAME
    return candidate if candidate.is_file() else None


def discover(start: Path) -> Path | None:
    """The configuration that applies to files under ``start``: the one at the root
    of its git work tree (``start`` itself outside any). The CLI and the language
    server both look here, so a project reads the same file in both."""
    from gozt_lint.fileio import find_repo_root

    return find_config(find_repo_root(start) or start)


def load_config(path: Path | None, known_rules: set[str] | Callable[[], set[str]] | None = None) -> Config:
    """Read and validate a configuration file; ``None`` gives the defaults."""
    if path is None:
        return Config()
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{where}: cannot read configuration: {e.strerror or e}") from None
    try:
        raw = _tomllib().loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise UsageError(f"{where}: configuration is not UTF-8 (byte {e.start})") from None
    except _tomllib().TOMLDecodeError as e:
        raise UsageError(f"{where}: invalid TOML: {e}") from None
    return parse_config(raw, where, known_rules)


def parse_config(raw: dict[str, Any], where: str, known_rules: set[str] | Callable[[], set[str]] | None = None) -> Config:
    if callable(known_rules):
        # Loading every rule family costs time; only pay when the file names rules.
        names_rules = bool(raw.get("rules")) or any(isinstance(i, dict) and "rule" in i for i in raw.get("ignore", []) or [])
        known_rules = known_rules() if names_rules else None
    for key in raw:
        if key not in KNOWN_TABLES:
            raise UsageError(f"{where}: unknown table [{key}] (known: {', '.join(sorted(KNOWN_TABLES))})")
    cfg = Config(path=where, raw=raw)

    rules = raw.get("rules", {})
    if not isinstance(rules, dict):
        raise UsageError(f"{where}: [rules] must be a table of rule = severity")
    for slug, value in rules.items():
        if known_rules is not None and slug not in known_rules:
            raise UsageError(f"{where}: [rules] unknown rule {slug!r} (see `gozt-lint rules`)")
        if not isinstance(value, str):
            raise UsageError(f"{where}: [rules] {slug} must be a string: error, warning, info or off")
        if value.strip().lower() == "off":
            cfg.severities[slug] = None
        else:
            try:
                cfg.severities[slug] = Severity.parse(value)
            except ValueError as e:
                raise UsageError(f"{where}: [rules] {slug}: {e}") from None

    ignores = raw.get("ignore", [])
    if not isinstance(ignores, list):
        raise UsageError(f"{where}: [[ignore]] must be an array of tables")
    for i, item in enumerate(ignores, 1):
        label = f"{where}: [[ignore]] #{i}"
        if not isinstance(item, dict):
            raise UsageError(f"{label} must be a table")
        unknown = set(item) - {"rule", "module", "file", "reason"}
        if unknown:
            raise UsageError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
        for key in ("rule", "module", "file", "reason"):
            if key in item and not isinstance(item[key], str):
                raise UsageError(f"{label}: {key} must be a string")
        reason = str(item.get("reason", "")).strip()
        if not reason:
            raise UsageError(f"{label}: every ignore needs a reason")
        if not any(k in item for k in ("rule", "module", "file")):
            raise UsageError(f"{label}: give at least one of rule, module, file")
        if known_rules is not None and "rule" in item and item["rule"] not in known_rules:
            raise UsageError(f"{label}: unknown rule {item['rule']!r}")
        cfg.ignores.append(Ignore(reason=reason, rule=item.get("rule"), module=item.get("module"), file=item.get("file")))

    policy = raw.get("policy", {})
    if not isinstance(policy, dict):
        raise UsageError(f"{where}: [policy] must be a table")
    for key, value in policy.items():
        if key not in POLICY_KEYS:
            raise UsageError(f"{where}: [policy] unknown key {key!r} (known: {', '.join(POLICY_KEYS)})")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: [policy] {key} must be a list of strings")
    cfg.private_modules = list(policy.get("private-modules", []))
    cfg.allowed_replacements = list(policy.get("allowed-replacements", []))
    cfg.trusted_proxies = list(policy.get("trusted-proxies", []))
    cfg.trusted_sumdbs = list(policy.get("trusted-sumdbs", []))
    for name in KNOWN_TABLES:
        if name not in ("ignore",) and name in raw and not isinstance(raw[name], dict):
            raise UsageError(f"{where}: [{name}] must be a table")
    for name, keys in TABLE_KEYS.items():
        unknown_keys = sorted(set(raw.get(name, {})) - set(keys))
        if unknown_keys:
            known = f"known: {', '.join(keys)}" if keys else "it has no settings yet"
            raise UsageError(f"{where}: [{name}] unknown key(s) {', '.join(unknown_keys)} ({known})")
    return cfg


def _file_matches(pattern: str, file: str, root: str) -> bool:
    """An ignore's ``file`` glob against a finding's file: relative to the repository
    root, a directory covering what is below it, a leading ``**/`` matching at the
    top too (as in .gitignore), an absolute pattern against the absolute path."""
    if os.path.isabs(pattern):
        target = os.path.abspath(file).replace(os.sep, "/")
        pattern = pattern.replace(os.sep, "/")
    else:
        target = _relative(file, root)
    candidates = [pattern, pattern.rstrip("/") + "/*"]
    if pattern.startswith("**/"):
        candidates += [pattern[3:], pattern[3:].rstrip("/") + "/*"]
    from gozt_lint.glob import file_match

    # fnmatch's semantics without its regular expression: a checkout's pattern
    # must not be able to make matching slow.
    return any(file_match(c, target) for c in candidates)


def _relative(file: str, root: str) -> str:
    try:
        rel = os.path.relpath(file, root)
    except ValueError:
        return file.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


STARTER_CONFIG = '''\
# gozt-lint configuration. Docs: https://github.com/gozt-lint/gozt-lint#configuration
# Every ignore needs a reason: the next reader deserves to know why.

[rules]
# Change a rule's severity, or turn it off:
# pseudo-version = "off"
# replace-local-path = "error"

[policy]
# Module path prefixes that are yours and private (GOPRIVATE-style patterns).
# GONOSUMDB/GOPRIVATE entries covering these are not reported.
private-modules = []
# Replacement targets you accept (module path patterns or local directories).
allowed-replacements = []
# Module proxies and checksum databases (name+hash+key) you trust besides the defaults.
trusted-proxies = []
trusted-sumdbs = []

# [toolchain]
# Pin the go binary (SHA-256) or a manifest of the whole GOROOT; `gozt-lint snapshot` prints them.
# go-sha256 = ""
# goroot-sha256 = ""

# [[ignore]]
# rule = "replace-fork"
# module = "github.com/example/*"
# file = "tools/go.mod"
# reason = "why this is acceptable"
'''


def write_starter(path: Path) -> None:
    """Write the commented starting configuration atomically; never overwrite."""
    import tomlkit

    # Round-trip through tomlkit so what we write is guaranteed to parse.
    doc = tomlkit.parse(STARTER_CONFIG)
    text = tomlkit.dumps(doc)
    parse_config(_tomllib().loads(text), str(path))
    if path.exists():
        raise UsageError(f"{path}: already exists; not overwriting")
    from gozt_lint.fileio import atomic_write

    atomic_write(path, text.encode("utf-8"), exclusive=True)


def add_ignore(path: Path, rule: str, reason: str, module: str | None = None, file: str | None = None) -> None:
    """Append an ``[[ignore]]`` entry to the configuration at ``path``, keeping its
    comments and layout (tomlkit); create the file when absent. The result is
    validated before it replaces the old file atomically, so a bad edit never lands.
    """
    import tomlkit
    from tomlkit.items import AoT, Array

    path = Path(path)
    reason = reason.strip()
    if not rule or not reason:
        raise UsageError(f"{path}: an ignore needs a rule and a reason")
    old_text = ""
    if path.exists():
        try:
            old_text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            raise UsageError(f"{path}: configuration is not UTF-8 (byte {e.start}); not editing it") from None
        except OSError as e:
            raise UsageError(f"{path}: cannot read configuration: {e.strerror or e}") from None
        try:
            before = parse_config(_tomllib().loads(old_text), str(path))
        except _tomllib().TOMLDecodeError as e:
            raise UsageError(f"{path}: invalid TOML: {e}; not editing it") from None
    else:
        before = Config()
    entry = {"rule": rule}
    if module:
        entry["module"] = module
    if file:
        entry["file"] = file
    entry["reason"] = reason

    # tomlkit glues a table onto a last line that lacks its newline.
    src = old_text if not old_text or old_text.endswith("\n") else old_text + "\n"
    doc = tomlkit.parse(src)
    existing = doc.get("ignore")
    if isinstance(existing, AoT) and len(existing):
        last = existing[-1]
        if not last.as_string().endswith("\n\n"):
            last.add(tomlkit.nl())
        t = tomlkit.table()
        for k, v in entry.items():
            t[k] = v
        t.add(tomlkit.nl())
        existing.append(t)
    elif isinstance(existing, Array):
        it = tomlkit.inline_table()
        it.update(entry)
        existing.append(it)
    elif existing is None or (isinstance(existing, AoT) and not len(existing)):
        if src.strip() and not src.endswith("\n\n"):
            doc.add(tomlkit.nl())
        t = tomlkit.table()
        for k, v in entry.items():
            t[k] = v
        aot = tomlkit.aot()
        aot.append(t)
        doc["ignore"] = aot
    else:
        raise UsageError(f"{path}: `ignore` is not an array of tables; not editing it")
    text = tomlkit.dumps(doc).rstrip("\n") + "\n"
    if not old_text:
        text = "# gozt-lint configuration; every ignore needs a reason.\n\n" + text

    after = parse_config(_tomllib().loads(text), str(path))
    want = Ignore(reason=reason, rule=rule, module=module or None, file=file or None)
    if after.ignores != [*before.ignores, want] or {k: v for k, v in after.raw.items() if k != "ignore"} != {
        k: v for k, v in before.raw.items() if k != "ignore"
    }:
        raise UsageError(f"{path}: could not add the ignore without changing other settings; edit it by hand")
    from gozt_lint.fileio import atomic_write

    mode = (path.stat().st_mode & 0o777) if path.exists() else 0o644
    atomic_write(path, text.encode("utf-8"), mode=mode)
