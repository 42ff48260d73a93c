"""`gozt-lint snapshot`: record the build environment; `--snapshot FILE` compares with it.

The file (go-env-checksum.json by default) is deterministic JSON, sorted keys,
written atomically::

    {"format": 1, "created": "...",          # created and "info" are ignored on compare
     "info": {"go_path": ..., "goroot": ..., "root": ..., "tool": "gozt-lint X"},
     "go": {"version", "sha256", "goroot_sha256", "goroot_files",
            "release": {"module", "h1", "deviations"}},    # GOROOT against its Go release
     "env": {VAR: effective value, ...},     # goenv.POLICY_VARS; $HOME written as ~
     "files": {"go.mod": sha256, "sub/go.sum": sha256, ...},   # relative to the repo root
     "sums": {"go.sum": {"<path> <version>[/go.mod]": [h1, ...]}},
     "graph": {"go.mod": {"<path>": {"version", "indirect", "replace"}}},
     "modules": {"<path>@<version>": "<.ziphash h1>" | null},  # the build list, in the cache
     "toolchains": {"<golang.org/toolchain version>": "<Go version bin/go would run>"},
     "cache": {"<path>@<version>": {"dir", "dir_mode", "file_modes", "zip", "ziphash", "mod"}}}  # --cache only

Comparing reports each difference once: a go.sum line that changed is reported as
that line (not also as the file's SHA-256), a module whose graph version moved is
reported in the graph (not also as two module entries).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from gozt_lint.errors import InputError, UsageError

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.finding import Finding

FORMAT = 1
DEFAULT_NAME = "go-env-checksum.json"
_PATH_VARS = {"GOROOT", "GOPATH", "GOMODCACHE", "GOCACHE", "GOBIN", "GOENV", "GOWORK", "GOTMPDIR", "GOTELEMETRYDIR"}


# -- building ------------------------------------------------------------------------------


def _home_relative(value: str, home: str) -> str:
    """$HOME spelled ~ so runners with different home directories agree."""
    if not home or home == "/":
        return value
    parts = value.split(os.pathsep)
    out = []
    for p in parts:
        if p == home:
            out.append("~")
        elif p.startswith(home.rstrip("/") + "/"):
            out.append("~" + p[len(home.rstrip("/")) :])
        else:
            out.append(p)
    return os.pathsep.join(out)


def _rel(ctx: Context, p: Path) -> str:
    try:
        rel = os.path.relpath(p, ctx.root)
    except ValueError:
        return str(p)
    return rel.replace(os.sep, "/")


def ziphash(gomodcache: str, path: str, version: str) -> str | None:
    from gozt_lint.module import escape_path, escape_version

    try:
        f = os.path.join(gomodcache, "cache", "download", escape_path(path), "@v", escape_version(version) + ".ziphash")
        with open(f, "rb") as fh:
            text = fh.read(4096).decode("utf-8", "replace").strip()
    except (OSError, ValueError):
        return None
    return text or None


def build(ctx: Context, *, cache: bool = False) -> dict[str, Any]:
    """The snapshot document of the environment ``ctx`` sees (scope: its units)."""
    from gozt_lint import __version__, goenv, graph, toolchain

    env = ctx.env
    home = ctx.environ.get("HOME", "")
    tc = toolchain.get(ctx)
    doc: dict[str, Any] = {"format": FORMAT}
    doc["created"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc["info"] = {
        "tool": f"gozt-lint {__version__}",
        "go_path": tc.go_path,
        "goroot": tc.goroot,
        "root": str(ctx.root),
    }
    go: dict[str, Any] = {"version": tc.go_version_output, "sha256": tc.go_sha256}
    if tc.goroot:
        digest, goroot_files = ctx.once(_goroot_manifest)
        go["goroot_sha256"], go["goroot_files"] = digest, goroot_files
        rel = _release(ctx)
        if rel is not None:
            go["release"] = rel
    doc["go"] = go
    doc["env"] = {
        name: (_home_relative(env.get(name), home) if name in _PATH_VARS else env.get(name)) for name in goenv.POLICY_VARS
    }

    files: dict[str, str] = {}
    sums: dict[str, dict[str, list[str]]] = {}
    graphs: dict[str, dict[str, Any]] = {}
    modules: dict[str, str | None] = {}
    gomodcache = env.get("GOMODCACHE")
    for u in ctx.units:
        for p in (u.main, u.sum):
            data = ctx.read(p)
            if data is not None:
                files[_rel(ctx, p)] = hashlib.sha256(data).hexdigest()
        sf = ctx.sumfile(u)
        if sf is not None:
            lines: dict[str, list[str]] = {}
            for ln in sf.lines:
                lines.setdefault(f"{ln.path} {ln.version}{'/go.mod' if ln.gomod else ''}", []).append(ln.hash)
            sums[_rel(ctx, u.sum)] = {k: sorted(set(v)) for k, v in lines.items()}
        g = graph.get(ctx, u, needs=False) if u.main.is_file() else None
        if g is not None and g.modules is not None:
            graphs[_rel(ctx, u.main)] = {
                m.path: {k: v for k, v in m.to_json().items() if k != "path"} for m in g.modules if not m.main
            }
            for m in g.modules:
                eff = m.effective
                if eff is not None:
                    modules[f"{eff[0]}@{eff[1]}"] = ziphash(gomodcache, *eff) if gomodcache else None
    doc["files"] = files
    doc["sums"] = sums
    doc["graph"] = graphs
    doc["modules"] = modules
    doc["toolchains"] = {ct.module_version: (ct.go.go_version if ct.go and ct.go.info else None) for ct in toolchain.cached_toolchains(ctx)}
    if cache:
        doc["cache"] = cache_entries(gomodcache) if gomodcache else {}
    return doc


def _release(ctx: Context) -> dict[str, Any] | None:
    """GOROOT against its Go release (offline, as every snapshot): the release module,
    its h1 and what differs from it; h1 and deviations are null when no authenticated
    release manifest was available."""
    from gozt_lint import goroot

    rep = goroot.report(ctx)
    if rep.outcome is None:
        return None
    m = rep.outcome.manifest
    return {
        "module": rep.outcome.module,
        "h1": m.h1 if m is not None else None,
        "deviations": rep.deviations if m is not None else None,
    }


def _goroot_manifest(ctx: Context) -> tuple[str, int]:
    from gozt_lint import toolchain

    return toolchain.goroot_manifest(toolchain.get(ctx).goroot or "")


def dumps(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- the module cache ----------------------------------------------------------------------------


def _mode(st: os.stat_result) -> str:
    return f"{stat.S_IMODE(st.st_mode):04o}"


def cache_entries(gomodcache: str) -> dict[str, dict[str, Any]]:
    """Each module version in the cache: h1 of its extracted directory (with the
    directory mode and the set of file modes), of its zip, the recorded
    ``.ziphash`` and the h1 of its ``.mod``."""
    from gozt_lint import dirhash
    from gozt_lint.module import unescape_path, unescape_version

    out: dict[str, dict[str, Any]] = {}

    def entry(key: str) -> dict[str, Any]:
        return out.setdefault(key, {})

    # Extracted directories: <escaped path>@<escaped version>, anywhere but cache/.
    for dirpath, dirnames, _files in os.walk(gomodcache):
        if dirpath == gomodcache:
            dirnames[:] = [d for d in dirnames if d != "cache"]
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                continue
            if "@" not in d:
                keep.append(d)
                continue
            esc_path = os.path.relpath(full, gomodcache).replace(os.sep, "/")
            p_esc, _, v_esc = esc_path.rpartition("@")
            try:
                path, version = unescape_path(p_esc), unescape_version(v_esc)
            except ValueError:
                path, version = p_esc, v_esc
            e = entry(f"{path}@{version}")
            e["dir"] = _hash_dir(full, f"{path}@{version}")
            e["dir_mode"] = _mode(os.lstat(full))
            e["file_modes"] = sorted(_file_modes(full))
        dirnames[:] = keep

    # Downloads: cache/download/<escaped path>/@v/<escaped version>.{zip,ziphash,mod}
    dl = os.path.join(gomodcache, "cache", "download")
    for dirpath, dirnames, filenames in os.walk(dl):
        dirnames[:] = sorted(d for d in dirnames if d != "sumdb" or dirpath != dl)
        if os.path.basename(dirpath) != "@v":
            continue
        p_esc = os.path.relpath(os.path.dirname(dirpath), dl).replace(os.sep, "/")
        for name in sorted(filenames):
            stem, dot, ext = name.rpartition(".")
            if not dot or ext not in ("zip", "ziphash", "mod"):
                continue
            try:
                path, version = unescape_path(p_esc), unescape_version(stem)
            except ValueError:
                path, version = p_esc, stem
            full = os.path.join(dirpath, name)
            e = entry(f"{path}@{version}")
            try:
                if ext == "zip":
                    e["zip"] = _hash_zip(full)
                elif ext == "ziphash":
                    with open(full, "rb") as f:
                        e["ziphash"] = f.read(4096).decode("utf-8", "replace").strip()
                else:
                    with open(full, "rb") as f:
                        e["mod"] = dirhash.hash_gomod(f.read())
                e[f"{ext}_mode"] = _mode(os.lstat(full))
            except OSError as err:
                e[ext] = f"unreadable: {err.strerror or err}"
    return out


def _file_modes(top: str) -> set[str]:
    modes: set[str] = set()
    for dirpath, _dirnames, filenames in os.walk(top):
        for n in filenames:
            try:
                modes.add(_mode(os.lstat(os.path.join(dirpath, n))))
            except OSError:
                pass
    return modes


def _hash_dir(top: str, prefix: str) -> str | None:
    """dirhash.HashDir, or None when the tree holds links or special files (those
    are findings of the module-cache rules, and a baseline can't vouch for them)."""
    from gozt_lint import dirhash

    res = dirhash.hash_dir(top, prefix)
    # A hard link still has the right bytes; only links and special files void the hash.
    if res.error or any(not p.message.startswith("hard link") for p in res.problems):
        return None
    return res.h1


def _hash_zip(path: str) -> str | None:
    """dirhash.HashZip (raw entry names, directory entries included), or None if unreadable."""
    from gozt_lint import dirhash

    res = dirhash.hash_zip(path)
    return res.h1 if not res.error else None


# -- comparing -----------------------------------------------------------------------------------


def load_file(path: str) -> dict[str, Any]:
    from gozt_lint.fileio import read_input

    data = read_input(Path(path))
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError(path, f"snapshot is not UTF-8 (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise InputError(path, f"line {e.lineno} column {e.colno}: not a gozt-lint snapshot: {e.msg}") from None
    except RecursionError:  # json's parser recurses per nesting level
        raise InputError(path, "not a gozt-lint snapshot: nested too deeply") from None
    if not isinstance(doc, dict) or "format" not in doc:
        raise InputError(path, "not a gozt-lint snapshot (no \"format\" field)")
    if doc.get("format") != FORMAT:
        raise InputError(path, f"snapshot format {doc.get('format')!r} is not supported (expected {FORMAT})")
    for key in ("go", "env", "files", "sums", "graph", "modules", "toolchains"):
        if not isinstance(doc.get(key, {}), dict):
            raise InputError(path, f"snapshot field {key!r} must be an object")
    return doc


def _show(v: Any) -> str:
    if v is None:
        return "(absent)"
    if isinstance(v, str):
        return v if v else "(empty)"
    return json.dumps(v, sort_keys=True)


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Finding]:
    """One finding per difference between a recorded snapshot and the present."""
    from gozt_lint.finding import finding

    def drift(what: str, old_v: Any, new_v: Any, *, file: str | None = None, line: int | None = None, **extra: Any) -> Finding:
        if old_v is None:
            msg = f"{what}: not in the snapshot, now {_show(new_v)}"
        elif new_v is None:
            msg = f"{what}: {_show(old_v)} in the snapshot, now absent"
        else:
            msg = f"{what} changed: snapshot {_show(old_v)}, now {_show(new_v)}"
        return finding(msg, file=file, line=line, what=what, old=old_v, new=new_v, **extra)

    def each(a: dict[str, Any], b: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                yield k, a.get(k), b.get(k)

    for k, o, n in each(_dict(old.get("go")), _dict(new.get("go"))):
        if k in ("goroot_files", "release"):
            continue  # the manifest hash says it; the release is compared below
        yield drift({"sha256": "go binary SHA-256", "version": "go version", "goroot_sha256": "GOROOT manifest SHA-256"}.get(k, f"go {k}"), o, n)
    yield from _compare_release(ctx, _dict(_dict(old.get("go")).get("release")), _dict(_dict(new.get("go")).get("release")), drift)
    for k, o, n in each(_dict(old.get("env")), _dict(new.get("env"))):
        yield drift(f"env {k}", o, n)

    root = ctx.root
    old_sums, new_sums = _dict(old.get("sums")), _dict(new.get("sums"))
    for rel, o, n in each(_dict(old.get("files")), _dict(new.get("files"))):
        if rel in old_sums and rel in new_sums and old_sums[rel] != new_sums[rel]:
            continue  # reported line by line below
        yield drift(f"{rel} SHA-256", o, n, file=str(root / rel) if n is not None else None)
    for rel in sorted(set(old_sums) & set(new_sums)):
        cur = ctx.sumfile(_unit_for(ctx, root / rel)) if _unit_for(ctx, root / rel) else None
        lines = {f"{ln.path} {ln.version}{'/go.mod' if ln.gomod else ''}": ln.line for ln in cur.lines} if cur else {}
        for key, o, n in each(_dict(old_sums[rel]), _dict(new_sums[rel])):
            mod, _, ver = key.partition(" ")
            yield drift(
                f"{rel} line {key}", " ".join(o) if isinstance(o, list) else o, " ".join(n) if isinstance(n, list) else n,
                file=str(root / rel), line=lines.get(key), module=mod, version=ver.removesuffix("/go.mod"),
            )

    moved: set[str] = set()
    lost_graph = False
    old_graph, new_graph = _dict(old.get("graph")), _dict(new.get("graph"))
    for rel in sorted(set(old_graph) | set(new_graph)):
        og, ng = _dict(old_graph.get(rel)), _dict(new_graph.get(rel))
        if rel not in old_graph or rel not in new_graph:
            lost_graph = lost_graph or rel not in new_graph
            now = f"{len(ng)} modules" if rel in new_graph else None
            extra: dict[str, Any] = {"hint": "the graph could not be loaded offline; see the notes"} if now is None else {}
            yield drift(f"module graph of {rel}", f"{len(og)} modules" if rel in old_graph else None, now,
                        file=str(root / rel), **extra)
            continue
        for path, o, n in each(og, ng):
            moved.add(path)
            for m in (o, n):
                rep = _dict(m).get("replace") if m else None
                if rep:
                    moved.add(str(_dict(rep).get("path")))
            yield drift(f"module graph of {rel}: {path}", _graph_text(o), _graph_text(n), file=str(root / rel), module=path)

    uncached = 0
    for key, o, n in each(_dict(old.get("modules")), _dict(new.get("modules"))):
        path = key.rpartition("@")[0]
        absent = key not in _dict(old.get("modules")) or key not in _dict(new.get("modules"))
        if absent and (path in moved or lost_graph):
            continue  # the graph change above explains it
        if not absent and (o is None or n is None):
            # In the build list on both sides but downloaded on one only (a runner
            # that ran `go build` against one that ran `go mod download all`):
            # nothing to compare, and nothing changed.
            uncached += 1
            continue
        yield drift(f"module {key} h1 in the module cache", o, n, module=path, version=key.rpartition("@")[2])
    if uncached:
        ctx.note(f"snapshot: {uncached} build-list modules are in the module cache on one side only; their h1 not compared")
    for key, o, n in each(_dict(old.get("toolchains")), _dict(new.get("toolchains"))):
        yield drift(f"cached toolchain golang.org/toolchain@{key} (Go version it runs)", o, n, module="golang.org/toolchain", version=key)
    if "cache" in old:
        oc, nc = _dict(old.get("cache")), _dict(new.get("cache"))
        for key, o, n in each(oc, nc):
            if o is None or n is None:
                yield drift(f"module cache entry {key}", _cache_text(o), _cache_text(n), module=key.rpartition("@")[0], version=key.rpartition("@")[2])
                continue
            parts = [f"{f}: {_show(_dict(o).get(f))} → {_show(_dict(n).get(f))}" for f in sorted(set(_dict(o)) | set(_dict(n))) if _dict(o).get(f) != _dict(n).get(f)]
            yield finding(
                f"module cache entry {key} differs from the snapshot: " + "; ".join(parts),
                module=key.rpartition("@")[0], version=key.rpartition("@")[2], what=f"cache {key}", old=o, new=n,
            )


def _compare_release(ctx: Context, old: dict[str, Any], new: dict[str, Any], drift: Any) -> Iterator[Finding]:
    """GOROOT's release and its deviations from it. Snapshots written before this
    was recorded, or without a release manifest on one side, compare nothing here."""
    if not old or not new:
        return
    if old.get("module") != new.get("module") or (old.get("h1") and new.get("h1") and old.get("h1") != new.get("h1")):
        yield drift("GOROOT release", f"{old.get('module')} {old.get('h1') or ''}".strip(), f"{new.get('module')} {new.get('h1') or ''}".strip())
        return
    od, nd = old.get("deviations"), new.get("deviations")
    if not isinstance(od, list) or not isinstance(nd, list):
        if od != nd:
            ctx.note("snapshot: GOROOT was verified against its release on one side only (no release manifest offline); not compared")
        return
    for dev in sorted(set(map(str, od)) ^ set(map(str, nd))):
        gone = dev in map(str, od)
        yield drift(f"GOROOT against {new.get('module')}", dev if gone else None, None if gone else dev)


def _graph_text(m: Any) -> str | None:
    if not isinstance(m, dict):
        return None
    text = str(m.get("version") or "")
    rep = m.get("replace")
    if isinstance(rep, dict):
        text += f" => {rep.get('path')} {rep.get('version') or ''}".rstrip()
    if m.get("indirect"):
        text += " // indirect"
    return text.strip() or "(no version)"


def _cache_text(e: Any) -> str | None:
    if not isinstance(e, dict):
        return None
    return ", ".join(f"{k} {e[k]}" for k in ("dir", "zip", "ziphash", "mod") if e.get(k)) or "(empty entry)"


def _unit_for(ctx: Context, p: Path) -> Any:
    for u in ctx.units:
        if os.path.normpath(u.sum) == os.path.normpath(p):
            return u
    return None


def scope(ctx: Context) -> Context:
    """The context to compare in: the scope `gozt-lint snapshot` records (every module
    under the repository root, as with --all), whatever paths this run was given.
    Comparing a narrower run (no --all, a workspace root, one file) with the whole
    recorded repository would report every module left out as vanished."""
    return ctx.once(_scope)


def _scope(ctx: Context) -> Context:
    from gozt_lint.context import Context, Options

    o = ctx.options
    if o.all and not o.paths:
        return ctx
    wide = Context(
        cwd=ctx.cwd,
        environ=ctx.environ,
        config=ctx.config,
        options=Options(all=True, snapshot=o.snapshot, memo=o.memo, jobs=o.jobs, online=o.online, go=o.go),
    )
    wide.discover()
    return wide


def current(ctx: Context) -> dict[str, Any]:
    """The snapshot of now, for the file given with --snapshot (memoize with ctx.once)."""
    old = recorded(ctx)
    return build(ctx, cache="cache" in old)


def recorded(ctx: Context) -> dict[str, Any]:
    return ctx.once(_recorded)


def _recorded(ctx: Context) -> dict[str, Any]:
    if not ctx.options.snapshot:
        raise UsageError("no snapshot given (--snapshot FILE)")
    return load_file(str(ctx.cwd / ctx.options.snapshot))
