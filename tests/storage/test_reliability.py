"""Reliability on both stores: kill -9 mid-ingestion loses and duplicates nothing; an Elasticsearch
outage loses nothing accepted (a dedicated node is stopped and restarted by the test)."""
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from es_node import EsNode
from yuqing.storage.synthetic import make_docs

WORKER = Path(__file__).with_name("ingest_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def run_worker(backend, target, n, batch):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, str(WORKER), backend, target, str(n), str(batch)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def expected_ids(n):
    return {d.id for d in make_docs(n)}


@pytest.mark.parametrize("backend", ["sqlite", "elasticsearch"])
def test_kill_9_mid_ingestion_then_rerun_gives_exactly_the_set(backend, tmp_path, request):
    from store_helpers import open_test_store

    store, clean = open_test_store(backend, tmp_path, request)
    try:
        n, batch = (30000, 500) if backend == "sqlite" else (12000, 500)
        target = (str(store.path) if backend == "sqlite"
                  else f"{store.hosts[0]},{store.prefix},{tmp_path / 'worker'}")
        proc = run_worker(backend, target, n, batch)
        for _ in range(4):  # let a few batches land, then kill in the middle of the next ones
            assert json.loads(proc.stdout.readline())["done"] > 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        store.flush()
        partial = store.count_documents()
        assert 0 < partial < n, "the ingestion was not interrupted mid-way"

        rerun = run_worker(backend, target, n, batch)
        out, err = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, err
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["inserted"] + summary["duplicates"] == n
        assert summary["duplicates"] >= partial  # everything already in was recognised
        store.flush()
        assert store.count_documents() == n
        got = [d.id for d in store.iter_documents(batch_size=5000)]
        assert len(got) == n and set(got) == expected_ids(n)
    finally:
        clean()


@pytest.fixture(scope="module")
def outage_node():
    """A dedicated node for the outage test: stopped and restarted without harming other tests."""
    node = EsNode.start_on_free_port()
    yield node
    node.stop()


def test_elasticsearch_outage_spools_and_loses_nothing(outage_node, tmp_path):
    from yuqing.storage.elastic import ElasticsearchStore

    prefix = f"outage-{uuid.uuid4().hex[:8]}"
    docs = make_docs(3000)
    store = ElasticsearchStore([outage_node.url], index_prefix=prefix, spool_dir=tmp_path, retry_max_seconds=2.0,
                               request_timeout=5.0)
    assert store.put_documents(docs[:1000]).inserted == 1000

    outage_node.stop(remove=False)
    accepted = store.put_documents(docs[1000:2000])
    assert accepted.inserted == 1000  # accepted into the local spool
    again = store.put_documents(docs[1500:2500])  # overlaps what waits in the spool
    assert again.inserted + again.duplicates == 1000
    health = store.health()
    assert health["ok"] is False and health["spooled"] == 2000 and health["outage_since"]
    with pytest.raises(Exception, match="unreachable"):
        store.flush()
    store.close()  # the process ends during the outage: the spool stays on disk

    outage_node.start()
    later = ElasticsearchStore([outage_node.url], index_prefix=prefix, spool_dir=tmp_path, retry_max_seconds=2.0)
    try:
        deadline = time.monotonic() + 60  # the background flusher sends the spool without being asked
        while later.spool.pending() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert later.spool.pending() == 0
        result = later.put_documents(docs[2000:])
        assert (result.inserted, result.duplicates) == (500, 500)
        later.flush()
        got = [d.id for d in later.iter_documents(batch_size=5000)]
        assert len(got) == 3000 and set(got) == {d.id for d in docs}
        assert later.health()["ok"] is True
    finally:
        later.delete_indices()
        later.close()
