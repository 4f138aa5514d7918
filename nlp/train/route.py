"""Choose the cascade's routing on the real dev split: ``python -m nlp.train.route``.

Reads the out-of-fold probabilities that ``python -m nlp.train.choose --task T --dump F`` saved for
rescue, sentiment and category (stage 1 and stage 2 of models that never saw the post), applies each
routing of a grid (``nlp.cascade.*``: which posts stage 1 hands to the transformer), and prints what
the analysts would get — request F1, sentiment and category accuracy — against the share of posts
routed, beside stage 2 on every post. The harmful model's stage-1 scores (the shipped model; it
learns little from these posts) add their "harmful signal" routing. The test split is never read.

Since 2026-12-03 stage 2 of rescue and sentiment averages in the tuned top (``nlp.backbone.tuned``):
``--tuned-top FILE`` takes that top's out-of-fold probabilities (``python -m nlp.train.finetune_real
--task sentiment,rescue --with-generated --dump-oof FILE``, the engine's top trained once per fold) and
blends them into those tasks' stage 2 as the engine does, so the routing is chosen for the stage 2
the engine runs.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

GRID = {"sentiment_confidence": [0.0, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9], "negative_floor": [0.95, 1.01],
        "category_confidence": [0.25], "risk_floor": [0.2, 0.35], "rescue_ceiling": [0.9, 0.95, 0.98, 1.01]}


def _load(folder: Path, task: str) -> dict:
    dump = np.load(folder / f"{task}.npz")
    return {"ids": list(dump["ids"]), "stage1": dump["stage1"], "stage2": dump["stage2"], "labels": list(dump["labels"])}


def blend_top(dumps: dict, path: Path, weight: float | None) -> None:
    """Each task's stage 2 averaged with the tuned top's out-of-fold probabilities (in place), as
    :func:`nlp.backbone.tuned.blend` does in the engine."""
    from nlp.backbone.convert import default_cache
    from nlp.backbone.tuned import blend, tuned_info
    from nlp.train.tuned_top import WEIGHT

    installed = (tuned_info(default_cache()) or {"tasks": {}})["tasks"] if weight is None else {}
    top = np.load(path)
    where = {str(i): k for k, i in enumerate(top["ids"])}
    for task in ("rescue", "sentiment"):
        if task not in top.files:
            continue
        missing = [i for i in dumps[task]["ids"] if i not in where]
        if missing:
            raise SystemExit(f"{path}: no tuned-top probabilities for {len(missing)} posts (e.g. {missing[0]})")
        probs = top[task][[where[i] for i in dumps[task]["ids"]]]
        task_weight = weight if weight is not None else installed.get(task, {}).get("weight", WEIGHT)
        dumps[task]["stage2"] = blend(dumps[task]["stage2"], probs, task_weight)


def evaluate(dumps: dict, gold: dict, harmful_max: np.ndarray, policy: dict) -> dict:
    from sklearn.metrics import f1_score

    rescue, sentiment, category = dumps["rescue"], dumps["sentiment"], dumps["category"]
    s1 = sentiment["stage1"]
    negative = sentiment["labels"].index("negative")
    r1 = rescue["stage1"][:, -1]
    routed = ((s1.max(1) < policy["sentiment_confidence"]) | (s1[:, negative] >= policy["negative_floor"])
              | (category["stage1"].max(1) < policy["category_confidence"])
              | ((r1 >= policy["risk_floor"]) & (r1 < policy["rescue_ceiling"]))
              | (harmful_max >= policy["risk_floor"]))

    def final(task):
        return np.where(routed[:, None], dumps[task]["stage2"], dumps[task]["stage1"])

    y = np.array([gold[i]["request"] for i in rescue["ids"]])
    out = {"routed": round(float(routed.mean()), 3),
           "request_f1": round(float(f1_score(y, final("rescue")[:, -1] >= 0.5)), 4),
           "sentiment_accuracy": round(float(np.mean(np.array(sentiment["labels"])[final("sentiment").argmax(1)]
                                                     == np.array([gold[i]["sentiment"] for i in rescue["ids"]]))), 4),
           "category_accuracy": round(float(np.mean(np.array(category["labels"])[final("category").argmax(1)]
                                                    == np.array([gold[i]["category"] for i in rescue["ids"]]))), 4)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.train.route", description=__doc__.split("\n")[0])
    parser.add_argument("--dumps", type=Path, required=True, help="folder of rescue.npz, sentiment.npz, category.npz")
    parser.add_argument("--tuned-top", type=Path, default=None, metavar="FILE",
                        help="out-of-fold probabilities of the tuned top (finetune_real --dump-oof), blended "
                        "into the stage 2 of the tasks it holds")
    parser.add_argument("--top-weight", type=float, default=None,
                        help="the blend's weight of the top (default: the installed top's, else the one it is installed with)")
    args = parser.parse_args(argv)
    from nlp.analyzer import Analyzer
    from nlp.classify.task import featurizer
    from nlp.train import data

    dumps = {task: _load(args.dumps, task) for task in ("rescue", "sentiment", "category")}
    ids = dumps["rescue"]["ids"]
    for task, dump in dumps.items():  # one order for all
        order = [dump["ids"].index(i) for i in ids]
        dump["stage1"], dump["stage2"], dump["ids"] = dump["stage1"][order], dump["stage2"][order], ids
    if args.tuned_top:
        blend_top(dumps, args.tuned_top, args.top_weight)
    rows = {r["id"]: r for r in data.real_storm_dev()}
    texts = [rows[i]["text"] for i in ids]
    harmful = Analyzer.default().models["harmful"]
    harmful_max = harmful.stage1_proba(featurizer().transform(texts), texts).max(1)
    everywhere = {"sentiment_confidence": 2.0, "negative_floor": 0, "category_confidence": 0, "risk_floor": 0,
                  "rescue_ceiling": 2.0}
    print(json.dumps({"policy": "stage 2 on every post", **evaluate(dumps, rows, harmful_max, everywhere)}))
    print(json.dumps({"policy": "stage 1 alone", **evaluate(dumps, rows, harmful_max, {
        "sentiment_confidence": 0, "negative_floor": 2.0, "category_confidence": 0, "risk_floor": 2.0,
        "rescue_ceiling": 0})}))
    keys = sorted(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        policy = dict(zip(keys, values))
        print(json.dumps({"policy": policy, **evaluate(dumps, rows, harmful_max, policy)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
