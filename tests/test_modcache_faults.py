"""Fault injection: a clean module cache and build cache filled by the real go
command, one fault per case, exactly the expected rules fire; the clean cache
gives no finding at all. Each case also records what `go mod verify` says, which
is the table in docs/modcache.md."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from tests import gotool

pytestmark = pytest.mark.slow

M, MV = "example.com/m", "v1.0.0"
FILES_M = {
    "go.mod": "module example.com/m\n\ngo 1.21\n",
    "LICENSE": "MIT-ish test license\n",
    "m.go": 'package m\n\n// Hello returns a greeting.\nfunc Hello() string { return "hello" }\n',
    "sub/sub.go": "package sub\n\nconst X = 1\n",
}
PSEUDO, PSEUDO_V = "example.com/pseudo", "v0.0.0-20240102030405-abcdef123456"
APP_MAIN = (
    'package main\n\nimport (\n\t"example.com/m"\n\t_ "example.com/dirent/a/b"\n\t_ "example.com/Upper/Mod"\n'
    '\t_ "example.com/pseudo"\n)\n\nfunc main() { println(m.Hello()) }\n'
)


def _setup(root: Path) -> None:
    proxy = root / "proxy"
    gotool.add_module(proxy, M, MV, FILES_M)
    gotool.add_module(proxy, M, "v1.1.0", {**FILES_M, "m.go": 'package m\n\nfunc Hello() string { return "hello 1.1" }\n'})
    gotool.add_module(proxy, "example.com/dirent", MV, {"go.mod": "module example.com/dirent\n\ngo 1.21\n", "a/b/c.go": "package b\n"}, dir_entries=True)
    gotool.add_module(proxy, "example.com/Upper/Mod", "v1.0.0-RC1", {"go.mod": "module example.com/Upper/Mod\n\ngo 1.22\n", "mod.go": "package mod\n"})
    # A pseudo-version whose .info Time is its own timestamp, as the go command makes them.
    gotool.add_module(proxy, PSEUDO, PSEUDO_V, {"go.mod": f"module {PSEUDO}\n\ngo 1.21\n", "p.go": "package pseudo\n"}, time="2024-01-02T03:04:05Z")
    env = gotool.hermetic_env(root / "env", GOPROXY=gotool.proxy_url(proxy), GOFLAGS="-mod=mod")
    app = root / "app"
    requires = {M: MV, "example.com/dirent": MV, "example.com/Upper/Mod": "v1.0.0-RC1", PSEUDO: PSEUDO_V}
    gotool.write_module(app, "example.com/app", requires=requires, code=APP_MAIN)
    env.go("mod", "tidy", cwd=app)
    env.go("mod", "download", cwd=app)  # also writes .info files
    env.go("build", "-o", str(root / "app.bin"), ".", cwd=app)
    # A second module that replaces m v1.0.0 by v1.1.0.
    rep = root / "rep"
    gotool.write_module(rep, "example.com/rep", requires={M: MV}, code='package main\n\nimport "example.com/m"\n\nfunc main() { println(m.Hello()) }\n')
    with open(rep / "go.mod", "a") as f:
        f.write(f"\nreplace {M} {MV} => {M} v1.1.0\n")
    env.go("mod", "tidy", cwd=rep)
    env.go("mod", "download", cwd=rep)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("faults-template")
    _setup(root)
    yield root
    gotool.make_writable(root)


class Case:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = gotool.hermetic_env(root / "env", GOPROXY="off", GOFLAGS="-mod=mod")
        self.mc = self.env.gomodcache
        self.app = root / "app"

    def ext(self, path: str = M, version: str = MV) -> Path:
        from gozt_lint.module import escape_path, escape_version

        return self.mc / f"{escape_path(path)}@{escape_version(version)}"

    def dl(self, ext: str, path: str = M, version: str = MV) -> Path:
        from gozt_lint.module import escape_path, escape_version

        return self.mc / "cache" / "download" / escape_path(path) / "@v" / f"{escape_version(version)}.{ext}"

    def run(self, cwd: Path | None = None) -> list:  # type: ignore[type-arg]
        opts = Options(select=["modcache", "buildcache"], memo=False, jobs=2)
        env = dict(self.env.environ)
        env["GOFLAGS"] = ""
        ctx = Context(cwd=cwd or self.app, environ=env, options=opts)
        ctx.discover()
        res = engine.run(ctx)
        assert not res.internal_errors, res.internal_errors
        assert not res.input_errors, res.input_errors
        return res.findings

    def go_mod_verify(self, cwd: Path | None = None, mod: str = M) -> tuple[str, str]:
        """("detects" | "misses" | "hangs", output): does `go mod verify` report
        the faulted module (example.com/m unless a fault says otherwise)?"""
        try:
            p = self.env.go("mod", "verify", cwd=cwd or self.app, check=False, timeout=15)
        except subprocess.TimeoutExpired:
            return "hangs", ""
        out = p.stdout + p.stderr
        return ("detects" if f"{mod} " in out or f"{mod}@" in out else "misses"), out


def writable(p: Path) -> "_W":
    return _W(p)


class _W:
    """Temporarily add the owner write bit to p (and its parent), restoring modes."""

    def __init__(self, p: Path) -> None:
        self.paths = [p.parent, p] if p.exists() else [p.parent]
        self.modes: list[tuple[Path, int]] = []

    def __enter__(self) -> None:
        for q in self.paths:
            m = stat.S_IMODE(os.lstat(q).st_mode)
            self.modes.append((q, m))
            os.chmod(q, m | stat.S_IWUSR)

    def __exit__(self, *a: object) -> None:
        for q, m in reversed(self.modes):
            if os.path.lexists(q):
                os.chmod(q, m)


def rewrite_zip(c: Case, files: dict[str, str], extra: list[tuple[str, bytes]] = ()) -> str:  # type: ignore[assignment]
    """Replace m@v1.0.0's zip with other content and make .ziphash agree."""
    from gozt_lint import dirhash

    data = gotool.make_zip(M, MV, files)
    if extra:
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a") as z:
            for n, d in extra:
                z.writestr(n, d)
        data = buf.getvalue()
    with writable(c.dl("zip")):
        c.dl("zip").write_bytes(data)
    h1 = dirhash.hash_zip(c.dl("zip")).h1
    assert h1
    with writable(c.dl("ziphash")):
        c.dl("ziphash").write_text(h1)
    return h1


def f_clean(c: Case) -> None:
    pass


def f_edit_byte(c: Case) -> None:
    p = c.ext() / "m.go"
    with writable(p):
        b = bytearray(p.read_bytes())
        b[-3] ^= 1
        p.write_bytes(bytes(b))


def f_add_file(c: Case) -> None:
    p = c.ext() / "sub" / "evil.go"
    with writable(c.ext() / "sub"):
        p.write_text("package sub\n\nfunc init() { panic(1) }\n")
        os.chmod(p, 0o444)


def f_remove_file(c: Case) -> None:
    with writable(c.ext() / "sub"):
        (c.ext() / "sub" / "sub.go").unlink()


def f_rewrite_zip_consistently(c: Case) -> None:
    rewrite_zip(c, {**FILES_M, "m.go": "package m\n\nfunc Hello() string { return \"pwned\" }\n"})


def f_rewrite_zip_only(c: Case) -> None:
    data = gotool.make_zip(M, MV, {**FILES_M, "m.go": "package m\n\nfunc Hello() string { return \"pwned\" }\n"})
    with writable(c.dl("zip")):
        c.dl("zip").write_bytes(data)


def f_rewrite_zip_ziphash_and_dir(c: Case) -> None:
    f_rewrite_zip_consistently(c)
    p = c.ext() / "m.go"
    with writable(p):
        p.write_text("package m\n\nfunc Hello() string { return \"pwned\" }\n")


def f_edit_mod(c: Case) -> None:
    p = c.dl("mod")
    with writable(p):
        p.write_text("module example.com/m\n\ngo 1.21\n\nrequire example.com/evil v1.0.0\n")


def f_edit_info(c: Case) -> None:
    p = c.dl("info")
    with writable(p):
        p.write_text('{"Version":"v9.9.9","Time":"2024-01-02T03:04:05Z"}')


def f_chmod_writable(c: Case) -> None:
    os.chmod(c.ext() / "m.go", 0o644)


def f_symlink(c: Case) -> None:
    with writable(c.ext()):
        (c.ext() / "link.go").symlink_to(c.ext() / "m.go")


def f_fifo(c: Case) -> None:
    with writable(c.ext()):
        os.mkfifo(c.ext() / "pipe")


def f_hardlink(c: Case) -> None:
    os.link(c.ext() / "m.go", c.root / "outside-link")


def f_partial(c: Case) -> None:
    c.dl("partial").write_bytes(b"")


def f_tmp_leftover(c: Case) -> None:
    (c.dl("zip").parent / "v1.0.0.zip123456789.tmp").write_bytes(b"PK")


def f_delete_zip_ziphash_modify_dir(c: Case) -> None:
    c.dl("zip").unlink()
    c.dl("ziphash").unlink()
    f_edit_byte(c)


def f_delete_ziphash(c: Case) -> None:
    c.dl("ziphash").unlink()


def f_ziphash_rewritten(c: Case) -> None:
    with writable(c.dl("ziphash")):
        c.dl("ziphash").write_text("h1:" + "A" * 43 + "=")


def f_ziphash_newline(c: Case) -> None:
    with writable(c.dl("ziphash")):
        c.dl("ziphash").write_text(c.dl("ziphash").read_text() + "\n")


def f_corrupt_zip(c: Case) -> None:
    p = c.dl("zip")
    b = bytearray(p.read_bytes())
    i = b.find(b"example.com/m@v1.0.0/m.go")
    b[i + 60] ^= 0xFF  # inside the compressed data that follows the local header
    with writable(p):
        p.write_bytes(bytes(b))


def f_zip_bomb(c: Case) -> None:
    from tests.test_dirhash import patch_sizes

    p = c.dl("zip")
    data = patch_sizes(p.read_bytes(), b"example.com/m@v1.0.0/m.go", 5)
    with writable(p):
        p.write_bytes(data)


def f_dotdot_entry(c: Case) -> None:
    rewrite_zip(c, FILES_M, [("example.com/m@v1.0.0/../../evil.go", b"package evil\n")])


def f_gosum_zip_line(c: Case) -> None:
    s = c.app / "go.sum"
    lines = s.read_text().splitlines()
    lines = [ln.replace(ln.split()[2], "h1:" + "B" * 43 + "=") if ln.startswith(f"{M} {MV} ") else ln for ln in lines]
    s.write_text("\n".join(lines) + "\n")


def f_gosum_gomod_line(c: Case) -> None:
    s = c.app / "go.sum"
    lines = s.read_text().splitlines()
    lines = [ln.replace(ln.split()[2], "h1:" + "B" * 43 + "=") if ln.startswith(f"{M} {MV}/go.mod ") else ln for ln in lines]
    s.write_text("\n".join(lines) + "\n")


def f_ziphash_truncated(c: Case) -> None:
    with writable(c.dl("ziphash")):
        c.dl("ziphash").write_text(c.dl("ziphash").read_text()[:20])


def f_symlink_to_identical_copy(c: Case) -> None:
    copy = c.root / "elsewhere" / "m.go"
    copy.parent.mkdir()
    copy.write_bytes((c.ext() / "m.go").read_bytes())
    with writable(c.ext() / "m.go"):
        (c.ext() / "m.go").unlink()
        (c.ext() / "m.go").symlink_to(copy)


def f_symlink_to_other_content(c: Case) -> None:
    other = c.root / "elsewhere" / "m.go"
    other.parent.mkdir()
    other.write_text('package m\n\nfunc Hello() string { return "pwned" }\n')
    with writable(c.ext() / "m.go"):
        (c.ext() / "m.go").unlink()
        (c.ext() / "m.go").symlink_to(other)


def f_dir_replaced_by_symlink(c: Case) -> None:
    copy = c.root / "elsewhere" / "sub"
    shutil.copytree(c.ext() / "sub", copy)
    with writable(c.ext() / "sub"):
        (c.ext() / "sub" / "sub.go").unlink()
    with writable(c.ext()):
        (c.ext() / "sub").rmdir()
        (c.ext() / "sub").symlink_to(copy)


def f_info_future(c: Case) -> None:
    p = c.dl("info")
    with writable(p):
        p.write_text('{"Version":"v1.0.0","Time":"2999-01-02T03:04:05Z"}')


def f_info_before_pseudo_time(c: Case) -> None:
    p = c.dl("info", PSEUDO, PSEUDO_V)
    with writable(p):
        p.write_text(f'{{"Version":"{PSEUDO_V}","Time":"2023-06-01T00:00:00Z"}}')


def _patch_zip(c: Case, edit: Callable[[bytes], bytes]) -> None:
    p = c.dl("zip")
    with writable(p):
        p.write_bytes(edit(p.read_bytes()))


def f_zip_appended(c: Case) -> None:
    _patch_zip(c, lambda b: b + b"#!/bin/sh\necho smuggled\n")


def f_zip_comment(c: Case) -> None:
    import struct

    note = b"not from the go command"
    _patch_zip(c, lambda b: b[:-2] + struct.pack("<H", len(note)) + note)


def f_zip_local_name(c: Case) -> None:
    def edit(b: bytes) -> bytes:
        i = b.find(b"example.com/m@v1.0.0/m.go")  # the local header comes first
        return b[: i + 21] + b"n" + b[i + 22 :]

    _patch_zip(c, edit)


def f_zip_vendored_entry(c: Case) -> None:
    """An entry zip creation leaves out, with .ziphash, the tree and go.sum all made
    to agree: only the entry itself gives it away."""
    extra = "package x\n"
    h1 = rewrite_zip(c, FILES_M, [(f"{M}@{MV}/vendor/example.com/x/x.go", extra.encode())])
    d = c.ext() / "vendor" / "example.com" / "x"
    with writable(c.ext()):
        d.mkdir(parents=True)
        (d / "x.go").write_text(extra)
        for q in (d / "x.go", d, d.parent, d.parent.parent):  # as the go command leaves them
            os.chmod(q, 0o444 if q.is_file() else 0o555)
    s = c.app / "go.sum"
    s.write_text("".join(f"{M} {MV} {h1}\n" if ln.startswith(f"{M} {MV} ") else ln + "\n" for ln in s.read_text().splitlines()))


def f_buildcache_output(c: Case) -> None:
    gc = c.env.gocache
    outs = sorted((p for p in gc.glob("??/*-d") if p.is_file() and p.stat().st_size > 100), key=lambda p: p.name)
    p = outs[0]
    b = bytearray(p.read_bytes())
    b[50] ^= 0x01
    p.write_bytes(bytes(b))  # same size


def f_buildcache_entry(c: Case) -> None:
    gc = c.env.gocache
    a = sorted(gc.glob("??/*-a"))[0]
    a.write_bytes(a.read_bytes()[:-5] + b"12\n\n\n")


def f_buildcache_stray(c: Case) -> None:
    (c.env.gocache / "ab" / "notes.txt").write_text("hi")


def f_stray_download_file(c: Case) -> None:
    (c.dl("zip").parent / "README").write_text("hi")


def f_replacement_dir_modified(c: Case) -> None:
    p = c.ext(M, "v1.1.0") / "m.go"
    with writable(p):
        p.write_text("package m\n\nfunc Hello() string { return \"tampered replacement\" }\n")


FAULTS: list[tuple[Any, ...]] = [
    # (id, fault, expected gozt-lint rules, `go mod verify` in app/, where[, faulted module])
    ("clean", f_clean, set(), "misses", "app"),  # go mod verify: dir with zip directory entries (false alarm)
    ("edit-byte-in-extracted-file", f_edit_byte, {"modcache-dir-tampered"}, "detects", "app"),
    ("add-file-to-extracted-dir", f_add_file, {"modcache-dir-tampered"}, "detects", "app"),
    ("remove-file-from-extracted-dir", f_remove_file, {"modcache-dir-tampered"}, "detects", "app"),
    ("rewrite-zip", f_rewrite_zip_only, {"modcache-zip-tampered"}, "detects", "app"),
    ("rewrite-zip-and-ziphash", f_rewrite_zip_consistently, {"gosum-cache-mismatch", "modcache-dir-tampered"}, "detects", "app"),
    ("rewrite-zip-ziphash-and-dir", f_rewrite_zip_ziphash_and_dir, {"gosum-cache-mismatch"}, "misses", "app"),
    ("edit-mod", f_edit_mod, {"gosum-cache-mismatch"}, "detects", "app"),  # GOSUMDB=off: undecided
    ("gosum-gomod-line-changed", f_gosum_gomod_line, {"gosum-cache-mismatch"}, "detects", "app"),
    ("edit-info", f_edit_info, {"modcache-info-invalid"}, "misses", "app"),
    ("info-time-in-future", f_info_future, {"modcache-info-invalid"}, "misses", "app"),
    ("info-time-before-pseudo-version", f_info_before_pseudo_time, {"modcache-info-invalid"}, "misses", "app", PSEUDO),
    ("chmod-writable", f_chmod_writable, {"modcache-writable"}, "misses", "app"),
    ("plant-symlink", f_symlink, {"modcache-unexpected-file"}, "detects", "app"),
    ("file-replaced-by-symlink-to-identical-copy", f_symlink_to_identical_copy, {"modcache-dir-tampered"}, "misses", "app"),
    ("file-replaced-by-symlink-to-other-content", f_symlink_to_other_content, {"modcache-dir-tampered"}, "detects", "app"),
    ("dir-replaced-by-symlink-to-a-copy", f_dir_replaced_by_symlink, {"modcache-dir-tampered"}, "detects", "app"),
    ("plant-fifo", f_fifo, {"modcache-unexpected-file"}, "hangs", "app"),
    ("hard-link", f_hardlink, {"modcache-unexpected-file"}, "misses", "app"),
    ("leave-partial", f_partial, {"modcache-incomplete"}, "misses", "app"),
    ("leave-tmp-file", f_tmp_leftover, {"modcache-incomplete"}, "misses", "app"),
    ("delete-zip-and-ziphash-edit-dir", f_delete_zip_ziphash_modify_dir, {"modcache-orphan-dir"}, "misses", "app"),
    ("delete-ziphash", f_delete_ziphash, {"modcache-incomplete"}, "detects", "app"),
    # The zip, the tree and go.sum agree: the .ziphash is the one that changed, and only it is blamed.
    ("rewrite-ziphash", f_ziphash_rewritten, {"modcache-zip-tampered"}, "detects", "app"),
    ("ziphash-trailing-newline", f_ziphash_newline, {"modcache-ziphash-invalid"}, "misses", "app"),
    ("ziphash-truncated", f_ziphash_truncated, {"modcache-ziphash-invalid"}, "detects", "app"),
    ("corrupt-zip", f_corrupt_zip, {"modcache-zip-tampered"}, "detects", "app"),
    ("zip-bomb-size-lie", f_zip_bomb, {"modcache-zip-tampered", "modcache-unexpected-file"}, "detects", "app"),
    ("zip-bytes-appended", f_zip_appended, {"modcache-zip-hidden-data"}, "misses", "app"),
    ("zip-comment", f_zip_comment, {"modcache-zip-hidden-data"}, "misses", "app"),
    ("zip-local-name-differs", f_zip_local_name, {"modcache-zip-hidden-data"}, "misses", "app"),
    ("zip-vendored-entry-all-consistent", f_zip_vendored_entry, {"modcache-unexpected-file"}, "misses", "app"),
    ("zip-entry-with-dotdot", f_dotdot_entry, {"modcache-unexpected-file", "gosum-cache-mismatch", "modcache-dir-tampered"}, "detects", "app"),
    ("gosum-zip-line-changed", f_gosum_zip_line, {"gosum-cache-mismatch"}, "misses", "app"),
    ("buildcache-output-same-size", f_buildcache_output, {"buildcache-output-tampered"}, "misses", "app"),
    ("buildcache-bad-action-entry", f_buildcache_entry, {"buildcache-entry-invalid"}, "misses", "app"),
    ("buildcache-stray-file", f_buildcache_stray, {"buildcache-entry-invalid"}, "misses", "app"),
    ("stray-file-in-download-dir", f_stray_download_file, {"modcache-unexpected-file"}, "misses", "app"),
    ("replacement-dir-modified", f_replacement_dir_modified, {"modcache-dir-tampered"}, "misses", "rep"),
]


# What some findings must say (beyond which rules fire): the blame and the evidence.
MESSAGES: dict[str, list[str]] = {
    "edit-mod": ["the cached .mod hashes to", "which is wrong is not known: GOSUMDB=off"],
    "rewrite-ziphash": [".ziphash has been modified: it records h1:AAAA", "as go.sum ({root}/app/go.sum:"],
    "rewrite-zip-and-ziphash": ["dir has been modified", "go.sum records h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=, like the directory"],
    "corrupt-zip": ["the module zip cannot be hashed"],
    "rewrite-zip": ["zip has been modified: it hashes to", ".ziphash and go.sum ({root}/app/go.sum:"],
    "gosum-gomod-line-changed": [f"{M} {MV}/go.mod: go.sum records h1:BBBB", "which is wrong is not known"],
    "ziphash-truncated": [".ziphash is truncated: 20 bytes", "the zip hashes to h1:"],
    "ziphash-trailing-newline": ["48 bytes", "it still reads as h1:"],
    "file-replaced-by-symlink-to-identical-copy": ["m.go is a symbolic link to '{root}/elsewhere/m.go' where the module has a regular file"],
    "file-replaced-by-symlink-to-other-content": ["m.go is a symbolic link to '{root}/elsewhere/m.go' where the module has a regular file"],
    "dir-replaced-by-symlink-to-a-copy": ["sub is a symbolic link to '{root}/elsewhere/sub' where the module has a directory"],
    "info-time-in-future": ["Time 2999-01-02T03:04:05Z is in the future"],
    "info-time-before-pseudo-version": ["before the commit time the pseudo-version itself records (2024-01-02T03:04:05Z)"],
    "zip-bytes-appended": ["24 bytes appended after the end-of-central-directory record"],
    "zip-comment": ["a zip comment of 23 bytes"],
    "zip-local-name-differs": ["is named 'example.com/m@v1.0.0/n.go' in its local header"],
    "zip-vendored-entry-all-consistent": ["vendor/example.com/x/x.go': a file of a vendored package"],
}
NOT_IN_MESSAGES: dict[str, list[str]] = {
    # The link is the finding, not a tree hash "as if the file were missing".
    "file-replaced-by-symlink-to-identical-copy": ["dir has been modified"],
    "file-replaced-by-symlink-to-other-content": ["dir has been modified"],
    "dir-replaced-by-symlink-to-a-copy": ["dir has been modified", "modcache-unexpected-file"],
}


@pytest.fixture
def case(template: Path, tmp_path: Path) -> Iterator[Case]:
    root = tmp_path / "c"
    shutil.copytree(template, root, symlinks=True)
    yield Case(root)
    gotool.make_writable(root)


# The rules a case runs (Case.run selects these families): the clean case shows
# each of them quiet, every other case fires the ones it expects.
CACHE_RULES = (
    "buildcache-entry-invalid", "buildcache-external", "buildcache-output-tampered", "gosum-cache-mismatch",
    "modcache-dir-tampered", "modcache-incomplete", "modcache-info-invalid", "modcache-mod-tampered", "modcache-orphan-dir",
    "modcache-unexpected-file", "modcache-writable", "modcache-zip-hidden-data", "modcache-zip-tampered",
    "modcache-ziphash-invalid", "vendor-file-tampered",
)


def _fault_param(f: tuple[Any, ...]) -> Any:
    mark = pytest.mark.rule(*sorted(f[2]), fires=True) if f[2] else pytest.mark.rule(*CACHE_RULES, clean=True)
    return pytest.param(*(*f[1:], M)[:5], id=f[0], marks=mark)


@pytest.mark.parametrize("fault, expected, gmv, where, mod", [_fault_param(f) for f in FAULTS])
def test_fault(
    case: Case, fault: Callable[[Case], None], expected: set[str], gmv: str, where: str, mod: str, request: pytest.FixtureRequest
) -> None:
    fault(case)
    cwd = case.root / where
    findings = case.run(cwd)
    text = "\n".join(f"{f.rule}: {f.message}" for f in findings)
    assert {f.rule for f in findings} == expected, text
    fid = request.node.callspec.id
    for needle in MESSAGES.get(fid, []):
        assert needle.format(root=case.root) in text
    for needle in NOT_IN_MESSAGES.get(fid, []):
        assert needle not in text
    got, out = case.go_mod_verify(cwd, mod)
    assert got == gmv, out
    if fault is f_clean:
        # go mod verify's false alarm on a pristine module whose zip has directory entries.
        assert "example.com/dirent v1.0.0: dir has been modified" in out
    for f in findings:
        assert f.file and os.path.isabs(f.file)
        if f.rule in (
            "modcache-zip-tampered", "modcache-dir-tampered", "modcache-mod-tampered", "modcache-orphan-dir", "modcache-incomplete",
            "modcache-ziphash-invalid", "modcache-zip-hidden-data",
        ):
            assert f.data["fix"] == {"kind": "quarantine", "module": f.module, "version": f.version}
        elif f.rule == "gosum-cache-mismatch":
            # GOSUMDB=off here: nothing decides which side is wrong, so nothing is quarantined.
            assert "fix" not in f.data and f.data["verdict"] == "undecided" and "GOSUMDB=off" in f.message
        elif "fix" in f.data:
            assert f.data["fix"]["kind"] == "quarantine" and f.data["fix"]["module"] == f.module
