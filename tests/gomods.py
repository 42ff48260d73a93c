"""Go modules made by the real go command against a file:// proxy, and git helpers,
for the history, graph, toolchain and snapshot tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests import gotool

APP_CODE = 'package main\n\nimport "example.com/dep"\n\nfunc main() { println(dep.X) }\n'


def build_proxy(proxy: Path) -> Path:
    """A proxy with dep v1.0.0/v1.1.0, other v1.0.0, tool v1.0.0 and an unpruned
    (go 1.16) old v1.0.0 requiring third v1.0.0."""
    gomod = lambda p, extra="": f"module {p}\n\ngo 1.21\n{extra}"  # noqa: E731
    gotool.add_module(proxy, "example.com/dep", "v1.0.0", {"go.mod": gomod("example.com/dep"), "dep.go": "package dep\n\nconst X = 1\n"})
    gotool.add_module(proxy, "example.com/dep", "v1.1.0", {"go.mod": gomod("example.com/dep"), "dep.go": "package dep\n\nconst X = 2\n"})
    gotool.add_module(proxy, "example.com/other", "v1.0.0", {"go.mod": gomod("example.com/other"), "other.go": "package other\n\nconst Y = 1\n"})
    gotool.add_module(proxy, "example.com/third", "v1.0.0", {"go.mod": gomod("example.com/third"), "third.go": "package third\n"})
    gotool.add_module(proxy, "example.com/old", "v1.0.0", {"go.mod": "module example.com/old\n\ngo 1.16\n\nrequire example.com/third v1.0.0\n", "old.go": "package old\n\nconst Z = 3\n"})
    gotool.add_module(proxy, "example.com/leaf", "v1.0.0", {"go.mod": gomod("example.com/leaf"), "leaf.go": "package leaf\n\nconst L = 1\n"})
    gotool.add_module(
        proxy,
        "example.com/mid",
        "v1.0.0",
        {"go.mod": gomod("example.com/mid", "\nrequire example.com/leaf v1.0.0\n"), "mid.go": 'package mid\n\nimport "example.com/leaf"\n\nconst M = leaf.L\n'},
    )
    gotool.add_module(
        proxy,
        "example.com/tool",
        "v1.0.0",
        {
            "go.mod": gomod("example.com/tool", "\nrequire example.com/dep v1.0.0\n"),
            "main.go": 'package main\n\nimport "example.com/dep"\n\nfunc main() { println(dep.X) }\n',
        },
    )
    return proxy


def proxy_env(env: gotool.GoEnvDirs, proxy: Path) -> dict[str, str]:
    return {**env.environ, "GOPROXY": gotool.proxy_url(proxy), "GOFLAGS": "-mod=mod", "GOSUMDB": "off"}


def tidy(env: gotool.GoEnvDirs, proxy: Path, moddir: Path, requires: dict[str, str], code: str = APP_CODE, modpath: str = "example.com/app") -> None:
    gotool.write_module(moddir, modpath, requires=requires, code=code)
    env.go("mod", "tidy", cwd=moddir, env=proxy_env(env, proxy))


def git_env(environ: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def git(repo: Path, *args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({p.returncode}): {p.stdout}{p.stderr}")
    return p


def init_repo(repo: Path, env: dict[str, str], branch: str = "main") -> None:
    git(repo, "init", "-q", "-b", branch, env=env)
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-qm", "initial", "--no-verify", env=env)


def copy_module(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("go.mod", "go.sum", "main.go"):
        if (src / name).exists():
            shutil.copy(src / name, dst / name)
    return dst


def edit_hash(line: str, new_first_char: str = "A") -> str:
    """The line with its hash's first base64 character replaced (a different, valid-looking h1)."""
    mod, ver, h = line.split()
    body = h[3:]
    c = new_first_char if body[0] != new_first_char else "B"
    return f"{mod} {ver} h1:{c}{body[1:]}"
