"""Density clustering: optional PCA, then HDBSCAN; sampled when the window is large.

HDBSCAN leaves honest noise (label ``-1``) instead of forcing every post into an incident. Its cost
grows faster than linearly, so a window larger than ``max_fit_docs`` is clustered on a seeded random
sample and the remaining documents are assigned to the clusters found by
:class:`~clustering.online.CentroidAssigner` in batches: time and memory stay bounded for any window.
"""
from __future__ import annotations

import logging

import numpy as np

from clustering.online import CentroidAssigner
from clustering.settings import SETTINGS
from yuqing.config import from_settings, settings_params

log = logging.getLogger(__name__)

NOISE = -1
#: How much farther than the core's loosest member a point may be and still join the one cluster
#: of the single-cluster fallback. (Elsewhere the reach is 1: measured, a longer reach pulls
#: everyday chatter into incidents.)
SINGLE_REACH = 3.0
#: Clusters smaller than this many times ``min_cluster_size`` are checked for two events glued
#: together (:func:`_unmix`): the centroid coherence of a small cluster counts each member's
#: similarity to itself, which lets a small mix pass the floor. Measured on bench/data/events.jsonl
#: (clustering/README.md): no larger cluster there mixed two events.
UNMIX_SIZE_FACTOR = 3
#: Members a group needs to count as a second event (a lone stray post is an outlier, not an event).
UNMIX_MIN_PART = 2
#: Groups of a checked cluster whose mean pairwise cosine is below ``1 - UNMIX_SPREAD · (1 -
#: min_coherence)`` (0.91 for e5's 0.96) are different events. Calibrated on the events set in small
#: windows: 2.125–2.5 all remove the mixes and keep every event; 2.0 (0.92) starts losing events.
UNMIX_SPREAD = 2.25


@settings_params(SETTINGS, "clustering.")
class DensityParams:
    """HDBSCAN and reduction parameters (the ``clustering.*`` settings of the same names)."""

    min_cluster_size: int
    min_samples: int
    selection_method: str
    reduction: str
    reduction_dims: int
    max_fit_docs: int
    assign_quantile: float
    assign_reach: float
    #: These two settings are empty by default (the embedder's calibration); these values stand when
    #: neither the config nor an embedder gives one.
    assign_min_similarity: float = 0.8
    min_coherence: float = 0.0
    seed: int = 0

    @classmethod
    def from_config(cls, config, embedder=None) -> "DensityParams":
        """The ``clustering.*`` settings; empty similarity settings take the embedder's calibration."""
        calibrated = {}
        for name in ("assign_min_similarity", "min_coherence"):
            value = config[f"clustering.{name}"]
            calibrated[name] = value if value is not None else getattr(embedder, name, getattr(cls, name))
        return from_settings(cls, config, **calibrated)


def cluster_vectors(vectors: np.ndarray, params: DensityParams = DensityParams()) -> np.ndarray:
    """Cluster labels (``0..k-1``, ``-1`` = noise) for unit-length row vectors."""
    n = len(vectors)
    labels = np.full(n, NOISE, dtype=np.int64)
    if n < params.min_cluster_size:
        return labels  # too few posts to make any incident: all noise, reported as such
    if _degenerate(vectors):
        labels[:] = 0  # identical posts (a copy storm) are one incident, which HDBSCAN cannot return
        return labels
    fit_index = np.arange(n)
    if n > params.max_fit_docs:
        rng = np.random.default_rng(params.seed)
        fit_index = np.sort(rng.choice(n, params.max_fit_docs, replace=False))
        log.info("window of %d documents: HDBSCAN fitted on a sample of %d, the rest assigned",
                 n, params.max_fit_docs)
    sample = vectors[fit_index]
    found, single = _hdbscan(_reduce(sample, params), params)
    floor = max(params.min_coherence, params.assign_min_similarity)
    if single and (found.max() < 0 or coherence(sample[found >= 0]) < floor):
        found[:] = NOISE  # the fallback grouped unrelated posts: they stay noise
    if params.min_coherence > 0:
        found = _refine(sample, found, params)
    # The single-cluster fallback returns only the densest core of the one event: reach further.
    found = _absorb(sample, found, params, reach=SINGLE_REACH if single else 1.0)
    if params.min_coherence > 0:
        found = _unmix(sample, found, params)
    labels[fit_index] = found
    if len(fit_index) < n:
        rest = np.setdiff1d(np.arange(n), fit_index, assume_unique=True)
        assigner = CentroidAssigner.fit(sample, labels[fit_index], quantile=params.assign_quantile,
                                        floor=params.assign_min_similarity, reach=params.assign_reach)
        rows = assigner.assign_rows(vectors[rest])
        keys = np.asarray(assigner.keys + [NOISE], dtype=np.int64)
        labels[rest] = keys[rows]  # row -1 picks the trailing NOISE
    return labels


def _degenerate(vectors: np.ndarray) -> bool:
    """True when every row is (nearly) the same vector."""
    return float(np.abs(vectors - vectors[0]).max()) < 1e-5


def coherence(members: np.ndarray) -> float:
    """Mean cosine similarity of unit vectors to their centroid."""
    centre = members.mean(axis=0)
    centre = centre / (np.linalg.norm(centre) or 1.0)
    return float((members @ centre).mean())


def _refine(vectors: np.ndarray, labels: np.ndarray, params: DensityParams) -> np.ndarray:
    """Split clusters looser than ``min_coherence`` into their coherent leaves; the rest is noise.

    Everyday chatter tends to form one large, loose cluster, and a real event caught inside it
    would be lost; re-clustering the loose cluster with leaf selection recovers the event.
    """
    labels = labels.copy()
    next_label = labels.max() + 1
    leaf = DensityParams(**{**params.__dict__, "selection_method": "leaf"})
    for label in range(labels.max() + 1):
        rows = np.flatnonzero(labels == label)
        if coherence(vectors[rows]) >= params.min_coherence:
            continue
        labels[rows] = NOISE
        if len(rows) < 2 * params.min_cluster_size:
            continue
        for members in _coherent_parts(vectors, rows, leaf):
            labels[members] = next_label
            next_label += 1
    return _renumber(labels)


def _coherent_parts(vectors: np.ndarray, rows: np.ndarray, leaf: DensityParams) -> list[np.ndarray]:
    """Coherent sub-groups of a loose cluster: HDBSCAN leaves, else greedy leader groups.

    A small loose cluster is often too small for HDBSCAN to split; leader grouping at the pairwise
    similarity that the coherence floor implies (``1 - 2·(1 - floor)``) still finds its tight parts.
    """
    from clustering.amplification import near_identical_groups

    sub, _ = _hdbscan(_reduce(vectors[rows], leaf), leaf)
    parts = [rows[sub == part] for part in range(sub.max() + 1)]
    parts = [p for p in parts if coherence(vectors[p]) >= leaf.min_coherence]
    if parts:
        return parts
    pairwise = 1.0 - 2.0 * (1.0 - leaf.min_coherence)
    groups = [rows[g] for g in near_identical_groups(vectors[rows], pairwise)]
    return [g for g in groups if len(g) >= leaf.min_cluster_size and coherence(vectors[g]) >= leaf.min_coherence]


def _separate(vectors: np.ndarray, similarity: float) -> list[np.ndarray]:
    """Average-linkage groups of unit vectors: two groups merge while their mean cosine ≥ ``similarity``.

    Largest group first; every row is in exactly one group.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(vectors) < 2:
        return [np.arange(len(vectors))]
    tree = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    cut = fcluster(tree, t=1.0 - similarity, criterion="distance")
    groups = [np.flatnonzero(cut == g) for g in np.unique(cut)]
    return sorted(groups, key=len, reverse=True)


def _unmix(vectors: np.ndarray, labels: np.ndarray, params: DensityParams) -> np.ndarray:
    """Small clusters that glue two events together keep only the parts that are events themselves.

    e5 similarities are compressed (unrelated posts ~0.85–0.89, same event ~0.93–0.96) and the
    centroid coherence of a small cluster counts each member's similarity to itself, so six posts
    about one event and three about another can pass the coherence floor together (HDBSCAN's
    single-cluster fallback returns exactly such a cluster in a small window). A cluster smaller than
    ``UNMIX_SIZE_FACTOR · min_cluster_size`` is cut by average linkage at ``1 - UNMIX_SPREAD · (1 -
    min_coherence)``: when it falls into two or more groups of at least ``UNMIX_MIN_PART`` members,
    whose mean similarity to each other is below that, it is mixed, and only the groups that reach
    ``min_cluster_size`` and the coherence floor stay clusters; the rest is noise.
    """
    similarity = 1.0 - UNMIX_SPREAD * (1.0 - params.min_coherence)
    limit = UNMIX_SIZE_FACTOR * params.min_cluster_size
    labels = labels.copy()
    next_label = labels.max() + 1
    for label in range(labels.max() + 1):
        rows = np.flatnonzero(labels == label)
        if len(rows) >= limit or _degenerate(vectors[rows]):
            continue
        groups = [rows[g] for g in _separate(vectors[rows], similarity)]
        parts = [g for g in groups if len(g) >= UNMIX_MIN_PART]
        if len(parts) < 2:
            continue  # one event, perhaps with a few strays: left as it is
        log.debug("cluster of %d posts mixes %d groups (sizes %s): split", len(rows), len(parts),
                  [len(p) for p in parts])
        labels[rows] = NOISE
        for part in parts:
            if len(part) >= params.min_cluster_size and coherence(vectors[part]) >= params.min_coherence:
                labels[part] = next_label
                next_label += 1
    return _renumber(labels)


def _absorb(vectors: np.ndarray, labels: np.ndarray, params: DensityParams, reach: float = 1.0) -> np.ndarray:
    """Noise points at least as close to a cluster's centroid as its loosest member join it.

    HDBSCAN may keep only the dense core of an event and leave its fringe as noise; the fringe is
    taken back when it is no farther out than the members already are (and above the floor).
    """
    if labels.max() < 0:
        return labels
    assigner = CentroidAssigner.fit(vectors, labels, quantile=0.0, floor=params.assign_min_similarity, reach=reach)
    noise = np.flatnonzero(labels == NOISE)
    labels = labels.copy()
    for row, key in zip(noise, assigner.assign(vectors[noise])):
        if key is not None:
            labels[row] = key
    return labels


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Labels ``0..k-1`` in order of first appearance (noise stays ``-1``)."""
    mapping: dict[int, int] = {}
    out = labels.copy()
    for row, label in enumerate(labels.tolist()):
        if label != NOISE:
            out[row] = mapping.setdefault(label, len(mapping))
    return out


def _reduce(vectors: np.ndarray, params: DensityParams) -> np.ndarray:
    dims = params.reduction_dims
    if params.reduction != "pca" or vectors.shape[1] <= dims or len(vectors) <= dims + 1:
        return vectors.astype(np.float64)
    from sklearn.decomposition import PCA

    return PCA(dims, random_state=params.seed, svd_solver="randomized").fit_transform(vectors).astype(np.float64)


def _hdbscan(points: np.ndarray, params: DensityParams) -> tuple[np.ndarray, bool]:
    """HDBSCAN labels, and whether they come from the single-cluster fallback."""
    import hdbscan  # heavy: only when a window is clustered

    # Exact duplicates give zero distances, which make the condensed tree degenerate; a tiny
    # seeded jitter keeps them a dense (and therefore clustered) group.
    jitter = np.random.default_rng(params.seed).normal(scale=1e-6, size=points.shape)
    points = points + jitter
    min_samples = min(params.min_samples, len(points) - 1)

    def fit(single: bool) -> np.ndarray:
        model = hdbscan.HDBSCAN(min_cluster_size=params.min_cluster_size, min_samples=max(1, min_samples),
                                cluster_selection_method=params.selection_method,
                                allow_single_cluster=single, core_dist_n_jobs=1)
        return model.fit_predict(points)

    labels = fit(False)
    if labels.max() >= 0:
        return labels.astype(np.int64), False
    # One event and a little noise: HDBSCAN needs leave to return a single cluster.
    return fit(True).astype(np.int64), True
