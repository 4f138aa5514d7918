"""Hand placements (人工合并/拆分) as constraints on re-clustering: pure, no store.

An analyst's decision (:mod:`clustering.manual`) *pins* posts to an incident: a merge pins every post
of both incidents to the one kept, a split pins the posts moved to their new incident and the posts
left behind to the old one. Decisions are replayed oldest first, so a later decision about a post
wins. :func:`constrain` then bends the engine's clusters to them:

* a cluster holding no pinned post is left to the engine (identity matching as usual);
* a cluster holding pinned posts goes to the incidents they are pinned to: each pinned post to its
  own, the cluster's other posts to the incident with most pinned posts in it (ties: the smaller id);
* a pinned post the engine left as noise still goes to its incident.

So a hand merge is never split again by the engine and a split post never rejoins the incident it was
taken from; posts that arrive later follow the posts they cluster with.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence


@dataclass
class Pins:
    """Where the analysts put posts (``docs``: post id → incident id) and which incidents they merged
    away (``merged``: incident id → the incident it was merged into)."""

    docs: dict[str, str] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.docs or self.merged)

    def target(self, incident_id: str) -> str:
        """The incident an id stands for now: itself, or where its merges lead (cycles stop)."""
        seen = {incident_id}
        while incident_id in self.merged and self.merged[incident_id] not in seen:
            incident_id = self.merged[incident_id]
            seen.add(incident_id)
        return incident_id

    def place(self, doc_id: str) -> str | None:
        """The incident a post is pinned to, following merges; ``None`` when it is the engine's to place."""
        pinned = self.docs.get(doc_id)
        return self.target(pinned) if pinned is not None else None


def resolve(decisions: Iterable[Mapping]) -> Pins:
    """The pins of ``decisions`` (records of :mod:`clustering.manual`), replayed oldest first."""
    pins = Pins()
    for decision in sorted(decisions, key=lambda d: (str(d.get("when") or ""), str(d.get("id") or ""))):
        pins.docs.update(decision.get("pins") or {})
        pins.merged.update(decision.get("merged") or {})
    return pins


def constrain(groups: Sequence[Sequence[str]], pins: Pins, present: Iterable[str],
              previous: Optional[Mapping[str, Iterable[str]]] = None,
              min_overlap: float = 0.3) -> tuple[dict[str, list[str]], list[list[str]]]:
    """Bend the engine's ``groups`` (post ids per cluster) to ``pins``.

    Args:
        groups: the engine's clusters, largest first.
        pins: the analysts' placements.
        present: every post of the window (pinned posts the engine left as noise are placed too).
        previous: incident id → its posts in the window before this run. A cluster without pinned
            posts that carries on a decided incident's other posts (the identity test of
            :func:`clustering.identity.match_clusters`: ``min_overlap`` of them, or half the cluster)
            joins it: an incident the analyst moved posts into keeps its own.
    Returns:
        ``(forced, free)``: incident id → its posts for the incidents the analysts decided, and the
        clusters they did not touch, in their order.
    """
    forced: dict[str, list[str]] = defaultdict(list)
    free: list[list[str]] = []
    placed: set[str] = set()
    for group in groups:
        targets = Counter(t for t in (pins.place(d) for d in group) if t is not None)
        if not targets:
            free.append(list(group))
            continue
        main = min(targets, key=lambda t: (-targets[t], t))
        for doc_id in group:
            forced[pins.place(doc_id) or main].append(doc_id)
            placed.add(doc_id)
    for doc_id in present:
        target = pins.place(doc_id)
        if target is not None and doc_id not in placed:
            forced[target].append(doc_id)
    return dict(forced), _carry_on(forced, free, pins, previous or {}, min_overlap)


def _carry_on(forced: dict[str, list[str]], free: list[list[str]], pins: Pins,
              previous: Mapping[str, Iterable[str]], min_overlap: float) -> list[list[str]]:
    """Free clusters that continue a decided incident join it; the others stay free."""
    others = {key: set(previous.get(key) or ()) - set(pins.docs) for key in forced}
    left = []
    for group in free:
        members = set(group)
        links = [(len(members & docs), key) for key, docs in others.items()
                 if members & docs and (len(members & docs) >= min_overlap * len(docs)
                                         or len(members & docs) >= 0.5 * len(members))]
        if links:
            forced[min(links, key=lambda link: (-link[0], link[1]))[1]].extend(group)
        else:
            left.append(list(group))
    return left
