"""A small GOROOT published as a ``golang.org/toolchain`` release, for the goroot tests.

The tree has what matters to the checks and nothing heavy: a copy of the real
``bin/go`` (so ``go env`` and ``go version`` run), ``bin/gofmt`` and one real tool
in ``pkg/tool/<goos>_<goarch>``, ``VERSION``, the stock ``go.env``, ``src/go.mod``
and ``src/cmd/go.mod`` (stored as ``_go.mod`` in the module, as cmd/distpack does),
a little standard-library source, an exec wrapper in ``lib/wasm``, top-level text
files, and the distribution-only ``api/`` and ``test/`` directories the module
leaves out. The module zip is made here, independently of gozt_lint, the way
cmd/distpack makes it; the test checksum database (tests/sumdbtool.py) computes its
record with x/mod's own dirhash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests import envtool, gotool, sumdbtool

MODULE = "golang.org/toolchain"
DIST_ONLY = ("api", "doc", "misc", "test")


def platform() -> tuple[str, str]:
    out = subprocess.run(
        [gotool.find_go(), "env", "GOHOSTOS", "GOHOSTARCH"],
        capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "GOTOOLCHAIN": "local", "GOENV": "off", "GOFLAGS": ""}, cwd="/",
    ).stdout.split()
    return out[0], out[1]


def module_version() -> str:
    goos, goarch = platform()
    return f"v0.0.1-{gotool.go_version()}.{goos}-{goarch}"


def make_goroot(root: Path) -> Path:
    real = gotool.goroot()
    goos, goarch = platform()
    tooldir = f"pkg/tool/{goos}_{goarch}"
    files: dict[str, bytes] = {
        "VERSION": (real / "VERSION").read_bytes(),
        "go.env": envtool.STOCK_GO_ENV.encode(),
        "LICENSE": b"Copyright (c) 2009 The Go Authors. All rights reserved.\n",
        "README.md": b"# The Go Programming Language\n",
        "src/go.mod": b"module std\n\ngo 1.26\n",
        "src/cmd/go.mod": b"module cmd\n\ngo 1.26\n",
        "src/fmt/print.go": b"package fmt\n\nfunc Println(a ...any) {}\n",
        "src/fmt/doc.go": b"// Package fmt implements formatted I/O.\npackage fmt\n",
        "src/runtime/asm_amd64.s": b"#include \"textflag.h\"\n",
        "src/make.bash": b"#!/usr/bin/env bash\necho building\n",
        "pkg/include/textflag.h": b"#define NOSPLIT 4\n",
        "lib/wasm/go_js_wasm_exec": b"#!/usr/bin/env bash\nexec node \"$@\"\n",
        "lib/time/README": b"The zoneinfo.zip archive contains time zone files.\n",
        "api/go1.txt": b"pkg fmt, func Println(...interface{}) (int, error)\n",
        "test/helloworld.go": b"// run\n\npackage main\n\nfunc main() { println(\"hello, world\") }\n",
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    for rel, src in (("bin/go", real / "bin" / "go"), ("bin/gofmt", real / "bin" / "gofmt"), (f"{tooldir}/preprofile", real / tooldir / "preprofile")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / rel)
    for rel in ("bin/go", "bin/gofmt", f"{tooldir}/preprofile", "src/make.bash", "lib/wasm/go_js_wasm_exec"):
        (root / rel).chmod(0o755)
    return root


def module_files(goroot: Path) -> dict[str, bytes]:
    """The release module's files: GOROOT less the distribution-only directories,
    every go.mod renamed _go.mod (cmd/distpack)."""
    out: dict[str, bytes] = {}
    for dirpath, _dirnames, filenames in os.walk(goroot):
        for fn in filenames:
            p = Path(dirpath) / fn
            rel = p.relative_to(goroot).as_posix()
            if rel.split("/", 1)[0] in DIST_ONLY:
                continue
            if fn == "go.mod":
                rel = rel[: -len("go.mod")] + "_go.mod"
            out[rel] = p.read_bytes()
    return out


def publish(proxy: Path, goroot: Path, version: str | None = None) -> str:
    version = version or module_version()
    gotool.add_module(proxy, MODULE, version, module_files(goroot))
    return version


@dataclass
class World:
    root: Path
    goroot: Path
    proxy: Path
    env: gotool.GoEnvDirs
    server: sumdbtool.Server
    version: str

    @property
    def cache(self) -> Path:
        return self.root / "gozt-cache"

    @property
    def manifest_file(self) -> Path:
        return self.cache / "toolchain" / sumdbtool.TEST_NAME / f"{self.version}.json"

    def environ(self, server: sumdbtool.Server | None = None, **extra: str) -> dict[str, str]:
        s = server or self.server
        e = dict(self.env.environ)
        e.update(
            GOROOT=str(self.goroot),
            PATH=os.pathsep.join([str(self.goroot / "bin"), "/usr/bin", "/bin"]),
            GOPROXY=gotool.proxy_url(self.proxy),
            GOSUMDB=s.gosumdb,
            GONOSUMDB="", GOPRIVATE="", GONOPROXY="",
            GOZT_LINT_CACHE_DIR=str(self.cache),
        )
        e.update(extra)
        return e


def make_world(root: Path, binary: Path) -> World:
    goroot = make_goroot(root / "goroot")
    proxy = root / "proxy"
    version = publish(proxy, goroot)
    server = sumdbtool.Server(binary, proxy, root / "server", preload=[f"{MODULE}@{version}"]).start()
    env = gotool.hermetic_env(root / "goenv")
    return World(root, goroot, proxy, env, server, version)


def copy_world(src: World, root: Path) -> World:
    """A copy to spoil (the server is shared and not copied)."""
    shutil.copytree(src.root, root, symlinks=True, ignore=shutil.ignore_patterns("server"))
    return World(root, root / "goroot", root / "proxy", gotool.hermetic_env(root / "goenv"), src.server, src.version)
