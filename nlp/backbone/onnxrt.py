"""The converted backbone exported to ONNX and run by ONNX Runtime (engines ``onnx`` and ``onnx-int8``).

:func:`prepare_onnx` (run by ``python -m nlp.backbone.prepare`` at install time, and on first use)
exports the converted BertModel with mean pooling inside the graph (input ids + attention mask →
the unnormalised mean over every token of each row, ``<s>``/``</s>`` included, as e5) into the same
cache folder:

* ``model.onnx``: fp32, the same numbers as the torch fp32 model (cosine ≥ 0.9999);
* ``model-int8.onnx``: onnxruntime dynamic quantisation, int8 weights per output channel for every
  MatMul and the word-embedding table (Gather); activations are quantised per batch at run time.
  Cosine to fp32 measured ≥ 0.995 on 128 posts (torch's dynamic int8: 0.977), and about 4× smaller.

``onnx-manifest.json`` records the checksum of the weights they were exported from and of the
files written, so running it again is a no-op. :class:`OnnxEncoder` keeps the torch encoder's
tokenisation, windows and length-sorted batches; only the forward pass differs. torch is needed
for the export, not for inference.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.backbone.encoder import WINDOW, BackboneEncoder, load_tokenizer
from nlp.backbone.convert import _sha256, prepare
from nlp.backbone.export import OPSET, export_graph, quantize
from yuqing.errors import ConfigError

log = logging.getLogger(__name__)

ONNX_FORMAT = 1
FILES = {"fp32": "model.onnx", "int8": "model-int8.onnx"}
MANIFEST = "onnx-manifest.json"


def is_onnx_prepared(cache: Path) -> bool:
    """True when both ONNX files exist, match their checksums and come from the current weights."""
    path = cache / MANIFEST
    if not path.exists() or not (cache / "model.safetensors").exists():
        return False
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if manifest.get("format") != ONNX_FORMAT or manifest.get("weights_sha256") != _sha256(cache / "model.safetensors"):
        return False
    files = manifest.get("files", {})
    return all((cache / name).exists() and files.get(name) == _sha256(cache / name) for name in FILES.values())


def prepare_onnx(cache: Path | None = None, *, force: bool = False) -> Path:
    """Export (and quantise) the converted backbone into ``cache`` unless it is already there."""
    cache = prepare(Path(cache) if cache else None)
    if not force and is_onnx_prepared(cache):
        log.info("ONNX backbone already exported in %s", cache)
        return cache
    (cache / MANIFEST).unlink(missing_ok=True)
    fp32, int8 = cache / FILES["fp32"], cache / FILES["int8"]
    log.info("exporting the backbone to %s", fp32)
    _export(cache, fp32.with_suffix(".tmp"))
    fp32.with_suffix(".tmp").replace(fp32)
    log.info("quantising it to %s", int8)
    quantize(fp32, int8.with_suffix(".tmp"))
    int8.with_suffix(".tmp").replace(int8)
    manifest = {"format": ONNX_FORMAT, "opset": OPSET, "weights_sha256": _sha256(cache / "model.safetensors"),
                "files": {name: _sha256(cache / name) for name in FILES.values()}}
    # written last, so an interrupted export is redone next time
    (cache / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return cache


def _export(cache: Path, target: Path) -> None:
    import torch
    from transformers import BertModel

    class MeanPooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1)

    model = BertModel.from_pretrained(str(cache), add_pooling_layer=False, attn_implementation="eager").eval()
    export_graph(MeanPooled(model), target, ["pooled"])


class OnnxEncoder(BackboneEncoder):
    """:class:`~nlp.backbone.encoder.BackboneEncoder` with ONNX Runtime computing the pooled states."""

    def __init__(self, cache: Path | str | None = None, *, precision: str = "int8",
                 max_tokens: int = 256, threads: int | None = None, top: Path | str | None = None):
        """``top``: the folder of the tuned top to run with precision ``tuned`` (default: the cache's)."""
        import onnxruntime as ort

        from nlp.backbone.tuned import GRAPH, tuned_info

        if precision not in FILES and precision != "tuned":
            raise ConfigError(f"ONNX engine precision {precision!r} is not one of {tuple(FILES)}")
        folder = prepare_onnx(Path(cache) if cache else None)
        top_folder = Path(top) if top else folder
        self.tuned = tuned_info(folder, top_folder) if precision == "tuned" else None
        if precision == "tuned" and self.tuned is None:
            raise ConfigError(f"{top_folder} has no current tuned top: make it with `python -m nlp.train.tuned_top`")
        self.tokenizer = load_tokenizer(folder)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        if threads:
            options.intra_op_num_threads = int(threads)
        self.session = ort.InferenceSession(str(top_folder / GRAPH if self.tuned else folder / FILES[precision]), options,
                                            providers=["CPUExecutionProvider"])
        self.hidden_size = json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"]
        self.precision = precision
        self.max_tokens = max(8, min(int(max_tokens), WINDOW + 2))
        self._lock = threading.Lock()

    def _pooled(self, windows: list[list[int]], batch_size: int) -> np.ndarray:
        return self._outputs(windows, batch_size)[0]

    def _outputs(self, windows: list[list[int]], batch_size: int) -> list[np.ndarray]:
        """Every output of the graph for each window, in length-sorted batches: [pooled] or, for the
        tuned graph, [pooled, logits]."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        widths = [o.shape[-1] if isinstance(o.shape[-1], int) else self.hidden_size
                  for o in self.session.get_outputs()]
        results = [np.zeros((len(windows), w), dtype=np.float32) for w in widths]
        with self._lock:
            for start in range(0, len(order), batch_size):
                chunk = order[start:start + batch_size]
                width = max(len(windows[i]) for i in chunk)
                ids = np.ones((len(chunk), width), dtype=np.int64)
                mask = np.zeros((len(chunk), width), dtype=np.int64)
                for row, i in enumerate(chunk):
                    ids[row, :len(windows[i])] = windows[i]
                    mask[row, :len(windows[i])] = 1
                for result, out in zip(results, self.session.run(None, {"input_ids": ids, "attention_mask": mask})):
                    result[chunk] = out
        return results

    def encode_tuned(self, texts: Sequence[str], *, prefix: str = "query: ",
                     batch_size: int = 32) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The embeddings (as :meth:`encode`) and each tuned task's probabilities, from one pass of the
        tuned graph. A text longer than one window gets the token-weighted mean of its windows'
        probabilities, as its embedding is the mean of theirs."""
        from nlp.backbone.encoder import combine_windows
        from nlp.backbone.tuned import softmax_columns

        if self.tuned is None:
            raise ConfigError("encode_tuned needs the tuned graph (precision 'tuned')")
        windows, owners = self._windows(self.token_ids(list(texts), prefix))
        pooled, logits = self._outputs(windows, batch_size)
        embeddings = combine_windows(pooled, owners, len(texts), self.hidden_size)
        norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
        probs = {task: combine_windows(p, owners, len(texts), p.shape[1])
                 for task, p in softmax_columns(logits, self.tuned["tasks"]).items()}
        return (embeddings / np.maximum(norms, 1e-12)).astype(np.float32), probs


_shared: dict[tuple, OnnxEncoder] = {}
_shared_lock = threading.Lock()


def shared_onnx_encoder(cache: str | None = None, precision: str = "int8", max_tokens: int = 256,
                        threads: int | None = None, top: str | None = None) -> OnnxEncoder:
    """One session per (cache, precision, max_tokens, threads, tuned top's folder) per process."""
    key = (cache, precision, max_tokens, threads, top or None)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = OnnxEncoder(cache, precision=precision, max_tokens=max_tokens, threads=threads, top=top)
        return _shared[key]

