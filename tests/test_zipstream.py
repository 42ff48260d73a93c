"""zipstream: the dirhash summary of a zip read front to back, against gozt_lint's
HashZip (itself checked against x/mod's) on the shapes writers produce, and bounded
on the shapes attackers produce."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from gozt_lint import dirhash, zipstream

FILES = {
    "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/VERSION": b"go1.99.0\ntime 2030-01-01T00:00:00Z\n",
    "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/bin/go": bytes(range(256)) * 4096,
    "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/src/_go.mod": b"module std\n",
    "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/empty": b"",
    "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/go.env": b"GOTOOLCHAIN=auto\n",
}


class Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors, as streaming writers do."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.buf += b
        return len(b)


def make(files: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED, stream: bool = False, zip64: bool = False) -> bytes:
    out: io.BytesIO | Unseekable = Unseekable() if stream else io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:  # type: ignore[arg-type]
        for name, data in files.items():
            zi = zipfile.ZipInfo(name)
            zi.compress_type = method
            with z.open(zi, "w", force_zip64=zip64) as w:
                w.write(data)
    return bytes(out.buf) if isinstance(out, Unseekable) else out.getvalue()


def reference(data: bytes, tmp_path: Path) -> str:
    p = tmp_path / "ref.zip"
    p.write_bytes(data)
    res = dirhash.hash_zip(p)
    assert res.error is None, res.error
    assert res.h1
    return res.h1


def summarize_bytes(data: bytes, **kw: object) -> zipstream.Summary:
    return zipstream.summarize(io.BytesIO(data).read, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "shape",
    [
        {"method": zipfile.ZIP_DEFLATED},
        {"method": zipfile.ZIP_STORED},
        {"method": zipfile.ZIP_DEFLATED, "stream": True},
        {"method": zipfile.ZIP_DEFLATED, "zip64": True},
        {"method": zipfile.ZIP_DEFLATED, "stream": True, "zip64": True},
    ],
)
def test_summary_hashes_like_hashzip(shape: dict[str, object], tmp_path: Path) -> None:
    data = make(FILES, **shape)  # type: ignore[arg-type]
    # A reader that hands out one byte at a time must give the same answer.
    s = summarize_bytes(data)
    trickle = io.BytesIO(data)
    s1 = zipstream.summarize(lambda n: trickle.read(1))
    assert s.h1 == s1.h1 == reference(data, tmp_path)
    assert sorted(n.decode() for n, _ in s.entries) == sorted(FILES)
    assert s.uncompressed == sum(len(v) for v in FILES.values())


def test_kept_entries() -> None:
    name = "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/go.env"
    s = summarize_bytes(make(FILES), keep=frozenset({name.encode()}))
    assert s.kept == {name.encode(): FILES[name]}


def test_stored_entry_of_unknown_size_is_refused() -> None:
    with pytest.raises(zipstream.StreamError, match="cannot be read as a stream"):
        summarize_bytes(make(FILES, method=zipfile.ZIP_STORED, stream=True))


@pytest.mark.parametrize("cut", [3, 30, 200, -30])
def test_truncated(cut: int) -> None:
    data = make(FILES)
    first_cd = data.find(b"PK\x01\x02")
    with pytest.raises(zipstream.StreamError, match="truncated"):
        summarize_bytes(data[: cut if cut > 0 else first_cd + cut])


def test_bomb_is_stopped_by_the_uncompressed_bound() -> None:
    bomb = make({"m@v/zeros": b"\0" * (8 << 20)})
    assert len(bomb) < 64 << 10
    t0 = time.monotonic()
    with pytest.raises(zipstream.StreamError, match="uncompressed contents larger"):
        summarize_bytes(bomb, max_uncompressed=1 << 20)
    assert time.monotonic() - t0 < 5


def test_other_bounds() -> None:
    data = make(FILES)
    with pytest.raises(zipstream.StreamError, match="larger than 100 bytes"):
        summarize_bytes(data, max_compressed=100)
    with pytest.raises(zipstream.StreamError, match="more than 2 entries"):
        summarize_bytes(data, max_entries=2)
    with pytest.raises(zipstream.StreamError, match="time allowed"):
        summarize_bytes(data, deadline=time.monotonic() - 1)


def _local(name: bytes, data: bytes, *, flags: int = 0, method: int = 0, usize: int | None = None) -> bytes:
    body = zlib.compressobj(6, zlib.DEFLATED, -15) if method == 8 else None
    payload = (body.compress(data) + body.flush()) if body else data
    size = len(data) if usize is None else usize
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0, zlib.crc32(data), len(payload), size, len(name), 0) + name + payload


def test_malformed_entries() -> None:
    end = b"PK\x05\x06" + b"\0" * 18
    with pytest.raises(zipstream.StreamError, match="appears twice"):
        summarize_bytes(_local(b"a", b"x") + _local(b"a", b"y") + end)
    with pytest.raises(zipstream.StreamError, match="encrypted"):
        summarize_bytes(_local(b"a", b"x", flags=1) + end)
    with pytest.raises(zipstream.StreamError, match="compression method 12"):
        summarize_bytes(_local(b"a", b"x", method=12) + end)
    with pytest.raises(zipstream.StreamError, match="header says 99 bytes"):
        summarize_bytes(_local(b"a", b"xyz", method=8, usize=99) + end)
    with pytest.raises(zipstream.StreamError, match="not a zip local file header"):
        summarize_bytes(b"MZ\x90\x00" + b"\0" * 60)
    with pytest.raises(zipstream.StreamError, match="bad compressed data"):
        summarize_bytes(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 8, 8, 0, 0, 0, 0, 0, 1, 0) + b"a" + b"\xff" * 64)
    assert summarize_bytes(_local(b"a", b"xyz") + _local(b"b/", b"") + end).h1 == dirhash.hash1_from_digests(
        [(b"a", __import__("hashlib").sha256(b"xyz").hexdigest()), (b"b/", dirhash.EMPTY_SHA256)]
    )
