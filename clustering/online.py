"""Online assignment (在线归并): a new document joins an existing incident when close enough.

Each incident is summarised by its centroid and a calibrated threshold derived from the ``quantile``
of its own members' cosine similarity to the centroid, never below a global floor. A document joins the most
similar incident whose threshold it reaches; otherwise it waits for the next re-clustering. One
document costs one (k × d) matrix-vector product: well under a millisecond for thousands of
incidents.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Optional, Sequence

import numpy as np


@dataclass
class CentroidAssigner:
    """Nearest-centroid assignment with per-incident thresholds.

    Attributes:
        keys: incident key of each row of ``centroids``.
        centroids: (k, d) unit vectors.
        thresholds: (k,) lowest similarity that may join each incident.
    """

    keys: list[Hashable]
    centroids: np.ndarray
    thresholds: np.ndarray

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[Hashable], *, quantile: float = 0.05,
            floor: float = 0.8, reach: float = 1.0, noise: Hashable = -1) -> "CentroidAssigner":
        """Centroids and thresholds from clustered vectors (rows labelled ``noise`` are ignored).

        A threshold is ``1 - reach · (1 - q)`` with ``q`` the ``quantile`` of the members' similarity
        to their centroid: ``reach`` > 1 lets a newcomer lie somewhat farther out than the members
        seen so far (an event's wording drifts as it grows), never below ``floor``.
        """
        labels = np.asarray(labels, dtype=object)
        keys = [k for k in dict.fromkeys(labels.tolist()) if k != noise and k is not None]
        dim = vectors.shape[1] if vectors.ndim == 2 else 0
        centroids = np.zeros((len(keys), dim), dtype=np.float32)
        thresholds = np.ones(len(keys), dtype=np.float32)
        for row, key in enumerate(keys):
            members = vectors[labels == key]
            centre = members.mean(axis=0)
            norm = np.linalg.norm(centre)
            centroids[row] = centre / norm if norm else centre
            sims = members @ centroids[row]
            thresholds[row] = max(floor, 1.0 - reach * (1.0 - float(np.quantile(sims, quantile))))
        return cls(keys, centroids, thresholds)

    def __len__(self) -> int:
        return len(self.keys)

    def assign_rows(self, vectors: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """Index into :attr:`keys` for each row, or ``-1``; batched so memory stays bounded."""
        out = np.full(len(vectors), -1, dtype=np.int64)
        if not len(self.keys) or not len(vectors):
            return out
        for start in range(0, len(vectors), batch_size):
            sims = vectors[start:start + batch_size] @ self.centroids.T
            best = sims.argmax(axis=1)
            ok = sims[np.arange(len(best)), best] >= self.thresholds[best]
            out[start:start + len(best)] = np.where(ok, best, -1)
        return out

    def assign(self, vectors: np.ndarray, batch_size: int = 8192) -> list[Optional[Hashable]]:
        """The incident key for each row, or ``None``."""
        return [self.keys[r] if r >= 0 else None for r in self.assign_rows(vectors, batch_size).tolist()]

    def assign_one(self, vector: np.ndarray) -> Optional[Hashable]:
        """The incident a single document joins, or ``None``."""
        if not len(self.keys):
            return None
        sims = self.centroids @ vector
        best = int(sims.argmax())
        return self.keys[best] if sims[best] >= self.thresholds[best] else None
