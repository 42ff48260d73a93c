"""A real Go module for the language-server tests, built by the real go command
from a file:// proxy, so go.sum and the module cache are exactly what Go writes."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests import gotool

MOD_A = "example.com/a"
VER_A = "v1.0.0"
MOD_B = "example.com/b"
# An untagged commit: what the pseudo-version rule reports.
VER_B = "v0.0.0-20240102030405-0123456789ab"
ORIGIN_A = {
    "VCS": "git",
    "URL": "https://example.com/a.git",
    "Hash": "0123456789abcdef0123456789abcdef01234567",
    "Ref": "refs/tags/v1.0.0",
}


@dataclass
class GoModule:
    dir: Path
    env: gotool.GoEnvDirs

    @property
    def gomod(self) -> Path:
        return self.dir / "go.mod"

    @property
    def gosum(self) -> Path:
        return self.dir / "go.sum"

    def copy_to(self, dest: Path) -> GoModule:
        shutil.copytree(self.dir, dest)
        return GoModule(dest, self.env)


def build(root: Path) -> GoModule:
    env = gotool.hermetic_env(root / "goenv")
    proxy = root / "proxy"
    gotool.add_module(proxy, MOD_A, VER_A, {"go.mod": f"module {MOD_A}\n\ngo 1.21\n", "a.go": "package a\n"})
    info = proxy / MOD_A / "@v" / f"{VER_A}.info"
    info.write_text(json.dumps({"Version": VER_A, "Time": "2024-01-02T03:04:05Z", "Origin": ORIGIN_A}))
    gotool.add_module(
        proxy, MOD_B, VER_B, {"go.mod": f"module {MOD_B}\n\ngo 1.21\n", "b.go": "package b\n"}, time="2024-01-02T03:04:05Z"
    )
    env.environ["GOPROXY"] = gotool.proxy_url(proxy)
    m = root / "m"
    gotool.write_module(
        m,
        "example.com/m",
        requires={MOD_A: VER_A, MOD_B: VER_B},
        code=f'package main\n\nimport (\n\t_ "{MOD_A}"\n\t_ "{MOD_B}"\n)\n\nfunc main() {{}}\n',
    )
    env.go("mod", "tidy", cwd=m)
    # tidy fetches .mod and .zip only; download also keeps the .info (with Origin).
    env.go("mod", "download", MOD_A, MOD_B, cwd=m)
    return GoModule(m, env)


def line_of(path: Path, needle: str) -> int:
    """0-based index of the first line containing ``needle``."""
    for i, line in enumerate(path.read_text().split("\n")):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")
