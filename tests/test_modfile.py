"""The go.mod/go.work parser: data-driven cases (tests/data/modfile/*.txt), bad
input, and properties. Acceptance and results against the real go command are
in test_modfile_differential.py; these cases pin what only we produce: spans,
load-stage errors, inline ignores."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gozt_lint import modfile
from gozt_lint.finding import Span
from tests.test_modfile_differential import read_txtar

DATA = Path(__file__).parent / "data" / "modfile"


def _sp(s: Span) -> str:
    return f"@{s.line}:{s.column}-{s.end_line}:{s.end_column}"


def describe(mf: modfile.ModFile) -> dict[str, list[str]]:
    """The parse result in the text form the data files use, by kind."""
    out: dict[str, list[str]] = {}

    def add(kind: str, text: str) -> None:
        out.setdefault(kind, []).append(f"{kind} {text}")

    if mf.module:
        dep = f' deprecated="{mf.module.deprecated}"' if mf.module.deprecated is not None else ""
        add("module", f"{mf.module.path} {_sp(mf.module.span)}{dep}")
    if mf.go:
        add("go", f"{mf.go.version} {_sp(mf.go.span)}")
    if mf.toolchain:
        add("toolchain", f"{mf.toolchain.version} {_sp(mf.toolchain.span)}")
    for g in mf.godebug:
        add("godebug", f"{g.key}={g.value} {_sp(g.span)}")
    for r in mf.require:
        add("require", f"{r.path} {r.version} {'indirect' if r.indirect else 'direct'} {_sp(r.span)}")
    for x in mf.exclude:
        add("exclude", f"{x.path} {x.version} {_sp(x.span)}")
    for rp in mf.replace:
        old = rp.old_path + (f" {rp.old_version}" if rp.old_version else "")
        new = f"{rp.new_path} {rp.new_version}" if rp.new_version else f"{rp.new_path} local"
        add("replace", f"{old} => {new} {_sp(rp.span)}")
    for rt in mf.retract:
        add("retract", f'[{rt.low}, {rt.high}] "{rt.rationale}" {_sp(rt.span)}')
    for t in mf.tool:
        add("tool", f"{t.path} {_sp(t.span)}")
    for i in mf.ignore:
        add("ignore", f"{i.path} {_sp(i.span)}")
    for u in mf.use:
        add("use", f"{u.dir} {_sp(u.span)}")
    for e in mf.errors:
        add("error", f"{e.go_position} {e.stage}: {e.message}")
    for line, rules in sorted(mf.inline_ignores.items()):
        out.setdefault("ignores", []).append(f"ignore {line} {' '.join(sorted(rules))}")
    return out


CASES = sorted(DATA.glob("*.txt"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_data_case(case: Path) -> None:
    desc = case.read_text().split("\n", 1)[0]
    files = dict(read_txtar(case))
    want_lines = [ln for ln in files["want"].decode().splitlines() if ln.strip()]
    name = "go.work" if "go.work" in files else "go.mod"
    data = files[name]
    if "CRLF" in desc:
        data = data.replace(b"\n", b"\r\n")
    parse = modfile.parse_gowork if name == "go.work" else modfile.parse_gomod
    got = describe(parse(name, data))
    want: dict[str, list[str]] = {}
    for ln in want_lines:
        kind = ln.split(" ", 1)[0]
        if kind == "ignore" and ln.split(" ")[1].isdigit():
            kind = "ignores"
        want.setdefault(kind, []).append(ln)
    # Errors are always compared; other kinds when the case lists them.
    for kind in sorted(set(want) | {"error"}):
        assert got.get(kind, []) == want.get(kind, []), kind


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,stage,where",
    [
        (b"module x\x00y\n", "syntax", "1:9"),
        (b"\xef\xbb\xbfmodule example.com/x\n", "syntax", "1"),
        (b"module example.com/x\nrequire (\n\texample.com/y v1.0.0\n", "syntax", "4"),
        (b'module "example.com/x\n', "syntax", "1:22"),
        (b'module "example.com/x', "syntax", "1:8"),
        (b"module example.com/\xff\n", "load", "1"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "syntax", "1"),
    ],
)
def test_bad_input_gives_positioned_errors(data: bytes, stage: str, where: str) -> None:
    mf = modfile.parse_gomod("go.mod", data)
    assert mf.errors, "expected an error"
    assert mf.errors[0].stage == stage
    assert mf.errors[0].go_position == where


def test_non_utf8_in_comments_is_accepted() -> None:
    mf = modfile.parse_gomod("go.mod", b"// caf\xe9\nmodule example.com/x // \xff\xfe\n")
    assert mf.errors == []
    assert mf.module is not None and mf.module.path == "example.com/x"


def test_huge_line_and_many_lines() -> None:
    long_path = "example.com/" + "a" * 1_000_000
    mf = modfile.parse_gomod("go.mod", f"module {long_path}\n".encode())
    assert mf.module is not None and mf.module.span.end_column == 8 + len(long_path)
    many = "module example.com/x\nrequire (\n" + "".join(f"\texample.com/m{i} v1.0.{i}\n" for i in range(20000)) + ")\n"
    mf = modfile.parse_gomod("go.mod", many.encode())
    assert len(mf.require) == 20000 and mf.require[-1].span.line == 20002


@pytest.mark.parametrize("cut", [1, 7, 20, 31, 45])
def test_truncated_file(cut: int) -> None:
    data = b"module example.com/x\nrequire (\n\texample.com/y v1.0.0\n)\n"[:cut]
    mf = modfile.parse_gomod("go.mod", data)  # must not raise
    for e in mf.errors:
        assert e.span.line >= 1 and e.span.column >= 1


def test_deprecation_paragraphs() -> None:
    src = b"// Some text.\n//\n// Deprecated: use v2.\n// Really.\n//\n// More.\nmodule example.com/x\n"
    mf = modfile.parse_gomod("go.mod", src)
    assert mf.module is not None and mf.module.deprecated == "use v2.\nReally."
    mf = modfile.parse_gomod("go.mod", b"// deprecated: lower case does not count\nmodule example.com/x\n")
    assert mf.module is not None and mf.module.deprecated is None
    mf = modfile.parse_gomod("go.mod", b"module example.com/x // Deprecated: suffix counts\n")
    assert mf.module is not None and mf.module.deprecated == "suffix counts"


def test_lax_parse_ignores_main_module_only_directives() -> None:
    src = b"module example.com/x\ngo 1.21rc1junk\nreplace a => b\nfuture directive\nretract [v1\nrequire example.com/y v1.0.0\n"
    mf = modfile.parse_gomod("go.mod", src, lax=True)
    assert mf.errors == []
    assert mf.go is not None and mf.go.version == "1.21"
    assert mf.replace == [] and [r.path for r in mf.require] == ["example.com/y"]


def test_replacement_lookup() -> None:
    src = b"module m.com/x\nreplace a.com/b => ./any\nreplace a.com/b v1.0.0 => c.com/d v1.0.0\nreplace a.com/b v1.0.0 => c.com/e v1.0.0\n"
    mf = modfile.parse_gomod("go.mod", src)
    r = mf.replacement("a.com/b", "v1.0.0")
    assert r is not None and r.new_path == "c.com/e"
    r = mf.replacement("a.com/b", "v2.0.0")
    assert r is not None and r.is_local
    assert mf.replacement("z.com/b", "v1.0.0") is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_never_raises_on_bytes(data: bytes) -> None:
    for parse in (modfile.parse_gomod, modfile.parse_gowork):
        mf = parse("go.mod", data)
        for e in mf.errors:
            assert e.span.line >= 1 and e.span.column >= 1


TOKENS = ["module", "require", "replace", "retract", "go", "(", ")", "[", "]", ",", "=>", "//", "/*", '"', "`",
          "example.com/x", "v1.0.0", "1.21", "\n", "\n", " ", "\t", "\r", "// indirect", "é", "\x00"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_never_raises_on_token_soup(tokens: list[str]) -> None:
    mf = modfile.parse_gomod("go.mod", " ".join(tokens).encode())
    assert isinstance(mf.errors, list)
