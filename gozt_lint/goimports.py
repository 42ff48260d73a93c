"""Which packages a module's build reaches, read offline from Go source files.

Used to decide whether a module really uses some package of a dependency (say
``golang.org/x/mod/sumdb``), without running the go command: starting from every
package of the main module (and its ``tool`` lines), each import is resolved to a
module of the build list (the longest module path that prefixes it, as the go
command resolves it), its directory is found in the main module, a local
replacement or the extracted module cache, and its imports are read in turn.

What is read, and what is left out on purpose:

* only the package clause and the import declarations of each ``.go`` file, with
  a linear scanner (go/parser's ImportsOnly mode); a file is read up to 1 MiB;
* ``_test.go`` files are left out (tests do not ship), and so are files whose
  build constraint is exactly ``//go:build ignore`` (generators); other build
  constraints are not evaluated, so a file for any platform counts (this errs on
  the side of "reached");
* directories the go command never treats as packages of the module: ``vendor``,
  ``testdata``, names starting with ``.`` or ``_``, nested modules, links.

An import that resolves to no module of the build list, or to one whose source is
not in the module cache, is "unknown": :class:`Reach` lists them, so a caller can
say it could not tell rather than guess.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from gozt_lint.fileio import read_regular

MAX_GO_FILE = 1 << 20
MAX_PACKAGES = 50_000  # a bound on the walk; far above real builds

_SPACE = b" \t\r\n"


def _skip_space_and_comments(data: bytes, i: int, n: int) -> int:
    while i < n:
        c = data[i]
        if c in _SPACE:
            i += 1
        elif data.startswith(b"//", i):
            j = data.find(b"\n", i)
            i = n if j < 0 else j + 1
        elif data.startswith(b"/*", i):
            j = data.find(b"*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            break
    return i


def _ident(data: bytes, i: int, n: int) -> tuple[bytes, int]:
    j = i
    while j < n and (data[j] == 0x5F or 0x30 <= data[j] <= 0x39 or 0x41 <= (data[j] & 0xDF) <= 0x5A or data[j] >= 0x80):
        j += 1
    return data[i:j], j


def _string(data: bytes, i: int, n: int) -> tuple[str | None, int]:
    """An import path literal at ``i`` ("..." or `...`): (path or None if malformed, end)."""
    q = data[i : i + 1]
    if q == b"`":
        j = data.find(b"`", i + 1)
        if j < 0:
            return None, n
        return data[i + 1 : j].decode("utf-8", "replace"), j + 1
    if q != b'"':
        return None, i
    j = i + 1
    while j < n and data[j] not in b'"\n':
        if data[j] == 0x5C:  # an escape: not in any valid import path
            return None, j
        j += 1
    if j >= n or data[j] != 0x22:
        return None, j
    return data[i + 1 : j].decode("utf-8", "replace"), j + 1


def file_imports(data: bytes) -> list[str] | None:
    """The import paths of one Go source file; None when the file is excluded from
    every build (``//go:build ignore``) or has no package clause."""
    n = len(data)
    i = 0
    # Build constraints live in the comments before the package clause.
    head_end = data.find(b"package")
    if head_end > 0:
        for raw in data[:head_end].split(b"\n"):
            line = raw.strip()
            if line.startswith(b"//go:build") and line[len(b"//go:build") :].strip() == b"ignore":
                return None
    i = _skip_space_and_comments(data, i, n)
    word, i = _ident(data, i, n)
    if word != b"package":
        return None
    i = _skip_space_and_comments(data, i, n)
    _, i = _ident(data, i, n)
    out: list[str] = []
    while True:
        i = _skip_space_and_comments(data, i, n)
        if data.startswith(b";", i):
            i += 1
            continue
        word, j = _ident(data, i, n)
        if word != b"import":
            return out
        i = _skip_space_and_comments(data, j, n)
        grouped = data.startswith(b"(", i)
        if grouped:
            i += 1
        while i < n:
            i = _skip_space_and_comments(data, i, n)
            if data.startswith(b";", i):
                i += 1
                continue
            if grouped and data.startswith(b")", i):
                i += 1
                break
            # An optional name: identifier, "." or "_".
            if data.startswith(b".", i):
                i = _skip_space_and_comments(data, i + 1, n)
            else:
                name, k = _ident(data, i, n)
                if name:
                    i = _skip_space_and_comments(data, k, n)
            path, k = _string(data, i, n)
            if path is None:
                return out  # malformed: what was read so far
            out.append(path)
            i = k
            if not grouped:
                break


def package_imports(directory: str) -> set[str] | None:
    """The imports of the package in ``directory`` (non-test .go files); None if it
    holds no such file (not a package here)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return None
    found = False
    out: set[str] = set()
    for name in names:
        if not name.endswith(".go") or name.endswith("_test.go") or name[0] in "._":
            continue
        data = read_regular(os.path.join(directory, name), MAX_GO_FILE)
        if data is None:
            continue
        imports = file_imports(data)
        if imports is None:
            continue
        found = True
        out.update(imports)
    return out if found else None


class ImportsCache:
    """:func:`package_imports` remembered by directory for one run: the go.mod units
    of a monorepo reach the same dependency packages, each read once per run.

    Across runs, only for directories inside a module tree whose content this run
    verified: ``tree_key(what)``, for a tree added with :meth:`add_tree`, gives its content key (its module version
    and the h1 measured over every file of it this run, with no link or special file
    in it), and the imports of its directories are kept in ``memo`` under that key. A
    tree whose files change has another h1, so nothing stored is replayed over
    changed content; a checkout or an unverified tree is read every run."""

    def __init__(self, tree_key: Callable[[Any], str | None] | None = None, memo: Any = None) -> None:
        self._by_dir: dict[str, set[str] | None] = {}
        self._isdir: dict[str, bool] = {}
        self._ordered: dict[str, tuple[str, ...]] = {}
        # reach_modules: walks beyond the main module, by (start packages, targets)
        self.closures: dict[tuple[frozenset[str], frozenset[str]], list[_Closure]] = {}
        self._tree_key = tree_key if memo is not None and getattr(memo, "enabled", False) else None
        self._memo = memo
        self._roots: dict[str, Any] = {}  # module tree root -> what tree_key is asked about
        self._keys: dict[str, str | None] = {}  # module tree root -> its content key (None: none)
        self._trees: dict[str, dict[str, list[str] | None]] = {}  # content key -> rel dir -> imports
        self._dirty: set[str] = set()

    def add_tree(self, root: str, what: Any) -> None:
        """A module tree whose directories may be read: ``tree_key(what)`` is asked for
        its content key when one of them is (at most once per run)."""
        if self._tree_key is not None:
            self._roots.setdefault(root, what)

    def __call__(self, directory: str) -> set[str] | None:
        try:
            return self._by_dir[directory]
        except KeyError:
            pass
        where = self._stored(directory) if self._roots else None
        if where is None:
            got = self._by_dir[directory] = package_imports(directory)
            return got
        tree, rel = where
        if rel in tree[1]:
            stored = tree[1][rel]
            got = self._by_dir[directory] = None if stored is None else set(stored)
            return got
        got = self._by_dir[directory] = package_imports(directory)
        tree[1][rel] = None if got is None else sorted(got)
        self._dirty.add(tree[0])
        return got

    def _stored(self, directory: str) -> tuple[tuple[str, dict[str, list[str] | None]], str] | None:
        """(the content key and stored imports of the verified tree holding
        ``directory``, its path relative to the tree), or None."""
        assert self._tree_key is not None
        if os.path.normpath(directory) != directory:
            return None  # (".." could leave the tree its key covers)
        d = directory
        while d not in self._roots:
            up = os.path.dirname(d)
            if up == d:
                return None
            d = up
        try:
            key = self._keys[d]
        except KeyError:
            key = self._keys[d] = self._tree_key(self._roots[d])
        if not key:
            return None
        tree = self._trees.get(key)
        if tree is None:
            tree = self._trees[key] = _stored_tree(self._memo.get("goimports-tree\0" + key))
        rel = directory[len(d) + 1 :].replace(os.sep, "/") if directory != d else ""
        return (key, tree), rel

    def save(self) -> None:
        """Keep what this run read of verified trees for the next runs."""
        if self._memo is None or not self._dirty:
            return
        self._memo.set_many([("goimports-tree\0" + k, self._trees[k]) for k in sorted(self._dirty)])
        self._dirty.clear()

    def ordered(self, directory: str) -> tuple[str, ...]:
        """The imports of ``directory`` sorted (none: empty), sorted once per run."""
        try:
            return self._ordered[directory]
        except KeyError:
            got = self._ordered[directory] = tuple(sorted(self(directory) or ()))
            return got

    def isdir(self, path: str) -> bool:
        """os.path.isdir, asked once per run for each path."""
        try:
            return self._isdir[path]
        except KeyError:
            got = self._isdir[path] = os.path.isdir(path)
            return got


def _stored_tree(value: object) -> dict[str, list[str] | None]:
    """A stored tree's imports by directory, if well-formed (else nothing)."""
    if not isinstance(value, dict):
        return {}
    for rel, imports in value.items():
        if imports is not None and not (isinstance(imports, list) and all(isinstance(i, str) for i in imports)):
            return {}
    return value


def module_packages(root: str, module_path: str) -> dict[str, str]:
    """import path -> directory of every package of the module rooted at ``root``."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if d in ("vendor", "testdata") or d[0] in "._" or os.path.islink(full):
                continue
            if os.path.exists(os.path.join(full, "go.mod")):
                continue  # a nested module: not part of this one
            keep.append(d)
        dirnames[:] = keep
        if any(f.endswith(".go") and not f.endswith("_test.go") for f in filenames):
            rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
            out[module_path if rel == "." else f"{module_path}/{rel}"] = dirpath
    return out


def locator(
    main_path: str,
    main_pkgs: dict[str, str],
    build: dict[str, str | bool | None],
    isdir: Callable[[str], bool] = os.path.isdir,
) -> Callable[[str], str | bool | None]:
    """Where a package's files are, as the go command's build would look: a main
    module package's directory; False for a package no module of ``build`` (module
    path -> source directory, or a non-string when unknown) provides; None when its
    module's source is not available here (the walk cannot tell)."""

    def locate(pkg: str) -> str | bool | None:
        if pkg in main_pkgs:
            return main_pkgs[pkg]
        if pkg == main_path or pkg.startswith(main_path + "/"):
            return False
        # The longest module path of the build list that is pkg or a prefix of it
        # ending at a '/': its prefixes, longest first.
        best, cut = None, len(pkg)
        while cut > 0:
            if pkg[:cut] in build:
                best = pkg[:cut]
                break
            cut = pkg.rfind("/", 0, cut)
        if best is None:
            return False  # no module of the build list provides it (a go.mod before go 1.17 may not list it)
        root = build[best]
        if not isinstance(root, str):
            return None
        sub = os.path.join(root, *pkg[len(best) :].split("/")) if pkg != best else root
        return sub if isdir(sub) else False

    return locate


def is_std(path: str) -> bool:
    """A standard-library import path: its first element has no dot (as cmd/go decides)."""
    return "." not in path.split("/", 1)[0]


@dataclass
class Reach:
    found: dict[str, str] = field(default_factory=dict)  # target package -> the package importing it
    unknown: set[str] = field(default_factory=set)  # modules whose source was needed and absent
    packages: int = 0


def reach(
    roots: Iterable[str],
    locate: Callable[[str], str | None | bool],
    targets: set[str],
    imports_of: Callable[[str], set[str] | None] = package_imports,
) -> Reach:
    """Walk the imports from ``roots`` (import paths) until every target package is
    found or nothing is left. ``locate(import path)`` gives the package's directory,
    None when its module's source is unavailable, False when no module provides it.
    ``imports_of(directory)`` reads a package's imports (an :class:`ImportsCache`
    shares the reads between several walks of one run)."""
    out = Reach()
    ordered = imports_of.ordered if isinstance(imports_of, ImportsCache) else None
    seen: set[str] = set()
    todo = [(r, "") for r in roots]
    while todo and out.packages < MAX_PACKAGES:
        path, importer = todo.pop()
        if path in targets and path not in out.found:
            out.found[path] = importer
            if len(out.found) == len(targets):
                break
        if path in seen or is_std(path):
            continue
        seen.add(path)
        where = locate(path)
        if where is None:
            out.unknown.add(path)
            continue
        if where is False:
            continue
        if ordered is not None:
            todo_imports: Iterable[str] = ordered(str(where))
        else:
            todo_imports = sorted(imports_of(str(where)) or ())
        out.packages += 1
        for imp in todo_imports:
            if imp not in seen or imp in targets:
                todo.append((imp, path))
    return out


_ABSENT = object()  # (a module path not in the build list)


@dataclass
class _Closure:
    """The packages reached from some packages of other modules, in one unit, with
    what their locations were decided from: valid for another unit whose build list
    gives every consulted module path the same directory (or none) and whose main
    module is none of the prefixes of the packages walked."""

    consulted: dict[str, object]  # module path -> its directory in the build list (_ABSENT: none)
    prefixes: set[str]  # every path prefix of every package walked
    unknown: set[str]
    packages: int


def _module_of(pkg: str, build: dict[str, str | bool | None]) -> tuple[list[str], str | None]:
    """(the prefixes of pkg tried, longest first, up to the first in ``build``; that one or None)."""
    tried = []
    cut = len(pkg)
    while cut > 0:
        p = pkg[:cut]
        tried.append(p)
        if p in build:
            return tried, p
        cut = pkg.rfind("/", 0, cut)
    return tried, None


def reach_modules(
    roots: Iterable[str],
    locate: Callable[[str], str | None | bool],
    targets: set[str],
    cache: ImportsCache,
    main_path: str,
    build: dict[str, str | bool | None],
) -> Reach:
    """:func:`reach` for a go.mod unit whose ``locate`` gives the main module's
    packages, False for other paths below ``main_path``, and for every other path the
    directory below the longest module path of ``build`` that prefixes it (see
    rules.toolchain). The units of a monorepo walk the same packages of other modules
    from their own main packages: that part of the walk is shared between units for
    which it is provably the same (:class:`_Closure`), when nothing is found and the
    walk stays under its bound; every other case is the plain walk."""

    def main_ish(p: str) -> bool:
        return p == main_path or p.startswith(main_path + "/")

    roots = list(roots)
    # The main module's own packages, and where the walk leaves them.
    frontier: set[str] = set()
    seen: set[str] = set()
    todo = list(roots)
    packages = 0
    while todo:
        path = todo.pop()
        if path in targets:
            return reach(roots, locate, targets, cache)
        if path in seen or is_std(path):
            continue
        seen.add(path)
        if not main_ish(path):
            frontier.add(path)
            continue
        where = locate(path)
        if not isinstance(where, str):
            continue
        packages += 1
        todo.extend(cache.ordered(where))
    if packages >= MAX_PACKAGES:
        return reach(roots, locate, targets, cache)
    key = (frozenset(frontier), frozenset(targets))
    for c in cache.closures.get(key, ()):
        if main_path not in c.prefixes and all(build.get(p, _ABSENT) == v for p, v in c.consulted.items()):
            if packages + c.packages >= MAX_PACKAGES:
                break
            return Reach({}, set(c.unknown), packages + c.packages)
    # Walk beyond the main module, recording what the locations were decided from.
    walked: set[str] = set()
    out = Reach()
    todo = sorted(frontier)
    while todo:
        path = todo.pop()
        if path in targets or packages + out.packages >= MAX_PACKAGES or main_ish(path):
            return reach(roots, locate, targets, cache)
        if path in walked or is_std(path):
            continue
        walked.add(path)
        where = locate(path)
        if where is None:
            out.unknown.add(path)
            continue
        if where is False:
            continue
        out.packages += 1
        todo.extend(cache.ordered(str(where)))
    consulted: dict[str, object] = {}
    prefixes: set[str] = set()
    for path in walked:
        tried, _ = _module_of(path, build)
        for p in tried:
            consulted[p] = build.get(p, _ABSENT)
        cut = len(path)
        while cut > 0:
            prefixes.add(path[:cut])
            cut = path.rfind("/", 0, cut)
    entries = cache.closures.setdefault(key, [])
    if len(entries) < 4:
        entries.append(_Closure(consulted, prefixes, set(out.unknown), out.packages))
    return Reach({}, out.unknown, packages + out.packages)
