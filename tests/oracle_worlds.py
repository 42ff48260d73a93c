"""Module worlds for the go.sum fidelity tests, made by the real go command against a
file:// proxy, and the oracle: does `go build ./...` or `go test ./...` (readonly,
offline) refuse?

Independent of gozt_lint: fixtures must not be built by the code they test.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests import gotool

GOMOD = "module {p}\n\ngo 1.21\n{extra}"


def _pkg(name: str, imports: tuple[str, ...] = (), header: str = "") -> str:
    imp = "".join(f'\t_ "{i}"\n' for i in imports)
    block = f"import (\n{imp})\n\n" if imports else ""
    return f"{header}package {name}\n\n{block}const N = 1\n"


def add(proxy: Path, path: str, version: str = "v1.0.0", *, go: str = "1.20", requires: tuple[str, ...] = (),
        imports: tuple[str, ...] = (), files: dict[str, str] | None = None) -> None:
    req = "".join(f"require {r}\n" for r in requires)
    gomod = f"module {path}\n\ngo {go}\n\n{req}" if go else f"module {path}\n\n{req}"
    name = path.rsplit("/", 1)[-1].replace("-", "")
    content = {"go.mod": gomod, f"{name}.go": _pkg(name, imports)}
    content.update(files or {})
    gotool.add_module(proxy, path, version, content)


def build_proxy(proxy: Path) -> Path:
    """Every module of the worlds below."""
    add(proxy, "example.com/leaf")
    add(proxy, "example.com/mid", requires=("example.com/leaf v1.0.0",), imports=("example.com/leaf",))
    add(proxy, "example.com/other")
    add(proxy, "example.com/testdep", requires=("example.com/leaf v1.0.0",), imports=("example.com/leaf",))
    add(proxy, "example.com/third", go="1.16")
    add(proxy, "example.com/old", go="1.16", requires=("example.com/third v1.0.0",))
    add(proxy, "example.com/nest", files={"util/util.go": _pkg("util")})
    add(proxy, "example.com/nest/sub")
    add(proxy, "example.com/linuxonly")
    add(proxy, "example.com/winonly")
    add(proxy, "example.com/cgoonly")
    add(proxy, "example.com/extra")
    add(proxy, "example.com/orig")
    add(proxy, "example.com/fork", "v1.1.0", files={"go.mod": "module example.com/orig\n\ngo 1.20\n", "fork.go": _pkg("orig")})
    add(proxy, "example.com/strict", go="1.21", requires=("example.com/leaf v1.0.0",), imports=("example.com/leaf",))
    add(proxy, "example.com/leaf2")
    add(proxy, "example.com/unused")
    add(proxy, "example.com/dep", "v1.0.0")
    add(proxy, "example.com/dep", "v1.1.0")
    return proxy


@dataclass
class World:
    env: gotool.GoEnvDirs
    proxy: Path
    root: Path  # where gozt-lint runs
    dirs: list[Path] = field(default_factory=list)  # where the oracle runs go build / go test
    go: str = ""  # the go binary of the oracle ("" = the test toolchain)
    goroot: str = ""

    def sum_files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("go*.sum") if "vendor" not in p.parts)

    def refuses(self, extra_env: dict[str, str] | None = None) -> tuple[bool, str]:
        """(refused, output) of `go build ./...` and `go test ./...`, readonly and offline."""
        env = {**self.env.environ, "GOPROXY": "off", "GOFLAGS": "-mod=readonly", **(extra_env or {})}
        if self.goroot:
            env["GOROOT"] = self.goroot
        go = self.go or gotool.find_go()
        out = []
        for d in self.dirs:
            for cmd in self.commands():
                p = subprocess.run([go, *cmd], cwd=d, env=env, capture_output=True, text=True, timeout=600)
                if p.returncode != 0:
                    return True, p.stderr
                out.append(p.stderr)
        return False, "".join(out)

    def commands(self) -> list[tuple[str, ...]]:
        if self.go:
            # A go built with another version string cannot drive this toolchain's compiler;
            # `go list -deps [-test]` loads modules and packages exactly as build and test do.
            return [("list", "-deps", "./..."), ("list", "-deps", "-test", "./...")]
        # vet reads no module go test would not: leave it out, it only costs time.
        return [("build", "./..."), ("test", "-count=1", "-run", "^$", "-vet=off", "./...")]


MAIN_GO = """package main

import (
	_ "example.com/mid"
	_ "example.com/nest/sub"
	_ "example.com/nest/util"
	_ "example.com/old"
	_ "example.com/orig"
	_ "example.com/local"
	_ "example.com/dep"
)

func main() {}
"""

FILES = {
    "main.go": MAIN_GO,
    "main_test.go": 'package main\n\nimport (\n\t"testing"\n\n\t_ "example.com/other"\n)\n\nfunc TestX(t *testing.T) {}\n',
    "x_test.go": 'package main_test\n\nimport (\n\t"testing"\n\n\t_ "example.com/testdep"\n)\n\nfunc TestY(t *testing.T) {}\n',
    "linux.go": '//go:build linux\n\npackage main\n\nimport _ "example.com/linuxonly"\n',
    "win_windows.go": 'package main\n\nimport _ "example.com/winonly"\n',
    "cgo.go": 'package main\n\n// int x;\nimport "C"\n\nimport _ "example.com/cgoonly"\n',
    "extra.go": '//go:build extra\n\npackage main\n\nimport _ "example.com/extra"\n',
    "ignored.go": '//go:build ignore\n\npackage main\n\nimport _ "example.com/unused"\n',
    "sub/sub.go": 'package sub\n\nimport _ "example.com/leaf"\n',
    "testdata/t.go": 'package t\n\nimport _ "example.com/unused"\n',
    "_skip/s.go": 'package s\n\nimport _ "example.com/unused"\n',
}

LOCAL = {
    "go.mod": "module example.com/local\n\ngo 1.16\n\nrequire example.com/leaf2 v1.0.0\n",
    "local.go": 'package local\n\nimport _ "example.com/leaf2"\n',
}


def proxy_env(env: gotool.GoEnvDirs, proxy: Path, **extra: str) -> dict[str, str]:
    return {**env.environ, "GOPROXY": gotool.proxy_url(proxy), "GOFLAGS": "-mod=mod", "GOSUMDB": "off", **extra}


def single(root: Path, env: gotool.GoEnvDirs, proxy: Path, *, go: str = "1.21") -> World:
    """One module at ``go``: an indirect provider (mid -> leaf), two nested modules on one
    path (nest, nest/sub), an unpruned dependency (old -> third), a version replacement
    (orig => fork), a directory replacement (./local, which imports leaf2), imports behind
    a //go:build line, a _windows suffix, cgo, a -tags tag and `ignore`, test-only imports
    in the package's test and in an external test, and directories ./... skips."""
    app = root / "app"
    files = dict(FILES)
    if go >= "1.21":
        # A dependency whose go line is a requirement on the go pseudo-module.
        files["strict.go"] = 'package main\n\nimport _ "example.com/strict"\n'
    for name, text in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    for name, text in LOCAL.items():
        (app / "local" / name).parent.mkdir(parents=True, exist_ok=True)
        (app / "local" / name).write_text(text)
    (app / "go.mod").write_text(
        f"module example.com/app\n\ngo {go}\n\nrequire (\n\texample.com/local v0.0.0\n\texample.com/orig v1.0.0\n)\n\n"
        "replace example.com/orig v1.0.0 => example.com/fork v1.1.0\n\nreplace example.com/local => ./local\n"
    )
    for d in (app, app / "local"):  # the replacement directory is a module of the checkout too
        env.go("mod", "tidy", cwd=d, env=proxy_env(env, proxy))
        env.go("mod", "download", "all", cwd=d, env=proxy_env(env, proxy))
        # tidy's go.sum is the reference; download may have added lines tidy would not keep.
        env.go("mod", "tidy", cwd=d, env=proxy_env(env, proxy))
    return World(env, proxy, app, [app, app / "local"])


def workspace(root: Path, env: gotool.GoEnvDirs, proxy: Path) -> World:
    """a requires dep v1.1.0; c requires dep v1.0.0 and imports it and mid; the go.work
    replaces orig by fork for c."""
    ws = root / "ws"
    (ws / "a").mkdir(parents=True)
    (ws / "a" / "go.mod").write_text("module example.com/a\n\ngo 1.21\n\nrequire example.com/dep v1.1.0\n")
    (ws / "a" / "a.go").write_text('package a\n\nimport _ "example.com/dep"\n')
    (ws / "c").mkdir()
    (ws / "c" / "go.mod").write_text(
        "module example.com/c\n\ngo 1.21\n\nrequire (\n\texample.com/dep v1.0.0\n\texample.com/mid v1.0.0\n"
        "\texample.com/orig v1.0.0\n\texample.com/leaf v1.0.0 // indirect\n)\n"
    )
    (ws / "c" / "c.go").write_text('package c\n\nimport (\n\t_ "example.com/a"\n\t_ "example.com/dep"\n\t_ "example.com/mid"\n\t_ "example.com/orig"\n)\n')
    (ws / "c" / "c_test.go").write_text('package c\n\nimport (\n\t"testing"\n\n\t_ "example.com/other"\n)\n\nfunc TestC(t *testing.T) {}\n')
    (ws / "c" / "go.mod").write_text((ws / "c" / "go.mod").read_text().replace(")\n", "\texample.com/other v1.0.0\n)\n"))
    (ws / "go.work").write_text("go 1.21\n\nuse (\n\t./a\n\t./c\n)\n\nreplace example.com/orig => example.com/fork v1.1.0\n")
    e = {**proxy_env(env, proxy), "GOFLAGS": ""}
    env.go("mod", "download", "all", cwd=ws / "c", env=e)
    for d in ("a", "c"):
        env.go("build", "./...", cwd=ws / d, env=e)
        env.go("test", "-count=1", "-run", "^$", "./...", cwd=ws / d, env=e)
    return World(env, proxy, ws, [ws / "a", ws / "c"])


def build_go_binary(workdir: Path, version: str) -> tuple[Path, str] | None:
    """The installed toolchain's cmd/go, built with another version string (a go that
    believes it is ``version``), or None when it cannot be built here."""
    import os

    out = workdir / "go-bin" / "go"
    env = gotool.hermetic_env(workdir / "buildenv").environ
    env.update(GOFLAGS="", GOPROXY="off")
    shared = os.environ.get("GOZT_TEST_GOCACHE")
    if shared:
        env["GOCACHE"] = shared
    src = gotool.goroot() / "src" / "cmd" / "go"
    p = subprocess.run(
        [gotool.find_go(), "build", "-trimpath", f"-ldflags=-X=runtime.buildVersion={version}", "-o", str(out), "."],
        cwd=src, env=env, capture_output=True, text=True, timeout=1200,
    )
    gotool.make_writable(workdir / "buildenv")
    if p.returncode != 0:
        return None
    return out, str(gotool.goroot())
