"""gosum rules, with the real go command as the oracle: a module world that
`go mod tidy` completed, then go.sum edits that the go command accepts or refuses."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from gozt_lint.registry import get
from tests import gosum_world, gotool

DATA = Path(__file__).parent / "data"


def run(paths: list[Path], cwd: Path, rules: list[str]) -> list[Finding]:
    ctx = Context(cwd=cwd, options=Options(paths=[str(p) for p in paths], env=False))
    return engine.run(ctx, [get(r) for r in rules]).findings


def fake_h1(seed: str) -> str:
    return "h1:" + base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gosum_world.World]:
    root = tmp_path_factory.mktemp("world")
    env = gotool.hermetic_env(root / "env")
    yield gosum_world.build(root, env)
    env.cleanup()


@pytest.fixture
def app(world: gosum_world.World, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the tidy module (go.mod, go.sum, main.go) per test."""
    import shutil

    dst = tmp_path / "app"
    shutil.copytree(world.app, dst)
    yield dst


def go_build(world: gosum_world.World, app: Path) -> tuple[int, str]:
    return world.go_offline("build", "./...", cwd=app)


ALL = ["gosum-syntax", "gosum-missing", "gosum-conflict", "gosum-unknown-algorithm"]


@pytest.mark.rule("gosum-syntax", "gosum-missing", "gosum-conflict", "gosum-unknown-algorithm", clean=True)
def test_tidy_module_is_clean(world: gosum_world.World, app: Path) -> None:
    assert go_build(world, app)[0] == 0
    assert run([app], app, ALL) == []


def test_every_reported_missing_line_breaks_the_build(world: gosum_world.World, app: Path) -> None:
    """Soundness against the go command: removing any go.sum line we call needed
    makes `go build -mod=readonly` fail with a missing go.sum entry."""
    lines = (app / "go.sum").read_text().splitlines()
    reported_any = set()
    for i, line in enumerate(lines):
        (app / "go.sum").write_text("\n".join(lines[:i] + lines[i + 1 :]) + "\n")
        found = run([app], app, ["gosum-missing"])
        keys = {f.data["sum_line"] for f in found}
        path, ver = line.split()[:2]
        if f"{path} {ver}" in keys:
            reported_any.add(f"{path} {ver}")
            code, out = go_build(world, app)
            assert code != 0 and "missing go.sum entry" in out, (line, out)
        # Nothing else is reported: every other line is still there.
        assert keys <= {f"{path} {ver}"}, keys
    (app / "go.sum").write_text("\n".join(lines) + "\n")
    # Direct requirements of a go 1.21 module need both lines; the fork's lines
    # are needed under the replacement's path.
    for want in ("example.com/dep v1.0.0", "example.com/dep v1.0.0/go.mod", "example.com/old v1.0.0",
                 "example.com/old v1.0.0/go.mod", "example.com/forked v1.1.0", "example.com/forked v1.1.0/go.mod",
                 "example.com/deep v1.0.0/go.mod"):
        assert want in reported_any, want


@pytest.mark.rule("gosum-missing", fires=True)
def test_missing_points_at_the_require_line(world: gosum_world.World, app: Path) -> None:
    sums = [ln for ln in (app / "go.sum").read_text().splitlines() if not ln.startswith("example.com/dep ")]
    (app / "go.sum").write_text("\n".join(sums) + "\n")
    found = run([app / "go.sum"], app, ["gosum-missing"])
    assert {f.data["sum_line"] for f in found} == {"example.com/dep v1.0.0", "example.com/dep v1.0.0/go.mod"}
    gomod = (app / "go.mod").read_text().splitlines()
    for f in found:
        assert f.file == str(app / "go.mod")
        assert "example.com/dep v1.0.0" in gomod[f.line - 1] and f.module == "example.com/dep"


def test_absent_go_sum(world: gosum_world.World, app: Path) -> None:
    (app / "go.sum").unlink()
    found = run([app], app, ["gosum-missing"])
    assert found and all("go.sum does not exist" in f.message for f in found)
    assert go_build(world, app)[0] != 0


@pytest.mark.rule("gosum-missing", clean=True)
def test_local_replacement_needs_no_lines(tmp_path: Path) -> None:
    d = tmp_path / "m"
    (d / "lib").mkdir(parents=True)
    (d / "lib" / "go.mod").write_text("module example.com/lib\n")
    (d / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./lib\n")
    assert run([d], d, ["gosum-missing"]) == []


@pytest.mark.rule("gosum-conflict", fires=True)
def test_conflict_is_reported_and_breaks_the_build(world: gosum_world.World, app: Path) -> None:
    lines = (app / "go.sum").read_text().splitlines()
    bogus = f"example.com/dep v1.0.0/go.mod {fake_h1('bogus')}"
    (app / "go.sum").write_text("\n".join([bogus] + lines) + "\n")
    found = run([app], app, ["gosum-conflict"])
    assert len(found) == 1 and found[0].module == "example.com/dep" and found[0].line == 5
    code, out = go_build(world, app)
    assert code != 0 and "checksum mismatch" in out


def test_conflict_across_workspace_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "go.work").write_text("go 1.22\n\nuse ./a\n")
    (tmp_path / "a" / "go.mod").write_text("module example.com/a\n\ngo 1.22\n")
    (tmp_path / "a" / "go.sum").write_text(f"example.com/x v1.0.0/go.mod {fake_h1('one')}\n")
    (tmp_path / "go.work.sum").write_text(f"example.com/x v1.0.0/go.mod {fake_h1('two')}\n")
    found = run([tmp_path / "go.work"], tmp_path, ["gosum-conflict"])
    assert len(found) == 1 and found[0].file == str(tmp_path / "a" / "go.sum")
    assert str(tmp_path / "go.work.sum") in found[0].message


@pytest.mark.rule("gosum-conflict", clean=True)
def test_same_hash_twice_and_legacy_line_are_not_conflicts(tmp_path: Path) -> None:
    h = fake_h1("x")
    (tmp_path / "go.mod").write_text("module example.com/m\n")
    (tmp_path / "go.sum").write_text(
        f"example.com/x v1.0.0 {h}\nexample.com/x v1.0.0 {h}\n"
        "example.com/x v1.0.0/go.mod h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=\n"
        f"example.com/x v1.0.0/go.mod {fake_h1('y')}\n"
    )
    assert run([tmp_path], tmp_path, ALL) == []


@pytest.mark.rule("gosum-unknown-algorithm", fires=True)
def test_unknown_algorithm(world: gosum_world.World, app: Path) -> None:
    lines = (app / "go.sum").read_text().splitlines()
    lines.append("example.com/dep v1.0.0 h2:" + base64.b64encode(b"x" * 32).decode())
    (app / "go.sum").write_text("\n".join(lines) + "\n")
    found = run([app], app, ALL)
    assert [f.rule for f in found] == ["gosum-unknown-algorithm"]
    assert found[0].column == len("example.com/dep v1.0.0 ") + 1
    # The go command warns and carries on: the h1 line is there.
    assert go_build(world, app)[0] == 0


def test_unknown_algorithm_alone_counts_as_missing(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\nrequire example.com/x v1.0.0\n")
    (tmp_path / "go.sum").write_text(
        f"example.com/x v1.0.0 h2:{fake_h1('a')[3:]}\nexample.com/x v1.0.0/go.mod {fake_h1('b')}\n"
    )
    rules = {f.rule for f in run([tmp_path], tmp_path, ALL)}
    assert rules == {"gosum-unknown-algorithm", "gosum-missing"}


@pytest.mark.parametrize(
    "extra,broken",
    [
        ("example.com/dep v1.0.0", True),  # two fields
        ("example.com/dep v1.0.0 h1:x= extra", True),  # four fields
        ("   \t  ", False),  # blank
        ("example.com/zzz\u00a0v1.0.0 {h}", False),  # NBSP separates fields for the go command
        ("example.com/zzz\x1cv1.0.0 {h}", True),  # U+001C does not (Python's isspace says it does)
        ("example.com/zzz v1.0.0 {h}\r", False),  # CR is space
    ],
)
def test_field_splitting_matches_the_go_command(world: gosum_world.World, app: Path, extra: str, broken: bool) -> None:
    extra = extra.replace("{h}", fake_h1("z"))
    (app / "go.sum").write_bytes((app / "go.sum").read_bytes() + extra.encode() + b"\n")
    found = run([app], app, ["gosum-syntax"])
    field_errors = [f for f in found if "wrong number of fields" in f.message]
    code, out = go_build(world, app)
    assert ("malformed go.sum" in out) == broken, out
    assert bool(field_errors) == broken


@pytest.mark.rule("gosum-syntax", fires=True)
def test_syntax_findings(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n")
    good = fake_h1("g")
    (tmp_path / "go.sum").write_bytes(
        b"example.com/x v1.0 " + good.encode() + b"\n"  # not canonical
        + b"Example.com/x v1.0.0 " + good.encode() + b"\n"  # bad path
        + b"example.com/x/v2 v1.0.0 " + good.encode() + b"\n"  # major mismatch
        + b"example.com/x v1.0.0 h1:short=\n"  # malformed h1
        + b"example.com/x v1.0.0 nocolon\n"  # no algorithm
        + b"example.com/\x00 v1.0.0 " + good.encode() + b"\n"  # NUL
        + b"\xff\xfe v1.0.0 " + good.encode() + b"\n"  # not UTF-8
    )
    found = run([tmp_path], tmp_path, ["gosum-syntax"])
    assert [f.line for f in found] == [1, 2, 3, 4, 5, 6, 7]
    assert "not a canonical version" in found[0].message
    assert "malformed module path" in found[1].message
    assert "should be v2, not v1" in found[2].message
    assert found[3].column == len("example.com/x v1.0.0 ") + 1 and "h1" in found[3].message


def test_directory_named_go_sum_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/m\n\ngo 1.21\n\nrequire example.com/x v1.0.0\n")
    (tmp_path / "go.sum").mkdir()
    ctx = Context(cwd=tmp_path, options=Options(paths=[str(tmp_path / "go.mod")], env=False))
    result = engine.run(ctx, [get(r) for r in ALL])
    assert any("directory" in str(e) for e in result.input_errors)


def test_corpus_sum_files_are_clean() -> None:
    corpus = DATA / "corpus"
    found = run([corpus], corpus, ALL)
    assert found == [], "\n".join(f"{f.file}:{f.line}: {f.rule} {f.message}" for f in found[:10])
