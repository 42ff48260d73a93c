"""gomod rules, checked against the real go command where it has an opinion."""

from __future__ import annotations

from pathlib import Path

import pytest

from gozt_lint import engine, gover
from gozt_lint.config import Config
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from gozt_lint.registry import get
from tests import gotool

DATA = Path(__file__).parent / "data"


def run(paths: list[Path], cwd: Path, rules: list[str], *, config: Config | None = None, environ: dict[str, str] | None = None) -> list[Finding]:
    ctx = Context(cwd=cwd, options=Options(paths=[str(p) for p in paths], env=False), config=config, environ=environ)
    return engine.run(ctx, [get(r) for r in rules]).findings


def write_mod(d: Path, text: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "go.mod").write_text(text)
    (d / "main.go").write_text("package main\n\nfunc main() {}\n")
    return d / "go.mod"


# -- gomod-syntax: load-stage errors are real go command failures -----------------------------

LOAD_CASES = {
    "non-canonical": "module example.com/m\n\ngo 1.21\n\nrequire golang.org/x/text v0.14\n",
    "unreplaced-bad-path": "module example.com/m\n\ngo 1.21\n\nrequire localdep v0.0.0\n",
    "retract-without-module": "go 1.21\n\nretract v1.0.0\n",
    "bad-module-path": 'module "example.com/a b"\n\ngo 1.21\n',
    "reserved-module-path": "module toolchain\n\ngo 1.21\n",
    "retract-noncanonical": "module example.com/m\n\ngo 1.21\n\nretract v1.0\n",
    "conflicting-replacements": "module example.com/m\n\ngo 1.21\n\nreplace example.com/a => ./a\nreplace example.com/a => ./b\n",
    "bad-replacement-path": "module example.com/m\n\ngo 1.21\n\nrequire example.com/b v1.0.0\n\nreplace example.com/b => Bad..path v1.0.0\n",
}


@pytest.mark.rule("gomod-syntax", fires=True)
@pytest.mark.parametrize("name", sorted(LOAD_CASES))
def test_load_errors_are_go_command_failures(name: str, goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    gomod = write_mod(tmp_path / name, LOAD_CASES[name])
    found = run([gomod], tmp_path, ["gomod-syntax"])
    assert found and all(f.data["stage"] == "load" for f in found), found
    p = goenv.go("list", "-m", "all", cwd=gomod.parent, check=False)
    assert p.returncode != 0, p.stdout


@pytest.mark.rule("gomod-syntax", clean=True)
def test_clean_modules_pass_go_and_us(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    cases = {
        "plain": "module example.com/m\n\ngo 1.21\n",
        "local-name": "module m\n",
        "replaced-dotless": "module example.com/m\n\ngo 1.21\n\nrequire foo v0.0.0\n\nreplace foo => ./foo\n",
        # The same replacement twice, and different replacements for different versions: not a conflict.
        "repeated-replacements": (
            "module example.com/m\n\ngo 1.21\n\nreplace example.com/a => ./a\nreplace example.com/a => ./a\n"
            "replace example.com/a v1.0.0 => ./b\n"
        ),
        # A replacement of a module nothing requires: the go command never checks its path.
        "unrequired-bad-replacement": "module example.com/m\n\ngo 1.21\n\nreplace example.com/b => Bad..path v1.0.0\n",
    }
    for name, text in cases.items():
        gomod = write_mod(tmp_path / name, text)
        if name == "replaced-dotless":
            (gomod.parent / "foo").mkdir()
            (gomod.parent / "foo" / "go.mod").write_text("module foo\n")
        p = goenv.go("list", "-m", "all", cwd=gomod.parent, check=False)
        assert p.returncode == 0, (name, p.stderr)
        assert run([gomod], tmp_path, ["gomod-syntax"]) == [], name


def test_conflicting_replacements_point_at_the_second(tmp_path: Path) -> None:
    gomod = write_mod(tmp_path / "m", "module example.com/m\n\nreplace example.com/a => ./a\nreplace example.com/a => ./b\n")
    [f] = run([gomod], tmp_path, ["gomod-syntax"])
    assert f.line == 4
    assert f.message == "conflicting replacements for example.com/a: ./a and ./b"


@pytest.mark.parametrize("second", ["./m", "m", "m/", "./x/../m"])
def test_go_work_use_twice_is_refused(second: str, goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    write_mod(tmp_path / "m", "module example.com/m\n\ngo 1.21\n")
    work = tmp_path / "go.work"
    work.write_text(f"go 1.21\n\nuse ./m\nuse {second}\n")
    [f] = run([work], tmp_path, ["gomod-syntax"])
    assert (f.line, f.data["stage"]) == (4, "load")
    assert f.message == f"path {tmp_path / 'm'} appears multiple times in workspace"
    p = goenv.go("list", "-m", cwd=tmp_path, check=False, env={"GOWORK": str(work)})
    assert p.returncode != 0 and "appears multiple times" in p.stderr


@pytest.mark.rule("gomod-syntax", fires=True)
def test_syntax_error_position_and_wording(tmp_path: Path) -> None:
    gomod = write_mod(tmp_path / "m", "module example.com/m\nrequire (\n\texample.com/x v1.0.0 /* no */\n)\n")
    [f] = run([gomod], tmp_path, ["gomod-syntax"])
    assert (f.line, f.column) == (3, 23)
    assert f.message == "mod files must use // comments (not /* */ comments)"


# -- toolchain-directive against the go command's own switching decision ------------------------


def local_version(goenv: gotool.GoEnvDirs) -> str:
    return goenv.go("env", "GOVERSION").stdout.strip()


@pytest.mark.parametrize(
    "line,kind",
    [
        pytest.param(line, kind, marks=pytest.mark.rule("toolchain-directive", **({"fires": True} if kind else {"clean": True})))
        for line, kind in [("go {newer}", "go"), ("toolchain go{newer}", "toolchain"), ("go {same}", None), ("go {older_lang}", None), ("toolchain default", None)]
    ],
)
def test_toolchain_directive_matches_switching(line: str, kind: str | None, goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    local = gover.from_toolchain(local_version(goenv))
    major, minor = local.split(".")[:2]
    fill = {"newer": f"{major}.{int(minor) + 5}.0", "same": local, "older_lang": f"{major}.{int(minor) - 1}"}
    go_line = "" if line.startswith("go ") else f"go {major}.{int(minor) - 1}\n"
    gomod = write_mod(tmp_path / "m", f"module example.com/m\n\n{go_line}{line.format(**fill)}\n")
    found = run([gomod], tmp_path, ["toolchain-directive"], environ=goenv.environ)
    assert len(found) == (1 if kind else 0), found
    if kind:
        assert found[0].message.startswith(kind)
    # The oracle: with GOTOOLCHAIN=auto and no proxy, the go command tries to switch
    # (and fails) exactly when the file asks for a newer toolchain.
    p = goenv.go("version", cwd=gomod.parent, check=False, env={"GOTOOLCHAIN": "auto", "GOPROXY": "off"})
    assert (p.returncode != 0) == bool(kind), p.stderr


def test_toolchain_directive_silent_without_go(tmp_path: Path) -> None:
    gomod = write_mod(tmp_path / "m", "module example.com/m\n\ngo 1.999\n")
    env = {"PATH": str(tmp_path / "nowhere"), "HOME": str(tmp_path)}
    assert run([gomod], tmp_path, ["toolchain-directive"], environ=env) == []


# -- replacements and pseudo-versions ----------------------------------------------------------------

REPLACES = """module example.com/m

go 1.21

require (
	example.com/a v1.0.0
	example.com/b v0.0.0-20240102030405-abcdefabcdef
	example.com/c v0.0.0-20240102030405-abcdefabcdef
	example.com/d v1.0.0
)

replace example.com/a => ./a
replace example.com/b => example.com/bfork v1.2.0
replace example.com/d v1.0.0 => example.com/d v1.0.1
replace example.com/e => example.com/efork v0.0.0-20240102030405-abcdefabcdef
"""


@pytest.mark.rule("replace-local-path", "replace-fork", "pseudo-version", fires=True)
def test_replace_and_pseudo_findings(tmp_path: Path) -> None:
    gomod = write_mod(tmp_path / "m", REPLACES)
    (gomod.parent / "a").mkdir()
    found = run([gomod], tmp_path, ["replace-local-path", "replace-fork", "pseudo-version"])
    got = sorted((f.rule, f.line, f.module) for f in found)
    assert got == [
        ("pseudo-version", 8, "example.com/c"),  # b is replaced: its version is not used
        ("pseudo-version", 15, "example.com/efork"),
        ("replace-fork", 13, "example.com/b"),
        ("replace-fork", 15, "example.com/e"),
        ("replace-local-path", 12, "example.com/a"),
    ]
    pv = [f for f in found if f.rule == "pseudo-version" and f.line == 8][0]
    assert pv.column == len("\texample.com/c ") + 1 and "abcdefabcdef" in pv.message


@pytest.mark.rule("pseudo-version", "replace-fork", "replace-local-path", clean=True)
def test_released_versions_and_same_module_replacements_are_quiet(tmp_path: Path) -> None:
    # Near misses: a pre-release and a +incompatible version are tags, not commits;
    # a replacement by another version of the same module is no fork; a path that
    # merely contains a dot is a module path, not a local directory.
    gomod = write_mod(
        tmp_path / "m",
        "module example.com/m\n\ngo 1.21\n\nrequire (\n"
        "\texample.com/a v1.0.0\n\texample.com/b v1.2.0-rc.1\n\texample.com/c v2.0.0+incompatible\n"
        "\texample.com/d v1.0.0\n\texample.com/e.f v1.0.0\n)\n\n"
        "replace example.com/d v1.0.0 => example.com/d v1.0.1\n",
    )
    assert run([gomod], tmp_path, ["replace-local-path", "replace-fork", "pseudo-version"]) == []
    # The same file with one pseudo-version, one fork and one local path: each fires.
    text = gomod.read_text().replace("example.com/a v1.0.0", "example.com/a v0.0.0-20240102030405-abcdefabcdef")
    text += "replace example.com/b => example.com/bfork v1.2.0\nreplace example.com/c => ./c\n"
    gomod.write_text(text)
    found = run([gomod], tmp_path, ["replace-local-path", "replace-fork", "pseudo-version"])
    assert sorted((f.rule, f.module) for f in found) == [
        ("pseudo-version", "example.com/a"), ("replace-fork", "example.com/b"), ("replace-local-path", "example.com/c"),
    ]


def test_allowed_replacements(tmp_path: Path) -> None:
    gomod = write_mod(tmp_path / "m", REPLACES)
    cfg = Config(allowed_replacements=["example.com/b", "./m/a", "example.com/efork"])
    found = run([gomod], tmp_path, ["replace-local-path", "replace-fork"], config=cfg)
    assert found == []
    cfg = Config(allowed_replacements=["./elsewhere", "example.com/x*"])
    assert len(run([gomod], tmp_path, ["replace-local-path", "replace-fork"], config=cfg)) == 3


@pytest.mark.rule("replace-local-path", fires=True)
def test_go_work_replacements(tmp_path: Path) -> None:
    (tmp_path / "go.work").write_text("go 1.22\n\nuse ./m\n\nreplace example.com/z => ../z\n")
    write_mod(tmp_path / "m", "module example.com/m\n\ngo 1.22\n")
    found = run([tmp_path / "go.work"], tmp_path, ["replace-local-path"])
    assert [(f.file, f.line) for f in found] == [(str(tmp_path / "go.work"), 5)]
    assert "does not exist" in found[0].message


def test_inline_ignores_suppress(tmp_path: Path) -> None:
    text = REPLACES.replace("replace example.com/a => ./a", "replace example.com/a => ./a // gozt:ignore replace-local-path vendored copy")
    text = text.replace("\texample.com/c v0", "\t// gozt:ignore pseudo-version upstream has no tags\n\texample.com/c v0")
    gomod = write_mod(tmp_path / "m", text)
    (gomod.parent / "a").mkdir()
    found = run([gomod], tmp_path, ["replace-local-path", "pseudo-version"])
    assert sorted(f.module for f in found) == ["example.com/efork"]


def test_corpus_findings_are_the_documented_ones(tmp_path: Path) -> None:
    corpus = DATA / "corpus"
    rules = ["gomod-syntax", "replace-local-path", "replace-fork", "pseudo-version"]
    found = run([corpus], corpus, rules)
    # Hugo keeps a directory out of its module with an empty go.mod, which the go
    # command refuses to build in: the one gomod-syntax finding, saying so.
    syntax = [(Path(f.file).relative_to(corpus).as_posix(), f.message) for f in found if f.rule == "gomod-syntax"]
    assert [s[0] for s in syntax] == ["gohugoio__hugo/internal/warpc/genwebp/go.mod"], syntax
    assert "this go.mod is empty" in syntax[0][1]
    forks = [(Path(f.file).parent.name, f.module) for f in found if f.rule == "replace-fork"]
    assert forks == [("cli__cli", "github.com/rogpeppe/go-internal")]
    local = {Path(f.file).relative_to(corpus).parts[0] for f in found if f.rule == "replace-local-path"}
    assert local <= {"kubernetes__kubernetes", "etcd-io__etcd", "golang__tools"} and local
    assert any(f.rule == "pseudo-version" for f in found)
