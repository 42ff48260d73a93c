"""Helpers for the env tests: clean environments, GOROOTs with their own go.env,
running the real go with the user's files in play, and running the env rules."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Iterable

from tests import gotool

# GOROOT/go.env as the Go distribution ships it.
STOCK_GO_ENV = """\
# This file contains the initial defaults for go command configuration.
# Values set by 'go env -w' and written to the user's go/env file override these.
# The environment overrides everything else.

# Use the Go module mirror and checksum database by default.
# See https://proxy.golang.org for details.
GOPROXY=https://proxy.golang.org,direct
GOSUMDB=sum.golang.org

# Automatically download newer toolchains as directed by go.mod files.
# See https://go.dev/doc/toolchain for details.
GOTOOLCHAIN=auto
"""


def goroot_farm(dst: Path, go_env: str | None = STOCK_GO_ENV) -> Path:
    """A GOROOT made of symlinks to the real one's entries, with its own go.env."""
    real = gotool.goroot()
    dst.mkdir(parents=True)
    for entry in real.iterdir():
        if entry.name != "go.env":
            (dst / entry.name).symlink_to(entry)
    if go_env is not None:
        (dst / "go.env").write_text(go_env)
    return dst


def clean_environ(env: gotool.GoEnvDirs, **overrides: str) -> dict[str, str]:
    """The hermetic environment with nothing an env rule should object to."""
    proxy = env.root / "proxy"
    proxy.mkdir(exist_ok=True)
    e = dict(env.environ)
    e.pop("GOTELEMETRY", None)  # a no-op variable; noop-variable would say so
    e.update(GOTOOLCHAIN="local", GOPROXY=gotool.proxy_url(proxy), GOSUMDB="sum.golang.org")
    e.update(overrides)
    return {k: v for k, v in e.items() if v is not None}


def real_go_env(environ: dict[str, str], keys: Iterable[str], cwd: Path, go: str | None = None) -> dict[str, str]:
    """What the real go reports, with the user's GOENV file and go.env in play."""
    p = subprocess.run(
        [go or gotool.find_go(), "env", "-json", *keys], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def env_findings(environ: dict[str, str], cwd: Path, select: str = "env", config: object = None, paths: list[str] | None = None):
    """Run the selected rules in-process; return the findings."""
    from gozt_lint import engine
    from gozt_lint.config import Config
    from gozt_lint.context import Context, Options

    ctx = Context(cwd=cwd, environ=environ, options=Options(select=[select], paths=paths or []), config=config or Config())
    ctx.discover()
    result = engine.run(ctx)
    assert not result.internal_errors, result.internal_errors
    return result.findings


def write_goenv(env: gotool.GoEnvDirs, *lines: str) -> Path:
    """The GOENV file with a comment and a blank line first, so settings start at line 3."""
    f = env.goenv_file
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text("# written by the test\n\n" + "".join(line + "\n" for line in lines))
    return f


def executable(path: Path, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def without_go_path() -> str:
    """System directories with no go in them."""
    dirs = [d for d in ("/usr/bin", "/bin") if not os.path.exists(os.path.join(d, "go"))]
    return os.pathsep.join(dirs)
