"""The import graph keeps its layers (ARCHITECTURE.md): kernel below the stages, the application above.

Read from the source (every ``import`` statement, also inside functions), so an arrow drawn the wrong
way fails here before it becomes a circle:

* the kernel (records, config, settings, errors, registry, privacy, io, importer, pipeline, storage,
  storm, vocabulary, users, statistics) imports no stage and no application module; it reaches the
  stages only through the registries' module names (settings, record kinds, pipeline stages);
* a stage imports no application module (command line, commands, web, scheduler);
* nobody imports another package's private names (``from x import _y``) — the seam between two
  packages is their public functions;
* no stage loads another package by a string (``__import__``), which hid the edges before.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("crawlers", "nlp", "clustering", "alerts", "event_calendar", "case_library", "governance",
          "rendering", "assessment", "briefings", "dispatch", "enterprise", "desk")
KERNEL = ("yuqing.records", "yuqing.config", "yuqing.settings", "yuqing.errors", "yuqing.registry",
          "yuqing.privacy", "yuqing.io", "yuqing.importer", "yuqing.pipeline", "yuqing.storage",
          "yuqing.storm", "yuqing.vocabulary", "yuqing.users", "yuqing.statistics")
#: the application: composes the stages (deployment.roles runs them as processes)
APPLICATION = ("yuqing.app.cli", "yuqing.__main__", "yuqing.app.commands", "yuqing.app.web", "yuqing.app.scheduler",
               "yuqing.app.config_template", "deployment.roles")
PACKAGES = ("yuqing", "deployment") + STAGES


def _within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree):
    """``(imported module, [names], line)`` for every absolute import of the project's packages."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in PACKAGES:  # ``from yuqing import records``: the module is yuqing.records
                for alias in node.names:
                    yield f"{node.module}.{alias.name}", [], node.lineno
            elif node.module.split(".")[0] in PACKAGES:
                yield node.module, [a.name for a in node.names], node.lineno


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
             for imported in names if imported.startswith("_") and not imported.startswith("__")]
    assert wrong == []


def test_no_stage_loads_a_package_by_a_string():
    wrong = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for name, path, tree in MODULES if name.split(".")[0] in STAGES
             for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__"]
    assert wrong == []
