"""Singleton leases on a real redis-server: one holder, takeover after SIGKILL, stale tokens refused."""
from __future__ import annotations

import time

import pytest

from deploy_helpers import wait_until
from deployment.connection import Keys
from deployment.lease import FencedStore, Lease, LeaseKeeper
from yuqing.errors import LeaseLost, StaleToken
from yuqing.storage.base import JsonRecord

KEYS = Keys("test")


def test_two_contenders_one_holder(redis_client):
    first = Lease(redis_client, KEYS, "cluster", ttl=10, owner="a:1")
    second = Lease(redis_client, KEYS, "cluster", ttl=10, owner="b:2")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.held and not second.held
    assert first.holder() == f"a:1|{first.token}"
    assert first.renew() and not second.renew()
    first.release()
    assert second.try_acquire()
    assert second.token > 1  # tokens only grow


def test_keepers_race_and_only_one_holds(redis_client):
    leases = [Lease(redis_client, KEYS, "alert", ttl=1.5, owner=f"p:{i}") for i in range(4)]
    keepers = [LeaseKeeper(lease) for lease in leases]
    for keeper in keepers:
        keeper.start()
    try:
        wait_until(lambda: any(lease.held for lease in leases), 10, "one keeper to take the lease")
        for _ in range(20):  # for a few renewals, never two holders
            assert sum(lease.held for lease in leases) <= 1
            time.sleep(0.1)
    finally:
        for keeper in keepers:
            keeper.stop()


def test_a_stale_fencing_token_is_refused(redis_client, sqlite_store):
    old = Lease(redis_client, KEYS, "alert", ttl=0.5, owner="old:1")
    assert old.try_acquire()
    assert old.check() == old.token
    stale_token = old.token
    wait_until(lambda: redis_client.get(KEYS.lease("alert")) is None, 10, "the old lease to expire in Redis")
    new = Lease(redis_client, KEYS, "alert", ttl=10, owner="new:2")
    assert new.try_acquire()
    # the new holder has not written yet: the old one is refused because the lease names another holder
    old._renewed_at = time.monotonic()  # a holder that believes it still holds the lease (a long GC pause)
    with pytest.raises(LeaseLost):
        old.check()
    assert new.check() == new.token
    # once the new holder wrote, an older token is refused by the fence itself
    with pytest.raises(StaleToken):
        new.check(stale_token)
    assert new.check(new.token) == new.token
    # and a write through the fenced store of the old holder never reaches the store
    old.token = stale_token
    fenced_old, fenced_new = FencedStore(sqlite_store, old), FencedStore(sqlite_store, new)
    with pytest.raises(LeaseLost):
        fenced_old.put_records("job_runs", [JsonRecord(id="from-old", job="x", ok=True, started_at="2024-01-01")])
    fenced_new.put_records("job_runs", [JsonRecord(id="from-new", job="x", ok=True, started_at="2024-01-01")])
    assert sqlite_store.get_record("job_runs", "from-old") is None
    assert sqlite_store.get_record("job_runs", "from-new") is not None
    assert fenced_old.count_records("job_runs") == 1  # reads are not fenced


def test_killed_holder_is_replaced_within_the_lease_time(roles, deployment_config, redis_client,
                                                         deployment_status):
    config = deployment_config(**{"deployment.lease_seconds": 3.0})
    first, second = roles("cluster", config), roles("cluster", config)
    first.metrics_address(), second.metrics_address()
    holder_value = wait_until(lambda: redis_client.get("yuqing:lease:cluster"), 30, "a cluster lease holder")
    pids = {first.pid: first, second.pid: second}
    holder_pid = int(holder_value.split("|")[0].rsplit(":", 1)[1])
    holder, other = pids[holder_pid], pids[(set(pids) - {holder_pid}).pop()]
    assert {r["pid"] for r in deployment_status(config)["processes"]} == set(pids)

    holder.kill()
    killed = time.monotonic()
    value = wait_until(lambda: (v := redis_client.get("yuqing:lease:cluster")) and v != holder_value and v, 30,
                       "the standby to take the lease")
    took = time.monotonic() - killed
    assert int(value.split("|")[0].rsplit(":", 1)[1]) == other.pid
    assert int(value.split("|")[1]) > int(holder_value.split("|")[1])  # a newer fencing token
    # the lease expires at most 3 s after the kill; the standby tries every third of it
    assert took <= 3.0 * 4 / 3 + 2.0, f"takeover took {took:.1f} s"
    wait_until(lambda: "cluster" in next((p["leases"] for p in deployment_status(config)["processes"]
                                          if p["pid"] == other.pid), []), 30, "status to show the new holder")


def _road_block(doc_id: str, street: str):
    """A post with 堵路 in ``street`` and its analysis: what the test's keyword rule raises an alert on."""
    from yuqing.records import Analysis, Document, now

    at = now()
    doc = Document(id=doc_id, text=f"{street}工人在厂门口堵路讨薪", published_at=at, collected_at=at, source="forum-a",
                   source_type="forum")
    analysis = Analysis.model_validate({"id": doc_id, "sentiment": {"label": "negative", "score": 0.9},
                                        "categories": [{"label": "labor_dispute", "score": 0.9}],
                                        "location": {"city": "深圳市", "district": "龙华区", "street": street,
                                                     "confidence": 0.9}})
    return doc, analysis


def test_killed_alert_holder_is_replaced_and_the_standby_raises_the_alerts(roles, deployment_config, redis_client,
                                                                            deployment_status, tmp_path):
    import yaml

    from yuqing.records import now
    from yuqing.storage.sqlite import SQLiteStore

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "road.yaml").write_text(yaml.safe_dump({"name": "road-block", "type": "keyword", "severity": "orange",
                                                     "options": {"words": ["堵路"], "group_by": "street"}},
                                                    allow_unicode=True), encoding="utf-8")
    config = deployment_config(**{"deployment.lease_seconds": 3.0, "service.alert_interval": 1,
                                  "alerts.rules_dirs": [str(rules)]})
    store = SQLiteStore(tmp_path / "store.sqlite")
    first, second = roles("alert", config), roles("alert", config)
    try:
        first.metrics_address(), second.metrics_address()
        holder_value = wait_until(lambda: redis_client.get("yuqing:lease:alert"), 30, "an alert lease holder")
        pids = {first.pid: first, second.pid: second}
        holder_pid = int(holder_value.split("|")[0].rsplit(":", 1)[1])
        holder, other = pids[holder_pid], pids[(set(pids) - {holder_pid}).pop()]

        def alert_on(doc_id: str):
            return next((a for a in store.find_records("alerts") if doc_id in a.doc_ids), None)

        before = _road_block("before-kill", "民治街道")
        store.put_documents([before[0]])
        store.put_analyses([before[1]])
        wait_until(lambda: alert_on("before-kill"), 60, "the holder to raise the first alert")

        holder.kill()
        killed, killed_at = time.monotonic(), now()
        # stored after the kill: only an alert cycle that runs after it can raise this one
        after = _road_block("after-kill", "观澜街道")
        store.put_documents([after[0]])
        store.put_analyses([after[1]])
        value = wait_until(lambda: (v := redis_client.get("yuqing:lease:alert")) and v != holder_value and v, 30,
                           "the standby to take the alert lease")
        took = time.monotonic() - killed
        assert int(value.split("|")[0].rsplit(":", 1)[1]) == other.pid
        assert int(value.split("|")[1]) > int(holder_value.split("|")[1])  # a newer fencing token
        assert took <= 3.0 * 4 / 3 + 2.0, f"takeover took {took:.1f} s"

        raised = wait_until(lambda: alert_on("after-kill"), 60, "the standby to raise the alert of the new post")
        assert raised.created_at >= killed_at and raised.street == "观澜街道"
        # the standby's first cycle read the first post again and kept its one alert: no duplicate
        alerts = store.find_records("alerts")
        assert len(alerts) == 2, [(a.id, a.street, a.doc_ids) for a in alerts]
        assert other.popen.poll() is None, other.output[-3000:]
        wait_until(lambda: "alert" in next((p["leases"] for p in deployment_status(config)["processes"]
                                            if p["pid"] == other.pid), []), 30, "status to show the new holder")
    finally:
        store.close()
