"""Verifier keys and signed notes, as golang.org/x/mod/sumdb/note defines them.

A verifier key is ``<name>+<hash8>+<base64(0x01 ‖ Ed25519 public key)>`` where
``hash8`` is the big-endian first four bytes of SHA-256(name ‖ "\\n" ‖ keydata).
A signed note is UTF-8 text, a blank line, then lines ``— <name> <base64(hash4 ‖
signature)>``. Signature checks use the ``cryptography`` package (imported when
first needed); nothing here does cryptography by hand.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

ALG_ED25519 = 1
_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f]")
SIG_PREFIX = "— ".encode("utf-8")  # U+2014 EM DASH, space
MAX_SIGNATURES = 100


class NoteError(Exception):
    """A malformed key or note, or a note that does not verify."""


class MalformedNote(NoteError):
    def __init__(self, detail: str = "") -> None:
        super().__init__("malformed note" + (f": {detail}" if detail else ""))


class UnverifiedNote(NoteError):
    """No signature by a known key (the note may be signed by someone else)."""

    def __init__(self, unverified: list[Signature]) -> None:
        self.unverified = unverified
        who = ", ".join(f"{s.name}+{s.hash:08x}" for s in unverified)
        super().__init__("note has no verifiable signatures" + (f" (signed only by {who})" if who else ""))


class InvalidSignature(NoteError):
    def __init__(self, name: str, key_hash: int) -> None:
        self.name, self.hash = name, key_hash
        super().__init__(f"invalid signature for key {name}+{key_hash:08x}")


def key_hash(name: str, key: bytes) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8") + b"\n" + key).digest()[:4], "big")


def is_valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name) and _utf8_ok(name)


def _utf8_ok(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


@dataclass(frozen=True)
class Verifier:
    name: str
    hash: int
    public_key: bytes  # the 32 raw Ed25519 bytes
    _impl: Any = field(default=None, compare=False, repr=False, hash=False)

    @property
    def key(self) -> str:
        """The verifier key text ``name+hash+base64``."""
        return f"{self.name}+{self.hash:08x}+{base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature as _Bad
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        impl = self._impl
        if impl is None:
            impl = Ed25519PublicKey.from_public_bytes(self.public_key)
            object.__setattr__(self, "_impl", impl)
        try:
            impl.verify(sig, msg)
        except _Bad:
            return False
        return True


def new_verifier(vkey: str) -> Verifier:
    """Parse a verifier key (note.NewVerifier); NoteError with the go command's wording."""
    name, _, rest = vkey.partition("+")
    hash16, _, key64 = rest.partition("+")
    key = _b64(key64)
    try:
        h = int(hash16, 16) if len(hash16) == 8 and all(c in "0123456789abcdefABCDEF" for c in hash16) else None
    except ValueError:
        h = None
    if h is None or key is None or not key or not is_valid_name(name):
        raise NoteError("malformed verifier id")
    if h != key_hash(name, key):
        raise NoteError("invalid verifier hash")
    if key[0] != ALG_ED25519:
        raise NoteError("unknown verifier algorithm")
    if len(key) != 33:
        raise NoteError("malformed verifier id")
    return Verifier(name, h, key[1:])


@dataclass(frozen=True)
class Signer:
    """A signing key (tests and tools only: gozt-lint itself never signs)."""

    name: str
    hash: int
    seed: bytes

    def sign(self, msg: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(msg)

    def public_key(self) -> bytes:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        pub = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def verifier_key(self) -> str:
        return Verifier(self.name, self.hash, self.public_key()).key


def new_signer(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+name+hash+base64(0x01 ‖ seed)`` (note.NewSigner)."""
    parts = skey.split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise NoteError("malformed verifier id")
    _, _, name, hash16, key64 = parts
    key = _b64(key64)
    if len(hash16) != 8 or key is None or not key or not is_valid_name(name):
        raise NoteError("malformed verifier id")
    if key[0] != ALG_ED25519:
        raise NoteError("unknown verifier algorithm")
    if len(key) != 33:
        raise NoteError("malformed verifier id")
    s = Signer(name, int(hash16, 16), key[1:])
    if s.hash != key_hash(name, bytes([ALG_ED25519]) + s.public_key()):
        raise NoteError("invalid verifier hash")
    return s


@dataclass(frozen=True)
class Signature:
    name: str
    hash: int
    base64: str


@dataclass(frozen=True)
class Note:
    text: bytes
    sigs: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


class SignatureMemo(Protocol):
    """Where valid signatures are remembered across runs (gozt_lint.memo.Memo)."""

    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any) -> None: ...


def _valid(v: Verifier, msg: bytes, sig: bytes, memo: SignatureMemo | None) -> bool:
    """``v.verify(msg, sig)``, remembered in ``memo`` when true. Ed25519 verification
    is a pure function of the public key, message and signature, so the key is the
    SHA-256 of exactly those bytes (length-prefixed): a hit is the same check with
    the same answer, and a changed byte anywhere is checked afresh. Failures are
    never remembered."""
    if memo is None:
        return v.verify(msg, sig)
    h = hashlib.sha256()
    for part in (v.public_key, sig, msg):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    key = "ed25519-valid\0" + h.hexdigest()
    if memo.get(key) == 1:
        return True
    ok = v.verify(msg, sig)
    if ok:
        memo.set(key, 1)
    return ok


def open_note(msg: bytes, verifiers: Iterable[Verifier], *, memo: SignatureMemo | None = None) -> Note:
    """Check ``msg``'s signatures (note.Open): at least one by a known key, none
    by a known key that fails. Signatures by unknown keys are kept, unverified.
    ``memo``: valid signatures remembered across runs (see :func:`_valid`)."""
    known = {(v.name, v.hash): v for v in verifiers}
    try:
        msg.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNote("not UTF-8") from None
    if _CONTROL.search(msg):
        raise MalformedNote("control character")
    split = msg.rfind(b"\n\n")
    if split < 0:
        raise MalformedNote("no signature block")
    text, sigs = msg[: split + 1], msg[split + 2 :]
    if not sigs or not sigs.endswith(b"\n"):
        raise MalformedNote("no signature block")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    seen_unverified: set[bytes] = set()
    count = 0
    for line in sigs[:-1].split(b"\n"):
        if not line.startswith(SIG_PREFIX):
            raise MalformedNote("bad signature line")
        body = line[len(SIG_PREFIX) :].decode("utf-8")
        name, _, b64 = body.partition(" ")
        sig = _b64(b64)
        if sig is None or not is_valid_name(name) or not b64 or len(sig) < 5:
            raise MalformedNote("bad signature line")
        h = int.from_bytes(sig[:4], "big")
        count += 1
        if count > MAX_SIGNATURES:
            raise MalformedNote("too many signatures")
        v = known.get((name, h))
        if v is None:
            if line not in seen_unverified:
                seen_unverified.add(line)
                unverified.append(Signature(name, h, b64))
            continue
        if (name, h) in seen:
            continue
        seen.add((name, h))
        if not _valid(v, text, sig[4:], memo):
            raise InvalidSignature(name, h)
        verified.append(Signature(name, h, b64))
    if not verified:
        raise UnverifiedNote(unverified)
    return Note(text, tuple(verified), tuple(unverified))


def sign_note(text: bytes, *signers: Signer) -> bytes:
    """``text`` followed by a signature block (note.Sign)."""
    if not text.endswith(b"\n"):
        raise MalformedNote("text must end in a newline")
    lines = []
    for s in signers:
        sig = s.hash.to_bytes(4, "big") + s.sign(text)
        lines.append(SIG_PREFIX + s.name.encode() + b" " + base64.b64encode(sig) + b"\n")
    return text + b"\n" + b"".join(lines)
