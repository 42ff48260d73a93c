"""`gozt-lint snapshot` and `--all --snapshot FILE`: each kind of drift reported once, precisely."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import gomods, gotool

GO_HELP = b"Go is a tool for managing Go source code"


def cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gozt_lint", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def snapshot(repo: Path, env: dict[str, str], *extra: str) -> dict[str, object]:
    p = cli(repo, env, "snapshot", "--output", str(repo.parent / "snap.json"), *extra)
    assert p.returncode == 0, p.stderr
    assert "go-sha256 = " in p.stderr
    return json.loads((repo.parent / "snap.json").read_text())


def verify(repo: Path, env: dict[str, str]) -> tuple[int, list[dict[str, object]], list[str]]:
    p = cli(repo, env, "--all", "--select", "snapshot", "--snapshot", str(repo.parent / "snap.json"), "--format", "json")
    assert "Traceback" not in p.stderr, p.stderr
    doc = json.loads(p.stdout)
    return p.returncode, doc["findings"], doc["notes"]


@pytest.fixture
def repo(goenv: gotool.GoEnvDirs, tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    proxy = gomods.build_proxy(tmp_path / "proxy")
    r = tmp_path / "repo"
    gomods.tidy(goenv, proxy, r, {"example.com/dep": "v1.0.0"})
    env = gomods.git_env(goenv.environ)
    gomods.init_repo(r, env)
    return r, env, proxy


def whats(findings: list[dict[str, object]]) -> list[str]:
    return sorted(str(f["details"]["what"]) for f in findings)  # type: ignore[index]


@pytest.mark.rule("snapshot-drift", clean=True)
def test_deterministic_and_clean(repo: tuple[Path, dict[str, str], Path]) -> None:
    r, env, _ = repo
    a = snapshot(r, env)
    b = snapshot(r, env)
    a.pop("created"), b.pop("created")
    assert a == b
    raw = (r.parent / "snap.json").read_text()
    assert raw == json.dumps(json.loads(raw), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert a["files"] == {"go.mod": gomods_sha(r / "go.mod"), "go.sum": gomods_sha(r / "go.sum")}
    assert set(a["modules"]) == {"example.com/dep@v1.0.0"}  # type: ignore[arg-type]
    assert a["modules"]["example.com/dep@v1.0.0"].startswith("h1:")  # type: ignore[index]
    assert a["graph"]["go.mod"]["example.com/dep"] == {"version": "v1.0.0", "indirect": False, "replace": None}  # type: ignore[index]
    rc, findings, _ = verify(r, env)
    assert rc == 0 and findings == []


def gomods_sha(p: Path) -> str:
    import hashlib

    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.rule("snapshot-drift", fires=True)
def test_env_drift(repo: tuple[Path, dict[str, str], Path]) -> None:
    r, env, _ = repo
    snapshot(r, env)
    rc, findings, _ = verify(r, {**env, "GOPROXY": "https://proxy.example.com"})
    assert rc == 1 and whats(findings) == ["env GOPROXY"]
    assert [f["rule"] for f in findings] == ["snapshot-drift"]
    d = findings[0]["details"]
    assert d["old"] == "off" and d["new"] == "https://proxy.example.com"  # type: ignore[index]


def test_narrower_run_compares_the_whole_recorded_repository(tmp_path: Path, goenv: gotool.GoEnvDirs) -> None:
    # `gozt-lint snapshot` records every module of the repository; a run without
    # --all (or on one file) sees only the module at hand, and used to report every
    # other recorded module as vanished.
    proxy = gomods.build_proxy(tmp_path / "proxy")
    r = tmp_path / "repo"
    gomods.tidy(goenv, proxy, r, {"example.com/dep": "v1.0.0"})
    gomods.tidy(goenv, proxy, r / "tools", {"example.com/dep": "v1.0.0"}, modpath="example.com/tools")
    env = gomods.git_env(goenv.environ)
    gomods.init_repo(r, env)
    doc = snapshot(r, env)
    assert set(doc["graph"]) == {"go.mod", "tools/go.mod"}  # type: ignore[arg-type]
    for cwd, args in ((r, ()), (r / "tools", ()), (r, ("go.sum",))):
        p = cli(cwd, env, "--select", "snapshot", "--snapshot", str(r.parent / "snap.json"), "--format", "json", *args)
        assert p.returncode == 0 and json.loads(p.stdout)["findings"] == [], (cwd, args, p.stdout)
    (r / "tools" / "go.sum").write_text((r / "tools" / "go.sum").read_text().replace("h1:", "h1:A", 1))
    p = cli(r, env, "--select", "snapshot", "--snapshot", str(r.parent / "snap.json"), "--format", "json")
    assert p.returncode == 1 and [f["file"] for f in json.loads(p.stdout)["findings"]] == ["tools/go.sum"]


def test_go_binary_drift(repo: tuple[Path, dict[str, str], Path], tmp_path: Path) -> None:
    r, env, _ = repo
    env = {**env, "GOROOT": str(gotool.goroot())}
    snapshot(r, env)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    shutil.copy2(gotool.find_go(), shadow / "go")
    data = (shadow / "go").read_bytes()
    (shadow / "go").write_bytes(data.replace(GO_HELP, GO_HELP[:-1] + b"E", 1))
    rc, findings, _ = verify(r, {**env, "PATH": f"{shadow}{os.pathsep}{env['PATH']}"})
    assert rc == 1 and whats(findings) == ["go binary SHA-256"]
    assert findings[0]["details"]["new"] == gomods_sha(shadow / "go")  # type: ignore[index]


def test_go_sum_line_drift(repo: tuple[Path, dict[str, str], Path]) -> None:
    r, env, _ = repo
    snapshot(r, env)
    lines = (r / "go.sum").read_text().splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("example.com/dep v1.0.0/go.mod "))
    old = lines[n]
    lines[n] = gomods.edit_hash(old)
    (r / "go.sum").write_text("\n".join(lines) + "\n")
    rc, findings, _ = verify(r, env)
    assert rc == 1 and whats(findings) == ["go.sum line example.com/dep v1.0.0/go.mod"]
    f = findings[0]
    assert f["file"] == "go.sum" and f["line"] == n + 1 and f["module"] == "example.com/dep" and f["version"] == "v1.0.0"
    assert f["details"]["old"] == old.split()[2] and f["details"]["new"] == lines[n].split()[2]  # type: ignore[index]


def test_module_cached_on_one_side_only_is_not_drift(repo: tuple[Path, dict[str, str], Path]) -> None:
    r, env, _ = repo
    snap = snapshot(r, env)
    key = "example.com/dep@v1.0.0"
    recorded = snap["modules"][key]  # type: ignore[index]
    assert isinstance(recorded, str) and recorded.startswith("h1:")
    # The trusted runner had not downloaded it: nothing to compare, nothing changed.
    snap["modules"][key] = None  # type: ignore[index]
    (r.parent / "snap.json").write_text(json.dumps(snap))
    rc, findings, notes = verify(r, env)
    assert (rc, findings) == (0, [])
    assert any("in the module cache on one side only" in n for n in notes), notes
    # Two different hashes are drift.
    snap["modules"][key] = gomods.edit_hash(f"x v {recorded}").split()[2]  # type: ignore[index]
    (r.parent / "snap.json").write_text(json.dumps(snap))
    rc, findings, _ = verify(r, env)
    assert rc == 1 and whats(findings) == [f"module {key} h1 in the module cache"]


def test_graph_version_drift(repo: tuple[Path, dict[str, str], Path], goenv: gotool.GoEnvDirs) -> None:
    r, env, proxy = repo
    snapshot(r, env)
    goenv.go("get", "example.com/dep@v1.1.0", cwd=r, env=gomods.proxy_env(goenv, proxy))
    goenv.go("mod", "tidy", cwd=r, env=gomods.proxy_env(goenv, proxy))
    rc, findings, _ = verify(r, env)
    graph = [f for f in findings if str(f["details"]["what"]).startswith("module graph")]  # type: ignore[index]
    assert len(graph) == 1 and graph[0]["details"]["what"] == "module graph of go.mod: example.com/dep"  # type: ignore[index]
    assert "snapshot v1.0.0, now v1.1.0" in str(graph[0]["message"])
    # The module h1 entries that moved with the version are explained by the graph finding.
    assert not [f for f in findings if str(f["details"]["what"]).startswith("module example.com/dep@")]  # type: ignore[index]
    assert whats(findings).count("go.mod SHA-256") == 1
    assert len(whats(findings)) == len(set(whats(findings)))  # nothing twice


def test_cache_baseline_for_a_restored_cache(tmp_path: Path) -> None:
    """Generate on one machine, restore the cache elsewhere (copied like rsync -a), verify."""

    def machine(name: str) -> dict[str, str]:
        home = tmp_path / name / "home"
        env = gotool.hermetic_env(tmp_path / name).environ
        env.update(HOME=str(home), GOPATH=str(home / "go"), GOMODCACHE=str(home / "go" / "pkg" / "mod"),
                   GOCACHE=str(home / ".cache" / "go-build"), GOENV=str(home / ".config" / "go" / "env"))
        return gomods.git_env(env)

    a, b = machine("a"), machine("b")
    proxy = gomods.build_proxy(tmp_path / "proxy")
    ga = gotool.GoEnvDirs(tmp_path / "a", a)
    repo = tmp_path / "repo"
    gomods.tidy(ga, proxy, repo, {"example.com/dep": "v1.0.0"})
    gomods.init_repo(repo, a)
    doc = snapshot(repo, a, "--cache")
    assert doc["env"]["GOMODCACHE"] == "~/go/pkg/mod"  # type: ignore[index]
    entry = doc["cache"]["example.com/dep@v1.0.0"]  # type: ignore[index]
    assert entry["dir"] == entry["zip"] == entry["ziphash"] and entry["dir_mode"] == "0555" and entry["file_modes"] == ["0444"]
    try:
        _restored(repo, a, b)
    finally:
        gotool.make_writable(tmp_path)


def _restored(repo: Path, a: dict[str, str], b: dict[str, str]) -> None:
    shutil.copytree(a["GOMODCACHE"], b["GOMODCACHE"], symlinks=True)  # modes kept, like rsync -a
    rc, findings, notes = verify(repo, b)
    assert rc == 0 and findings == [], (findings, notes)
    # Damage the copy: one file's content, and one entry gone.
    dep_dir = Path(b["GOMODCACHE"]) / "example.com" / "dep@v1.0.0"
    dep_dir.chmod(0o755)
    (dep_dir / "dep.go").chmod(0o644)
    (dep_dir / "dep.go").write_text("package dep\n\nconst X = 666\n")
    (Path(b["GOMODCACHE"]) / "cache" / "download" / "example.com" / "dep" / "@v" / "v1.0.0.zip").unlink()
    rc, findings, _ = verify(repo, b)
    cache = [f for f in findings if str(f["details"]["what"]).startswith("cache ")]  # type: ignore[index]
    assert rc == 1 and [f["details"]["what"] for f in cache] == ["cache example.com/dep@v1.0.0"]  # type: ignore[index]
    msg = str(cache[0]["message"])
    assert "dir: h1:" in msg and "dir_mode: 0555 → 0755" in msg and '["0444"] → ["0444", "0644"]' in msg
    assert "zip: h1:" in msg and "zip_mode: 0644 → (absent)" in msg
    assert len(findings) == 1, findings
    # A cache that lost a go.mod the graph needs: the graph is reported once, with a note.
    (Path(b["GOMODCACHE"]) / "cache" / "download" / "example.com" / "dep" / "@v" / "v1.0.0.mod").unlink()
    rc, findings, notes = verify(repo, b)
    assert "module graph of go.mod" in whats(findings) and not [w for w in whats(findings) if w.startswith("module example.com")]
    assert any("could not be read" in n and "example.com/dep@v1.0.0" in n for n in notes), notes


def test_snapshot_to_stdout_and_bad_files(repo: tuple[Path, dict[str, str], Path]) -> None:
    r, env, _ = repo
    p = cli(r, env, "snapshot", "--output", "-")
    assert p.returncode == 0 and json.loads(p.stdout)["format"] == 1
    assert not (r / "go-env-checksum.json").exists()
    p = cli(r, env, "snapshot")
    assert p.returncode == 0 and (r / "go-env-checksum.json").is_file()
    for name, content, msg in (
        ("garbage.json", b"\x00\xff not json", "not UTF-8"),
        ("list.json", b"[1, 2]", "not a gozt-lint snapshot"),
        ("future.json", b'{"format": 99}', "format 99 is not supported"),
        ("broken.json", b'{"format": 1,\n "env": ', "line 2 column"),
        ("deep.json", b'{"format": 1, "go": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    ):
        (r.parent / name).write_bytes(content)
        p = cli(r, env, "--all", "--select", "snapshot", "--snapshot", str(r.parent / name))
        assert p.returncode == 2 and msg in p.stderr and "Traceback" not in p.stderr, (name, p.stderr)
