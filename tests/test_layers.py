"""The import graph keeps its layers (ARCHITECTURE.md): kernel below the stages, the application above.

Read from the source (every ``import`` statement, also inside functions), so an arrow drawn the wrong
way fails here before it becomes a circle:

* the kernel (records, config, settings, errors, registry, privacy, io, importer, pipeline, storage,
  storm, vocabulary, users, statistics) imports no stage and no application module; it reaches the
  stages only through the registries' module names (settings, record kinds, pipeline stages);
* a stage imports no application module (command line, commands, web, scheduler);
* nobody imports another package's private names (``from x import _y``) — the seam between two
  packages is their public functions;
* no stage loads another package by a string (``__import__``), which hid the edges before;
* no two modules import each other, directly or around a circle: neither could be read, tested or
  loaded without the other, and moving one import to the top of a module could break the start-up;
* the stages keep the order data flows through them (:data:`ORDER`): a stage imports earlier stages
  and the shared services (:data:`SERVICES`, which import no stage), a peer of its own rank when no
  circle follows, and of a later stage only its record models (``records``, which import nothing but
  the kernel).

``from package import module`` is read as an import of that module, as Python runs it: the package's
``__init__`` is not the edge (reading it so drew circles through every package that re-exports).
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx  # installed with torch, an install requirement

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("crawlers", "nlp", "clustering", "alerts", "event_calendar", "case_library", "governance",
          "rendering", "assessment", "briefings", "dispatch", "enterprise", "desk")
KERNEL = ("yuqing.records", "yuqing.config", "yuqing.settings", "yuqing.errors", "yuqing.registry",
          "yuqing.privacy", "yuqing.io", "yuqing.importer", "yuqing.pipeline", "yuqing.storage",
          "yuqing.storm", "yuqing.vocabulary", "yuqing.users", "yuqing.statistics")
#: the application: composes the stages (deployment.roles runs them as processes)
APPLICATION = ("yuqing.app", "yuqing.__main__", "deployment.roles")
PACKAGES = ("yuqing", "deployment") + STAGES
#: the stages in the order data flows through them; the stages of one rank are peers
ORDER = (("crawlers",), ("nlp",), ("clustering",), ("event_calendar", "case_library"), ("alerts",),
         ("dispatch", "desk", "assessment", "briefings", "enterprise"))
#: shared services any stage may use; they import no ordered stage
SERVICES = ("governance", "rendering", "deployment")
RANK = {package: rank for rank, peers in enumerate(ORDER) for package in peers}


def _within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _paths():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


NAMES = {name for name, _ in _paths()}


def _modules():
    for name, path in _paths():
        yield name, path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree):
    """``(imported module, [names], line)`` for every absolute import of the project's packages.

    ``from yuqing.storage import textindex`` imports the module ``yuqing.storage.textindex``; the other
    names of a ``from`` import are the module's own (a function, a class, a constant).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            names = []
            for alias in node.names:
                if f"{node.module}.{alias.name}" in NAMES or node.module in PACKAGES:
                    yield f"{node.module}.{alias.name}", [], node.lineno
                else:
                    names.append(alias.name)
            if names:
                yield node.module, names, node.lineno


def _owner(target: str):
    """The module an imported name lives in: ``a.b.C`` → ``a.b``; ``None`` outside the project."""
    while target not in NAMES:
        if "." not in target:
            return None
        target = target.rsplit(".", 1)[0]
    return target


MODULES = list(_modules())


def test_the_graph_is_read():
    names = {name for name, _, _ in MODULES}
    assert {"yuqing.records", "alerts.stage", "yuqing.app.web.app", "desk.board"} <= names
    edges = [(name, target) for name, _, tree in MODULES for target, _, _ in _imports(tree)]
    assert ("alerts.stage", "yuqing.storm") in edges and len(edges) > 500


def test_the_kernel_imports_no_stage_and_no_application():
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {target}"
             for name, path, tree in MODULES if _within(name, KERNEL)
             for target, _, line in _imports(tree)
             if not _within(target, KERNEL)]
    assert wrong == []


def test_stages_import_no_application_module():
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {target}"
             for name, path, tree in MODULES if name.split(".")[0] in STAGES
             for target, _, line in _imports(tree)
             if _within(target, APPLICATION)]
    assert wrong == []


def test_no_package_imports_another_packages_private_names():
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {target}.{imported}"
             for name, path, tree in MODULES
             for target, names, line in _imports(tree)
             if target.split(".")[0] != name.split(".")[0]
             for imported in [*names, *target.split(".")[1:]]
             if imported.startswith("_") and not imported.startswith("__")]
    assert wrong == []


def test_no_stage_loads_a_package_by_a_string():
    wrong = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for name, path, tree in MODULES if name.split(".")[0] in STAGES
             for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__"]
    assert wrong == []


def _graph() -> nx.DiGraph:
    """Module → module for every import, also inside functions (a late import is still a dependency)."""
    graph = nx.DiGraph()
    for name, path, tree in MODULES:
        graph.add_node(name)
        for target, _, line in _imports(tree):
            owner = _owner(target)
            if owner and owner != name:
                graph.add_edge(name, owner)
                graph[name][owner].setdefault("where", f"{path.relative_to(ROOT)}:{line}")
    return graph


def _circles(graph: nx.DiGraph) -> list[str]:
    """Each circle of ``graph`` as one line: its members, and where each of its arrows is drawn."""
    found = []
    for group in nx.strongly_connected_components(graph):
        if len(group) > 1:
            arrows = sorted(f"{a} -> {b} ({graph[a][b]['where']})" for a in group for b in graph[a] if b in group)
            found.append(f"{', '.join(sorted(group))}: {'; '.join(arrows)}")
    return sorted(found)


def _package(module: str) -> str:
    return module.split(".")[0]


def _later(name: str, target: str) -> bool:
    """Whether ``name`` importing ``target`` goes against the order (records of a later stage are fine)."""
    importer, imported = _package(name), _package(target)
    if importer == imported or imported not in RANK or target.split(".")[-1] == "records":
        return False
    if importer in SERVICES:
        return True
    return importer in RANK and RANK[imported] > RANK[importer]


def _ordered(name: str) -> bool:
    """A module the order applies to: of a stage or a shared service, not of the application."""
    return not _within(name, APPLICATION) and _package(name) in RANK.keys() | set(SERVICES)


def test_no_module_is_part_of_an_import_circle():
    assert _circles(_graph()) == []


def test_every_stage_has_a_place_in_the_order():
    placed = [package for peers in ORDER for package in peers] + list(SERVICES)
    assert sorted(placed) == sorted(STAGES + ("deployment",)) and len(placed) == len(set(placed))


def test_a_stage_imports_no_later_stage_but_its_records():
    wrong = [f"{path.relative_to(ROOT)}:{line} ({_package(name)}) imports {owner} ({_package(owner)})"
             for name, path, tree in MODULES if _ordered(name)
             for target, _, line in _imports(tree)
             for owner in [_owner(target) or target]
             if _later(name, owner)]
    assert wrong == []


def test_peer_stages_import_each_other_without_a_circle():
    """Stages of one rank may use each other's public functions, but never both ways round."""
    packages = nx.DiGraph()
    for name, path, tree in MODULES:
        if not _ordered(name):
            continue
        for target, _, line in _imports(tree):
            owner = _owner(target) or target
            if (_package(owner) != _package(name) and _ordered(owner) and owner.split(".")[-1] != "records"):
                packages.add_edge(_package(name), _package(owner))
                packages[_package(name)][_package(owner)].setdefault("where", f"{path.relative_to(ROOT)}:{line}")
    assert _circles(packages) == []


def test_record_models_import_only_the_kernel():
    """What makes a later stage's ``records`` safe to import: it reaches nothing but the kernel."""
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {target}"
             for name, path, tree in MODULES if name.split(".")[-1] == "records" and not _within(name, KERNEL)
             for target, _, line in _imports(tree) if not _within(target, KERNEL)]
    assert wrong == []
