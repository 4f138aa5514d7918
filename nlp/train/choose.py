"""Choose a model's training settings on the real dev split: ``python -m nlp.train.choose --task T``.

Grouped K-fold cross-validation on the real storm posts' dev split (``nlp/eval``, labelled by
reading): for each setting of the grid and each fold, the task's own ``train`` is run with the other
folds' real posts (plus the public or generated sets it always learns from), and the held-out fold
is scored. Folds are by near-duplicate group, so reposts of one text are never on both sides. The
frozen test split is never read here; generated text trains but never chooses.

Prints each setting's out-of-fold score (stage 1 and stage 2) and the best; the chosen values are
then written into the task's module by hand (``REAL_WEIGHT``, ``C1``, …) with the figure beside them.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys

import numpy as np

from nlp.classify.task import featurizer
from nlp.train import data
from nlp.train.common import accuracy, log
from nlp.train.embeddings import real_embeddings

GRIDS = {
    "rescue": {"real_weight": [3, 6], "c1": [16.0], "c2": [1.0, 4.0]},
    "sentiment": {"real_weight": [5, 10, 20], "c1": [8.0], "c2": [1.0]},
    "category": {"real_weight": [1, 3, 6], "c1": [16.0], "head": [{"C": 4.0, "embedding_scale": 1.0, "use_stage1": True},
                                                                   {"C": 16.0, "embedding_scale": 4.0, "use_stage1": True}]},
}


def _folds(rows: list[dict], k: int) -> list[int]:
    """Fold of each row: whole near-duplicate groups, spread by a fixed hash so folds are stable."""
    import hashlib

    return [int(hashlib.sha256(f"fold:{r['group']}".encode()).hexdigest()[:8], 16) % k for r in rows]


def _score(task: str, gold: list, p1: np.ndarray, p2: np.ndarray, labels: list[str]) -> dict:
    from sklearn.metrics import f1_score

    if task == "rescue":
        y = np.array(gold)
        return {"stage1_f1": round(float(f1_score(y, p1[:, 1] >= 0.5)), 4),
                "stage2_f1": round(float(f1_score(y, p2[:, 1] >= 0.5)), 4),
                "stage2_recall": round(float(((p2[:, 1] >= 0.5) & (y == 1)).sum() / max(1, y.sum())), 4)}
    y = np.array([labels.index(g) for g in gold])
    return {"stage1_accuracy": round(accuracy(y, p1.argmax(1)), 4), "stage2_accuracy": round(accuracy(y, p2.argmax(1)), 4)}


def cross_validate(task: str, setting: dict, k: int = 5, limit: int | None = None, dump: str | None = None) -> dict:
    import importlib

    module = importlib.import_module(f"nlp.train.{task}")
    rows = data.real_storm_dev()
    folds = _folds(rows, k)
    gold_of = {"rescue": lambda r: 1 if r["request"] else 0, "sentiment": lambda r: r["sentiment"],
               "category": lambda r: r["category"]}[task]
    all_vectors = real_embeddings([r["text"] for r in rows], 0)
    p1s, p2s, gold = [], [], []
    for fold in range(k):
        train_rows = [r for r, f in zip(rows, folds) if f != fold]
        held = [i for i, f in enumerate(folds) if f == fold]
        kwargs = dict(setting)
        if limit:
            kwargs["public_limit"] = limit
        model = module.train(real=train_rows, **kwargs)
        texts = [rows[i]["text"] for i in held]
        p1 = model.stage1_proba(featurizer().transform(texts), texts)
        p2 = model.stage2_proba(all_vectors[held], p1)
        p1s.append(p1), p2s.append(p2), gold.extend(gold_of(rows[i]) for i in held)
    labels = model.meta.get("labels") or list(module.LABELS)
    if dump:  # the out-of-fold probabilities, for choosing the cascade's routing (nlp.train.route)
        order = [i for fold in range(k) for i, f in enumerate(folds) if f == fold]
        np.savez(dump, ids=np.array([rows[i]["id"] for i in order]), stage1=np.vstack(p1s), stage2=np.vstack(p2s),
                 labels=np.array(labels), setting=json.dumps(setting))
    return _score(task, gold, np.vstack(p1s), np.vstack(p2s), labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.train.choose", description=__doc__.split("\n")[0])
    parser.add_argument("--task", choices=sorted(GRIDS), required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="a fixed subset of the public/generated set (quick)")
    parser.add_argument("--dump", help="with a one-setting grid: save the out-of-fold probabilities (.npz)")
    parser.add_argument("--grid", help="JSON object replacing the task's grid, e.g. '{\"real_weight\": [3]}'")
    args = parser.parse_args(argv)
    grid = json.loads(args.grid) if args.grid else GRIDS[args.task]
    keys = sorted(grid)
    results = []
    for values in itertools.product(*(grid[key] for key in keys)):
        setting = dict(zip(keys, values))
        scores = cross_validate(args.task, setting, args.folds, args.limit, args.dump)
        results.append((setting, scores))
        print(json.dumps({"setting": setting, **scores}, ensure_ascii=False), flush=True)
    metric = "stage2_f1" if args.task == "rescue" else "stage2_accuracy"
    best = max(results, key=lambda r: r[1][metric])  # first best wins ties
    print(json.dumps({"best": best[0], metric: best[1][metric], "rows": len(data.real_storm_dev()),
                      "folds": args.folds}, ensure_ascii=False))
    log("the test split was not read; write the chosen values into the task's module with their figure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
