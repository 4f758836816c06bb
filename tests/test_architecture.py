"""Architecture: one-way imports, no cycles, modules of one concept and moderate size.

Parses every module of ``lca/`` with :mod:`ast` and collects its imports of other
``lca`` modules -- at module level AND inside functions (a lazy import is still
an arrow). Fails on:

- an import cycle (any strongly connected group of modules);
- an import from a later layer (an arrow back up, see :data:`LAYERS`);
- an import the design forbids explicitly (:data:`FORBIDDEN`);
- a module not placed in a layer (place a new module in :data:`LAYERS`);
- a module longer than :data:`MAX_LINES` lines unless :data:`LONG_MODULES` says why;
- a module without a docstring naming its concept;
- a private name of another module used across modules (:func:`private_uses`): ``obj._name``
  where ``_name`` is defined only by classes of other modules, ``module._name`` of another
  module, ``from module import _name`` (a seam an import graph cannot see), unless
  :data:`PRIVATE_USES_ALLOWED` names the issue that removes it.

The layers follow ``docs/architecture.md``: foundations (errors, units, method
tables, files, Brightway activation, hooks), data (inventories), the solver, the
results and their writers, the calculator, the project, then what is built on a
project (supplier workbooks, product models, comparisons) and finally the shells
(CLI, demo, PACT server, the package's public API). A module imports only from its own layer
or the layers listed before it. ``lca.project`` reaches what is built on it only
through the registrations of :mod:`lca.hooks`.
"""
from __future__ import annotations

import ast
import fnmatch
import functools
from pathlib import Path

import pytest

LCA = Path(__file__).resolve().parent.parent / "lca"

# (layer, module patterns) in order: a module may import its own layer and the layers above it
LAYERS = [
    ("foundation", ["lca.errors", "lca.paths", "lca.text", "lca.vocabulary", "lca.issue_codes", "lca.issue_details", "lca.units", "lca.files", "lca.side_writes", "lca.methods", "lca.declared", "lca.hooks",
                    "lca.brightway", "lca.pedigree", "lca.scheduler", "lca.locking", "lca.csvdata", "lca.method_data",
                    "lca.state", "lca.fingerprints"]),
    ("data", ["lca.inventory", "lca.background", "lca.background.*", "lca.distributions", "lca.rules", "lca.spreads"]),
    ("solver", ["lca.engine", "lca.cache", "lca.negative_supply"]),
    ("results", ["lca.results", "lca.results_design", "lca.report", "lca.report.*", "lca.declaration", "lca.declare_messages"]),
    ("calculator", ["lca.calc"]),
    ("project", ["lca.setup", "lca.integrity", "lca.outside", "lca.additions", "lca.project"]),
    ("built on the project", ["lca.supply", "lca.supply.*", "lca.models", "lca.models.*", "lca.compare",
                              "lca.uncertainty", "lca.sensitivity", "lca.declare_values", "lca.declare_model", "lca.declare",
                              "lca.exports", "lca.exports.*", "lca.sweep", "lca.replication"]),
    ("shell", ["lca.demo", "lca.server", "lca.server.*", "lca.portal", "lca.portal.*", "lca.cli", "lca.cli.*", "lca"]),
]

# (importer patterns, imported patterns, why): arrows the layers alone would allow
FORBIDDEN = [
    (["lca.supply", "lca.supply.*", "lca.models", "lca.models.*"],
     ["lca.report", "lca.report.*", "lca.cli", "lca.cli.*", "lca.server", "lca.server.*"],
     "inputs do not write reports or call the CLI (docs/architecture.md)"),
    (["lca.report", "lca.report.*"], ["lca.results", "lca.calc", "lca.project"],
     "writers read result objects by their attributes; results.py delegates to them"),
    (["lca.project", "lca.calc"], ["lca.supply", "lca.supply.*", "lca.models", "lca.models.*", "lca.compare"],
     "the project reaches what is built on it through lca.hooks registrations"),
]

MAX_LINES = 650
# module -> why it may be longer than MAX_LINES
LONG_MODULES = {
    "lca.supply.workbook": "one concept: reading an untrusted .xlsx safely -- package checks (zip sniff, entry "
                           "count, sizes), hardened XML (no DTD or entities), the parts (content types, rels, "
                           "styles, shared strings) and the sheets streamed under one budget (_Budget, _Refusal "
                           "shared by every step); it returns the raw cell model defined at its top",
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(LCA.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@functools.lru_cache(maxsize=None)
def _parsed(path: str, text: str) -> ast.Module:
    return ast.parse(text, filename=path)


def parse(path: Path) -> ast.Module:
    """``path``'s syntax tree, parsed once per text (every test of this file walks the same trees; a
    tree is never changed by a walk)."""
    return _parsed(str(path), path.read_text(encoding="utf-8"))


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(LCA.rglob("*.py"))}


MODULES = _modules()


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(module: str) -> set[str]:
    """The ``lca`` modules ``module`` imports, anywhere in its code (module level and in functions)."""
    path = MODULES[module]
    tree = parse(path)
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "lca" or alias.name.startswith("lca."):
                    out.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node.level, node.module)
            if not (target == "lca" or target.startswith("lca.")):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in MODULES else target)
    out.discard(module)
    return out


@functools.lru_cache(maxsize=1)
def graph() -> dict[str, set[str]]:
    """Module -> the ``lca`` modules it imports (built when a test first needs it, not at collection)."""
    return {m: imports_of(m) for m in MODULES}


def _matches(module: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(module, p) for p in patterns)


def _layer(module: str) -> int | None:
    for i, (_, patterns) in enumerate(LAYERS):
        if _matches(module, patterns):
            return i
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_parser_sees_lazy_and_relative_imports():
    # the parser itself, on facts of this code base that are certain
    assert "lca.errors" in graph()["lca.results"]  # module level, relative
    assert "lca.report.pact" in graph()["lca.results"]  # inside a method (CarbonProfile.to_pact)
    assert "lca.supply.store" in graph()["lca.supply"]  # `from . import store` in a package
    assert _resolve("lca.supply.rollup", False, 2, "results") == "lca.results"
    assert _resolve("lca.supply", True, 1, None) == "lca.supply"
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    cycles = _cycles(graph())
    assert not cycles, "import cycles (module level or inside functions): " + "; ".join(
        " <-> ".join(c) for c in cycles)


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if _layer(m) is None]
    assert not missing, f"modules in no layer: {missing}; place them in LAYERS of {__file__}"


def test_no_import_back_up():
    bad = []
    for m, targets in graph().items():
        lm = _layer(m)
        for t in sorted(targets):
            lt = _layer(t)
            if lm is not None and lt is not None and lt > lm:
                bad.append(f"{m} ({LAYERS[lm][0]}) imports {t} ({LAYERS[lt][0]})")
    assert not bad, "imports from a later layer back up:\n" + "\n".join(bad)


@pytest.mark.parametrize("importers,imported,why", FORBIDDEN)
def test_no_forbidden_import(importers, imported, why):
    bad = [f"{m} imports {t}" for m, targets in graph().items() if _matches(m, importers)
           for t in sorted(targets) if _matches(t, imported)]
    assert not bad, f"{why}: " + "; ".join(bad)


def test_modules_are_of_moderate_size():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    unexplained = {m: n for m, n in long.items() if m not in LONG_MODULES}
    assert not unexplained, (f"modules over {MAX_LINES} lines: {unexplained}; split them by concept "
                             "or say in LONG_MODULES why they are one")


def test_long_module_list_is_current():
    stale = [m for m in LONG_MODULES
             if m not in MODULES or len(MODULES[m].read_text(encoding="utf-8").splitlines()) <= MAX_LINES]
    assert not stale, f"no longer long (or gone), remove from LONG_MODULES: {stale}"


def test_every_module_names_its_concept():
    missing = [m for m, p in MODULES.items()
               if p.stat().st_size and not ast.get_docstring(parse(p))]
    assert not missing, f"modules without a docstring naming their concept: {missing}"


# "module: attribute" -> the issue that removes this use of another module's private name
PRIVATE_USES_ALLOWED = {
    "lca.integrity: (expression)._add_indices": "bw2data's own SQLiteBackend._add_indices: bw2data has no public "
                                                "way to rebuild the indices a killed writer dropped (permanent)",
}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node) -> str | None:
    """``a.b.c`` of an attribute chain over a name; None for anything else (a call, a subscript)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    return None


def _class_privates(tree) -> set[str]:
    """Private names a module's classes define: methods, class attributes, ``self._x = ...``."""
    names: set[str] = set()
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for node in ast.walk(cls):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = node.name
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                name = node.id
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                name = node.attr
            else:
                continue
            if _is_private(name):
                names.add(name)
    return names


def _module_aliases(module: str, path: Path, tree, modules) -> dict[str, str]:
    """Local names bound to modules of ``modules`` by the imports of ``module`` (``store`` -> ``lca.supply.store``)."""
    is_package = path.name == "__init__.py"
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    out[alias.asname or alias.name] = alias.name
                if not alias.asname:  # `import lca.supply.store` binds `lca`
                    top = alias.name.split(".")[0]
                    if top in modules:
                        out.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    out[alias.asname or alias.name] = f"{target}.{alias.name}"
    return out


def private_uses(modules: dict[str, Path]) -> list[tuple[str, str, str]]:
    """Uses of another module's private names: ``(module:line, "module: expression", whose)``.

    With :mod:`ast`, per module: (1) ``from other import _name``; (2) ``mod._name`` where
    ``mod`` is bound to another module of ``modules``; (3) ``obj._name`` (``obj`` not
    ``self``/``cls``) where ``_name`` is defined by classes of other modules only (a method,
    a class attribute or a ``self._name = ...``): the object is another module's; (4)
    ``obj._name`` where no module defines ``_name`` at all: another package's private, or a
    private name that was renamed away (a call that fails only when it runs). Dunder names are
    public protocol, not private.
    """
    trees = {m: parse(p) for m, p in modules.items()}
    privates = {m: _class_privates(tree) for m, tree in trees.items()}
    anywhere = {n for names in privates.values() for n in names} | {
        name for tree in trees.values() for node in ast.walk(tree)
        for name in ([node.name] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     else [node.id] if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) else [])
        if _is_private(name)}
    out = []
    for m, tree in trees.items():
        aliases = _module_aliases(m, modules[m], tree, modules)
        elsewhere = {n for k, names in privates.items() if k != m for n in names} - privates[m]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(m, modules[m].name == "__init__.py", node.level, node.module)
                for alias in node.names:
                    if target in modules and target != m and _is_private(alias.name):
                        out.append((f"{m}:{node.lineno}", f"{m}: from {target} import {alias.name}", target))
                continue
            if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
                continue
            base = _dotted(node.value)
            if base in ("self", "cls"):
                continue
            head, _, rest = (base or "").partition(".")
            owner = aliases[head] + ("." + rest if rest else "") if head in aliases else None
            if owner in modules:
                if owner != m:
                    out.append((f"{m}:{node.lineno}", f"{m}: {base}.{node.attr}", owner))
            elif node.attr in elsewhere:
                whose = ", ".join(sorted(k for k, names in privates.items() if k != m and node.attr in names))
                out.append((f"{m}:{node.lineno}", f"{m}: {base or '(expression)'}.{node.attr}", whose))
            elif node.attr not in anywhere:  # another package's private, or a private name that is gone
                out.append((f"{m}:{node.lineno}", f"{m}: {base or '(expression)'}.{node.attr}",
                            "nothing in lca: a name that is gone, or another package's private"))
    return out


@functools.lru_cache(maxsize=1)
def _private_uses_of_lca() -> tuple:
    return tuple(private_uses(MODULES))


def test_no_private_name_of_another_module_is_used():
    bad = [f"{where} uses {use.split(': ', 1)[1]} (private to {whose})" for where, use, whose in _private_uses_of_lca()
           if use not in PRIVATE_USES_ALLOWED]
    assert not bad, ("private names of other modules used across modules (make them public, or pass "
                     "what is needed explicitly):\n" + "\n".join(bad))


def test_the_private_use_allow_list_is_current():
    found = {use for _, use, _ in _private_uses_of_lca()}
    stale = sorted(set(PRIVATE_USES_ALLOWED) - found)
    assert not stale, f"no longer used, remove from PRIVATE_USES_ALLOWED: {stale}"


def test_the_private_use_rule_fails_on_a_planted_private_access(tmp_path):
    pkg = tmp_path / "lca"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""p."""\n')
    (pkg / "sub" / "__init__.py").write_text('"""s."""\n')
    (pkg / "store.py").write_text(
        '"""Owner."""\n_CACHE = {}\n\n\ndef _helper():\n    return 1\n\n\n'
        'class Store:\n    def __init__(self):\n        self._rows = []\n\n    def _save(self):\n'
        '        self._rows.append(1)\n        _helper()\n\n    def __len__(self):\n        return 0\n')
    (pkg / "sub" / "user.py").write_text(
        '"""User."""\nfrom .. import store\nfrom ..store import Store, _helper\n\n\n'
        'def use(s: Store, other):\n    s._save()\n    store._CACHE.clear()\n    other._rows.append(2)\n'
        '    n = s.__len__()\n    return s.public, other._own, n\n\n\n'
        'class Mine:\n    def __init__(self):\n        self._own = 1\n        self._save = None\n')
    (pkg / "clean.py").write_text('"""Clean."""\nimport lca.store\n\n\ndef f(s):\n    return len(s), s.rows\n')
    planted = {_module_name_in(p, tmp_path): p for p in sorted(pkg.rglob("*.py"))}
    uses = sorted(use for _, use, _ in private_uses(planted))
    assert uses == ["lca.sub.user: from lca.store import _helper", "lca.sub.user: other._rows",
                    "lca.sub.user: store._CACHE"], uses
    # s._save is not flagged: lca.sub.user's own class defines _save too (it may be its object);
    # dunder names and self._x are never flagged; the clean module has nothing
    (pkg / "sub" / "user.py").write_text('"""User."""\nimport lca.store\n\n\ndef use(s):\n'
                                         '    return lca.store._CACHE, s._save(), s._renamed_away()\n')
    uses = sorted(use for _, use, _ in private_uses(planted))
    assert uses == ["lca.sub.user: lca.store._CACHE", "lca.sub.user: s._renamed_away", "lca.sub.user: s._save"], uses


def _module_name_in(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_map() -> str:
    """The module map of ``docs/architecture.md``: each layer's modules with their first docstring line."""
    out = []
    for layer, patterns in LAYERS:
        out.append(f"\n### {layer}\n\n| module | concept |\n|---|---|")
        for module, path in MODULES.items():
            if _matches(module, patterns):
                doc = ast.get_docstring(parse(path)) or ""
                first = (doc.splitlines() or [""])[0].replace("|", "\\|")
                out.append(f"| `{module}` | {first} |")
    return "\n".join(out) + "\n"


DOC = LCA.parent / "docs" / "architecture.md"
MAP_START, MAP_END = "<!-- module map: python tests/test_architecture.py -->", "<!-- end of module map -->"


def test_docs_architecture_lists_every_module_as_it_is():
    text = DOC.read_text(encoding="utf-8")
    current = text[text.index(MAP_START) + len(MAP_START):text.index(MAP_END)]
    assert current.strip() == module_map().strip(), (
        "docs/architecture.md's module map is stale: run `python tests/test_architecture.py` to rewrite it")


if __name__ == "__main__":  # rewrite the module map of docs/architecture.md
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(MAP_START)
    tail = rest.split(MAP_END)[1]
    DOC.write_text(head + MAP_START + "\n" + module_map() + "\n" + MAP_END + tail, encoding="utf-8")
    print(f"wrote {DOC}")

