"""Checksum-database verifier keys as GOSUMDB names them (note.NewVerifier's checks),
without loading the note verifier itself."""

from __future__ import annotations

import re


SUM_GOLANG_ORG_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"


DEFAULT_SUMDBS = ("sum.golang.org", "sum.golang.google.cn", SUM_GOLANG_ORG_KEY)


def _b64decode(text: str) -> bytes | None:
    import base64
    import binascii

    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def sumdb_key_problem(key: str) -> str | None:
    """Why a verifier key ``name+hash+keydata`` is malformed (note.NewVerifier), or None."""
    import hashlib

    parts = key.split("+", 2)
    if len(parts) != 3 or not parts[0] or any(c.isspace() for c in parts[0]):
        return "malformed verifier id"
    name, h, b64 = parts
    if len(h) != 8 or not re.fullmatch(r"[0-9a-fA-F]{8}", h):
        return "malformed verifier id"
    raw = _b64decode(b64)
    if raw is None or len(raw) == 0:
        return "malformed verifier id"
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != h.lower():
        return "invalid verifier hash"
    if raw[0] != 1 or len(raw) != 33:
        return "unknown verifier algorithm"
    return None
