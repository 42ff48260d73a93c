"""The Go environment, read the way the go command reads it, without trusting it.

Precedence per variable (cmd/go/internal/cfg): a non-empty OS environment value;
else the user's GOENV file (default ``$XDG_CONFIG_HOME/go/env`` or
``~/.config/go/env``; ``GOENV=off`` disables it; the last line for a key wins and
an empty value there still shadows GOROOT/go.env); else ``GOROOT/go.env``; else
the built-in default. We parse both files ourselves and report where each value
came from, so findings can point at the exact line.

The go binary is run only through :func:`run_go`: ``GOTOOLCHAIN=local`` (it must
never download or exec another toolchain), ``GOENV=off`` (we already read the
file), from an empty temporary directory outside any module or workspace, with a
timeout and no shell. An untrusted checkout can't steer it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    from gozt_lint.context import Context

GO_TIMEOUT = 30.0

# Variables the go command reads (go env -json keys, plus env-only ones).
KNOWN_VARS = (
    "AR", "CC", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_ENABLED", "CGO_FFLAGS",
    "CGO_LDFLAGS", "CXX", "FC", "GCCGO", "GO111MODULE", "GO386", "GOAMD64", "GOARCH", "GOARM",
    "GOARM64", "GOAUTH", "GOBIN", "GOCACHE", "GOCACHEPROG", "GODEBUG", "GOENV", "GOEXE",
    "GOEXPERIMENT", "GOFIPS140", "GOFLAGS", "GOGCCFLAGS", "GOHOSTARCH", "GOHOSTOS", "GOINSECURE",
    "GOMIPS", "GOMIPS64", "GOMOD", "GOMODCACHE", "GONOPROXY", "GONOSUMDB", "GOOS",
    "GOPACKAGESDRIVER", "GOPATH", "GOPPC64", "GOPRIVATE", "GOPROXY", "GORISCV64", "GOROOT",
    "GOSUMDB", "GOTELEMETRY", "GOTELEMETRYDIR", "GOTMPDIR", "GOTOOLCHAIN", "GOTOOLDIR", "GOVCS",
    "GOVERSION", "GOWASM", "GOWORK", "GO_EXTLINK_ENABLED", "PKG_CONFIG",
)

# Settings that decide what code is fetched, trusted and run: what a snapshot
# records and what the environment rules examine.
POLICY_VARS = (
    "GOPROXY", "GONOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOINSECURE", "GOFLAGS",
    "GOTOOLCHAIN", "GOAUTH", "GOCACHEPROG", "GOVCS", "GOROOT", "GOPATH", "GOMODCACHE", "GOCACHE",
    "GOBIN", "GOENV", "GOWORK", "GO111MODULE", "GOFIPS140", "GODEBUG",
)

# Built-in defaults where neither the environment nor a file sets a value. (When
# GOROOT/go.env lacks GOTOOLCHAIN the go command falls back to "local".)
_DEFAULTS = {"GOAUTH": "netrc", "GOTOOLCHAIN": "local"}

# Sources, strongest first.
ENVIRONMENT, GOENV_FILE, GOROOT_ENV, DEFAULT, DERIVED = "environment", "goenv", "goroot", "default", "derived"


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    source: str  # ENVIRONMENT, GOENV_FILE, GOROOT_ENV, DEFAULT or DERIVED
    file: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        if self.source == ENVIRONMENT:
            return "the environment"
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        return self.source


@dataclass
class GoEnv:
    environ: Mapping[str, str]
    settings: dict[str, Setting] = field(default_factory=dict)
    # Every KEY=VALUE line of the user's GOENV file, known variable or not.
    goenv_file: str | None = None
    goenv_entries: dict[str, Setting] = field(default_factory=dict)
    goroot_env_entries: dict[str, Setting] = field(default_factory=dict)
    go_binary: str | None = None  # the go that `go` on PATH (or the override) names
    goroot: str | None = None
    go_version: str | None = None  # "go1.27.3"
    go_json: dict[str, str] = field(default_factory=dict)  # `go env -json` under our forced settings
    errors: list[str] = field(default_factory=list)

    def get(self, name: str) -> str:
        s = self.settings.get(name)
        return s.value if s else ""

    def setting(self, name: str) -> Setting | None:
        return self.settings.get(name)

    @property
    def gopath_first(self) -> str:
        return self.get("GOPATH").split(os.pathsep)[0] if self.get("GOPATH") else ""


# -- files ----------------------------------------------------------------------------


def user_config_dir(environ: Mapping[str, str]) -> str | None:
    """os.UserConfigDir on Unix: $XDG_CONFIG_HOME (absolute) or $HOME/.config."""
    xdg = environ.get("XDG_CONFIG_HOME", "")
    if xdg:
        return xdg if os.path.isabs(xdg) else None
    home = environ.get("HOME", "")
    return os.path.join(home, ".config") if home else None


def user_cache_dir(environ: Mapping[str, str]) -> str | None:
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg:
        return xdg if os.path.isabs(xdg) else None
    home = environ.get("HOME", "")
    return os.path.join(home, ".cache") if home else None


def goenv_path(environ: Mapping[str, str]) -> str | None:
    """Where the go command reads the user's settings; None when GOENV=off or unknown."""
    file = environ.get("GOENV", "")
    if file:
        return None if file == "off" else file
    d = user_config_dir(environ)
    return os.path.join(d, "go", "env") if d else None


def read_env_file(path: str) -> list[Setting]:
    """KEY=VALUE lines as cfg.readEnvFile accepts them, in file order, with line numbers.

    Lines without '=' or not starting with A-Z are ignored (that is how comments
    work); values are taken verbatim (no quotes, no trimming).
    """
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError:
        return []
    out = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        i = raw.find(b"=")
        if i < 0 or not raw or not (65 <= raw[0] <= 90):
            continue
        key = raw[:i].decode("utf-8", "replace")
        val = raw[i + 1 :].decode("utf-8", "surrogateescape")
        out.append(Setting(key, val, "", path, n))
    return out


# -- running go -----------------------------------------------------------------------


def find_go_binary(environ: Mapping[str, str], override: str | None = None) -> str | None:
    if override:
        p = shutil.which(override) if os.sep not in override else override
        return os.path.abspath(p) if p and os.path.exists(p) else None
    p = shutil.which("go", path=environ.get("PATH", os.defpath))
    return os.path.abspath(p) if p else None


def safe_go_environ(environ: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(environ)
    env["GOTOOLCHAIN"] = "local"
    env["GOENV"] = "off"
    env["GOWORK"] = "off"
    # A GOFLAGS from the environment could add -toolexec or -modfile to whatever we run.
    env.pop("GOFLAGS", None)
    env.pop("GOTOOLCHAIN_INTERNAL_SWITCH_VERSION", None)
    env.pop("GOTOOLCHAIN_INTERNAL_SWITCH_COUNT", None)
    if extra:
        env.update(extra)
    return env


def run_go(
    go: str,
    args: Sequence[str],
    environ: Mapping[str, str],
    *,
    cwd: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = GO_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``go args`` safely (see the module doc). ``cwd=None`` means a fresh empty
    directory. Raises OSError / subprocess.TimeoutExpired to the caller."""
    env = safe_go_environ(environ, extra_env)
    if cwd is not None:
        return subprocess.run(
            [go, *args], cwd=cwd, env=env, capture_output=True, text=True, errors="replace",
            timeout=timeout, stdin=subprocess.DEVNULL,
        )
    with tempfile.TemporaryDirectory(prefix="gozt-lint-go-") as neutral:
        return subprocess.run(
            [go, *args], cwd=neutral, env=env, capture_output=True, text=True, errors="replace",
            timeout=timeout, stdin=subprocess.DEVNULL,
        )


# -- loading --------------------------------------------------------------------------


def load(environ: Mapping[str, str] | None = None, *, go: str | None = None, run: bool = True) -> GoEnv:
    """The effective Go settings. With ``run``, also asks the go binary (safely) for
    what only it knows: GOROOT, GOVERSION and derived values."""
    environ = dict(os.environ if environ is None else environ)
    genv = GoEnv(environ=environ)
    genv.goenv_file = goenv_path(environ)
    if genv.goenv_file:
        for s in read_env_file(genv.goenv_file):
            genv.goenv_entries[s.name] = Setting(s.name, s.value, GOENV_FILE, s.file, s.line)

    genv.go_binary = find_go_binary(environ, go)
    if genv.go_binary and run:
        try:
            p = run_go(genv.go_binary, ["env", "-json"], environ)
            if p.returncode == 0:
                genv.go_json = {k: str(v) for k, v in json.loads(p.stdout or "{}").items()}
            else:
                genv.errors.append(f"`go env -json` failed: {(p.stderr or p.stdout).strip()[:500]}")
        except subprocess.TimeoutExpired:
            genv.errors.append(f"`go env -json` did not finish in {GO_TIMEOUT:.0f}s")
        except (OSError, ValueError) as e:
            genv.errors.append(f"cannot run {genv.go_binary}: {e}")

    goroot = environ.get("GOROOT") or genv.go_json.get("GOROOT") or _goroot_from_binary(genv.go_binary)
    genv.goroot = goroot or None
    if genv.goroot:
        for s in read_env_file(os.path.join(genv.goroot, "go.env")):
            genv.goroot_env_entries[s.name] = Setting(s.name, s.value, GOROOT_ENV, s.file, s.line)
    genv.go_version = genv.go_json.get("GOVERSION") or _version_file(genv.goroot)

    _resolve(genv)
    return genv


def _goroot_from_binary(go: str | None) -> str | None:
    """GOROOT as the go command finds it from its own location (bin/go → ..)."""
    if not go:
        return None
    real = os.path.realpath(go)
    root = os.path.dirname(os.path.dirname(real))
    if os.path.isfile(os.path.join(root, "VERSION")) or os.path.isdir(os.path.join(root, "pkg", "tool")):
        return root
    return None


def _version_file(goroot: str | None) -> str | None:
    if not goroot:
        return None
    try:
        with open(os.path.join(goroot, "VERSION"), encoding="utf-8", errors="replace") as f:
            first = f.readline().strip()
    except OSError:
        return None
    return first or None


def _resolve(genv: GoEnv) -> None:
    environ = genv.environ

    def pick(name: str, default: str | None = None) -> None:
        val = environ.get(name, "")
        if val:
            genv.settings[name] = Setting(name, val, ENVIRONMENT)
            return
        if name in genv.goenv_entries:
            s = genv.goenv_entries[name]
            if s.value:
                genv.settings[name] = s
                return
        elif name in genv.goroot_env_entries and genv.goroot_env_entries[name].value:
            genv.settings[name] = genv.goroot_env_entries[name]
            return
        if default is not None:
            genv.settings[name] = Setting(name, default, DEFAULT)

    home = environ.get("HOME", "")
    default_gopath = os.path.join(home, "go") if home else ""
    if genv.goroot and default_gopath and os.path.normpath(default_gopath) == os.path.normpath(genv.goroot):
        default_gopath = ""
    for name in KNOWN_VARS:
        if name in ("GOPATH", "GOMODCACHE", "GOCACHE", "GONOPROXY", "GONOSUMDB", "GOROOT", "GOENV"):
            continue
        pick(name, _DEFAULTS.get(name, ""))
    pick("GOPATH", default_gopath)
    first = genv.get("GOPATH").split(os.pathsep)[0] if genv.get("GOPATH") else ""
    pick("GOMODCACHE", os.path.join(first, "pkg", "mod") if first else "")
    cache = user_cache_dir(environ)
    pick("GOCACHE", os.path.join(cache, "go-build") if cache else "")
    private = genv.get("GOPRIVATE")
    pick("GONOPROXY", private)
    pick("GONOSUMDB", private)
    if genv.goroot:
        src = ENVIRONMENT if environ.get("GOROOT") else DERIVED
        genv.settings["GOROOT"] = Setting("GOROOT", genv.goroot, src)
    env_goenv = environ.get("GOENV", "")
    genv.settings["GOENV"] = Setting("GOENV", env_goenv or (genv.goenv_file or ""), ENVIRONMENT if env_goenv else DEFAULT)
    # Values only the go command computes.
    for name in ("GOVERSION", "GOEXE", "GOHOSTOS", "GOHOSTARCH", "GOTOOLDIR", "GOGCCFLAGS", "GOOS", "GOARCH"):
        if not genv.get(name) and genv.go_json.get(name):
            genv.settings[name] = Setting(name, genv.go_json[name], DERIVED)


def load_for_context(ctx: Context) -> GoEnv:
    go = getattr(ctx.options, "go", None)
    return load(ctx.environ, go=go)
