"""Exporting a torch module over (input ids, attention mask) to ONNX and quantising it: shared by the
backbone's graphs (:mod:`nlp.backbone.onnxrt`) and the tuned top's (:mod:`nlp.backbone.tuned`)."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

OPSET = 17


def export_graph(module, target: Path, outputs: list[str]) -> None:
    """Trace ``module(input_ids, attention_mask)`` into ``target``: batch and token axes dynamic, the
    outputs named ``outputs`` (each with a dynamic batch axis)."""
    import torch

    # a padded second row, so the traced graph keeps the attention-mask path
    ids = torch.tensor([[0, 6, 7, 8, 9, 2], [0, 6, 7, 2, 1, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    axes.update({name: {0: "batch"} for name in outputs})
    options = dict(input_names=["input_ids", "attention_mask"], output_names=outputs, opset_version=OPSET,
                   dynamic_axes=axes)
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        try:  # the TorchScript exporter: needs no onnxscript; torch < 2.5 has no `dynamo` argument
            torch.onnx.export(module, (ids, mask), str(target), dynamo=False, **options)
        except TypeError:
            torch.onnx.export(module, (ids, mask), str(target), **options)


def quantize(source: Path, target: Path) -> None:
    """onnxruntime dynamic quantisation: int8 weights per output channel for every MatMul and the
    word-embedding table (Gather); activations quantised per batch at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser's advice to pre-process (shape inference) does not apply here
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"])
    finally:
        root.setLevel(level)
