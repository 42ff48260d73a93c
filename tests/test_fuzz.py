"""Fuzzing every input a checkout or a cache hands gozt-lint: .gozt-lint.toml,
go.mod, go.sum, go.work, vendor/modules.txt and the module cache's .info JSON,
built from their own fragments mixed with what breaks parsers (non-UTF-8 bytes
in contents and in file names, CRLF and lone CR, byte-order marks, NUL bytes,
long lines), and the pattern matcher with arbitrary text.

Whatever the input: the run ends with exit status 0, 1 or 2, never a traceback
and never an internal error (a rule that crashes hides the other rules'
findings), and JSON output stays valid JSON. The CLI runs in-process (its
``main``, exactly what the console script calls) to keep the examples cheap.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gozt_lint import cli, glob
from gozt_lint import module as m
from tests import gotool

# GOZT_FUZZ_EXAMPLES=5000 for a long local run; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("GOZT_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NOISE = st.sampled_from(
    [b"", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x98\x83",
     b"\\", b'"', b"`", b"//", b"/*", b"(", b")", b"=>", b"#", b"[", b"]", b"\x1b[31m", b"x" * 300]
)
# Names: a directory in the checkout whose name is not UTF-8 (or has a newline, a space, a BOM).
NAMES = st.sampled_from([b"mod", b"m\xffod", b"\xc3(", b"sp ace", b"new\nline", b"\xef\xbb\xbfbom", b"-x", b"..x"])


def blob(fragments: st.SearchStrategy[bytes], max_parts: int = 12) -> st.SearchStrategy[bytes]:
    return st.lists(st.one_of(fragments, fragments, NOISE, st.binary(max_size=12)), max_size=max_parts).map(b"".join)


GOMOD = blob(st.sampled_from(
    [b"module example.com/m\n", b"module \"example.com/m\"\n", b"go 1.22\n", b"go 1.2.3.4\n", b"toolchain go1.22.1\n",
     b"require example.com/a v1.0.0\n", b"require (\n\texample.com/a v1.0.0 // indirect\n)\n", b"require example.com/\xff v1.0.0\n",
     b"replace example.com/a => ./a\n", b"replace example.com/a v1.0.0 => example.com/b v1.2.3\n", b"exclude example.com/a v0.1.0\n",
     b"retract [v1.0.0, v1.1.0]\n", b"godebug default=go1.21\n", b"tool example.com/a/cmd\n", b"ignore ./x\n",
     b"// gozt:ignore replace-local-path because\n", b"require example.com/a v0.0.0-20200101000000-abcdefabcdef\n"]
))
GOSUM = blob(st.sampled_from(
    [b"example.com/a v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", b"example.com/a v1.0.0/go.mod h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n",
     b"example.com/a v1.0.0 h2:xyz\n", b"example.com/a v1.0.0 h1:\n", b"example.com/\xff v1.0.0 h1:x=\n", b"x y\n",
     b"example.com/a v1.0 h1:AAAA=\n", b"example.com/a v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= extra\n"]
))
GOWORK = blob(st.sampled_from(
    [b"go 1.22\n", b"use ./mod\n", b"use (\n\t./mod\n\t./other\n)\n", b"use ./m\xffod\n", b"replace example.com/a => ./a\n",
     b"toolchain go1.22.0\n", b"godebug x=y\n"]
))
MODULES_TXT = blob(st.sampled_from(
    [b"# example.com/a v1.0.0\n", b"## explicit\n", b"## explicit; go 1.22\n", b"example.com/a\n", b"# example.com/a => ./a\n",
     b"# example.com/b v1.0.0 => example.com/c v1.2.3\n", b"# example.com/\xff v1.0.0\n", b"##\n", b"#\n"]
))
CONFIG = blob(st.sampled_from(
    [b"[rules]\n", b'pseudo-version = "off"\n', b'gosum-missing = "error"\n', b'nonsense = "info"\n', b"[[ignore]]\n",
     b'rule = "gosum-missing"\n', b'module = "example.com/*"\n', b'module = "[\\\\"\n', b'file = "**/go.mod"\n',
     b'file = "*a*a*a*a*a*a*a*a*a*a*b"\n', b'reason = "because"\n', b"[policy]\n", b'private-modules = ["example.com/*a*a*a*a*a*ab"]\n',
     b'allowed-replacements = ["./a", "[a-"]\n', b"trusted-proxies = [1]\n", b"[lsp]\nfamilies = []\n", b"[toolchain]\ngo-sha256 = \"x\"\n",
     b"key = \xff\n", b'"\xc3" = 1\n']
))
INFO = blob(st.sampled_from(
    [b'{"Version":"v1.0.0","Time":"2024-01-02T03:04:05Z"}', b'{"Version":"v1.0.0","Origin":{"VCS":"git","URL":"https://example.com/a.git","Hash":"0123456789abcdef0123456789abcdef01234567"}}',
     b'{"Version":', b'"\\ud800"', b"[[[[[[[[", b"]]]]", b"null", b'{"Time":12}', b'{"Origin":[]}', b'{"Version":"\xff"}', b"1e999999"]
))


@contextlib.contextmanager
def checkout(name: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gozt-fuzz-") as tmp:
        d = os.path.join(os.fsencode(tmp), name)
        os.makedirs(d, exist_ok=True)
        yield Path(os.fsdecode(d))


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = cli.main(args)
            except SystemExit as e:  # argparse usage errors
                rc = int(e.code or 0)
    finally:
        os.chdir(old)
    return rc, out.getvalue(), err.getvalue()


def check(rc: int, out: str, err: str) -> None:
    assert rc in (0, 1, 2), (rc, err)
    assert "Traceback" not in out + err, err
    assert "internal error" not in out + err, err
    if out.lstrip().startswith("{"):
        json.loads(out)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[gotool.GoEnvDirs]:
    e = gotool.hermetic_env(tmp_path / "goenv")
    monkeypatch.delenv("GOZT_LINT_DEBUG", raising=False)
    for k, v in e.environ.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("GOZT_LINT_CACHE_DIR", str(tmp_path / "memo"))
    yield e
    e.cleanup()


@FUZZ
@given(name=NAMES, gomod=GOMOD, gosum=GOSUM, config=CONFIG, fmt=st.sampled_from(["json", "text", "sarif", "github"]))
def test_module_files(env: gotool.GoEnvDirs, name: bytes, gomod: bytes, gosum: bytes, config: bytes, fmt: str) -> None:
    with checkout(name) as d:
        (d / "go.mod").write_bytes(gomod)
        (d / "go.sum").write_bytes(gosum)
        (d.parent / ".gozt-lint.toml").write_bytes(config)
        check(*run(["--no-env", "--format", fmt, "--config", str(d.parent / ".gozt-lint.toml"), "./" + os.fsdecode(os.path.basename(os.fsencode(d)))], d.parent))
        check(*run(["--no-env", "--format", "json", "go.mod", "go.sum"], d))


@FUZZ
@given(name=NAMES, gowork=GOWORK, gomod=GOMOD, worksum=GOSUM)
def test_workspaces(env: gotool.GoEnvDirs, name: bytes, gowork: bytes, gomod: bytes, worksum: bytes) -> None:
    with checkout(name) as d:
        (d / "go.work").write_bytes(gowork)
        (d / "go.work.sum").write_bytes(worksum)
        for sub in (b"mod", b"m\xffod"):
            sd = Path(os.fsdecode(os.path.join(os.fsencode(d), sub)))
            sd.mkdir()
            (sd / "go.mod").write_bytes(gomod)
        check(*run(["--no-env", "--format", "json", "go.work"], d))
        check(*run(["--no-env", "--format", "json", "."], d))


@FUZZ
@given(gomod=GOMOD, modules_txt=MODULES_TXT)
def test_vendor_modules_txt(env: gotool.GoEnvDirs, gomod: bytes, modules_txt: bytes) -> None:
    with checkout(b"v") as d:
        (d / "go.mod").write_bytes(b"module example.com/m\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n" + gomod)
        (d / "vendor").mkdir()
        (d / "vendor" / "modules.txt").write_bytes(modules_txt)
        (d / "vendor" / "m\xff.go".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")).write_bytes(b"package x\n")
        check(*run(["--no-env", "--format", "json", "go.mod"], d))


@settings(max_examples=max(EXAMPLES // 3, 10), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(info=INFO, version=st.sampled_from(["v1.0.0", "v1.0.0-\udcff", "v1.0.0\r"]))
def test_module_cache_info(env: gotool.GoEnvDirs, info: bytes, version: str) -> None:
    """A .info file is never authenticated: whatever it holds is reported, not crashed on."""
    cache = Path(env.environ["GOMODCACHE"])
    v = cache / "cache" / "download" / "example.com" / "a" / "@v"
    v.mkdir(parents=True, exist_ok=True)
    for old in v.iterdir():
        old.unlink()
    (v / f"{version}.info").write_bytes(info)
    (v / f"{version}.mod").write_bytes(b"module example.com/a\n")
    (v / "list").write_bytes(version.encode("utf-8", "surrogateescape") + b"\n")
    with checkout(b"c") as d:
        (d / "go.mod").write_bytes(b"module example.com/m\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n")
        check(*run(["--no-env", "--select", "modcache", "--jobs", "1", "--no-memo", "--format", "json", "go.mod"], d))


@settings(max_examples=2000, deadline=None)
@given(
    pattern=st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("*?[]^-\\/,\udcff"), max_size=30),
    name=st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("/\udcff\udcc3"), max_size=30),
)
def test_pattern_matchers_never_fail(pattern: str, name: str) -> None:
    matched, ok = glob.go_match(pattern, name)
    assert ok or not matched
    assert m.path_match(pattern, name) is (matched and ok)
    m.match_patterns(pattern, name)
    m.matching_pattern(pattern, name)
    glob.file_match(pattern, name)
