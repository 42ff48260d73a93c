"""The model of one run: which files are in scope, their parsed contents, the
environment, and memoized heavy results that several rules share.

Parsers fill the model and never judge; rules read it and never parse. Heavy
results (cache scans, go subprocesses, checksum-database proofs) live in their
own modules and are computed at most once per run through :meth:`Context.once`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, TypeVar

from gozt_lint.config import Config
from gozt_lint.errors import InputError, UsageError
from gozt_lint.fileio import MAX_GOMOD, MAX_TEXT_FILE, find_repo_root, read_input

if TYPE_CHECKING:
    from gozt_lint.goenv import GoEnv
    from gozt_lint.modfile import ModFile
    from gozt_lint.sumfile import SumFile

T = TypeVar("T")

# Directories the go command itself never treats as part of a module tree.
SKIP_DIRS = {"vendor", "testdata", "node_modules"}


class Options:
    """What one run was asked to do (the command line, or the editor's settings)."""

    def __init__(
        self,
        paths: list[str] | None = None,
        all: bool = False,  # noqa: A002 - the --all flag
        env: bool = True,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        online: bool = False,
        memo: bool = True,
        fix: bool = False,
        base: str | None = None,
        snapshot: str | None = None,
        jobs: int | None = None,
        progress: bool = False,
        go: str | None = None,  # the go binary to examine and run (default: `go` on PATH)
    ) -> None:
        self.paths: list[str] = [] if paths is None else paths
        self.all = all
        self.env = env
        self.select: list[str] = [] if select is None else select
        self.ignore: list[str] = [] if ignore is None else ignore
        self.online = online
        self.memo = memo
        self.fix = fix
        self.base = base
        self.snapshot = snapshot
        self.jobs = jobs
        self.progress = progress
        self.go = go

    def __repr__(self) -> str:
        return "Options(" + ", ".join(f"{k}={v!r}" for k, v in vars(self).items()) + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable; object declares __hash__ a method


class Unit(NamedTuple):
    """One go.mod (kind "mod") or go.work (kind "work") with its sum file."""

    kind: str
    dir: Path
    main: Path
    sum: Path

    @property
    def label(self) -> str:
        return str(self.main)


def unit_for(path: Path) -> Unit | None:
    """The unit a go.mod / go.sum / go.work / go.work.sum path belongs to."""
    name = path.name
    d = path.parent
    if name == "go.work" or name == "go.work.sum":
        return Unit("work", d, d / "go.work", d / "go.work.sum")
    if name == "go.mod" or name == "go.sum":
        return Unit("mod", d, d / "go.mod", d / "go.sum")
    # `-modfile=alt.mod` pairs alt.mod with alt.sum.
    if name.endswith(".mod") and len(name) > 4:
        stem = name[:-4]
        return Unit("mod", d, d / name, d / f"{stem}.sum")
    if name.endswith(".sum") and len(name) > 4:
        stem = name[:-4]
        return Unit("mod", d, d / f"{stem}.mod", d / name)
    return None


def find_upward(start: Path, name: str) -> Path | None:
    cur = start.resolve()
    for d in (cur, *cur.parents):
        p = d / name
        if p.is_file():
            return p
    return None


class Context:
    def __init__(
        self,
        *,
        cwd: Path | None = None,
        options: Options | None = None,
        config: Config | None = None,
        environ: Mapping[str, str] | None = None,
        overlay: Mapping[str, bytes] | None = None,
    ) -> None:
        self.cwd = Path(cwd or os.getcwd()).resolve()
        self.options = options or Options()
        self.config = config or Config()
        self.environ: Mapping[str, str] = dict(os.environ if environ is None else environ)
        # Editor buffers by absolute path: what the user sees wins over the disk.
        self.overlay: dict[str, bytes] = {str(Path(k).resolve()): v for k, v in (overlay or {}).items()}
        self.repo_root = find_repo_root(self.cwd)
        self.root = self.repo_root or self.cwd
        self.notes: list[str] = []
        # What the deep checks verified, by kind (see :meth:`verified`); only the
        # families that ran add keys, so an absent key means "not looked at".
        self.coverage: dict[str, int] = {}
        self.input_errors: list[InputError] = []
        self._memo: dict[Any, Any] = {}
        self._lock = threading.RLock()
        self.units: list[Unit] = []
        self._parsed: dict[tuple[str, str], Any] = {}
        # Set by engine.select_rules (the one place that decides them): whether this
        # run does deep work (reads caches, loads module graphs) and which rule
        # families it runs (None: not decided by the engine, as in direct API use).
        self.deep = False
        self.families: frozenset[str] | None = None

    # -- scope ---------------------------------------------------------------------

    def discover(self) -> None:
        """Fill :attr:`units` from the options: files, directories, or the default."""
        units: dict[Path, Unit] = {}

        def add(u: Unit) -> None:
            units.setdefault(u.main, u)

        paths = self.options.paths
        if self.options.all and not paths:
            paths = [str(self.root)]
        if not paths:
            gowork = self.active_gowork(self.cwd)
            gomod = find_upward(self.cwd, "go.mod")
            for found in (gomod, gowork):
                unit = unit_for(found) if found is not None else None
                if unit is not None:
                    add(unit)
        for raw in paths:
            p = (self.cwd / raw).absolute()
            if p.is_dir() and p.name not in ("go.sum", "go.mod", "go.work", "go.work.sum"):
                for walked in self._walk(p):
                    add(walked)
                continue
            u = unit_for(p)
            if u is None:
                if not p.exists():
                    self.input_errors.append(InputError(raw, "no such file or directory"))
                else:
                    self.input_errors.append(
                        InputError(raw, "not a go.mod, go.sum, go.work or go.work.sum file")
                    )
                continue
            if not p.exists() and str(p.resolve()) not in self.overlay:
                self.input_errors.append(InputError(raw, "no such file or directory"))
                continue
            if p.is_dir():
                self.input_errors.append(InputError(raw, "is a directory, not a file"))
            add(u)
        self.units = sorted(units.values(), key=lambda u: (str(u.dir), u.kind))

    def active_gowork(self, start: Path) -> Path | None:
        """The go.work a go command run in ``start`` uses: GOWORK, else the nearest upward."""
        gowork = self.environ.get("GOWORK", "")
        if gowork == "off":
            return None
        if gowork:
            p = Path(gowork)
            return p if p.is_absolute() and p.name.endswith(".work") else None
        return find_upward(start, "go.work")

    def _walk(self, top: Path) -> list[Unit]:
        found: list[Unit] = []

        def onerror(e: OSError) -> None:
            self.input_errors.append(InputError(str(e.filename or top), f"cannot list directory: {e.strerror or e}"))

        # followlinks=False: a symlink loop or a link out of the tree is never entered.
        for dirpath, dirnames, filenames in os.walk(top, onerror=onerror):
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and not d.startswith((".", "_"))
            )
            d = Path(dirpath)
            names = set(filenames)
            if "go.mod" in names or "go.sum" in names:
                found.append(Unit("mod", d, d / "go.mod", d / "go.sum"))
            if "go.work" in names or "go.work.sum" in names:
                found.append(Unit("work", d, d / "go.work", d / "go.work.sum"))
        return found

    @property
    def checkout(self) -> Path | None:
        """The checkout under inspection, whose programs are never run: the git work
        tree, else the directory of the nearest go.mod/go.work above the working
        directory (not the working directory itself: that may be $HOME, holding the
        user's own toolchains)."""
        if self.repo_root is not None:
            return self.repo_root
        for name in ("go.work", "go.mod"):
            p = find_upward(self.cwd, name)
            if p is not None:
                return p.parent
        return None

    @property
    def modules(self) -> list[Unit]:
        return [u for u in self.units if u.kind == "mod"]

    @property
    def workspaces(self) -> list[Unit]:
        return [u for u in self.units if u.kind == "work"]

    # -- reading ------------------------------------------------------------------

    def read(self, path: Path, limit: int = MAX_TEXT_FILE) -> bytes | None:
        """File content (editor buffer first), None if absent; unreadable (or larger
        than ``limit``) is recorded."""
        key = str(Path(path).absolute())
        if key in self.overlay:
            return self.overlay[key]
        resolved = str(Path(path).resolve())
        if resolved in self.overlay:
            return self.overlay[resolved]
        if not os.path.lexists(path):
            return None
        try:
            return read_input(Path(path), limit)
        except InputError as e:
            self.input_errors.append(e)
            return None

    def modfile(self, unit: Unit) -> ModFile | None:
        """The parsed go.mod / go.work of ``unit`` (None when absent or unreadable)."""
        key = ("main", str(unit.main))
        with self._lock:
            if key not in self._parsed:
                data = self.read(unit.main, MAX_GOMOD)
                if data is None:
                    self._parsed[key] = None
                else:
                    from gozt_lint import modfile

                    parse = modfile.parse_gowork if unit.kind == "work" else modfile.parse_gomod
                    self._parsed[key] = parse(str(unit.main), data)
            return self._parsed[key]

    def sumfile(self, unit: Unit) -> SumFile | None:
        """The parsed go.sum / go.work.sum of ``unit`` (None when absent or unreadable)."""
        key = ("sum", str(unit.sum))
        with self._lock:
            if key not in self._parsed:
                data = self.read(unit.sum)
                if data is None:
                    self._parsed[key] = None
                else:
                    from gozt_lint import sumfile

                    self._parsed[key] = sumfile.parse_gosum(str(unit.sum), data)
            return self._parsed[key]

    def modfile_at(self, path: str) -> ModFile | None:
        """The parsed go.mod/go.work already loaded for ``path``, if any (for inline ignores)."""
        return self._parsed.get(("main", path))

    # -- shared results -------------------------------------------------------------

    def once(self, fn: Callable[[Context], T]) -> T:
        """``fn(self)``, computed at most once per run and shared by every rule."""
        with self._lock:
            if fn in self._memo:
                return self._memo[fn]
        value = fn(self)
        with self._lock:
            return self._memo.setdefault(fn, value)

    def computed(self, fn: Callable[[Context], T]) -> T | None:
        """What ``once(fn)`` gave this run if it was asked already; None otherwise
        (nothing is computed)."""
        with self._lock:
            return self._memo.get(fn)

    @property
    def env(self) -> GoEnv:
        return self.once(load_env)

    def verified(self, kind: str, n: int) -> None:
        """Count ``n`` more things of ``kind`` verified (``module_versions``,
        ``gosum_lines_against_cache``, ...): the run summary says what was checked,
        so an empty cache never passes for a clean one."""
        with self._lock:
            self.coverage[kind] = self.coverage.get(kind, 0) + n

    def note(self, message: str) -> None:
        """Say something once per run (a skipped rule family, a fallback taken)."""
        with self._lock:
            if message not in self.notes:
                self.notes.append(message)


def require_absolute(path: str, what: str) -> Path:
    p = Path(path)
    if not p.is_absolute():
        raise UsageError(f"{what} must be an absolute path: {path}")
    return p


def load_env(ctx: Context) -> GoEnv:
    """The run's effective Go settings (``ctx.env``; the key of that ``ctx.once``)."""
    from gozt_lint import goenv

    go = getattr(ctx.options, "go", None)
    checkout = ctx.checkout
    return goenv.load(ctx.environ, go=go, untrusted=str(checkout) if checkout is not None else None)
