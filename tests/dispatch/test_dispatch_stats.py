"""Per department and per street: items, median times to accept and to close, overdue — figures that
match the events, from the function, the command line (as users run it) and the JSON API."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from conftest import DEPT, OFFICE, T0, put_alert

from dispatch import orders
from dispatch.stats import dispatch_stats

LONG_RESULT = "已清运垃圾站积存垃圾，更换破损垃圾桶六个，安排每日两次清运并喷洒除臭剂，居民已确认恶臭消除。"
minutes = lambda m: T0 + timedelta(minutes=m)  # noqa: E731


def make_history(store, config):
    """Three orders: a1 (民治) accepted at 10 min, closed at 70; a2 (观澜) accepted late at 90 (red:
    60 allowed), closed at 150; a3 (民治) to the street office, returned at 5."""
    put_alert(store, "a1")
    put_alert(store, "a2", street="观澜街道")
    put_alert(store, "a3")
    one = orders.dispatch_alert(store, config, "a1", DEPT, by="ana", now=T0, notifiers={})
    orders.accept(store, config, one.id, now=minutes(10))
    orders.close(store, config, one.id, LONG_RESULT, now=minutes(70))
    two = orders.dispatch_alert(store, config, "a2", DEPT, by="ana", now=T0, notifiers={})
    orders.accept(store, config, two.id, now=minutes(90))
    orders.close(store, config, two.id, LONG_RESULT, now=minutes(150))
    three = orders.dispatch_alert(store, config, "a3", OFFICE, by="ana", now=T0, notifiers={})
    orders.return_order(store, config, three.id, "不属于街道办职责范围", now=minutes(5))
    store.flush()


def test_stats_match_the_events(store, write_config):
    config, _ = write_config()
    make_history(store, config)
    result = dispatch_stats(store, now=minutes(20))
    by_department = {row["department"]: row for row in result["departments"]}
    assert by_department[DEPT] == {"department": DEPT, "orders": 2, "open": 0, "accepted": 2, "closed": 2,
                                   "returned": 0, "median_minutes_to_accept": 50.0, "median_minutes_to_close": 110.0,
                                   "overdue": 1}
    assert by_department[OFFICE] == {"department": OFFICE, "orders": 1, "open": 0, "accepted": 0, "closed": 0,
                                     "returned": 1, "median_minutes_to_accept": None,
                                     "median_minutes_to_close": None, "overdue": 0}
    by_street = {row["street"]: row for row in result["streets"]}
    assert (by_street["民治街道"]["orders"], by_street["民治街道"]["closed"], by_street["民治街道"]["returned"],
            by_street["民治街道"]["median_minutes_to_close"]) == (2, 1, 1, 70.0)
    assert (by_street["观澜街道"]["orders"], by_street["观澜街道"]["overdue"],
            by_street["观澜街道"]["median_minutes_to_accept"]) == (1, 1, 90.0)
    assert result["total"]["orders"] == 3
    assert dispatch_stats(store, streets=["观澜街道"])["total"]["orders"] == 1


def test_a_withdrawn_order_is_not_counted_and_an_open_one_turns_overdue(store, write_config):
    config, _ = write_config()
    put_alert(store, "a1")
    first = orders.dispatch_alert(store, config, "a1", OFFICE, by="ana", now=T0, notifiers={})
    orders.dispatch_alert(store, config, "a1", DEPT, by="ana", now=minutes(3), notifiers={})  # 改派 before acting
    assert store.get_record("dispatch_orders", first.id).state == "withdrawn"
    assert [r["department"] for r in dispatch_stats(store, now=minutes(30))["departments"]] == [DEPT]
    assert dispatch_stats(store, now=minutes(30))["total"]["overdue"] == 0
    assert dispatch_stats(store, now=minutes(64))["total"]["overdue"] == 1  # red: 60 minutes to accept


def yuqing(*args):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "yuqing", *args], capture_output=True, text=True, timeout=120,
                          env=env)


def test_the_command_prints_the_same_figures(sqlite_store, write_config):
    config, path = write_config()
    make_history(sqlite_store, config)
    expected = dispatch_stats(sqlite_store)
    result = yuqing("dispatch", "stats", "--format", "json", "--config", str(path))
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    for key in ("departments", "streets", "total"):
        assert printed[key] == expected[key]
    only = json.loads(yuqing("dispatch", "stats", "--street", "观澜街道", "--format", "json", "--config",
                             str(path)).stdout)
    assert [r["street"] for r in only["streets"]] == ["观澜街道"]
    bad = yuqing("dispatch", "stats", "--since", "yesterday", "--format", "json", "--config", str(path))
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr


def test_the_command_sends_lists_and_chases(sqlite_store, write_config, receivers):
    config, path = write_config()
    put_alert(sqlite_store, "a1")
    sent = yuqing("dispatch", "send", "a1", "--department", DEPT, "--by", "ana", "--note", "请核查",
                  "--format", "json", "--config", str(path))
    assert sent.returncode == 0, sent.stderr
    order = json.loads(sent.stdout)
    assert order["department"] == DEPT and len(receivers[0].messages) == 1
    listed = [json.loads(line) for line in yuqing("dispatch", "list", "--alert", "a1", "--format", "json",
                                                  "--config", str(path)).stdout.splitlines()]
    assert [o["id"] for o in listed] == [order["id"]]
    late = (T0 + timedelta(days=30)).isoformat()
    chased = yuqing("dispatch", "chase", "--now", late, "--format", "json", "--config", str(path))
    assert chased.returncode == 0, chased.stderr
    assert json.loads(chased.stdout)["chased"] == 1
    unknown = yuqing("dispatch", "send", "a1", "--department", "不存在的部门", "--by", "ana", "--config", str(path))
    assert unknown.returncode != 0 and "不存在的部门" in unknown.stderr and "Traceback" not in unknown.stderr


@pytest.mark.parametrize("who, status", [("t-ana", 200), ("t-vic", 200)])
def test_the_json_api_serves_the_stats(sqlite_store, write_config, who, status):
    from starlette.testclient import TestClient

    from yuqing.app.web.app import create_app

    config, _ = write_config()
    make_history(sqlite_store, config)
    client = TestClient(create_app(config, sqlite_store))
    response = client.get("/api/dispatch/stats", headers={"Authorization": f"Bearer {who}"})
    assert response.status_code == status
    assert {r["department"]: r["orders"] for r in response.json()["departments"]} == {DEPT: 2, OFFICE: 1}
    assert client.get("/api/dispatch/stats?since=soon", headers={"Authorization": f"Bearer {who}"}).status_code == 400
