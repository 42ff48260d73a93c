"""The `h1:` hash (golang.org/x/mod/sumdb/dirhash Hash1) of a module's files.

h1 = "h1:" + base64(SHA-256(summary)), where summary has one line
"<hex SHA-256 of content>  <name>\\n" per file, names sorted byte-wise.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from typing import Iterable

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def hash1_from_digests(entries: Iterable[tuple[bytes, str]]) -> str:
    """h1 of (name as UTF-8/raw bytes, hex SHA-256) pairs."""
    items = sorted(entries, key=lambda e: e[0])
    h = hashlib.sha256()
    for name, hexdigest in items:
        if b"\n" in name:
            raise ValueError("dirhash: filenames with newlines are not supported")
        h.update(hexdigest.encode("ascii") + b"  " + name + b"\n")
    return "h1:" + base64.b64encode(h.digest()).decode("ascii")


def hash_gomod(data: bytes) -> str:
    """The `/go.mod` line's hash: a one-file tree named go.mod (no prefix)."""
    return hash1_from_digests([(b"go.mod", hashlib.sha256(data).hexdigest())])


# Pure, and asked about every go.sum line on every keystroke in the editor (where
# unchanged lines keep their strings): memoized.
@functools.lru_cache(maxsize=1 << 16)
def is_h1(text: str) -> bool:
    if len(text) != 47 or not text.startswith("h1:"):
        return False
    try:
        return len(base64.b64decode(text[3:], validate=True)) == 32
    except ValueError:
        return False
