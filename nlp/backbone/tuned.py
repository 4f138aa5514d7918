"""The tuned top: the backbone's last layers fine-tuned on the real storm posts, beside the frozen ones.

Stage-2 heads read frozen e5 embeddings. Out of fold on the real dev posts, a copy of the last 4
layers trained with a linear head, averaged with the shipped head, was better than the head alone
(request F1 0.909 → 0.920, sentiment 0.797 → 0.824, one top for both tasks; ``python -m
nlp.train.finetune_real``). This module runs that top in the same pass as the embedding:

* :class:`TunedTop`: the frozen bottom of a BertModel and a trainable copy of its top ``layers``
  with a linear head (training: :mod:`nlp.train.tuned_top`; experiment: :mod:`nlp.train.finetune_real`).
* :func:`save_tuned`: writes the trained top into the model cache (``tuned-top.pt``) and exports the
  *branched* graph ``model-tuned-int8.onnx``: input ids + attention mask → the frozen model's
  mean-pooled state (the same output as ``model-int8.onnx``) **and** the tuned top's logits, both from
  one run of the shared lower layers (16 layers of work instead of 12 + 12). ``tuned-manifest.json``,
  written last, records the base weights' checksum, the files', the tasks with their labels and
  blend weights, and what the top was trained on.
* :func:`tuned_info`: that manifest when it is current for the cache's weights, else None (the engine
  then runs the shipped heads alone, as before).
* A model version made by ``yuqing train`` from the analysts' corrections may carry a top of its own
  (:data:`TOP_DIR` inside the version's folder, the same three files; :func:`version_top`): the engine
  then runs that one instead of the cache's, so a correction teaches both halves of the blend.
* :func:`blend`: a task's stage-2 probabilities averaged with the tuned top's.
"""
from __future__ import annotations

import copy
import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from nlp.backbone.convert import _sha256

log = logging.getLogger(__name__)

TUNED_FORMAT = 1
WEIGHTS = "tuned-top.pt"
GRAPH = "model-tuned-int8.onnx"
MANIFEST = "tuned-manifest.json"
#: a model version's own top (nlp.model_registry), beside its task folders
TOP_DIR = "tuned-top"


class TunedTop:
    """A frozen backbone bottom and a trainable copy of its top ``layers`` with a linear head."""

    def __init__(self, backbone, layers: int, classes: int) -> None:
        import torch

        self.backbone = backbone.eval()
        self.split = len(backbone.encoder.layer) - layers
        self.top = torch.nn.ModuleList(copy.deepcopy(backbone.encoder.layer[self.split:]))
        self.head = torch.nn.Linear(backbone.config.hidden_size, classes)

    @staticmethod
    def additive_mask(mask):
        import torch

        return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

    @staticmethod
    def run_layers(layers, hidden, mask):
        extended = TunedTop.additive_mask(mask)
        for layer in layers:
            out = layer(hidden, attention_mask=extended)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    @staticmethod
    def mean(hidden, mask):
        return (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    def lower(self, ids, mask):
        """Hidden states after the frozen layers (computed once per post when training)."""
        import torch

        with torch.inference_mode():
            hidden = self.run_layers(self.backbone.encoder.layer[:self.split],
                                     self.backbone.embeddings(input_ids=ids), mask)
        return hidden.clone()

    def pooled(self, hidden, mask):
        """The mean-pooled embedding from the frozen layers' states through the tuned layers."""
        return self.mean(self.run_layers(self.top, hidden, mask), mask)

    def logits(self, hidden, mask):
        """Class logits from the frozen layers' states: the tuned layers, mean pooling, the head."""
        return self.head(self.pooled(hidden, mask))

    def parameters(self, lr: float, head_lr: float) -> list[dict]:
        return [{"params": self.top.parameters(), "lr": lr}, {"params": self.head.parameters(), "lr": head_lr}]

    def state_dict(self) -> dict:
        return {"top": self.top.state_dict(), "head": self.head.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.top.load_state_dict(state["top"])
        self.head.load_state_dict(state["head"])


def branched_module(top: TunedTop):
    """A torch module: (input ids, attention mask) → (the frozen model's mean-pooled state, the tuned
    top's logits), the lower layers run once for both."""
    import torch

    class Branched(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone, self.top, self.head = top.backbone, top.top, top.head

        def forward(self, input_ids, attention_mask):
            layers = self.backbone.encoder.layer
            shared = TunedTop.run_layers(layers[:top.split], self.backbone.embeddings(input_ids=input_ids),
                                         attention_mask)
            frozen = TunedTop.run_layers(layers[top.split:], shared, attention_mask)
            tuned = TunedTop.run_layers(self.top, shared, attention_mask)
            return (TunedTop.mean(frozen, attention_mask),
                    self.head(TunedTop.mean(tuned, attention_mask)))

    return Branched().eval()


def load_backbone(cache: Path):
    """The converted BertModel in eager attention (the layers are called one by one)."""
    from transformers import BertModel

    return BertModel.from_pretrained(str(cache), add_pooling_layer=False, attn_implementation="eager").eval()


def version_top(models: Path | None) -> Path | None:
    """The top a models folder carries (``<models>/tuned-top`` with a manifest), else None."""
    if models is None:
        return None
    folder = Path(models) / TOP_DIR
    return folder if (folder / MANIFEST).is_file() else None


def version_top_name(models: Path | None) -> str | None:
    """The version of the top a models folder carries (``"unreadable"`` when its manifest is not
    JSON with a version: the engine says why when it loads it), else None."""
    top = version_top(models)
    if top is None:
        return None
    try:
        return json.loads((top / MANIFEST).read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return "unreadable"


def save_tuned(cache: Path, top: TunedTop, *, tasks: dict[str, dict], trained_on: dict,
               folder: Path | None = None) -> dict:
    """Write ``top`` into ``folder`` (default: ``cache``), export and quantise its branched graph, write
    the manifest last; the manifest names the checksum of ``cache``'s base weights it was made from.

    ``tasks``: ``{task: {"labels": [...], "columns": [first, end], "weight": w}}``, the head's columns
    of each task in the order of its model's labels and the weight of the tuned probabilities in the
    blend. ``trained_on``: what made it (data digest, settings), recorded as is."""
    import torch

    from nlp.backbone.export import export_graph, quantize

    cache = Path(cache)
    out = Path(folder) if folder else cache
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    torch.save({"layers": len(top.top), "classes": top.head.out_features, "state": top.state_dict()},
               out / WEIGHTS)
    fp32 = out / "model-tuned.onnx.tmp"
    try:
        export_graph(branched_module(top), fp32, ["pooled", "logits"])
        target = out / GRAPH
        quantize(fp32, target.with_suffix(".tmp"))
        target.with_suffix(".tmp").replace(target)
    finally:
        fp32.unlink(missing_ok=True)
    manifest = {"format": TUNED_FORMAT, "weights_sha256": _sha256(cache / "model.safetensors"),
                "files": {name: _sha256(out / name) for name in (WEIGHTS, GRAPH)},
                "layers": len(top.top), "tasks": tasks, "trained_on": trained_on}
    manifest["version"] = "tuned-" + hashlib.sha256(
        json.dumps(manifest, sort_keys=True).encode("utf-8")).hexdigest()[:10]
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def tuned_info(cache: Path | None, folder: Path | None = None) -> dict | None:
    """The manifest of the tuned top in ``folder`` (default: ``cache``) when it was made from ``cache``'s
    current weights and its files are intact, else None. Checksums are read once per file state
    (hashing 100 MB costs a fraction of a second)."""
    if cache is None:
        return None
    cache = Path(cache)
    top = Path(folder) if folder else cache
    try:
        stamp = tuple((top / n).stat().st_mtime_ns for n in (MANIFEST, WEIGHTS, GRAPH)) \
            + ((cache / "model.safetensors").stat().st_mtime_ns,)
    except OSError:
        return None
    key = (str(cache.resolve()), str(top.resolve()), stamp)
    if key not in _checked:
        _checked[key] = _check(cache, top)
    return _checked[key]


_checked: dict[tuple, dict | None] = {}


def _check(cache: Path, top: Path) -> dict | None:
    path = top / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        log.warning("%s is not valid JSON: stage 2 runs without the tuned top", path)
        return None
    if manifest.get("format") != TUNED_FORMAT or manifest.get("weights_sha256") != _sha256(cache / "model.safetensors"):
        log.warning("%s was made from other base weights: stage 2 runs without the tuned top "
                    "(make it again: python -m nlp.train.tuned_top)", path)
        return None
    files = manifest.get("files", {})
    if any(files.get(name) != _sha256(top / name) for name in (WEIGHTS, GRAPH)):
        log.warning("the tuned top's files in %s do not match %s: stage 2 runs without it", top, path)
        return None
    return manifest


def softmax_columns(logits: np.ndarray, tasks: dict[str, dict]) -> dict[str, np.ndarray]:
    """Each task's probabilities from its columns of the head's logits."""
    result = {}
    for task, spec in tasks.items():
        first, end = spec["columns"]
        part = logits[:, first:end].astype(np.float64)
        part = np.exp(part - part.max(axis=1, keepdims=True))
        result[task] = part / part.sum(axis=1, keepdims=True)
    return result


def blend(stage2: np.ndarray, tuned: np.ndarray, weight: float) -> np.ndarray:
    """A task's stage-2 probabilities averaged with the tuned top's (same label order), weight ``weight``."""
    return (1.0 - weight) * stage2 + weight * tuned
