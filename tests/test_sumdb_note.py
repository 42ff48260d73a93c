"""Verifier keys and signed notes against the public vectors of x/mod and the reference."""

from __future__ import annotations

import base64

import pytest

from gozt_lint.sumdb import note
from gozt_lint.sumdb.remote import SUM_GOLANG_ORG_KEY, ConfigError, parse_gosumdb
from tests.sumdbtool import TEST_SKEY, TEST_VKEY

# From the x/mod note package documentation.
PN_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PN_TEXT = b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PN_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n".encode()
PN_NOTE = PN_TEXT + b"\n" + PN_SIG

# Signed by the reference's test key; Ed25519 is deterministic, so signing again must give these bytes.
EMPTY_NOTE = (
    "go.sum database tree\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
    "— sumdb.test WRyiYkS27x5mzS2TMjCZnmGJVvDRWm/Bl0enQm2cmbUMcVADlCPHUeTM93eGEb7HJK6FWPoCaGCCy8ITc38yGg2fnQ4=\n"
).encode()
TWO_NOTE = (
    "go.sum database tree\n2\nMB3ZZ+WKwzTwlzdJCy8qJ7ObyLXSBfrmg6uheeYg0vM=\n\n"
    "— sumdb.test WRyiYi1SvN/YvK3EQNK0EgGk5acGY8dT5hHm1ZgWXUqY4bVA7KuR4uVx7ObVlEjtQLpMc8zCp+rlo67TYMbqNB7NNgc=\n"
).encode()


def test_peter_neumann_note_verifies() -> None:
    v = note.new_verifier(PN_KEY)
    assert (v.name, f"{v.hash:08x}") == ("PeterNeumann", "c74f20a3")
    n = note.open_note(PN_NOTE, [v])
    assert n.text == PN_TEXT
    assert [(s.name, s.hash) for s in n.sigs] == [("PeterNeumann", 0xC74F20A3)]
    # The signature line's first four bytes are the key hash.
    assert base64.b64decode(PN_SIG.decode().split()[2])[:4].hex() == "c74f20a3"


def test_changed_text_is_an_invalid_signature() -> None:
    v = note.new_verifier(PN_KEY)
    with pytest.raises(note.InvalidSignature, match=r"invalid signature for key PeterNeumann\+c74f20a3"):
        note.open_note(PN_NOTE.replace(b"answer", b"ANSWER"), [v])


def test_unknown_key_is_unverified_not_accepted() -> None:
    other = note.new_verifier(TEST_VKEY)
    with pytest.raises(note.UnverifiedNote, match="no verifiable signatures.*PeterNeumann\\+c74f20a3"):
        note.open_note(PN_NOTE, [other])


@pytest.mark.parametrize(
    "msg",
    [
        PN_TEXT,  # no signature block
        PN_TEXT + b"\n",  # empty signature block
        PN_TEXT + b"\n" + PN_SIG[:-1],  # no final newline
        PN_TEXT + b"\n" + PN_SIG.replace("—".encode(), b"-"),  # ASCII dash
        PN_TEXT.replace(b"\n", b"\r\n", 1) + b"\n" + PN_SIG,  # control character
        b"\xff" + PN_NOTE,  # not UTF-8
        PN_TEXT + b"\n" + "— PeterNeumann AAAA\n".encode(),  # signature shorter than 5 bytes
        PN_TEXT + b"\n" + "— Peter+Neumann x08go/ZJ\n".encode(),  # bad name
    ],
)
def test_malformed_notes(msg: bytes) -> None:
    with pytest.raises(note.MalformedNote):
        note.open_note(msg, [note.new_verifier(PN_KEY)])


def test_too_many_signatures() -> None:
    filler = "".join(f"— other{i} AAAAAAAA\n" for i in range(100)).encode()
    with pytest.raises(note.MalformedNote, match="too many"):
        note.open_note(PN_TEXT + b"\n" + PN_SIG + filler, [note.new_verifier(PN_KEY)])


def test_unknown_extra_signatures_are_kept_unverified() -> None:
    extra = "— someone AAAAAAAAAAA=\n".encode()
    n = note.open_note(PN_TEXT + b"\n" + extra + PN_SIG + extra, [note.new_verifier(PN_KEY)])
    assert [s.name for s in n.unverified] == ["someone"]


def test_sum_golang_org_key_decodes_as_documented() -> None:
    v = note.new_verifier(SUM_GOLANG_ORG_KEY)
    assert v.name == "sum.golang.org"
    assert f"{v.hash:08x}" == "033de0ae"
    assert v.public_key.hex() == "ce3372d75ad1ee5ecdaf8727293d4b111d87eb37531d7c86d4d3003f0eb809fc"
    assert v.key == SUM_GOLANG_ORG_KEY


@pytest.mark.parametrize(
    "vkey, err",
    [
        ("sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", "invalid verifier hash"),
        ("sum.golang.org+033de0ae", "malformed verifier id"),
        ("sum.golang.org", "malformed verifier id"),
        ("sum golang+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", "malformed verifier id"),
        ("sum.golang.org+33de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", "malformed verifier id"),
        ("sum.golang.org+033de0ae+!!!!", "malformed verifier id"),
    ],
)
def test_bad_verifier_keys(vkey: str, err: str) -> None:
    with pytest.raises(note.NoteError, match=err):
        note.new_verifier(vkey)


def test_unknown_algorithm() -> None:
    key = bytes([2]) + bytes(32)
    h = note.key_hash("x.example", key)
    with pytest.raises(note.NoteError, match="unknown verifier algorithm"):
        note.new_verifier(f"x.example+{h:08x}+{base64.b64encode(key).decode()}")


def test_test_key_pair_matches_and_signs_the_reference_notes() -> None:
    signer = note.new_signer(TEST_SKEY)
    assert signer.verifier_key == TEST_VKEY
    v = note.new_verifier(TEST_VKEY)
    for signed in (EMPTY_NOTE, TWO_NOTE):
        text = signed[: signed.rindex(b"\n\n") + 1]
        assert note.sign_note(text, signer) == signed
        assert note.open_note(signed, [v]).text == text


@pytest.mark.parametrize(
    "value, name, url",
    [
        ("sum.golang.org", "sum.golang.org", None),
        ("sum.golang.google.cn", "sum.golang.org", "https://sum.golang.google.cn"),
        (SUM_GOLANG_ORG_KEY, "sum.golang.org", None),
        (f"{TEST_VKEY} http://127.0.0.1:8080/", "sumdb.test", "http://127.0.0.1:8080"),
        (f"  {TEST_VKEY}  ", "sumdb.test", None),
    ],
)
def test_gosumdb_forms(value: str, name: str, url: str | None) -> None:
    db = parse_gosumdb(value)
    assert db is not None and db.name == name and db.url == url


@pytest.mark.parametrize(
    "value, err",
    [
        ("", "missing GOSUMDB"),
        ("sum.example.com", "invalid GOSUMDB: malformed verifier id"),
        ("a b c", "too many fields"),
        (f"{TEST_VKEY} not-a-url", "invalid GOSUMDB URL"),
    ],
)
def test_gosumdb_errors(value: str, err: str) -> None:
    with pytest.raises(ConfigError, match=err):
        parse_gosumdb(value)


def test_gosumdb_off() -> None:
    assert parse_gosumdb("off") is None
