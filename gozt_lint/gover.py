"""Go toolchain and language versions ("1.21", "1.21rc1", "1.21.0"), compared as
the go command compares them (cmd/go/internal/gover), which is not semver:
``1.21 < 1.21rc1 < 1.21.0`` and, before Go 1.21, ``1.20 == 1.20.0``.
"""

from __future__ import annotations

from typing import NamedTuple


class Version(NamedTuple):
    major: str
    minor: str
    patch: str
    kind: str  # "", "alpha", "beta", "rc"
    pre: str


_ZERO = Version("", "", "", "", "")


def _cut_int(x: str) -> tuple[str, str] | None:
    i = 0
    while i < len(x) and "0" <= x[i] <= "9":
        i += 1
    if i == 0 or (x[0] == "0" and i != 1):
        return None
    return x[:i], x[i:]


def cmp_int(x: str, y: str) -> int:
    if x == y:
        return 0
    if len(x) != len(y):
        return -1 if len(x) < len(y) else 1
    return -1 if x < y else 1


def parse(x: str) -> Version:
    """gover.Parse; the zero Version when ``x`` is not a Go version."""
    c = _cut_int(x)
    if c is None:
        return _ZERO
    major, x = c
    if x == "":
        return Version(major, "0", "0", "", "")
    if x[0] != ".":
        return _ZERO
    c = _cut_int(x[1:])
    if c is None:
        return _ZERO
    minor, x = c
    if x == "":
        # Before Go 1.21 a missing patch means .0; since then "1.21" is the
        # language version, older than any 1.21 release.
        return Version(major, minor, "0" if cmp_int(minor, "21") < 0 else "", "", "")
    if x[0] == ".":
        c = _cut_int(x[1:])
        if c is None or c[1] != "":
            return _ZERO
        return Version(major, minor, c[0], "", "")
    i = 0
    while i < len(x) and not ("0" <= x[i] <= "9"):
        if not ("a" <= x[i] <= "z"):
            return _ZERO
        i += 1
    if i == 0:
        return _ZERO
    kind, x = x[:i], x[i:]
    if x == "":
        return Version(major, minor, "", kind, "")
    c = _cut_int(x)
    if c is None or c[1] != "":
        return _ZERO
    return Version(major, minor, "", kind, c[0])


def is_valid(x: str) -> bool:
    return parse(x) != _ZERO


def is_lang(x: str) -> bool:
    v = parse(x)
    return v != _ZERO and v.patch == "" and v.kind == "" and v.pre == ""


def compare(x: str, y: str) -> int:
    """gover.Compare: -1, 0 or +1; invalid versions sort lowest."""
    vx, vy = parse(x), parse(y)
    for a, b in ((vx.major, vy.major), (vx.minor, vy.minor), (vx.patch, vy.patch)):
        c = cmp_int(a, b)
        if c:
            return c
    if vx.kind != vy.kind:
        return -1 if vx.kind < vy.kind else 1
    return cmp_int(vx.pre, vy.pre)


def from_toolchain(name: str) -> str:
    """gover.FromToolchain: "go1.21.3" → "1.21.3", "go1.22rc1-foo" → "1.22rc1";
    "" when ``name`` is not a toolchain name."""
    if "/" in name or "\\" in name or not name.startswith("go"):
        return ""
    v = name[2:]
    for i, ch in enumerate(v):
        if ch in " \t-":
            v = v[:i]
            break
    return v if is_valid(v) else ""


def toolchain_for(go_version: str) -> str:
    """The toolchain the go command switches to for a `go` line: a language
    version from 1.21 on means its first release (`go 1.22` → go1.22.0)."""
    if is_lang(go_version) and compare(go_version, "1.21") >= 0:
        return f"go{go_version}.0"
    return f"go{go_version}"
