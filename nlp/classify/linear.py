"""A linear classifier stored as sparse weights in an ``.npz`` (no pickles).

Trained with scikit-learn's LogisticRegression, then reduced to what prediction needs: the
non-zero weights (float16, which keeps a 2^18-feature model well under a megabyte), intercepts,
labels and whether the classes are exclusive (softmax) or independent (sigmoid).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np


class SparseLinearModel:
    """``scores = X @ W.T + b``; softmax when ``exclusive``, else a sigmoid per label."""

    def __init__(self, weights, intercept: np.ndarray, labels: Sequence[str], exclusive: bool):
        self.weights = weights.tocsr()  # (labels, features)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = list(labels)
        self.exclusive = exclusive

    @classmethod
    def from_sklearn(cls, estimator, labels: Sequence[str], exclusive: bool) -> "SparseLinearModel":
        """From a fitted LogisticRegression (binary: one row, expanded to two labels)."""
        from scipy.sparse import csr_matrix

        coef = np.asarray(estimator.coef_, dtype=np.float64)
        intercept = np.asarray(estimator.intercept_, dtype=np.float64)
        if coef.shape[0] == 1 and len(labels) == 2:  # binary: p(label 1) = sigmoid(w·x + b)
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        coef[np.abs(coef) < 1e-4] = 0.0
        return cls(csr_matrix(coef.astype(np.float16).astype(np.float64)), intercept, labels, exclusive)

    def decision(self, features) -> np.ndarray:
        from scipy.sparse import issparse

        if issparse(features):
            scores = (features @ self.weights.T).toarray()
        else:  # dense input (stage-2 heads): sparse @ dense keeps numpy semantics
            scores = np.asarray(self.weights @ np.asarray(features, dtype=np.float64).T).T
        return scores + self.intercept

    def predict_proba(self, features) -> np.ndarray:
        scores = self.decision(features)
        if self.exclusive:
            scores = scores - scores.max(axis=1, keepdims=True)
            exp = np.exp(scores)
            return exp / exp.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-scores))

    def save(self, path: Path | str) -> None:
        w = self.weights.tocoo()
        np.savez_compressed(path, rows=w.row.astype(np.int32), cols=w.col.astype(np.int32),
                            values=w.data.astype(np.float16), shape=np.array(w.shape),
                            intercept=self.intercept, labels=np.array(self.labels),
                            exclusive=np.array(self.exclusive))

    @classmethod
    def load(cls, path: Path | str) -> "SparseLinearModel":
        from scipy.sparse import coo_matrix

        with np.load(path, allow_pickle=False) as data:
            weights = coo_matrix((data["values"].astype(np.float64), (data["rows"], data["cols"])),
                                 shape=tuple(data["shape"]))
            return cls(weights, data["intercept"], [str(x) for x in data["labels"]], bool(data["exclusive"]))


def stack_binary(estimators: Sequence, labels: Sequence[str]) -> SparseLinearModel:
    """Independent binary LogisticRegressions (one per label) as one sigmoid model."""
    from scipy.sparse import csr_matrix, vstack

    rows, intercepts = [], []
    for estimator in estimators:
        coef = np.asarray(estimator.coef_, dtype=np.float64).copy()
        coef[np.abs(coef) < 1e-4] = 0.0
        rows.append(csr_matrix(coef.astype(np.float16).astype(np.float64)))
        intercepts.append(float(estimator.intercept_[0]))
    return SparseLinearModel(vstack(rows), np.array(intercepts), labels, exclusive=False)
