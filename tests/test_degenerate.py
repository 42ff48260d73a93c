"""Degenerate go.mod files against the real go command: every go.mod that
`go list -m` refuses for its own content (not for a missing toolchain) is a
gomod-syntax finding, and a blank one is refused like any other without a
module line. And a run that did not complete never prints an all-clear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.registry import get
from tests import gotool


def go_refuses(goenv: gotool.GoEnvDirs, d: Path) -> str | None:
    """The go command's complaint about d/go.mod, or None if it accepts it. A go
    line newer than the test toolchain is not the file's fault."""
    env = {**goenv.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
    p = subprocess.run([gotool.find_go(), "list", "-m"], cwd=d, env=env, capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode == 0 or "requires go >=" in err:
        return None
    return err.strip()


def ours(d: Path) -> list[str]:
    ctx = Context(cwd=d, options=Options(paths=[str(d / "go.mod")], env=False))
    result = engine.run(ctx, [get("gomod-syntax")])
    assert not result.input_errors and not result.internal_errors, (result.input_errors, result.internal_errors)
    return [f.message for f in result.findings]


DEGENERATE = {
    "empty": b"",
    "blank": b"   \n\t\n\n",
    "crlf-blank": b"\r\n\r\n",
    "comment-only": b"// a module is coming\n",
    "go-line-only": b"go 1.22\n",
    "bom": b"\xef\xbb\xbfmodule example.com/m\n",
    "nul": b"module example.com/m\x00\n",
    "nul-only": b"\x00",
    "not-utf8": b"module example.com/\xff\n",
    "crlf": b"module example.com/m\r\n\r\ngo 1.22\r\n",
    "lone-cr": b"module example.com/m\rgo 1.22\n",
    "module-keyword-only": b"module\n",
    "module-empty-string": b'module ""\n',
    "module-two-args": b"module example.com/m extra\n",
    "module-block": b"module (\n\texample.com/m\n)\n",
    "unterminated-block": b"module example.com/m\nrequire (\n",
    "unterminated-string": b'module "example.com/m\n',
    "go-bad": b"module example.com/m\ngo 1.2.3.4\n",
}


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_go_mod_agrees_with_go(name: str, goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_bytes(DEGENERATE[name])
    refused = go_refuses(goenv, tmp_path)
    found = ours(tmp_path)
    assert bool(found) == bool(refused), (refused, found)


def test_empty_go_mod_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_bytes(b"\n  \n")
    [msg] = ours(tmp_path)
    assert msg.startswith("missing module declaration (add one: go mod edit -module=example.com/mod); this go.mod is empty")
    (tmp_path / "go.mod").write_bytes(b"go 1.22\n")
    assert ours(tmp_path) == ["missing module declaration (add one: go mod edit -module=example.com/mod)"]


# Fragments a hostile or broken go.mod is made of.
_NOISE = st.sampled_from([b"", b" ", b"\t", b"\r", b"\r\n", b"\n", b"\xef\xbb\xbf", b"\x00", b"\xff", b"// c\n", b"/* */", b"\xc3"])
_MODULE = st.sampled_from(
    [b"", b"module example.com/m", b"module", b'module "example.com/m"', b"module example.com/m x", b"module Example.com/M",
     b"module go", b"module (\n example.com/m\n)", b"module example.com/m/v1", b"module example.com/\xc3\xa9"]
)
_GO = st.sampled_from([b"", b"go 1.22", b"go", b"go 1.22.0", b"go 1.2.3.4", b"go v1.22", b"toolchain go1.22.0", b"toolchain x"])
_MORE = st.sampled_from(
    [b"", b"require example.com/x v1.0.0", b"require example.com/x", b"require (\n", b")", b"exclude example.com/x v1.0.0",
     b"replace example.com/x => ./x", b"replace example.com/x =>", b"retract v1.0.0", b"godebug default=go1.21", b"tool x"]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.tuples(_NOISE, st.one_of(_MODULE, _GO, _MORE), _NOISE), max_size=4), sep=st.sampled_from([b"\n", b"\r\n", b" \n"]))
def test_whatever_go_refuses_is_a_gomod_syntax_finding(goenv: gotool.GoEnvDirs, tmp_path_factory: pytest.TempPathFactory, parts: list[tuple[bytes, bytes, bytes]], sep: bytes) -> None:
    d = tmp_path_factory.mktemp("gomod")
    (d / "go.mod").write_bytes(sep.join(a + b + c for a, b, c in parts))
    refused = go_refuses(goenv, d)
    if refused is not None:
        assert ours(d), refused


# -- no all-clear for a run that did not complete ------------------------------------------


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": ""}
    return subprocess.run([sys.executable, "-m", "gozt_lint", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_missing_path_is_no_all_clear(tmp_path: Path, fmt: str) -> None:
    p = run_cli(["--no-env", "--format", fmt, "missing/go.mod"], tmp_path)
    assert p.returncode == 2
    assert "no such file" in p.stderr
    if fmt == "text":
        assert "No problems found" not in p.stdout
        assert "did not complete (1 error)" in p.stdout
    elif fmt == "json":
        doc = json.loads(p.stdout)
        assert doc["complete"] is False and doc["findings"] == [] and doc["errors"]
    elif fmt == "sarif":
        inv = json.loads(p.stdout)["runs"][0]["invocations"][0]
        assert inv["executionSuccessful"] is False
        assert any("no such file" in n["message"]["text"] for n in inv["toolExecutionNotifications"])
    else:
        assert "::error title=gozt-lint (run incomplete)::" in p.stdout


def test_complete_run_says_so(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.22\n")
    p = run_cli(["--no-env", "--format", "json", "go.mod"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["complete"] is True
