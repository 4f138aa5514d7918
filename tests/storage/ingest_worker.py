"""Ingest synthetic documents batch by batch, printing a line per batch (run by the kill -9 test).

    python ingest_worker.py sqlite PATH N BATCH
    python ingest_worker.py elasticsearch URL,PREFIX,SPOOL_DIR N BATCH
"""
import json
import sys


def open_store(backend: str, target: str):
    if backend == "sqlite":
        from yuqing.storage.sqlite import SQLiteStore
        return SQLiteStore(target)
    from yuqing.storage.elastic import ElasticsearchStore
    url, prefix, spool = target.split(",")
    return ElasticsearchStore([url], index_prefix=prefix, spool_dir=spool)


def main() -> None:
    from yuqing.storage.synthetic import make_docs

    backend, target, n, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = open_store(backend, target)
    inserted = duplicates = 0
    for first in range(0, n, batch):
        result = store.put_documents(make_docs(min(batch, n - first), first=first))
        inserted += result.inserted
        duplicates += result.duplicates
        print(json.dumps({"done": first + batch}), flush=True)
    store.flush()
    store.close()
    print(json.dumps({"inserted": inserted, "duplicates": duplicates}), flush=True)


if __name__ == "__main__":
    main()
