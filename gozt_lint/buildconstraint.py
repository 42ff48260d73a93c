"""Build constraints as the go command applies them when it loads packages.

Three parts, after go/build/constraint and cmd/go/internal/imports:

- :func:`parse` reads a ``//go:build`` expression or a legacy ``// +build`` line into
  a small tree. The parser is iterative (a nesting of 1,000 parentheses must not
  exhaust Python's stack) and, like Go's, refuses expressions of more than 1,000
  operands, ``!!x`` and anything it cannot tokenize: a bad ``//go:build`` line
  excludes its file, a bad ``// +build`` line is ignored.
- :func:`should_build` finds the constraints in a file's header (the leading run of
  ``//`` comments and blank lines) and evaluates them.
- :func:`match_file` applies the ``_GOOS``, ``_GOARCH``, ``_GOOS_GOARCH`` (and
  ``_test``) file-name suffixes.

:class:`Tags` is the set of true tags for one configuration: GOOS, GOARCH, the
compiler, ``cgo`` when CGO_ENABLED=1, ``-tags``, the tool tags of the
architecture level (``amd64.v1`` ...) and of GOEXPERIMENT, and the release tags
``go1.1`` ... ``go1.N`` of the toolchain that runs. ``unix`` and the OS aliases
(``linux`` on android, ``solaris`` on illumos, ``darwin`` on ios) are derived as
cmd/go's matchTag derives them.
"""

from __future__ import annotations

from typing import NamedTuple, Union

# internal/syslist
KNOWN_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos".split()
)
UNIX_OS = frozenset("aix android darwin dragonfly freebsd hurd illumos ios linux netbsd openbsd solaris".split())
KNOWN_ARCH = frozenset(
    (
        "386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le "
        "ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm"
    ).split()
)

MAX_SIZE = 1000  # go/build/constraint: operands in one //go:build expression
MAX_OLD_SIZE = 100  # operators in one // +build line


class Tag(NamedTuple):
    name: str


class Not(NamedTuple):
    x: Expr


class And(NamedTuple):
    x: Expr
    y: Expr


class Or(NamedTuple):
    x: Expr
    y: Expr


Expr = Union[Tag, Not, And, Or]


class ConstraintError(ValueError):
    """A line that is not a valid build constraint."""


def _is_tag_char(c: str) -> bool:
    return c.isalpha() or c.isdigit() or c == "_" or c == "."


def is_valid_tag(word: str) -> bool:
    return word != "" and all(_is_tag_char(c) for c in word)


def split_go_build(line: str) -> str | None:
    """The expression of a ``//go:build`` line, or None when the line is not one."""
    if line.endswith("\n"):
        line = line[:-1]
    if "\n" in line or not line.startswith("//go:build"):
        return None
    line = line.strip()[len("//go:build") :]
    trim = line.strip()
    if len(line) == len(trim) and line != "":
        return None  # "//go:builder"
    return trim


def split_plus_build(line: str) -> str | None:
    """The text of a ``// +build`` line, or None when the line is not one."""
    if line.endswith("\n"):
        line = line[:-1]
    if "\n" in line or not line.startswith("//"):
        return None
    line = line[2:].strip()
    if not line.startswith("+build"):
        return None
    line = line[len("+build") :]
    trim = line.strip()
    if len(line) == len(trim) and line != "":
        return None
    return trim


def _tokens(s: str) -> list[tuple[str, bool, int]]:
    """(token, is_tag, offset) of a //go:build expression; ConstraintError on a bad character."""
    out: list[tuple[str, bool, int]] = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in " \t":
            i += 1
        if i >= n:
            return out
        c = s[i]
        if c in "()!":
            out.append((c, False, i))
            i += 1
            continue
        if c in "&|":
            if i + 1 >= n or s[i + 1] != c:
                raise ConstraintError(f"invalid syntax at {c}")
            out.append((c + c, False, i))
            i += 2
            continue
        j = i
        while j < n and _is_tag_char(s[j]):
            j += 1
        if j == i:
            raise ConstraintError(f"invalid syntax at {c}")
        out.append((s[i:j], True, i))
        i = j


def parse_expr(text: str) -> Expr:
    """A //go:build expression (the text after ``//go:build``), parsed iteratively.

    Grammar (go/build/constraint): or := and {"||" and}; and := not {"&&" not};
    not := "!" atom | atom; atom := "(" or ")" | tag. Operators of one precedence
    group to the left, as Go builds them.
    """
    toks = _tokens(text)
    toks.append(("", False, len(text)))
    size = 0
    # Operator stack holds "(", "!", "&&", "||"; operand stack holds trees.
    ops: list[str] = []
    vals: list[Expr] = []
    i = 0
    depth = 0

    def reduce_while(pred: str) -> None:
        # pred "&&": pop &&; pred "||": pop && and ||; pred ")": pop to "(".
        while ops:
            top = ops[-1]
            if top == "&&" or (top == "||" and pred in ("||", ")")):
                ops.pop()
                y, x = vals.pop(), vals.pop()
                vals.append(And(x, y) if top == "&&" else Or(x, y))
            else:
                return

    expect_operand = True
    while True:
        tok, is_tag, _pos = toks[i]
        if expect_operand:
            size += 1
            if size > MAX_SIZE:
                raise ConstraintError("build expression too large")
            negate = False
            if tok == "!":
                i += 1
                tok, is_tag, _pos = toks[i]
                if tok == "!":
                    raise ConstraintError("double negation not allowed")
                negate = True
            if tok == "(":
                if negate:
                    ops.append("!")
                ops.append("(")
                depth += 1
                i += 1
                continue  # a new operand follows (size counted again, as Go's not() does)
            if not is_tag:
                if tok == "":
                    raise ConstraintError("missing close paren" if depth else "unexpected end of expression")
                raise ConstraintError(f"unexpected token {tok}")
            vals.append(Not(Tag(tok)) if negate else Tag(tok))
            i += 1
            expect_operand = False
            continue
        # Expecting an operator, ")" or the end.
        if tok in ("&&", "||"):
            reduce_while(tok)
            ops.append(tok)
            i += 1
            expect_operand = True
            continue
        if tok == ")":
            if depth == 0:
                raise ConstraintError("unexpected token )")
            reduce_while(")")
            ops.pop()  # the "("
            depth -= 1
            if ops and ops[-1] == "!":
                ops.pop()
                vals.append(Not(vals.pop()))
            i += 1
            continue
        if tok == "":
            if depth:
                raise ConstraintError("missing close paren")
            reduce_while(")")
            if len(vals) != 1 or ops:  # pragma: no cover - the grammar guarantees it
                raise ConstraintError("internal error: unbalanced expression")
            return vals[0]
        raise ConstraintError(f"unexpected token {tok}")


def parse_plus_build(text: str) -> Expr:
    """A legacy ``// +build`` line's text: space-separated OR of comma-separated AND
    of possibly negated tags; an invalid word becomes the never-true tag ``ignore``."""
    size = 0
    x: Expr | None = None
    for clause in text.split():
        y: Expr | None = None
        for lit in clause.split(","):
            z: Expr
            if lit.startswith("!!") or lit == "!":
                z = Tag("ignore")
            else:
                neg = lit.startswith("!")
                if neg:
                    lit = lit[1:]
                z = Tag(lit) if is_valid_tag(lit) else Tag("ignore")
                if neg:
                    z = Not(z)
            if y is None:
                y = z
            else:
                size += 1
                if size > MAX_OLD_SIZE:
                    raise ConstraintError("expression too complex")
                y = And(y, z)
        assert y is not None
        if x is None:
            x = y
        else:
            size += 1
            if size > MAX_OLD_SIZE:
                raise ConstraintError("expression too complex")
            x = Or(x, y)
    return x if x is not None else Tag("ignore")


def parse(line: str) -> Expr:
    """A ``//go:build`` or ``// +build`` line; ConstraintError when it is neither or is malformed."""
    text = split_go_build(line)
    if text is not None:
        return parse_expr(text)
    text = split_plus_build(line)
    if text is not None:
        return parse_plus_build(text)
    raise ConstraintError("not a build constraint")


class Tags:
    """The tags that are true for one build configuration."""

    def __init__(
        self,
        goos: str,
        goarch: str,
        *,
        cgo: bool = False,
        compiler: str = "gc",
        build_tags: tuple[str, ...] = (),
        tool_tags: tuple[str, ...] = (),
        release: int = 0,  # N of the go1.N release tags
    ) -> None:
        self.goos, self.goarch, self.cgo = goos, goarch, cgo
        names = {goos, goarch, compiler, *build_tags, *tool_tags}
        names.update(f"go1.{i}" for i in range(1, release + 1))
        if cgo:
            names.add("cgo")
        names.discard("")
        self.names = frozenset(names)
        self.key = (goos, goarch, cgo, compiler, tuple(sorted(names)))

    def __repr__(self) -> str:
        return f"Tags({self.goos}/{self.goarch}, cgo={self.cgo}, {sorted(self.names)})"

    def match(self, name: str) -> bool:
        if not is_valid_tag(name):
            return False
        if name in self.names:
            return True
        if name == "linux":
            return "android" in self.names
        if name == "solaris":
            return "illumos" in self.names
        if name == "darwin":
            return "ios" in self.names
        if name == "unix":
            return self.goos in UNIX_OS
        return False


def evaluate(x: Expr, tags: Tags) -> bool:
    """The value of ``x``, without recursion (trees may be 1,000 deep)."""
    # Post-order over an explicit stack: (node, visited).
    stack: list[tuple[Expr, bool]] = [(x, False)]
    out: list[bool] = []
    while stack:
        node, seen = stack.pop()
        if isinstance(node, Tag):
            out.append(tags.match(node.name))
        elif isinstance(node, Not):
            if seen:
                out.append(not out.pop())
            else:
                stack.append((node, True))
                stack.append((node.x, False))
        else:
            if seen:
                b, a = out.pop(), out.pop()
                out.append((a and b) if isinstance(node, And) else (a or b))
            else:
                stack.append((node, True))
                stack.append((node.y, False))
                stack.append((node.x, False))
    return out[0]


def _is_go_build_comment(line: bytes) -> bool:
    if not line.startswith(b"//go:build"):
        return False
    rest = line.strip()[len(b"//go:build") :]
    return len(rest) == 0 or len(rest.strip()) < len(rest)


class MultipleGoBuild(ConstraintError):
    pass


def file_header(content: bytes) -> tuple[bytes, bytes | None]:
    """(the part of the header where ``// +build`` lines count, the ``//go:build``
    line or None), as cmd/go/internal/imports' parseFileHeader finds them.
    MultipleGoBuild when a file has two ``//go:build`` lines."""
    end = 0
    pos = 0
    n = len(content)
    ended = False
    in_slash_star = False
    go_build: bytes | None = None
    while pos < n:
        nl = content.find(b"\n", pos)
        if nl < 0:
            raw, pos = content[pos:], n
        else:
            raw, pos = content[pos:nl], nl + 1
        line = raw.strip(b" \t\r\n\v\f")
        if not line and not ended:
            end = pos
            continue
        if not line.startswith(b"//"):
            ended = True
        if not in_slash_star and _is_go_build_comment(line):
            if go_build is not None:
                raise MultipleGoBuild("multiple //go:build comments")
            go_build = line
        # Skip comments to find whether non-comment text starts on this line.
        rest = line
        stop = False
        while rest:
            if in_slash_star:
                k = rest.find(b"*/")
                if k < 0:
                    break
                in_slash_star = False
                rest = rest[k + 2 :].strip(b" \t\r\n\v\f")
                continue
            if rest.startswith(b"//"):
                break
            if rest.startswith(b"/*"):
                in_slash_star = True
                rest = rest[2:].strip(b" \t\r\n\v\f")
                continue
            stop = True
            break
        if stop:
            break
    return content[:end], go_build


def should_build(content: bytes, tags: Tags) -> bool:
    """Whether a file whose header is ``content`` is part of the build (imports.ShouldBuild)."""
    try:
        trimmed, go_build = file_header(content)
    except ConstraintError:
        return False
    if go_build is not None:
        try:
            x = parse(go_build.decode("utf-8", "surrogateescape"))
        except ConstraintError:
            return False
        return evaluate(x, tags)
    ok = True
    for raw in trimmed.split(b"\n"):
        line = raw.strip(b" \t\r\n\v\f")
        if not line.startswith(b"//") or b"+build" not in line:
            continue
        text = line.decode("utf-8", "surrogateescape")
        if split_plus_build(text) is None:
            continue
        try:
            x = parse(text)
        except ConstraintError:
            continue  # a malformed +build line is ignored
        if not evaluate(x, tags):
            ok = False
    return ok


def match_file(name: str, tags: Tags) -> bool:
    """False when the file name has a _GOOS / _GOARCH suffix this configuration lacks."""
    dot = name.find(".")
    if dot >= 0:
        name = name[:dot]
    i = name.find("_")
    if i < 0:
        return True
    parts = name[i:].split("_")
    if parts and parts[-1] == "test":
        parts = parts[:-1]
    n = len(parts)
    if n >= 2 and parts[n - 2] in KNOWN_OS and parts[n - 1] in KNOWN_ARCH:
        return tags.match(parts[n - 2]) and tags.match(parts[n - 1])
    if n >= 1 and parts[n - 1] in KNOWN_OS:
        return tags.match(parts[n - 1])
    if n >= 1 and parts[n - 1] in KNOWN_ARCH:
        return tags.match(parts[n - 1])
    return True


def arch_tags(goarch: str, levels: dict[str, str]) -> tuple[str, ...]:
    """The architecture feature tags (internal/buildcfg gogoarchTags) from the
    GOAMD64/GOARM/GO386/... values ``go env`` reports (defaults when empty)."""
    def num(s: str, default: int) -> int:
        digits = "".join(c for c in s if c.isdigit())
        try:
            return int(digits) if digits else default
        except ValueError:
            return default

    if goarch == "386":
        return (f"386.{levels.get('GO386') or 'sse2'}",)
    if goarch == "amd64":
        return tuple(f"amd64.v{i}" for i in range(1, num(levels.get("GOAMD64", ""), 1) + 1))
    if goarch == "arm":
        v = (levels.get("GOARM") or "7").split(",")[0]
        return tuple(f"arm.{i}" for i in range(5, num(v, 7) + 1))
    if goarch == "arm64":
        v = (levels.get("GOARM64") or "v8.0").split(",")[0]
        if len(v) >= 4 and v[0] == "v" and v[1].isdigit() and v[3].isdigit():
            major, minor = int(v[1]), int(v[3])
        else:
            major, minor = 8, 0
        out = [f"arm64.v{major}.{i}" for i in range(minor + 1)]
        if major == 9:
            out += [f"arm64.v8.{i}" for i in range(min(minor + 5, 9) + 1)]
        return tuple(out)
    if goarch in ("mips", "mipsle"):
        return (f"{goarch}.{levels.get('GOMIPS') or 'hardfloat'}",)
    if goarch in ("mips64", "mips64le"):
        return (f"{goarch}.{levels.get('GOMIPS64') or 'hardfloat'}",)
    if goarch in ("ppc64", "ppc64le"):
        return tuple(f"{goarch}.power{i}" for i in range(8, num(levels.get("GOPPC64", ""), 8) + 1))
    if goarch == "riscv64":
        level = num(levels.get("GORISCV64", ""), 20)
        return ("riscv64.rva20u64",) + (("riscv64.rva22u64",) if level >= 22 else ()) + (("riscv64.rva23u64",) if level >= 23 else ())
    return ()


def experiment_tags(goexperiment: str) -> tuple[str, ...]:
    """``goexperiment.x`` for each experiment GOEXPERIMENT turns on (the toolchain's
    baseline experiments are not known without building with it)."""
    out = []
    for item in goexperiment.split(","):
        item = item.strip().lower()
        if item and item != "none" and not item.startswith("no"):
            out.append(f"goexperiment.{item}")
    return tuple(out)
