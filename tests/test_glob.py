"""gozt_lint.glob: Go's path.Match and module.MatchPrefixPatterns exactly (against
the toolchain's own packages, built at test time: tests/xmod_oracle.py), fnmatch
exactly (against the standard library), and never slow, whatever the pattern."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gozt_lint import glob as g
from gozt_lint import module as m
from tests import xmod_oracle

ORACLE = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Bytes that are not UTF-8 arrive as surrogate escapes (os.environ, files read
# with surrogateescape); Go sees the byte itself.
INVALID = ["\udcff", "\udcc3", "\udce2\udc98", "\udced\udca0\udc80"]  # lone byte, half of é, half of ☃, a UTF-16 surrogate
PATTERN_ATOMS = st.sampled_from(
    list("ab/.*?[]^-\\,") + ["é", "☃", "\ufffd", "[a-c]", "[^/]", "[\\]]", "[é-☃]", "\\*", "*/", "x.com"] + INVALID
)
NAME_ATOMS = st.sampled_from(list("ab/.-]^\\*?[") + ["é", "☃", "\ufffd", "x.com"] + INVALID)
patterns = st.lists(PATTERN_ATOMS, max_size=10).map("".join)
names = st.lists(NAME_ATOMS, max_size=10).map("".join)


@ORACLE
@given(pattern=patterns, name=names)
@example(pattern="[", name="a")
@example(pattern="a[", name="b")  # a bad pattern is an error even when the match fails early
@example(pattern="*x", name="a/x")
@example(pattern="[]a]", name="]")
@example(pattern="[\\]a]", name="]")
@example(pattern="[^\\\\]", name="\\")
@example(pattern="a\\", name="a")
@example(pattern="[a-]", name="a")
@example(pattern="[-a]", name="-")
@example(pattern="?", name="\udcff")
@example(pattern="[^a]", name="\udcff")
@example(pattern="[\udcff]", name="\udcff")
@example(pattern="*\udca9", name="\u00e9")  # a star may stop inside a multi-byte rune
@example(pattern="*?", name="é")
@example(pattern="[^b]/*", name="//")
@example(pattern="*[/]a", name="x/a")
def test_path_match_is_gos(xmod: xmod_oracle.Oracle, pattern: str, name: str) -> None:
    matched, ok = xmod.call("PathMatch", pattern, name)
    assert g.go_match(pattern, name) == (matched, ok)
    assert m.path_match(pattern, name) == (matched and ok)


@ORACLE
@given(globs=st.lists(patterns, max_size=3).map(",".join), target=names)
@example(globs="rsc.io/private", target="rsc.io/privateer")
@example(globs="*.corp.example.com", target="git.corp.example.com/x/y")
@example(globs="x,,a/", target="a/b")
@example(globs="a/[", target="a/b/c")
@example(globs="*/x", target="y/x/z")
def test_prefix_patterns_are_gos(xmod: xmod_oracle.Oracle, globs: str, target: str) -> None:
    want = xmod.call("MatchPrefixPatterns", globs, target)[0]
    assert m.match_patterns(globs, target) is want
    assert (m.matching_pattern(globs, target) is not None) is want


@pytest.mark.parametrize(
    "pattern,name,want",
    [
        ("abc", "abc", (True, True)),
        ("*", "abc", (True, True)),
        ("*c", "abc", (True, True)),
        ("a*", "ab/c", (False, True)),  # * never crosses /
        ("a*/b", "abc/b", (True, True)),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", (True, True)),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", (True, True)),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", (False, True)),
        ("a*b?c*x", "abxbbxdbxebxczzx", (True, True)),
        ("a*b?c*x", "abxbbxdbxebxczzy", (False, True)),
        ("ab[c]", "abc", (True, True)),
        ("ab[b-d]", "abc", (True, True)),
        ("ab[^c]", "abc", (False, True)),
        ("ab[^b-d]", "abe", (True, True)),
        ("a\\*b", "a*b", (True, True)),
        ("a\\*b", "ab", (False, True)),
        ("a?b", "a☺b", (True, True)),
        ("a[^a]b", "a☺b", (True, True)),
        ("a???b", "a☺b", (False, True)),
        ("a[!a]b", "a!b", (True, True)),  # "!" is a member, not a negation, in Go
        ("[\\-]", "-", (True, True)),
        ("[x\\-]", "z", (False, True)),
        ("[-]", "-", (False, False)),
        ("[x-]", "x", (False, False)),
        ("\\", "a", (False, False)),
        ("[a-b-c]", "a", (False, False)),
        ("[", "a", (False, False)),
        ("[^", "a", (False, False)),
        ("[^bc", "a", (False, False)),
        ("a[", "a", (False, False)),
        ("a[", "ab", (False, False)),
        ("a[", "x", (False, False)),
        ("a/b[", "a/b", (False, False)),
        ("*x", "xxx", (True, True)),
        ("", "", (True, True)),
        ("", "a", (False, True)),
    ],
)
def test_path_match_vectors(pattern: str, name: str, want: tuple[bool, bool]) -> None:
    assert g.go_match(pattern, name) == want


# -- fnmatch, for [[ignore]] file -------------------------------------------------------

FN_ATOMS = st.sampled_from(list("ab/.*?[]!-^\\&~|") + ["é", "[a-c]", "[!a]", "[]a]", "[z-a]", "**/"])
FN_NAMES = st.lists(st.sampled_from(list("ab/.-]!^\\[&~|") + ["é", "z"]), max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(pattern=st.lists(FN_ATOMS, max_size=10).map("".join), name=FN_NAMES)
@example(pattern="[!]]", name="a")
@example(pattern="[a-c-e]", name="-")
@example(pattern="*a*b", name="ab\nab")
def test_file_match_is_fnmatch(pattern: str, name: str) -> None:
    assert g.file_match(pattern, name) is fnmatch.fnmatchcase(name, pattern)


# -- never slow -----------------------------------------------------------------------------

HOSTILE = "example.com/" + "*a" * 12 + "*b"


HOSTILE_CALLS = f"""
from gozt_lint import glob as g, module as m
assert not m.path_match({HOSTILE!r}, "example.com/" + "a" * 40)
assert not m.match_patterns({HOSTILE!r}, "example.com/" + "a" * 40 + "/x")
assert not g.file_match("*a" * 30 + "*b", "a" * 5000)
assert not m.path_match("*?" * 50 + "b", "a" * 5000)
assert not m.path_match("[a-z]*" * 50 + "b", "a" * 2000)
assert m.path_match("*a" * 200, "a" * 2001)
"""


def test_hostile_patterns_are_fast() -> None:
    """Each call here took longer than the age of the universe with the regular
    expressions these globs used to become (in a child process, so that a return
    of backtracking fails the test instead of hanging the suite)."""
    subprocess.run([sys.executable, "-c", HOSTILE_CALLS], check=True, timeout=60)


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gozt_lint", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("key", ["module", "file"])
def test_hostile_ignore_pattern_in_a_checkout_does_not_hang_the_hook(tmp_path: Path, key: str) -> None:
    value = HOSTILE if key == "module" else "*a" * 15 + "*b"
    (tmp_path / ".gozt-lint.toml").write_text(
        f'[[ignore]]\n{key} = "{value}"\nreason = "a pull request wrote this"\n'
        '[policy]\nallowed-replacements = ["' + HOSTILE + '"]\nprivate-modules = ["' + HOSTILE + '"]\n'
    )
    mod = "example.com/" + "a" * 40
    (tmp_path / "go.mod").write_text(
        f"module example.com/m\n\ngo 1.22\n\nrequire {mod} v1.0.0\n\nreplace {mod} => {mod}/fork v1.0.1\n"
    )
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "", "GONOSUMDB": HOSTILE, "GOPRIVATE": HOSTILE}
    p = _run(["--no-env", "go.mod"], tmp_path, env)
    assert p.returncode == 1, p.stderr
    assert "gosum-missing" in p.stdout
    p = _run(["--select", "env", "--no-memo"], tmp_path, env)
    assert p.returncode in (0, 1), p.stderr
