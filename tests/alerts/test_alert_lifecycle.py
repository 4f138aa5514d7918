"""The lifecycle state machine on a real store: legal paths, refusals, history, concurrent writers."""
import pytest

from alert_builders import T0
from alerts import lifecycle
from yuqing.errors import ConflictError, NotFound, TransitionError
from yuqing.records import Alert


def new_alert(store, alert_id="a1", **kw) -> Alert:
    alert = Alert(id=alert_id, rule="kw", severity="orange", title="t", created_at=T0, street="民治街道",
                  department="民治街道综治办", dedup_key=f"kw:{alert_id}", **kw)
    store.update_record("alerts", alert, None)
    return alert


def test_full_path_with_history_and_assignee(store):
    new_alert(store)
    lifecycle.acknowledge(store, "a1", by="张三", note="收到")
    alert = lifecycle.dispatch(store, "a1", by="张三", note="转网格员")
    assert alert.assignee == "民治街道综治办"  # defaults to the routed department
    alert = lifecycle.resolve(store, "a1", by="李四", note="已处置完毕")
    assert alert.state == "resolved"
    steps = [(h.who, h.from_state, h.to_state, h.note) for h in store.get_record("alerts", "a1").history]
    assert steps == [("张三", "new", "acknowledged", "收到"), ("张三", "acknowledged", "dispatched", "转网格员"),
                     ("李四", "dispatched", "resolved", "已处置完毕")]
    dumped = store.get_record("alerts", "a1").model_dump(mode="json")["history"][0]
    assert set(dumped) >= {"who", "when", "from", "to", "note"}


def test_assignee_given_on_dispatch(store):
    new_alert(store)
    lifecycle.acknowledge(store, "a1", by="张三", assignee="网格员王五")
    assert lifecycle.dispatch(store, "a1", by="张三").assignee == "网格员王五"


@pytest.mark.parametrize("path,to,message", [
    ([], "dispatched", "is new, so it cannot be dispatched directly; from new it can go to: acknowledged"),
    ([], "resolved", "cannot be resolved directly"),
    (["acknowledged"], "acknowledged", "is acknowledged, so it cannot be acknowledged"),
    (["dismissed"], "acknowledged", "is already dismissed; a closed alert cannot be changed"),
    (["acknowledged", "dispatched", "resolved"], "dismissed", "already resolved"),
    ([], "closed", "'closed' is not an alert state"),
])
def test_illegal_transitions_are_refused_with_a_sentence(store, path, to, message):
    new_alert(store)
    for step in path:
        lifecycle.transition(store, "a1", step, by="x")
    with pytest.raises(TransitionError, match=message):
        lifecycle.transition(store, "a1", to, by="x")
    assert len(store.get_record("alerts", "a1").history) == len(path)  # nothing recorded


@pytest.mark.parametrize("state_path", [[], ["acknowledged"], ["acknowledged", "dispatched"]])
def test_dismiss_and_duplicate_from_any_open_state(store, state_path):
    new_alert(store, "a1")
    new_alert(store, "a2")
    for step in state_path:
        lifecycle.transition(store, "a1", step, by="x")
        lifecycle.transition(store, "a2", step, by="x")
    assert lifecycle.dismiss(store, "a1", by="x", note="误报").state == "dismissed"
    dup = lifecycle.mark_duplicate(store, "a2", by="x", of="a1")
    assert dup.state == "duplicate" and dup.duplicate_of == "a1" and "a1" in dup.history[-1].note


def test_refusals_for_unknown_alert_self_duplicate_and_missing_actor(store):
    new_alert(store)
    with pytest.raises(NotFound, match="no alert with id 'zz'"):
        lifecycle.acknowledge(store, "zz", by="x")
    with pytest.raises(TransitionError, match="duplicate of itself"):
        lifecycle.mark_duplicate(store, "a1", by="x", of="a1")
    with pytest.raises(NotFound, match="no such alert"):
        lifecycle.mark_duplicate(store, "a1", by="x", of="nope")
    with pytest.raises(TransitionError, match="say who acts"):
        lifecycle.acknowledge(store, "a1", by=" ")


def test_concurrent_writer_is_detected_and_the_change_retried(store):
    new_alert(store)
    stale = store.get_versioned("alerts", "a1")
    lifecycle.acknowledge(store, "a1", by="甲")
    with pytest.raises(ConflictError):
        store.update_record("alerts", stale.record, stale.version)
    calls = []

    def change(alert):
        if not calls:  # someone else writes between our read and our write
            lifecycle.transition(store, "a1", "dispatched", by="乙", note="抢先派单")
        calls.append(alert.state)
        lifecycle.check_transition(alert, "dismissed")
        lifecycle.record_change(alert, "丙", alert.state, "dismissed", "")
        alert.state = "dismissed"
        return alert

    result = lifecycle.modify(store, "a1", change)
    assert calls == ["acknowledged", "dispatched"]  # re-read after the conflict
    assert [h.who for h in result.history] == ["甲", "乙", "丙"] and result.state == "dismissed"
