"""The desk's rows as typed records (:class:`alerts.requests.RescueRequest`) on both stores and through
``yuqing reindex``, and the ``followups`` stage that puts follow-up posts on them after the alert stage."""
from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import datetime

import pytest
from pydantic import ValidationError

from conftest import minutes, post, rescue_slots, rows

from alerts.requests import REQUEST_STATUSES, Change, Followup, Note, RescueRequest
from desk import board
from desk.followups import FollowupStage
from yuqing.errors import NotConfigured
from yuqing.records import DEFAULT_TZ
from yuqing.storage.base import JsonRecord

A_PHONE, A_HOME = "13800001111", "民治街道碧水龙庭3栋"
A_TEXT = f"{A_HOME}被困，家里有两位老人，水已经淹到一楼，急需救援，电话{A_PHONE}"
SAFE_TEXT = f"更新：碧水龙庭3栋的老人已获救，勿再转，谢谢大家！电话{A_PHONE}"


def worked_row(store, cycle) -> str:
    """A row the engine made from a post and its repost, then worked by the desk and a follow-up."""
    post(store, A_TEXT, minutes(0), rescue=rescue_slots(A_PHONE, A_HOME, urgency=0.7))
    post(store, "转发：" + A_TEXT, minutes(1), rescue=rescue_slots(A_PHONE, A_HOME, urgency=0.7))
    cycle(minutes(2))
    [row_id] = rows(store)
    board.claim(store, row_id, by="王敏", now=minutes(3))
    board.set_status(store, row_id, "已核实", by="王敏", note="电话打通，两位老人在二楼", now=minutes(4))
    post(store, f"碧水龙庭3栋还在等，还没人来，电话{A_PHONE}", minutes(5))
    cycle(minutes(6))
    return row_id


def test_a_worked_row_reads_back_typed_and_writes_back_unchanged(store, cycle):
    row_id = worked_row(store, cycle)
    [record] = store.find_records("rescue_requests")
    assert isinstance(record, RescueRequest) and record.id == row_id == record.request_id
    assert record.phones == [A_PHONE] and len(record.doc_ids) == 2 and record.alert_id
    assert record.status == "verified" and record.verified_by == "王敏" and record.claimed_by == "王敏"
    assert record.urgency == pytest.approx(0.85)  # 0.7, raised by the "still waiting" post
    assert record.vulnerable == ["elderly"] and record.needs == ["evacuation"]
    assert record.first_seen == record.last_seen == minutes(2)  # the follow-up is no repost
    assert record.claim_until == minutes(18) and record.status_times["verified"] == minutes(4)
    [note] = record.notes
    assert isinstance(note, Note) and note.text == "电话打通，两位老人在二楼" and note.when == minutes(4)
    assert all(isinstance(h, Change) for h in record.history)
    assert [h.action for h in record.history] == ["desk_claim", "desk_status", "desk_followup"]
    assert record.history[1].model_extra == {"from": "new", "to": "verified", "note": "电话打通，两位老人在二楼"}
    [followup] = record.followups
    assert isinstance(followup, Followup) and followup.kind == "waiting" and followup.before["status"] == "verified"
    assert isinstance(store.get_versioned("rescue_requests", row_id).record, RescueRequest)

    written = record.model_dump(mode="json")
    store.put_records("rescue_requests", [record])
    store.flush()
    assert store.get_record("rescue_requests", row_id).model_dump(mode="json") == written


def test_a_row_stored_before_the_model_still_loads_with_its_own_fields(store):
    """Rows written as free-form records (an older engine, a test seed) load; unknown fields are kept
    and a time without an offset is read in the engine's zone."""
    store.put_records("rescue_requests", [JsonRecord(
        id="req:old", alert_id="a1", phones=[A_PHONE], address=A_HOME, street="民治街道", urgency=0.9, status="open",
        last_seen="2021-07-20T17:05:00", contact="李先生")])
    store.flush()
    old = store.get_record("rescue_requests", "req:old")
    assert isinstance(old, RescueRequest) and old.contact == "李先生"
    assert old.last_seen == datetime(2021, 7, 20, 17, 5, tzinfo=DEFAULT_TZ)
    assert old.doc_ids == [] and old.history == [] and old.request_id is None
    assert board.row(old.model_dump(mode="json"))["status"] == "new"
    assert [r["id"] for r in board.list_requests(store, statuses=["new"])] == ["req:old"]


def test_a_row_with_an_unknown_status_is_refused_naming_the_field(store):
    with pytest.raises(ValidationError, match="status"):
        store.put_records("rescue_requests", [JsonRecord(id="req:bad", status="closed")])
    assert store.count_records("rescue_requests") == 0


def test_the_record_knows_every_status_the_board_and_the_engine_write():
    assert set(REQUEST_STATUSES) == set(board.STATUSES) | set(board.LEGACY)


def test_reindex_copies_the_rows_into_elasticsearch_typed(tmp_path, es_node, desk_config):
    from alerts.stage import AlertEngine, AlertStage
    from yuqing.storage.elastic import ElasticsearchStore
    from yuqing.storage.sqlite import SQLiteStore

    source_path = tmp_path / "desk.sqlite"
    with SQLiteStore(source_path) as source:
        alert = AlertStage(desk_config, source, engine=AlertEngine.from_config(desk_config, source, providers=False))

        def cycle(at):
            alert.run_once(now=at)
            FollowupStage.from_config(desk_config, source).run_once(now=at)
        row_id = worked_row(source, cycle)
        source.put_records("rescue_requests", [JsonRecord(id="req:old", phones=["13900002222"], status="open",
                                                          urgency=0.5, contact="李先生")])
        expected = {r.id: r.model_dump(mode="json") for r in source.find_records("rescue_requests")}
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    done = subprocess.run(
        [sys.executable, "-m", "yuqing", "reindex", "--from", str(source_path), "-q",
         "-s", "store.backend=elasticsearch", "-s", f"store.elasticsearch.hosts=[{es_node}]",
         "-s", f"store.elasticsearch.index_prefix={prefix}", "-s", f"store.path={tmp_path / 'es-local.sqlite'}"],
        capture_output=True, text=True, timeout=300)
    target = ElasticsearchStore([es_node], index_prefix=prefix, spool_dir=tmp_path / "check-spool")
    try:
        assert done.returncode == 0, done.stderr[-2000:]
        assert "rescue_requests: 2" in done.stderr
        copied = target.find_records("rescue_requests")
        assert all(isinstance(r, RescueRequest) for r in copied)
        assert {r.id: r.model_dump(mode="json") for r in copied} == expected and row_id in expected
        assert [r.id for r in target.find_records("rescue_requests", {"status": "verified"})] == [row_id]
    finally:
        target.delete_indices()
        target.close()


# --- the followups stage ------------------------------------------------------------------------------

@pytest.fixture
def stages(store, desk_config):
    from alerts.stage import AlertEngine, AlertStage

    alert = AlertStage(desk_config, store, engine=AlertEngine.from_config(desk_config, store, providers=False))
    return alert, FollowupStage.from_config(desk_config, store)


def test_a_follow_up_read_before_its_request_is_on_the_board_reaches_it_on_the_next_run(store, stages):
    """In the service the desk's job may run before the alert cycle that puts the request on the board."""
    alert, followups = stages
    post(store, A_TEXT, minutes(0), rescue=rescue_slots(A_PHONE, A_HOME))
    safe = post(store, SAFE_TEXT, minutes(1))
    report = followups.run_once(now=minutes(2))
    store.flush()
    assert report.processed == 2 and report.created == 0 and report.extra["waiting"] == 1
    assert store.count_records("rescue_requests") == 0
    assert alert.run_once(now=minutes(2)).errors == 0
    store.flush()
    assert board.status_of(next(iter(rows(store).values()))) == "new"
    report = followups.run_once(now=minutes(3))  # nothing new to read: the waiting follow-up is tried again
    store.flush()
    assert report.processed == 0 and report.created == 1 and report.extra["waiting"] == 0
    [row] = rows(store).values()
    assert row["status"] == "safe" and row["safe_doc_ids"] == [safe.id]


def test_a_follow_up_that_never_finds_a_row_is_given_up_after_the_overlap(store, stages):
    _alert, followups = stages
    post(store, "民治街道这边的朋友都已安全了，谢谢关心，电话13911112222", minutes(0))
    assert followups.run_once(now=minutes(1)).extra["waiting"] == 1
    store.flush()
    assert followups.run_once(now=minutes(100)).extra["waiting"] == 1  # alerts.overlap_minutes is 120
    store.flush()
    report = followups.run_once(now=minutes(122))
    assert report.extra == {"waiting": 0, "retried": 1, "failed": []} and report.errors == 0
    store.flush()
    assert followups.run_once(now=minutes(123)).extra["retried"] == 0


def test_the_followups_stage_runs_right_after_the_alert_stage_and_only_with_it(tmp_path):
    from yuqing.config import load_config
    from yuqing.pipeline import STAGES, stage_class
    from yuqing.storage.sqlite import SQLiteStore

    names = list(STAGES)
    assert names.index("followups") == names.index("alert") + 1 and stage_class("followups") is FollowupStage
    with SQLiteStore(tmp_path / "off.sqlite") as store, pytest.raises(NotConfigured, match="alerts.enabled"):
        FollowupStage.from_config(load_config(None, ["alerts.enabled=false"]), store)
