"""An oracle built at test time from the standard library's go/build.

The small driver below (our code; only the standard library is imported) answers
one JSON request per line: a build configuration (GOOS, GOARCH, cgo, tags, the
N of the go1.N release tags) and a virtual directory of files. It answers, for
every file, go/build's ``Context.MatchFile`` (name suffixes and build
constraints) and, for the directory, ``ImportDir``'s imports and test imports.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests import gotool

DRIVER = r'''
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"
)

type req struct {
	GOOS, GOARCH string
	Cgo          bool
	Tags         []string
	Release      int
	Files        map[string]string
}

type resp struct {
	Match       map[string]bool
	Imports     []string
	TestImports []string
	Err         string
}

type fi struct{ name string }

func (f fi) Name() string       { return f.name }
func (f fi) Size() int64        { return 0 }
func (f fi) Mode() fs.FileMode  { return 0o644 }
func (f fi) ModTime() time.Time { return time.Time{} }
func (f fi) IsDir() bool        { return false }
func (f fi) Sys() any           { return nil }

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r req
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		ctxt := build.Default
		ctxt.GOOS, ctxt.GOARCH, ctxt.CgoEnabled = r.GOOS, r.GOARCH, r.Cgo
		ctxt.Compiler = "gc"
		ctxt.BuildTags = r.Tags
		ctxt.ToolTags = nil
		ctxt.ReleaseTags = nil
		for i := 1; i <= r.Release; i++ {
			ctxt.ReleaseTags = append(ctxt.ReleaseTags, fmt.Sprintf("go1.%d", i))
		}
		ctxt.GOROOT, ctxt.GOPATH = "/nonexistent-goroot", "/nonexistent-gopath"
		ctxt.IsDir = func(p string) bool { return p == "/v" }
		ctxt.HasSubdir = func(root, dir string) (string, bool) { return "", false }
		ctxt.ReadDir = func(dir string) ([]fs.FileInfo, error) {
			var list []fs.FileInfo
			for n := range r.Files {
				list = append(list, fi{n})
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Name() < list[j].Name() })
			return list, nil
		}
		ctxt.OpenFile = func(p string) (io.ReadCloser, error) {
			name := strings.TrimPrefix(p, "/v/")
			if s, ok := r.Files[name]; ok {
				return io.NopCloser(strings.NewReader(s)), nil
			}
			return nil, fs.ErrNotExist
		}
		res := resp{Match: map[string]bool{}}
		for n := range r.Files {
			ok, err := ctxt.MatchFile("/v", n)
			res.Match[n] = ok && err == nil
		}
		p, err := ctxt.ImportDir("/v", 0)
		if err != nil {
			res.Err = err.Error()
		}
		if p != nil {
			res.Imports = p.Imports
			res.TestImports = append(append([]string{}, p.TestImports...), p.XTestImports...)
			sort.Strings(res.TestImports)
		}
		out.Encode(res)
	}
}
'''


class GoBuild:
    def __init__(self, binary: Path) -> None:
        self.proc = subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, **req: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def build(workdir: Path) -> Path:
    src = workdir / "src"
    src.mkdir(parents=True, exist_ok=True)
    (src / "go.mod").write_text("module gobuildoracle\n\ngo 1.22\n")
    (src / "main.go").write_text(DRIVER)
    env = gotool.hermetic_env(workdir / "env").environ
    shared = os.environ.get("GOZT_TEST_GOCACHE")
    if shared:
        env["GOCACHE"] = shared
    out = workdir / "gobuild-oracle"
    p = subprocess.run([gotool.find_go(), "build", "-o", str(out), "."], cwd=src, env=env, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise RuntimeError(f"building the go/build oracle failed:\n{p.stdout}\n{p.stderr}")
    gotool.make_writable(workdir / "env")
    return out
