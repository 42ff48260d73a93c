"""GOROOT, file by file, against the release it claims to be.

GOROOT names its release in ``VERSION`` (``go1.26.8``); the platform is the one
``bin/go`` was built for. :mod:`gozt_lint.release` supplies that release's manifest,
authenticated by the checksum database; here every file is compared with it:

- a file of the release whose bytes differ (``go.env`` line by line), that is
  missing, or that is a link, a FIFO or a device where the release has a file:
  ``goroot-tampered``;
- a file the release does not have: ``goroot-unexpected-file``, a warning for what
  builds run or read (anything in ``bin/`` or ``pkg/tool/``, any executable, Go and
  assembly sources, C files, ``.syso`` objects, ``go.mod``...), the rest summarised
  at info level;
- anything that can't be compared: ``goroot-unverified``.

The release module stores each ``go.mod`` of ``src/`` as ``_go.mod`` (cmd/distpack,
so the module zip holds one module); an archive install has ``go.mod`` there, a
toolchain the go command unpacked has both (it copies each ``_go.mod`` beside
itself). Either name is compared with the release's ``_go.mod``.

The binary distribution also ships ``api/``, ``doc/``, ``misc/`` and ``test/``,
which the module leaves out: nothing authenticates them, builds don't read them, so
they are counted in a note; only an executable there that the distribution would
not have made executable (distpack gives 0755 to scripts only) is reported.

Links are never followed below GOROOT: a link where the release has a file or a
directory is reported (with the number of release files it hides), and what it
points to is not read. GOROOT itself may be a link (a version switcher's
``current``): it is resolved once, like a module cache root. FIFOs and devices are
never opened; files larger than a module can hold (500 MiB) are not read.

Hashing is memoised like the module cache (:mod:`gozt_lint.memo`): per file, by
device, inode, mode, size, mtime and ctime, so a warm run costs one lstat per file.

``go`` binaries on PATH other than GOROOT's are checked too, each against the
``bin/go`` of the release its build information names.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from gozt_lint import dirhash, release
from gozt_lint.finding import Finding, finding
from gozt_lint.installs import PathGo, Target, goroot_target, path_gos, session

if TYPE_CHECKING:
    from gozt_lint.context import Context
    from gozt_lint.memo import Memo

TAMPERED = "goroot-tampered"
UNEXPECTED = "goroot-unexpected-file"
UNVERIFIED = "goroot-unverified"

# cmd/distpack: the binary distribution less these is the module.
DIST_ONLY = (b"api", b"doc", b"misc", b"test")
MAX_FILE = 500 << 20  # no module, hence no release, holds a bigger file
MAX_LISTED = 50  # findings of one kind listed one by one; the rest are counted
_MEMO_KIND = "goroot|1"

# What a build reads or links when it finds it in a package directory.
_BUILD_SUFFIXES = (
    b".go", b".s", b".S", b".sx", b".h", b".hh", b".hpp", b".hxx", b".c", b".cc", b".cpp", b".cxx",
    b".m", b".f", b".F", b".for", b".f90", b".syso", b".a", b".so", b".swig", b".swigcxx",
)
_BUILD_NAMES = (b"go.mod", b"_go.mod", b"go.sum", b"go.work", b"go.work.sum", b"modules.txt", b"go.env", b"VERSION")


def _show(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


def _top(name: bytes) -> bytes:
    return name.split(b"/", 1)[0]


def is_tool_path(name: bytes) -> bool:
    return name.startswith((b"bin/", b"pkg/tool/"))


def release_executable(name: bytes) -> bool:
    """What the go command runs from a release: bin/, pkg/tool/ and the exec wrappers."""
    base = posixpath.basename(name)
    return is_tool_path(name) or (base.startswith(b"go_") and base.endswith(b"_exec") and base.count(b"_") >= 3)


def distpack_executable(name: bytes) -> bool:
    """Whether cmd/distpack gives ``name`` mode 0755 (its ``mode`` function)."""
    return release_executable(name) or name.endswith((b".bash", b".sh", b".pl", b".rc"))


def build_input(name: bytes) -> bool:
    base = posixpath.basename(name)
    return base in _BUILD_NAMES or base.endswith(_BUILD_SUFFIXES)


def read_by_builds(name: bytes) -> bool:
    """A release file whose absence changes what the toolchain does."""
    return name in (b"go.env", b"VERSION") or _top(name) in (b"bin", b"pkg", b"src", b"lib")


# -- hashing, memoised --------------------------------------------------------------------------


@dataclass
class Tree:
    root: str
    listing: dirhash.DirListing
    files: dict[bytes, tuple[dirhash.Stamp, int]]  # name -> (stamp, nlink)
    digests: dict[bytes, str] = field(default_factory=dict)
    unreadable: dict[bytes, str] = field(default_factory=dict)  # name -> why
    hashed_bytes: int = 0
    memo_hits: int = 0

    @property
    def unstable(self) -> bool:
        return any(why in ("changed while being read", "was replaced while being read") for why in self.unreadable.values())


def _sha256(path: bytes, expect: dirhash.Stamp) -> tuple[str | None, str | None]:
    """(hex, None) or (None, why): never follows a link, never blocks on a FIFO,
    never reads more than the size it had when listed."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        return None, f"cannot open: {e.strerror or e}"
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != expect[:2] or not stat.S_ISREG(st.st_mode):
            return None, "was replaced while being read"
        h = hashlib.sha256()
        left = expect[3] + 1
        while left > 0:
            b = os.read(fd, min(left, 1 << 20))
            if not b:
                break
            h.update(b)
            left -= len(b)
        if dirhash.stamp_of(os.fstat(fd)) != expect:
            return None, "changed while being read"
        return h.hexdigest(), None
    except OSError as e:
        return None, f"cannot read: {e.strerror or e}"
    finally:
        os.close(fd)


def hash_tree(root: str, wanted: Iterable[bytes], memo: Memo | None, jobs: int | None = None, listing: dirhash.DirListing | None = None) -> Tree:
    """lstat everything under ``root`` (unless ``listing`` is given); SHA-256 of the
    ``wanted`` regular files (reusing the memo for files whose stamp is unchanged)."""
    lst = listing if listing is not None else dirhash.list_dir(root)
    tree = Tree(root, lst, {n: (s, nl) for n, s, nl in lst.files})
    key = f"{_MEMO_KIND}\0{root}"
    stored: dict[str, Any] = {}
    if memo is not None:
        got = memo.get(key)
        if isinstance(got, dict) and isinstance(got.get("files"), dict):
            stored = got["files"]
    todo: list[bytes] = []
    for name in wanted:
        entry = tree.files.get(name)
        if entry is None:
            continue
        st = entry[0]
        if st[3] > MAX_FILE:
            tree.unreadable[name] = f"{st[3]} bytes, larger than any release file can be"
            continue
        rec = stored.get(os.fsdecode(name))
        if isinstance(rec, list) and len(rec) == 7 and tuple(rec[:6]) == st and isinstance(rec[6], str):
            tree.digests[name] = rec[6]
            tree.memo_hits += 1
        else:
            todo.append(name)
    base = os.fsencode(root)

    def one(name: bytes) -> tuple[bytes, str | None, str | None]:
        d, err = _sha256(os.path.join(base, name), tree.files[name][0])
        return name, d, err

    if todo:
        workers = max(1, min(jobs or (os.cpu_count() or 1), 8))
        with ThreadPoolExecutor(max_workers=workers) as ex:
            for name, d, err in ex.map(one, todo):
                if d is None:
                    tree.unreadable[name] = err or "unreadable"
                else:
                    tree.digests[name] = d
                    tree.hashed_bytes += tree.files[name][0][3]
        if memo is not None:
            files = {os.fsdecode(n): [*tree.files[n][0], d] for n, d in tree.digests.items()}
            memo.set(key, {"files": files})
    return tree


# -- what to verify ------------------------------------------------------------------------------


# -- comparing -----------------------------------------------------------------------------------


@dataclass
class Report:
    goroot: str | None = None
    target: Target | None = None
    outcome: release.Outcome | None = None
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    matched: int = 0
    dist_only: int = 0
    files: int = 0
    memo_hits: int = 0
    hashed_bytes: int = 0
    replayed: bool = False  # the whole comparison came from the memo

    def add(self, rule: str, f: Finding) -> None:
        self.findings.setdefault(rule, []).append(f)

    def of(self, rule: str) -> list[Finding]:
        return self.findings.get(rule, [])

    @property
    def deviations(self) -> list[str]:
        """One line per tampered or unexpected finding (what a snapshot records)."""
        out = []
        for rule in (TAMPERED, UNEXPECTED):
            for f in self.of(rule):
                out.append(f"{rule}: {f.data.get('path', f.file or '')}: {f.data.get('what', '')}".rstrip(": "))
        return sorted(out)


def report(ctx: Context) -> Report:
    return ctx.once(_report)


def _report(ctx: Context) -> Report:
    from gozt_lint import memo as memo_mod
    from gozt_lint import toolchain

    rep = Report()
    tc = toolchain.get(ctx)
    sess = session(ctx)
    if tc.goroot:
        rep.goroot = tc.goroot
        rep.target = goroot_target(ctx)
        if rep.target is None:
            rep.add(UNVERIFIED, finding(
                f"GOROOT {tc.goroot}: cannot tell which Go release it is (no readable VERSION or bin/go build information)",
                file=tc.goroot, status="unknown",
            ))
        else:
            t = rep.target
            rep.outcome = sess.release(t.name, t.goos, t.goarch)
            if rep.outcome.manifest is None:
                rep.add(UNVERIFIED, _unverified(f"GOROOT {tc.goroot} ({t.name}, {t.platform})", rep.outcome, tc.goroot))
            else:
                _compare(ctx, rep, rep.outcome.manifest, memo_mod.for_context(ctx))
        if rep.outcome is not None:
            for p in rep.outcome.problems:
                ctx.note(f"toolchain: {p}")
    else:
        ctx.note("toolchain: GOROOT is not known; it is not verified against its release")
    for pg in path_gos(ctx):
        _check_path_go(rep, sess, pg, memo_mod.for_context(ctx))
    if rep.outcome is not None and rep.outcome.manifest is not None:
        m = rep.outcome.manifest
        parts = [
            f"toolchain: GOROOT {rep.goroot} against {m.module} ({m.database} record #{m.record_id}, tree {m.tree_size}; file list from {m.source})",
            f"{rep.matched} of {len(m.files)} release files match",
        ]
        if rep.dist_only:
            parts.append(f"{rep.dist_only} files in api/, doc/, misc/, test/ are in the distribution but not the release module, not verified")
        if rep.replayed:
            parts.append("nothing changed since the last comparison (memo)")
        else:
            parts.append(f"{rep.memo_hits} hashes from memo, {rep.hashed_bytes / 1e6:.1f} MB hashed")
        ctx.note("; ".join(parts))
    return rep


def _unverified(what: str, o: release.Outcome, file: str | None) -> Finding:
    return finding(
        f"{what}: not verified against its release: {o.reason}",
        file=file, module=release.MODULE, version=o.version, status=o.status, **release.escalate(o.attack),
    )


_RESULT_KIND = "goroot-result|1"
_FIELDS = ("message", "file", "line", "column", "end_line", "end_column", "module", "version", "data")


def _compare(ctx: Context, rep: Report, m: release.Manifest, memo: Memo) -> None:
    """GOROOT against ``m``; the whole result is memoised under the tree's listing
    fingerprint (every entry's name, inode, mode, size, mtime and ctime) and the
    release's h1, so a warm run costs the listing alone."""
    from gozt_lint.memo import dir_key

    goroot = rep.goroot or ""
    root = os.path.realpath(goroot) if os.path.islink(goroot) else goroot
    lst = dirhash.list_dir(root)
    key = dir_key(_RESULT_KIND, root, lst.fingerprint(), f"{goroot}\0{m.version}\0{m.h1}")
    hit = memo.get(key) if memo is not None else None
    if isinstance(hit, dict) and _restore(rep, hit):
        return
    tree = _compare_tree(ctx, rep, m, memo, root, lst)
    if memo is not None and not tree.unstable and not lst.error:
        memo.set(key, {
            "matched": rep.matched, "dist_only": rep.dist_only, "files": rep.files,
            "findings": {rule: [[getattr(f, k) for k in _FIELDS] for f in fs] for rule, fs in rep.findings.items()},
        })


def _restore(rep: Report, d: dict[str, Any]) -> bool:
    try:
        findings = {
            str(rule): [Finding(**dict(zip(_FIELDS, row))) for row in rows] for rule, rows in d["findings"].items()
        }
        rep.matched, rep.dist_only, rep.files = int(d["matched"]), int(d["dist_only"]), int(d["files"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    for rule, fs in findings.items():
        for f in fs:
            rep.add(rule, f)
    rep.replayed = True
    return True


def _compare_tree(ctx: Context, rep: Report, m: release.Manifest, memo: Memo, root: str, lst: dirhash.DirListing) -> Tree:
    goroot = rep.goroot or ""
    wanted: set[bytes] = set()
    for r in m.files:
        wanted.add(r)
        if posixpath.basename(r) == b"_go.mod":
            wanted.add(r[: -len(b"_go.mod")] + b"go.mod")
    tree = hash_tree(root, wanted, memo, ctx.options.jobs, listing=lst)
    rep.memo_hits, rep.hashed_bytes = tree.memo_hits, tree.hashed_bytes
    rep.files = len(tree.files)
    lst = tree.listing
    if lst.error and not tree.files:
        rep.add(UNVERIFIED, finding(f"GOROOT {goroot}: {lst.error}", file=goroot, status="unreadable"))
        return tree

    def where(name: bytes) -> str:
        return os.path.join(goroot, os.fsdecode(name))

    specials = {p.name.encode("utf-8", "surrogateescape"): p.message for p in lst.problems if not p.message.startswith("cannot")}
    for p in lst.problems:
        if p.message.startswith("cannot"):
            rep.add(UNVERIFIED, finding(f"GOROOT/{p.name}: {p.message}; what is below it is not verified", file=where(p.name.encode()), status="unreadable"))
    # Links and special files at or above release paths hide what the release has there.
    hidden: dict[bytes, int] = {}
    listed: dict[str, int] = {}
    mod = m.module

    def add(rule: str, kind: str, f: Finding) -> None:
        n = listed[kind] = listed.get(kind, 0) + 1
        if n <= MAX_LISTED:
            rep.add(rule, f)

    def special_above(name: bytes) -> bytes | None:
        i = name.find(b"/")
        while i >= 0:
            if name[:i] in specials:
                return name[:i]
            i = name.find(b"/", i + 1)
        return None

    missing_docs: list[bytes] = []
    expected_local: set[bytes] = set()
    for r, want in sorted(m.files.items()):
        cands = [r]
        if posixpath.basename(r) == b"_go.mod":
            cands.append(r[: -len(b"_go.mod")] + b"go.mod")
        expected_local.update(cands)
        present = [c for c in cands if c in tree.files]
        if not present:
            sp = next((c for c in cands if c in specials), None)
            if sp is not None:
                add(TAMPERED, "special", finding(
                    f"GOROOT/{_show(sp)} is a {_kind_text(specials[sp], where(sp))} where the release {mod} has a regular file (never followed)",
                    file=where(sp), path=_show(sp), what="not a regular file", kind=specials[sp],
                ))
                continue
            above = special_above(r)
            if above is not None:
                hidden[above] = hidden.get(above, 0) + 1
                continue
            if release_executable(r):
                add(TAMPERED, "missing-exe", finding(
                    f"GOROOT/{_show(r)} is missing: the release {mod} has this executable, which the go command runs",
                    file=where(r), path=_show(r), what="release executable missing",
                ))
            elif read_by_builds(r):
                add(TAMPERED, "missing", finding(
                    f"GOROOT/{_show(r)} is missing: the release {mod} has it, and the toolchain reads it",
                    file=where(r), path=_show(r), what="missing",
                ))
            else:
                missing_docs.append(r)
            continue
        for c in present:
            have = tree.digests.get(c)
            if have is None:
                why = tree.unreadable.get(c, "not read")
                if tree.files[c][0][3] > MAX_FILE:
                    # Not read, and it need not be: no release file can be this big.
                    add(TAMPERED, "differs", finding(
                        f"GOROOT/{_show(c)} differs from the release {mod}: {why} (not read)",
                        file=where(c), path=_show(c), what="differs (too large)",
                    ))
                else:
                    add(UNVERIFIED, "unreadable", finding(f"GOROOT/{_show(c)}: {why}; not verified", file=where(c), path=_show(c), status="unreadable"))
                continue
            if have == want:
                rep.matched += 1
                continue
            if r == b"go.env" and m.go_env is not None:
                _go_env_diff(rep, m, where(c))
                continue
            exe = release_executable(r)
            what = "an executable that is not the release's: the go command runs it on every build" if exe else "its content is not the release's"
            add(TAMPERED, "exe" if exe else "differs", finding(
                f"GOROOT/{_show(c)} differs from the release {mod} (SHA-256 {have[:16]}…, the release has {want[:16]}…): {what}",
                file=where(c), path=_show(c), what="differs", sha256=have, release_sha256=want,
            ))
    for above, n in sorted(hidden.items()):
        add(TAMPERED, "special", finding(
            f"GOROOT/{_show(above)} is a {_kind_text(specials[above], where(above))} (never followed): the {n} release file"
            f"{'s' if n != 1 else ''} of {mod} below it are not there to verify",
            file=where(above), path=_show(above), what="not a directory", kind=specials[above], hidden=n,
        ))
    for kind, rule in (("missing-exe", TAMPERED), ("missing", TAMPERED), ("exe", TAMPERED), ("differs", TAMPERED), ("special", TAMPERED), ("unreadable", UNVERIFIED)):
        if listed.get(kind, 0) > MAX_LISTED:
            rep.add(rule, finding(f"GOROOT {goroot}: and {listed[kind] - MAX_LISTED} more like the above, not listed", file=goroot, path="", what=f"{kind} (more)"))
    if missing_docs:
        shown = ", ".join(_show(n) for n in missing_docs[:8]) + (", …" if len(missing_docs) > 8 else "")
        rep.add(TAMPERED, finding(
            f"GOROOT {goroot} lacks {len(missing_docs)} file{'s' if len(missing_docs) != 1 else ''} of the release {mod}, "
            f"none of them read by the toolchain: {shown}",
            file=goroot, path="", what="documentation missing: " + " ".join(_show(n) for n in missing_docs), soften="info",
        ))
    _extras(rep, tree, expected_local, specials, m, where)
    return tree


def _kind_text(message: str, path: str) -> str:
    if message == "symbolic link":
        try:
            return f"symbolic link to {os.readlink(path)!r}"
        except OSError:
            return message
    return message


def _extras(rep: Report, tree: Tree, expected: set[bytes], specials: dict[bytes, str], m: release.Manifest, where: Callable[[bytes], str]) -> None:
    mod = m.module
    others: list[bytes] = []
    count = 0
    release_dirs: set[bytes] = set()
    if specials:
        for r in m.files:
            parts = r.split(b"/")[:-1]
            for i in range(1, len(parts) + 1):
                release_dirs.add(b"/".join(parts[:i]))

    def add(f: Finding) -> None:
        nonlocal count
        count += 1
        if count <= MAX_LISTED:
            rep.add(UNEXPECTED, f)

    for name, (st, _nl) in sorted(tree.files.items()):
        if name in expected:
            continue
        executable = bool(st[2] & 0o111)
        if _top(name) in DIST_ONLY:
            rep.dist_only += 1
            if executable and not distpack_executable(name):
                add(finding(
                    f"GOROOT/{_show(name)} is executable, but the Go distribution makes nothing in {_show(_top(name))}/ "
                    f"executable except scripts",
                    file=where(name), path=_show(name), what="executable outside the release",
                ))
            continue
        if is_tool_path(name):
            add(finding(
                f"GOROOT/{_show(name)}: a program in {'bin/' if name.startswith(b'bin/') else 'pkg/tool/'} that the release {mod} "
                f"does not have",
                file=where(name), path=_show(name), what="tool not in the release",
            ))
        elif executable:
            add(finding(f"GOROOT/{_show(name)}: an executable the release {mod} does not have", file=where(name), path=_show(name), what="executable not in the release"))
        elif build_input(name):
            base = posixpath.basename(name)
            why = (
                "a go.mod the release does not have: it splits GOROOT/src into another module"
                if base == b"go.mod"
                else "a file the release does not have, of a kind builds read"
            )
            add(finding(f"GOROOT/{_show(name)}: {why} ({mod})", file=where(name), path=_show(name), what="build input not in the release"))
        else:
            others.append(name)
    for name, kind in sorted(specials.items()):
        if name in release_dirs or name in m.files or name in expected:
            continue  # reported as tampered
        if _top(name) in DIST_ONLY and name != _top(name):
            rep.dist_only += 1
        add(finding(
            f"GOROOT/{_show(name)}: a {_kind_text(kind, where(name))} the release {mod} does not have (never followed)",
            file=where(name), path=_show(name), what=f"{kind} not in the release",
        ))
    if count > MAX_LISTED:
        rep.add(UNEXPECTED, finding(f"GOROOT {rep.goroot}: and {count - MAX_LISTED} more unexpected files like the above, not listed", file=rep.goroot, path="", what="more"))
    if others:
        shown = ", ".join(_show(n) for n in others[:8]) + (", …" if len(others) > 8 else "")
        rep.add(UNEXPECTED, finding(
            f"GOROOT {rep.goroot} has {len(others)} file{'s' if len(others) != 1 else ''} the release {mod} does not have, "
            f"none executable or of a kind builds read: {shown}",
            file=rep.goroot, path="", what="other files: " + " ".join(_show(n) for n in others), count=len(others), soften="info",
        ))


def _env_lines(data: bytes) -> dict[str, tuple[str, int]]:
    """KEY -> (value, line) as cfg.readEnvFile reads go.env (the last line of a key wins)."""
    out: dict[str, tuple[str, int]] = {}
    for n, raw in enumerate(data.split(b"\n"), 1):
        i = raw.find(b"=")
        if i < 0 or not raw or not (65 <= raw[0] <= 90):
            continue
        out[raw[:i].decode("utf-8", "replace")] = (raw[i + 1 :].decode("utf-8", "surrogateescape"), n)
    return out


def _go_env_diff(rep: Report, m: release.Manifest, path: str) -> None:
    from gozt_lint.fileio import read_regular

    assert m.go_env is not None
    local = read_regular(path, 1 << 20)
    if local is None:
        rep.add(TAMPERED, finding(f"{path} cannot be read to compare with the release's go.env", file=path, path="go.env", what="unreadable"))
        return
    want, have = _env_lines(m.go_env), _env_lines(local)
    mod = m.module
    n = 0
    for key in sorted(set(want) | set(have), key=lambda k: (have.get(k, ("", 1 << 30))[1], k)):
        w, h = want.get(key), have.get(key)
        if w is not None and h is not None and w[0] == h[0]:
            continue
        n += 1
        if h is None:
            assert w is not None
            rep.add(TAMPERED, finding(
                f"go.env no longer sets {key}={w[0]} as the release {mod} does: the default of every go command using this GOROOT changed",
                file=path, line=1, path="go.env", what=f"{key} removed", key=key, release_value=w[0], value=None,
            ))
        elif w is None:
            rep.add(TAMPERED, finding(
                f"go.env sets {key}={h[0]}, which the release {mod} does not set: a default for every go command using this GOROOT",
                file=path, line=h[1], path="go.env", what=f"{key} added", key=key, release_value=None, value=h[0],
            ))
        else:
            rep.add(TAMPERED, finding(
                f"go.env sets {key}={h[0]} where the release {mod} says {key}={w[0]}: the default of every go command "
                f"using this GOROOT changed",
                file=path, line=h[1], path="go.env", what=f"{key}={h[0]} (release {w[0]})", key=key, release_value=w[0], value=h[0],
            ))
    if n == 0:
        rep.add(TAMPERED, finding(
            f"go.env differs from the release {mod} in its comments or layout only (every setting is the release's)",
            file=path, path="go.env", what="comments differ", soften="info",
        ))


def _file_sha256(path: str, st: os.stat_result, memo: Memo | None) -> tuple[str | None, str | None]:
    """SHA-256 of one file, memoised by its stamp like the GOROOT tree."""
    from gozt_lint.memo import file_key

    if st.st_size > MAX_FILE:
        return None, f"{st.st_size} bytes, larger than any release file can be"
    key = file_key(_MEMO_KIND, path, st)
    if memo is not None:
        hit = memo.get(key)
        if isinstance(hit, str):
            return hit, None
    d, err = _sha256(os.fsencode(path), dirhash.stamp_of(st))
    if d is not None and memo is not None:
        memo.set(key, d)
    return d, err


def _check_path_go(rep: Report, sess: release.Session, pg: PathGo, memo: Memo | None) -> None:
    if pg.target is None:
        rep.add(UNVERIFIED, finding(f"{pg.path}: a go command on PATH without a Go version or platform in its build information", file=pg.real, status="unknown"))
        return
    t = pg.target
    o = sess.release(t.name, t.goos, t.goarch)
    if o.manifest is None:
        rep.add(UNVERIFIED, _unverified(f"{pg.path} (go on PATH, {t.name}, {t.platform})", o, pg.real))
        return
    want = o.manifest.file(b"bin/go")
    try:
        st = os.stat(pg.real)
    except OSError as e:
        rep.add(UNVERIFIED, finding(f"{pg.path}: cannot read: {e.strerror or e}", file=pg.real, status="unreadable"))
        return
    have, err = _file_sha256(pg.real, st, memo)
    if have is None:
        rep.add(UNVERIFIED, finding(f"{pg.path}: {err}; not verified", file=pg.real, status="unreadable"))
    elif have != want:
        rep.add(TAMPERED, finding(
            f"{pg.path} (go on PATH{', → ' + pg.real if pg.real != pg.path else ''}) claims {t.name} for {t.platform} but is not "
            f"that release's bin/go (SHA-256 {have[:16]}…, {o.manifest.module} has {(want or 'no bin/go')[:16]}…)",
            file=pg.real, path=pg.real, what="go on PATH differs", sha256=have, release_sha256=want,
            module=release.MODULE, version=o.version,
        ))
