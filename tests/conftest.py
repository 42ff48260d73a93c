from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

from tests import gotool

if TYPE_CHECKING:
    from tests import xmod_oracle

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def go_exe() -> str:
    return gotool.find_go()


@pytest.fixture
def goenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[gotool.GoEnvDirs]:
    """A hermetic Go environment; also applied to os.environ for in-process runs."""
    env = gotool.hermetic_env(tmp_path / "goenv")
    for key in list(__import__("os").environ):
        if key.startswith("GO") or key in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
            monkeypatch.delenv(key, raising=False)
    for k, v in env.environ.items():
        monkeypatch.setenv(k, v)
    yield env
    env.cleanup()


@pytest.fixture(scope="session")
def sumdb_server_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checksum-database server built from the toolchain's own x/mod (see tests/sumdbtool.py)."""
    from tests import sumdbtool

    return sumdbtool.build_server(tmp_path_factory.mktemp("sumdb-server"))


@pytest.fixture(scope="session")
def xmod() -> Iterator["xmod_oracle.Oracle"]:
    """golang.org/x/mod's module and semver packages and Go's path.Match, built at
    test time from the toolchain's own sources (see tests/xmod_oracle.py)."""
    from tests import xmod_oracle

    oracle, tmp = xmod_oracle.start()
    yield oracle
    oracle.close()
    tmp.cleanup()
