"""Stage-1 features: jieba words, word bigrams and Chinese character bigrams, hashed.

Hashing keeps the artefact free of a vocabulary file and makes featurisation a single pass,
which is what lets the first stage label thousands of posts a second.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from nlp.segment import tokenize

N_FEATURES = 1 << 18
MAX_CHARS = 1000  # stage 1 looks at the head of long texts; the analyser windows the rest


#: the characters of the character bigrams: Chinese characters and the marks ! ? ！ ？
_HAN_OR_MARK = re.compile("[\u4e00-\u9fff!?！？]")


def text_terms(text: str) -> list[str]:
    """The terms hashed for one text."""
    text = text[:MAX_CHARS]
    words = tokenize(text, keep_stopwords=True)
    terms = ["w:" + w for w in words]
    terms += ["b:" + a + "|" + b for a, b in zip(words, words[1:])]
    han = _HAN_OR_MARK.findall(text)
    terms += ["c:" + a + b for a, b in zip(han, han[1:])]
    return terms


class HashedFeaturizer:
    """Texts → L2-normalised binary hashed term vectors (``scipy.sparse.csr_matrix``, float64).

    The same vectors as scikit-learn's ``HashingVectorizer(analyzer=text_terms, alternate_sign=False,
    binary=True, norm="l2")``, which trained the committed models (a term's column is
    ``|murmurhash3_32(utf-8 term, seed 0)| mod n_features``), computed with ``mmh3`` instead: importing
    scikit-learn cost about 2 s of every ``yuqing analyze`` start-up. Per text it is no faster than
    scikit-learn's path (measured about the same, 0.42 vs 0.36 s for 1,983 posts, under load). ``tests/nlp/test_classifiers.py`` checks the two agree column for column.
    """

    def __init__(self, n_features: int = N_FEATURES):
        if n_features & (n_features - 1) or not 0 < n_features <= 1 << 31:
            # scikit-learn maps the hash -2**31 (no int32 absolute value) to (2**31 - n_features) % n,
            # which equals abs(h) % n only when n divides 2**31
            raise ValueError(f"n_features must be a power of two up to 2**31, not {n_features}")
        self.n_features = n_features

    def columns(self, text: str) -> list[int]:
        """The sorted distinct columns of one text's terms."""
        import mmh3

        n = self.n_features
        return sorted({abs(h) % n for h in map(mmh3.hash, text_terms(text or ""))})

    def rows(self, texts: Sequence[str]) -> "HashedRows":
        """The vectors of ``texts`` as :class:`HashedRows` (what the analyser scores; no scipy)."""
        indices: list[int] = []
        counts = np.zeros(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            columns = self.columns(text)
            indices.extend(columns)
            counts[i] = len(columns)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        data = np.repeat(1.0 / np.sqrt(np.maximum(counts, 1)), counts)
        return HashedRows(indptr, np.array(indices, dtype=np.int64), data, self.n_features)

    def transform(self, texts: Sequence[str]):
        """The vectors of ``texts`` as a ``scipy.sparse.csr_matrix`` (what training feeds scikit-learn)."""
        return self.rows(texts).to_scipy()


class HashedRows:
    """Rows of hashed columns in compressed-row form, with optional dense extra columns after them.

    The analyser's stage 1 scores these with numpy alone: importing ``scipy.sparse`` (with the numpy
    modules it pulls in) cost about half a second of every ``yuqing analyze`` start-up.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_features: int,
                 extra: np.ndarray | None = None):
        self.indptr, self.indices, self.data, self.n_features = indptr, indices, data, n_features
        self.extra = extra

    def with_extra(self, extra: np.ndarray) -> "HashedRows":
        extra = np.asarray(extra, dtype=np.float64)
        if self.extra is not None:
            extra = np.hstack([self.extra, extra])
        return HashedRows(self.indptr, self.indices, self.data, self.n_features, extra)

    def dot(self, weights_t: np.ndarray) -> np.ndarray:
        """``rows @ weights_t`` for a dense ``(columns, outputs)`` array, in float64."""
        n = len(self.indptr) - 1
        out = np.zeros((n, weights_t.shape[1]), dtype=np.float64)
        counts = np.diff(self.indptr)
        filled = counts > 0
        if filled.any():
            contributions = weights_t[self.indices].astype(np.float64) * self.data[:, None]
            out[filled] = np.add.reduceat(contributions, self.indptr[:-1][filled], axis=0)
        if self.extra is not None and self.extra.shape[1]:
            out += self.extra @ weights_t[self.n_features:self.n_features + self.extra.shape[1]].astype(np.float64)
        return out

    def to_scipy(self):
        """The same rows as a ``scipy.sparse.csr_matrix`` (extra columns appended)."""
        from scipy.sparse import csr_matrix

        matrix = csr_matrix((self.data, self.indices.astype(np.int32), self.indptr.astype(np.int32)),
                            shape=(len(self.indptr) - 1, self.n_features))
        return append_columns(matrix, self.extra)


def append_columns(matrix, extra: np.ndarray | None):
    """``matrix`` (:class:`HashedRows` or a scipy sparse matrix) with dense extra feature columns (rule
    scores) appended."""
    if extra is None or extra.size == 0:
        return matrix
    if isinstance(matrix, HashedRows):
        return matrix.with_extra(extra)
    from scipy.sparse import csr_matrix, hstack

    return hstack([matrix, csr_matrix(np.asarray(extra, dtype=np.float64))], format="csr")
