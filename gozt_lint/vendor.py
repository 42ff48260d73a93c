"""vendor/modules.txt: what `go mod vendor` recorded, read as the go command reads it.

The go command (modload.readVendorList) takes ``# path version [=> new [newversion]]``
headers, ``## explicit; go 1.x`` annotations and one package path per line; lines
it does not understand are skipped, not rejected, and so are they here. Unlike the
go command we keep line numbers, so findings can point at the line.
"""

from __future__ import annotations

from typing import NamedTuple

from gozt_lint import module

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
