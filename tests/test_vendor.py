"""vendor/: modules.txt against go.mod (vendor-inconsistent, decided as the real go
decides) and vendored files against the verified modules (vendor-file-tampered).

The module under test is vendored by the real `go mod vendor` from a file:// proxy;
the go command is the oracle for consistency, and shows that it builds happily
from a tampered vendor/ tree (which is why vendor-file-tampered exists).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import gotool

MAIN = """package main

import (
	"example.com/a"
	"example.com/a/sub"
	"example.com/b"
	"example.com/c"
)

func main() { println(a.A(), sub.S(), b.B(), c.C()) }
"""


def _world(root: Path) -> tuple[gotool.GoEnvDirs, Path]:
    proxy = root / "proxy"
    gotool.add_module(proxy, "example.com/a", "v1.0.0", {
        "go.mod": "module example.com/a\n\ngo 1.21\n",
        "LICENSE": "MIT\n",
        "a.go": "package a\n\nfunc A() int { return 1 }\n",
        "a_test.go": "package a\n",
        "sub/sub.go": "package sub\n\nfunc S() int { return 2 }\n",
        "README.md": "not vendored\n",
    })
    for v in ("v1.1.0", "v1.2.0"):
        gotool.add_module(proxy, "example.com/b", v, {
            "go.mod": "module example.com/b\n\ngo 1.21\n",
            "b.go": f'package b\n\nfunc B() string {{ return "{v}" }}\n',
        })
    env = gotool.hermetic_env(root / "env", GOPROXY=gotool.proxy_url(proxy), GOFLAGS="-mod=mod")
    mod = root / "m"
    gotool.write_module(mod, "example.com/m", go="1.21", requires={"example.com/a": "v1.0.0", "example.com/b": "v1.1.0", "example.com/c": "v0.0.0"}, code=MAIN)
    with (mod / "go.mod").open("a") as f:
        f.write("\nreplace example.com/b v1.1.0 => example.com/b v1.2.0\n\nreplace example.com/c => ./localc\n")
    gotool.write_module(mod / "localc", "example.com/c", code=None)
    (mod / "localc" / "c.go").write_text("package c\n\nfunc C() int { return 3 }\n")
    env.go("mod", "tidy", cwd=mod)
    env.go("mod", "vendor", cwd=mod)
    env.go("build", "./...", cwd=mod, env={"GOFLAGS": "", "GOPROXY": "off"})
    return env, mod


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[gotool.GoEnvDirs, Path]:
    return _world(tmp_path_factory.mktemp("vendor"))


@pytest.fixture
def world(pristine: tuple[gotool.GoEnvDirs, Path], tmp_path: Path) -> tuple[gotool.GoEnvDirs, Path]:
    """A fresh copy of the vendored module (the cache is shared and read-only)."""
    env, mod = pristine
    copy = tmp_path / "m"
    shutil.copytree(mod, copy)
    return env, copy


def lint(env: gotool.GoEnvDirs, mod: Path, select: str) -> tuple[int, list[dict[str, object]], list[str]]:
    e = {**env.environ, "GOFLAGS": "", "GOPROXY": "off", "GOZT_LINT_CACHE_DIR": str(env.root / "gozt-cache")}
    p = subprocess.run(
        [sys.executable, "-m", "gozt_lint", "--select", select, "--format", "json", "--no-progress"],
        cwd=mod, env=e, capture_output=True, text=True, timeout=300,
    )
    assert p.returncode in (0, 1), p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    doc = json.loads(p.stdout)
    return p.returncode, doc["findings"], doc.get("notes", [])


def go_accepts_vendor(env: gotool.GoEnvDirs, mod: Path) -> tuple[bool, str]:
    p = env.go("list", "-mod=vendor", "./...", cwd=mod, check=False, env={"GOFLAGS": "", "GOPROXY": "off"})
    return "inconsistent vendoring" not in p.stderr, p.stderr


# -- vendor-file-tampered -------------------------------------------------------------------


@pytest.mark.rule("vendor-file-tampered", "vendor-inconsistent", clean=True)
def test_fresh_vendor_tree_is_clean(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    env, mod = world
    assert (mod / "vendor" / "example.com" / "a" / "LICENSE").is_file()
    rc, found, notes = lint(env, mod, "vendor-file-tampered,vendor-inconsistent")
    assert (rc, found) == (0, [])
    assert not [n for n in notes if "vendor" in n], notes


@pytest.mark.rule("vendor-file-tampered", fires=True)
@pytest.mark.parametrize(
    "edit,rel,gist",
    [
        ("change", "example.com/a/a.go", "differs from its copy in example.com/a@v1.0.0"),
        ("change", "example.com/a/sub/sub.go", "differs from its copy in example.com/a@v1.0.0"),
        ("add", "example.com/a/evil.go", "is not in example.com/a@v1.0.0"),
        ("change", "example.com/b/b.go", "differs from its copy in example.com/b@v1.2.0"),
        ("change", "example.com/c/c.go", "differs from its copy in the replacement directory ./localc"),
        ("add", "evil.com/x/x.go", "belongs to no module listed in vendor/modules.txt"),
    ],
)
def test_edited_vendor_file_is_caught(world: tuple[gotool.GoEnvDirs, Path], edit: str, rel: str, gist: str) -> None:
    env, mod = world
    f = mod / "vendor" / rel
    if edit == "change":
        f.write_text(f.read_text().replace("return", "/* injected */ return"))
    else:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("package x\n")
    if rel.endswith(("a.go", "b.go", "c.go", "sub.go")):
        # The go command builds the tampered copy without a word.
        env.go("build", "./...", cwd=mod, env={"GOFLAGS": "", "GOPROXY": "off"})
    rc, found, _ = lint(env, mod, "vendor-file-tampered")
    assert rc == 1
    assert [(x["rule"], x["severity"], x["file"]) for x in found] == [("vendor-file-tampered", "error", f"vendor/{rel}")]
    assert gist in str(found[0]["message"])


def test_symlink_in_vendor_is_reported_not_followed(world: tuple[gotool.GoEnvDirs, Path], tmp_path: Path) -> None:
    env, mod = world
    target = tmp_path / "elsewhere.go"
    target.write_text("package a\n")
    (mod / "vendor" / "example.com" / "a" / "link.go").symlink_to(target)
    (mod / "vendor" / "loop").symlink_to(mod / "vendor")
    _, found, _ = lint(env, mod, "vendor-file-tampered")
    assert sorted(Path(str(x["file"])).name for x in found) == ["link.go", "loop"]
    assert all("symbolic link" in str(x["message"]) for x in found)


def test_cache_that_disagrees_with_gosum_is_not_trusted(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    env, mod = world
    gosum = mod / "go.sum"
    lines = [ln for ln in gosum.read_text().splitlines() if not (ln.startswith("example.com/a v1.0.0 ") and "/go.mod" not in ln)]
    gosum.write_text("\n".join(lines) + "\n")
    (mod / "vendor" / "example.com" / "a" / "a.go").write_text("package a\n\nfunc A() int { return 9 }\n")
    _, found, notes = lint(env, mod, "vendor-file-tampered")
    assert found == []  # nothing to compare with: said, not guessed
    assert any("example.com/a@v1.0.0 (no go.sum line)" in n for n in notes), notes


# -- vendor-inconsistent, against the go command ----------------------------------------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1))


MUTATIONS = [
    ("nothing", None, None, None),
    ("explicit dropped", "vendor/modules.txt", "# example.com/a v1.0.0\n## explicit; go 1.21\n", "# example.com/a v1.0.0\n"),
    ("version differs", "vendor/modules.txt", "# example.com/a v1.0.0\n", "# example.com/a v1.0.1\n"),
    ("replacement dropped", "vendor/modules.txt", "# example.com/b v1.1.0 => example.com/b v1.2.0\n", "# example.com/b v1.1.0\n"),
    ("replacement differs", "vendor/modules.txt", "=> example.com/b v1.2.0\n", "=> example.com/b v1.1.5\n"),
    ("local replacement differs", "vendor/modules.txt", "=> ./localc\n", "=> ./otherc\n"),
    ("replace added in go.mod", "go.mod", "replace example.com/c => ./localc\n", "replace example.com/c => ./localc\n\nreplace example.com/a v1.0.0 => example.com/a v1.0.1\n"),
    ("replace removed from go.mod", "go.mod", "replace example.com/b v1.1.0 => example.com/b v1.2.0\n", ""),
    ("require dropped from go.mod", "go.mod", "\texample.com/a v1.0.0\n", ""),
    ("comment noise", "vendor/modules.txt", "# example.com/a v1.0.0\n", "# example.com/a v1.0.0\n# not a header\n"),
]


@pytest.mark.parametrize("name,file,old,new", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_consistency_agrees_with_the_go_command(world: tuple[gotool.GoEnvDirs, Path], name: str, file: str | None, old: str | None, new: str | None) -> None:
    env, mod = world
    if file is not None:
        _edit(mod / file, old or "", new or "")
    ok, stderr = go_accepts_vendor(env, mod)
    _, found, _ = lint(env, mod, "vendor-inconsistent")
    assert [x["rule"] for x in found] == ([] if ok else ["vendor-inconsistent"] * len(found)), stderr
    assert bool(found) != ok, (stderr, found)
    # Each disagreement the go command lists is one finding, worded the same way.
    listed = [ln.strip() for ln in stderr.splitlines() if ln.startswith("\t") and ": " in ln and "go mod vendor" not in ln and "To " not in ln]
    assert len(found) == len(listed), (listed, found)
    for want in listed:
        detail = want.split(": ", 1)[1]
        assert any(detail in str(x["message"]) for x in found), (detail, found)


@pytest.mark.rule("vendor-inconsistent", clean=True)
def test_pre_114_modules_only_check_versions(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    env, mod = world
    _edit(mod / "go.mod", "go 1.21", "go 1.13")
    _edit(mod / "vendor" / "modules.txt", "## explicit; go 1.21\n", "")
    ok, stderr = go_accepts_vendor(env, mod)
    _, found, _ = lint(env, mod, "vendor-inconsistent")
    assert ok and found == [], (stderr, found)


@pytest.mark.rule("vendor-inconsistent", fires=True)
def test_workspace_mode_skips_the_module_vendor_unless_gowork_is_off(world: tuple[gotool.GoEnvDirs, Path], tmp_path: Path) -> None:
    env, mod = world
    _edit(mod / "vendor" / "modules.txt", "# example.com/a v1.0.0\n## explicit; go 1.21\n", "# example.com/a v1.0.0\n")
    (mod.parent / "go.work").write_text("go 1.21\n\nuse ./m\n")
    _, found, _ = lint(env, mod, "vendor-inconsistent")
    assert found == []  # the workspace's go.work decides; m/vendor is not used
    env.environ["GOWORK"] = "off"
    try:
        ok, stderr = go_accepts_vendor(env, mod)
        _, found, _ = lint(env, mod, "vendor-inconsistent")
    finally:
        del env.environ["GOWORK"]
    assert not ok and [x["rule"] for x in found] == ["vendor-inconsistent"], (stderr, found)
