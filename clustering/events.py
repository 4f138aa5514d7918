"""Event-aware clustering: the semantic embedding plus the places a post names, through HDBSCAN.

Posts about one storm share their words, so the embedding alone glues different events together
(on the real 2021 Henan storm posts: three clusters holding 88 % of the posts, BCubed precision
0.12). Events differ in *where*. Two posts are **linked** when they name one specific place
(:mod:`clustering.places`), say nearly the same (cosine distance ≤ ``max_distance``) and are at most
``max_hours`` apart; HDBSCAN then runs on a precomputed distance that is the cosine distance of
linked pairs and far (:data:`UNLINKED`) for every other pair, and each cluster is cut into its
linked parts. Reposts and follow-ups name the place of the post they relay, so they join its event;
a post that names no place is tied to no event (it stays noise), as the labelling guidelines ask
(``clustering/eval/EVENT_GUIDELINES.md``).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Optional, Sequence

import numpy as np

from clustering.density import DensityParams, cluster_vectors
from clustering.places import BARE_NAME_MIN, Places, extract, extract_all, name_of
from clustering.settings import SETTINGS
from yuqing.config import from_settings, settings_params

log = logging.getLogger(__name__)

NOISE = -1
#: Distance of two posts that cannot be one event: far beyond any cosine distance, so HDBSCAN never
#: joins them, yet finite (the condensed tree needs a connected graph).
UNLINKED = 10.0


@settings_params(SETTINGS, "clustering.event_")
class EventParams:
    """The ``clustering.event_*`` settings."""

    enabled: bool
    min_cluster_size: int
    min_samples: int
    max_hours: float
    max_docs: int
    selection_method: str = "eom"
    #: ``clustering.event_max_distance`` is empty by default (the embedder's calibration); this is
    #: e5's, standing when neither the config nor an embedder gives one.
    max_distance: Optional[float] = 0.055

    @classmethod
    def from_config(cls, config, embedder=None) -> "EventParams":
        """The ``clustering.event_*`` settings; an empty ``event_max_distance`` takes the embedder's
        calibration, and without one the clustering is on the embedding alone (a distance on another
        embedder's scale would be meaningless)."""
        max_distance = config["clustering.event_max_distance"]
        if max_distance is None:
            max_distance = getattr(embedder, "event_max_distance", cls.max_distance)
        params = from_settings(cls, config, max_distance=max_distance)
        return params if max_distance is not None else replace(params, enabled=False)


def distances(vectors: np.ndarray, places: Sequence[Places], times: Optional[Sequence[datetime]],
              params: EventParams) -> np.ndarray:
    """Pairwise event distance (float32): the cosine distance of linked pairs, :data:`UNLINKED` else."""
    vectors = np.asarray(vectors, dtype=np.float32)
    out = 1.0 - vectors @ vectors.T
    np.clip(out, 0.0, 2.0, out=out)
    member = _membership(places, {key for p in places for key in p.keys})
    unlinked = (member @ member.T) == 0
    unlinked |= out > params.max_distance
    if times is not None and params.max_hours > 0:
        hours = np.array([t.timestamp() / 3600.0 for t in times])
        hours = (hours - hours.min()).astype(np.float32)
        unlinked |= np.abs(hours[:, None] - hours[None, :]) > params.max_hours
    out[unlinked] = UNLINKED
    np.fill_diagonal(out, 0.0)
    return out


def _membership(places: Sequence[Places], keys: set[str]) -> np.ndarray:
    """Post × key 0/1 matrix over ``keys``."""
    index = {k: i for i, k in enumerate(sorted(keys))}
    member = np.zeros((len(places), max(1, len(index))), dtype=np.float32)
    for row, p in enumerate(places):
        for key in p.keys:
            if key in index:
                member[row, index[key]] = 1.0
    return member


def cluster_events(vectors: np.ndarray, texts: Sequence[str], times: Optional[Sequence[datetime]],
                   params: EventParams, seed: int = 0) -> np.ndarray:
    """Labels (``-1`` = noise) of a window of at most ``params.max_docs`` posts."""
    import hdbscan

    n = len(vectors)
    labels = np.full(n, NOISE, dtype=np.int64)
    if n < max(2, params.min_cluster_size):
        return labels
    places = extract_all(texts)
    matrix = distances(vectors, places, times, params)
    linked = matrix < UNLINKED
    np.fill_diagonal(linked, False)
    rows = np.flatnonzero(linked.any(axis=1))  # a post linked to no other is noise before any fit
    if len(rows) < max(2, params.min_cluster_size):
        return labels
    sub = matrix[np.ix_(rows, rows)].astype(np.float64)
    # Exact duplicates give zero distances, which make the condensed tree degenerate.
    jitter = np.random.default_rng(seed).uniform(0, 1e-6, size=sub.shape)
    sub = sub + (jitter + jitter.T) / 2
    np.fill_diagonal(sub, 0.0)
    model = hdbscan.HDBSCAN(metric="precomputed", min_cluster_size=params.min_cluster_size,
                            min_samples=max(1, min(params.min_samples, len(rows) - 1)),
                            cluster_selection_method=params.selection_method, allow_single_cluster=True,
                            cluster_selection_epsilon=params.max_distance)
    found = model.fit_predict(sub).astype(np.int64)
    labels[rows] = _linked_parts(found, linked[np.ix_(rows, rows)], params.min_cluster_size)
    return labels


def _linked_parts(found: np.ndarray, linked: np.ndarray, min_size: int) -> np.ndarray:
    """Each cluster cut into its parts connected by links; parts under ``min_size`` become noise.

    HDBSCAN sees unlinked pairs only as far apart, so it may still group two posts that have
    nothing in common when both are far from everything else.
    """
    from scipy.sparse.csgraph import connected_components

    out = np.full(len(found), NOISE, dtype=np.int64)
    next_label = 0
    for label in range(found.max() + 1):
        members = np.flatnonzero(found == label)
        count, parts = connected_components(linked[np.ix_(members, members)], directed=False)
        for part in range(count):
            rows = members[parts == part]
            if len(rows) >= min_size:
                out[rows] = next_label
                next_label += 1
    return out


def cluster_window(vectors: np.ndarray, texts: Sequence[str], times: Optional[Sequence[datetime]],
                   density: DensityParams, params: EventParams) -> np.ndarray:
    """Labels of a whole window: event-aware when enabled, on the embedding alone otherwise.

    A window larger than ``params.max_docs`` (the pairwise distances take n² memory) is clustered on
    the embedding first (sampled, bounded, :func:`~clustering.density.cluster_vectors`) and each
    cluster is then split into its events; events smaller than ``density.min_cluster_size`` are
    not found in such a window.
    """
    if not params.enabled:
        return cluster_vectors(vectors, density)
    if len(vectors) <= params.max_docs:
        return cluster_events(vectors, texts, times, params, seed=density.seed)
    log.info("window of %d documents is larger than event_max_docs %d: clustered on the embedding, "
             "then each cluster split into its events", len(vectors), params.max_docs)
    coarse = cluster_vectors(vectors, density)
    labels = np.full(len(vectors), NOISE, dtype=np.int64)
    next_label = 0
    for label in range(coarse.max() + 1):
        rows = np.flatnonzero(coarse == label)
        if len(rows) > params.max_docs:
            parts = np.zeros(len(rows), dtype=np.int64)  # too large to split: kept as it is
        else:
            parts = cluster_events(vectors[rows], [texts[r] for r in rows],
                                   None if times is None else [times[r] for r in rows], params, density.seed)
        for part in range(parts.max() + 1):
            labels[rows[parts == part]] = next_label
            next_label += 1
    return labels


def place_keys(texts: Sequence[str]) -> frozenset[str]:
    """Every place key the texts name (an incident's places, for online assignment)."""
    return frozenset(key for places in extract_all(texts) for key in places.keys)


def same_place(text: str, keys: frozenset[str]) -> bool:
    """True when ``text`` names one of the places ``keys`` (with its suffix, or a long name bare)."""
    if extract(text).keys & keys:
        return True
    return any(len(name) >= BARE_NAME_MIN and name in text for name in map(name_of, keys))
