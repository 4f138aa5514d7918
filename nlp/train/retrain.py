"""``yuqing train``: retrain one task from the public sets, the real labels and the analysts'
corrections, write the result as a new model version, and promote it only through the gate.

The steps: read the task's latest corrections from the store (:mod:`nlp.corrections`), train with
the task's own trainer (``nlp.train.<task>.train``), write a complete models folder as a new
version (:mod:`nlp.model_registry`), score the current models and the candidate on the frozen real
test sets (:mod:`nlp.eval.gate`), and make the candidate current only if it is at least as good on
every row. A refused candidate stays on disk for inspection (``yuqing models list``).
"""
from __future__ import annotations

import importlib
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from nlp import corrections
from nlp import model_registry as registry
from nlp.backbone.tuned import version_top_name
from nlp.eval import gate
from yuqing.errors import InputError
from yuqing.records import DEFAULT_TZ

#: the correction task that teaches each trainable model (``rumor``: "not a rumour" / "a rumour")
CORRECTION_TASK = {"sentiment": "sentiment", "category": "category", "rescue": "request", "harmful": "rumor"}


#: the tasks the tuned top answers for (nlp.backbone.tuned): retraining it is gated on both
TOP_TASKS = ("sentiment", "rescue")


def retrain(config, store, task: str, *, config_path: Optional[str], overrides: list[str], who: str,
            public_limit: Optional[int] = None, gate_split: str = "test", gate_limit: int = 0,
            gate_public_rows: Optional[int] = None, top: bool = True, top_options: Optional[dict] = None,
            say: Callable[[str], None] = lambda _: None) -> dict:
    """Train, gate and maybe promote; the result as a dict (also written to the version's GATE.json).

    ``top``: for sentiment and requests, also retrain the tuned top the engine blends in (when it
    runs one) with the corrections of both, and gate the candidate on both tasks; ``top_options``:
    its training settings (``layers``, ``epochs``, ``limit``; defaults: those of ``make setup``)."""
    if task not in CORRECTION_TASK:
        raise InputError(f"--task {task!r}: `yuqing train` retrains {', '.join(CORRECTION_TASK)}")
    rows, problems = corrections.training_rows(store, CORRECTION_TASK[task])
    for problem in problems:
        say(problem)
    say(f"训练 {task}：{len(rows)} 条分析员纠正" + (f"，公开数据每套取 {public_limit} 条" if public_limit else ""))
    with _one_blas_thread(bool(public_limit)):
        model = importlib.import_module(f"nlp.train.{task}").train(extra=rows, public_limit=public_limit)
    model.meta["trained_on"] = {"corrections": len(rows), "public_limit": public_limit,
                                "correction_ids": [r["doc_id"] for r in rows]}
    base = registry.models_dir(config)
    where = registry.registry_dir(config)
    new_top = _retrain_top(config, store, base, where, top_options or {}, say) \
        if top and task in TOP_TASKS else None
    folder = registry.new_candidate(where, base, model, top=new_top)
    current_name = base.name if base else registry.BUNDLED
    say(f"候选版本 {folder.name} 已写入 {folder}；在冻结的真实测试集上比较（{gate_split}"
        + (f"，前 {gate_limit} 条" if gate_limit else "") + "）…")
    options = dict(config=config_path, overrides=[o for o in overrides if not o.startswith("nlp.models.dir=")],
                   split=gate_split, limit=gate_limit, public_rows=gate_public_rows,
                   also=TOP_TASKS if new_top else ())
    # the two `yuqing analyze` runs are independent processes on the same posts: run them side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        measuring = [pool.submit(gate.measure, task, models, **options) for models in (base, folder)]
        before, after = (future.result() for future in measuring)
    passed, table_rows = gate.compare(before, after)
    result = {"task": task, "candidate": folder.name, "current": current_name, "passed": passed,
              "promoted": False, "corrections": len(rows), "tuned_top": version_top_name(folder),
              "top_retrained": new_top is not None,
              "gate_split": gate_split, "gate_limit": gate_limit, "gate_public_rows": gate_public_rows,
              "created": datetime.now(DEFAULT_TZ).isoformat(timespec="seconds"), "rows": table_rows}
    if passed:
        registry.promote(where, folder.name, who=who, reason=f"gate passed against {current_name} on {gate_split}")
        result["promoted"] = True
        if config["nlp.models.dir"]:
            result["warning"] = ("nlp.models.dir is set, so the engine keeps loading that folder; empty it to use "
                                 "the promoted version")
    (Path(folder) / "GATE.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
    result["table"] = gate.table(table_rows, current_name, folder.name)
    return result


def _retrain_top(config, store, base: Optional[Path], where: Path, options: dict,
                 say: Callable[[str], None]) -> Optional[Path]:
    """The tuned top trained again with the analysts' sentiment and request corrections, in a folder
    under ``where`` that :func:`nlp.model_registry.new_candidate` moves into the version; None when
    the engine runs no top (nothing to retrain) or the labelled real posts are not on this machine."""
    import shutil

    from nlp.backbone.convert import default_cache
    from nlp.backbone.tuned import tuned_info, version_top
    from nlp.train import data, tuned_top

    cache = config.resolve_path("nlp.models.cache") if config["nlp.models.cache"] else default_cache()
    if tuned_info(cache, version_top(base)) is None:
        say("没有正在使用的调优顶层（tuned top）：只重训分类头")
        return None
    try:
        real = data.real_storm_dev()
    except (InputError, OSError, SystemExit) as error:  # nlp.eval.label exits when ../shared/data is absent
        say(f"读不到已标注的真实帖子，调优顶层保持不变：{error}")
        return None
    found = {t: corrections.training_rows(store, t)[0] for t in ("sentiment", "request")}
    fixed = tuned_top.correction_rows(found)
    limit = options.get("limit")
    generated = tuned_top.generated_rows()[:limit]
    layers = options.get("layers") or tuned_top.DEFAULTS["layers"]
    epochs = options.get("epochs") or tuned_top.DEFAULTS["epochs"]
    say(f"重训调优顶层：{len(real[:limit])} 条真实标注帖、{len(generated)} 条生成帖、{len(fixed)} 条分析员纠正"
        f"（情感 {len(found['sentiment'])}，求救 {len(found['request'])}），{layers} 层 {epochs} 轮…")
    where.mkdir(parents=True, exist_ok=True)
    folder = where / f".top-{datetime.now(DEFAULT_TZ).strftime('%Y%m%d-%H%M%S-%f')}.partial"
    try:
        tuned_top.train(cache, list(TOP_TASKS), real[:limit], layers=layers, epochs=epochs,
                        lr=tuned_top.DEFAULTS["lr"], max_tokens=tuned_top.DEFAULTS["max_tokens"],
                        threads=config["nlp.models.threads"] or tuned_top.DEFAULTS["threads"], extra=generated,
                        corrections=fixed, folder=folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _one_blas_thread(quick: bool):
    """For a quick model, BLAS on one thread: the fits of a small training set are many short vector
    operations (L-BFGS steps, a 387-column head), which OpenBLAS's threads slow down several times on
    a busy two-core machine. The full training keeps the library's default."""
    if not quick:
        return nullcontext()
    import scipy.optimize  # noqa: F401 - load SciPy's own OpenBLAS (L-BFGS-B's) before limiting it
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")
