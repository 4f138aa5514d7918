"""The durable spool, opening a store from the configuration, and SQLite under threads."""
import threading

import pytest

from yuqing.config import load_config
from yuqing.errors import StoreError, StoreUnavailable
from yuqing.storage import open_store
from yuqing.storage.spool import DocumentSpool
from yuqing.storage.synthetic import make_docs


def test_spool_keeps_a_file_until_every_document_was_sent(tmp_path):
    spool = DocumentSpool(tmp_path / "spool")
    docs = make_docs(25)
    spool.append(docs[:10])
    spool.append(docs[10:])
    assert spool.pending() == 25

    def node_down(batch):
        raise StoreUnavailable("down")

    with pytest.raises(StoreUnavailable):
        spool.drain(node_down, batch_size=10)
    assert spool.pending() == 25  # nothing acknowledged, nothing dropped
    spool.append(make_docs(5, first=100))  # appends during an outage go to a fresh file
    sent = []
    assert spool.drain(lambda batch: sent.extend(batch), batch_size=10) == 30
    assert [d.id for d in sent] == [d.id for d in docs + make_docs(5, first=100)]
    assert spool.pending() == 0 and not list((tmp_path / "spool").glob("*.jsonl"))


def test_spool_skips_a_torn_last_line_from_a_crash(tmp_path):
    spool = DocumentSpool(tmp_path)
    spool.append(make_docs(3))
    with open(next(tmp_path.glob("spool-*.jsonl")), "ab") as handle:
        handle.write(b'{"id": "half-writ')  # the process died mid-append: never acknowledged
    sent = []
    spool.drain(sent.extend)
    assert len(sent) == 3


def test_open_store_from_config_picks_the_backend(tmp_path, es_node):
    sqlite = open_store(load_config(None, [f"store.path={tmp_path / 'a' / 'x.sqlite'}"]))
    assert sqlite.name == "sqlite" and (tmp_path / "a" / "x.sqlite").exists()
    sqlite.close()
    config = load_config(None, ["store.backend=elasticsearch", f"store.path={tmp_path / 'b' / 'x.sqlite'}",
                                f"store.elasticsearch.hosts=[{es_node}]", "store.elasticsearch.index_prefix=cfgtest"])
    es = open_store(config)
    try:
        assert es.name == "elasticsearch" and es.health()["ok"] is True
        assert es.spool.directory.parent == tmp_path / "b"  # the spool lives beside store.path
    finally:
        es.delete_indices()
        es.close()


def test_unreachable_node_reads_fail_with_a_clear_error(tmp_path):
    from es_node import free_port
    from yuqing.storage.elastic import ElasticsearchStore

    store = ElasticsearchStore([f"http://127.0.0.1:{free_port()}"], spool_dir=tmp_path, request_timeout=2)
    try:
        with pytest.raises(StoreUnavailable, match="unreachable.*store.elasticsearch.hosts"):
            store.search("暴雨")
        assert store.put_documents(make_docs(3)).inserted == 3  # accepted into the spool
        assert store.health()["spooled"] == 3 and store.health()["ok"] is False
    finally:
        store.close()


def test_sqlite_store_is_safe_across_threads(sqlite_store):
    errors = []

    def write(first):
        try:
            for start in range(first, first + 400, 50):
                sqlite_store.put_documents(make_docs(50, first=start))
                sqlite_store.search("暴雨")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i * 400,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sqlite_store.count_documents() == 1600


def test_a_newer_schema_is_refused(tmp_path):
    import sqlite3

    from yuqing.storage.sqlite import SQLiteStore

    SQLiteStore(tmp_path / "s.sqlite").close()
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        SQLiteStore(tmp_path / "s.sqlite")


def test_analysis_stored_before_its_document_still_filters(store, make_pairs):
    doc, analysis = make_pairs(1)[0]
    store.put_analyses([analysis])
    store.put_documents([doc])
    store.flush()
    assert store.count_by("street") == {analysis.location.street: 1}
    assert store.search("", street=analysis.location.street).total == 1
    assert store.documents_without_analysis() == []
