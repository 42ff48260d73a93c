#!/usr/bin/env python3
"""Hostile input against time and memory budgets (issue "Hardening").

    python bench/hostile.py [--pythonpath DIR] [--sizes 10000,12500,100000] [--lsp]

1. The files hook (`gozt-lint --no-env go.mod go.sum`, staged in a git repository,
   as pre-commit runs it) on a go.mod with N requires plus N replaces and a go.sum
   with both lines of every module, one hash changed and staged (so the history
   rule reads two blobs). Budget: 10,000 requires under 2 s; linear beyond.
2. A `.gozt-lint.toml` ignore pattern that backtracked exponentially as a regular
   expression (`example.com/*a*a*...*ab` against a 40-character module path), in
   GONOSUMDB too, with the environment hook.
3. With --lsp: a 50 MB go.sum opened in the language server: time to the first
   diagnostic, a hover, and the server's peak memory (VmHWM).

--pythonpath runs another checkout's gozt_lint (e.g. a `git worktree` of an older
commit) for before/after figures; the language server part needs an install.
Prints one line per measurement: wall time and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_module(d: Path, n: int) -> None:
    req = "".join(f"\texample.com/m{i} v1.0.{i}\n" for i in range(n))
    rep = "".join(f"\texample.com/m{i} => example.com/fork{i} v1.0.{i}\n" for i in range(n))
    (d / "go.mod").write_text(f"module example.com/big\n\ngo 1.22\n\nrequire (\n{req})\n\nreplace (\n{rep})\n")
    lines = []
    for i in range(n):
        h = base64.b64encode(hashlib.sha256(str(i).encode()).digest()).decode()
        lines.append(f"example.com/m{i} v1.0.{i} h1:{h}\n")
        lines.append(f"example.com/m{i} v1.0.{i}/go.mod h1:{h}\n")
    (d / "go.sum").write_text("".join(lines))


def git(d: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *args], cwd=d, check=True, capture_output=True)


def timed(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 3600) -> tuple[float, int, int]:
    """(seconds, exit status, peak RSS of that child in MiB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            p.kill()
            os.wait4(p.pid, 0)
            raise subprocess.TimeoutExpired(cmd, timeout)
        time.sleep(0.01)
    p.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, p.returncode, usage.ru_maxrss >> 10


def hook(sizes: list[int], env: dict[str, str]) -> None:
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            write_module(d, n)
            git(d, "init", "-q")
            git(d, "add", ".")
            git(d, "commit", "-qm", "base")
            text = (d / "go.sum").read_text()
            (d / "go.sum").write_text(text.replace(" h1:", " h1:Z", 1))
            git(d, "add", "go.sum")
            dt, rc, mib = timed([sys.executable, "-m", "gozt_lint", "--no-env", "go.mod", "go.sum"], d, env)
            print(f"hook, {n:>7,} requires + replaces: {dt:6.2f} s, exit {rc}, peak {mib} MiB", flush=True)


HOSTILE = "example.com/" + "*a" * 12 + "*b"


def patterns(env: dict[str, str], timeout: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        mod = "example.com/" + "a" * 40
        (d / "go.mod").write_text(f"module example.com/m\n\ngo 1.22\n\nrequire {mod} v1.0.0\n")
        (d / ".gozt-lint.toml").write_text(f'[[ignore]]\nmodule = "{HOSTILE}"\nreason = "hostile"\n')
        for what, args, extra in (
            ("[[ignore]] module", ["--no-env", "go.mod"], {}),
            ("GONOSUMDB, env hook", ["--select", "env", "--no-memo"], {"GONOSUMDB": HOSTILE}),
        ):
            try:
                dt, rc, mib = timed([sys.executable, "-m", "gozt_lint", *args], d, {**env, **extra}, timeout)
                print(f"hostile pattern in {what}: {dt:6.2f} s, exit {rc}, peak {mib} MiB", flush=True)
            except subprocess.TimeoutExpired:
                print(f"hostile pattern in {what}: still running after {timeout:.0f} s (killed)", flush=True)


def lsp(env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "go.mod").write_text("module example.com/m\n\ngo 1.22\n\nrequire example.com/m1 v1.0.1\n")
        line = "example.com/m{0} v1.0.{0} h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        parts, size, i = [], 0, 0
        while size < 50 << 20:
            s = line.format(i)
            parts.append(s)
            size += len(s)
            i += 1
        big = "".join(parts)
        (d / "go.sum").write_text(big)
        p = subprocess.Popen([sys.executable, "-m", "gozt_lint", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env)
        assert p.stdin is not None and p.stdout is not None
        buf = b""

        def send(obj: object) -> None:
            body = json.dumps(obj).encode()
            p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]

        def until(pred: object, timeout: float = 600) -> dict[str, object]:
            nonlocal buf
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                while b"\r\n\r\n" in buf:
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    n = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
                    if len(rest) < n:
                        break
                    msg, buf = json.loads(rest[:n]), rest[n:]
                    if pred(msg):  # type: ignore[operator]
                        return msg  # type: ignore[no-any-return]
                if select.select([p.stdout], [], [], 0.1)[0]:
                    buf += os.read(p.stdout.fileno(), 1 << 20)  # type: ignore[union-attr]
            raise TimeoutError

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": d.as_uri(),
              "initializationOptions": {"goztLint": {"families": ["gomod", "gosum"]}}}})
        until(lambda m: m.get("id") == 1)
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        uri = (d / "go.sum").as_uri()
        t0 = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "go.sum", "version": 1, "text": big}}})
        until(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 3}}})
        until(lambda m: m.get("id") == 2)
        hover = time.perf_counter() - t0
        with open(f"/proc/{p.pid}/status") as f:
            hwm = next(int(x.split()[1]) for x in f if x.startswith("VmHWM")) >> 10
        send({"jsonrpc": "2.0", "id": 3, "method": "shutdown"})
        until(lambda m: m.get("id") == 3)
        send({"jsonrpc": "2.0", "method": "exit"})
        p.wait(30)
        print(f"lsp, 50 MB go.sum: first diagnostics {first:.2f} s, hover {hover:.3f} s, server peak {hwm} MiB", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pythonpath", help="import gozt_lint from this checkout instead")
    ap.add_argument("--sizes", default="10000,12500,100000")
    ap.add_argument("--pattern-timeout", type=float, default=120)
    ap.add_argument("--lsp", action="store_true")
    args = ap.parse_args()
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": ""}
    if args.pythonpath:
        env["PYTHONPATH"] = os.path.abspath(args.pythonpath)
    hook([int(s) for s in args.sizes.split(",") if s], env)
    patterns(env, args.pattern_timeout)
    if args.lsp:
        lsp(env)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
