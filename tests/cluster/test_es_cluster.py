"""A real three-node Elasticsearch cluster on loopback (``make test-cluster``, issue 18).

A node is SIGKILLed while ``yuqing import`` writes into the cluster with ``store.elasticsearch.replicas:
1`` (a data node holding primaries, then the elected master): the import finishes, the Store API keeps writing while the node
is away, every document is readable and the count is exact, a ``yuqing run --role web`` process
answers ``/api/alerts`` throughout, and the node, restarted, rejoins and takes its shards back.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from deploy_helpers import ROOT, RoleProcess, free_port, wait_until
from yuqing.config import load_config
from yuqing.records import DEFAULT_TZ, Alert, Document, stable_id
from yuqing.storage.elastic import ElasticsearchStore

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(2400)]

IMPORTED = 20_000  # documents `yuqing import` writes; the node is killed once a third of them are in
WRITTEN_WHILE_DOWN = 1_000  # documents the Store API writes while the node is away
SOURCE = "cluster-test"
START = datetime(2024, 4, 1, 8, 0, tzinfo=DEFAULT_TZ)  # three months: three monthly indices


@pytest.mark.parametrize("victim_kind", ["data node", "elected master"])
def test_a_node_killed_mid_ingest_loses_nothing_and_the_service_keeps_serving(victim_kind, es_cluster, redis_url,
                                                                             tmp_path):
    times: dict[str, float] = {}
    began = time.monotonic()
    prefix = f"cluster-{uuid.uuid4().hex[:8]}"
    web_port = free_port()
    settings = {"store.backend": "elasticsearch", "store.elasticsearch.hosts": es_cluster.urls,
                "store.elasticsearch.index_prefix": prefix, "store.elasticsearch.shards": 3,
                "store.elasticsearch.replicas": 1, "store.elasticsearch.retry_max_seconds": 2.0,
                "store.batch_size": 250, "deployment.redis_url": redis_url, "deployment.metrics_port": 0,
                "deployment.heartbeat_seconds": 1.0, "web.enabled": True, "web.port": web_port}
    # one config per process: each keeps its own spool next to its own store.path, as on separate machines
    configs = {name: _write_config(tmp_path / name, settings) for name in ("test", "import", "web")}
    store = ElasticsearchStore.from_config(load_config(configs["test"]))
    web = None
    try:
        seeded = Alert(id="seeded", rule="keyword", severity="red", title="民治街道 关键词「堵路」",
                       created_at=START, street="民治街道")
        store.put_records("alerts", [seeded])
        store.flush()
        web = RoleProcess.start("web", configs["web"])
        web.metrics_address()
        alerts_url = f"http://127.0.0.1:{web_port}/api/alerts"
        wait_until(lambda: _get(alerts_url)[0] == 200, 120, "the web role to answer /api/alerts")
        poller = Poller(alerts_url)
        poller.start()

        lines = tmp_path / "docs.jsonl"
        lines.write_text("".join(json.dumps(_row(i), ensure_ascii=False) + "\n" for i in range(IMPORTED)),
                         encoding="utf-8")
        expected = [f"n{i}" for i in range(IMPORTED)]  # a JSONL row keeps its id
        started = time.monotonic()
        importer = Piped([sys.executable, "-m", "yuqing", "--config", str(configs["import"]), "import", str(lines),
                          "--format", "json"])
        wait_until(lambda: _count(store) >= IMPORTED // 3 or importer.poll() is not None, 600,
                   "a third of the documents to be in")
        assert importer.poll() is None, "the import ended before the kill: raise IMPORTED\n" + importer.output
        victim = _victim(store.es, prefix, victim_kind)
        node = int(victim.rsplit("-", 1)[1]) - 1
        in_at_kill = _count(store)
        es_cluster.kill(node)
        killed = time.monotonic()
        times["import until the kill"] = killed - started
        wait_until(lambda: _health(store.es).get("number_of_nodes") == 2, 120, "the cluster to see the node gone")

        assert importer.wait(900) == 0, importer.output[-4000:]
        times["import after the kill"] = time.monotonic() - killed
        summary = json.loads(next(line for line in reversed(importer.lines) if line.startswith("{")))
        assert summary["errors"] == 0, summary
        assert in_at_kill < IMPORTED, f"{in_at_kill} documents were in before the kill: not mid-ingest"

        # the node is still away: the Store API writes on, the cluster is yellow, not red
        extra = [Document(id=stable_id(SOURCE, f"s{i}"), text=f"节点停机期间写入的第{i}条：坂田街道道路积水",
                          published_at=START + timedelta(hours=i), source=SOURCE, source_type="social")
                 for i in range(WRITTEN_WHILE_DOWN)]
        assert store.put_documents(extra).inserted == WRITTEN_WHILE_DOWN
        store.flush()
        expected += [d.id for d in extra]
        assert _health(store.es)["status"] == "yellow"
        assert _count(store) == len(expected)
        assert _readable(store, expected) == len(expected)

        restarted = time.monotonic()
        es_cluster.start()  # only the killed node is started; it rejoins with its data folder
        wait_until(lambda: (h := _health(store.es, "wait_for_status=green&timeout=5s")).get("status") == "green"
                   and h["number_of_nodes"] == 3, 600, "the cluster green with three nodes")
        times["restart until green"] = time.monotonic() - restarted
        # a node away for longer than index.unassigned.node_left.delayed_timeout (1 min) finds its shards
        # copied to the others when it comes back; the balancer then moves some back to it
        wait_until(lambda: _started_on(store.es, prefix, victim), 600, f"{victim} to hold shards again")
        times["restart until it holds shards"] = time.monotonic() - restarted
        assert _count(store) == len(expected)
        assert _readable(store, expected) == len(expected)

        poller.stop()
        answers = poller.answers
        assert answers and all(status == 200 for status, _, _ in answers), [a for a in answers if a[0] != 200][:5]
        assert all(any(a["id"] == "seeded" for a in json.loads(body)) for _, body, _ in answers)
        during = [a for a, at in zip(answers, poller.times) if killed <= at <= restarted]
        assert during, "no /api/alerts request was made while the node was away"
        assert web.popen.poll() is None, web.output[-3000:]
        assert web.stop() == 0, web.output[-3000:]
        times["whole test"] = time.monotonic() - began
        print(f"\ncluster test: {len(expected)} documents; killed {victim} ({victim_kind}) with {in_at_kill}/{IMPORTED} in; "
              f"import summary {summary}; {len(answers)} /api/alerts answers, all 200 "
              f"({len(during)} while the node was away, slowest {max(s for _, _, s in answers):.2f} s); "
              + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))
    finally:
        if web is not None:
            web.stop()
        try:
            store.delete_indices()
        finally:
            store.close()


def _write_config(folder: Path, settings: dict) -> Path:
    folder.mkdir()
    tree: dict = {}
    for key, value in {**settings, "store.path": str(folder / "store.sqlite")}.items():
        node = tree
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    return path


def _row(i: int) -> dict:
    return {"id": f"n{i}", "source": SOURCE, "published_at": (START + timedelta(minutes=6 * i)).isoformat(),
            "text": f"第{i}条：民治街道{i % 30 + 1}号附近道路积水，车库进水，请注意绕行。"}


def _count(store) -> int:
    return store.count_documents()


def _readable(store, ids: list[str]) -> int:
    return len(store.get_documents(ids))


def _health(es, query: str = "timeout=1s") -> dict:
    params = dict(part.split("=", 1) for part in query.split("&"))
    try:
        return dict(es.cluster.health(**params))
    except Exception as exc:  # noqa: BLE001 - a node on its way down or up: asked again
        return {"error": str(exc)}


def _started_on(es, prefix: str, node: str) -> int:
    """How many shard copies of the test's indices the node holds, started."""
    try:
        shards = es.cat.shards(index=f"{prefix}-*", format="json")
    except Exception:  # noqa: BLE001 - asked again
        return 0
    return sum(1 for s in shards if s["node"] == node and s["state"] == "STARTED")


def _victim(es, prefix: str, kind: str) -> str:
    """The elected master, or a node that holds primaries of the document indices and is not the master."""
    master = es.cat.master(format="json")[0]["node"]
    if kind == "elected master":
        return master
    shards = es.cat.shards(index=f"{prefix}-docs-*", format="json")
    holders = sorted({s["node"] for s in shards if s["prirep"] == "p" and s["state"] == "STARTED"} - {master})
    assert holders, f"no node but the master ({master}) holds a primary: {shards}"
    return holders[0]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, repr(exc)


class Poller(threading.Thread):
    """GETs a URL four times a second until stopped, keeping every answer ``(status, body, seconds)``."""

    def __init__(self, url: str) -> None:
        super().__init__(name="poller", daemon=True)
        self.url = url
        self.answers: list[tuple[int, str, float]] = []
        self.times: list[float] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.25):
            asked = time.monotonic()
            status, body = _get(self.url)
            self.answers.append((status, body, time.monotonic() - asked))
            self.times.append(asked)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=60)


class Piped:
    """A command's process, its output (stdout and stderr) read from a pipe into :attr:`lines`."""

    def __init__(self, argv: list[str]) -> None:
        self.popen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    def poll(self):
        return self.popen.poll()

    def wait(self, timeout: float) -> int:
        code = self.popen.wait(timeout)
        self._reader.join(timeout=10)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)
