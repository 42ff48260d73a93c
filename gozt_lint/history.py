"""go.sum history: each sum file in scope next to its earlier self in git.

Which two versions are compared (see docs/rules/gosum-hash-changed.md):

* default (the pre-commit hook, a plain run): the staged content (the index, as
  git sees it, so ``GIT_INDEX_FILE`` of ``git commit <path>`` is honoured)
  against ``HEAD``;
* an editor buffer (language server overlay): the buffer against ``HEAD``;
* ``--base REF``: the working tree against the merge base of ``REF`` and ``HEAD``;
* ``--all`` without ``--base``: the same against the upstream branch of the
  current branch, or the pull-request base CI names (``GITHUB_BASE_REF``,
  ``CI_MERGE_REQUEST_DIFF_BASE_SHA``); with neither, the working tree against HEAD.

The hot path (default mode) costs one ``git cat-file --batch`` process and never
imports GitPython; resolving a base ref (upstream branch, merge base, shallow
clone) does, inside :func:`resolve_base`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gozt_lint import gitio
from gozt_lint.errors import GoztError

if TYPE_CHECKING:
    from gozt_lint.context import Context, Unit


class Side(NamedTuple):
    label: str  # for messages: "HEAD", "the index", "origin/main (merge base 1a2b3c4d)"
    path: str  # repo-relative path of the sum file on this side
    data: bytes | None  # None: the file does not exist on this side


class Diff(NamedTuple):
    """Line-level differences, found with byte comparisons before any parsing (the
    hook's budget: a go.sum of thousands of lines is compared in about a millisecond)."""

    # (0-based line index in new, the new line, [(old hash, 1-based old line)] for the same key)
    changed: list[tuple[int, bytes, list[tuple[bytes, int]]]]
    # (the old line, 1-based old line number) for keys absent from the new side
    removed: list[tuple[bytes, int]]
    new_lines: list[bytes]


def _key(fields: list[bytes]) -> tuple[bytes, bytes]:
    return fields[0], fields[1]


def diff(old: bytes | None, new: bytes | None) -> Diff:
    old_lines = (old or b"").split(b"\n")
    new_lines = (new or b"").split(b"\n")
    if old == new:
        return Diff([], [], new_lines)
    old_set, new_set = set(old_lines), set(new_lines)
    new_only = [(i, ln) for i, ln in enumerate(new_lines) if ln not in old_set and ln.strip()]
    old_only = [(i, ln) for i, ln in enumerate(old_lines) if ln not in new_set and ln.strip()]
    if not new_only and not old_only:
        return Diff([], [], new_lines)
    recorded: dict[tuple[bytes, bytes], list[tuple[bytes, int]]] = {}
    for i, ln in enumerate(old_lines):
        f = ln.split()
        if len(f) == 3:
            recorded.setdefault(_key(f), []).append((f[2], i + 1))
    changed = []
    for i, ln in new_only:
        f = ln.split()
        if len(f) == 3 and _key(f) in recorded:
            changed.append((i, ln, recorded[_key(f)]))
    removed = []
    if old_only:
        present = set()
        for ln in new_lines:
            f = ln.split()
            if len(f) == 3:
                present.add(_key(f))
        for i, ln in old_only:
            f = ln.split()
            if len(f) == 3 and _key(f) not in present:
                removed.append((ln, i + 1))
    return Diff(changed, removed, new_lines)


class Comparison:
    """One sum file and the version it is compared with. (Plain classes and
    NamedTuples here: dataclass creation costs ~1 ms each on the hook's path.)"""

    __slots__ = ("unit", "old", "new", "gomod", "check_removed", "_diff")

    def __init__(self, unit: Unit, old: Side, new: Side, gomod: bytes | None, check_removed: bool) -> None:
        self.unit = unit
        self.old = old
        self.new = new
        self.gomod = gomod  # the go.mod / go.work beside the sum file, on the new side
        self.check_removed = check_removed  # False when the base is not a common ancestor
        self._diff: Diff | None = None

    def diff(self) -> Diff:
        """Computed once, shared by both history rules."""
        if self._diff is None:
            self._diff = diff(self.old.data, self.new.data)
        return self._diff


class History:
    __slots__ = ("comparisons", "error", "error_reported")

    def __init__(self) -> None:
        self.comparisons: list[Comparison] = []
        self.error: str | None = None  # a problem with an explicit --base: exit status 2
        self.error_reported = False


class Base(NamedTuple):
    rev: str  # full commit id
    label: str
    check_removed: bool


def _rel(root: Path, p: Path) -> str | None:
    """``p`` relative to the work tree root, '/'-separated; None when outside it."""
    real_dir = os.path.realpath(p.parent)
    rel = os.path.relpath(os.path.join(real_dir, p.name), os.path.realpath(root))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return rel.replace(os.sep, "/")


def _short(rev: str) -> str:
    return rev[:12]


def resolve_base(ctx: Context, root: Path) -> Base | None:
    """The commit to compare the working tree with, for CI.

    An explicit ``--base`` that cannot be used raises GoztError (exit 2); without
    one, a missing upstream gives None and the caller falls back.
    """
    explicit = ctx.options.base
    exe = gitio.find_git(ctx.environ, root)
    if exe is None:
        raise gitio.GitError("git is not installed (not found on PATH outside the repository)")
    # Importing GitPython runs `git version`, found on the process's PATH (relative
    # entries too, against the working directory: the checkout's ./git): name ours first.
    os.environ["GIT_PYTHON_GIT_EXECUTABLE"] = exe
    import git  # GitPython: off the hook's path

    try:
        # GitPython runs `git` by name from the process's PATH; name ours, and give its
        # processes the same safe settings as ours (they never read the working tree).
        git.refresh(exe)
        repo = git.Repo(str(root))
        repo.git.update_environment(**{k: v for k, v in gitio.safe_env(ctx.environ).items() if k.startswith("GIT_")})
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError, git.exc.GitCommandError) as e:
        raise GoztError(f"--base: {root} is not a usable git repository: {e}") from None
    try:
        return _resolve_base(ctx, repo, explicit)
    finally:
        repo.close()


def _resolve_base(ctx: Context, repo: Any, explicit: str | None) -> Base | None:
    import git

    try:
        shallow = repo.git.rev_parse("--is-shallow-repository").strip() == "true"
    except git.exc.GitCommandError:
        shallow = False
    try:
        head = repo.head.commit
    except ValueError:
        head = None  # no commit yet
    if head is None:
        if explicit:
            raise GoztError(f"--base {explicit}: the repository has no commits yet")
        return None

    ref = explicit
    origin_of_ref = "--base"
    if ref is None:
        ref, origin_of_ref = _default_base(ctx, repo)
        if ref is None:
            ctx.note("history: no base to compare with (no --base, no upstream branch); compared the working tree with HEAD")
            return None
    try:
        base = repo.commit(ref)
    except (git.exc.BadName, git.exc.BadObject, ValueError, git.exc.GitCommandError):
        how = _fetch_hint(ref, shallow)
        msg = f"{origin_of_ref} {ref}: no such branch, tag or commit in this clone; {how}"
        if explicit:
            raise GoztError(msg) from None
        ctx.note(f"history: {msg}; compared the working tree with HEAD instead")
        return None

    merge_bases = []
    try:
        merge_bases = repo.merge_base(head, base)
    except git.exc.GitCommandError:
        merge_bases = []
    if merge_bases:
        mb = merge_bases[0].hexsha
        label = ref if mb == base.hexsha else f"the merge base of {ref} and HEAD ({_short(mb)})"
        return Base(mb, label, True)
    # No common ancestor in what was fetched: hashes can still be compared (a
    # module version never changes, whichever commit recorded it), removals not.
    if shallow:
        ctx.note(
            f"history: this is a shallow clone and the merge base of HEAD and {ref} is not in it; "
            f"go.sum hashes were compared with {ref} itself and removed lines were not checked. "
            f"Fetch more history to compare with the merge base: `git fetch --deepen=100` "
            f"(repeat as needed) or `git fetch --unshallow` (actions/checkout: fetch-depth: 0)"
        )
    else:
        ctx.note(f"history: HEAD and {ref} have no common history; go.sum hashes were compared with {ref} itself and removed lines were not checked")
    return Base(base.hexsha, ref, False)


def _default_base(ctx: Context, repo: Any) -> tuple[str | None, str]:
    env = ctx.environ
    if env.get("GITHUB_BASE_REF"):
        return f"origin/{env['GITHUB_BASE_REF']}", "GITHUB_BASE_REF:"
    if env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        return env["CI_MERGE_REQUEST_DIFF_BASE_SHA"], "CI_MERGE_REQUEST_DIFF_BASE_SHA:"
    try:
        branch = repo.active_branch
    except TypeError:  # detached HEAD: no branch, no upstream
        return None, ""
    try:
        tracking = branch.tracking_branch()
    except (ValueError, TypeError):
        tracking = None
    if tracking is None:
        return None, ""
    return tracking.name, f"the upstream of {branch.name},"


def _fetch_hint(ref: str, shallow: bool) -> str:
    remote, _, branch = ref.partition("/")
    if branch and remote and not remote.startswith("refs"):
        fetch = f"fetch it: `git fetch origin {branch}` (or `git fetch --depth=1 {remote} {branch}` in a shallow clone)"
    else:
        fetch = "fetch it first (`git fetch origin <branch>`)"
    if shallow:
        fetch += "; this is a shallow clone: `git fetch --unshallow` brings the whole history"
    return fetch


def load(ctx: Context) -> History:
    """Every sum file in scope with the version to compare it against (memoize with ctx.once)."""
    hist = History()
    groups: dict[Path, list[Unit]] = {}
    outside: list[Unit] = []
    for u in ctx.units:
        root = gitio.find_git_root(u.dir)
        if root is None:
            outside.append(u)
        else:
            groups.setdefault(root, []).append(u)
    if outside:
        if ctx.options.base and not groups:
            hist.error = f"--base {ctx.options.base}: {ctx.cwd} is not in a git repository"
            return hist
        ctx.note("history: not a git repository; go.sum history checks skipped")
    for root, units in groups.items():
        try:
            hist.comparisons += _load_repo(ctx, root, units)
        except GoztError as e:
            hist.error = str(e)
        except gitio.GitError as e:
            if ctx.options.base:
                hist.error = f"--base {ctx.options.base}: {e}"
            else:
                ctx.note(f"history: {e}; go.sum history checks skipped")
    return hist


def _load_repo(ctx: Context, root: Path, units: list[Unit]) -> list[Comparison]:
    base: Base | None = None
    if ctx.options.base or ctx.options.all:
        # None: why was noted (no upstream, a named base missing from the clone, no commit yet).
        base = resolve_base(ctx, root)
    mode_worktree = base is not None or ctx.options.all

    rels: list[tuple[Unit, str, str]] = []
    for u in units:
        rel_sum, rel_main = _rel(root, u.sum), _rel(root, u.main)
        if rel_sum is None or rel_main is None:
            continue
        rels.append((u, rel_sum, rel_main))
    if not rels:
        return []

    old_rev = base.rev if base else "HEAD"
    specs = [old_rev]
    for _, rel_sum, rel_main in rels:
        specs += [f"{old_rev}:{rel_sum}", f":{rel_sum}", f":{rel_main}"]
    blobs = gitio.cat_file(root, specs, ctx.environ)
    if blobs[0].oid is None:
        ctx.note("history: no commit yet (initial commit); nothing to compare go.sum with")
        return []
    old_label = base.label if base else "HEAD"
    unmerged = set() if mode_worktree else _unmerged(root, ctx, [(rel_sum, blobs[2 + 3 * i]) for i, (_, rel_sum, _m) in enumerate(rels)])

    out: list[Comparison] = []
    pending_renames: list[tuple[Unit, str, Side, bytes | None]] = []
    for i, (u, rel_sum, _rel_main) in enumerate(rels):
        old_blob, idx_sum, idx_main = blobs[1 + 3 * i : 4 + 3 * i]
        overlay = _overlay(ctx, u.sum)
        if overlay is not None:
            new = Side("the editor buffer", rel_sum, overlay)
            gomod = ctx.read(u.main)
        elif mode_worktree:
            new = Side("the working tree", rel_sum, ctx.read(u.sum))
            gomod = ctx.read(u.main)
        else:
            if idx_sum.oid is None and old_blob.oid is None:
                continue  # neither tracked nor staged: nothing is being committed
            if rel_sum in unmerged:
                ctx.note(f"history: {rel_sum} has unresolved merge conflicts in the index; compared once it is resolved and staged")
                continue
            new = Side("the staged go.sum" if u.kind == "mod" else "the staged go.work.sum", rel_sum, idx_sum.data)
            gomod = idx_main.data
        if new.data is None and old_blob.oid is None:
            continue
        if old_blob.oid is None:
            pending_renames.append((u, rel_sum, new, gomod))
            continue
        out.append(Comparison(u, Side(old_label, rel_sum, old_blob.data), new, gomod, base.check_removed if base else True))

    if pending_renames:
        # A new path on the new side: follow a rename (a moved module keeps its history).
        if mode_worktree:
            moved = gitio.moved_in_worktree(root, old_rev, {p[1]: p[2].data for p in pending_renames}, ctx.environ)
        else:
            moved = gitio.renames(root, old_rev, ctx.environ)
        asks = [(p, moved[p[1]]) for p in pending_renames if p[1] in moved]
        if asks:
            got = gitio.cat_file(root, [f"{old_rev}:{old}" for _, old in asks], ctx.environ)
            for ((u, _rel_sum, new, gomod), old_path), blob in zip(asks, got):
                if blob.oid is not None:
                    label = f"{old_label} (as {old_path})"
                    out.append(Comparison(u, Side(label, old_path, blob.data), new, gomod, base.check_removed if base else True))
    return out


def _unmerged(root: Path, ctx: Context, staged: list[tuple[str, gitio.Blob]]) -> set[str]:
    """The sum files absent from the index only because a merge left them unresolved
    (stage 0 missing, stage 2 "ours" or 3 "theirs" present): not deleted files, whose
    every line would otherwise count as removed."""
    missing = [rel for rel, blob in staged if blob.oid is None]
    if not missing:
        return set()
    got = gitio.cat_file(root, [f":{stage}:{rel}" for rel in missing for stage in (2, 3)], ctx.environ)
    return {rel for i, rel in enumerate(missing) if got[2 * i].oid is not None or got[2 * i + 1].oid is not None}


def _overlay(ctx: Context, path: Path) -> bytes | None:
    if not ctx.overlay:
        return None
    for key in (str(Path(path).absolute()), str(Path(path).resolve())):
        if key in ctx.overlay:
            return ctx.overlay[key]
    return None


def get(ctx: Context) -> History:
    return ctx.once(load)
