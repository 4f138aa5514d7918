"""Trained model versions and which one the engine uses (``nlp.models.registry``).

``yuqing train`` writes every candidate as a complete models folder (the four tasks, the retrained
one new, the others copied from what the engine used; and, for sentiment and requests, the tuned top
retrained with the corrections in ``tuned-top/``, else the base version's own top if it had one) under
``<registry>/<version>/``, with the
promotion gate's table in ``<registry>/<version>/GATE.json``. ``<registry>/CURRENT`` names the
promoted version; ``<registry>/history.jsonl`` keeps every promotion and every explicit choice
(``yuqing models use``), with who and when.

Which models the analyser loads: ``nlp.models.dir`` when set (an explicit folder wins), else the
promoted version of the registry, else the models bundled in ``nlp/models``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Optional

from nlp.classify.task import MODELS_DIR, TASKS, TaskModel, content_version
from yuqing.errors import InputError
from yuqing.records import DEFAULT_TZ

CURRENT = "CURRENT"
HISTORY = "history.jsonl"
BUNDLED = "bundled"
_VERSION = re.compile(r"^v\d{8}-\d{6}(-\d+)?-[a-z]+$")


def registry_dir(config) -> Path:
    return config.resolve_path("nlp.models.registry")


def current_version(registry: Path) -> Optional[str]:
    """The promoted version's name, or ``None`` (the bundled models are used)."""
    path = registry / CURRENT
    if not path.exists():
        return None
    name = path.read_text(encoding="utf-8").strip()
    if name == BUNDLED or not name:
        return None
    if not _VERSION.match(name) or not (registry / name).is_dir():
        raise InputError(f"{path}: names {name!r}, which is not a model version in {registry}; "
                         f"run `yuqing models use bundled` or `yuqing models use VERSION`")
    return name


def models_dir(config) -> Optional[Path]:
    """The folder the analyser loads the task models from (``None``: the bundled ones)."""
    if config["nlp.models.dir"]:
        return config.resolve_path("nlp.models.dir")
    registry = registry_dir(config)
    name = current_version(registry)
    return registry / name if name else None


def folder_of(registry: Path, version: str) -> Path:
    """A version's folder (``bundled`` → the bundled models); an error naming the choices otherwise."""
    if version == BUNDLED:
        return MODELS_DIR
    if _VERSION.match(version) and (registry / version).is_dir():
        return registry / version
    known = ", ".join(v["version"] for v in versions(registry)) or "none yet"
    raise InputError(f"no model version {version!r} in {registry} (known: bundled, {known})")


def versions(registry: Path) -> list[dict]:
    """Every trained version, oldest first: ``{"version", "task", "created", "passed", "current", "gate",
    "tuned_top"}`` (``tuned_top``: the version of the top it carries, None when it runs the install's)."""
    from nlp.backbone.tuned import version_top_name

    if not registry.is_dir():
        return []
    current = current_version(registry)
    found = []
    for folder in sorted(p for p in registry.iterdir() if p.is_dir() and _VERSION.match(p.name)):
        gate_path = folder / "GATE.json"
        gate = json.loads(gate_path.read_text(encoding="utf-8")) if gate_path.exists() else {}
        found.append({"version": folder.name, "task": folder.name.rsplit("-", 1)[-1],
                      "created": gate.get("created"), "passed": gate.get("passed"),
                      "current": folder.name == current, "gate": gate.get("rows", []),
                      "tuned_top": version_top_name(folder)})
    return found


def new_candidate(registry: Path, base: Optional[Path], model: TaskModel, *, top: Optional[Path] = None) -> Path:
    """A new version folder: ``model`` for its task, the other tasks copied from ``base``.

    ``top``: a folder holding a tuned top trained for this version (moved in as its
    ``tuned-top``); without one, the base version's own top, if it has one, is copied, so the
    version answers as its base did on everything it did not retrain."""
    from nlp.backbone.tuned import TOP_DIR, version_top

    registry.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(DEFAULT_TZ).strftime("%Y%m%d-%H%M%S")
    name, n = f"v{stamp}-{model.name}", 1
    while (registry / name).exists():
        n += 1
        name = f"v{stamp}-{n}-{model.name}"
    tmp = registry / f".{name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    source = base or MODELS_DIR
    for task in TASKS:
        if task == model.name:
            continue
        shutil.copytree(source / task, tmp / task)
        meta_path = tmp / task / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta.setdefault("version", content_version(source / task))  # a copy keeps the version it had
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    model.meta["version"] = name
    model.save(tmp / model.name)
    if top is not None:
        os.replace(top, tmp / TOP_DIR)
    elif version_top(base) is not None:
        shutil.copytree(base / TOP_DIR, tmp / TOP_DIR)
    os.replace(tmp, registry / name)  # a reader never sees half a version
    return registry / name


def promote(registry: Path, version: str, *, who: str, reason: str) -> None:
    """Make ``version`` (or ``bundled``) the one the engine uses; the choice goes into the history."""
    folder_of(registry, version)  # refuses an unknown version
    registry.mkdir(parents=True, exist_ok=True)
    tmp = registry / f".{CURRENT}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, registry / CURRENT)
    entry = {"at": datetime.now(DEFAULT_TZ).isoformat(timespec="seconds"), "version": version, "who": who,
             "reason": reason}
    with open(registry / HISTORY, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
