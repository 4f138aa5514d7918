"""Storage behind one interface (:class:`~yuqing.storage.base.Store`), two real backends.

``open_store(config)`` picks the backend named by ``store.backend``: ``sqlite`` (embedded default,
:mod:`yuqing.storage.sqlite`) or ``elasticsearch`` (:mod:`yuqing.storage.elastic`).
"""
from __future__ import annotations

from yuqing.storage.base import KINDS, Hit, Kind, PutResult, Range, SearchResult, Store, Versioned, register_kind

__all__ = ["KINDS", "Hit", "Kind", "PutResult", "Range", "SearchResult", "Store", "Versioned", "register_kind",
           "open_store"]


def open_store(config) -> Store:
    """The configured store, opened (schema and index templates created on first use)."""
    from pathlib import Path

    backend = config["store.backend"]
    # the SQLite file, and for Elasticsearch the local spool, live in store.path's folder
    Path(config["store.path"]).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if backend == "elasticsearch":
        from yuqing.storage.elastic import ElasticsearchStore
        return ElasticsearchStore.from_config(config)
    from yuqing.storage.sqlite import SQLiteStore
    return SQLiteStore.from_config(config)
