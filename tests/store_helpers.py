"""Opening a fresh store of either backend for a test (shared by the fixtures and module-scoped data)."""
from __future__ import annotations

import uuid
from pathlib import Path


def open_test_store(backend: str, directory: Path, request):
    """A fresh store of ``backend`` (a new SQLite file, or a new index prefix), and its clean-up."""
    if backend == "sqlite":
        from yuqing.storage.sqlite import SQLiteStore

        store = SQLiteStore(directory / "store.sqlite")
        return store, store.close
    from yuqing.storage.elastic import ElasticsearchStore

    url = request.getfixturevalue("es_node")
    store = ElasticsearchStore([url], index_prefix=f"test-{uuid.uuid4().hex[:10]}", spool_dir=directory,
                               retry_max_seconds=2.0)

    def clean():
        try:
            store.delete_indices()
        finally:
            store.close()
    return store, clean
