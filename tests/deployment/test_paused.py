"""A process paused past its lease or its idle time (a stopped VM, a long GC, a cut network) wakes up
and writes nothing another process has taken over: no singleton write after the lease passed, no
second analysis of a document another analyser analysed meanwhile."""
from __future__ import annotations

import signal
import threading
import time
import urllib.request

import pytest

from deploy_helpers import wait_until
from deployment.connection import Keys
from deployment.lease import Lease
from deployment.metrics import Metrics
from deployment.roles import RoleService
from deployment.streams import GROUP, DocumentStream, PublishingStore
from test_streams import shared  # noqa: F401  (the fixture: a store shared with role processes, both backends)
from yuqing.app.scheduler import JobSpec
from yuqing.config import load_config
from yuqing.pipeline import Stage, StageReport
from yuqing.storage.base import JsonRecord

KEYS = Keys("yuqing")


def _metric(address: str, name: str) -> float:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def _run(job: str, at: str) -> JsonRecord:
    return JsonRecord(id=at, job=job, ok=True, started_at="2024-01-01T00:00:00+08:00")


class PausingStage(Stage):
    """A singleton's job that writes, is held up (``pause``), and writes again."""

    name = "pausing"

    def __init__(self, config, store, pause) -> None:
        super().__init__(config, store)
        self.pause = pause

    def run_once(self) -> StageReport:
        self.store.put_records("job_runs", [_run("pausing", "before-pause")])
        self.pause()
        self.store.put_records("job_runs", [_run("pausing", "after-pause")])
        return StageReport(self.name, created=2)


def test_a_job_held_up_past_its_lease_is_refused_mid_cycle_and_counted(redis_client, redis_url, sqlite_store):
    config = load_config(None, [f"deployment.redis_url={redis_url}"])
    lease = Lease(redis_client, KEYS, "alert", ttl=0.5, owner="paused:1")
    assert lease.try_acquire()
    metrics = Metrics()
    service = RoleService(config, sqlite_store, ["alert"], {"alert": lease}, metrics, DocumentStream(redis_client, KEYS))
    newer = Lease(redis_client, KEYS, "alert", ttl=30, owner="standby:2")
    woke: list[float] = []

    def pause():
        """No renewal for longer than the lease: it expires in Redis and the standby takes it."""
        wait_until(newer.try_acquire, 10, "the standby to take the expired lease")
        woke.append(time.time())

    service.specs = {"pausing": JobSpec("pausing", 60, lambda: PausingStage(config, service.store, pause))}
    report = service.run_job("pausing")

    assert report.errors == 1 and "alert" in report.detail
    assert sqlite_store.get_record("job_runs", "before-pause") is not None
    assert sqlite_store.get_record("job_runs", "after-pause") is None
    assert sqlite_store.find_records("job_runs", {"job": "pausing"}) == [sqlite_store.get_record("job_runs",
                                                                                               "before-pause")]
    sample = metrics.registry.get_sample_value
    # the write before the pause landed; the one after it and the job's own run record were refused
    assert sample("yuqing_fenced_writes_total", {"lease": "alert", "outcome": "written"}) == 1
    assert sample("yuqing_fenced_writes_total", {"lease": "alert", "outcome": "refused"}) == 2
    assert 0 < sample("yuqing_fenced_write_last_timestamp_seconds", {"lease": "alert"}) < woke[0]
    assert not sample("yuqing_fenced_writes_late_total", {"lease": "alert"})  # none finished a lease after its check
    assert sample("yuqing_job_running", {"job": "pausing"}) == 0
    assert newer.check() == newer.token  # the standby writes with its newer token


def test_a_paused_alert_holder_writes_nothing_after_it_wakes(roles, deployment_config, redis_client):
    config = deployment_config(**{"deployment.lease_seconds": 3.0, "service.alert_interval": 1})
    first, second = roles("alert", config), roles("alert", config)
    addresses = {first.pid: first.metrics_address(), second.pid: second.metrics_address()}
    holder_value = wait_until(lambda: redis_client.get("yuqing:lease:alert"), 30, "an alert lease holder")
    holder_pid = int(holder_value.split("|")[0].rsplit(":", 1)[1])
    holder, standby = (first, second) if first.pid == holder_pid else (second, first)
    written = 'yuqing_fenced_writes_total{lease="alert",outcome="written"}'
    wait_until(lambda: _metric(addresses[holder.pid], written) >= 2, 60, "the holder to run alert cycles")

    holder.popen.send_signal(signal.SIGSTOP)
    stopped = time.time()
    try:
        value = wait_until(lambda: (v := redis_client.get("yuqing:lease:alert")) and v != holder_value and v, 30,
                           "the standby to take the lease of the paused holder")
        assert int(value.split("|")[0].rsplit(":", 1)[1]) == standby.pid
        assert int(value.split("|")[1]) > int(holder_value.split("|")[1])
        wait_until(lambda: _metric(addresses[standby.pid], written) >= 1, 60, "the standby to write")
        time.sleep(1.0)
    finally:
        holder.popen.send_signal(signal.SIGCONT)
    woke = time.time()
    wait_until(lambda: _metric(addresses[holder.pid], 'yuqing_lease_held{lease="alert"}') == 0, 30,
               "the woken holder to see it lost the lease")
    time.sleep(3.0)  # three alert intervals: each of its cycles now stands by
    # every write it let through was checked before the pause; a write checked after it woke was refused.
    # (A write already past its check when the pause came may finish after it and is counted as late:
    # one per alert-role job that was mid-write, each checked before the pause, which `last` proves.)
    last = _metric(addresses[holder.pid], 'yuqing_fenced_write_last_timestamp_seconds{lease="alert"}')
    assert 0 < last < stopped, f"the woken holder let a write through at {last}, after it was paused at " \
                               f"{stopped} (woke {woke})"
    assert redis_client.get("yuqing:lease:alert") == value  # the standby still holds it
    assert holder.popen.poll() is None and standby.popen.poll() is None


def test_takes_are_kept_and_released_only_by_their_owner(redis_client):
    mine = DocumentStream(redis_client, KEYS, consumer="a:1")
    other = DocumentStream(redis_client, KEYS, consumer="b:2")
    assert mine.take(["d1", "d2"], 0.3) == (["d1", "d2"], set())
    time.sleep(0.5)  # held up past the idle time: the takes expired
    assert other.take(["d2"], 30) == (["d2"], set())
    assert mine.keep_taken(["d1", "d2"], 30) == set()  # d1 expired, d2 is another's now
    assert mine.take(["d1"], 0.3) == (["d1"], set())
    assert mine.keep_taken(["d1", "d2"], 30) == {"d1"}
    assert redis_client.pttl(f"{KEYS.stream}:taken:d1") > 20_000  # extended, so it outlasts the write
    mine.untake(["d1", "d2"])
    assert redis_client.get(f"{KEYS.stream}:taken:d1") is None
    assert redis_client.get(f"{KEYS.stream}:taken:d2") == "b:2"  # never released by a former owner


def _taken_by(redis_client, doc_ids: list[str]) -> set[str]:
    return {v for v in (redis_client.get(f"{KEYS.stream}:taken:{d}") for d in doc_ids) if v}


@pytest.mark.timeout(600)
def test_a_paused_analyser_does_not_store_what_another_analysed_meanwhile(shared, roles, redis_client, make_docs):
    config, store = shared
    from yaml import safe_dump, safe_load

    tree = safe_load(config.read_text(encoding="utf-8"))
    tree["deployment"]["batch_size"] = 100  # a long analysis, so the pause surely falls inside one
    config.write_text(safe_dump(tree, allow_unicode=True), encoding="utf-8")
    victim, survivor = roles("analyze", config), roles("analyze", config)
    victim_address = victim.metrics_address()
    survivor.metrics_address()
    stream = DocumentStream(redis_client, KEYS)
    stream.ensure_group()
    docs = make_docs(600)
    PublishingStore(store, stream).put_documents(docs)
    consumer = wait_until(lambda: next((c["name"] for c in _consumers(redis_client) if c["name"].endswith(
        f":{victim.pid}")), None), 120, "the victim to read from the stream")

    def frozen_between_take_and_write():
        """Stopped holding a batch it took, none of it analysed yet: the window the fix closes."""
        victim.popen.send_signal(signal.SIGSTOP)
        held = redis_client.xpending_range(KEYS.stream, GROUP, min="-", max="+", count=1000, consumername=consumer)
        ids = [redis_client.xrange(KEYS.stream, e["message_id"], e["message_id"])[0][1]["id"] for e in held]
        if ids and _taken_by(redis_client, ids) == {consumer} and not store.get_analyses(ids):
            return ids
        victim.popen.send_signal(signal.SIGCONT)
        time.sleep(0.02)
        return None
    try:
        held = wait_until(frozen_between_take_and_write, 120, "the victim to be frozen mid-batch", every=0.01)
        # past deployment.claim_idle_seconds: the survivor re-claims the batch and analyses it
        wait_until(lambda: store.count_analyses() == len(docs) and stream.lag()["total"] == 0, 240,
                   "the survivor to analyse everything, the victim's batch included")
    finally:
        victim.popen.send_signal(signal.SIGCONT)
    wait_until(lambda: _metric(victim_address, "yuqing_analysis_in_hand") == 0, 120,
               "the woken victim to finish its batch")
    time.sleep(2.0)  # a few heartbeats, so they carry the final counts
    counts = {int(d["pid"]): int(d["analysed"] or 0) for d in
              (redis_client.hgetall(k) for k in redis_client.scan_iter(match="yuqing:process:*"))}
    assert sum(counts.values()) == len(docs), f"stored more analyses than documents: {counts}"
    assert {a.id for a in store.get_analyses(held)} == set(held)
    if hasattr(store, "es"):  # Elasticsearch counts the writes of each analysis itself (_version)
        hits = store.es.search(index=f"{store.prefix}-analyses", size=len(docs), version=True, source=False,
                               query={"match_all": {}})["hits"]["hits"]
        assert len(hits) == len(docs) and [h["_id"] for h in hits if h["_version"] > 1] == []
    # frozen after its check for an analysis (nearly always): it made the batch's analyses and dropped them.
    # Frozen between the take and that check (one round trip), it found them analysed and skipped them.
    assert _metric(victim_address, "yuqing_analyses_not_stored_total") in (0, len(held))
    assert victim.popen.poll() is None


def _consumers(redis_client) -> list[dict]:
    try:
        return redis_client.xinfo_consumers(KEYS.stream, GROUP)
    except Exception:  # noqa: BLE001 - no group yet
        return []
