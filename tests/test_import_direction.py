"""The package's import graph, read from the source with ``ast``: the core never
imports upward, and no two modules import each other (directly or round a loop).

Every import counts: module level, inside functions (the lazy imports that keep the
hook fast), and under ``if TYPE_CHECKING:`` (a type-only import is still a
dependency of the module's meaning, and the loop it closes shows up as soon as
someone moves it out of the guard).

Layers: the core is ``gozt_lint/`` except ``gozt_lint/rules/``, ``gozt_lint/cli.py``,
``gozt_lint/commands.py`` and ``gozt_lint/__main__.py``; above it sit the rule
families, the CLI (cli, commands, ``__main__``) and the language server (``lsp/``,
installed as ``gozt_lint.lsp``). The core imports none of them; the registry loads a
family module by name (``importlib``) when a run selects that family, which is the
one way down-to-up the design allows.

Packages: ``import a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first, but the edge
counted is the one to ``a.b.c`` (the module whose names are used). An edge from a
package's ``__init__`` to its own submodules is not counted: a package that
re-exports its parts is one unit, and Python initialises it before the parts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"gozt_lint": ROOT / "gozt_lint", "lsp": ROOT / "lsp"}
FACES = ("gozt_lint.cli", "gozt_lint.commands", "gozt_lint.__main__")


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package __init__)."""
    out: dict[str, tuple[Path, bool]] = {}
    for pkg, base in PACKAGES.items():
        for p in sorted(base.rglob("*.py")):
            parts = [pkg, *p.relative_to(base).with_suffix("").parts]
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts.pop()
            out[".".join(parts)] = (p, is_pkg)
    return out


MODULES = _modules()


def _canonical(name: str) -> str | None:
    """The module of ours an imported name refers to (its longest known prefix)."""
    if name == "gozt_lint.lsp" or name.startswith("gozt_lint.lsp."):
        name = "lsp" + name[len("gozt_lint.lsp") :]
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    path, is_pkg = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_pkg:
                    base.pop()
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names.add(target)
            # `from pkg import sub` imports the submodule pkg.sub.
            names.update(f"{target}.{a.name}" for a in node.names)
    out = set()
    for n in names:
        c = _canonical(n)
        if c is None or c == module:
            continue
        if is_pkg and c.startswith(module + "."):
            continue  # a package's __init__ and its own parts: see the docstring
        out.add(c)
    return out


GRAPH = {m: _imports(m) for m in MODULES}


def _is_core(module: str) -> bool:
    return module.startswith("gozt_lint") and not (
        module == "gozt_lint.rules" or module.startswith("gozt_lint.rules.") or module in FACES
    )


def _is_upward(target: str) -> bool:
    return (
        target == "gozt_lint.rules"
        or target.startswith("gozt_lint.rules.")
        or target in ("gozt_lint.cli", "gozt_lint.commands")
        or target == "lsp"
        or target.startswith("lsp.")
    )


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    scc = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        scc.append(w)
                        if w == v:
                            break
                    if len(scc) > 1:
                        out.append(sorted(scc))
    return out


def test_the_graph_is_read() -> None:
    # Guards the reader itself: known edges of each kind must be found, or the
    # checks below would pass on an empty graph.
    assert "gozt_lint.registry" in GRAPH["gozt_lint.engine"]  # module level
    assert "gozt_lint.engine" in GRAPH["gozt_lint.cli"]  # inside a function
    assert "gozt_lint.context" in GRAPH["gozt_lint.goenv"] or "gozt_lint.finding" in GRAPH["gozt_lint.goenv"]
    assert "lsp.place" in GRAPH["lsp.server"] or any(m.startswith("lsp.") for m in GRAPH["lsp.server"])
    assert "gozt_lint.sumdb.tlog" in GRAPH["gozt_lint.sumdb.client"]  # `from pkg import sub`
    assert len(MODULES) > 60


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _is_core(m)))
def test_core_never_imports_upward(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if _is_upward(t))
    assert not upward, f"{module} (core) imports {upward}: move the code it needs into the core"


def test_no_import_cycles() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles (lazy and TYPE_CHECKING imports count): " + "; ".join(" <-> ".join(c) for c in cycles)


def test_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
