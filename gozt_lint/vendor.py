"""vendor/modules.txt: what `go mod vendor` recorded, read as the go command reads it.

The go command (modload.readVendorList) takes ``# path version [=> new [newversion]]``
headers, ``## explicit; go 1.x`` annotations and one package path per line; lines
it does not understand are skipped, not rejected, and so are they here. Unlike the
go command we keep line numbers, so findings can point at the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gozt_lint import module

if TYPE_CHECKING:
    from gozt_lint.context import Context, Unit
    from gozt_lint.goenv import GoEnv
    from gozt_lint.modfile import ModFile

MAX_MODULES_TXT = 64 << 20


class VendoredModule(NamedTuple):
    path: str
    version: str  # "" for a header without a version (`# m => ../dir`)
    line: int
    new_path: str = ""  # the replacement, "" when there is none
    new_version: str = ""


class ModulesTxt:
    def __init__(self) -> None:
        # Every header, in file order (a module may appear twice: once with its
        # packages, once more at the end for a wildcard replacement).
        self.headers: list[VendoredModule] = []
        # (path, version) -> annotations seen under it.
        self.explicit: dict[tuple[str, str], int] = {}  # -> line of "## explicit"
        self.go_version: dict[tuple[str, str], str] = {}
        # Modules that contribute packages, by path, with the header that listed them.
        self.providing: dict[str, VendoredModule] = {}
        # The go command's vendorList: a header each time a path contributes a
        # package at a higher version than before.
        self.contributors: list[VendoredModule] = []
        self.packages: dict[str, VendoredModule] = {}
        self.workspace = False  # "## workspace": vendored for a go.work


def parse(data: bytes) -> ModulesTxt:
    out = ModulesTxt()
    text = data.decode("utf-8", "replace")
    cur: VendoredModule | None = None
    for n, line in enumerate(text.split("\n"), 1):
        if line.startswith("# "):
            f = line.split()
            cur = None
            if len(f) < 3:
                continue
            if module.is_valid(f[2]):
                mod, rest = (f[1], f[2]), f[3:]
            elif f[2] == "=>":
                mod, rest = (f[1], ""), f[2:]
            else:
                continue
            new_path = new_version = ""
            if len(rest) >= 2 and rest[0] == "=>":
                if len(rest) == 2:
                    new_path = rest[1]
                elif len(rest) == 3 and module.is_valid(rest[2]):
                    new_path, new_version = rest[1], rest[2]
            cur = VendoredModule(mod[0], mod[1], n, new_path, new_version)
            out.headers.append(cur)
            continue
        if line == "## workspace":
            out.workspace = True
            continue
        if cur is None:
            continue
        if line.startswith("## "):
            for entry in line[3:].split(";"):
                entry = entry.strip()
                if entry == "explicit":
                    out.explicit.setdefault((cur.path, cur.version), n)
                elif entry.startswith("go "):
                    out.go_version[(cur.path, cur.version)] = entry[3:]
            continue
        f = line.split()
        if len(f) == 1 and module.check_import_path(f[0]) is None:
            out.packages[f[0]] = cur
            seen = out.providing.get(cur.path)
            if seen is None or module.compare(seen.version, cur.version) < 0:
                out.providing[cur.path] = cur
                out.contributors.append(cur)
    return out


def replacements(mt: ModulesTxt) -> dict[tuple[str, str], VendoredModule]:
    """(old path, old version or "") -> the header that records its replacement."""
    return {(h.path, h.version): h for h in mt.headers if h.new_path}


def owner(mt: ModulesTxt, rel: str) -> VendoredModule | None:
    """The providing module whose path is the longest prefix of ``rel`` (a path
    below vendor/): nested modules own their own subtrees."""
    parts = rel.split("/")
    for i in range(len(parts) - 1, 0, -1):
        h = mt.providing.get("/".join(parts[:i]))
        if h is not None:
            return h
    return None


def builds_from_vendor(ctx: Context, unit: Unit, mf: ModFile) -> bool:
    """Does the go command build this module from vendor/ (``-mod=vendor``), never
    reading go.sum? As modload.setDefaultBuildMod decides: a ``-mod`` in GOFLAGS,
    else a vendor directory at the module root and ``go 1.14`` or later."""
    from gozt_lint import gover
    from gozt_lint.goenv import split_goflags

    env = ctx.env if ctx.options.env else ctx.once(_files_only_env)
    mode = None
    for w in split_goflags(env.get("GOFLAGS")) or []:
        name, _, value = w.lstrip("-").partition("=")
        if name == "mod" and w.startswith("-"):
            mode = value
    if mode is not None:
        return mode == "vendor"
    go = mf.go.version if mf.go is not None else None
    if not ((unit.dir / "vendor").is_dir() and go is not None and gover.compare(go, "1.14") >= 0):
        return False
    # vendor/modules.txt made for a workspace serves only the workspace, and the reverse.
    return _modules_txt_for_workspace(unit.dir / "vendor") == (unit.kind == "work")


def _modules_txt_for_workspace(vendor: Path) -> bool:
    """modload.modulesTextIsForWorkspace: the first line of vendor/modules.txt says
    ``## workspace`` (a missing file counts as a module's)."""
    from gozt_lint.fileio import read_regular

    data = read_regular(str(vendor / "modules.txt"), 512) or b""
    line = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    if not line.startswith("## "):
        return False
    return any(e.strip() == "workspace" for e in line[3:].split(";"))


def _files_only_env(ctx: Context) -> GoEnv:
    """The settings from the environment and GOENV file, without running go (the files hook)."""
    from gozt_lint import goenv

    return goenv.load(ctx.environ, run=False)
