"""Build information read from binaries, against `go version -m -json` of the real go."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gozt_lint import buildinfo
from tests import gomods, gotool


def oracle(env: dict[str, str], path: Path | str) -> dict[str, object] | None:
    p = subprocess.run([gotool.find_go(), "version", "-m", "-json", str(path)], env=env, capture_output=True, text=True, timeout=120)
    return json.loads(p.stdout) if p.returncode == 0 else None


def _env(tmp: Path) -> gotool.GoEnvDirs:
    return gotool.hermetic_env(tmp / "env")


def test_toolchain_binaries_match_go_version_m(tmp_path: Path) -> None:
    env = _env(tmp_path)
    goroot = gotool.goroot()
    files = sorted((goroot / "bin").iterdir()) + sorted((goroot / "pkg" / "tool").glob("*/*"))
    assert len(files) > 5
    for f in files:
        want = oracle(env.environ, f)
        got = buildinfo.read_file(f)
        assert want is not None, f
        assert got is not None and got.to_json() == want, f
        assert got.go_version == gotool.go_version()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Binaries built by the real go: installed from a file:// proxy, built in a dirty
    git checkout with a replacement and quoted -ldflags, and cross-compiled."""
    root = tmp_path_factory.mktemp("built")
    env = gotool.hermetic_env(root / "env")
    proxy = gomods.build_proxy(root / "proxy")
    penv = gomods.proxy_env(env, proxy)
    out: dict[str, Path] = {}
    env.go("install", "example.com/tool@v1.0.0", env={**penv, "GOBIN": str(root / "gobin")})
    out["installed"] = root / "gobin" / "tool"
    app = root / "app"
    gomods.tidy(env, proxy, app, {"example.com/dep": "v1.0.0", "example.com/other": "v1.0.0"},
                code='package main\n\nimport (\n\t"example.com/dep"\n\t"example.com/other"\n)\n\nfunc main() { println(dep.X, other.Y) }\n')
    local = root / "localother"
    local.mkdir()
    (local / "go.mod").write_text("module example.com/other\n\ngo 1.21\n")
    (local / "other.go").write_text("package other\n\nconst Y = 7\n")
    (app / "go.mod").write_text((app / "go.mod").read_text() + f"\nreplace example.com/other => {local}\n")
    genv = gomods.git_env(env.environ)
    gomods.init_repo(app, genv)
    (app / "main.go").write_text((app / "main.go").read_text() + "\n// dirty\n")
    env.go("build", "-o", str(root / "app-bin"), "-ldflags", "-X 'main.note=a b' -s", ".", cwd=app, env={**penv, **genv, "GOFLAGS": "-mod=mod"})
    out["dirty"] = root / "app-bin"
    for goos, goarch in (("darwin", "arm64"), ("windows", "amd64"), ("linux", "386")):
        target = root / f"cross-{goos}-{goarch}"
        env.go("build", "-o", str(target), ".", cwd=app, env={**penv, **genv, "GOOS": goos, "GOARCH": goarch, "GOFLAGS": "-mod=mod -buildvcs=false"})
        out[f"{goos}-{goarch}"] = target
    out["env"] = root  # for the oracle's environment
    env.cleanup()
    return out


@pytest.mark.parametrize("name", ["installed", "dirty", "darwin-arm64", "windows-amd64", "linux-386"])
def test_built_binaries_match_go_version_m(built: dict[str, Path], name: str, tmp_path: Path) -> None:
    env = _env(tmp_path)
    want = oracle(env.environ, built[name])
    got = buildinfo.read_file(built[name])
    assert want is not None and got is not None
    assert got.to_json() == want


def test_installed_binary_fields(built: dict[str, Path]) -> None:
    info = buildinfo.read_file(built["installed"])
    assert info is not None
    assert info.path == "example.com/tool" and info.main.path == "example.com/tool" and info.main.version == "v1.0.0"
    assert info.main.sum.startswith("h1:")
    assert [(d.path, d.version) for d in info.deps] == [("example.com/dep", "v1.0.0")]
    assert not info.vcs_modified


def test_dirty_build_fields(built: dict[str, Path]) -> None:
    info = buildinfo.read_file(built["dirty"])
    assert info is not None
    assert info.vcs_modified and info.setting("vcs") == "git"
    assert info.main.sum == ""
    assert info.setting("-ldflags") == "-X 'main.note=a b' -s"
    other = next(d for d in info.deps if d.path == "example.com/other")
    assert other.replace is not None and other.replace.version == "(devel)"


def test_not_go_binaries(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "text").write_text("#!/bin/sh\necho hi\n")
    assert buildinfo.read_file(tmp_path / "empty") is None
    assert buildinfo.read_file(tmp_path / "text") is None
    sh = shutil.which("sh")
    assert sh is not None and buildinfo.read_file(os.path.realpath(sh)) is None  # ELF, not Go


def test_truncated_and_corrupted_binaries_never_traceback(built: dict[str, Path], tmp_path: Path) -> None:
    data = built["installed"].read_bytes()
    pos = data.find(buildinfo.MAGIC)
    assert pos > 0
    cases = [data[: pos + n] for n in (0, 10, 31, 32, 33, 40)] + [data[: len(data) // 2]]
    for i, flip in enumerate((14, 15, 32, 33, 34)):
        b = bytearray(data)
        b[pos + flip] ^= 0xFF
        cases.append(bytes(b))
    for i, c in enumerate(cases):
        f = tmp_path / f"case{i}"
        f.write_bytes(c)
        try:
            info = buildinfo.read_file(f)
        except buildinfo.BuildInfoError:
            continue
        assert info is None or isinstance(info.go_version, str)


def test_parse_modinfo_errors() -> None:
    with pytest.raises(buildinfo.BuildInfoError, match="line 1: expected 2 or 3 columns; got 1"):
        buildinfo.parse_modinfo("mod\tonly\n")
    with pytest.raises(buildinfo.BuildInfoError, match="replacement with no module"):
        buildinfo.parse_modinfo("=>\ta\tb\tc\n")
    with pytest.raises(buildinfo.BuildInfoError, match="must be quoted"):
        buildinfo.parse_modinfo("build\t-ldflags=a b\n")
    assert buildinfo.parse_modinfo('build\t"k=y"="v w"\n').settings == [("k=y", "v w")]


# -- Go string literals against strconv.Quote -------------------------------------------------


@pytest.fixture(scope="module")
def go_quote(tmp_path_factory: pytest.TempPathFactory) -> subprocess.Popen[bytes]:
    """A Go program reading JSON strings and printing strconv.Quote and QuoteToASCII of each."""
    root = tmp_path_factory.mktemp("quote")
    env = gotool.hermetic_env(root / "env")
    (root / "go.mod").write_text("module quote\n\ngo 1.21\n")
    (root / "main.go").write_text(
        'package main\n\nimport (\n\t"bufio"\n\t"encoding/json"\n\t"fmt"\n\t"os"\n\t"strconv"\n)\n\n'
        "func main() {\n\tin := bufio.NewScanner(os.Stdin)\n\tin.Buffer(make([]byte, 1<<20), 1<<20)\n"
        "\tfor in.Scan() {\n\t\tvar s string\n\t\tjson.Unmarshal(in.Bytes(), &s)\n"
        '\t\tb, _ := json.Marshal([]string{strconv.Quote(s), strconv.QuoteToASCII(s), "`" + s + "`"})\n'
        "\t\tfmt.Println(string(b))\n\t}\n}\n"
    )
    env.go("build", "-o", str(root / "quote"), ".", cwd=root)
    p = subprocess.Popen([str(root / "quote")], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    yield p  # type: ignore[misc]
    p.stdin.close()  # type: ignore[union-attr]
    p.wait()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_unquote_inverts_go_quote(go_quote: subprocess.Popen[bytes], s: str) -> None:
    go_quote.stdin.write(json.dumps(s).encode() + b"\n")  # type: ignore[union-attr]
    go_quote.stdin.flush()  # type: ignore[union-attr]
    quoted, ascii_quoted, raw = json.loads(go_quote.stdout.readline())  # type: ignore[union-attr]
    assert buildinfo.unquote(quoted) == s
    assert buildinfo.unquote(ascii_quoted) == s
    assert buildinfo.quoted_prefix(quoted + "=rest") == quoted
    if "`" not in s:
        assert buildinfo.unquote(raw) == s.replace("\r", "")
