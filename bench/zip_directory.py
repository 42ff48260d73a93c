#!/usr/bin/env python3
"""Reading hostile zip central directories: time and peak memory.

    python bench/zip_directory.py [--dirhash PATH]

Builds, in a temporary directory, zips whose central directory is large (tens of
thousands of stored, empty entries; long names) and declares a size of 0 bytes
(the go command's archive/zip reads on past the declared size while headers
parse, and so must we), then times `dirhash.read_central_directory` (or, for an
older dirhash.py given with --dirhash, `read_zip_directory`) and measures its peak
Python allocation with tracemalloc. Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import struct
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
P = "example.com/m@v1.0.0/"


def hostile_zip(n: int, name_len: int, comment: int = 0) -> bytes:
    """n empty stored entries, each with a comment of ``comment`` bytes; the end
    record declares a directory of 0 bytes."""
    local, central = bytearray(), bytearray()
    note = b"c" * comment
    for i in range(n):
        name = (P + f"{i:0{name_len}d}").encode()
        off = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, comment, 0, 0, 0, off) + name + note
    cnt = n & 0xFFFF
    return bytes(local + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, cnt, cnt, 0, len(local), 0))


def load(path: Path | None) -> ModuleType:
    if path is None:
        sys.path.insert(0, str(HERE.parent))
        from gozt_lint import dirhash

        return dirhash
    spec = importlib.util.spec_from_file_location("dirhash_under_test", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    sys.path.insert(0, str(HERE.parent))  # its own imports (gozt_lint.fileio) come from here
    spec.loader.exec_module(mod)
    return mod


def measure(dh: ModuleType, f: Path) -> tuple[float, float, int]:
    read = getattr(dh, "read_central_directory", None) or dh.read_zip_directory
    fd = os.open(f, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        t = time.perf_counter()
        read(fd, size)
        wall = time.perf_counter() - t
        tracemalloc.start()
        out = read(fd, size)
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        os.close(fd)
    entries = out.entries if hasattr(out, "entries") else out
    return wall, peak / 1e6, len(entries)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dirhash", type=Path, default=None, help="another dirhash.py to measure (e.g. from an older checkout)")
    args = ap.parse_args()
    dh = load(args.dirhash)
    print("| zip | file MB | directory MB | read s | peak MB (tracemalloc) | entries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for n, name_len, comment in ((16_000, 20, 0), (64_000, 20, 0), (64_000, 200, 0), (250_000, 20, 0), (2_000, 20, 65_000)):
            data = hostile_zip(n, name_len, comment)
            f = Path(tmp) / f"z{n}-{name_len}.zip"
            f.write_bytes(data)
            local = struct.unpack_from("<I", data, len(data) - 22 + 16)[0]
            wall, peak, got = measure(dh, f)
            what = f"{n:,} entries, names {len(P) + name_len} B" + (f", comments {comment:,} B" if comment else "")
            print(f"| {what} | {len(data) / 1e6:.1f} | {(len(data) - 22 - local) / 1e6:.1f} "
                  f"| {wall:.2f} | {peak:.1f} | {got:,} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
