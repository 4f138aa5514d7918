"""Stable incident identities across re-clustering runs, matched by document overlap.

A new cluster and a previous incident are *linked* when the cluster holds at least ``min_overlap``
of the incident's documents that are still in the window, or when at least half of the cluster
comes from that incident. Ids then pass greedily, largest overlap first, so an incident keeps its
id while it grows; lineage says what happened:

* ``continued`` — the cluster carries on one previous incident under its id;
* ``merged`` — the cluster kept one parent's id and absorbed others (``merged_from``); each
  absorbed incident gets a ``merged_into`` lineage record and is closed;
* ``split`` — a new id for a part of an incident whose id went to a larger part (``parent_ids``);
* ``created`` — nothing before it; ``closed`` — a previous incident with no successor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from yuqing.records import stable_id


@dataclass
class Match:
    """The outcome for each new cluster (same order) and for the previous incidents."""

    ids: list[str]
    relations: list[dict]  # per cluster: {"relation", "merged_from"?, "parent_ids"?}
    merged_into: dict[str, str] = field(default_factory=dict)  # absorbed previous id → new id
    ended: list[str] = field(default_factory=list)  # previous ids with no successor


def new_incident_id(doc_ids: Sequence[str], taken: Callable[[str], bool]) -> str:
    """A deterministic id from the cluster's first document, salted if that id is taken."""
    seed = min(doc_ids)
    candidate = "inc-" + stable_id("incident", seed)[:16]
    salt = 0
    while taken(candidate):
        salt += 1
        candidate = "inc-" + stable_id("incident", seed, str(salt))[:16]
    return candidate


def match_clusters(clusters: Sequence[set[str]], previous: dict[str, set[str]], *, min_overlap: float = 0.3,
                   taken: Callable[[str], bool] = lambda _id: False) -> Match:
    """Ids and lineage for ``clusters`` given ``previous`` (incident id → its documents in the window)."""
    links: list[tuple[int, int, str]] = []  # (overlap, cluster index, previous id)
    for index, members in enumerate(clusters):
        for prev_id, prev_docs in previous.items():
            overlap = len(members & prev_docs)
            if overlap and (overlap >= min_overlap * len(prev_docs) or overlap >= 0.5 * len(members)):
                links.append((overlap, index, prev_id))
    links.sort(key=lambda link: (-link[0], link[1], link[2]))
    ids: list[str | None] = [None] * len(clusters)
    used: set[str] = set()
    for _, index, prev_id in links:
        if ids[index] is None and prev_id not in used:
            ids[index] = prev_id
            used.add(prev_id)
    parents: list[list[str]] = [[] for _ in clusters]
    for _, index, prev_id in sorted(links, key=lambda link: (link[1], -link[0], link[2])):
        parents[index].append(prev_id)
    fresh: set[str] = set()

    def is_taken(candidate: str) -> bool:
        return candidate in previous or candidate in fresh or taken(candidate)

    for index, members in enumerate(clusters):
        if ids[index] is None:
            ids[index] = new_incident_id(sorted(members), is_taken)
            fresh.add(ids[index])
    match = Match(ids=[i for i in ids if i is not None], relations=[])
    for index, own in enumerate(match.ids):
        others = [p for p in parents[index] if p != own]
        if not parents[index]:
            match.relations.append({"relation": "created"})
        elif own in parents[index] and not others:
            match.relations.append({"relation": "continued"})
        elif own in parents[index]:
            match.relations.append({"relation": "merged", "merged_from": others})
            for prev_id in others:
                if prev_id not in used:
                    match.merged_into.setdefault(prev_id, own)
        else:
            match.relations.append({"relation": "split", "parent_ids": others})
    match.ended = sorted(p for p in previous if p not in used and p not in match.merged_into)
    return match
