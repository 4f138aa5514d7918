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
    """``scores = X @ W.T + b``; softmax when ``exclusive``, else a sigmoid per label.

    Scoring uses a dense ``(features, labels)`` float32 copy of the weights (exact: they are float16
    values), gathered by the rows' columns; scipy is imported only for scipy inputs and training."""

    def __init__(self, weights, intercept: np.ndarray, labels: Sequence[str], exclusive: bool):
        # weights: a scipy sparse matrix (labels, features), or its (rows, cols, values, shape) arrays
        if isinstance(weights, tuple):
            rows, cols, values, shape = weights
        else:
            coo = weights.tocsr().tocoo()  # canonical: duplicate coordinates summed
            rows, cols, values, shape = coo.row, coo.col, coo.data, coo.shape
        self._coo = (np.asarray(rows), np.asarray(cols), np.asarray(values, dtype=np.float64), tuple(int(x) for x in shape))
        self._csr = None
        self._dense_t = None
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = list(labels)
        self.exclusive = exclusive

    @property
    def weights(self):
        """The weights as a ``scipy.sparse.csr_matrix`` (labels, features)."""
        if self._csr is None:
            from scipy.sparse import coo_matrix

            rows, cols, values, shape = self._coo
            self._csr = coo_matrix((values, (rows, cols)), shape=shape).tocsr()
        return self._csr

    def dense_t(self) -> np.ndarray:
        """The weights as a dense ``(features, labels)`` float32 array (built once)."""
        if self._dense_t is None:
            rows, cols, values, shape = self._coo
            dense = np.zeros((shape[1], shape[0]), dtype=np.float32)
            dense[cols, rows] = values  # coordinates are distinct: saved from a canonical CSR (see save)
            self._dense_t = dense
        return self._dense_t

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
        from nlp.classify.features import HashedRows

        if isinstance(features, HashedRows):
            scores = features.dot(self.dense_t())
        elif hasattr(features, "tocsr"):  # a scipy sparse matrix (training, the benches)
            scores = (features @ self.weights.T).toarray()
        else:  # dense input (stage-2 heads)
            x = np.asarray(features, dtype=np.float64)
            scores = x @ self.dense_t()[:x.shape[1]].astype(np.float64)
        return scores + self.intercept

    def predict_proba(self, features) -> np.ndarray:
        scores = self.decision(features)
        if self.exclusive:
            scores = scores - scores.max(axis=1, keepdims=True)
            exp = np.exp(scores)
            return exp / exp.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-scores))

    def save(self, path: Path | str) -> None:
        w = self.weights.tocoo()  # canonical order, whatever the weights were built from
        np.savez_compressed(path, rows=w.row.astype(np.int32), cols=w.col.astype(np.int32),
                            values=w.data.astype(np.float16), shape=np.array(w.shape),
                            intercept=self.intercept, labels=np.array(self.labels),
                            exclusive=np.array(self.exclusive))

    @classmethod
    def load(cls, path: Path | str) -> "SparseLinearModel":
        """The model saved at ``path``. Its arrays are kept uncompressed in the warm cache
        (:mod:`nlp.warmcache`, keyed by the file's path, size and time): inflating the seven shipped
        models took 0.6 s of every start on an AVX2 EPYC."""
        import hashlib

        from nlp.warmcache import cached

        path = Path(path)

        def build() -> dict[str, np.ndarray]:
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in _SAVED}

        def dump(arrays: dict[str, np.ndarray]) -> dict:
            return {name: (a.dtype.str, a.shape, a.tobytes()) for name, a in arrays.items()}

        def restore(state: dict) -> dict[str, np.ndarray]:
            if set(state) != set(_SAVED):
                raise ValueError(f"arrays {sorted(state)}, expected {sorted(_SAVED)}")
            return {name: np.frombuffer(raw, dtype=dtype).reshape(shape) for name, (dtype, shape, raw) in state.items()}

        name = "linear-" + hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:12]
        data = cached(name, [path], build, dump, restore)
        weights = (data["rows"], data["cols"], data["values"].astype(np.float64), tuple(data["shape"]))
        return cls(weights, data["intercept"], [str(x) for x in data["labels"]], bool(data["exclusive"]))


_SAVED = ("rows", "cols", "values", "shape", "intercept", "labels", "exclusive")


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
