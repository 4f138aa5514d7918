"""Work distribution on a real Redis Stream: two analyser processes, each document analysed once."""
from __future__ import annotations

import signal
import uuid

import pytest

from deploy_helpers import wait_until
from deployment.connection import Keys
from deployment.streams import GROUP, AnalyzeWorker, DocumentStream, PublishingStore, SweepStage
from yuqing.config import load_config

KEYS = Keys("yuqing")


@pytest.fixture(params=["sqlite", "elasticsearch"])
def shared(request, tmp_path, deployment_config):
    """``(config path, store)``: a store the test and the role processes share."""
    if request.param == "sqlite":
        from yuqing.storage.sqlite import SQLiteStore

        config = deployment_config()
        store = SQLiteStore(tmp_path / "store.sqlite")
        yield config, store
        store.close()
        return
    from yuqing.storage.elastic import ElasticsearchStore

    url = request.getfixturevalue("es_node")
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    config = deployment_config("elasticsearch", url, **{"store.elasticsearch.index_prefix": prefix})
    store = ElasticsearchStore([url], index_prefix=prefix, spool_dir=tmp_path, retry_max_seconds=2.0)
    yield config, store
    try:
        store.delete_indices()
    finally:
        store.close()


def _publish(store, redis_client, docs) -> None:
    stream = DocumentStream(redis_client, KEYS)
    stream.ensure_group()
    PublishingStore(store, stream).put_documents(docs)  # what the crawl role does with every batch


def _analysed_by(redis_client) -> dict[int, int]:
    """pid → documents analysed, from the heartbeats."""
    rows = {}
    for key in redis_client.scan_iter(match="yuqing:process:*"):
        data = redis_client.hgetall(key)
        if data.get("analysed", "") != "":
            rows[int(data["pid"])] = int(data["analysed"])
    return rows


def test_two_analysers_analyse_every_document_exactly_once(shared, roles, redis_client, make_docs):
    config, store = shared
    workers = [roles("analyze", config), roles("analyze", config)]
    for worker in workers:
        worker.metrics_address()
    docs = make_docs(300)
    _publish(store, redis_client, docs)

    stream = DocumentStream(redis_client, KEYS)
    wait_until(lambda: store.count_analyses() == len(docs) and stream.lag()["total"] == 0, 240,
               "every document analysed and acknowledged")
    counts = wait_until(lambda: (c := _analysed_by(redis_client)) and len(c) == 2 and sum(c.values()) >= len(docs)
                        and c, 30, f"the heartbeats to add up to {len(docs)} analyses")
    assert sum(counts.values()) == len(docs), f"analysed twice: {counts}\n" + "\n".join(
        w.output[-4000:] for w in workers)
    assert set(counts) == {w.pid for w in workers}
    assert sorted(a.id for a in store.get_analyses([d.id for d in docs])) == sorted(d.id for d in docs)
    assert redis_client.xlen(KEYS.stream) == 0  # acknowledged entries are removed


def test_a_killed_analysers_pending_entries_are_reclaimed(shared, roles, redis_client, make_docs):
    config, store = shared
    victim, survivor = roles("analyze", config), roles("analyze", config)
    victim.metrics_address(), survivor.metrics_address()
    docs = make_docs(400)
    _publish(store, redis_client, docs)
    consumer = wait_until(lambda: next((n for n in _consumers(redis_client) if n.endswith(f":{victim.pid}")), None),
                          120, "the victim to read from the stream")

    # freeze the victim while it holds entries, so the kill surely happens mid-batch
    def frozen_with_pending():
        victim.popen.send_signal(signal.SIGSTOP)
        held = redis_client.xpending_range(KEYS.stream, GROUP, min="-", max="+", count=1000, consumername=consumer)
        if held:
            return held
        victim.popen.send_signal(signal.SIGCONT)
        return None
    held = wait_until(frozen_with_pending, 120, "the victim to hold entries", every=0.05)
    held_docs = [redis_client.xrange(KEYS.stream, e["message_id"], e["message_id"])[0][1]["id"] for e in held]
    victim.kill()

    stream = DocumentStream(redis_client, KEYS)
    wait_until(lambda: store.count_analyses() == len(docs) and stream.lag()["total"] == 0, 240,
               "every document analysed, the victim's entries re-claimed")
    assert {a.id for a in store.get_analyses(held_docs)} == set(held_docs)
    assert not redis_client.xpending_range(KEYS.stream, GROUP, min="-", max="+", count=10, consumername=consumer)
    assert survivor.popen.poll() is None


def test_the_sweep_announces_documents_nobody_announced(sqlite_store, redis_client, make_docs, redis_url):
    config = load_config(None, [f"deployment.redis_url={redis_url}", "deployment.sweep_grace_seconds=0.001",
                                "nlp.cascade.mode=stage1"])
    docs = make_docs(30)
    sqlite_store.put_documents(docs)  # an import: stored, never put on the stream
    stream = DocumentStream(redis_client, KEYS, consumer="sweeper:1")
    stream.ensure_group()
    report = SweepStage(config, sqlite_store, stream).run_once()
    assert report.created == len(docs)
    assert SweepStage(config, sqlite_store, stream).run_once().created == 0  # busy stream: not twice

    from nlp.analyzer import Analyzer

    worker = AnalyzeWorker(sqlite_store, stream, lambda: Analyzer.from_config(config), claim_idle_seconds=60,
                           batch_size=8)
    while worker.run_once(block_ms=100):
        pass
    assert worker.analysed == len(docs) and sqlite_store.count_analyses() == len(docs)
    # the same ids again (a sweep racing a late announcement): already analysed, acknowledged, not redone
    stream.publish([d.id for d in docs[:5]])
    assert worker.run_once(block_ms=100) == 0 and worker.skipped == 5
    assert stream.lag()["total"] == 0


def _consumers(redis_client) -> list[str]:
    try:
        return [c["name"] for c in redis_client.xinfo_consumers(KEYS.stream, GROUP)]
    except Exception:  # noqa: BLE001 - no group yet
        return []
