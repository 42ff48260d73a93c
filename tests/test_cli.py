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
TAMPERED_SUM = "example.com/m v1.0.0 h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=\nexample.com/m v1.0.0 h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v5=\n"


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


# -- report destinations, annotations, selection and configuration mistakes that used to
# pass silently or end as internal errors --------------------------------------------------


@pytest.mark.parametrize("sub", ["snapshot", None])
@pytest.mark.parametrize("where, message", [("missing-dir/report.json", "is not an existing directory"), (".", "is a directory")])
def test_unwritable_output_is_a_clear_error_before_any_work(tmp_path: Path, sub: str | None, where: str, message: str) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    args = [sub] if sub else ["--no-env", "--format", "json"]
    p = run([*args, "--output", where], tmp_path)
    assert_clean_error(p)
    assert "internal error" not in p.stderr
    assert message in p.stderr
    assert p.stdout == ""


def test_github_annotations_name_files_relative_to_the_repository(tmp_path: Path) -> None:
    # The runner reads a relative `file=` as relative to the repository, not to the
    # step's working directory: a module in a subdirectory must be named sub/go.sum.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    mod = tmp_path / "svc"
    mod.mkdir()
    (mod / "go.mod").write_text(GOOD_GOMOD)
    (mod / "go.sum").write_text(TAMPERED_SUM)
    p = run(["--no-env", "--select", "gosum-conflict", "--format", "github"], mod)
    assert p.returncode == 1, p.stderr
    lines = [ln for ln in p.stdout.splitlines() if "[gosum-conflict]" in ln]
    assert lines and all(ln.startswith("::error file=svc/go.sum,line=") for ln in lines), p.stdout


@pytest.mark.parametrize("select", ["", ",", " , "])
def test_empty_select_is_a_usage_error_not_a_silent_pass(tmp_path: Path, select: str) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "go.sum").write_text(TAMPERED_SUM)
    p = run(["--no-env", "--select", select], tmp_path)
    assert_clean_error(p)
    assert "--select: no rule or family given" in p.stderr


def test_toolchain_pin_typo_fails_the_hook_run_too(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / ".gozt-lint.toml").write_text('[toolchain]\ngo-sha265 = "' + "0" * 64 + '"\n')
    p = run(["--no-env", "--config", str(tmp_path / ".gozt-lint.toml")], tmp_path)
    assert_clean_error(p)
    assert "go-sha265" in p.stderr


def test_configuration_of_the_project_checked_from_elsewhere(tmp_path: Path) -> None:
    # README's own usage, `gozt-lint --all path/to/your/go/project`, from outside the
    # project: its .gozt-lint.toml (here: an ignore with a reason) still applies.
    proj = tmp_path / "proj"
    proj.mkdir()
    subprocess.run(["git", "init", "-q", str(proj)], check=True)
    (proj / "go.mod").write_text(GOOD_GOMOD)
    (proj / "go.sum").write_text(TAMPERED_SUM)
    (proj / ".gozt-lint.toml").write_text('[[ignore]]\nrule = "gosum-conflict"\nreason = "fixture"\n')
    for args in (["proj"], ["proj/go.sum"], ["proj/go.mod", "proj/go.sum"]):
        p = run(["--no-env", "--select", "gosum-conflict", "--format", "json", *args], tmp_path)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        doc = json.loads(p.stdout)
        assert doc["findings"] == [] and doc["summary"]["suppressed"] >= 1, args


def test_an_unreadable_input_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "go.sum").mkdir()
    p = run(["--no-env", "go.sum"], tmp_path)
    assert_clean_error(p)
    assert p.stderr.count("is a directory, not a file") == 1, p.stderr


def test_snapshot_given_without_its_family_is_a_usage_error(tmp_path: Path) -> None:
    # `gozt-lint --snapshot FILE` (no --all) used to compare nothing and exit 0.
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "snap.json").write_text("{}")
    p = run(["--no-env", "--snapshot", "snap.json"], tmp_path)
    assert_clean_error(p)
    assert "--snapshot: the snapshot family is not selected" in p.stderr
