"""The module graph as the go command computes it, from the module cache only.

For a go.mod, the go command runs against a private copy of the go.mod
(``-modfile``) with an empty go.sum, ``-mod=mod`` and ``GOPROXY=off``:

1. ``go mod graph`` fails when the cache lacks a go.mod the graph needs (nothing
   is downloaded); we then fall back to go.mod-only analysis and say so;
2. ``go list -m -e -json all`` gives the build list (path, version, replacement,
   indirect); the go.sum the go command writes beside the copy holds every
   ``/go.mod`` line it read, the candidates;
3. that is more than it needs: with ``-mod=mod`` it also reads (and records) the
   go.mod of a pruned dependency's requirements whenever the cache holds it,
   lines `go mod tidy` never writes. So ``go list -m all`` runs again under
   ``-mod=readonly`` with the candidates the real go.sum has; each "missing
   go.sum entry for go.mod file" it reports is a line the real go.sum needs and
   lacks, added before the next try. What it finally accepts is exactly what the
   real go.sum must contain for ``go list -m all`` (and every build) to succeed.

The user's go.mod, go.sum and cache are never written: the copy lives in a
temporary directory, and with everything cached (step 1 checked it) the go
command has nothing to fetch. For a go.work, the graph is listed in place
(``-modfile`` does not exist in workspace mode) and no needs are derived.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gozt_lint.context import Context, Unit

GRAPH_TIMEOUT = 120.0

# Step 3 adds one missing line per go run; past this many the go.sum is too far
# from complete to be worth the runs, and the go.mod-only analysis is used.
MAX_MISSING_GOMOD = 32

_MISSING_GOMOD_SUM = re.compile(r"(\S+)@(\S+): missing go\.sum entry for go\.mod file")

# What `go list -m` says for a listed module whose .info is not cached (it looks up
# each version's time after the graph is loaded): not a failure to load the graph.
_LISTING_ONLY = "go: module lookup disabled by GOPROXY=off"


@dataclass(frozen=True)
class Module:
    path: str
    version: str  # "" for main modules
    main: bool = False
    indirect: bool = False
    replace_path: str | None = None
    replace_version: str | None = None  # None with replace_path set: a directory replacement
    go_version: str | None = None

    @property
    def replaced_by_dir(self) -> bool:
        return self.replace_path is not None and not self.replace_version

    @property
    def effective(self) -> tuple[str, str] | None:
        """The module version whose files are built (the replacement if any); None for
        main modules and directory replacements."""
        if self.main or self.replaced_by_dir:
            return None
        if self.replace_path is not None and self.replace_version:
            return (self.replace_path, self.replace_version)
        return (self.path, self.version)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "version": self.version, "indirect": self.indirect}
        if self.main:
            out["main"] = True
        out["replace"] = (
            None if self.replace_path is None else {"path": self.replace_path, "version": self.replace_version or ""}
        )
        return out


@dataclass
class Graph:
    unit_main: str
    modules: list[Module]
    # (path, "version/go.mod") keys of the go.sum lines the go command needed to load
    # the graph; None in workspace mode.
    needed_gomod: set[tuple[str, str]] | None = None
    gomod_updated: bool = False  # the go command wanted to change the go.mod (not tidy)
    # (path, version) of the modules whose zip line the go command needs to build and
    # test the module's packages (they provide packages); None when not determined.
    needed_zip: set[tuple[str, str]] | None = None

    def module(self, path: str) -> Module | None:
        for m in self.modules:
            if m.path == path:
                return m
        return None


def offline_env(ctx: Context) -> dict[str, str]:
    """Settings that keep the go command off the network and on the user's cache."""
    env = ctx.env
    out = {
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GONOPROXY": "",
        "GONOSUMDB": "",
        "GOPRIVATE": "",
        "GOINSECURE": "",
        "GOVCS": "*:off",
    }
    # run_go sets GOENV=off, so what the user's go env file says must be passed on.
    for name in ("GOPATH", "GOMODCACHE"):
        if env.get(name):
            out[name] = env.get(name)
    return out


def _modcache_dir(ctx: Context) -> str | None:
    cache = ctx.env.get("GOMODCACHE")
    if not cache:
        gopath = (ctx.env.get("GOPATH") or "").split(os.pathsep)[0]
        cache = os.path.join(gopath, "pkg", "mod") if gopath else ""
    return cache if cache and os.path.isabs(cache) else None


def parse_json_stream(text: str) -> list[dict[str, Any]]:
    dec = json.JSONDecoder()
    out = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        obj, i = dec.raw_decode(text, i)
        if isinstance(obj, dict):
            out.append(obj)
    return out


def _modules(objs: list[dict[str, Any]]) -> list[Module]:
    mods = []
    for o in objs:
        rep = o.get("Replace") or None
        mods.append(
            Module(
                path=str(o.get("Path", "")),
                version=str(o.get("Version", "") or ""),
                main=bool(o.get("Main", False)),
                indirect=bool(o.get("Indirect", False)),
                replace_path=str(rep.get("Path")) if rep else None,
                replace_version=(str(rep.get("Version") or "") or None) if rep else None,
                go_version=o.get("GoVersion"),
            )
        )
    return mods


def _first_line(text: str) -> str:
    """The go command's message on one line (it wraps "X requires\n\tY: why")."""
    joined = " ".join(ln.strip() for ln in text.strip().splitlines() if ln.strip())
    return joined[:300] if joined else "no output"


def load(ctx: Context, unit: Unit) -> Graph | None:
    """The graph of ``unit``, or None (with a note) when it cannot be computed offline."""
    from gozt_lint import goenv
    from gozt_lint.sumfile import parse_gosum

    go = ctx.env.go_binary
    where = unit.main
    if go is None:
        ctx.note("graph: no go binary; module graph not loaded, go.mod-only analysis used")
        return None
    if not unit.main.is_file():
        return None
    extra = offline_env(ctx)

    def fallback(why: str) -> None:
        ctx.note(f"graph: {where}: {why}; go.mod-only analysis used")

    cache = _modcache_dir(ctx)
    if cache is None or not os.path.isdir(cache):
        # The go command creates GOMODCACHE when it runs; without a cache there is no
        # graph to load offline anyway, and gozt-lint must not create one.
        fallback(f"no module cache at {cache}" if cache else "no module cache (GOMODCACHE and GOPATH unset)")
        return None

    try:
        if unit.kind == "work":
            extra.update(GOWORK=str(unit.main), GOFLAGS="-mod=readonly")
            p = goenv.run_go(go, ["mod", "graph"], ctx.environ, cwd=str(unit.dir), extra_env=extra, timeout=GRAPH_TIMEOUT)
            if p.returncode != 0:
                fallback(f"the module cache lacks what the graph needs ({_first_line(p.stderr)})")
                return None
            p = goenv.run_go(go, ["list", "-m", "-e", "-json", "all"], ctx.environ, cwd=str(unit.dir), extra_env=extra, timeout=GRAPH_TIMEOUT)
            if p.returncode != 0:
                fallback(f"`go list -m all` failed ({_first_line(p.stderr)})")
                return None
            return Graph(str(unit.main), _modules(parse_json_stream(p.stdout)))

        with tempfile.TemporaryDirectory(prefix="gozt-lint-graph-") as tmp:
            alt_mod = os.path.join(tmp, "go.mod")
            alt_sum = os.path.join(tmp, "go.sum")
            data = ctx.read(unit.main)
            if data is None:
                return None
            with open(alt_mod, "wb") as f:
                f.write(data)
            open(alt_sum, "wb").close()
            extra["GOFLAGS"] = f"-mod=mod -modfile={alt_mod}"
            p = goenv.run_go(go, ["mod", "graph"], ctx.environ, cwd=str(unit.dir), extra_env=extra, timeout=GRAPH_TIMEOUT)
            if p.returncode != 0:
                fallback(f"the module cache lacks what the graph needs ({_first_line(p.stderr)})")
                return None
            open(alt_sum, "wb").close()  # `go mod graph` may have recorded some; start clean
            p = goenv.run_go(go, ["list", "-m", "-e", "-json", "all"], ctx.environ, cwd=str(unit.dir), extra_env=extra, timeout=GRAPH_TIMEOUT)
            if p.returncode != 0:
                fallback(f"`go list -m all` failed ({_first_line(p.stderr)})")
                return None
            mods = _modules(parse_json_stream(p.stdout))
            with open(alt_sum, "rb") as f:
                candidates = {ln.key: ln.text for ln in parse_gosum(alt_sum, f.read()).lines if ln.gomod}
            with open(alt_mod, "rb") as f:
                updated = f.read() != data
            if updated:
                ctx.note(f"graph: {where} is not tidy (the go command would change it); the graph is the one it would compute")
            needed = _needed_gomod(ctx, unit, go, extra, alt_mod, alt_sum, candidates)
            zips = _needed_zip(ctx, unit, go, extra, tmp, data, mods) if needed is not None else None
            return Graph(str(unit.main), mods, needed, updated, zips)
    except subprocess.TimeoutExpired:
        fallback(f"the go command did not finish in {GRAPH_TIMEOUT:.0f}s")
    except (OSError, ValueError) as e:
        fallback(f"cannot run the go command: {e}")
    return None


def _needed_gomod(
    ctx: Context, unit: Unit, go: str, extra: dict[str, str], alt_mod: str, alt_sum: str, candidates: dict[tuple[str, str], str]
) -> set[tuple[str, str]] | None:
    """Step 3: the candidate ``/go.mod`` keys the go command needs, given the real
    go.sum: those it has, plus those ``go list -m all`` says it lacks. None (with a
    note) when the go command fails for another reason or too many are missing."""
    from gozt_lint import goenv

    sf = ctx.sumfile(unit)
    have = {ln.key for ln in sf.lines if ln.usable} if sf is not None else set()
    # The candidates' own hashes: a wrong hash in the real go.sum is another rule's
    # finding, and would stop the go command before it says what is missing.
    lines = {k: t for k, t in candidates.items() if k in have}
    env = {**extra, "GOFLAGS": f"-mod=readonly -modfile={alt_mod}"}
    for _ in range(MAX_MISSING_GOMOD + 1):
        with open(alt_sum, "w", encoding="utf-8") as f:
            f.writelines(t + "\n" for t in sorted(lines.values()))
        p = goenv.run_go(go, ["list", "-m", "all"], ctx.environ, cwd=str(unit.dir), extra_env=env, timeout=GRAPH_TIMEOUT)
        missing = {(m.group(1), m.group(2) + "/go.mod") for m in _MISSING_GOMOD_SUM.finditer(p.stderr)}
        if p.returncode == 0 or (not missing and all(ln.strip() == _LISTING_ONLY for ln in p.stderr.splitlines() if ln.strip())):
            return set(lines)
        new = [k for k in missing if k in candidates and k not in lines]
        if not new:
            ctx.note(f"graph: {unit.main}: `go list -m all` failed ({_first_line(p.stderr)}); go.mod-only analysis used")
            return None
        for k in new:
            lines[k] = candidates[k]
    ctx.note(f"graph: {unit.main}: more than {MAX_MISSING_GOMOD} go.mod lines missing from go.sum; go.mod-only analysis used")
    return None


def _needed_zip(
    ctx: Context, unit: Unit, go: str, extra: dict[str, str], tmp: str, data: bytes, mods: list[Module]
) -> set[tuple[str, str]] | None:
    """Step 4: the modules providing the packages that the module's packages and
    tests import: `go list -deps -test ./...` on a copy of go.mod with an empty
    go.sum, in -mod=mod, records exactly their zip lines (from the cache).

    Loading packages extracts zips that are not extracted yet and indexes modules
    in GOCACHE: the first would change the user's module cache, so the step is
    skipped when the build list has a zip not yet extracted; the second goes to a
    throwaway GOCACHE."""
    from gozt_lint import goenv
    from gozt_lint.module import escape_path, escape_version
    from gozt_lint.sumfile import parse_gosum

    cache = _modcache_dir(ctx)
    if cache is None:
        return None
    for m in mods:
        eff = m.effective
        if eff is None:
            continue
        ep, ev = escape_path(eff[0]), escape_version(eff[1])
        zpath = os.path.join(cache, "cache", "download", ep, "@v", ev + ".zip")
        if os.path.exists(zpath) and not os.path.isdir(os.path.join(cache, f"{ep}@{ev}")):
            ctx.note(
                f"graph: {unit.main}: {eff[0]}@{eff[1]} is cached but not extracted; the packages were not "
                "loaded (that would extract it), so only direct requirements' zip lines are checked"
            )
            return None
    alt_mod, alt_sum = os.path.join(tmp, "pkgs.mod"), os.path.join(tmp, "pkgs.sum")
    with open(alt_mod, "wb") as f:
        f.write(data)
    open(alt_sum, "wb").close()
    env = {**extra, "GOFLAGS": f"-mod=mod -modfile={alt_mod}", "GOCACHE": os.path.join(tmp, "gocache")}
    p = goenv.run_go(go, ["list", "-e", "-deps", "-test", "-f", "{{.ImportPath}}", "./..."], ctx.environ,
                     cwd=str(unit.dir), extra_env=env, timeout=GRAPH_TIMEOUT)
    if p.returncode != 0:
        ctx.note(f"graph: {unit.main}: `go list -deps -test` failed ({_first_line(p.stderr)}); only direct requirements' zip lines are checked")
        return None
    with open(alt_sum, "rb") as f:
        return {(ln.path, ln.version) for ln in parse_gosum(alt_sum, f.read()).lines if not ln.gomod}


_lock = threading.Lock()


def _store(ctx: Context) -> dict[str, Graph | None]:
    return {}


def get(ctx: Context, unit: Unit) -> Graph | None:
    """The graph of ``unit``, computed once per run."""
    store = ctx.once(_store)
    key = str(unit.main)
    with _lock:
        if key in store:
            return store[key]
    g = load(ctx, unit)
    with _lock:
        return store.setdefault(key, g)


def available(ctx: Context, unit: Unit) -> Graph | None:
    """The graph when this run may afford the go command (``--all``, ``--snapshot``,
    or a deep family selected); otherwise None, without running anything."""
    from gozt_lint.rules import FAMILIES

    opts = ctx.options
    deep = opts.all or bool(opts.snapshot) or any(
        part.strip() in FAMILIES and FAMILIES[part.strip()].deep for item in opts.select for part in item.split(",")
    )
    if not deep:
        return None
    return get(ctx, unit)



def needed_zip(ctx: Context, unit: Unit) -> set[tuple[str, str]] | None:
    """The exact ``(path, version)`` keys of the zip lines the go command needs in
    ``unit``'s go.sum to build and test its packages, when this run loads graphs."""
    if unit.kind != "mod":
        return None
    g = available(ctx, unit)
    return g.needed_zip if g is not None else None


def needed_gomod(ctx: Context, unit: Unit) -> set[tuple[str, str]] | None:
    """The exact ``(path, "version/go.mod")`` keys the go command needs in ``unit``'s
    go.sum to load its module graph, when this run loads graphs (see :func:`available`)."""
    if unit.kind != "mod":
        return None
    g = available(ctx, unit)
    return g.needed_gomod if g is not None else None
