"""The command line: paths, selection, exit codes, bad input. Runs the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint import __version__
from tests import gotool

GOOD_GOMOD = "module example.com/app\n\ngo 1.21\n"


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gozt_lint", *args], cwd=cwd, env=env or os.environ.copy(), capture_output=True, text=True, timeout=120)


def assert_clean_error(p: subprocess.CompletedProcess[str]) -> None:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr + p.stdout
    assert p.stderr.startswith("gozt-lint: error:") or "usage:" in p.stderr


def test_version(tmp_path: Path) -> None:
    p = run(["--version"], tmp_path)
    assert p.returncode == 0 and p.stdout.strip() == f"gozt-lint {__version__}"


def test_console_script_entry_point_matches_module(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "gozt-lint"
    if not exe.exists():
        pytest.skip("console script not installed in this interpreter's bin")
    p = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    assert p.stdout.strip() == f"gozt-lint {__version__}"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--select", "no-such-rule"], "--select: unknown rule or family 'no-such-rule'"),
        (["--ignore", "nope"], "--ignore: unknown rule or family 'nope'"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--format", "xml"], "invalid choice"),
        (["--config", "missing.toml"], "cannot read configuration"),
        (["does-not-exist/go.mod"], "does-not-exist/go.mod: no such file or directory"),
        (["README.txt"], "not a go.mod, go.sum, go.work or go.work.sum file"),
    ],
)
def test_usage_and_input_errors(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "README.txt").write_text("hi")
    p = run(["--no-env", *args], tmp_path)
    assert_clean_error(p)
    assert message in p.stderr


def test_directory_named_go_sum(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "go.sum").mkdir()
    p = run(["--no-env", "go.mod", "go.sum"], tmp_path)
    assert_clean_error(p)
    assert "go.sum: is a directory, not a file" in p.stderr


def test_binary_and_garbage_inputs_never_traceback(tmp_path: Path) -> None:
    cases = {
        "bin": (b"\x00\x01\x02\xff" * 1000, b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        "crlf": (b"module example.com/x\r\n\r\ngo 1.21\r\n", b"example.com/m v1.0.0 h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=\r\n"),
        "latin1": ("module example.com/caf\xe9\n".encode("latin-1"), "exämple.com/m v1.0.0 h1:x\n".encode("latin-1")),
        "truncated": (b"module example.com/x\nrequire (\n\texample.com/m v1.", b"example.com/m v1.0.0 h1:MyEV"),
        "huge-line": (b"module " + b"a" * 5_000_000 + b"\n", b"x" * 5_000_000),
        "empty": (b"", b""),
    }
    for name, (mod, sum_) in cases.items():
        d = tmp_path / name
        d.mkdir()
        (d / "go.mod").write_bytes(mod)
        (d / "go.sum").write_bytes(sum_)
        for fmt in ("text", "json", "sarif"):
            p = run(["--no-env", "--format", fmt, "go.mod", "go.sum"], d)
            assert p.returncode in (0, 1), (name, fmt, p.stderr[-2000:])
            assert "Traceback" not in p.stderr, (name, p.stderr)
            if fmt != "text":
                json.loads(p.stdout)


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    out = tmp_path / "report.json"
    p = run(["--no-env", "--format", "json", "--output", str(out)], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    assert json.loads(out.read_text())["tool"] == "gozt-lint"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["go.mod", "report.json"]


def test_writes_nothing_without_being_asked(tmp_path: Path, goenv: gotool.GoEnvDirs) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "go.sum").write_text("")

    def snapshot() -> dict[str, tuple[int, int]]:
        out = {}
        for top in (tmp_path, goenv.root):
            for dirpath, _, files in os.walk(top):
                for f in files:
                    st = os.lstat(os.path.join(dirpath, f))
                    out[os.path.join(dirpath, f)] = (st.st_size, st.st_mtime_ns)
        return out

    before = snapshot()
    env = {**goenv.environ, "XDG_CACHE_HOME": str(goenv.root / "xdg-cache")}
    p = run(["--format", "json"], tmp_path, env)
    assert p.returncode in (0, 1), p.stderr
    assert snapshot() == before
