"""The cluster stage on both stores: stable ids and lineage (continued, merged, split, closed)."""
from datetime import timedelta

from clustering.stage import ClusterStage
from yuqing.records import Incident

from cluster_fixtures import T0, analysis_for, cluster_config, event_docs


def stage_for(store, tmp_path, clock, *extra):
    return ClusterStage(cluster_config(tmp_path, *extra), store, clock=clock)


def incidents(store):
    return {i.id: i for i in store.find_records("incidents")}


def relations(store):
    return sorted((r.incident_id, r.relation) for r in store.find_records("lineage"))


def by_doc(store, doc_id):
    return [i for i in store.find_records("incidents", where={"state": ["emerging", "growing", "peak", "declining"]})
            if doc_id in i.doc_ids]


def test_first_run_creates_incidents_with_facets_where_analyses_exist(store, tmp_path, clock):
    flood, wages = event_docs("flood", 15), event_docs("wages", 15)
    store.put_documents(flood + wages)
    store.put_analyses([analysis_for(d, "flood") for d in flood])  # the wage posts have no analysis
    report = stage_for(store, tmp_path, clock).run_once()
    store.flush()
    found = incidents(store)
    assert report.created == 2 and len(found) == 2
    flood_incident, = by_doc(store, flood[0].id)
    assert set(flood_incident.doc_ids) == {d.id for d in flood}
    assert flood_incident.category == "natural_disaster" and flood_incident.streets == ["民治街道"]
    assert flood_incident.sentiment["negative"] == 1.0 and flood_incident.label.startswith("民治街道")
    assert flood_incident.state in ("emerging", "growing", "peak", "declining") and flood_incident.size == 15
    wages_incident, = by_doc(store, wages[0].id)
    assert wages_incident.category is None and wages_incident.streets == [] and wages_incident.sentiment == {}
    assert wages_incident.keywords and wages_incident.authors >= 1
    assert [r for _, r in relations(store)] == ["created", "created"]


def test_ids_stay_stable_while_incidents_grow(store, tmp_path, clock):
    store.put_documents(event_docs("flood", 12) + event_docs("wages", 12))
    stage = stage_for(store, tmp_path, clock)
    stage.run_once()
    store.flush()
    before = incidents(store)
    store.put_documents(event_docs("flood", 8, first=12, start=T0 + timedelta(hours=12), hours=2))
    clock.when += timedelta(hours=3)
    stage.run_once(full=True)
    store.flush()
    after = incidents(store)
    assert set(after) == set(before)
    grown = max(after.values(), key=lambda i: i.size)
    assert grown.size == 20 and grown.last_seen > before[grown.id].last_seen
    assert sorted(r for _, r in relations(store)) == ["continued", "continued", "created", "created"]


def test_new_documents_join_incidents_online_between_reclusterings(store, tmp_path, clock):
    store.put_documents(event_docs("flood", 12) + event_docs("wages", 12))
    stage = stage_for(store, tmp_path, clock)
    assert stage.run_once().extra["full"]
    store.flush()
    late = event_docs("flood", 3, first=100, start=T0 + timedelta(hours=12), hours=0.5)
    store.put_documents(late)
    clock.when += timedelta(minutes=10)
    report = stage.run_once()  # within clustering.recluster_interval: online assignment only
    store.flush()
    assert not report.extra["full"] and report.extra["assigned"] == 3
    joined, = by_doc(store, late[0].id)
    assert {d.id for d in late} <= set(joined.doc_ids) and joined.size == 15
    assert ("grew" in {r for _, r in relations(store)})


def test_two_incidents_found_as_one_are_merged_under_one_id(store, tmp_path, clock):
    flood = event_docs("flood", 20)
    store.put_documents(flood)
    # a previous run had split the flood in two
    halves = [flood[:12], flood[12:]]
    store.put_records("incidents", [Incident(id=f"inc-{n}", doc_ids=[d.id for d in half], size=len(half),
                                             first_seen=half[0].published_at, last_seen=half[-1].published_at,
                                             state="growing") for n, half in zip("AB", halves)])
    stage_for(store, tmp_path, clock).run_once(full=True)
    store.flush()
    found = incidents(store)
    assert len(set(found["inc-A"].doc_ids) & {d.id for d in flood}) >= 18  # HDBSCAN may leave a post as noise
    assert found["inc-A"].merged_from == ["inc-B"]
    assert found["inc-B"].state == "closed" and found["inc-B"].merged_into == "inc-A"
    assert relations(store) == [("inc-A", "merged"), ("inc-B", "merged_into")]


def test_one_incident_found_as_two_is_split_and_the_child_points_to_the_parent(store, tmp_path, clock):
    flood, wages = event_docs("flood", 16), event_docs("wages", 12)
    store.put_documents(flood + wages)
    # a previous run had lumped both events together
    store.put_records("incidents", [Incident(id="inc-P", doc_ids=[d.id for d in flood + wages], size=28,
                                             first_seen=T0, last_seen=T0 + timedelta(hours=10), state="peak")])
    stage_for(store, tmp_path, clock).run_once(full=True)
    store.flush()
    found = incidents(store)
    kept = set(found["inc-P"].doc_ids)  # the larger part keeps the id (HDBSCAN may leave a post as noise)
    assert len(kept & {d.id for d in flood}) >= 14 and not kept & {d.id for d in wages}
    child, = [i for i in found.values() if i.id != "inc-P"]
    assert len(set(child.doc_ids) & {d.id for d in wages}) >= 10 and child.parent_ids == ["inc-P"]
    assert relations(store) == sorted([("inc-P", "continued"), (child.id, "split")])


def test_incidents_close_when_their_posts_leave_the_window(store, tmp_path, clock):
    store.put_documents(event_docs("flood", 12))
    stage = stage_for(store, tmp_path, clock)
    stage.run_once()
    store.flush()
    clock.when += timedelta(days=5)
    report = stage.run_once(full=True)
    store.flush()
    assert "empty window" in report.detail
    assert [i.state for i in incidents(store).values()] == ["closed"]
    assert sorted(r for _, r in relations(store)) == ["closed", "created"]


def test_a_window_that_doubles_is_reclustered_before_the_interval(store, tmp_path, clock):
    stage = stage_for(store, tmp_path, clock)
    store.put_documents(event_docs("flood", 3))  # a service just started: too few posts for an incident
    assert stage.run_once().extra["full"]
    store.flush()
    store.put_documents(event_docs("wages", 12, start=T0 + timedelta(minutes=5)))
    clock.when += timedelta(minutes=5)  # well within clustering.recluster_interval
    report = stage.run_once()
    store.flush()
    assert report.extra["full"] and report.created == 1  # the new event is an incident at once
    store.put_documents(event_docs("wages", 2, first=50, start=T0 + timedelta(minutes=8)))
    clock.when += timedelta(minutes=5)
    assert not stage.run_once().extra["full"]  # a trickle is assigned online until the next interval


def test_empty_store_and_too_few_documents(store, tmp_path, clock):
    stage = stage_for(store, tmp_path, clock)
    assert "empty window" in stage.run_once().detail
    store.put_documents(event_docs("flood", 3))
    report = stage.run_once(full=True)
    store.flush()
    assert report.processed == 3 and not incidents(store) and "noise 100%" in report.detail


def test_a_crowded_window_is_shortened_to_its_newest_days(sqlite_store, tmp_path, clock):
    old = event_docs("wages", 12, start=T0 - timedelta(days=2), hours=4)
    new = event_docs("flood", 12)
    sqlite_store.put_documents(old + new)
    report = stage_for(sqlite_store, tmp_path, clock, "clustering.max_window_docs=15").run_once()
    assert report.processed == 12
    assert {i for inc in incidents(sqlite_store).values() for i in inc.doc_ids} == {d.id for d in new}


def test_replayed_past_data_clusters_with_the_window_anchored_at_the_newest_post(sqlite_store, tmp_path):
    sqlite_store.put_documents(event_docs("flood", 12) + event_docs("gym", 12))  # June 2024, long past
    stage = ClusterStage(cluster_config(tmp_path, "clustering.window_anchor=latest"), sqlite_store)
    report = stage.run_once()
    assert report.processed == 24 and report.created == 2
    assert {i.state for i in incidents(sqlite_store).values()} <= {"emerging", "growing", "peak", "declining"}
