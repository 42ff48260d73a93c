"""gozt_lint.goimports: import declarations as go/parser reads them (differentially, with a
small Go program built at test time over the toolchain's own sources), and the walk."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from gozt_lint import goimports
from tests import gotool

ORACLE = r'''
package main

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"strconv"
)

func main() {
	out := map[string][]string{}
	for _, f := range os.Args[1:] {
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		paths := []string{}
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			paths = append(paths, p)
		}
		out[f] = paths
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
'''


@pytest.mark.parametrize(
    "src, want",
    [
        (b'package p\nimport "fmt"\n', ["fmt"]),
        (b'// c\n/* c */ package p // c\n\nimport (\n\t"a"\n\tb "b/c" // c\n\t_ "d"\n\t. `e`\n)\nimport "f"; import ("g"; "h")\nvar x = "no"\nimport "z"\n', ["a", "b/c", "d", "e", "f", "g", "h"]),
        (b"package p\n\nfunc f() {}\n", []),
        (b'package p\nimport "a\\u0062"\n', []),
        (b"package", []),
    ],
)
def test_file_imports(src: bytes, want: list[str]) -> None:
    assert goimports.file_imports(src) == want


def test_ignored_and_broken_files() -> None:
    assert goimports.file_imports(b'//go:build ignore\n\npackage main\n\nimport "x"\n') is None
    assert goimports.file_imports(b'//go:build linux\n\npackage p\n\nimport "x"\n') == ["x"]
    assert goimports.file_imports(b"no package clause") is None
    assert goimports.file_imports(b"\xff\xfe garbage \x00" * 1000) is None


@pytest.mark.slow
def test_matches_go_parser_on_the_toolchain_sources(tmp_path: Path, sumdb_server_binary: Path) -> None:
    src = gotool.goroot() / "src"
    files = sorted(str(p) for d in ("cmd/go/internal", "net/http", "go") for p in (src / d).rglob("*.go") if "testdata" not in p.parts)
    assert len(files) > 500
    prog = tmp_path / "oracle"
    prog.mkdir()
    (prog / "go.mod").write_text("module oracle\n\ngo 1.21\n")
    (prog / "main.go").write_text(ORACLE)
    env = gotool.hermetic_env(tmp_path / "env")
    # The test database's build already compiled the standard library: share its build cache.
    shared = sumdb_server_binary.parent / "buildenv" / "gocache"
    env.go("build", "-o", str(tmp_path / "oracle.bin"), ".", cwd=prog, env={"GOCACHE": str(shared)} if shared.is_dir() else None)
    out = subprocess.run([str(tmp_path / "oracle.bin"), *files], capture_output=True, text=True, check=True, timeout=300).stdout
    want = json.loads(out)
    mismatches = []
    for f in files:
        got = goimports.file_imports(Path(f).read_bytes())
        if got is None:  # //go:build ignore: go/parser still reads it; we leave it out on purpose
            assert b"//go:build ignore" in Path(f).read_bytes(), f
            continue
        if got != want.get(f):
            mismatches.append((f, got, want.get(f)))
    env.cleanup()
    assert not mismatches, mismatches[:5]


def test_module_packages_skip_what_the_go_command_skips(tmp_path: Path) -> None:
    for rel in ("a", "a/b", "vendor/x", "testdata/t", "_hidden", ".dot", "nested", "nested/in", "onlytest"):
        (tmp_path / rel).mkdir(parents=True, exist_ok=True)
        (tmp_path / rel / ("x_test.go" if rel == "onlytest" else "x.go")).write_text("package x\n")
    (tmp_path / "nested" / "go.mod").write_text("module example.com/m/nested\n")
    (tmp_path / "root.go").write_text("package m\n")
    os.symlink(tmp_path / "a", tmp_path / "link")
    got = goimports.module_packages(str(tmp_path), "example.com/m")
    assert sorted(got) == ["example.com/m", "example.com/m/a", "example.com/m/a/b"]


def test_reach_follows_imports_and_reports_unknown(tmp_path: Path) -> None:
    dirs = {}
    for pkg, imports in {"m": ["fmt", "lib/a"], "lib/a": ["lib/b", "gone/x"], "lib/b": ["target"], "target": []}.items():
        d = tmp_path / pkg
        d.mkdir(parents=True)
        (d / "f.go").write_text("package p\nimport (\n" + "".join(f'\t"{i}"\n' for i in imports) + ")\n")
        dirs[pkg] = str(d)

    def locate(p: str) -> str | bool | None:
        if p.startswith("gone/"):
            return None
        return dirs.get(p, False)

    # Import paths without a dot are the standard library to the walk; these test ones are not.
    r = goimports.reach(["m"], locate, {"target"})
    assert r.found == {} and r.unknown == set()  # "lib/a" looks like std: not followed
    assert goimports.is_std("fmt") and not goimports.is_std("example.com/x")
    ren = {k: f"example.com/{k}" for k in dirs}
    dirs2 = {ren[k]: v for k, v in dirs.items()}
    for pkg, d in dirs.items():
        f = Path(d) / "f.go"
        text = f.read_text()
        for k in ren:
            text = text.replace(f'"{k}"', f'"{ren[k]}"')
        f.write_text(text.replace('"gone/x"', '"gone.example/x"'))

    def locate2(p: str) -> str | bool | None:
        return None if p.startswith("gone.example/") else dirs2.get(p, False)

    r = goimports.reach(["example.com/m"], locate2, {"example.com/target"})
    assert r.found == {"example.com/target": "example.com/lib/b"}
    r = goimports.reach(["example.com/m"], locate2, {"example.com/nothing"})
    assert r.found == {} and r.unknown == {"gone.example/x"}


def test_imports_cache_reads_each_package_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two walks (two go.mod units of a monorepo) share one ImportsCache: the package
    # they both reach is read once, and each still gets its own answer.
    dirs = {}
    for pkg, imports in {"a.example/m1": ["x.example/lib"], "a.example/m2": ["x.example/lib", "x.example/target"],
                         "x.example/lib": ["x.example/dep"], "x.example/dep": [], "x.example/target": []}.items():
        d = tmp_path / pkg
        d.mkdir(parents=True)
        (d / "f.go").write_text("package p\nimport (\n" + "".join(f'\t"{i}"\n' for i in imports) + ")\n")
        dirs[pkg] = str(d)
    reads: list[str] = []
    real = goimports.package_imports

    def counting(directory: str) -> set[str] | None:
        reads.append(directory)
        return real(directory)

    monkeypatch.setattr(goimports, "package_imports", counting)
    cache = goimports.ImportsCache()

    def locate(p: str) -> str | bool | None:
        return dirs.get(p, False)

    r1 = goimports.reach(["a.example/m1"], locate, {"x.example/target"}, cache)
    r2 = goimports.reach(["a.example/m2"], locate, {"x.example/target"}, cache)
    assert r1.found == {} and r2.found == {"x.example/target": "a.example/m2"}
    assert reads.count(dirs["x.example/lib"]) == 1 and len(reads) == len(set(reads))
    # A new run (a new cache) reads the files again and sees a change.
    (Path(dirs["x.example/dep"]) / "f.go").write_text('package p\nimport "x.example/target"\n')
    r3 = goimports.reach(["a.example/m1"], locate, {"x.example/target"}, goimports.ImportsCache())
    assert r3.found == {"x.example/target": "x.example/dep"}


def test_reach_walks_in_the_same_order_with_or_without_a_cache(tmp_path: Path) -> None:
    # The importer reported for a target depends on the walk's order: the cache's
    # sorted import lists must give the order sorting each read gives.
    dirs = {}
    for pkg, imports in {"a.example/m": ["z.example/b", "y.example/a", "x.example/c"],
                         "z.example/b": ["t.example/target"], "y.example/a": ["t.example/target"],
                         "x.example/c": ["t.example/target"], "t.example/target": []}.items():
        d = tmp_path / pkg
        d.mkdir(parents=True)
        (d / "f.go").write_text("package p\nimport (\n" + "".join(f'\t"{i}"\n' for i in imports) + ")\n")
        dirs[pkg] = str(d)

    def locate(p: str) -> str | bool | None:
        return dirs.get(p, False)

    plain = goimports.reach(["a.example/m"], locate, {"t.example/target"})
    cached = goimports.reach(["a.example/m"], locate, {"t.example/target"}, goimports.ImportsCache())
    assert plain.found == cached.found == {"t.example/target": "z.example/b"}
    assert plain.packages == cached.packages
    # A new cache (a new run) sees the edit.
    (Path(dirs["a.example/m"]) / "f.go").write_text('package p\nimport "x.example/c"\n')
    again = goimports.reach(["a.example/m"], locate, {"t.example/target"}, goimports.ImportsCache())
    assert again.found == {"t.example/target": "x.example/c"}


def _split_world(tmp_path: Path) -> tuple[dict[str, str], Callable[..., Callable[[str], str | None | bool]]]:
    """Two main modules a.example/one and a.example/two importing packages of other
    modules (x.example/lib, y.example/util, and a.example/one/api from the first)."""
    pkgs = {
        "one/main": ("a.example/one", ["x.example/lib", "a.example/one/api"]),
        "one/api": ("a.example/one/api", ["y.example/util"]),
        "two/main": ("a.example/two", ["x.example/lib"]),
        "x/lib": ("x.example/lib", ["y.example/util", "z.example/gone/pkg", "fmt"]),
        "y1/util": ("y.example/util", []),
        "y2/util": ("y.example/util", ["x.example/lib/internal"]),
        "x/lib/internal": ("x.example/lib/internal", []),
    }
    dirs = {}
    for rel, (_pkg, imports) in pkgs.items():
        d = tmp_path / rel
        d.mkdir(parents=True)
        (d / "f.go").write_text("package p\nimport (\n" + "".join(f'\t"{i}"\n' for i in imports) + ")\n")
        dirs[rel] = str(d)

    # The rule's locator (rules.toolchain._xmod_use uses the same one), over this world.
    return dirs, goimports.locator


def test_reach_modules_shares_the_walk_beyond_the_main_module_only_when_provably_the_same(tmp_path: Path) -> None:
    dirs, locator = _split_world(tmp_path)
    t = str(tmp_path)
    build1: dict[str, str | bool | None] = {"x.example/lib": f"{t}/x/lib", "y.example/util": dirs["y1/util"], "z.example/gone": None}
    cache = goimports.ImportsCache()

    def both(main_path: str, main_pkgs: dict[str, str], build: dict[str, str | bool | None], targets: set[str]) -> goimports.Reach:
        locate = locator(main_path, main_pkgs, build)
        plain = goimports.reach(list(main_pkgs), locate, targets, goimports.ImportsCache())
        split = goimports.reach_modules(list(main_pkgs), locate, targets, cache, main_path, build)
        assert (split.found, split.unknown) == (plain.found, plain.unknown)
        return split

    two = {"a.example/two": dirs["two/main"]}
    r = both("a.example/two", two, build1, {"t.example/target"})
    assert r.unknown == {"z.example/gone/pkg"} and r.packages == 3  # two, lib, util
    assert len(cache.closures) == 1
    # Another unit with the same start packages and build list: the stored walk is used.
    stored = next(iter(cache.closures.values()))[0]
    stored.unknown.add("marker.example/from-the-memo")  # (seen only where the stored walk is used)
    three = goimports.reach_modules(["a.example/three"], locator("a.example/three", {"a.example/three": dirs["two/main"]}, build1),
                                    {"t.example/target"}, cache, "a.example/three", dict(build1))
    assert "marker.example/from-the-memo" in three.unknown
    # A build list that puts a consulted module elsewhere: walked again, and the answer changes.
    build2 = {**build1, "y.example/util": dirs["y2/util"]}
    r = both("a.example/two", two, build2, {"t.example/target"})
    assert r.packages == 4 and "marker.example/from-the-memo" not in r.unknown
    # A module newly in the build list that is a longer prefix of a walked package.
    build3 = {**build1, "z.example/gone/pkg": f"{t}/x/lib"}
    r = both("a.example/two", two, build3, {"t.example/target"})
    assert r.unknown == set()
    # A main module that is a prefix of a walked package (y.example/util is main there).
    r = both("y.example", {"y.example/app": dirs["two/main"]}, build1, {"t.example/target"})
    assert r.unknown == {"z.example/gone/pkg"} and r.packages == 2
    stored.unknown.discard("marker.example/from-the-memo")
    # A target in reach: the plain walk, with its importer.
    r = both("a.example/two", two, build1, {"y.example/util"})
    assert r.found == {"y.example/util": "x.example/lib"}
    # A change on disk is seen by a new run (a new cache).
    (Path(dirs["two/main"]) / "f.go").write_text('package p\nimport "y.example/util"\n')
    fresh = goimports.ImportsCache()
    got = goimports.reach_modules(["a.example/two"], locator("a.example/two", two, build1), {"t.example/target"}, fresh, "a.example/two", build1)
    assert got.unknown == set() and got.packages == 2


def test_imports_of_verified_trees_are_kept_by_content_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Across runs, a directory's imports come back only under the content key its tree
    # had when they were read (the module version and its measured h1): a tree whose
    # files changed has another h1, hence another key, and is read again.
    from gozt_lint import memo as M

    tree = tmp_path / "cache" / "example.com" / "lib@v1.0.0"
    (tree / "p").mkdir(parents=True)
    (tree / "p" / "p.go").write_text('package p\n\nimport "example.com/a"\n')
    store = tmp_path / "memo"
    reads: list[str] = []
    real = goimports.package_imports

    def counting(d: str) -> set[str] | None:
        reads.append(d)
        return real(d)

    def run(key: str | None, directory: str = str(tree / "p")) -> set[str] | None:
        memo = M.open_memo({"GOZT_LINT_CACHE_DIR": str(store)})
        cache = goimports.ImportsCache(lambda what: key, memo)
        cache.add_tree(str(tree), "lib")
        got = cache(directory)
        cache.save()
        memo.close()
        return got

    monkeypatch.setattr(goimports, "package_imports", counting)
    assert run("lib@v1.0.0 h1:one") == {"example.com/a"} and len(reads) == 1
    assert run("lib@v1.0.0 h1:one") == {"example.com/a"} and len(reads) == 1  # kept
    (tree / "p" / "p.go").write_text('package p\n\nimport "example.com/b"\n')
    assert run("lib@v1.0.0 h1:two") == {"example.com/b"} and len(reads) == 2  # new content, new key
    assert run(None) == {"example.com/b"} and len(reads) == 3  # not verified: always read
    # A path that leaves the tree through ".." is never answered from the tree's key.
    (tmp_path / "cache" / "example.com" / "x").mkdir()
    (tmp_path / "cache" / "example.com" / "x" / "x.go").write_text('package x\n\nimport "example.com/c"\n')
    assert run("lib@v1.0.0 h1:two", str(tree / ".." / "x")) == {"example.com/c"} and len(reads) == 4
    assert run("lib@v1.0.0 h1:two", str(tree / ".." / "x")) == {"example.com/c"} and len(reads) == 5
