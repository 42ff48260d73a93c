"""Build constraints and import blocks, against go/build (built at test time) and by hand."""

from __future__ import annotations

import random
import time
from typing import Iterator

import pytest

from gozt_lint import buildconstraint as bc
from gozt_lint import imports
from tests import gobuild_oracle

LINUX = bc.Tags("linux", "amd64", cgo=False, release=22)


@pytest.fixture(scope="module")
def gobuild(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gobuild_oracle.GoBuild]:
    o = gobuild_oracle.GoBuild(gobuild_oracle.build(tmp_path_factory.mktemp("gobuild")))
    yield o
    o.close()


@pytest.mark.parametrize(
    "expr, want",
    [
        ("linux", True),
        ("!linux", False),
        ("linux && amd64", True),
        ("linux && !amd64", False),
        ("windows || (linux && go1.22)", True),
        ("go1.23", False),
        ("unix", True),
        ("ignore", False),
        ("!ignore", True),
        ("(((linux)))", True),
        ("a || b && c", False),
        ("linux || b && c", True),
        ("!(windows || darwin)", True),
        ("foo.bar_1 || linux", True),
    ],
)
def test_eval(expr: str, want: bool) -> None:
    assert bc.evaluate(bc.parse(f"//go:build {expr}"), LINUX) is want


@pytest.mark.parametrize(
    "line, why",
    [
        ("//go:build", "unexpected end of expression"),
        ("//go:build !!linux", "double negation not allowed"),
        ("//go:build (linux", "missing close paren"),
        ("//go:build linux)", "unexpected token )"),
        ("//go:build linux amd64", "unexpected token amd64"),
        ("//go:build linux & amd64", "invalid syntax at &"),
        ("//go:build linux && ", "unexpected end of expression"),
        ("//go:build $x", "invalid syntax at $"),
        ("//go:builder linux", "not a build constraint"),
        ("// not +build", "not a build constraint"),
    ],
)
def test_parse_errors(line: str, why: str) -> None:
    with pytest.raises(bc.ConstraintError, match=why.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")):
        bc.parse(line)


def test_plus_build() -> None:
    x = bc.parse("// +build linux,amd64 windows")
    assert bc.evaluate(x, LINUX)
    assert not bc.evaluate(bc.parse("// +build !linux"), LINUX)
    assert not bc.evaluate(bc.parse("// +build !!linux"), LINUX)  # becomes "ignore"
    assert not bc.evaluate(bc.parse("// +build"), LINUX)  # no clause: ignore
    with pytest.raises(bc.ConstraintError):
        bc.parse("// +build " + ",".join(["a"] * 200))


def test_large_inputs_are_bounded_and_never_recurse() -> None:
    # 999 nested parentheses: within Go's limit, parsed and evaluated without recursion.
    deep = "(" * 998 + "linux" + ")" * 998
    assert bc.evaluate(bc.parse("//go:build " + deep), LINUX)
    # Past the limit: refused, quickly.
    t = time.perf_counter()
    with pytest.raises(bc.ConstraintError, match="too large"):
        bc.parse("//go:build " + "(" * 200_000 + "linux" + ")" * 200_000)
    with pytest.raises(bc.ConstraintError, match="too large"):
        bc.parse("//go:build " + " || ".join(["a"] * 100_000))
    with pytest.raises(bc.ConstraintError):
        bc.parse("//go:build " + "!" * 100_000 + "a")
    # A long header of comments, a huge +build line.
    header = b"// x\n" * 200_000 + b"// +build " + b" ".join([b"a"] * 50_000) + b"\n\npackage p\n"
    assert bc.should_build(header, LINUX)  # too complex: the line is ignored
    assert time.perf_counter() - t < 10


def test_file_names() -> None:
    assert bc.match_file("x_linux.go", LINUX)
    assert not bc.match_file("x_windows.go", LINUX)
    assert not bc.match_file("x_linux_arm64.go", LINUX)
    assert bc.match_file("x_linux_amd64_test.go", LINUX)
    assert bc.match_file("linux.go", LINUX)  # no prefix: not a suffix constraint
    assert bc.match_file("x_unix.go", LINUX)  # unix is not a known GOOS suffix
    android = bc.Tags("android", "arm64")
    assert bc.match_file("x_linux.go", android)


def test_header_rules() -> None:
    # +build must be followed by a blank line; //go:build wins over +build.
    assert not bc.should_build(b"// +build windows\n\npackage p\n", LINUX)
    assert bc.should_build(b"// +build windows\npackage p\n", LINUX)  # doc comment, not a constraint
    assert bc.should_build(b"//go:build linux\n// +build windows\n\npackage p\n", LINUX)
    assert not bc.should_build(b"//go:build linux\n//go:build linux\n\npackage p\n", LINUX)
    assert not bc.should_build(b"//go:build !!linux\n\npackage p\n", LINUX)
    assert bc.should_build(b"/* //go:build windows */\npackage p\n", LINUX)


def test_read_imports() -> None:
    src = b'\xef\xbb\xbfpackage p // c\n\nimport "a/b"\nimport (\n\tx "c/d"\n\t. "e"\n\t_ `f/g`\n\t"h\\x2fi"\n)\nimport "j"; var X = 1\nimport "late"\n'
    fi = imports.read_imports(src)
    assert fi.imports == ["a/b", "c/d", "e", "f/g", "h/i", "j"]
    assert fi.error is None and fi.header.endswith(b'"j"; ')
    # A syntax error keeps what came before it and makes the whole file the header.
    fi = imports.read_imports(b'package p\nimport "a"\nimport %\n//go:build ignore\n')
    assert fi.imports == ["a"] and fi.header.endswith(b"ignore\n")
    assert imports.read_imports(b'package p\nimport "a"\x00').error == "unexpected NUL in input"
    # Past the imports the scanner reads nothing more, NULs included.
    assert imports.read_imports(b'package p\nfunc f() { s := "\x00" }').error is None
    assert imports.read_imports(b"package p\n/* unterminated").imports == []
    assert imports.read_imports(b'package p; import "bad\nnewline"').imports == []


def _constraint(rng: random.Random, depth: int = 0) -> str:
    tags = ["linux", "windows", "amd64", "arm64", "cgo", "go1.21", "go1.30", "unix", "foo", "ignore", "darwin", "gc"]
    r = rng.random()
    if depth > 3 or r < 0.35:
        return rng.choice(tags)
    if r < 0.5:
        return "!" + rng.choice(tags)
    if r < 0.6:
        return "!(" + _constraint(rng, depth + 1) + ")"
    if r < 0.8:
        return _constraint(rng, depth + 1) + " && " + _constraint(rng, depth + 1)
    if r < 0.95:
        return "(" + _constraint(rng, depth + 1) + " || " + _constraint(rng, depth + 1) + ")"
    return rng.choice(["", "!!linux", "(linux", "linux &", "a b"])


def _file(rng: random.Random, i: int) -> tuple[str, str]:
    suffix = rng.choice(["", "_linux", "_windows", "_amd64", "_linux_arm64", "_darwin_amd64", "_test", "_linux_test", "_foo"])
    name = f"f{i}{suffix}.go"
    head = []
    kind = rng.random()
    if kind < 0.5:
        head.append(f"//go:build {_constraint(rng)}")
    elif kind < 0.7:
        words = ",".join(rng.sample(["linux", "!windows", "amd64", "cgo", "foo", "!foo", "go1.4"], 2))
        head.append(f"// +build {words} {rng.choice(['darwin', 'ignore', 'linux'])}")
    elif kind < 0.8:
        head.append(f"//go:build {_constraint(rng)}")
        head.append("// +build windows")
    if rng.random() < 0.7:
        head.append("")
    pkg = "p_test" if name.endswith("_test.go") and rng.random() < 0.5 else "p"
    imp = rng.sample(["example.com/a", "example.com/b/c", "example.com/d", "fmt", "C"], rng.randint(0, 3))
    if "C" in imp and (pkg != "p" or name.endswith("_test.go")):
        imp.remove("C")
    body = "".join(f'import "{p}"\n' for p in imp)
    return name, "\n".join(head) + f"\npackage {pkg}\n\n{body}\nvar _ = 1\n"


@pytest.mark.parametrize("seed", range(6))
def test_against_go_build(gobuild: gobuild_oracle.GoBuild, seed: int) -> None:
    """Random headers, file names and configurations: every file's inclusion and the
    directory's imports agree with go/build."""
    rng = random.Random(seed)
    for _ in range(40):
        goos, goarch = rng.choice([("linux", "amd64"), ("windows", "amd64"), ("darwin", "arm64"), ("android", "arm64")])
        cgo = rng.random() < 0.5
        tags = rng.sample(["foo", "bar", "integration"], rng.randint(0, 2))
        release = rng.choice([21, 27, 30])
        files = dict(_file(rng, i) for i in range(rng.randint(1, 8)))
        got = gobuild.ask(GOOS=goos, GOARCH=goarch, Cgo=cgo, Tags=tags, Release=release, Files=files)
        t = bc.Tags(goos, goarch, cgo=cgo, build_tags=tuple(tags), release=release)
        for name, text in files.items():
            fi = imports.read_imports(text.encode())
            ours = bc.match_file(name, t) and bc.should_build(fi.header, t)
            assert ours == got["Match"][name], (name, text, goos, goarch, cgo, tags, release)
        eligible = [(n, s.encode()) for n, s in sorted(files.items()) if imports.eligible_name(n, t)]
        scan = imports.scan_files(eligible, t)
        if not got["Err"]:
            assert scan.imports == sorted(p for p in (got["Imports"] or []) if p != "C"), files
            assert scan.test_imports == sorted({p for p in (got["TestImports"] or []) if p != "C"}), files
        elif "no buildable Go source files" in got["Err"]:
            assert scan.files == 0
