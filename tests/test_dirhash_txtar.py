"""dirhash against what the real go command wrote: the toolchain's own test modules
(GOROOT/src/cmd/go/testdata/mod/*.txt, served as cmd/go's proxy_test.go serves
them) behind a file:// proxy, fetched with `go mod download -json`. Our HashZip of
each cached .zip and HashDir of each extracted tree must equal its .ziphash and
the go command's Sum; our /go.mod hash must equal its GoModSum."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from gozt_lint import dirhash, modcache, module
from gozt_lint.memo import Memo
from tests import gotool

pytestmark = pytest.mark.slow


def parse_txtar(data: bytes) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    name: str | None = None
    buf: list[bytes] = []
    for line in data.splitlines(keepends=True):
        s = line.rstrip(b"\r\n")
        if s.startswith(b"-- ") and s.endswith(b" --") and len(s) > 6:
            if name is not None:
                files.append((name, b"".join(buf)))
            name = s[3:-3].decode().strip()
            buf = []
        elif name is not None:
            buf.append(line)
    if name is not None:
        files.append((name, b"".join(buf)))
    return files


def build_proxy(proxy: Path) -> list[tuple[str, str]]:
    """Lay the txtar modules out as a file:// proxy (as proxy_test.go serves them)."""
    mods = []
    for txt in sorted((gotool.goroot() / "src" / "cmd" / "go" / "testdata" / "mod").glob("*.txt")):
        name = txt.name[: -len(".txt")]
        i = name.rfind("_v")
        if i < 0:
            continue
        try:
            path = module.unescape_path(name[:i].replace("_", "/"))
            version = module.unescape_version(name[i + 1 :])
        except ValueError:
            continue
        files = parse_txtar(txt.read_bytes())
        named = dict(files)
        if ".mod" not in named or ".info" not in named or module.check(path, version):
            continue
        d = proxy / module.escape_path(path) / "@v"
        d.mkdir(parents=True, exist_ok=True)
        ev = module.escape_version(version)
        (d / f"{ev}.mod").write_bytes(named[".mod"])
        (d / f"{ev}.info").write_bytes(named[".info"])
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for fname, fdata in files:
                if fname in (".info", ".mod", ".zip"):
                    continue
                z.writestr(fname[1:] if fname.startswith("/") else f"{path}@{version}/{fname}", fdata)
        (d / f"{ev}.zip").write_bytes(buf.getvalue())
        mods.append((path, version))
    return mods


@pytest.fixture(scope="module")
def downloaded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("txtar")
    mods = build_proxy(root / "proxy")
    env = gotool.hermetic_env(root / "env", GOPROXY=gotool.proxy_url(root / "proxy"), GOFLAGS="-mod=mod", GONOSUMDB="*")
    p = env.go("mod", "download", "-json", *[f"{m}@{v}" for m, v in mods], check=False, timeout=900)
    dec = json.JSONDecoder()
    text, pos, out = p.stdout, 0, []
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        obj, pos = dec.raw_decode(text, pos)
        out.append(obj)
    yield env, [o for o in out if not o.get("Error") and o.get("Zip")]
    env.cleanup()


def test_many_modules_downloaded(downloaded) -> None:  # type: ignore[no-untyped-def]
    _env, ok = downloaded
    assert len(ok) >= 100, f"only {len(ok)} txtar modules downloaded"


def test_hashes_equal_what_go_wrote(downloaded) -> None:  # type: ignore[no-untyped-def]
    _env, ok = downloaded
    for o in ok:
        path, version = o["Path"], o["Version"]
        ziphash = Path(o["Zip"] + "hash").read_text()
        z = dirhash.hash_zip(o["Zip"], module=(path, version))
        assert z.h1 == ziphash == o["Sum"], (path, version, z.error)
        d = dirhash.hash_dir(o["Dir"], f"{path}@{version}")
        # Zips with explicit directory entries can't be reproduced by a tree.
        assert d.h1 == (z.h1_files if z.dir_entries else z.h1), (path, version)
        assert dirhash.hash_gomod(Path(o["GoMod"]).read_bytes()) == o["GoModSum"], (path, version)


def test_model_and_verification_of_the_whole_cache(downloaded) -> None:  # type: ignore[no-untyped-def]
    env, ok = downloaded
    rep = modcache.verify(env.gomodcache, Memo(None, None), jobs=2)
    assert rep.layout.strays == []
    for o in ok:
        e = rep.layout.entries[(o["Path"], o["Version"])]
        assert e.extracted == o["Dir"]
        assert e.files["zip"] == o["Zip"] and e.files["mod"] == o["GoMod"] and e.files["info"] == o["Info"]
        r = rep.results[e.key]
        assert r["ziphash"] == {"value": o["Sum"], "error": None}
        assert r["zip"]["h1"] == o["Sum"] and r["mod"]["h1"] == o["GoModSum"]
        assert r["zip"]["layout"] == [] and r["zip"]["problems"] == [], (e.key, r["zip"])
        assert r["dir"]["writable_files"] == [] and r["dir"]["writable_dirs"] == []
        assert r["info"]["problems"] == [], (e.key, r["info"])
