"""The go command's own integrity advisories, as data, and the Go versions they affect.

Each :class:`Advisory` is one report of the Go vulnerability database about the
go command's module, checksum-database or toolchain verification (the flaws that
make go.sum, the module cache and downloaded toolchains untrustworthy however
careful the user is). The version ranges are copied verbatim from the report's
``versions:`` lists (``https://pkg.go.dev/vuln/<id>``, source
``golang/vulndb`` ``data/reports/<id>.yaml``): vulndb writes Go toolchain versions
as semver (``1.26.0-0`` is "the first pre-release of 1.26", ``1.27.0-rc.3`` is
``go1.27rc3``) and this module turns them into the go command's own order
(:mod:`gozt_lint.gover`).

To add an advisory, see docs/advisories.md: append an entry to ``ADVISORIES``
with the report's id, aliases, ranges and links; tests/test_advisories.py checks
every entry's shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cmp_to_key

from gozt_lint import gover
from gozt_lint import module as semver

Range = tuple[str, str]  # (introduced, fixed) as the vulndb report writes them; "" = since the start

TOOLCHAIN_MODULE = "cmd"  # how vulndb names the Go toolchain's own module
XMOD = "golang.org/x/mod"


@dataclass(frozen=True)
class Advisory:
    id: str  # GO-YYYY-NNNN
    aliases: tuple[str, ...]  # CVE ids
    go_issue: int  # https://go.dev/issue/<n>
    summary: str  # the report's summary line
    broke: str  # what the vulnerable go command did, in one clause
    who: str  # who could exploit it
    cmd_go: tuple[Range, ...]  # affected versions of the go command (vulndb module "cmd")
    xmod: tuple[Range, ...] = ()  # affected versions of golang.org/x/mod, if any
    xmod_packages: tuple[str, ...] = ()  # the x/mod packages whose code is affected
    references: tuple[str, ...] = ()  # fix CLs, the announcement

    @property
    def cve(self) -> str:
        return next((a for a in self.aliases if a.startswith("CVE-")), self.id)

    @property
    def url(self) -> str:
        return f"https://pkg.go.dev/vuln/{self.id}"

    @property
    def issue_url(self) -> str:
        return f"https://go.dev/issue/{self.go_issue}"

    @property
    def label(self) -> str:
        """``CVE-2026-42501 (GO-2026-4984)``."""
        return f"{self.cve} ({self.id})" if self.cve != self.id else self.id

    def go_ranges(self) -> list[tuple[str, str]]:
        """The ``cmd_go`` ranges in Go toolchain versions ("" = since the start / never fixed)."""
        return [(go_version_of(i) if i else "", go_version_of(f) if f else "") for i, f in self.cmd_go]

    def affects_go(self, version: str) -> bool:
        """Does Go toolchain ``version`` (``1.26.2``, no ``go`` prefix) have this flaw?"""
        if not gover.is_valid(version):
            return False
        for lo, hi in self.go_ranges():
            if (not lo or gover.compare(version, lo) >= 0) and (not hi or gover.compare(version, hi) < 0):
                return True
        return False

    def go_fixes(self) -> list[str]:
        """Every Go version that fixes it, oldest first (one per patched minor line)."""
        return sorted({hi for _, hi in self.go_ranges() if hi}, key=_gover_key)

    def go_fix_for(self, version: str) -> str | None:
        """The first fixed release for an affected ``version``: on its own minor line
        when that line got one, else the oldest fix of a newer line; None if no fix."""
        later = [f for f in self.go_fixes() if gover.compare(f, version) > 0]
        same = [f for f in later if minor_line(f) == minor_line(version)]
        return (same or later)[0] if later else None

    def affects_xmod(self, version: str) -> bool:
        """Does golang.org/x/mod ``version`` (``v0.39.0``) have this flaw?"""
        if not semver.is_valid(version):
            return False
        for lo, hi in self.xmod:
            if (not lo or semver.compare(version, _v(lo)) >= 0) and (not hi or semver.compare(version, _v(hi)) < 0):
                return True
        return False

    def xmod_fix(self) -> str | None:
        fixes = sorted({_v(hi) for _, hi in self.xmod if hi}, key=semver_key)
        return fixes[-1] if fixes else None


# Sources, for every fact below: the vulndb reports (golang/vulndb data/reports/<id>.yaml,
# read 2026-08) and the Go issues they cite. Descriptions are ours, condensed from them.
ADVISORIES: tuple[Advisory, ...] = (
    Advisory(
        id="GO-2026-4984",
        aliases=("CVE-2026-42501",),
        go_issue=79070,
        summary="Malicious module proxy can bypass checksum database in cmd/go",
        broke=(
            "a checksum-database lookup answered with an empty record, or with the record of an unrelated "
            "module, counted as verified, so any module (a downloaded toolchain included) was accepted"
        ),
        who="a module proxy (GOPROXY) or checksum database (GOSUMDB) you do not control",
        cmd_go=(("", "1.25.10"), ("1.26.0-0", "1.26.3")),
        references=(
            "https://go.dev/cl/775321",
            "https://groups.google.com/g/golang-announce/c/qcCIEXso47M",
        ),
    ),
    Advisory(
        id="GO-2026-6180",
        aliases=("CVE-2026-56864",),
        go_issue=80745,
        summary="Ignore unrelated, unauthenticated hashes in Lookup in golang.org/x/mod/sumdb",
        broke=(
            "hash lines were taken from the whole lookup response, including the signed tree head's extra "
            "lines, which are not in the log, so a database could vouch for module content it never logged"
        ),
        who="a checksum database (GOSUMDB) other than sum.golang.org, with a proxy serving the content",
        cmd_go=(("", "1.25.13"), ("1.26.0-0", "1.26.6"), ("1.27.0-0", "1.27.0-rc.3")),
        xmod=(("", "0.40.0"),),
        xmod_packages=("golang.org/x/mod/sumdb",),
        references=(
            "https://go.dev/cl/815000",
            "https://go.dev/cl/815020",
            "https://groups.google.com/g/golang-announce/c/94pEornpRlI",
        ),
    ),
    Advisory(
        id="GO-2026-6179",
        aliases=("CVE-2026-56865",),
        go_issue=80744,
        summary="Fix transparency log tile verification bypass in golang.org/x/mod/sumdb/tlog",
        broke=(
            "tiles were not all checked against their parent tiles, so a proxy could forge up to two "
            "checksum-database tiles and have any module content accepted"
        ),
        who="a module proxy (GOPROXY) that proxies the checksum database",
        cmd_go=(("", "1.25.13"), ("1.26.0-0", "1.26.6"), ("1.27.0-0", "1.27.0-rc.3")),
        xmod=(("", "0.40.0"),),
        # The report names tlog (tileHashReader.ReadHashes); sumdb.Client reads every
        # tile through it, so importing golang.org/x/mod/sumdb uses the flaw too.
        xmod_packages=("golang.org/x/mod/sumdb/tlog", "golang.org/x/mod/sumdb"),
        references=(
            "https://go.dev/cl/814960",
            "https://go.dev/cl/815020",
            "https://groups.google.com/g/golang-announce/c/94pEornpRlI",
        ),
    ),
)

BY_ID = {a.id: a for a in ADVISORIES}

# The recipe every one of these reports gives for "was I affected?".
ADVISORY_RECIPE = "rm -r go.sum go.work.sum vendor/ && go mod tidy"


# -- versions ---------------------------------------------------------------------------------

_SEMVER_GO = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-(0|(alpha|beta|rc)\.(\d+)))?$")


def go_version_of(v: str) -> str:
    """A vulndb (semver) Go version as a Go toolchain version: ``1.25.10`` → ``1.25.10``,
    ``1.27.0-rc.3`` → ``1.27rc3``, ``1.26.0-0`` → the first release of 1.26 (``1.26``, which
    sorts before ``1.26rc1``; before Go 1.21, ``1.20alpha0``). Raises ValueError otherwise."""
    m = _SEMVER_GO.match(v)
    if not m:
        raise ValueError(f"not a vulndb Go version: {v!r}")
    major, minor, patch, pre, kind, n = m.groups()
    if pre is None:
        return f"{major}.{minor}.{patch}"
    if patch != "0":
        raise ValueError(f"not a vulndb Go version: {v!r} (pre-release of a patch release)")
    if pre == "0":
        return f"{major}.{minor}" if int(minor) >= 21 or int(major) > 1 else f"{major}.{minor}alpha0"
    return f"{major}.{minor}{kind}{n}"


def minor_line(version: str) -> str:
    """``1.26`` for ``1.26.2``, ``1.26rc1`` or ``1.26``."""
    v = gover.parse(version)
    return f"{v.major}.{v.minor}"


# Sort keys in the go command's version order, and in semver order.
_gover_key = cmp_to_key(gover.compare)
semver_key = cmp_to_key(semver.compare)


def _v(x: str) -> str:
    return x if x.startswith("v") else "v" + x


# -- questions the rules ask ------------------------------------------------------------------


def go_advisories(version: str) -> list[Advisory]:
    """The advisories that Go toolchain ``version`` (no ``go`` prefix) is affected by."""
    return [a for a in ADVISORIES if a.affects_go(version)]


def go_fix(version: str, found: list[Advisory]) -> tuple[str | None, bool]:
    """(the first release that fixes every advisory in ``found`` for ``version``, whether it
    is on ``version``'s own minor line). None when one of them has no fix at all."""
    fixes = [a.go_fix_for(version) for a in found]
    if not fixes or any(f is None for f in fixes):
        return None, False
    best = max((f for f in fixes if f), key=_gover_key)
    return best, minor_line(best) == minor_line(version)


def xmod_advisories(version: str) -> list[Advisory]:
    """The advisories that golang.org/x/mod ``version`` is affected by."""
    return [a for a in ADVISORIES if a.xmod and a.affects_xmod(version)]


def attack_text(advisory_id: str) -> str:
    """What an attack found in checksum-database state means, for a finding:
    ``the CVE-2026-42501 attack (GO-2026-4984): go commands before go1.25.10 and go1.26.3 accepted it``."""
    a = BY_ID[advisory_id]
    fixes = ["go" + f for f in a.go_fixes()]
    said = " and ".join([", ".join(fixes[:-1]), fixes[-1]] if len(fixes) > 1 else fixes)
    xmod = f" (and golang.org/x/mod before {a.xmod_fix()})" if a.xmod_fix() else ""
    return f"the {a.label} attack: go commands before {said}{xmod} accepted it"
