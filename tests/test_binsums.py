"""gobin-unverified against the checksum database: a binary installed by the real go
(which checked its modules against the test database), then one whose build
information names a sum the database never recorded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Severity
from tests import gomods, gotool, sumdbtool

pytestmark = pytest.mark.slow


class Setup:
    def __init__(self, root: Path, server: sumdbtool.Server, env: gotool.GoEnvDirs, proxy: Path) -> None:
        self.root, self.server, self.env, self.proxy = root, server, env, proxy

    @property
    def tool(self) -> Path:
        return self.env.gopath / "bin" / "tool"

    def environ(self, **extra: str) -> dict[str, str]:
        e = sumdbtool.go_env_for(self.env, self.server, self.proxy, GOZT_LINT_CACHE_DIR=str(self.root / "gozt-cache"))
        e.update(extra)
        return e

    def lint(self, *, online: bool = False, **extra: str) -> engine.Result:
        work = self.root / "work"
        work.mkdir(exist_ok=True)
        ctx = Context(cwd=work, environ=self.environ(**extra), options=Options(select=["gobin-unverified"], online=online))
        res = engine.run(ctx)
        assert not res.internal_errors, res.internal_errors
        return res


@pytest.fixture(scope="module")
def pristine(sumdb_server_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("binsums")
    proxy = gomods.build_proxy(root / "proxy")
    server = sumdbtool.Server(sumdb_server_binary, proxy, root / "server").start()
    env = gotool.hermetic_env(root / "goenv")
    s = Setup(root, server, env, proxy)
    env.go("install", "example.com/tool@v1.0.0", env=s.environ())
    assert s.tool.is_file()
    yield s
    server.stop()
    env.cleanup()


@pytest.fixture
def setup(pristine: Setup, tmp_path: Path) -> Iterator[Setup]:
    """A copy to spoil (without the build cache; the server is shared)."""
    root = tmp_path / "w"
    shutil.copytree(pristine.root, root, symlinks=True, ignore=shutil.ignore_patterns("server", "gocache"))
    s = Setup(root, pristine.server, gotool.hermetic_env(root / "goenv"), root / "proxy")
    yield s
    gotool.make_writable(root)


def test_sums_match_the_database_offline(setup: Setup) -> None:
    before = len(setup.server.requests())
    res = setup.lint()
    assert res.findings == []
    assert len(setup.server.requests()) == before
    assert not any("no verifiable" in n for n in res.notes)


def test_sum_the_database_never_recorded(setup: Setup) -> None:
    data = setup.tool.read_bytes()
    marker = b"example.com/dep\tv1.0.0\th1:"
    i = data.index(marker) + len(marker)
    h1 = data[i : i + 44]
    other = (b"A" if h1[:1] != b"A" else b"B") + h1[1:]
    # The linker keeps the module information twice (build info and runtime/debug's copy).
    setup.tool.write_bytes(data.replace(marker + h1, marker + other))
    res = setup.lint()
    (f,) = res.findings
    assert f.rule == "gobin-unverified" and f.severity is Severity.ERROR and f.file == str(setup.tool)
    assert "example.com/dep v1.0.0 was built with h1:" in f.message and f"{sumdbtool.TEST_NAME} recorded h1:" in f.message


def test_without_records_offline_then_online(setup: Setup) -> None:
    gotool.make_writable(setup.env.gomodcache)
    shutil.rmtree(setup.env.gomodcache / "cache" / "download" / "sumdb")
    res = setup.lint()
    assert res.findings == []
    assert any("2 module versions named by installed binaries have no verifiable" in n and "--online" in n for n in res.notes)
    before = len(setup.server.requests())
    res = setup.lint(online=True)
    assert res.findings == [] and not any("no verifiable" in n for n in res.notes)
    reqs = setup.server.requests()[before:]
    assert {"/lookup/example.com/dep@v1.0.0", "/lookup/example.com/tool@v1.0.0"} <= set(reqs)


def test_private_modules_and_gosumdb_off_are_not_looked_up(setup: Setup) -> None:
    gotool.make_writable(setup.env.gomodcache)
    shutil.rmtree(setup.env.gomodcache / "cache" / "download" / "sumdb")
    before = len(setup.server.requests())
    res = setup.lint(online=True, GONOSUMDB="example.com")
    assert res.findings == [] and not any(r.startswith("/lookup/example.com") for r in setup.server.requests()[before:])
    res = setup.lint(online=True, GOSUMDB="off")
    assert res.findings == [] and not any(r.startswith("/lookup/example.com") for r in setup.server.requests()[before:])
