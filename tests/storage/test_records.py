"""Generic record collections, optimistic concurrency and state: the same on both backends."""
from datetime import datetime, timedelta

import pytest

from yuqing import records as R
from yuqing.errors import ConflictError, StoreError
from yuqing.storage.base import JsonRecord, Range

T0 = datetime(2024, 7, 1, 9, 0, tzinfo=R.DEFAULT_TZ)


def alert(i, **extra):
    fields = dict(id=f"alert-{i}", rule="spike", severity=("red", "orange", "yellow", "blue")[i % 4],
                  title=f"第{i}号预警：民治街道暴雨内涝" if i % 2 else f"第{i}号预警：观澜街道工厂欠薪",
                  street="民治街道" if i % 2 else "观澜街道", category="natural_disaster" if i % 2 else "labor_dispute",
                  created_at=T0 + timedelta(hours=i), assignee=None if i % 3 else "张三")
    fields.update(extra)
    return R.Alert(**fields)


def incident(i, streets):
    return R.Incident(id=f"inc-{i}", label=f"事件{i} 暴雨", streets=streets, size=i * 10,
                      category="natural_disaster", last_seen=T0 + timedelta(days=i))


@pytest.fixture
def alerts(store):
    items = [alert(i) for i in range(12)]
    store.put_records("alerts", items)
    return store, items


def ids(records):
    return [r.id for r in records]


def test_put_get_replace_and_delete(store):
    first = alert(1)
    store.put_records("alerts", [first])
    assert store.get_record("alerts", "alert-1") == first
    changed = first.model_copy(update={"state": "acknowledged", "assignee": "李四"})
    store.put_records("alerts", [changed])
    assert store.get_record("alerts", "alert-1") == changed
    assert store.count_records("alerts") == 1
    assert store.delete_record("alerts", "alert-1") is True
    assert store.delete_record("alerts", "alert-1") is False
    assert store.get_record("alerts", "alert-1") is None
    assert store.count_records("alerts") == 0


def test_alert_history_round_trips_with_contract_keys(store):
    change = R.AlertChange(who="analyst", when=T0, **{"from": "new", "to": "acknowledged"}, note="已核实")
    item = alert(3, history=[change], state="acknowledged")
    store.put_records("alerts", [item])
    back = store.get_record("alerts", item.id)
    assert back == item and back.model_dump(mode="json")["history"][0]["from"] == "new"


def test_scalar_any_of_and_null_filters(alerts):
    store, items = alerts
    assert ids(store.find_records("alerts", {"severity": "red"}, order_by="id")) == sorted(
        a.id for a in items if a.severity == "red")
    assert ids(store.find_records("alerts", {"severity": ["red", "blue"], "street": "民治街道"}, order_by="id")) == sorted(
        a.id for a in items if a.severity in ("red", "blue") and a.street == "民治街道")
    assert ids(store.find_records("alerts", {"assignee": None}, order_by="id")) == sorted(
        a.id for a in items if a.assignee is None)
    assert store.find_records("alerts", {"severity": []}) == []
    assert store.count_records("alerts", {"street": "观澜街道"}) == 6
    assert ids(store.find_records("alerts", {"id": ["alert-3", "alert-4"]}, order_by="id")) == ["alert-3", "alert-4"]


def test_ranges_since_until_order_and_paging(alerts):
    store, items = alerts
    window = store.find_records("alerts", since=T0 + timedelta(hours=3), until=T0 + timedelta(hours=7),
                                order_by="created_at")
    assert ids(window) == [f"alert-{i}" for i in range(3, 7)]
    # a range given in another zone compares by instant, not by text
    utc = store.find_records("alerts", {"created_at": Range(gte=datetime.fromisoformat("2024-07-01T10:00:00+00:00"))},
                             order_by="created_at")
    assert ids(utc) == [f"alert-{i}" for i in range(9, 12)]
    newest = store.find_records("alerts", order_by="created_at", descending=True, limit=3, offset=1)
    assert ids(newest) == ["alert-10", "alert-9", "alert-8"]
    assert len(store.find_records("alerts", limit=5)) == 5


def test_list_fields_match_by_membership_and_numeric_ranges(store):
    store.put_records("incidents", [incident(1, ["民治街道"]), incident(2, ["民治街道", "观澜街道"]),
                                    incident(3, ["大浪街道"]), incident(4, [])])
    assert ids(store.find_records("incidents", {"streets": "观澜街道"})) == ["inc-2"]
    assert ids(store.find_records("incidents", {"streets": "民治街道"}, order_by="id")) == ["inc-1", "inc-2"]
    assert ids(store.find_records("incidents", {"streets": ["大浪街道", "观澜街道"]}, order_by="id")) == ["inc-2", "inc-3"]
    assert ids(store.find_records("incidents", {"size": Range(gte=20, lt=40)}, order_by="size")) == ["inc-2", "inc-3"]
    assert ids(store.find_records("incidents", order_by="size", descending=True)) == ["inc-4", "inc-3", "inc-2", "inc-1"]
    assert ids(store.find_records("incidents", since=T0 + timedelta(days=3))) == ["inc-3", "inc-4"]


def test_free_form_records_with_booleans(store):
    runs = [JsonRecord(id=f"run-{i}", job="analyze", ok=i % 2 == 0, started_at=(T0 + timedelta(minutes=i)).isoformat())
            for i in range(6)]
    store.put_records("job_runs", runs)
    failed = store.find_records("job_runs", {"ok": False}, order_by="started_at", descending=True)
    assert ids(failed) == ["run-5", "run-3", "run-1"]
    assert failed[0].model_dump()["job"] == "analyze"


def test_search_records_over_text_fields(alerts):
    store, items = alerts
    found = store.search_records("alerts", "欠薪")
    assert {r.id for r, _ in found} == {a.id for a in items if "欠薪" in a.title}
    assert all(score > 0 for _, score in found)
    narrowed = store.search_records("alerts", "欠薪", where={"severity": "red"})
    assert {r.id for r, _ in narrowed} == {a.id for a in items if "欠薪" in a.title and a.severity == "red"}
    assert store.search_records("alerts", '欠薪" OR 1=1 --') == []
    assert store.search_records("alerts", "*") == []
    store.delete_record("alerts", "alert-0")
    assert "alert-0" not in {r.id for r, _ in store.search_records("alerts", "欠薪")}


def test_update_record_optimistic_concurrency(store):
    item = alert(5)
    version = store.update_record("alerts", item, None)
    with pytest.raises(ConflictError):
        store.update_record("alerts", item, None)  # create fails when it exists
    read = store.get_versioned("alerts", item.id)
    assert read.version == version and read.record == item
    mine = read.record.model_copy(update={"state": "acknowledged"})
    theirs = read.record.model_copy(update={"state": "dismissed"})
    newer = store.update_record("alerts", mine, read.version)
    assert newer != version
    with pytest.raises(ConflictError):
        store.update_record("alerts", theirs, read.version)  # stale: someone wrote first
    assert store.get_record("alerts", item.id).state == "acknowledged"
    store.put_records("alerts", [theirs])  # last write wins, and it moves the version on
    with pytest.raises(ConflictError):
        store.update_record("alerts", mine, newer)
    with pytest.raises(ConflictError):
        store.update_record("alerts", alert(99), "1:1")  # does not exist


def test_unknown_kind_and_field_are_clear_errors(store):
    with pytest.raises(StoreError, match="unknown record kind 'alertz'.*alerts"):
        store.find_records("alertz")
    with pytest.raises(StoreError, match="'colour' is not filterable"):
        store.find_records("alerts", {"colour": "red"})
    with pytest.raises(StoreError, match="not filterable"):
        store.find_records("alerts", order_by="title); DROP TABLE records; --")
    with pytest.raises(StoreError, match="time field"):
        store.find_records("sources", since=T0)


def test_state_get_and_set(store):
    assert store.get_state("crawl:weibo") is None
    store.set_state("crawl:weibo", {"cursor": "abc", "seen": [1, 2], "当前": "民治街道"})
    store.set_state("crawl:weibo", {"cursor": "def"})
    assert store.get_state("crawl:weibo") == {"cursor": "def"}


def test_stats_shape(store, make_pairs):
    pairs = make_pairs(5)
    store.put_documents([d for d, _ in pairs])
    store.put_analyses([a for _, a in pairs[:2]])
    store.put_records("alerts", [alert(1)])
    store.put_records("sources", [JsonRecord(id="weibo", state="ok", last_success=T0.isoformat())])
    store.flush()
    assert store.stats() == {"documents": 5, "analyses": 2, "incidents": 0, "alerts": 1, "cases": 0,
                             "sources": [{"name": "weibo", "last_success": T0.isoformat(), "state": "ok"}]}
    assert store.health()["ok"] is True and store.health()["backend"] == store.name
