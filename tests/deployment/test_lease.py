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
