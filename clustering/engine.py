"""The incident engine: clusters → identified, labelled, faceted incidents with bursts and lineage.

Used by the pipeline stage (:mod:`clustering.stage`) and by ``yuqing cluster``. Pure with respect to
the store: it takes documents, their vectors, their analyses and the previous incidents, and
returns records; the caller writes them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Sequence

import numpy as np

from clustering import facets
from clustering.amplification import AmplificationParams, amplification, distinct_authors
from clustering.bursts import BurstParams, SortedTimes, burst
from clustering.density import NOISE, DensityParams
from clustering.embedders import document_text
from clustering.events import EventParams, cluster_window, place_keys, same_place
from clustering.identity import match_clusters
from clustering.labels import class_keywords, make_label
from clustering.online import CentroidAssigner
from clustering.pins import Pins, constrain
from clustering.settings import SETTINGS
from yuqing.config import from_settings, settings_params
from yuqing.records import Analysis, Document, Incident


@settings_params(SETTINGS, "clustering.")
class EngineParams:
    density: DensityParams = DensityParams()
    bursts: BurstParams = BurstParams()
    amplification: AmplificationParams = AmplificationParams()
    keywords: int
    identity_min_overlap: float
    events: EventParams = EventParams()

    @classmethod
    def from_config(cls, config, embedder=None) -> "EngineParams":
        return from_settings(cls, config, density=DensityParams.from_config(config, embedder),
                             bursts=BurstParams.from_config(config),
                             amplification=AmplificationParams.from_config(config),
                             events=EventParams.from_config(config, embedder))


@dataclass
class Window:
    """The documents being clustered, their unit vectors and whatever analyses exist."""

    docs: list[Document]
    vectors: np.ndarray
    analyses: dict[str, Analysis] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {d.id: i for i, d in enumerate(self.docs)}
        self._peers: Optional[dict] = None

    def peer_key(self, doc_id: str) -> tuple[str, str]:
        analysis = self.analyses.get(doc_id)
        if analysis is None:
            return ("", "")
        return (analysis.location.street or "", analysis.top_category or "")

    def peer_times(self, key: tuple[str, str]) -> list[datetime]:
        """Publication times of the window's posts on the same street and category.

        An incident with neither facet is compared with the whole window.
        """
        if self._peers is None:
            peers = defaultdict(list)
            for doc in self.docs:
                peers[self.peer_key(doc.id)].append(doc.published_at)
                peers["all"].append(doc.published_at)
            self._peers = {k: SortedTimes(sorted(v)) for k, v in peers.items()}
        return self._peers["all"] if key == ("", "") else self._peers.get(key, SortedTimes())


@dataclass
class Outcome:
    """What a run produced: incidents to write, lineage records, and each document's incident."""

    incidents: list[Incident] = field(default_factory=list)
    lineage: list[dict] = field(default_factory=list)
    assignments: dict[str, Optional[str]] = field(default_factory=dict)


def recluster(window: Window, previous: Sequence[Incident], now: datetime, params: EngineParams,
              taken=lambda _id: False, pins: Optional[Pins] = None) -> Outcome:
    """Cluster the whole window, match the clusters to ``previous`` and build every incident.

    ``pins`` are the analysts' hand merges and splits (:mod:`clustering.pins`): the incidents they
    decided keep their posts under their ids, and only the other clusters are matched by overlap.
    """
    labels = cluster_window(window.vectors, [document_text(d) for d in window.docs],
                            [d.published_at for d in window.docs], params.density, params.events)
    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels.tolist()):
        if label != NOISE:
            groups[label].append(row)
    ordered = sorted(groups.values(), key=lambda rows: (-len(rows), rows[0]))
    pins = pins or Pins()
    in_window = set(window.position)
    forced, ordered = _pinned(window, ordered, pins, {p.id: set(p.doc_ids) & in_window for p in previous},
                              params.identity_min_overlap)
    prev_by_id = {p.id: p for p in previous}
    pinned = {d for rows in forced.values() for d in (window.docs[r].id for r in rows)}
    prev_docs = {p.id: (set(p.doc_ids) & in_window) - pinned for p in previous
                 if p.id not in forced and p.id not in pins.merged}
    match = match_clusters([{window.docs[r].id for r in rows} for rows in ordered],
                           {k: v for k, v in prev_docs.items() if v},
                           min_overlap=params.identity_min_overlap, taken=lambda i: i in forced or taken(i))
    ordered = [*forced.values(), *ordered]
    ids = [*forced, *match.ids]
    relations = [{"relation": "continued" if i in prev_by_id else "created"} for i in forced] + match.relations
    if forced:
        labels = np.full(len(window.docs), NOISE)
        for index, rows in enumerate(ordered):
            labels[rows] = index
    keywords = _keywords(window, ordered, labels, params.keywords)
    outcome = Outcome(assignments={d.id: None for d in window.docs})
    for index, (rows, incident_id, relation) in enumerate(zip(ordered, ids, relations)):
        incident = build_incident(incident_id, rows, window, keywords[index], now, params,
                                  prev_by_id.get(incident_id), in_window)
        for key in ("merged_from", "parent_ids"):
            if key in relation:
                setattr(incident, key, sorted(set(getattr(incident, key, []) or []) | set(relation[key])))
        outcome.incidents.append(incident)
        outcome.lineage.append({"incident_id": incident_id, **relation})
        for row in rows:
            outcome.assignments[window.docs[row].id] = incident_id
    for prev_id, into in match.merged_into.items():
        outcome.incidents.append(closed_incident(prev_by_id[prev_id], now, merged_into=into))
        outcome.lineage.append({"incident_id": prev_id, "relation": "merged_into", "into": into})
    for prev in previous:
        if prev.id in ids or prev.id in match.merged_into:
            continue
        if prev.id in pins.merged and getattr(prev, "merged_into", None) != pins.target(prev.id):
            # merged by hand while the window was being read: it stays merged
            outcome.incidents.append(closed_incident(prev, now, merged_into=pins.target(prev.id)))
        elif getattr(prev, "state", "") != "closed":
            outcome.incidents.append(closed_incident(prev, now))
            outcome.lineage.append({"incident_id": prev.id, "relation": "closed"})
    return outcome


def _pinned(window: Window, ordered: list[list[int]], pins: Pins, previous: dict[str, set[str]],
            min_overlap: float) -> tuple[dict[str, list[int]], list[list[int]]]:
    """The rows of the incidents analysts decided, and the clusters left to the engine."""
    if not pins.docs:
        return {}, ordered
    ids = [[window.docs[r].id for r in rows] for rows in ordered]
    forced, free = constrain(ids, pins, window.position, previous, min_overlap)
    rows_of = window.position
    return ({key: sorted(rows_of[d] for d in docs) for key, docs in forced.items()},
            [[rows_of[d] for d in docs] for docs in free])


def assign_new(window: Window, incidents: Sequence[Incident], new_ids: Sequence[str], now: datetime,
               params: EngineParams) -> Outcome:
    """Online step: documents ``new_ids`` join the open incidents they are close enough to."""
    labels = [None] * len(window.docs)
    for incident in incidents:
        for doc_id in incident.doc_ids:
            if doc_id in window.position:
                labels[window.position[doc_id]] = incident.id
    assigner = CentroidAssigner.fit(window.vectors, labels, quantile=params.density.assign_quantile,
                                    floor=params.density.assign_min_similarity,
                                    reach=params.density.assign_reach, noise=None)
    rows = [window.position[i] for i in new_ids if i in window.position]
    outcome = Outcome()
    joined: dict[str, list[int]] = defaultdict(list)
    places: dict[str, frozenset[str]] = {}
    for row, key in zip(rows, assigner.assign(window.vectors[rows]) if rows else []):
        if key is not None and params.events.enabled:
            if key not in places:
                places[key] = place_keys([document_text(window.docs[r]) for r, label in enumerate(labels)
                                          if label == key])
            if not same_place(document_text(window.docs[row]), places[key]):
                key = None  # close in words, but about another place: a different event
        outcome.assignments[window.docs[row].id] = key
        if key is not None:
            joined[key].append(row)
    in_window = set(window.position)
    for incident in incidents:
        if incident.id not in joined:
            continue
        members = [window.position[i] for i in incident.doc_ids if i in window.position] + joined[incident.id]
        updated = build_incident(incident.id, members, window, list(incident.keywords), now, params, incident,
                                 in_window)
        outcome.incidents.append(updated)
        outcome.lineage.append({"incident_id": incident.id, "relation": "grew", "added": len(joined[incident.id])})
    return outcome


#: Fields an incident keeps from its previous record when the engine rebuilds it: its birth, its
#: lineage and what analysts did to it (the hand history and where a hand split took it from).
KEPT_FIELDS = ("created_at", "parent_ids", "merged_from", "history", "split_from")

#: Most documents tokenized for the labels of one run; each class gets an even share, so a huge
#: window costs no more than this (jieba is the slow part of labelling).
LABEL_BUDGET = 20000


def _keywords(window: Window, ordered: list[list[int]], labels: np.ndarray, top: int) -> list[list[str]]:
    share = max(30, LABEL_BUDGET // (len(ordered) + 1))
    rng = np.random.default_rng(0)

    def sample(rows) -> list[str]:
        rows = list(rows)
        if len(rows) > share:
            rows = rng.choice(rows, share, replace=False).tolist()
        return [window.docs[r].text for r in rows]

    texts = {index: sample(rows) for index, rows in enumerate(ordered)}
    texts["noise"] = sample(np.flatnonzero(labels == NOISE))
    found = class_keywords(texts, top=top, skip=("noise",))
    return [found.get(index, []) for index in range(len(ordered))]


def build_incident(incident_id: str, rows: Sequence[int], window: Window, keywords: list[str], now: datetime,
                   params: EngineParams, previous: Optional[Incident], in_window: set[str]) -> Incident:
    """One incident record from its member rows (documents that left the window stay attached)."""
    docs = sorted((window.docs[r] for r in rows), key=lambda d: (d.published_at, d.id))
    analyses = [window.analyses[d.id] for d in docs if d.id in window.analyses]
    streets = facets.streets(analyses)
    category = facets.top_category(analyses)
    kept = [i for i in (previous.doc_ids if previous else []) if i not in in_window]
    times = [d.published_at for d in docs]
    first_seen = min([*times, *([previous.first_seen] if previous and previous.first_seen else [])])
    peer_key = (streets[0] if streets else "", category or "")
    bursting = burst(times, window.peer_times(peer_key), now, params.bursts)
    amplified = amplification(docs, window.vectors[[window.position[d.id] for d in docs]], params.amplification)
    doc_ids = kept + [d.id for d in docs]
    extra = {k: getattr(previous, k) for k in KEPT_FIELDS if previous is not None and getattr(previous, k, None)}
    return Incident(
        id=incident_id, label=make_label(keywords, streets), keywords=keywords, doc_ids=doc_ids,
        first_seen=first_seen, last_seen=max(times), size=len(doc_ids), growth=bursting["growth"],
        category=category, streets=streets, sentiment=facets.sentiment_mix(analyses),
        state=bursting["state"], burst=bursting, authors=distinct_authors(docs), posts=len(docs),
        amplification=amplified, updated_at=now.isoformat(),
        **{"created_at": now.isoformat(), "parent_ids": [], "merged_from": [], **extra})


def closed_incident(incident: Incident, now: datetime, merged_into: Optional[str] = None) -> Incident:
    data = incident.model_dump()
    data.update(state="closed", closed_at=now.isoformat(), updated_at=now.isoformat())
    if merged_into:
        data["merged_into"] = merged_into
    return Incident(**data)
