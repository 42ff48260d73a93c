"""An oracle built at test time from the toolchain's vendored golang.org/x/mod.

The Go source of the small driver below is ours; the x/mod packages are copied
from ``GOROOT/src/cmd/vendor/golang.org/x/mod`` into a temporary directory for the
build and never committed. The driver answers one JSON request per line:
``{"op": name, "args": [hex-encoded byte strings]}`` →
``{"out": [hex-encoded byte strings or bools or ints]}``, so strings that are
not UTF-8 survive the trip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests import gotool

DRIVER = r'''
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"path"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

type req struct {
	Op   string
	Args []string
}

func errs(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r req
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		a := make([]string, len(r.Args))
		for i, s := range r.Args {
			b, err := hex.DecodeString(s)
			if err != nil {
				panic(err)
			}
			a[i] = string(b)
		}
		var res []any
		h := func(s string) string { return hex.EncodeToString([]byte(s)) }
		switch r.Op {
		case "CheckPath":
			res = []any{h(errs(module.CheckPath(a[0])))}
		case "CheckImportPath":
			res = []any{h(errs(module.CheckImportPath(a[0])))}
		case "CheckFilePath":
			res = []any{h(errs(module.CheckFilePath(a[0])))}
		case "Check":
			res = []any{h(errs(module.Check(a[0], a[1])))}
		case "SplitPathVersion":
			p, m, ok := module.SplitPathVersion(a[0])
			res = []any{h(p), h(m), ok}
		case "CheckPathMajor":
			res = []any{h(errs(module.CheckPathMajor(a[0], a[1])))}
		case "EscapePath":
			e, err := module.EscapePath(a[0])
			res = []any{h(e), err == nil}
		case "EscapeVersion":
			e, err := module.EscapeVersion(a[0])
			res = []any{h(e), err == nil}
		case "UnescapePath":
			e, err := module.UnescapePath(a[0])
			res = []any{h(e), err == nil}
		case "UnescapeVersion":
			e, err := module.UnescapeVersion(a[0])
			res = []any{h(e), err == nil}
		case "CanonicalVersion":
			res = []any{h(module.CanonicalVersion(a[0]))}
		case "IsPseudoVersion":
			res = []any{module.IsPseudoVersion(a[0])}
		case "PseudoVersionRev":
			rev, err := module.PseudoVersionRev(a[0])
			res = []any{h(rev), err == nil}
		case "IsValid":
			res = []any{semver.IsValid(a[0])}
		case "Canonical":
			res = []any{h(semver.Canonical(a[0]))}
		case "Major":
			res = []any{h(semver.Major(a[0]))}
		case "Prerelease":
			res = []any{h(semver.Prerelease(a[0]))}
		case "Build":
			res = []any{h(semver.Build(a[0]))}
		case "Compare":
			res = []any{semver.Compare(a[0], a[1])}
		case "MatchPrefixPatterns":
			res = []any{module.MatchPrefixPatterns(a[0], a[1])}
		case "PathMatch":
			ok, err := path.Match(a[0], a[1])
			res = []any{ok, err == nil}
		default:
			panic("unknown op " + r.Op)
		}
		if err := out.Encode(map[string]any{"out": res}); err != nil {
			panic(err)
		}
	}
}
'''


class Oracle:
    def __init__(self, binary: str) -> None:
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def call(self, op: str, *args: str) -> list[Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        enc = [a.encode("utf-8", "surrogateescape").hex() for a in args]
        self.proc.stdin.write(json.dumps({"Op": op, "Args": enc}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"oracle died on {op}{args!r}")
        out = json.loads(line)["out"]
        return [bytes.fromhex(x).decode("utf-8", "surrogateescape") if isinstance(x, str) else x for x in out]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=10)


def build(workdir: Path) -> str:
    """Build the driver against the vendored x/mod; returns the binary path."""
    go = gotool.find_go()
    src = gotool.goroot() / "src" / "cmd" / "vendor" / "golang.org" / "x" / "mod"
    xmod = workdir / "xmod"
    shutil.copytree(src, xmod)
    (xmod / "go.mod").write_text("module golang.org/x/mod\n\ngo 1.22\n")
    drv = workdir / "driver"
    drv.mkdir()
    (drv / "main.go").write_text(DRIVER)
    (drv / "go.mod").write_text(
        "module oracle\n\ngo 1.22\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ../xmod\n"
    )
    env = gotool.hermetic_env(workdir / "env").environ
    out = workdir / "oracle"
    p = subprocess.run([go, "build", "-o", str(out), "."], cwd=drv, env=env, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"building the x/mod oracle failed:\n{p.stdout}\n{p.stderr}")
    gotool.make_writable(workdir / "env")
    return str(out)


def start() -> tuple[Oracle, tempfile.TemporaryDirectory[str]]:
    tmp = tempfile.TemporaryDirectory(prefix="gozt-xmod-")
    binary = build(Path(tmp.name))
    return Oracle(binary), tmp


__all__ = ["Oracle", "build", "start", "os"]
