"""Stable ids by document overlap: created, continued, merged, split, closed."""
from clustering.identity import match_clusters, new_incident_id


def ids(prefix, n, first=0):
    return {f"{prefix}{i}" for i in range(first, first + n)}


def test_new_clusters_are_created_with_deterministic_ids():
    first = match_clusters([ids("a", 10), ids("b", 8)], {})
    again = match_clusters([ids("a", 10), ids("b", 8)], {})
    assert [r["relation"] for r in first.relations] == ["created", "created"]
    assert first.ids == again.ids and len(set(first.ids)) == 2


def test_a_growing_incident_keeps_its_id():
    match = match_clusters([ids("a", 15), ids("b", 8)], {"inc-A": ids("a", 10)})
    assert match.ids[0] == "inc-A" and match.relations[0] == {"relation": "continued"}
    assert match.relations[1]["relation"] == "created" and not match.ended


def test_two_incidents_merge_into_the_larger_ones_id():
    match = match_clusters([ids("a", 10) | ids("b", 6)], {"inc-A": ids("a", 10), "inc-B": ids("b", 6)})
    assert match.ids == ["inc-A"]
    assert match.relations[0] == {"relation": "merged", "merged_from": ["inc-B"]}
    assert match.merged_into == {"inc-B": "inc-A"} and not match.ended


def test_a_split_keeps_the_id_on_the_larger_part_and_the_child_points_to_the_parent():
    match = match_clusters([ids("a", 6), ids("a", 10, first=6)], {"inc-A": ids("a", 16)})
    assert match.ids[1] == "inc-A" and match.relations[1] == {"relation": "continued"}
    assert match.ids[0] != "inc-A" and match.relations[0] == {"relation": "split", "parent_ids": ["inc-A"]}


def test_an_incident_without_successor_ends_and_small_overlap_is_not_a_link():
    match = match_clusters([ids("c", 10) | ids("a", 1)], {"inc-A": ids("a", 20)})
    assert match.relations[0]["relation"] == "created" and match.ended == ["inc-A"]


def test_new_ids_never_collide_with_taken_ones():
    first = new_incident_id(["x1", "x2"], lambda _id: False)
    second = new_incident_id(["x1", "x2"], lambda candidate: candidate == first)
    assert first.startswith("inc-") and second != first
