"""The go.sum parser: exact fields and positions; bad input never raises.
(Which lines the go command accepts is checked against the real go command in
test_rules_gosum.py::test_field_splitting_matches_the_go_command.)"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gozt_lint.finding import Span
from gozt_lint.sumfile import EMPTY_GOMOD_HASH, parse_gosum

H = "h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ="


def test_lines_keys_and_spans() -> None:
    sf = parse_gosum("go.sum", f"golang.org/x/text v0.14.0 {H}\n  golang.org/x/text  v0.14.0/go.mod\t{H}  \n\n".encode())
    assert sf.errors == []
    a, b = sf.lines
    assert (a.path, a.version, a.gomod, a.line) == ("golang.org/x/text", "v0.14.0", False, 1)
    assert (b.version, b.gomod, b.key) == ("v0.14.0", True, ("golang.org/x/text", "v0.14.0/go.mod"))
    assert a.span == Span(1, 1, 1, 1 + len(f"golang.org/x/text v0.14.0 {H}"))
    assert b.span.column == 3 and b.hash_span == Span(2, 37, 2, 37 + len(H))
    assert sf.hashes("golang.org/x/text", "v0.14.0", gomod=True) == [H]
    assert a.algorithm == "h1" and a.text == f"golang.org/x/text v0.14.0 {H}"


def test_wrong_field_counts_are_errors_with_positions() -> None:
    sf = parse_gosum("go.sum", f"a.com/x v1.0.0\n\na.com/x v1.0.0 {H} extra\n".encode())
    assert [(e.line, e.message) for e in sf.errors] == [(1, "wrong number of fields 2"), (3, "wrong number of fields 4")]
    assert sf.lines == []


def test_crlf_legacy_nul_and_non_utf8() -> None:
    data = f"a.com/x v1.0.0 {H}\r\na.com/x v1.0.0/go.mod {EMPTY_GOMOD_HASH}\r\nb.com/\x00 v1 {H}\n".encode() + b"c.com/\xff v1.0.0 " + H.encode() + b"\n"
    sf = parse_gosum("go.sum", data)
    assert sf.crlf and len(sf.lines) == 3
    assert sf.lines[0].hash == H  # the CR is a space, not part of the hash
    assert sf.lines[1].legacy_empty_gomod
    assert [e.line for e in sf.errors] == [3] and "NUL" in sf.errors[0].message
    assert sf.lines[2].path == "c.com/\udcff" and sf.lines[2].line == 4


def test_huge_line_and_truncation() -> None:
    sf = parse_gosum("go.sum", b"a" * 5_000_000 + b" v1.0.0 " + H.encode())
    assert len(sf.lines) == 1 and sf.lines[0].hash_span.column == 5_000_000 + 9
    full = f"a.com/x v1.0.0 {H}\n".encode()
    for cut in range(len(full)):
        parse_gosum("go.sum", full[:cut])  # never raises


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_never_raises(data: bytes) -> None:
    sf = parse_gosum("go.sum", data)
    for ln in sf.lines:
        assert ln.span.line >= 1 and ln.hash_span.end_column > ln.hash_span.column


def test_same_bytes_parsed_once_and_changed_bytes_reparsed() -> None:
    # Byte-identical go.sum copies (a monorepo's units) share one parse; each file
    # still gets its own path and its own lists, and any change is parsed afresh.
    data = b"example.com/a v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nbad line\n"
    one = parse_gosum("/r/go.sum", data)
    two = parse_gosum("/r/sub/go.sum", bytes(data))
    assert (one.path, two.path) == ("/r/go.sum", "/r/sub/go.sum")
    assert one.lines == two.lines and one.errors == two.errors and one.lines is not two.lines
    two.lines.clear()
    assert len(parse_gosum("/r/third/go.sum", data).lines) == 1
    changed = parse_gosum("/r/go.sum", data.replace(b"v1.0.0", b"v1.0.1"))
    assert [ln.version for ln in changed.lines] == ["v1.0.1"]
    assert parse_gosum("/r/go.sum", bytearray(data)).lines == one.lines
