"""Stage-1 features: jieba words, word bigrams and Chinese character bigrams, hashed.

Hashing keeps the artefact free of a vocabulary file and makes featurisation a single pass,
which is what lets the first stage label thousands of posts a second.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from nlp.segment import tokenize

N_FEATURES = 1 << 18
MAX_CHARS = 1000  # stage 1 looks at the head of long texts; the analyser windows the rest


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def text_terms(text: str) -> list[str]:
    """The terms hashed for one text."""
    text = text[:MAX_CHARS]
    words = tokenize(text, keep_stopwords=True)
    terms = ["w:" + w for w in words]
    terms += ["b:" + a + "|" + b for a, b in zip(words, words[1:])]
    han = [ch for ch in text if _is_han(ch) or ch in "!?！？"]
    terms += ["c:" + a + b for a, b in zip(han, han[1:])]
    return terms


class HashedFeaturizer:
    """Texts → L2-normalised binary hashed term vectors (``scipy.sparse.csr_matrix``)."""

    def __init__(self, n_features: int = N_FEATURES):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.n_features = n_features
        self._vectorizer = HashingVectorizer(analyzer=text_terms, n_features=n_features,
                                             alternate_sign=False, binary=True, norm="l2")

    def transform(self, texts: Sequence[str]):
        return self._vectorizer.transform([t or "" for t in texts])


def append_columns(matrix, extra: np.ndarray | None):
    """``matrix`` with dense extra feature columns (rule scores) appended."""
    if extra is None or extra.size == 0:
        return matrix
    from scipy.sparse import csr_matrix, hstack

    return hstack([matrix, csr_matrix(np.asarray(extra, dtype=np.float64))], format="csr")
