"""The server's settings: defaults, the project's ``[lsp]`` table, initialization
options and ``workspace/configuration`` (section ``goztLint``), weakest first.

A checked-out repository is not trusted to choose which ``go`` binary the editor
runs or to send module paths over the network, so ``.gozt-lint.toml`` may only
pick families; ``go`` and ``online`` come from the user's editor settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

SECTION = "goztLint"

# Families cheap enough to run on every keystroke: they read only go.mod/go.sum text.
FAST_FAMILIES = frozenset({"gomod", "gosum"})
DEFAULT_FAMILIES = ("gomod", "gosum", "env", "history", "modcache", "sumdb", "toolchain")
SEVERITIES = ("error", "warning", "info", "off")
PROJECT_KEYS = ("families",)


@dataclass
class Settings:
    families: tuple[str, ...] = DEFAULT_FAMILIES
    online: bool = False
    go: str | None = None
    severity: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    heavy_delay_ms: int = 750
    problems: list[str] = field(default_factory=list)

    @property
    def fast(self) -> list[str]:
        return [f for f in self.families if f in FAST_FAMILIES]

    @property
    def heavy(self) -> list[str]:
        return [f for f in self.families if f not in FAST_FAMILIES]


def client_section(value: Any) -> dict[str, Any]:
    """The goztLint table from initialization options or a configuration reply,
    which clients send either bare or wrapped as {"goztLint": {...}}."""
    if not isinstance(value, Mapping):
        return {}
    inner = value.get(SECTION)
    if isinstance(inner, Mapping):
        return dict(inner)
    settings = value.get("settings")
    if isinstance(settings, Mapping) and isinstance(settings.get(SECTION), Mapping):
        return dict(settings[SECTION])
    return {k: v for k, v in value.items() if k != "settings"}


def project_section(lsp_table: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in lsp_table.items() if k in PROJECT_KEYS}


def merge(layers: Sequence[Mapping[str, Any]], known_families: set[str], known_rules: set[str] | None = None) -> Settings:
    s = Settings()
    for layer in layers:
        for key, value in layer.items():
            _apply(s, key, value, known_families, known_rules)
    return s


def _apply(s: Settings, key: str, value: Any, families: set[str], rules: set[str] | None) -> None:
    if value is None:
        return
    if key == "families":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            s.problems.append("families must be a list of family names")
            return
        unknown = [v for v in value if v not in families]
        if unknown:
            s.problems.append(f"unknown families ignored: {', '.join(unknown)}")
        s.families = tuple(dict.fromkeys(v for v in value if v in families))
    elif key == "online":
        if isinstance(value, bool):
            s.online = value
        else:
            s.problems.append("online must be true or false")
    elif key == "go":
        if isinstance(value, str):
            s.go = value.strip() or None
        else:
            s.problems.append("go must be a path")
    elif key == "severity":
        if isinstance(value, (list, tuple)) and not value:
            return  # an empty Lua table arrives as a JSON array
        if not isinstance(value, Mapping):
            s.problems.append("severity must map rule slugs to error, warning, info or off")
            return
        for slug, level in value.items():
            if not isinstance(level, str) or level.strip().lower() not in SEVERITIES:
                s.problems.append(f"severity of {slug}: expected one of {', '.join(SEVERITIES)}")
            elif rules is not None and slug not in rules:
                s.problems.append(f"severity: unknown rule {slug!r} ignored")
            else:
                s.severity[str(slug)] = level.strip().lower()
    elif key == "workers":
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 16:
            s.workers = value
        else:
            s.problems.append("workers must be an integer from 1 to 16")
    elif key == "heavyDelayMs":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 60000:
            s.heavy_delay_ms = int(value)
        else:
            s.problems.append("heavyDelayMs must be a number of milliseconds")
    # Unknown keys (e.g. client-only ones such as path, args, interpreter) are ignored.
