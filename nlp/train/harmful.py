"""Train nlp/models/harmful: ``python -m nlp.train.harmful``.

Four independent yes/no heads (rumor, fraud, incitement, privacy_leak). Rumour learns from the
public rumour sets (Weibo21, CHECKED, CED train splits) and the project's harmful set; the other
three from the project's set, with the public posts as negatives. Rule features (ID numbers,
payment words, calls to gather, debunk words) are appended to stage 1.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from nlp.classify.rules import harmful_rule_floor, harmful_rules
from nlp.classify.features import append_columns
from nlp.classify.task import MODELS_DIR, TaskModel, featurizer, logit
from nlp.train import data
from nlp.train.common import fit_stage1, fit_stage2, log, write_card
from nlp.train.embeddings import embed_cached
from yuqing.errors import InputError
from yuqing.records import HARMFUL_TYPES

LABELS = list(HARMFUL_TYPES)
INCITEMENT_WEIGHT = 30  # copies of each project incitement row beside COLD's 10k offensive comments
REAL_WEIGHT = 3  # copies of each real storm dev post, as for the rescue model
CORRECTION_WEIGHT = REAL_WEIGHT  # an analyst's reading of a real post weighs like a labeller's
# the stage-2 head's settings, chosen on the dev split (first best wins ties)
HEAD_GRID = [{"C": c, "embedding_scale": scale, "use_stage1": use}
             for use in (True, False) for scale in (1.0, 4.0) for c in (1.0, 4.0, 16.0)]

CARD = """
Harmful information (有害信息) types of a post: rumor, fraud, incitement, privacy_leak; one sigmoid
per type (a post may carry several; the analyser reports types scoring at least
`nlp.cascade.harmful_threshold`).

- Training data: Weibo21 train (kennqiang/MDFEND-Weibo21, research use only; 无法确定 rows dropped),
  CHECKED train (cyang03/CHECKED, academic use only), CED Weibo rumours (thunlp, see its README; our
  80/20 split by file-name hash, 80% here), and the project's own set
  `nlp/datasets/harmful_train.jsonl` (693 posts: 369 from the first 41 train templates, 324 from
  36 new templates added 2026-11-30; licence of the project). Public posts count as
  rumour (fake) or non-rumour and as negatives for the other three types.
- Stage 1: hashed jieba/character features + 7 rule features → one logistic regression per type;
  each type's intercept is then shifted by the amount (0–8 in steps of 0.25) that maximises its F1
  at 0.5 on the dev split (meta.json `stage1_intercept_shifts_dev`): fit on 13k rows with ~100
  positives per project type, it scored new templates' positives at 0.01–0.1.
- Stage 2: per-type logistic head over multilingual-e5-small embeddings and stage-1 out-of-fold
  log-odds (folds grouped by template, so the scores are as unsure as on unseen templates; C, the
  embeddings' weight and whether to use stage 1 chosen on the dev split, meta.json
  `stage2_setting`), on fixed subsets of the public sets (sizes in meta.json `stage2_rows`; CPU
  time) plus the project set and the project's category set.
- Negatives for every type: the project's category train set (1,300 everyday posts) and 2,000 waimai_10k
  reviews (SophonPlus/ChineseNlpCorpus, terms not stated), so ordinary posts are not coin-flip rumours.
- Real storm posts (2026-12-01): the dev split of the 2021 Henan storm posts labelled by reading
  (`nlp/eval`, 529 posts, GiveHenanAHand, MIT), ×3, as training rows (almost all negatives: the
  model had called 119 of them rumours). The rumour threshold (stage-1 intercept shift) is now chosen
  on real text only: Weibo21 val, CHECKED dev and the storm dev posts (grid −6…8); the other three
  types have no real labelled set yet and keep the shift chosen on the generated dev split, a
  choice made on templates that this phase forbids and that stays to be replaced. Public test
  figures after the change (stage 1, whole splits): Weibo21 macro-F1 0.887 → 0.890, CHECKED 0.827 →
  0.805 (11 fakes in its test split; the one set that got worse).
- How stage 2 reads rumours (2026-12-03, chosen on real dev text only: `python -m nlp.train.harmful
  --rumour-stage`, meta.json `rumour_stage_dev`; every full training chooses again). The head's
  settings were chosen with the other types on the generated dev split, and on the three real rumour
  test sets it read rumours worse than stage 1. Candidates: stage 1's probability passed through,
  the head as trained, the head with its best log-odds shift. On Weibo21 val, CHECKED dev and the
  storm dev posts pooled, rumour F1: stage 1 0.875, the head 0.880 (its best shift is 0); Weibo21 val
  macro-F1 0.879 for both, CHECKED dev 0.935 vs 0.946 (28 vs 30 of its 31 rumours found), storm dev
  posts flagged 4 vs 1 (none of them is a rumour). The head stays. The test sets still say the
  opposite (CED 0.903 vs 0.858); a dev set able to settle it would need part of CED kept out of stage
  1's training.
- Research-only terms of Weibo21 and CHECKED apply to this model's weights.
- Rule floors removed 2026-11-30: the strong patterns (nlp/classify/rules.py `_STRONG`) that
  raised a type's probability to at least 0.8 had been written after reading the test split's
  errors, and on the new dev split they changed nothing, so they no longer touch the model's
  scores (`RULE_FLOORS` is empty; the analyser keeps them only to override its
  request-is-not-a-leak cap). Rows "with the old rule floors" show what they did; they are not
  shipped, and on test they are optimistic. The figures to quote are "model alone".
- Dev split (new 2026-11-30): `nlp/datasets/harmful_dev.jsonl`, 153 posts from 17 further new
  templates (3 per type, 5 hard negatives), never trained on; settings are read off it, the test
  split (126 posts, unchanged) is only reported. The previous model (2026-11-22) scored there
  0.230 / 0.276 (stage 1 / stage 2, with or without floors), and on test 0.398 / 0.410 alone,
  0.798 / 0.803 with its floors.
- COLD (thu-coai/COLDataset, Apache-2.0; added 2026-12-01): its 25,726 real train comments teach
  incitement (label 1 = offensive: attacks on a region, a gender or a race count as incitement
  here, as the issue maps them) and only incitement: for the other three types COLD rows are left
  out (`rows_per_label`; as 25k rumour negatives they cost Weibo21 test 0.03 macro-F1 and CHECKED
  0.08 in a first try). Stage 2 sees a fixed 10,000-row subset (3,000 in the first try: COLD-dev
  choice score 0.707 vs 0.714 for 10,000; the 400-row COLD test subset said 0.790 vs 0.825 and
  was looked at too, so read the 10,000 choice as made with test in view). The incitement
  intercept shift is chosen on real text only: COLD dev (6,431) and the storm dev posts, so angry
  storm posts are negatives in the choice; the head's settings on the project dev posts plus a fixed
  1,000-row COLD dev subset. COLD test (5,323 real comments, `bench/bench_nlp.py --parts cold
  --limit 6000`): see the README's NLP table; before COLD the head flagged none of them (0.604,
  the always-safe baseline).
- Generated test split (templates, not a real-text figure): stage 1 / stage 2 macro-F1 0.467 / 0.652
  (before COLD 0.525 / 0.622); the 0.85 goal stays missed; rumour fires on some fraud texts.
"""


def _matrix(labels: list[list[str]]) -> np.ndarray:
    return np.array([[1 if label in row else 0 for label in LABELS] for row in labels])


class _Rows:
    """The training posts: text, types, the set each came from and its group for grouped folds."""

    def __init__(self):
        self.texts, self.types, self.sources, self.groups = [], [], [], []

    def add(self, texts, types, source, groups):
        self.texts += list(texts)
        self.types += [list(t) for t in types]
        self.sources += [source] * len(texts)
        self.groups += list(groups)


def _training_rows(public_limit: int | None) -> _Rows:
    """The public sets, the project's set and the real storm dev posts (``public_limit``: a fixed
    subset of each public and project set; the real posts are always all kept)."""
    rows = _Rows()
    project = data.project_set("harmful", "train")
    if public_limit:
        project = data.subset(project, project, public_limit)[0]
    rows.add([r["text"] for r in project], [r["types"] for r in project], "project-harmful-train",
             [r.get("template", r["text"]) for r in project])
    for name, loader, split in (("weibo21", data.weibo21, "train"), ("checked", data.checked, "train"),
                                ("ced", data.ced, "train")):
        public_texts, fake = data.subset(*loader(split), public_limit)
        rows.add(public_texts, [["rumor"] if f else [] for f in fake], f"{name}-{split}",
                 [f"{name}-{i}" for i in range(len(public_texts))])
    # COLD (real offensive comments on region, gender and race, Apache-2.0): the real set for
    # incitement the issue names; before it the head had seen only ~100 templated calls to gather and
    # flagged none of COLD's offensive comments
    cold_texts, offensive = data.subset(*data.cold("train"), public_limit)
    rows.add(cold_texts, [["incitement"] if o else [] for o in offensive], "cold-train",
             [f"cold-{i}" for i in range(len(cold_texts))])
    # ...but a call to gather at someone's door (大家去他家讨说法) is the incitement a street must see
    # first, and COLD has none: the project's incitement rows count INCITEMENT_WEIGHT times for it
    for row in project:
        if "incitement" in row["types"]:
            copies = INCITEMENT_WEIGHT - 1
            rows.add([row["text"]] * copies, [["incitement"]] * copies, "project-incitement-weight",
                     [row.get("template", row["text"])] * copies)
    # the real storm posts labelled by reading (dev split only), ×3: storm requests for help are urgent
    # like Weibo21's fakes, and the model called 119 of 529 of them rumours
    storm = data.real_storm_dev()
    for _ in range(REAL_WEIGHT):
        rows.add([r["text"] for r in storm], [r["harmful"] for r in storm], "real-storm-dev",
                 [f"storm-{r['group']}" for r in storm])
    # ordinary posts and reviews as negatives: the rumour sets are half fake, so without them any
    # everyday post would look like a coin-flip rumour
    everyday = [r["text"] for r in data.project_set("category", "train")]
    reviews, _ = data.subset(*data.review_corpus("waimai_10k"), 2000)
    for name, texts in (("project-category-train", everyday), ("waimai", reviews)):
        texts = data.subset(texts, texts, public_limit)[0]
        rows.add(texts, [[] for _ in texts], name, [f"{name}-{i}" for i in range(len(texts))])
    return rows


def corrected_types(extra) -> dict[str, dict]:
    """The analysts' corrections by document: ``{doc_id: {"text", "types": {type: yes/no}}}``.

    A correction's label is a harmful type (``rumor``: the analyst says it is one) or ``not_`` and
    the type (``not_rumor``); it rules on that type only and says nothing of the others.

    Raises:
        InputError: a label that names no harmful type.
    """
    by_doc: dict[str, dict] = {}
    for row in extra:
        label = row["label"]
        kind, said = (label[len("not_"):], 0) if label.startswith("not_") else (label, 1)
        if kind not in LABELS:
            raise InputError(f"correction of {row['doc_id']}: {label!r} is not a harmful type; "
                             f"one of {', '.join(LABELS)} or not_<type>")
        by_doc.setdefault(row["doc_id"], {"text": row["text"], "types": {}})["types"][kind] = said
    return by_doc


def _add_corrections(rows: _Rows, y: np.ndarray, rows_per_label: np.ndarray, extra):
    """``y`` and ``rows_per_label`` with the analysts' readings: a training post with a corrected
    post's text takes the analyst's answer for the types ruled on, and each corrected post is added
    ``CORRECTION_WEIGHT`` times, teaching only the types ruled on (a "not a rumour" is no evidence
    that the post is not a fraud)."""
    by_doc = corrected_types(extra)
    if not by_doc:
        return y, rows_per_label
    where: dict[str, list[int]] = {}
    for i, text in enumerate(rows.texts):
        where.setdefault(text, []).append(i)
    added_y, added_mask = [], []
    for doc_id, entry in by_doc.items():
        for kind, said in entry["types"].items():
            j = LABELS.index(kind)
            for i in where.get(entry["text"], []):
                y[i, j], rows_per_label[i, j] = said, True
        row_y = [entry["types"].get(label, 0) for label in LABELS]
        row_mask = [label in entry["types"] for label in LABELS]
        rows.add([entry["text"]] * CORRECTION_WEIGHT, [[]] * CORRECTION_WEIGHT, "correction",
                 [f"correction-{doc_id}"] * CORRECTION_WEIGHT)
        added_y += [row_y] * CORRECTION_WEIGHT
        added_mask += [row_mask] * CORRECTION_WEIGHT
    return (np.vstack([y, np.array(added_y, dtype=y.dtype)]),
            np.vstack([rows_per_label, np.array(added_mask, dtype=bool)]))


def train(extra=(), public_limit: int | None = None, *, weibo21_rows: int = 600, checked_rows: int = 600,
          ced_rows: int = 0, cold_rows: int = 10000, cold_dev_rows: int = 1000) -> TaskModel:
    """The harmful model from the public sets, the project's set, the real dev posts and ``extra``
    rows (``{"doc_id", "text", "label"}``, label ``rumor`` / ``not_rumor`` or another type with or
    without ``not_``: analysts' corrections, weighted like the real posts).

    ``public_limit`` keeps a fixed subset of each public and project set (a quick model for checks:
    fewer stage-1 folds, and the head takes the setting the shipped model chose instead of searching
    ``HEAD_GRID`` on dev); ``*_rows`` are the rows of each set the stage-2 head sees (embedding costs
    CPU time).
    """
    rows = _training_rows(public_limit)
    y = _matrix(rows.types)
    # COLD is labelled for offence only: it teaches incitement and leaves the other types alone (as
    # 25k negatives for rumour it cost Weibo21 0.03 macro-F1 and CHECKED 0.08)
    rows_per_label = np.ones(y.shape, dtype=bool)
    from_cold = np.array([s in ("cold-train", "project-incitement-weight") for s in rows.sources])
    for j, label in enumerate(LABELS):
        if label != "incitement":
            rows_per_label[from_cold, j] = False
    y, rows_per_label = _add_corrections(rows, y, rows_per_label, extra)
    log(f"harmful: {len(rows.texts)} training posts ({len(extra)} corrections), positives per type "
        f"{y.sum(0).tolist()}")
    stage1, oof = fit_stage1(rows.texts, y, LABELS, rules=harmful_rules(rows.texts), C=4.0, exclusive=False,
                             groups=rows.groups, rows_per_label=rows_per_label, quick=bool(public_limit))
    shifts = _intercept_shifts(stage1)
    log(f"harmful: stage-1 intercept shifts chosen on dev {dict(zip(LABELS, shifts.tolist()))}")
    stage1.intercept = stage1.intercept + shifts
    oof = 1.0 / (1.0 + np.exp(-(logit(oof) + shifts)))  # the head sees stage 1 as it now scores

    # stage 2 on the rows we have embeddings for: the same fixed subsets the embedding cache holds
    subsets = {"project-harmful-train": None, "project-category-train": None, "weibo21-train": weibo21_rows,
               "checked-train": checked_rows, "ced-train": ced_rows, "real-storm-dev": None,
               "cold-train": cold_rows}
    if extra:
        subsets["correction"] = None
    chosen, vectors = [], []
    for source, limit in subsets.items():
        if limit == 0:
            continue
        idx = [i for i, s in enumerate(rows.sources) if s == source]
        chosen_texts, chosen_idx = data.subset([rows.texts[i] for i in idx], idx, limit)
        chosen += chosen_idx
        vectors.append(embed_cached(chosen_texts, "corrections" if source == "correction" else source))
    if public_limit:  # a quick model: the head setting the full training chose, no search on dev
        setting = _shipped_head_setting()
        stage2 = fit_stage2(np.vstack(vectors), oof[chosen], y[chosen], LABELS, exclusive=False,
                            rows_per_label=rows_per_label[chosen], **setting)
        scores = {}
    else:
        stage2, setting, scores = _choose_head(stage1, np.vstack(vectors), oof[chosen], y[chosen],
                                               rows_per_label[chosen], cold_dev_rows)
    model = TaskModel("harmful", stage1, stage2, {"labels": LABELS, "rule_features": "harmful",
                                                  "stage2_rows": subsets, "stage2_setting": setting,
                                                  "stage1_intercept_shifts_dev": shifts.tolist(),
                                                  "stage2_dev_macro_f1": scores})
    model.rule_features = harmful_rules
    # how stage 2 reads rumours: chosen on real dev text (a quick model takes the shipped choice)
    model.meta.update(_shipped_rumour_stage() if public_limit else choose_rumour_stage(model)[0])
    return model


def _stage1_proba(stage1, texts: list[str]) -> np.ndarray:
    return stage1.predict_proba(append_columns(featurizer().transform(texts), harmful_rules(texts)))


def _intercept_shifts(stage1) -> np.ndarray:
    """Per type, the stage-1 intercept shift that gives the best dev F1 at 0.5.

    Stage 1 is sure on its training templates and far too unsure on new ones (intercepts near -5.6
    against 13k negatives). Rumour and incitement have real labelled text, so their shifts are chosen
    on real dev posts only; fraud and privacy leaks still on the generated dev split.
    """
    dev = data.project_set("harmful", "dev")
    dev_texts = [r["text"] for r in dev]
    shifts = _calibrate(_stage1_proba(stage1, dev_texts), _matrix([r["types"] for r in dev]))
    real_texts, real_y = _real_rumour_dev()
    real_shift = _calibrate(_stage1_proba(stage1, real_texts), real_y, grid=np.arange(-6.0, 8.01, 0.25))
    shifts[LABELS.index("rumor")] = real_shift[LABELS.index("rumor")]
    # incitement: COLD's dev split and the storm dev posts (angry storm posts must not turn into
    # incitement), never the templates
    inc_texts, inc_y = _real_incitement_dev()
    inc_shift = _calibrate(_stage1_proba(stage1, inc_texts), inc_y, grid=np.arange(-6.0, 8.01, 0.25))
    shifts[LABELS.index("incitement")] = inc_shift[LABELS.index("incitement")]
    return shifts


def _choose_head(stage1, vectors, oof, y, rows_per_label, cold_dev_rows: int):
    """``(head, setting, dev scores)``: the stage-2 head of the ``HEAD_GRID`` setting with the best
    macro-F1 on the project's dev posts and a fixed subset of COLD's real dev comments (never test)."""
    dev = data.project_set("harmful", "dev")
    dev_texts = [r["text"] for r in dev]
    cold_dev_texts, cold_dev_y = data.subset(*data.cold("dev"), cold_dev_rows)
    dev_y = np.vstack([_matrix([r["types"] for r in dev]), _matrix([["incitement"] if o else [] for o in cold_dev_y])])
    dev_raw1 = np.vstack([_stage1_proba(stage1, dev_texts), _stage1_proba(stage1, cold_dev_texts)])
    dev_vectors = np.vstack([embed_cached(dev_texts, "project-harmful-dev"), embed_cached(cold_dev_texts, "cold-dev")])
    scores, heads = {}, {}
    for setting in HEAD_GRID:
        head = fit_stage2(vectors, oof, y, LABELS, exclusive=False, rows_per_label=rows_per_label, **setting)
        p2 = TaskModel("harmful", stage1, head).stage2_proba(dev_vectors, dev_raw1)
        scores[json.dumps(setting, sort_keys=True)] = _types_f1(dev_y, p2)
        heads[json.dumps(setting, sort_keys=True)] = head
    best = max(scores, key=lambda key: (scores[key], -HEAD_GRID.index(json.loads(key))))
    log(f"harmful: head settings on dev {scores} -> {best}")
    return heads[best], json.loads(best), scores  # the fit is deterministic: the grid's head is the refit


def _shipped_head_setting() -> dict:
    """The stage-2 setting the shipped model's full training chose on dev (meta.json ``stage2_setting``),
    for quick models; the grid's first setting if the shipped model has none."""
    try:
        setting = json.loads((MODELS_DIR / "harmful" / "meta.json").read_text(encoding="utf-8"))["stage2_setting"]
        return {key: setting[key] for key in HEAD_GRID[0]}
    except (OSError, ValueError, KeyError, TypeError):
        return dict(HEAD_GRID[0])


RUMOUR_STAGE_KEYS = ("stage2_keeps_stage1", "stage2_logit_shift")


def _real_rumour_dev_sets(limit: int | None = None) -> list[tuple[str, list[str], np.ndarray]]:
    """(name, texts, 1 = rumour) of each real rumour dev set: Weibo21 val, CHECKED dev, the storm dev
    posts (``limit``: a fixed subset of each, for checks)."""
    sets = []
    for name, loader, split in (("Weibo21 val", data.weibo21, "val"), ("CHECKED dev", data.checked, "dev")):
        texts, fake = data.subset(*loader(split), limit)
        sets.append((name, list(texts), np.array(fake, dtype=int)))
    storm = data.real_storm_dev()
    texts, rumour = data.subset([r["text"] for r in storm], [int("rumor" in r["harmful"]) for r in storm], limit)
    sets.append(("storm dev", list(texts), np.array(rumour, dtype=int)))
    return sets


def choose_rumour_stage(model: TaskModel, limit: int | None = None) -> tuple[dict, list[dict]]:
    """How stage 2 reads rumours, chosen on real dev text only: ``(meta entries, the table)``.

    The head's rumour column was chosen with the other types on the generated dev split, while stage
    1's rumour threshold is chosen on real text (Weibo21 val, CHECKED dev, the storm dev posts); on
    the three real rumour test sets the head then read rumours worse than stage 1. Candidates, on
    those real dev sets: stage 1's probability passed through, the head as trained, and the head with
    the log-odds shift (grid −6…8, as stage 1's) that gives it its best F1. The criterion is stage
    1's: rumour F1 at 0.5 on the three sets pooled; a tie goes to stage 1 (no embeddings needed).
    No test split is read.
    """
    j = LABELS.index("rumor")
    sets = _real_rumour_dev_sets(limit)
    texts = [t for _, set_texts, _ in sets for t in set_texts]
    y = np.concatenate([set_y for _, _, set_y in sets])
    owner = np.concatenate([[i] * len(set_texts) for i, (_, set_texts, _) in enumerate(sets)])
    p1 = model.stage1_proba(featurizer().transform(texts), texts)
    bare = TaskModel(model.name, model.stage1, model.stage2,
                     {k: v for k, v in model.meta.items() if k not in RUMOUR_STAGE_KEYS})
    z = logit(bare.stage2_proba(embed_cached(texts, "real-rumour-dev"), p1)[:, j])
    grid = np.arange(-6.0, 8.01, 0.25)
    f1s = [_binary_f1(y, 1.0 / (1.0 + np.exp(-(z + shift)))) for shift in grid]
    shift = float(grid[int(np.argmax(f1s))])
    candidates = [("stage 1", {"stage2_keeps_stage1": ["rumor"]}, p1[:, j]),
                  ("stage 2, the head as trained", {}, 1.0 / (1.0 + np.exp(-z)))]
    if shift:  # a shift of 0 is the head as trained
        candidates.append((f"stage 2, the head shifted {shift:+.2f}", {"stage2_logit_shift": {"rumor": shift}},
                           1.0 / (1.0 + np.exp(-(z + shift)))))
    from sklearn.metrics import f1_score

    table = []
    for name, entries, p in candidates:
        flagged = p >= 0.5
        line = {"candidate": name, "pooled rumour F1": round(_binary_f1(y, p), 4)}
        for i, (set_name, _, set_y) in enumerate(sets):
            mine = owner == i
            if set_y.sum() and (set_y == 0).any():
                line[f"{set_name} macro-F1"] = round(float(f1_score(set_y, flagged[mine], average="macro",
                                                                    zero_division=0)), 4)
            line[f"{set_name} flagged (rumours among them / rumours)"] = (
                f"{int(flagged[mine].sum())} ({int((flagged[mine] & (set_y == 1)).sum())} / {int(set_y.sum())})")
        table.append((line, entries))
    best = max(range(len(table)), key=lambda i: (table[i][0]["pooled rumour F1"], -i))
    log("harmful: rumour in stage 2, real dev: " + json.dumps([line for line, _ in table], ensure_ascii=False)
        + f" -> {table[best][0]['candidate']}")
    entries = dict(table[best][1])
    entries["rumour_stage_dev"] = {"chosen": table[best][0]["candidate"], "best_head_shift": shift,
                                   "table": [line for line, _ in table]}
    return entries, [line for line, _ in table]


def _shipped_rumour_stage() -> dict:
    """The rumour-stage choice of the shipped model (meta.json), for quick models."""
    try:
        meta = json.loads((MODELS_DIR / "harmful" / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: meta[key] for key in (*RUMOUR_STAGE_KEYS, "rumour_stage_dev") if key in meta}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weibo21-rows", type=int, default=600, help="Weibo21 rows embedded for stage 2")
    parser.add_argument("--checked-rows", type=int, default=600)
    parser.add_argument("--ced-rows", type=int, default=0)
    parser.add_argument("--cold-rows", type=int, default=10000, help="COLD train rows embedded for stage 2")
    parser.add_argument("--cold-dev-rows", type=int, default=1000,
                        help="COLD dev rows embedded to choose the stage-2 head's settings")
    parser.add_argument("--public-limit", type=int, default=None, metavar="N",
                        help="a fixed subset of N rows of each public/project set (a quick model for checks)")
    parser.add_argument("--output", type=Path, default=MODELS_DIR / "harmful",
                        help="folder the model is written to (default: the bundled nlp/models/harmful)")
    parser.add_argument("--rumour-stage", action="store_true",
                        help="only choose how stage 2 reads rumours (on real dev text) for the model in "
                             "--output, print the table and write it into its meta.json; no training")
    args = parser.parse_args(argv)
    if args.rumour_stage:
        if args.output.name != "harmful" or not (args.output / "meta.json").is_file():
            parser.error(f"--output {args.output}: --rumour-stage needs a trained harmful model's folder "
                         "(named harmful, with its meta.json)")
        return _rumour_stage_only(args.output)
    model = train(public_limit=args.public_limit, weibo21_rows=args.weibo21_rows, checked_rows=args.checked_rows,
                  ced_rows=args.ced_rows, cold_rows=args.cold_rows, cold_dev_rows=args.cold_dev_rows)
    metrics = {}
    for split in ("dev", "test"):  # dev chooses settings and rules; test is only reported
        rows_ = data.project_set("harmful", split)
        split_texts = [r["text"] for r in rows_]
        split_y = _matrix([r["types"] for r in rows_])
        features = featurizer().transform(split_texts)
        vectors = embed_cached(split_texts, f"project-harmful-{split}")
        raw1 = model.stage1.predict_proba(append_columns(features, harmful_rules(split_texts)))
        raw2 = model.stage2_proba(vectors, raw1)
        p1 = np.maximum(raw1, harmful_rule_floor(split_texts, LABELS))  # the old floors, not shipped
        p2 = model.stage2_proba(vectors, p1)
        metrics[f"{split} macro-F1 over types, stage 1 (model alone)"] = _types_f1(split_y, raw1)
        metrics[f"{split} macro-F1 over types, stage 2 (model alone)"] = _types_f1(split_y, raw2)
        metrics[f"{split} macro-F1 over types, stage 1 (with the old rule floors)"] = _types_f1(split_y, p1)
        metrics[f"{split} macro-F1 over types, stage 2 (with the old rule floors)"] = _types_f1(split_y, p2)
        metrics[f"{split} posts"] = len(split_texts)
        for j, label in enumerate(LABELS):
            metrics[f"{split} F1 {label}, stage 2 (model alone)"] = (_binary_f1(split_y[:, j], raw2[:, j])
                                                                     if split_y[:, j].any() else "n/a")
    model.meta["metrics"] = metrics
    folder = args.output
    model.save(folder)
    write_card(folder, "Harmful-information model", CARD, metrics)
    return 0


def _rumour_stage_only(folder: Path) -> int:
    from nlp.classify.task import load_task

    model = load_task("harmful", folder.parent)
    entries, table = choose_rumour_stage(model)
    for line in table:
        print(json.dumps(line, ensure_ascii=False), flush=True)
    print(f"chosen: {entries['rumour_stage_dev']['chosen']}", flush=True)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    for key in RUMOUR_STAGE_KEYS:
        meta.pop(key, None)
    meta.update(entries)
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


def _real_rumour_dev() -> tuple[list[str], np.ndarray]:
    """Real text for choosing the rumour threshold: the real rumour dev sets pooled, as a type matrix."""
    sets = _real_rumour_dev_sets()
    return ([t for _, set_texts, _ in sets for t in set_texts],
            _matrix([["rumor"] if r else [] for _, _, set_y in sets for r in set_y]))


def _real_incitement_dev() -> tuple[list[str], np.ndarray]:
    """Real text for choosing the incitement threshold: COLD dev (all 6,431) and the storm dev posts."""
    texts, offensive = data.cold("dev")
    types = [["incitement"] if o else [] for o in offensive]
    storm = data.real_storm_dev()
    texts += [r["text"] for r in storm]
    types += [list(r["harmful"]) for r in storm]
    return texts, _matrix(types)


def _calibrate(p: np.ndarray, y: np.ndarray, grid=np.arange(0.0, 8.01, 0.25)) -> np.ndarray:
    """Per type, the intercept shift (from ``grid``; smallest of the best) maximising F1 at 0.5."""
    shifts = np.zeros(p.shape[1])
    for j in range(p.shape[1]):
        if not y[:, j].any():
            continue
        z = logit(p[:, j])
        f1s = [_binary_f1(y[:, j], 1.0 / (1.0 + np.exp(-(z + shift)))) for shift in grid]
        shifts[j] = grid[int(np.argmax(f1s))]
    return shifts


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
