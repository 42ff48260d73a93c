"""Go toolchain versions as cmd/go/internal/gover orders them.

Not semver: ``1.21`` (a language version) sorts before ``1.21rc1``, which sorts
before ``1.21.0``; before Go 1.21 a missing patch means ``.0``. Versions here
carry no ``go`` prefix; :func:`from_toolchain` turns a toolchain name
(``go1.22.3``, ``go1.22.3-custom``) into one.
"""

from __future__ import annotations

from typing import NamedTuple


class Version(NamedTuple):
    major: str = ""
    minor: str = ""
    patch: str = ""
    kind: str = ""  # "", "alpha", "beta", "rc"
    pre: str = ""


_ZERO = Version()


def _cut_int(x: str) -> tuple[str, str] | None:
    i = 0
    while i < len(x) and "0" <= x[i] <= "9":
        i += 1
    if i == 0 or (x[0] == "0" and i != 1):  # no digits, or a needless leading zero
        return None
    return x[:i], x[i:]


def parse(x: str) -> Version:
    """The parts of ``x``; the zero Version when ``x`` is malformed."""
    cut = _cut_int(x)
    if cut is None:
        return _ZERO
    major, x = cut
    if x == "":
        return Version(major, "0", "0")
    if x[0] != ".":
        return _ZERO
    cut = _cut_int(x[1:])
    if cut is None:
        return _ZERO
    minor, x = cut
    if x == "":
        # Before 1.21 a missing patch means .0; from 1.21 on "1.21" is the language version.
        return Version(major, minor, "0" if cmp_int(minor, "21") < 0 else "")
    if x[0] == ".":
        cut = _cut_int(x[1:])
        if cut is None or cut[1] != "":
            return _ZERO
        return Version(major, minor, cut[0])
    i = 0
    while i < len(x) and not ("0" <= x[i] <= "9"):
        if not ("a" <= x[i] <= "z"):
            return _ZERO
        i += 1
    if i == 0:
        return _ZERO
    kind, x = x[:i], x[i:]
    if x == "":
        return Version(major, minor, "", kind)
    cut = _cut_int(x)
    if cut is None or cut[1] != "":
        return _ZERO
    return Version(major, minor, "", kind, cut[0])


def cmp_int(x: str, y: str) -> int:
    if x == y:
        return 0
    if len(x) != len(y):
        return -1 if len(x) < len(y) else 1
    return -1 if x < y else 1


def compare(x: str, y: str) -> int:
    """-1, 0 or +1; malformed versions sort before well-formed ones."""
    vx, vy = parse(x), parse(y)
    for a, b in ((vx.major, vy.major), (vx.minor, vy.minor), (vx.patch, vy.patch)):
        c = cmp_int(a, b)
        if c:
            return c
    if vx.kind != vy.kind:  # "" < alpha < beta < rc
        return -1 if vx.kind < vy.kind else 1
    return cmp_int(vx.pre, vy.pre)


def is_valid(x: str) -> bool:
    return parse(x) != _ZERO


def is_lang(x: str) -> bool:
    v = parse(x)
    return v != _ZERO and v.patch == "" and v.kind == "" and v.pre == ""


def from_toolchain(name: str) -> str:
    """The version of toolchain ``name`` ("go1.22.3" → "1.22.3"), or "" if it isn't one."""
    if "/" in name or "\\" in name or not name.startswith("go"):
        return ""
    v = name[2:]
    for i, c in enumerate(v):
        if c in " \t-":
            v = v[:i]
            break
    return v if is_valid(v) else ""


def toolchain_for(go_version: str) -> str:
    """The toolchain the go command picks for a ``go`` line: 1.22 → go1.22.0 (from 1.21 on)."""
    if is_lang(go_version) and compare(go_version, "1.21") >= 0:
        return f"go{go_version}.0"
    return f"go{go_version}"


def gomod_lookup(data: bytes, key: str) -> tuple[str, int] | None:
    """(value, line) of the first line starting with ``key`` (gover.GoModLookup).

    This is how the go command reads the ``go`` and ``toolchain`` lines when it
    decides whether to switch toolchains: a line scan, not a parse, so a file with
    errors elsewhere still steers it.
    """
    for n, raw in enumerate(data.split(b"\n"), 1):
        line = raw.strip(b" \t\r\n\v\f")
        if not line.startswith(key.encode()):
            continue
        rest = line[len(key) :]
        if not rest or rest[:1] not in (b" ", b"\t"):
            continue
        value = rest.split(b"//", 1)[0].strip()
        return value.decode("utf-8", "replace"), n
    return None
