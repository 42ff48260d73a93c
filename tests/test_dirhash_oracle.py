"""dirhash against Go itself: a small program built at test time from the
toolchain's own vendored golang.org/x/mod/sumdb/dirhash (copied into a temp
module, never committed), fed random trees and zips by hypothesis."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gozt_lint import dirhash
from tests import gotool

pytestmark = pytest.mark.slow

MAIN_GO = r"""package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"oracle/dirhash"
)

type req struct {
	Kind   string
	Path   string
	Prefix string
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var r req
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			fmt.Println("ERR", err)
			continue
		}
		var h string
		var err error
		if r.Kind == "zip" {
			h, err = dirhash.HashZip(r.Path, dirhash.Hash1)
		} else {
			h, err = dirhash.HashDir(r.Path, r.Prefix, dirhash.Hash1)
		}
		if err != nil {
			fmt.Println("ERR", err)
		} else {
			fmt.Println(h)
		}
	}
}
"""


class Oracle:
    def __init__(self, exe: str) -> None:
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, kind: str, path: Path, prefix: str = "") -> str:
        assert self.p.stdin and self.p.stdout
        self.p.stdin.write(json.dumps({"Kind": kind, "Path": str(path), "Prefix": prefix}) + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self) -> None:
        if self.p.stdin:
            self.p.stdin.close()
        self.p.wait(timeout=30)


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:
    root = tmp_path_factory.mktemp("dirhash-oracle")
    src = gotool.goroot() / "src" / "cmd" / "vendor" / "golang.org" / "x" / "mod" / "sumdb" / "dirhash" / "hash.go"
    (root / "mod" / "dirhash").mkdir(parents=True)
    shutil.copy(src, root / "mod" / "dirhash" / "hash.go")
    (root / "mod" / "go.mod").write_text("module oracle\n\ngo 1.21\n")
    (root / "mod" / "main.go").write_text(MAIN_GO)
    env = gotool.hermetic_env(root / "env")
    env.go("build", "-o", str(root / "oracle"), ".", cwd=root / "mod", timeout=600)
    o = Oracle(str(root / "oracle"))
    yield o
    o.close()
    env.cleanup()


# Names: unicode letters (incl. ones with tricky case folding), digits, punctuation
# the module rules allow, dots inside names.
_chars = st.sampled_from(list("abcXYZ019_-.+@~ ") + ["é", "ß", "日", "ǅ", "ſ", "K"])
_elem = st.text(_chars, min_size=1, max_size=8).filter(lambda s: s not in (".", "..") and s.strip() == s)
_relpath = st.lists(_elem, min_size=1, max_size=3).map("/".join)
_tree = st.dictionaries(_relpath, st.binary(max_size=300), min_size=0, max_size=8)


def _consistent(tree: dict[str, bytes]) -> dict[str, bytes]:
    # Drop files that are also a directory of another file (not representable on disk).
    dirs = {"/".join(p.split("/")[:i]) for p in tree for i in range(1, p.count("/") + 1)}
    return {p: d for p, d in tree.items() if p not in dirs}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_tree, dir_entries=st.booleans(), stored=st.booleans())
def test_hash_zip_equals_go(oracle: Oracle, tmp_path: Path, tree: dict[str, bytes], dir_entries: bool, stored: bool) -> None:
    tree = _consistent(tree)
    prefix = "example.com/Prop@v1.0.0-pre/"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        done: set[str] = set()
        for name in sorted(tree):
            if dir_entries:
                parts = name.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    d = prefix + "/".join(parts[:i]) + "/"
                    if d not in done:
                        done.add(d)
                        z.writestr(d, b"")
            z.writestr(prefix + name, tree[name])
    f = tmp_path / "t.zip"
    f.write_bytes(buf.getvalue())
    ours = dirhash.hash_zip(f)
    assert ours.h1 == oracle.ask("zip", f)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_tree, empty_dirs=st.lists(_elem, max_size=2))
def test_hash_dir_equals_go(oracle: Oracle, tmp_path: Path, tree: dict[str, bytes], empty_dirs: list[str]) -> None:
    tree = _consistent(tree)
    top = tmp_path / "tree"
    if top.exists():
        shutil.rmtree(top)
    top.mkdir()
    for name, data in tree.items():
        p = top / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    for d in empty_dirs:
        if not (top / d).exists():
            (top / d).mkdir()
    prefix = "example.com/prop@v1.2.3"
    ours = dirhash.hash_dir(top, prefix)
    assert ours.h1 == oracle.ask("dir", top, prefix)


def test_raw_name_bytes_and_empty_zip_equal_go(oracle: Oracle, tmp_path: Path) -> None:
    p = "example.com/m@v1.0.0/"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(p + "go.mod", b"module example.com/m\n")
        z.writestr(p + "caf~.txt", b"x")
        z.writestr(p + "sub/", b"")
    raw = tmp_path / "raw.zip"
    raw.write_bytes(buf.getvalue().replace(b"caf~", b"caf\xe9"))
    assert dirhash.hash_zip(raw).h1 == oracle.ask("zip", raw)
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    assert dirhash.hash_zip(empty).h1 == oracle.ask("zip", empty)


def test_big_zip64_zip_equals_go(oracle: Oracle, tmp_path: Path) -> None:
    f = tmp_path / "z64.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        with z.open("example.com/m@v1.0.0/big.bin", "w", force_zip64=True) as w:
            for i in range(40):
                w.write(os.urandom(1 << 16) if i % 2 else b"\0" * (1 << 16))
        z.writestr("example.com/m@v1.0.0/go.mod", b"module example.com/m\n")
    assert dirhash.hash_zip(f).h1 == oracle.ask("zip", f)
