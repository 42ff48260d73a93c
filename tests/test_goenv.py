"""goenv and gover against the real go command: precedence, file syntax, GOROOT,
and running go without letting a checkout steer it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gozt_lint import goenv as ge
from gozt_lint import gover
from tests import envtool, gotool

# Variables whose effective value we compare with `go env -json`.
COMPARED = (
    "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOSUMDB", "GONOPROXY", "GOFLAGS", "GOINSECURE", "GOAUTH",
    "GOVCS", "GOPATH", "GOMODCACHE", "GOCACHE", "GOCACHEPROG", "GOTOOLCHAIN", "GOROOT", "GOENV",
)


def ours(genv: ge.GoEnv, name: str) -> str:
    if name == "GOTOOLCHAIN":
        s = genv.setting(name)
        # The go command shows "" when nothing sets it; we call that "local".
        return "" if s is not None and s.source == ge.DEFAULT else genv.get(name)
    if name == "GOROOT":
        return genv.goroot or ""
    if name == "GOENV":
        return genv.goenv_file or ""  # `go env` shows "" for GOENV=off
    return genv.get(name)


def compare_with_go(environ: dict[str, str], cwd: Path) -> ge.GoEnv:
    theirs = envtool.real_go_env(environ, COMPARED, cwd)
    genv = ge.load(environ)
    assert not genv.errors
    got = {k: ours(genv, k) for k in COMPARED}
    assert got == {k: theirs[k] for k in COMPARED}
    return genv


@pytest.fixture
def farm(tmp_path: Path) -> Path:
    return envtool.goroot_farm(tmp_path / "goroot")


def farm_environ(env: gotool.GoEnvDirs, farm: Path, **kw: str) -> dict[str, str]:
    e = {k: v for k, v in env.environ.items() if k not in ("GOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOFLAGS")}
    # The binary finds its GOROOT through /proc/self/exe (symlinks resolved), so
    # a farm is GOROOT only when named.
    e["PATH"] = os.pathsep.join([str(farm / "bin"), "/usr/bin", "/bin"])
    e["GOROOT"] = str(farm)
    e.update(kw)
    return e


# -- precedence ---------------------------------------------------------------------


def test_goroot_go_env_is_the_fallback(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    e = farm_environ(goenv, farm)
    genv = compare_with_go(e, tmp_path)
    s = genv.setting("GOPROXY")
    assert s is not None and s.source == ge.GOROOT_ENV and s.file == str(farm / "go.env") and s.line == 7
    assert genv.get("GOTOOLCHAIN") == "auto"



def test_user_file_beats_go_env_and_environment_beats_both(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    envtool.write_goenv(goenv, "GOPROXY=https://file.example", "GOSUMDB=sum.file.example", "GOFLAGS=-mod=mod")
    e = farm_environ(goenv, farm, GOSUMDB="sum.env.example")
    genv = compare_with_go(e, tmp_path)
    assert genv.setting("GOPROXY") == ge.Setting("GOPROXY", "https://file.example", ge.GOENV_FILE, str(goenv.goenv_file), 3)
    assert genv.setting("GOSUMDB").source == ge.ENVIRONMENT
    assert genv.get("GOFLAGS") == "-mod=mod"


def test_empty_environment_value_counts_as_unset(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    envtool.write_goenv(goenv, "GOFLAGS=-modcacherw", "GOSUMDB=off")
    e = farm_environ(goenv, farm, GOFLAGS="", GOSUMDB="", GOPROXY="")
    genv = compare_with_go(e, tmp_path)
    assert genv.get("GOFLAGS") == "-modcacherw" and genv.setting("GOFLAGS").line == 3
    assert genv.get("GOSUMDB") == "off"
    assert genv.setting("GOPROXY").source == ge.GOROOT_ENV


def test_empty_user_file_line_hides_go_env(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    envtool.write_goenv(goenv, "GOPROXY=", "GOTOOLCHAIN=")
    e = farm_environ(goenv, farm)
    genv = compare_with_go(e, tmp_path)
    assert genv.get("GOPROXY") == "" and genv.setting("GOPROXY").source == ge.DEFAULT
    assert genv.get("GOTOOLCHAIN") == "local"  # what the go command does with no value


def test_last_line_wins_and_file_syntax(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    goenv.goenv_file.write_bytes(
        b"GOPRIVATE=first.example\n"
        b"# GOPROXY=https://comment.example\n"
        b"gonosumdb=lower.example\n"
        b"GOINSECURE\n"
        b" GOVCS=leading-space\n"
        b"GOPRIVATE=second.example,third.example\n"
        b"GOAUTH=off\r\n"
        b"GOCACHEPROG=a=b"
    )
    e = farm_environ(goenv, farm)
    genv = compare_with_go(e, tmp_path)
    assert genv.setting("GOPRIVATE").line == 6
    assert genv.get("GONOSUMDB") == "second.example,third.example"  # GOPRIVATE is its default
    assert genv.get("GOAUTH") == "off\r"  # a CR stays part of the value, as in cmd/go
    assert genv.get("GOCACHEPROG") == "a=b"
    assert set(genv.goenv_entries) == {"GOPRIVATE", "GOAUTH", "GOCACHEPROG"}


def test_goenv_off_and_goenv_elsewhere(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    envtool.write_goenv(goenv, "GOPROXY=https://default-location.example")
    other = tmp_path / "other.env"
    other.write_text("GOPROXY=https://other.example\n")
    compare_with_go(farm_environ(goenv, farm, GOENV="off"), tmp_path)
    genv = compare_with_go(farm_environ(goenv, farm, GOENV=str(other)), tmp_path)
    assert genv.get("GOPROXY") == "https://other.example"
    e = farm_environ(goenv, farm)
    del e["GOENV"]
    genv = compare_with_go(e, tmp_path)  # XDG_CONFIG_HOME/go/env
    assert genv.get("GOPROXY") == "https://default-location.example"


def test_paths_derived_from_home_and_gopath(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    e = farm_environ(goenv, farm)
    for k in ("GOPATH", "GOMODCACHE", "GOCACHE", "XDG_CACHE_HOME"):
        e.pop(k)
    genv = compare_with_go(e, tmp_path)
    assert genv.get("GOPATH") == str(goenv.root / "home" / "go")
    assert genv.get("GOCACHE") == str(goenv.root / "home" / ".cache" / "go-build")
    e["GOPATH"] = os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])
    genv = compare_with_go(e, tmp_path)
    assert genv.get("GOMODCACHE") == str(tmp_path / "a" / "pkg" / "mod")
    assert ge.effective_gobin(genv) == str(tmp_path / "a" / "bin")


def test_goroot_line_in_user_file_picks_go_env(goenv: gotool.GoEnvDirs, farm: Path, tmp_path: Path) -> None:
    # cfg.initEnvCache reads go.env from the user file's GOROOT, which also
    # becomes GOROOT unless the environment sets one.
    farm2 = envtool.goroot_farm(tmp_path / "goroot2", "GOPROXY=https://farm2.example\nGOTOOLCHAIN=path\n")
    envtool.write_goenv(goenv, f"GOROOT={farm2}")
    e = farm_environ(goenv, farm)
    del e["GOROOT"]
    genv = compare_with_go(e, tmp_path)
    assert genv.goroot == str(farm2) and genv.setting("GOROOT").line == 3
    assert genv.get("GOPROXY") == "https://farm2.example"
    e["GOROOT"] = str(farm)
    genv = compare_with_go(e, tmp_path)
    assert genv.goroot == str(farm) and genv.get("GOPROXY") == "https://farm2.example"


VALUES = {
    "GOPROXY": ["https://a.example", "https://b.example|direct", "off"],
    "GOSUMDB": ["sum.golang.org", "off", "sum.example.com"],
    "GOPRIVATE": ["github.com/me", "*.corp"],
    "GONOSUMDB": ["example.com/x"],
    "GOFLAGS": ["-mod=mod", "-modcacherw"],
    "GOAUTH": ["off", "netrc"],
    "GOTOOLCHAIN": ["local", "auto", "path", "local+auto"],
}
PLACES = ("unset", "env", "env-empty", "file", "file-empty", "file-twice", "goroot")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({k: st.tuples(st.sampled_from(PLACES), st.sampled_from(v), st.sampled_from(v)) for k, v in VALUES.items()}))
def test_precedence_matches_go(goenv: gotool.GoEnvDirs, tmp_path_factory: pytest.TempPathFactory, plan: dict[str, tuple[str, str, str]]) -> None:
    root = tmp_path_factory.mktemp("prec")
    go_env_lines, file_lines = [], []
    e = {k: v for k, v in goenv.environ.items() if k not in VALUES}
    for name, (place, v1, v2) in plan.items():
        if place == "env":
            e[name] = v1
            file_lines.append(f"{name}={v2}")
        elif place == "env-empty":
            e[name] = ""
            go_env_lines.append(f"{name}={v1}")
        elif place == "file":
            file_lines.append(f"{name}={v1}")
            go_env_lines.append(f"{name}={v2}")
        elif place == "file-empty":
            file_lines.append(f"{name}=")
            go_env_lines.append(f"{name}={v1}")
        elif place == "file-twice":
            file_lines += [f"{name}={v2}", f"{name}={v1}"]
        elif place == "goroot":
            go_env_lines.append(f"{name}={v1}")
    farm = envtool.goroot_farm(root / "goroot", "".join(x + "\n" for x in go_env_lines))
    e["PATH"] = os.pathsep.join([str(farm / "bin"), "/usr/bin", "/bin"])
    e["GOROOT"] = str(farm)
    goenv.goenv_file.write_text("".join(x + "\n" for x in file_lines))
    compare_with_go(e, root)


# -- finding and running go -------------------------------------------------------------


def test_find_go_binary_skips_relative_path_entries(tmp_path: Path) -> None:
    envtool.executable(tmp_path / "go")
    envtool.executable(tmp_path / "sub" / "go")
    real = gotool.find_go()
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        for path in (f".:{Path(real).parent}", f":{Path(real).parent}", f"sub:{Path(real).parent}"):
            assert ge.find_go_binary({"PATH": path}) == real
        assert ge.find_go_binary({"PATH": "."}) is None
        assert ge.find_go_binary({}) is None
        assert ge.find_go_binary({"PATH": str(tmp_path)}) == str(tmp_path / "go")
    finally:
        os.chdir(here)


def test_load_without_go(goenv: gotool.GoEnvDirs) -> None:
    envtool.write_goenv(goenv, "GOSUMDB=off")
    e = {**goenv.environ, "PATH": envtool.without_go_path()}
    genv = ge.load(e)
    assert genv.go_binary is None and genv.goroot is None and not genv.go_json
    assert genv.get("GOSUMDB") == "off"


def _tree(top: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, files in os.walk(top):
        for name in files + dirnames:
            p = os.path.join(dirpath, name)
            st_ = os.lstat(p)
            out[p] = (st_.st_size, st_.st_mtime_ns)
    return out


def test_load_writes_nothing(goenv: gotool.GoEnvDirs) -> None:
    # The full `go env -json` fills GOCACHE and the go command keeps telemetry
    # counters in the config directory; gozt-lint must do neither.
    e = {**goenv.environ}
    e.pop("XDG_CONFIG_HOME")
    e.pop("GOCACHE")
    before = _tree(goenv.root)
    genv = ge.load(e)
    assert genv.go_json["GOVERSION"] == gotool.go_version()
    assert _tree(goenv.root) == before
    # The control: the same go, run plainly, does write there.
    subprocess.run([gotool.find_go(), "env", "-json"], env=e, cwd=goenv.root, capture_output=True, check=True)
    assert _tree(goenv.root) != before


def test_untrusted_checkout_never_runs_a_toolchain(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "go.mod").write_text("module example.com/evil\n\ngo 1.21\n\ntoolchain go1.99.0\n")
    marker = tmp_path / "executed"
    fake = f"#!/bin/sh\necho \"$0 $*\" >> {marker}\necho go1.99.0\n"
    envtool.executable(tmp_path / "fakebin" / "go1.99.0", fake)
    envtool.executable(checkout / "go", fake)  # reachable only through the relative PATH entry
    envtool.write_goenv(goenv, "GOTOOLCHAIN=path")
    e = {**goenv.environ, "GOTOOLCHAIN": "auto", "GOFLAGS": "-modfile=go.mod"}
    e["PATH"] = os.pathsep.join([".", str(tmp_path / "fakebin"), str(Path(gotool.find_go()).parent), "/usr/bin", "/bin"])

    # The threat is real: the go command itself, run there, execs the fake.
    subprocess.run([gotool.find_go(), "env", "GOVERSION"], cwd=checkout, env=e, capture_output=True, timeout=120)
    assert marker.exists()
    marker.unlink()

    p = subprocess.run([sys.executable, "-m", "gozt_lint", "--format", "json"], cwd=checkout, env=e, capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    assert not marker.exists(), marker.read_text()
    import json

    rules = {f["rule"] for f in json.loads(p.stdout)["findings"]}
    assert {"toolchain-auto-switch", "go-binary-shadowed"} <= rules
    genv = ge.load(e)
    assert genv.go_binary == gotool.find_go()
    assert genv.get("GOTOOLCHAIN") == "auto"  # the user's value, not the forced one
    assert not marker.exists()


def test_run_go_forces_safe_settings(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    e = {**goenv.environ, "GOTOOLCHAIN": "auto", "GOFLAGS": "-mod=mod", "GOWORK": str(tmp_path / "go.work")}
    p = ge.run_go(gotool.find_go(), ["env", "-json", "GOTOOLCHAIN", "GOFLAGS", "GOENV", "GOWORK", "GOTELEMETRY"], e)
    import json

    got = json.loads(p.stdout)
    assert got == {"GOTOOLCHAIN": "local", "GOFLAGS": "", "GOENV": "", "GOWORK": "off", "GOTELEMETRY": "off"}  # GOENV=off shows as ""


# -- gover ------------------------------------------------------------------------------


ORACLE_MAIN = """package main

import (
\t"bufio"
\t"fmt"
\t"os"
\t"strings"

\t"oracle/gover"
)

func main() {
\tsc := bufio.NewScanner(os.Stdin)
\tfor sc.Scan() {
\t\tf := strings.Fields(sc.Text())
\t\tfmt.Println(gover.Compare(f[0], f[1]), gover.IsLang(f[0]), gover.IsValid(f[0]))
\t}
}
"""


@pytest.fixture(scope="module")
def gover_oracle(tmp_path_factory: pytest.TempPathFactory) -> str:
    """internal/gover from the toolchain's own source, built as a small program."""
    d = tmp_path_factory.mktemp("gover-oracle")
    env = gotool.hermetic_env(d / "env")
    src = gotool.goroot() / "src" / "internal" / "gover" / "gover.go"
    (d / "gover").mkdir()
    (d / "gover" / "gover.go").write_bytes(src.read_bytes())
    (d / "go.mod").write_text("module oracle\n\ngo 1.21\n")
    (d / "main.go").write_text(ORACLE_MAIN)
    env.go("build", "-o", str(d / "oracle"), ".", cwd=d)
    return str(d / "oracle")


_PART = st.sampled_from(["0", "1", "9", "10", "21", "22", "100", "01", "", "x"])
_VERSION = st.builds(
    lambda a, b, c, kind, pre, form: {
        0: a, 1: f"{a}.{b}", 2: f"{a}.{b}.{c}", 3: f"{a}.{b}{kind}", 4: f"{a}.{b}{kind}{pre}", 5: f"{a}.{b}.{c}{kind}{pre}"
    }[form],
    _PART, _PART, _PART, st.sampled_from(["rc", "beta", "alpha", "RC", ""]), _PART, st.integers(0, 5),
).filter(lambda v: v != "" and " " not in v)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_VERSION, _VERSION), min_size=1, max_size=40))
def test_gover_matches_go(gover_oracle: str, pairs: list[tuple[str, str]]) -> None:
    stdin = "".join(f"{a} {b}\n" for a, b in pairs)
    out = subprocess.run([gover_oracle], input=stdin, capture_output=True, text=True, check=True).stdout.splitlines()
    for (a, b), line in zip(pairs, out):
        c, is_lang, valid = line.split()
        assert (gover.compare(a, b), gover.is_lang(a), gover.is_valid(a)) == (int(c), is_lang == "true", valid == "true"), (a, b)


@pytest.mark.parametrize(
    "name,version",
    [
        ("go1.22.3", "1.22.3"), ("go1.21rc1", "1.21rc1"), ("go1.21.0-custom", "1.21.0"), ("go1.21.0 extra", "1.21.0"),
        ("go1", "1"), ("go", ""), ("gccgo-go1.21", ""), ("go1.2x", "1.2x"), ("go1.2X", ""), ("../go1.21.0", ""), ("local", ""),
    ],
)
def test_from_toolchain(name: str, version: str) -> None:
    assert gover.from_toolchain(name) == version


def test_toolchain_for_language_versions() -> None:
    assert gover.toolchain_for("1.22") == "go1.22.0"
    assert gover.toolchain_for("1.20") == "go1.20"
    assert gover.toolchain_for("1.22.3") == "go1.22.3"
    assert gover.toolchain_for("1.23rc1") == "go1.23rc1"


# -- bad input ---------------------------------------------------------------------------


def test_goenv_file_bad_input(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    e = {k: v for k, v in goenv.environ.items() if k not in ("GOSUMDB", "GOPROXY")}
    # Padding does not hide a line the go command would read.
    goenv.goenv_file.write_bytes(b"# pad\n" * 400_000 + b"GOSUMDB=off\n")
    assert ge.load(e, run=False).setting("GOSUMDB").line == 400_001
    # Binary and non-UTF-8 content: lines still parse, nothing raises.
    goenv.goenv_file.write_bytes(b"\x00\xff\xfe\nGOPROXY=https://\xe9.example\nGOFLAGS=-mod=mod\x00\n")
    genv = ge.load(e, run=False)
    assert genv.get("GOFLAGS") == "-mod=mod\x00"
    assert genv.setting("GOPROXY").line == 2
    # A directory, a FIFO (which would block a plain open), an unreadable path.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for bad in (tmp_path, fifo, tmp_path / "missing", "relative/does/not/exist"):
        genv = ge.load({**goenv.environ, "GOENV": str(bad)}, run=False)
        assert genv.goenv_entries == {}
    assert ge.version_file(str(tmp_path)) is None
