"""gozt_lint.goimports: import declarations as go/parser reads them (differentially, with a
small Go program built at test time over the toolchain's own sources), and the walk."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

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
