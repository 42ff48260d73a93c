"""module.py against golang.org/x/mod itself (an oracle built from the toolchain's
vendored sources at test time), plus the reference's vectors and properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gozt_lint import gover
from gozt_lint import module as m
from tests import xmod_oracle


ORACLE_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- strategies ---------------------------------------------------------------------

ELEM_CHARS = "abcxyzAZ0129-._~+!@ :*é\u00a0\x00"
elements = st.one_of(
    st.text(alphabet=ELEM_CHARS, min_size=0, max_size=6),
    st.sampled_from(["v2", "v1", "v0", "v02", "v2.0", "v10", "CON", "con.txt", "com1", "lpt9x", "aux~1", "x~12a",
                     "...", ".x", "x.", "yaml.v2", "yaml.v0", "yaml.v1-unstable", "yaml.v01", "-x", "\udcff"]),
)
paths = st.one_of(
    st.lists(elements, min_size=1, max_size=4).map("/".join),
    st.tuples(st.sampled_from(["example.com", "gopkg.in", "github.com/Azure", "Example.com", "ex-ample.co", "-x.com", "x"]),
              st.lists(elements, max_size=3)).map(lambda t: "/".join([t[0], *t[1]])),
    # Python and Go may ship different Unicode versions: code points Python calls
    # unassigned (Cn) can be printable letters to Go. Leave them out here; the
    # module docstring records the difference.
    st.text(alphabet=st.characters(blacklist_categories=("Cn", "Cs")), max_size=12),
)
NUM = st.sampled_from(["0", "1", "2", "10", "01", "9999999999999999999999"])
IDENT = st.sampled_from(["rc", "rc1", "0", "00", "1", "x-y", "", "20200101000000", "abcdefabcdef", "A", "é"])
versions = st.one_of(
    st.builds(
        lambda a, b, c, pre, bld, shape: (
            "v" + a + ("." + b if shape > 0 else "") + ("." + c if shape > 1 else "")
            + ("-" + ".".join(pre) if pre else "") + ("+" + ".".join(bld) if bld else "")
        ),
        NUM, NUM, NUM, st.lists(IDENT, max_size=3), st.lists(IDENT, max_size=2), st.integers(0, 2),
    ),
    st.sampled_from(["v0.0.0-20191109021931-daa7c04131f5", "v1.2.3-0.20191109021931-daa7c04131f5",
                     "v1.2.4-pre.0.20191109021931-daa7c04131f5", "v2.0.0+incompatible", "v1.0.0-RC1",
                     "v0.0.0-20191109021931-daa7c04131f5+incompatible", "1.2.3", "v1.2.3\n", ""]),
    st.text(alphabet="v0123.-+abcAZ!", max_size=12),
)
globs = st.one_of(
    st.text(alphabet="ab*?[]^-\\/.,x", max_size=10),
    st.sampled_from(["*.corp.example.com", "rsc.io/private", "github.com/org/*", "*", "[a-", "a[", "\\", "x/"]),
)


# -- against x/mod ---------------------------------------------------------------------


@ORACLE_SETTINGS
@given(p=paths)
def test_path_checks_match_xmod(xmod: xmod_oracle.Oracle, p: str) -> None:
    assert (m.check_path(p) or "") == xmod.call("CheckPath", p)[0]
    assert (m.check_import_path(p) or "") == xmod.call("CheckImportPath", p)[0]
    assert (m.check_file_path(p) or "") == xmod.call("CheckFilePath", p)[0]
    prefix, major, ok = xmod.call("SplitPathVersion", p)
    sp = m.split_path_version(p)
    assert (sp is not None) == ok
    if ok:
        assert sp == (prefix, major)


@ORACLE_SETTINGS
@given(p=paths, v=versions)
def test_check_and_path_major_match_xmod(xmod: xmod_oracle.Oracle, p: str, v: str) -> None:
    assert (m.check(p, v) or "") == xmod.call("Check", p, v)[0]
    for pm in ("", "/v2", "/v3", ".v1", ".v0", ".v2-unstable", ".v1-unstable"):
        assert (m.check_path_major(v, pm) or "") == xmod.call("CheckPathMajor", v, pm)[0], pm


@ORACLE_SETTINGS
@given(p=paths, v=versions)
def test_escaping_matches_xmod(xmod: xmod_oracle.Oracle, p: str, v: str) -> None:
    def ours(fn: object, s: str) -> list[object]:
        try:
            return [fn(s), True]  # type: ignore[operator]
        except ValueError:
            return ["", False]

    assert ours(m.escape_path, p) == xmod.call("EscapePath", p)
    assert ours(m.escape_version, v) == xmod.call("EscapeVersion", v)
    assert ours(m.unescape_path, p) == xmod.call("UnescapePath", p)
    assert ours(m.unescape_version, v) == xmod.call("UnescapeVersion", v)


@ORACLE_SETTINGS
@given(v=versions, w=versions)
def test_semver_matches_xmod(xmod: xmod_oracle.Oracle, v: str, w: str) -> None:
    assert m.is_valid(v) == xmod.call("IsValid", v)[0]
    assert m.canonical(v) == xmod.call("Canonical", v)[0]
    assert m.canonical_version(v) == xmod.call("CanonicalVersion", v)[0]
    assert m.major(v) == xmod.call("Major", v)[0]
    assert m.prerelease(v) == xmod.call("Prerelease", v)[0]
    assert m.build(v) == xmod.call("Build", v)[0]
    assert m.compare(v, w) == xmod.call("Compare", v, w)[0]
    assert m.is_pseudo_version(v) == xmod.call("IsPseudoVersion", v)[0]
    rev, ok = xmod.call("PseudoVersionRev", v)
    parts = m.pseudo_version_parts(v)
    if parts is not None:
        assert ok and parts[1] == rev


@ORACLE_SETTINGS
@given(g=globs, target=paths)
def test_glob_matching_matches_xmod(xmod: xmod_oracle.Oracle, g: str, target: str) -> None:
    assert m.match_patterns(g, target) == xmod.call("MatchPrefixPatterns", g, target)[0]
    matched, _ = xmod.call("PathMatch", g, target)
    assert m.path_match(g, target) == matched


# -- the reference's vectors ------------------------------------------------------------


@pytest.mark.parametrize(
    "path,escaped",
    [
        ("github.com/Azure/azure-sdk-for-go", "github.com/!azure/azure-sdk-for-go"),
        ("github.com/GoogleCloudPlatform/x", "github.com/!google!cloud!platform/x"),
        ("rsc.io/quote", "rsc.io/quote"),
    ],
)
def test_escape_vectors(path: str, escaped: str) -> None:
    assert m.escape_path(path) == escaped
    assert m.unescape_path(escaped) == path


def test_escape_version_vector() -> None:
    assert m.escape_version("v1.0.0-RC1") == "v1.0.0-!r!c1"
    assert m.unescape_version("v1.0.0-!r!c1") == "v1.0.0-RC1"


@pytest.mark.parametrize("bad", ["github.com/!Azure/x", "github.com/!", "github.com/!1", "github.com/Azure/x", "exämple.com/x"])
def test_unescape_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        m.unescape_path(bad)


@pytest.mark.parametrize(
    "path,ok",
    [
        ("example.com/x/v1", False), ("example.com/x/v2.0", False), ("example.com/x/v02", False),
        ("example.com/x/v2", True), ("gopkg.in/yaml.v2", True), ("gopkg.in/yaml.v0", True),
        ("gopkg.in/yaml", False), ("gopkg.in/yaml.v1-unstable", True), ("gopkg.in/yaml.v01", False),
        ("Example.com/x", False), ("example", False), ("example.com/.x", False), ("example.com/x~1", False),
        ("example.com/con", False), ("example.com/x+y", False), ("-example.com", False),
    ],
)
def test_module_path_validity(path: str, ok: bool) -> None:
    assert (m.check_path(path) is None) == ok


def test_semver_ordering_as_go_sum_sorts() -> None:
    vs = ["v1.10.0", "v1.9.0", "v1.0.0", "v1.0.0-rc1", "v1.0.0-rc.10", "v1.0.0-rc.9", "v0.0.0-20200101000000-abcdefabcdef", "v2.0.0+incompatible"]
    assert sorted(vs, key=m.version_key) == [
        "v0.0.0-20200101000000-abcdefabcdef", "v1.0.0-rc.9", "v1.0.0-rc.10", "v1.0.0-rc1", "v1.0.0", "v1.9.0", "v1.10.0",
        "v2.0.0+incompatible",
    ]


def test_pseudo_versions() -> None:
    assert m.is_pseudo_version("v0.0.0-20191109021931-daa7c04131f5")
    assert m.pseudo_version_parts("v1.2.4-0.20191109021931-daa7c04131f5") == ("20191109021931", "daa7c04131f5")
    assert not m.is_pseudo_version("v1.2.3-rc1")
    assert not m.is_pseudo_version("v0.0.0-20191109021931-daa7c04131f5\n")


@pytest.mark.parametrize(
    "globs,target,want",
    [
        ("*.corp.example.com", "git.corp.example.com/xyzzy", True),
        ("rsc.io/private", "rsc.io/private", True),
        ("rsc.io/private", "rsc.io/private/quux", True),
        ("rsc.io/private", "rsc.io/privateer", False),
        ("*", "github.com/x/y", True),
        ("github.com", "github.com/x", True),
        ("github.com/*", "github.com", False),
        ("*/x", "github.com/y/x", False),  # fnmatch would say True
        ("x,,rsc.io/", "rsc.io/q", True),
        ("[", "x", False),
    ],
)
def test_prefix_patterns(globs: str, target: str, want: bool) -> None:
    assert m.match_patterns(globs, target) is want


# -- properties ---------------------------------------------------------------------------


@given(p=paths)
def test_escape_roundtrip(p: str) -> None:
    try:
        e = m.escape_path(p)
    except ValueError:
        return
    assert not any("A" <= c <= "Z" for c in e)
    assert m.unescape_path(e) == p


@given(a=versions, b=versions, c=versions)
def test_compare_is_a_total_preorder(a: str, b: str, c: str) -> None:
    assert m.compare(a, b) == -m.compare(b, a)
    if m.compare(a, b) <= 0 and m.compare(b, c) <= 0:
        assert m.compare(a, c) <= 0


# -- Go versions (gover) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "x,y,want",
    [
        ("1.21", "1.21rc1", -1), ("1.21rc1", "1.21.0", -1), ("1.21rc1", "1.21rc2", -1), ("1.21beta1", "1.21rc1", -1),
        ("1.20", "1.20.0", 0), ("1.21", "1.21.0", -1), ("1.22", "1.21.9", 1), ("1.9", "1.10", -1), ("1", "1.0.0", 0),
        ("1.27.3", "1.27.3", 0), ("junk", "1.0", -1),
    ],
)
def test_gover_compare(x: str, y: str, want: int) -> None:
    assert gover.compare(x, y) == want
    assert gover.compare(y, x) == -want


def test_gover_toolchain_names() -> None:
    assert gover.from_toolchain("go1.21.3") == "1.21.3"
    assert gover.from_toolchain("go1.22rc1-foo") == "1.22rc1"
    assert gover.from_toolchain("go1.21.3 X:boringcrypto") == "1.21.3"
    assert gover.from_toolchain("default") == ""
    assert gover.from_toolchain("go1.x") == ""
    assert gover.from_toolchain("go1.21/../x") == ""
    assert gover.toolchain_for("1.22") == "go1.22.0"
    assert gover.toolchain_for("1.20") == "go1.20"
    assert gover.toolchain_for("1.22.3") == "go1.22.3"
