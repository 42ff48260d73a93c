"""The language server's pure parts: locating lines, placing findings, line edits,
settings, the tomlkit ignore editor and module provenance."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gozt_lint.config import add_ignore, load_config
from gozt_lint.errors import UsageError
from gozt_lint.finding import Finding, Severity
from gozt_lint.lsp import check as checks
from gozt_lint.lsp import settings as settings_mod
from gozt_lint.lsp.edits import apply, line_edit
from gozt_lint.lsp.locate import directive_modules, scan_modfile, split_lines
from gozt_lint.lsp.place import DocView, place
from tests import gotool, lsp_fixtures

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


# -- locating ----------------------------------------------------------------------------------

GOMOD = """\
// a comment line
module "example.com/m" // quoted path

go 1.21
toolchain go1.27.3

require example.com/single v1.2.3

require (
\texample.com/a v1.0.0 // indirect
\t"example.com/quoted" v0.1.0
)

replace example.com/a v1.0.0 => example.com/fork v1.0.1
replace example.com/local => ../local
exclude example.com/bad v0.0.1
"""


def test_scan_modfile_agrees_with_go_mod_edit(tmp_path: Path, go_exe: str) -> None:
    """The requires/replaces we locate are the ones the go command parses."""
    (tmp_path / "go.mod").write_text(GOMOD)
    env = gotool.hermetic_env(tmp_path / "env")
    out = json.loads(env.go("mod", "edit", "-json", cwd=tmp_path).stdout)
    found = [directive_modules(d) for d in scan_modfile(GOMOD)]
    requires = [m[0] for d, m in zip(scan_modfile(GOMOD), found) if d.verb == "require"]
    assert requires == [(r["Path"], r["Version"]) for r in out["Require"]]
    replaces = [m for d, m in zip(scan_modfile(GOMOD), found) if d.verb == "replace"]
    want = [
        [(r["Old"]["Path"], r["Old"].get("Version")), (r["New"]["Path"], r["New"].get("Version"))] for r in out["Replace"]
    ]
    assert replaces == want
    verbs = {d.verb: d for d in scan_modfile(GOMOD)}
    assert verbs["module"].args == ("example.com/m",)
    lines = GOMOD.split("\n")
    for d in scan_modfile(GOMOD):
        text = lines[d.line - 1]
        # The span covers the tokens: no leading tab, no trailing comment.
        assert text[d.span.column - 1 : d.span.end_column - 1] == text.split("//")[0].strip()


def test_split_lines_is_newline_only() -> None:
    # str.splitlines would also split at U+2028 and form feeds, shifting lines.
    assert split_lines("a\u2028b\r\nc\x0cd\n") == ["a\u2028b", "c\x0cd", ""]


# -- placing -------------------------------------------------------------------------------------

SUM = """\
example.com/a v1.0.0 h1:AAAA=
example.com/a v1.0.0/go.mod h1:BBBB=
example.com/b v0.1.0 h1:CCCC=
"""


def test_own_positions_are_kept_and_points_widened() -> None:
    view = DocView.of("/w/go.sum", SUM)
    fs = [
        Finding("x", rule="r", file="/w/go.sum", line=2, column=29, end_line=2, end_column=36),
        Finding("y", rule="r", file="/w/go.sum", line=3, column=1, end_line=3, end_column=1),
        Finding("z", rule="r", file="/w/go.sum", line=99, column=5, end_line=99, end_column=9),
    ]
    placed = place(fs, view)
    assert [(p.line, p.character, p.end_line, p.end_character, p.attached) for p in placed] == [
        (1, 28, 1, 35, False),
        (2, 0, 2, len("example.com/b v0.1.0 h1:CCCC="), False),
        (3, 0, 3, 0, False),  # clamped to the last (empty) line
    ]


def test_cache_findings_attach_to_the_module_lines() -> None:
    cache_zip = "/gomodcache/cache/download/example.com/a/@v/v1.0.0.zip"
    cache_mod = "/gomodcache/cache/download/example.com/a/@v/v1.0.0.mod"
    fs = [
        Finding("zip tampered", rule="modcache-zip-tampered", file=cache_zip, module="example.com/a", version="v1.0.0"),
        Finding("mod tampered", rule="modcache-mod-tampered", file=cache_mod, module="example.com/a", version="v1.0.0"),
    ]
    sum_view = DocView.of("/w/go.sum", SUM)
    placed = {p.finding.rule: p for p in place(fs, sum_view)}
    assert placed["modcache-zip-tampered"].line == 0
    assert placed["modcache-mod-tampered"].line == 1  # the /go.mod line
    assert placed["modcache-zip-tampered"].message == f"zip tampered ({cache_zip})"
    mod_view = DocView.of("/w/go.mod", GOMOD)
    lines = [p.line for p in place(fs, mod_view)]
    # The require line and the replace line of example.com/a v1.0.0, for each finding.
    require = GOMOD.split("\n").index("\texample.com/a v1.0.0 // indirect")
    replace = GOMOD.split("\n").index("replace example.com/a v1.0.0 => example.com/fork v1.0.1")
    assert lines == [require, replace, require, replace]


def test_environment_findings_attach_to_module_or_toolchain_line() -> None:
    view = DocView.of("/w/go.mod", GOMOD)
    fs = [
        Finding("GOSUMDB=off", rule="sumdb-disabled"),
        Finding("auto switch", rule="toolchain-auto-switch", file="/home/u/.config/go/env", line=3),
        Finding("from GOENV", rule="proxy-direct", data={"variable": "GOTOOLCHAIN"}),
        Finding("other go.mod", rule="gomod-syntax", file="/elsewhere/go.mod", line=1),
        Finding("other module", rule="modcache-orphan-dir", file="/cache/x@v1", module="example.com/x", version="v1.0.0"),
    ]
    placed = place(fs, view)
    by = {p.finding.message: p for p in placed}
    assert by["GOSUMDB=off"].line == 1 and by["GOSUMDB=off"].message == "GOSUMDB=off"
    assert by["auto switch"].line == 4  # toolchain line
    assert by["auto switch"].message == "auto switch (/home/u/.config/go/env:3)"
    assert by["from GOENV"].line == 4
    assert "other go.mod" not in by
    orphan = [p for p in placed if p.finding.rule == "modcache-orphan-dir"]
    assert orphan and orphan[0].line == 1 and orphan[0].message.startswith("example.com/x@v1.0.0: ")
    # go.sum has no place for the environment.
    assert place([Finding("GOSUMDB=off", rule="sumdb-disabled")], DocView.of("/w/go.sum", SUM)) == []


# -- edits -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, fix, expect, result",
    [
        (SUM, {"kind": "remove-line", "line": 2}, None, SUM.replace("example.com/a v1.0.0/go.mod h1:BBBB=\n", "")),
        (SUM.rstrip("\n"), {"kind": "remove-line", "line": 3}, None, SUM.split("\nexample.com/b")[0]),
        (SUM, {"kind": "remove-line", "line": 2}, "something else", None),
        (SUM, {"kind": "remove-line", "line": 4}, None, None),
        (SUM, {"kind": "restore-line", "line": 1, "text": "example.com/a v1.0.0 h1:ZZZZ="}, None, SUM.replace("AAAA", "ZZZZ")),
        (SUM, {"kind": "restore-line", "line": 1, "text": "example.com/a v1.0.0 h1:AAAA="}, None, None),
        (
            SUM,
            {"kind": "restore-line", "line": 3, "text": "example.com/a v1.0.1 h1:DDDD="},
            None,
            SUM.replace("example.com/b", "example.com/a v1.0.1 h1:DDDD=\nexample.com/b"),
        ),
        (SUM, {"kind": "restore-line", "line": 9, "text": "example.com/c v1 h1:E="}, None, SUM + "example.com/c v1 h1:E=\n"),
        (SUM.rstrip("\n"), {"kind": "restore-line", "line": 9, "text": "example.com/c v1 h1:E="}, None, SUM + "example.com/c v1 h1:E="),
        (SUM, {"kind": "restore-line", "line": 1, "text": "two\nlines"}, None, None),
        (SUM, {"kind": "quarantine", "line": 1}, None, None),
    ],
)
def test_line_edits(text: str, fix: dict[str, object], expect: str | None, result: str | None) -> None:
    edit = line_edit(split_lines(text), fix, expect)
    if result is None:
        assert edit is None
    else:
        assert edit is not None and apply(text, edit) == result


# -- settings --------------------------------------------------------------------------------------


def test_settings_layers_and_validation() -> None:
    fams = {"gomod", "gosum", "env", "modcache"}
    project = settings_mod.project_section({"families": ["gosum"], "go": "/tmp/evil/go", "online": True})
    assert project == {"families": ["gosum"]}  # a checkout may not pick the go binary or go online
    s = settings_mod.merge(
        [project, settings_mod.client_section({"goztLint": {"online": True}}), {"families": ["gomod", "nope", "env"], "severity": {"r": "off", "x": "loud"}}],
        fams,
        {"r"},
    )
    assert s.families == ("gomod", "env") and s.online is True and s.go is None
    assert s.severity == {"r": "off"}
    assert s.fast == ["gomod"] and s.heavy == ["env"]
    assert any("nope" in p for p in s.problems) and any("x" in p for p in s.problems)
    assert settings_mod.client_section({"settings": {"goztLint": {"go": "/g"}}}) == {"go": "/g"}


# -- the ignore editor -----------------------------------------------------------------------------


def test_add_ignore_keeps_comments_and_layout(tmp_path: Path) -> None:
    p = tmp_path / ".gozt-lint.toml"
    original = (
        "# top comment\n[rules]\n# why off\npseudo-version = \"off\"\n\n"
        "[[ignore]]\nrule = \"replace-fork\"\nreason = \"ours\"  # trailing\n\n[policy]\nprivate-modules = []\n"
    )
    p.write_text(original)
    os.chmod(p, 0o600)
    add_ignore(p, "gosum-conflict", "known upstream retag", module="example.com/a")
    text = p.read_text()
    assert text.startswith(original.split("[policy]")[0])
    assert "# why off" in text and "# trailing" in text and text.endswith("[policy]\nprivate-modules = []\n")
    cfg = load_config(p, {"pseudo-version", "replace-fork", "gosum-conflict"})
    assert [(i.rule, i.module, i.reason) for i in cfg.ignores] == [
        ("replace-fork", None, "ours"),
        ("gosum-conflict", "example.com/a", "known upstream retag"),
    ]
    assert cfg.severities == {"pseudo-version": None}
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_add_ignore_creates_and_appends(tmp_path: Path) -> None:
    p = tmp_path / ".gozt-lint.toml"
    add_ignore(p, "r1", "first", file="tools/go.mod")
    add_ignore(p, "r2", "second")
    raw = tomllib.loads(p.read_text())
    assert raw["ignore"] == [{"rule": "r1", "file": "tools/go.mod", "reason": "first"}, {"rule": "r2", "reason": "second"}]
    q = tmp_path / "inline.toml"
    q.write_text('ignore = [{rule = "a", reason = "b"}]')  # no final newline
    add_ignore(q, "c", "d")
    assert tomllib.loads(q.read_text())["ignore"] == [{"rule": "a", "reason": "b"}, {"rule": "c", "reason": "d"}]


def test_add_ignore_refuses_bad_input(tmp_path: Path) -> None:
    p = tmp_path / ".gozt-lint.toml"
    p.write_text("[rules\n")
    with pytest.raises(UsageError):
        add_ignore(p, "r", "why")
    assert p.read_text() == "[rules\n"
    with pytest.raises(UsageError):
        add_ignore(tmp_path / "new.toml", "r", "   ")
    assert not (tmp_path / "new.toml").exists()
    p.write_text('ignore = "x"\n')
    with pytest.raises(UsageError):
        add_ignore(p, "r", "why")


# -- the core adapter and provenance, on a module made by the real go -------------------------------


@pytest.fixture(scope="module")
def gomodule(tmp_path_factory: pytest.TempPathFactory) -> lsp_fixtures.GoModule:
    root = tmp_path_factory.mktemp("lspmod")
    return lsp_fixtures.build(root)


def test_overlay_wins_over_disk(gomodule: lsp_fixtures.GoModule) -> None:
    from gozt_lint.registry import all_rules

    if "gosum-conflict" not in all_rules():
        pytest.skip("gosum-conflict is not registered yet")
    sum_text = gomodule.gosum.read_text()
    conflict = sum_text.split("\n")[0].rsplit(" ", 1)[0] + " h1:bnjUOPL3XLk8nD9gQ0SbNkP74zk64PqrTaQ52SNhjfX=\n"
    req = checks.Request(
        cwd=str(gomodule.dir),
        paths=[str(gomodule.gomod), str(gomodule.gosum)],
        families=["gosum"],
        overlay={str(gomodule.gosum): sum_text + conflict},
    )
    out = checks.run(req, gomodule.env.environ)
    assert any(f.rule == "gosum-conflict" and f.line == len(sum_text.split("\n")) for f in out.findings)
    clean = checks.run(checks.Request(cwd=req.cwd, paths=req.paths, families=["gosum"]), gomodule.env.environ)
    assert not [f for f in clean.findings if f.rule == "gosum-conflict"]


def test_provenance_from_the_real_cache(gomodule: lsp_fixtures.GoModule) -> None:
    from gozt_lint.lsp import provenance
    from gozt_lint.context import Context, Options

    ctx = Context(cwd=gomodule.dir, options=Options(paths=[str(gomodule.gomod)]), environ=gomodule.env.environ)
    verdict = Finding("x", rule="gosum-conflict", severity=Severity.ERROR, module=lsp_fixtures.MOD_A, version=lsp_fixtures.VER_A)
    p = provenance.gather(
        ctx, lsp_fixtures.MOD_A, lsp_fixtures.VER_A, findings=[verdict, Finding("y", rule="z", module="other")], rules_run=["a", "b"]
    )
    sums = dict((ln.split()[1], ln.split()[2]) for ln in gomodule.gosum.read_text().splitlines() if ln.startswith("example.com/a "))
    assert [r.hash for r in p.zip_sums] == [sums["v1.0.0"]]
    assert [r.hash for r in p.mod_sums] == [sums["v1.0.0/go.mod"]]
    assert [r.line for r in p.gosum] == [1, 2]
    # The go command's own .ziphash is the oracle for the cache row.
    ziphash = (gomodule.env.gomodcache / "cache/download/example.com/a/@v/v1.0.0.ziphash").read_text().strip()
    assert p.ziphash == ziphash == sums["v1.0.0"]
    assert p.origin == lsp_fixtures.ORIGIN_A
    assert p.downloaded is not None and p.extracted is not None
    assert p.verdicts == [verdict]
    md = provenance.render_markdown(p, str(gomodule.dir))
    assert f"`{ziphash}` (same as go.sum)" in md
    assert "unauthenticated" in md and lsp_fixtures.ORIGIN_A["Hash"] in md
    assert "error `gosum-conflict`: x" in md
    missing = provenance.gather(ctx, "example.com/nothere", "v1.0.0")
    assert missing.ziphash is None and missing.gosum == [] and "not downloaded" in provenance.render_markdown(missing)


# -- incremental go.sum parsing ----------------------------------------------------------------------

_LINES = st.sampled_from(
    [
        "example.com/a v1.0.0 h1:AAAA=",
        "example.com/a v1.0.0/go.mod h1:BBBB=",
        "example.com/b v0.1.0 h1:CCCC=\r",
        "  example.com/c   v1.2.3\th1:DDDD=  ",
        "",
        "   ",
        "too few fields",
        "one two three four",
        "nul \x00 in line",
        "exämple.com/😀 v1.0.0 h1:x=",
        "\udcff bad utf8 h1:x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(_LINES, max_size=25),
    edits=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5), st.lists(_LINES, max_size=4)), min_size=1, max_size=4),
)
def test_reparse_equals_a_full_parse(before: list[str], edits: list[tuple[int, int, list[str]]]) -> None:
    """Reusing unchanged lines gives exactly what parsing from scratch gives."""
    from gozt_lint.lsp.incremental import reparse
    from gozt_lint.sumfile import parse_gosum

    def enc(lines: list[str]) -> bytes:
        return "\n".join(lines).encode("utf-8", "surrogateescape")

    lines = list(before)
    prev = reparse("/w/go.sum", enc(lines), None)
    for at, drop, insert in edits:
        at = min(at, len(lines))
        lines[at : at + drop] = insert
        data = enc(lines)
        prev = reparse("/w/go.sum", data, prev)
        assert prev[1] == parse_gosum("/w/go.sum", data)


def test_editor_cache_gives_what_a_fresh_context_gives(gomodule: lsp_fixtures.GoModule) -> None:
    """Reused go.mod parses, incremental go.sum parses and the kept Go environment
    change nothing in the findings, edit after edit."""
    from gozt_lint.lsp.incremental import SumCache
    from gozt_lint.registry import FAMILIES

    cache = SumCache()
    gomod, gosum = gomodule.gomod.read_text(), gomodule.gosum.read_text()
    first = gosum.split("\n")[0].split()
    variants = [
        (gomod, gosum),
        (gomod, gosum + f"{first[0]} {first[1]} {first[2][:-2]}A=\n"),
        (gomod.replace("go 1.21", "go 1.99"), gosum),
        (gomod + "replace example.com/a => ../a\n", "garbage line\n" + gosum),
        (gomod, gosum),
    ]
    fams = [f for f in ("gomod", "gosum") if f in FAMILIES]
    for mod_text, sum_text in variants:
        req = checks.Request(
            cwd=str(gomodule.dir),
            paths=[str(gomodule.gomod), str(gomodule.gosum)],
            families=fams,
            overlay={str(gomodule.gomod): mod_text, str(gomodule.gosum): sum_text},
        )
        cached = checks.run(req, gomodule.env.environ, sum_cache=cache)
        fresh = checks.run(req, gomodule.env.environ)
        assert cached.findings == fresh.findings
        assert [f.data for f in cached.findings] == [f.data for f in fresh.findings]
        assert cached.errors == fresh.errors


def test_checksum_database_status_rendering() -> None:
    from gozt_lint.lsp.provenance import Provenance, render_markdown

    p = Provenance(path="example.com/a", version="v1.0.0")
    p.sumdb = {"status": "found", "verified": True, "database": "sum.golang.org", "tree_size": 42, "record_id": 7, "hashes": ["h1:x=", "h1:y="]}
    md = render_markdown(p)
    assert "| checksum database | found, verified against a signed tree head, database `sum.golang.org`, tree size 42, record 7, records `h1:x=`, `h1:y=` |" in md
    p.sumdb, p.sumdb_note = None, "checksum-database lookups are not available in this build"
    assert "| checksum database | checksum-database lookups are not available in this build |" in render_markdown(p)


def test_background_gosum_missing_replaces_the_fast_answer_while_current() -> None:
    """gosum-missing runs in both layers: go.mod alone while typing, the module graph in
    the background. The background answer wins while it describes the text on screen."""
    from gozt_lint.context import Unit
    from gozt_lint.lsp.state import UnitState

    def f(line: int) -> Finding:
        return Finding("missing", "gosum-missing", Severity.ERROR, "/m/go.mod", line, 1, line, 2)

    st = UnitState(Unit("mod", Path("/m"), Path("/m/go.mod"), Path("/m/go.sum")))
    st.fast = checks.Outcome(findings=[f(3), f(4)], rules_run=["gosum-missing", "gomod-syntax"])
    st.heavy = checks.Outcome(findings=[f(9)], rules_run=["gosum-missing", "modcache-incomplete"])
    st.fast_versions = st.heavy_versions = {"/m/go.mod": 2}
    assert [x.line for x in st.findings] == [9]
    st.fast_versions = {"/m/go.mod": 3}  # typed since: the fast answer is the current one
    assert [x.line for x in st.findings] == [3, 4]
    st.heavy = checks.Outcome(findings=[], rules_run=["modcache-incomplete"])  # not run in the background
    assert [x.line for x in st.findings] == [3, 4]
