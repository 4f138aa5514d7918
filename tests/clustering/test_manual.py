"""Hand merges and splits of incidents (clustering.manual), on both stores: the cluster stage keeps them
over further re-clusterings with new posts, a change made meanwhile is refused or re-applied, the alert
cards follow a merge, and ``yuqing incidents`` does the same as a user runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from alerts.dedup import AlertBook
from alerts.incident_cards import merge_incidents, split_incident
from alerts.rules.base import Finding
from clustering import manual
from clustering.embedders import TfidfEmbedder
from clustering.stage import ClusterStage
from governance import audit
from yuqing.errors import ConflictError, InputError, NotFound
from yuqing.privacy import mask_text
from yuqing.records import Alert
from yuqing.storage.sqlite import SQLiteStore

from cluster_fixtures import T0, analysis_for, cluster_config, event_docs

LIVE = ("emerging", "growing", "peak", "declining")


def stage_for(store, tmp_path, clock, embedder=None):
    return ClusterStage(cluster_config(tmp_path), store, embedder=embedder, clock=clock)


def put(store, docs, event):
    store.put_documents(docs)
    store.put_analyses([analysis_for(d, event) for d in docs])
    store.flush()


def live(store):
    """Incidents that are events of their own now (not merged away), by id."""
    return {i.id: i for i in store.find_records("incidents") if not getattr(i, "merged_into", None)}


def merged_into(store, incident_id):
    return getattr(store.get_record("incidents", incident_id), "merged_into", None)


def owner(store, doc_id):
    found = [i for i in live(store).values() if doc_id in i.doc_ids]
    assert len(found) <= 1, f"{doc_id} is in {[i.id for i in found]}"
    return found[0] if found else None


def cycle(store, stage, clock, hours=3, full=True, **more):
    """New posts of each event ``more`` (event → list), later on the clock, then one stage run."""
    clock.when += timedelta(hours=hours)
    for event, docs in more.items():
        put(store, docs, event)
    stage.run_once(full=full)
    store.flush()


def later(event, n, first, hours_after):
    return event_docs(event, n, first=first, start=T0 + timedelta(hours=hours_after), hours=2)


@pytest.fixture
def two_events(store, tmp_path, clock):
    """The flood and the wage protest, each its own incident after a first run."""
    flood, wages = event_docs("flood", 14), event_docs("wages", 14)
    put(store, flood, "flood")
    put(store, wages, "wages")
    stage = stage_for(store, tmp_path, clock)
    stage.run_once()
    store.flush()
    a, b = owner(store, flood[0].id), owner(store, wages[0].id)
    assert a and b and a.id != b.id
    # the posts the engine put in each (it may leave one as noise)
    flood = [d for d in flood if d.id in a.doc_ids]
    wages = [d for d in wages if d.id in b.doc_ids]
    assert len(flood) >= 10 and len(wages) >= 10
    return stage, flood, wages, a, b


# --- merge ---------------------------------------------------------------------------------------------

def test_a_hand_merge_survives_two_reclusterings_with_new_posts(store, clock, two_events):
    stage, flood, wages, a, b = two_events
    kept = manual.merge(store, a.id, b.id, by="ana", note="同一工厂：暴雨淹厂后停工欠薪")
    assert set(kept.doc_ids) == set(a.doc_ids) | set(b.doc_ids) and kept.merged_from == [b.id]
    assert kept.history[-1]["who"] == "ana" and kept.history[-1]["action"] == "merge"
    gone = store.get_record("incidents", b.id)
    assert gone.merged_into == a.id and gone.state == "closed"

    new_flood, new_wages = later("flood", 6, 100, 13), later("wages", 6, 100, 13)
    cycle(store, stage, clock, flood=new_flood, wages=new_wages)
    newer_flood, newer_wages = later("flood", 6, 200, 16), later("wages", 6, 200, 16)
    cycle(store, stage, clock, flood=newer_flood, wages=newer_wages)

    assert list(live(store)) == [a.id]  # the engine made no incident of the wage posts again
    merged = store.get_record("incidents", a.id)
    assert set(a.doc_ids) | set(b.doc_ids) <= set(merged.doc_ids)  # every post put there by hand stayed
    fresh = [d.id for d in new_flood + new_wages + newer_flood + newer_wages]
    assert sum(d in merged.doc_ids for d in fresh) >= 20  # new posts follow the posts they cluster with
    assert merged.merged_from == [b.id] and merged.history[0]["note"] == "同一工厂：暴雨淹厂后停工欠薪"
    assert merged_into(store, b.id) == a.id
    by_hand = [r for r in store.find_records("lineage") if getattr(r, "by", None)]
    assert sorted((r.incident_id, r.relation, r.by) for r in by_hand) == sorted(
        [(a.id, "merged", "ana"), (b.id, "merged_into", "ana")])
    [event] = audit.find(store, actions=["incident_merge"])
    # texts in the audit log are masked: a hex id with eleven digits in a row reads as a phone there
    assert event.who == "ana" and event.target_id == mask_text(a.id) and mask_text(b.id) in event.detail


def test_merging_refuses_what_cannot_be_merged(store, two_events):
    _, _, _, a, b = two_events
    with pytest.raises(InputError, match="itself"):
        manual.merge(store, a.id, a.id, by="ana")
    with pytest.raises(InputError, match="--by"):
        manual.merge(store, a.id, b.id, by=" ")
    with pytest.raises(NotFound):
        manual.merge(store, a.id, "inc-nothing", by="ana")
    manual.merge(store, a.id, b.id, by="ana")
    with pytest.raises(InputError, match=f"already merged into {a.id}"):
        manual.merge(store, b.id, a.id, by="bo")


# --- split ---------------------------------------------------------------------------------------------

def test_a_hand_split_survives_two_reclusterings_and_new_posts_stay_with_the_majority(store, clock, two_events):
    stage, flood, _, a, _ = two_events
    moved = [d.id for d in flood[:5]]
    child = manual.split(store, a.id, moved, by="ana", note="这几条说的是另一处积水")
    assert set(child.doc_ids) == set(moved) and child.split_from == a.id and child.parent_ids == [a.id]
    assert child.streets == ["民治街道"] and child.category == "natural_disaster" and child.size == 5
    assert child.label and child.state in LIVE
    assert not set(moved) & set(store.get_record("incidents", a.id).doc_ids)

    new_flood = later("flood", 6, 100, 13)
    cycle(store, stage, clock, flood=new_flood)
    cycle(store, stage, clock, flood=later("flood", 6, 200, 16))

    source, split_off = store.get_record("incidents", a.id), store.get_record("incidents", child.id)
    assert set(moved) <= set(split_off.doc_ids) and not set(moved) & set(source.doc_ids)
    assert all(owner(store, d).id == child.id for d in moved)
    assert sum(owner(store, d.id) is not None and owner(store, d.id).id == a.id for d in new_flood) >= 5
    assert split_off.split_from == a.id and split_off.history[0]["action"] == "split_new"
    relations = {(r.incident_id, r.relation) for r in store.find_records("lineage") if getattr(r, "by", None)}
    assert relations == {(a.id, "split_off"), (child.id, "split")}
    [event] = audit.find(store, actions=["incident_split"])
    assert event.who == "ana" and "5 篇" in event.detail


def test_posts_split_into_another_incident_stay_there(store, clock, two_events):
    stage, flood, wages, a, b = two_events
    moved = [d.id for d in flood[:2]]
    target = manual.split(store, a.id, moved, by="ana", into=b.id)
    assert target.id == b.id and set(moved) <= set(target.doc_ids) and target.history[-1]["action"] == "split_in"
    cycle(store, stage, clock, flood=later("flood", 4, 100, 13), wages=later("wages", 4, 100, 13))
    cycle(store, stage, clock)
    assert all(owner(store, d).id == b.id for d in moved)
    assert set(live(store)) == {a.id, b.id}


def test_splitting_refuses_what_cannot_be_split(store, two_events):
    _, flood, wages, a, b = two_events
    with pytest.raises(InputError, match="not in it"):
        manual.split(store, a.id, [wages[0].id], by="ana")
    with pytest.raises(InputError, match="leave at least one post"):
        manual.split(store, a.id, list(a.doc_ids), by="ana")
    with pytest.raises(InputError, match="name posts"):
        manual.split(store, a.id, [], by="ana")
    with pytest.raises(InputError, match="already in"):
        manual.split(store, a.id, [flood[0].id], by="ana", into=a.id)
    manual.merge(store, b.id, a.id, by="ana")
    with pytest.raises(InputError, match=f"split from {b.id} instead"):
        manual.split(store, a.id, [flood[0].id], by="ana")
    assert audit.find(store, actions=["incident_split"]) == []


# --- concurrent writes -----------------------------------------------------------------------------------

def test_a_change_made_since_the_analyst_read_the_incident_is_refused(store, clock, two_events):
    stage, flood, _, a, b = two_events
    seen = manual.revision(store.get_record("incidents", a.id))
    manual.split(store, a.id, [flood[0].id], by="bo")  # another analyst, a moment earlier
    with pytest.raises(ConflictError, match="changed since you read it"):
        manual.merge(store, a.id, b.id, by="ana", expected={a.id: seen})
    assert merged_into(store, b.id) is None
    assert [d["action"] for d in manual.decisions(store)] == ["split"]
    assert not audit.find(store, actions=["incident_merge"])
    # the engine growing the incident is a change too; re-clustering that changes no post is not
    seen = manual.revision(store.get_record("incidents", a.id))
    cycle(store, stage, clock, hours=0.2)
    assert manual.revision(store.get_record("incidents", a.id)) == seen
    cycle(store, stage, clock, hours=0.2, full=False, flood=later("flood", 3, 300, 12.5))
    assert manual.revision(store.get_record("incidents", a.id)) != seen
    with pytest.raises(ConflictError):
        manual.split(store, a.id, [flood[1].id], by="ana", expected={a.id: seen})
    assert flood[1].id in store.get_record("incidents", a.id).doc_ids


class AnalystMidRun(TfidfEmbedder):
    """The model-free embedder, and an analyst who acts while the stage embeds the window."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.during = None

    def embed(self, texts):
        if self.during is not None:
            act, self.during = self.during, None
            act()
        return super().embed(texts)


def test_a_merge_made_while_the_stage_embeds_is_kept_by_that_run(store, tmp_path, clock):
    flood, wages = event_docs("flood", 14), event_docs("wages", 14)
    put(store, flood, "flood")
    put(store, wages, "wages")
    embedder = AnalystMidRun()
    stage = stage_for(store, tmp_path, clock, embedder=embedder)
    stage.run_once()
    store.flush()
    a, b = owner(store, flood[0].id), owner(store, wages[0].id)
    embedder.during = lambda: manual.merge(store, a.id, b.id, by="ana")
    cycle(store, stage, clock, flood=later("flood", 4, 100, 13), wages=later("wages", 4, 100, 13))
    assert embedder.during is None and list(live(store)) == [a.id]
    assert merged_into(store, b.id) == a.id


class RacingStore(SQLiteStore):
    """The real SQLite store, where an analyst acts just before the stage writes its incidents."""

    during = None

    def put_records(self, kind, records):
        if kind == "incidents" and self.during is not None:
            act, self.during = self.during, None
            act()
        return super().put_records(kind, records)


def test_a_merge_overwritten_by_a_run_that_clustered_before_it_is_applied_again(tmp_path, clock):
    store = RacingStore(tmp_path / "racing.sqlite")
    try:
        flood, wages = event_docs("flood", 14), event_docs("wages", 14)
        put(store, flood, "flood")
        put(store, wages, "wages")
        stage = stage_for(store, tmp_path, clock)
        stage.run_once()
        a, b = owner(store, flood[0].id), owner(store, wages[0].id)
        store.during = lambda: manual.merge(store, a.id, b.id, by="ana")
        cycle(store, stage, clock, flood=later("flood", 4, 100, 13), wages=later("wages", 4, 100, 13))
        assert store.during is None  # the merge happened after the run clustered, before it wrote
        assert list(live(store)) == [a.id]
        assert {d.id for d in flood + wages} <= set(store.get_record("incidents", a.id).doc_ids)
        assert merged_into(store, b.id) == a.id
        assert [h["action"] for h in store.get_record("incidents", a.id).history] == ["merge"]  # once
    finally:
        store.close()


# --- cards follow the merge -------------------------------------------------------------------------------

def card(alert_id, incident_id, state="new", severity="yellow", key=None, doc_ids=(), rule="incident_growth"):
    return Alert(id=alert_id, rule=rule, severity=severity, title=f"事件升温 {incident_id}", incident_id=incident_id,
                 doc_ids=list(doc_ids), created_at=T0, state=state, dedup_key=key or f"incident:{incident_id}")


def test_the_merged_incidents_card_is_folded_into_the_kept_ones(store, two_events):
    _, flood, wages, a, b = two_events
    store.put_records("alerts", [
        card("c-a", a.id, doc_ids=[flood[0].id]),
        card("c-b", b.id, state="acknowledged", severity="orange", doc_ids=[wages[0].id]),
        card("c-help", b.id, severity="red", key="rescue_request:13800001111", rule="rescue_request"),
        card("c-old", b.id, state="resolved")])
    store.flush()
    book = AlertBook(store)  # the alert stage's map of open cards, read before the merge
    assert book.open_id(f"incident:{b.id}") == "c-b"
    merge_incidents(store, a.id, b.id, by="ana")
    # B's card was further along (acknowledged): it survives as A's card, with A's posts and colour
    survivor, folded = store.get_record("alerts", "c-b"), store.get_record("alerts", "c-a")
    assert survivor.incident_id == a.id and survivor.dedup_key == f"incident:{a.id}"
    assert survivor.state == "acknowledged" and survivor.severity == "orange"
    assert set(survivor.doc_ids) == {flood[0].id, wages[0].id}
    assert survivor.history[-1].who == "ana" and f"{b.id} 已人工并入 {a.id}" in survivor.history[-1].note
    assert folded.state == "duplicate" and folded.duplicate_of == "c-b" and "c-b" in folded.history[-1].note
    help_card = store.get_record("alerts", "c-help")  # a request for help keeps its own card, now A's
    assert help_card.incident_id == a.id and help_card.dedup_key == "rescue_request:13800001111"
    assert store.get_record("alerts", "c-old").incident_id == b.id  # closed cards are history
    # the stage's next finding on A updates the surviving card instead of opening another
    finding = Finding(dedup_key=a.id, incident_id=a.id, title="事件升温", doc_ids=[flood[2].id],
                      reasons=["增长"], street="民治街道", category="natural_disaster")
    outcome = book.apply("incident_growth", finding, "yellow", ["增长"], T0 + timedelta(hours=13), {}, 60, [],
                         key=f"incident:{a.id}")
    assert outcome.alert.id == "c-b" and outcome.event == "updated" and not book.pending
    [event] = audit.find(store, actions=["incident_merge"])
    assert "c-b" in event.detail and "c-a" in event.detail


def test_without_a_card_of_its_own_the_kept_incident_takes_the_merged_ones(store, two_events):
    _, _, _, a, b = two_events
    store.put_records("alerts", [card("c-b", b.id)])
    store.flush()
    book = AlertBook(store)
    assert book.open_id(f"incident:{a.id}") is None
    merge_incidents(store, a.id, b.id, by="ana")
    moved = store.get_record("alerts", "c-b")
    assert moved.state == "new" and moved.incident_id == a.id and moved.dedup_key == f"incident:{a.id}"
    assert book.open_id(f"incident:{a.id}") == "c-b"  # the stage's map learns it


def test_a_split_leaves_a_line_on_the_incidents_card(store, two_events):
    _, flood, _, a, _ = two_events
    store.put_records("alerts", [card("c-a", a.id)])
    store.flush()
    child = split_incident(store, a.id, [flood[0].id, flood[1].id], by="ana")
    line = store.get_record("alerts", "c-a").history[-1]
    assert line.who == "ana" and line.note == f"人工拆分：2 篇帖子移到事件 {child.id}"
    assert store.get_record("alerts", "c-a").incident_id == a.id


# --- yuqing incidents, as a user runs it -----------------------------------------------------------------

def yuqing(store, *args):
    return subprocess.run([sys.executable, "-m", "yuqing", *args, "-s", f"store.path={store.path}"],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_the_command_merges_splits_and_shows(sqlite_store, tmp_path, clock):
    store = sqlite_store
    flood, wages = event_docs("flood", 14), event_docs("wages", 14)
    put(store, flood, "flood")
    put(store, wages, "wages")
    stage_for(store, tmp_path, clock).run_once()
    a, b = owner(store, flood[0].id), owner(store, wages[0].id)
    store.put_records("alerts", [card("c-a", a.id), card("c-b", b.id)])
    store.flush()

    shown = yuqing(store, "incidents", "show", a.id, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["id"] == a.id and data["revision"] == manual.revision(a) and data["doc_ids"] == a.doc_ids

    split = yuqing(store, "incidents", "split", a.id, flood[0].id, flood[1].id, "--by", "王敏", "--note", "另一处积水")
    assert split.returncode == 0, split.stderr
    child_id = split.stdout.split()[-1]
    assert split.stdout.startswith(f"已从 {a.id} 拆出 2 篇到新事件 ")
    assert set(store.get_record("incidents", child_id).doc_ids) == {flood[0].id, flood[1].id}
    # the cards follow from the command too (clustering does not know them: the command passes them)
    assert store.get_record("alerts", "c-a").history[-1].note == f"人工拆分：2 篇帖子移到事件 {child_id}"

    stale = yuqing(store, "incidents", "merge", a.id, b.id, "--by", "王敏", "--revision", data["revision"])
    assert stale.returncode == 1 and "changed since you read it" in stale.stderr and "Traceback" not in stale.stderr
    assert merged_into(store, b.id) is None

    merged = yuqing(store, "incidents", "merge", a.id, b.id, "--by", "王敏", "--format", "json")
    assert merged.returncode == 0, merged.stderr
    kept = json.loads(merged.stdout)
    assert kept["merged_from"] == [b.id] and set(b.doc_ids) <= set(kept["doc_ids"])
    folded = store.get_record("alerts", "c-b")
    assert folded.state == "duplicate" and folded.duplicate_of == "c-a"

    text = yuqing(store, "incidents", "show", b.id)
    assert text.returncode == 0 and f"已并入 {a.id}" in text.stdout
    into = yuqing(store, "incidents", "split", a.id, wages[0].id, "--by", "王敏", "--into", child_id)
    assert into.returncode == 0 and into.stdout.strip() == f"已从 {a.id} 拆出 1 篇到事件 {child_id}"

    for args, code, words in ((("merge", a.id, "inc-nothing", "--by", "王敏"), 1, "no incident"),
                              (("split", a.id, "no-such-post", "--by", "王敏"), 2, "not in it"),
                              (("merge", a.id, b.id), 2, "--by")):
        result = yuqing(store, "incidents", *args)
        assert result.returncode == code and words in result.stderr, (args, result.stderr)
    assert {e.who for e in audit.find(store, actions=["incident_merge", "incident_split"])} == {"王敏"}
