"""Loaders for the public labelled sets (``../shared/data``) and the project's own sets.

Each loader returns ``(texts, labels)`` lists. The data folder is ``$YUQING_DATA`` or
``../shared/data`` relative to the repository. Test splits are only read by ``bench/``.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

from yuqing.errors import InputError

REPO = Path(__file__).resolve().parents[2]
PROJECT_SETS = REPO / "nlp" / "datasets"


def data_root() -> Path:
    env = os.environ.get("YUQING_DATA")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data", Path("/work/shared/data")]:
        if candidate.exists():
            return candidate
    raise InputError("public data sets not found: set YUQING_DATA to the folder of shared/data/README.md")


def _csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def chnsenticorp(split: str) -> tuple[list[str], list[int]]:
    """ChnSentiCorp reviews; label 1 = positive."""
    texts, labels = [], []
    with open(data_root() / "chnsenticorp" / f"{split}.tsv", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            if text:
                texts.append(text)
                labels.append(int(label))
    return texts, labels


def review_corpus(name: str) -> tuple[list[str], list[int]]:
    """waimai_10k, ChnSentiCorp_htl_all or online_shopping_10_cats; label 1 = positive."""
    folder = data_root() / name
    rows = _csv_rows(folder / f"{name}.csv")
    pairs = [((r.get("review") or "").strip(), int(r["label"])) for r in rows if (r.get("review") or "").strip()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def weibo21(split: str) -> tuple[list[str], list[int]]:
    """Weibo21 posts (label 1 = fake), rows of category 无法确定 dropped as the paper does."""
    rows = _csv_rows(data_root() / "weibo21" / f"{split}.csv")
    rows = [r for r in rows if r.get("category") != "无法确定" and r.get("content")]
    return [r["content"] for r in rows], [int(r["label"]) for r in rows]


def checked(split: str) -> tuple[list[str], list[int]]:
    """CHECKED (COVID-19 Weibo); label 1 = fake."""
    texts, labels = [], []
    with open(data_root() / "checked" / f"{split}.txt", encoding="utf-8") as handle:
        for line in handle:
            text, _, label = line.rstrip("\n").rpartition("\t")
            if text:
                texts.append(text)
                labels.append(1 if label.strip() == "fake" else 0)
    return texts, labels


def ced(split: str) -> tuple[list[str], list[int]]:
    """CED Weibo rumours (label 1 = rumor); no official split, so 80/20 by a hash of the file name."""
    rows = _csv_rows(data_root() / "ced_weibo_rumor" / "ced_original_microblogs.csv")
    texts, labels = [], []
    for row in rows:
        bucket = int(hashlib.sha1(row["file"].encode()).hexdigest(), 16) % 5
        if (bucket == 0) == (split == "test") and row.get("text"):
            texts.append(row["text"])
            labels.append(1 if row["label"] == "rumor" else 0)
    return texts, labels


def thucnews(split: str) -> tuple[list[str], list[int]]:
    """THUCNews titles (dev / test), 10 topics."""
    texts, labels = [], []
    with open(data_root() / "thucnews_titles" / f"{split}.txt", encoding="utf-8") as handle:
        for line in handle:
            text, _, label = line.rstrip("\n").rpartition("\t")
            if text:
                texts.append(text)
                labels.append(int(label))
    return texts, labels


def cold(split: str) -> tuple[list[str], list[int]]:
    """COLD (thu-coai/COLDataset, Apache-2.0): real comments on race, gender and region; label 1 =
    offensive. The project's real set for ``incitement`` (issue 11); measured only so far."""
    texts, labels = [], []
    for row in _csv_rows(data_root() / "cold" / f"{split}.csv"):
        text = (row.get("TEXT") or "").strip()
        if text and row.get("label") in ("0", "1"):
            texts.append(text)
            labels.append(int(row["label"]))
    return texts, labels


def project_set(name: str, split: str) -> list[dict]:
    """Rows of ``nlp/datasets/<name>_<split>.jsonl`` (the project's own labelled sets)."""
    path = PROJECT_SETS / f"{name}_{split}.jsonl"
    if not path.exists():
        raise InputError(f"{path} is missing: the NLP extraction work writes the project's labelled sets there")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise InputError(f"{path}:{number}: not JSON ({exc})") from exc
    return rows


def subset(texts: list[str], labels: list, limit: int | None, seed: int = 0) -> tuple[list[str], list]:
    """A fixed random subset (same rows every run): embedding a whole set costs too long on CPU."""
    if not limit or limit >= len(texts):
        return texts, labels
    import random

    order = sorted(random.Random(seed).sample(range(len(texts)), limit))
    return [texts[i] for i in order], [labels[i] for i in order]


def real_storm_dev() -> list[dict]:
    """The real storm posts' dev split labelled by reading (``nlp/eval``): text, labels, group.

    Only the dev split: the frozen test split is read by ``python -m nlp.eval.score --split test``
    alone, so no training or choice ever sees it. ``group`` is the near-duplicate group, for
    grouped folds (reposts of one text stay in one fold).
    """
    from nlp.eval import label as labelling
    from nlp.eval.score import split_labels

    posts = labelling.load_posts()
    groups = {e["id"]: e["group"] for e in labelling.load_manifest()["entries"]}
    return [{**row, "text": posts[row["id"]]["text"], "group": groups[row["id"]]} for row in split_labels("dev")]
