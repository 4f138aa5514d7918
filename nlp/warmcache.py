"""What `yuqing analyze` builds at every start, built once and kept on disk.

jieba's prefix dictionary with the engine's words added (575,000 entries: jieba's own cache, then
45,000 ``add_word`` calls) and the gazetteer's tables (45,700 divisions parsed from a gzipped TSV, its
aliases checked against jieba's dictionary) cost about 2.5 s of each start on an AVX2 EPYC; the
linear models' compressed ``.npz`` files another 0.6 s to inflate. Each is
kept as one ``marshal`` file under ``$YUQING_WARM_CACHE`` (default ``~/.cache/yuqing/warm``),
named by a key over everything they are built from: the inputs' paths, sizes and modification
times, the settings that shape them, jieba's and Python's versions and :data:`FORMAT` (raised when the
building code changes). A missing, stale or unreadable file is rebuilt and rewritten (atomically); a
cache that cannot be written only costs the build. ``marshal`` is what jieba's own cache uses; the
folder is the user's, like ``/tmp/jieba.cache``.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, TypeVar

log = logging.getLogger(__name__)

FORMAT = 1
T = TypeVar("T")


def folder() -> Path:
    """``$YUQING_WARM_CACHE`` or ``~/.cache/yuqing/warm``."""
    env = os.environ.get("YUQING_WARM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "yuqing" / "warm"


def key(parts: Iterable[object]) -> str:
    """A key over ``parts``: a :class:`~pathlib.Path` counts by path, size and modification time
    (a missing file by its path alone), anything else by its ``repr``."""
    digest = hashlib.sha256(f"{FORMAT}|{sys.version_info[:2]}|".encode())
    for part in parts:
        if isinstance(part, Path):
            try:
                stat = part.stat()
                part = f"{part.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
            except OSError:
                part = f"{part}|missing"
        digest.update(repr(part).encode("utf-8") + b"\0")
    return digest.hexdigest()[:20]


def _touch(path: Path) -> None:
    """Mark a kept file used now (at most hourly), so pruning removes the unused ones, not the file a
    long-running service reads at every start."""
    try:
        if time.time() - path.stat().st_mtime > 3600:
            os.utime(path)
    except OSError:
        pass  # a read-only cache still serves


def cached(name: str, parts: Iterable[object], build: Callable[[], T], dump: Callable[[T], object],
           load: Callable[[object], T]) -> T:
    """``load(state)`` of the state kept under ``name`` and the key of ``parts``, or ``build()`` (its
    ``dump`` then kept for next time). ``dump`` returns what ``marshal`` can write (dicts, lists,
    tuples, sets, strings, numbers)."""
    if os.environ.get("YUQING_WARM_CACHE") == "off":
        return build()
    path = folder() / f"{name}-{key(parts)}.marshal"
    try:
        # one read, then loads: marshal.load on a file object reads each object's bytes through a
        # separate method call, 3-4x slower (1.7 s against 0.5 s for jieba's 11 MB on an AVX2 EPYC)
        value = load(marshal.loads(path.read_bytes()))
        _touch(path)
        return value
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a torn or foreign file: rebuild it
        log.warning("rebuilding %s: the kept copy %s could not be read (%s)", name, path, exc)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        with open(tmp, "wb") as handle:
            marshal.dump(dump(value), handle)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{name}-*.marshal"):  # other keys unused for a day: inputs changed
            if old != path and time.time() - old.stat().st_mtime > 86400:
                old.unlink(missing_ok=True)
    except (OSError, ValueError) as exc:
        log.warning("could not keep %s in %s (%s): it is built at every start", name, path, exc)
    return value
